//! The tower service contract: per-route policies, error pass-through, readiness.

use std::{
    convert::Infallible,
    task::{Context, Poll},
};

use axum::{Router, body::Body, routing::get};
use corsair::Config;
use corsair_tower::{Cors, CorsLayer};
use http::{Request, Response};
use tower::{Service, ServiceExt};

fn policy(origin: &str) -> corsair::Policy {
    Config::new()
        .allow_origins([origin])
        .allow_methods(["PUT"])
        .build()
        .unwrap()
}

fn request(path: &str, origin: &str, preflight: bool) -> Request<Body> {
    let mut builder = Request::builder().uri(path).header("origin", origin);
    if preflight {
        builder = builder
            .method("OPTIONS")
            .header("access-control-request-method", "PUT");
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn route_layer_gives_each_route_its_own_policy() {
    // Each group of routes gets its own layer. (Two corsair layers around the same route
    // would not combine: the outer one owns the Access-Control-* headers and wins.)
    let admin = Router::new()
        .route(
            "/admin",
            get(|| async { "admin" }).put(|| async { "admin" }),
        )
        .route_layer(CorsLayer::new(policy("https://admin.example.com")));
    let public = Router::new()
        .route(
            "/public",
            get(|| async { "public" }).put(|| async { "public" }),
        )
        .route_layer(CorsLayer::new(policy("https://www.example.com")));
    let app = admin.merge(public);
    let grant = |response: &Response<Body>| {
        response
            .headers()
            .get_all("access-control-allow-origin")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };

    let admin = app
        .clone()
        .oneshot(request("/admin", "https://admin.example.com", false))
        .await
        .unwrap();
    assert_eq!(
        grant(&admin),
        ["https://admin.example.com"],
        "the route's own policy, once"
    );
    let public = app
        .clone()
        .oneshot(request("/public", "https://www.example.com", false))
        .await
        .unwrap();
    assert_eq!(grant(&public), ["https://www.example.com"]);
    let wrong = app
        .clone()
        .oneshot(request("/public", "https://admin.example.com", true))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let admin_preflight = app
        .clone()
        .oneshot(request("/admin", "https://admin.example.com", true))
        .await
        .unwrap();
    assert_eq!(admin_preflight.status(), 204);
}

/// A service that fails every call with its own error and counts readiness polls.
#[derive(Clone, Default)]
struct Failing {
    polled: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

#[derive(Debug, PartialEq)]
struct Broken(&'static str);

impl Service<Request<Body>> for Failing {
    type Response = Response<Body>;
    type Error = Broken;
    type Future = std::future::Ready<Result<Response<Body>, Broken>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Broken>> {
        self.polled
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<Body>) -> Self::Future {
        std::future::ready(Err(Broken("inner failure")))
    }
}

#[tokio::test]
async fn inner_errors_pass_through_unchanged_and_readiness_is_the_inner_one() {
    let inner = Failing::default();
    let polled = inner.polled.clone();
    let mut service = Cors::new(inner, policy("https://app.example.com"));
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .unwrap();
    assert_eq!(polled.load(std::sync::atomic::Ordering::SeqCst), 1);
    let error = service
        .call(request("/", "https://app.example.com", false))
        .await
        .unwrap_err();
    assert_eq!(error, Broken("inner failure"));
    // A preflight never reaches the failing service.
    let preflight = service
        .ready()
        .await
        .unwrap()
        .call(request("/", "https://app.example.com", true))
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
}

#[tokio::test]
async fn non_preflight_options_reach_the_service() {
    let app = Router::new()
        .route(
            "/",
            axum::routing::options(|| async { "options handled by the app" }),
        )
        .layer(CorsLayer::new(policy("https://app.example.com")));
    let request = Request::builder()
        .method("OPTIONS")
        .uri("/")
        .header("origin", "https://app.example.com")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(body, "options handled by the app");
}

#[test]
fn layer_and_service_are_send_sync_clone() {
    fn check<T: Send + Sync + Clone>() {}
    check::<CorsLayer>();
    check::<
        Cors<
            tower::util::ServiceFn<
                fn(Request<Body>) -> std::future::Ready<Result<Response<Body>, Infallible>>,
            >,
        >,
    >();
}
