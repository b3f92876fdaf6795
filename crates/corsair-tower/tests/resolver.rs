//! Async origin resolution through the tower layer: cached answers, refusals on failure and
//! on timeout, never a hang.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Body, routing::get};
use corsair::Config;
use corsair_tower::{CorsLayer, OriginResolver};
use http::{Request, Response};
use tower::ServiceExt;

const TENANT: &str = "https://acme.tenants.example";

fn app(resolver: OriginResolver) -> Router {
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .allow_credentials(true)
        .build()
        .unwrap();
    Router::new()
        .route("/", get(|| async { "ok" }).put(|| async { "ok" }))
        .layer(CorsLayer::new(policy).resolver(resolver))
}

/// A resolver allowing `*.tenants.example` origins, counting its calls.
fn tenants() -> (OriginResolver, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let resolver = OriginResolver::new(move |origin: String| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok::<_, std::io::Error>(origin.ends_with(".tenants.example"))
        }
    });
    (resolver, calls)
}

async fn send(app: &Router, method: &str, origin: &str) -> Response<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri("/")
        .header("origin", origin);
    if method == "OPTIONS" {
        builder = builder.header("access-control-request-method", "PUT");
    }
    let request = builder.body(Body::empty()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), app.clone().oneshot(request))
        .await
        .expect("the layer must never hang")
        .unwrap()
}

fn granted(response: &Response<Body>) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn resolved_origins_are_granted_and_cached() {
    let (resolver, calls) = tenants();
    let app = app(resolver);
    let first = send(&app, "GET", TENANT).await;
    assert_eq!(granted(&first), Some(TENANT));
    assert_eq!(first.headers()["access-control-allow-credentials"], "true");
    let preflight = send(&app, "OPTIONS", TENANT).await;
    assert_eq!(preflight.status(), 204);
    assert_eq!(granted(&preflight), Some(TENANT));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the second and third requests hit the cache"
    );
}

#[tokio::test]
async fn listed_and_malformed_origins_never_reach_the_resolver() {
    let (resolver, calls) = tenants();
    let app = app(resolver);
    assert_eq!(
        granted(&send(&app, "GET", "https://app.example.com").await),
        Some("https://app.example.com")
    );
    for junk in [
        "null",
        "https://ACME.tenants.example",
        "http://acme.tenants.example",
        "x",
    ] {
        assert_eq!(granted(&send(&app, "GET", junk).await), None, "{junk}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn denied_origins_are_refused() {
    let (resolver, calls) = tenants();
    let app = app(resolver);
    let response = send(&app, "GET", "https://evil.example").await;
    assert_eq!(
        response.status(),
        200,
        "actual requests still reach the handler"
    );
    assert_eq!(granted(&response), None);
    assert_eq!(
        send(&app, "OPTIONS", "https://evil.example").await.status(),
        403
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the denial is cached");
}

#[tokio::test]
async fn a_failing_resolver_refuses() {
    let resolver = OriginResolver::new(|_origin: String| async {
        Err::<bool, _>(std::io::Error::other("database unreachable"))
    });
    let app = app(resolver);
    assert_eq!(send(&app, "OPTIONS", TENANT).await.status(), 403);
    assert_eq!(granted(&send(&app, "GET", TENANT).await), None);
}

#[tokio::test]
async fn a_resolver_that_never_answers_is_cut_off() {
    let resolver = OriginResolver::new(|_origin: String| async {
        std::future::pending::<Result<bool, std::io::Error>>().await
    })
    .timeout(Duration::from_millis(100));
    let app = app(resolver);
    let started = std::time::Instant::now();
    assert_eq!(send(&app, "OPTIONS", TENANT).await.status(), 403);
    assert!(started.elapsed() < Duration::from_secs(2));
}
