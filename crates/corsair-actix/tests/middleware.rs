//! The middleware inside actix-web: per-scope and per-resource policies, inner-service
//! errors, the origin resolver, and reloading, with `actix_web::test` where sockets are not
//! the point and over real sockets where they are.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    thread,
    time::{Duration, Instant},
};

use actix_web::{
    App, HttpResponse, HttpServer, Responder,
    dev::{Service, ServiceRequest, ServiceResponse, fn_service},
    error,
    http::{Method, StatusCode},
    rt::System,
    test::{self, TestRequest},
    web,
};
use corsair::{Config, Policy, PolicyHandle};
use corsair_actix::{Cors, OriginResolver};

fn policy(origins: &[&str], methods: &[&str]) -> Policy {
    Config::new()
        .allow_origins(origins.iter().copied())
        .allow_methods(methods.iter().copied())
        .build()
        .unwrap()
}

async fn handled() -> impl Responder {
    HttpResponse::Ok()
        .insert_header(("x-handler", "reached"))
        .body("handled")
}

fn get(uri: &str, origin: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header(("origin", origin))
}

fn preflight(uri: &str, origin: &str, method: &str) -> TestRequest {
    TestRequest::default()
        .method(Method::OPTIONS)
        .uri(uri)
        .insert_header(("origin", origin))
        .insert_header(("access-control-request-method", method))
}

fn header<'a, B>(response: &'a ServiceResponse<B>, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

fn allowed_origin<B>(response: &ServiceResponse<B>) -> Option<&str> {
    header(response, "access-control-allow-origin")
}

// --- origin predicates ------------------------------------------------------------------------

#[actix_web::test]
async fn origin_predicates_see_the_whole_request() {
    // Without predicates only the CORS headers cross over to the engine; a predicate may read
    // anything, so with one the URI and every header do.
    let policy = Config::new()
        .allow_origin_predicate(|origin, head| {
            origin == "https://tenant.example"
                && head.uri().path() == "/tenant/items"
                && head
                    .headers()
                    .get("x-tenant")
                    .is_some_and(|value| value == "t1")
        })
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy))
            .route("/tenant/items", web::get().to(handled)),
    )
    .await;
    for (tenant, allowed) in [("t1", true), ("t2", false)] {
        let request = get("/tenant/items", "https://tenant.example")
            .insert_header(("x-tenant", tenant))
            .to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(
            allowed_origin(&response),
            allowed.then_some("https://tenant.example"),
            "{tenant}"
        );
    }
}

// --- per-scope and per-resource policies -----------------------------------------------------

#[actix_web::test]
async fn each_scope_answers_by_its_own_policy() {
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/a")
                    .wrap(Cors::new(policy(&["https://a.example"], &["PUT"])))
                    .route("/items", web::get().to(handled)),
            )
            .service(
                web::scope("/b")
                    .wrap(Cors::new(policy(&["https://b.example"], &["DELETE"])))
                    .route("/items", web::get().to(handled)),
            )
            .service(
                web::resource("/c")
                    .wrap(Cors::new(policy(&["https://c.example"], &["PATCH"])))
                    .route(web::get().to(handled)),
            )
            .route("/open", web::get().to(handled)),
    )
    .await;

    for (scope, origin) in [
        ("/a/items", "https://a.example"),
        ("/b/items", "https://b.example"),
        ("/c", "https://c.example"),
    ] {
        let response = test::call_service(&app, get(scope, origin).to_request()).await;
        assert_eq!(allowed_origin(&response), Some(origin), "{scope}");
        assert_eq!(header(&response, "vary"), Some("Origin"));
        assert_eq!(header(&response, "x-handler"), Some("reached"));
    }
    // Each scope refuses the other's origin.
    let response =
        test::call_service(&app, get("/a/items", "https://b.example").to_request()).await;
    assert_eq!(allowed_origin(&response), None);
    assert_eq!(header(&response, "vary"), Some("Origin"));
    let response =
        test::call_service(&app, get("/b/items", "https://a.example").to_request()).await;
    assert_eq!(allowed_origin(&response), None);

    // Preflights are answered by each scope's policy, without reaching the routes (which
    // only accept GET).
    for (uri, origin, method) in [
        ("/a/items", "https://a.example", "PUT"),
        ("/b/items", "https://b.example", "DELETE"),
        ("/c", "https://c.example", "PATCH"),
    ] {
        let response = test::call_service(&app, preflight(uri, origin, method).to_request()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "{uri}");
        assert_eq!(allowed_origin(&response), Some(origin));
        assert_eq!(
            header(&response, "access-control-allow-methods"),
            Some(method)
        );
        assert_eq!(header(&response, "x-handler"), None);
    }
    let response = test::call_service(
        &app,
        preflight("/a/items", "https://a.example", "DELETE").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(allowed_origin(&response), None);

    // Outside every wrapped scope, no CORS at all.
    let response = test::call_service(&app, get("/open", "https://a.example").to_request()).await;
    assert_eq!(allowed_origin(&response), None);
    assert_eq!(header(&response, "vary"), None);
}

#[actix_web::test]
async fn options_that_are_not_preflights_reach_the_application() {
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy(&["https://a.example"], &["PUT"])))
            .service(web::resource("/items").route(web::get().to(handled))),
    )
    .await;
    // actix-web answers OPTIONS on a GET-only route with 405: the application's answer, with
    // the grant, as for any error response.
    let request = TestRequest::default()
        .method(Method::OPTIONS)
        .uri("/items")
        .insert_header(("origin", "https://a.example"))
        .to_request();
    let response = test::call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(allowed_origin(&response), Some("https://a.example"));
    assert_eq!(header(&response, "vary"), Some("Origin"));
}

/// An HTTP/2 WebSocket handshake (RFC 8441 extended CONNECT): no `Upgrade`, only
/// `Sec-WebSocket-Version`, checked like an HTTP/1.1 upgrade.
#[actix_web::test]
async fn http2_websocket_handshakes_are_checked() {
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy(&["https://a.example"], &[])))
            .default_service(web::to(handled)),
    )
    .await;
    let connect = |origin: Option<&str>, version: bool| {
        let mut request = TestRequest::default()
            .method(Method::CONNECT)
            .version(actix_web::http::Version::HTTP_2)
            .uri("/ws")
            .insert_header(("host", "api.example.com"));
        if version {
            request = request.insert_header(("sec-websocket-version", "13"));
        }
        if let Some(origin) = origin {
            request = request.insert_header(("origin", origin));
        }
        request.to_request()
    };
    let refused = test::call_service(&app, connect(Some("https://evil.example"), true)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&refused, "x-handler"), None);
    for origin in [
        None,
        Some("https://a.example"),
        Some("https://api.example.com"),
    ] {
        let passed = test::call_service(&app, connect(origin, true)).await;
        assert_eq!(header(&passed, "x-handler"), Some("reached"), "{origin:?}");
    }
    // A `CONNECT` without `Sec-WebSocket-Version` is a tunnel, not a handshake.
    let tunnel = test::call_service(&app, connect(Some("https://evil.example"), false)).await;
    assert_eq!(header(&tunnel, "x-handler"), Some("reached"));
}

// --- errors of the inner service ------------------------------------------------------------

/// A service that fails, as an authentication middleware or a `fn_service` does.
fn failing(request: ServiceRequest) -> impl Future<Output = Result<ServiceResponse, error::Error>> {
    let _ = request;
    async {
        let mut error = error::ErrorUnauthorized("who are you?");
        // Headers an inner layer put on its error response are owned by corsair too.
        error.add_response_mapper(|mut response| {
            response.headers_mut().insert(
                actix_web::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
                actix_web::http::header::HeaderValue::from_static("*"),
            );
            response
        });
        Err(error)
    }
}

#[actix_web::test]
async fn inner_errors_pass_through_and_render_with_the_grant() {
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy(&["https://a.example"], &["PUT"])))
            .default_service(fn_service(failing)),
    )
    .await;

    let outcome = test::try_call_service(&app, get("/", "https://a.example").to_request()).await;
    let Err(error) = outcome else {
        panic!("the inner service's error must pass through as an error");
    };
    assert_eq!(error.to_string(), "who are you?");
    for _ in 0..2 {
        // Rendering twice gives the same headers (mappers must be idempotent).
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let lines = |name: &str| -> Vec<_> { response.headers().get_all(name).collect() };
        assert_eq!(lines("access-control-allow-origin"), ["https://a.example"]);
        assert_eq!(lines("vary"), ["Origin"]);
    }

    // A refused origin gets no grant on the error either, only Vary.
    let outcome = test::try_call_service(&app, get("/", "https://evil.example").to_request()).await;
    let response = outcome.err().unwrap().error_response();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(response.headers().get("vary").unwrap(), "Origin");

    // Preflights never reach the failing service.
    let response = test::call_service(
        &app,
        preflight("/", "https://a.example", "PUT").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

/// An actix-web server on 127.0.0.1 in its own thread and system, stopped on drop.
struct Server {
    address: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    fn start(cors: Cors, workers: usize, routes: fn(&mut web::ServiceConfig)) -> Self {
        let (sender, receiver) = mpsc::channel();
        let thread = thread::spawn(move || {
            System::new().block_on(async move {
                let server =
                    HttpServer::new(move || App::new().wrap(cors.clone()).configure(routes))
                        .workers(workers)
                        .disable_signals()
                        .bind(("127.0.0.1", 0))
                        .unwrap();
                let address = server.addrs()[0];
                let server = server.run();
                sender.send((address, server.handle())).unwrap();
                server.await.unwrap();
            });
        });
        let (address, handle) = receiver.recv().unwrap();
        Self {
            address,
            handle,
            thread: Some(thread),
        }
    }

    async fn exchange(&self, request: &http::Request<()>) -> (u16, Vec<(String, String)>) {
        corsair_conformance::exchange(self.address, request)
            .await
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

fn lines<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(candidate, _)| candidate == name)
        .map(|(_, value)| value.as_str())
        .collect()
}

fn wire_request(origin: &str) -> http::Request<()> {
    http::Request::get("/anything")
        .header("origin", origin)
        .body(())
        .unwrap()
}

#[tokio::test]
async fn inner_errors_carry_the_grant_over_sockets() {
    let server = Server::start(
        Cors::new(policy(&["https://a.example"], &["PUT"])),
        1,
        |routes| {
            routes.default_service(fn_service(failing));
        },
    );
    let (status, headers) = server.exchange(&wire_request("https://a.example")).await;
    assert_eq!(status, 401);
    assert_eq!(
        lines(&headers, "access-control-allow-origin"),
        ["https://a.example"]
    );
    assert_eq!(lines(&headers, "vary"), ["Origin"]);
}

// --- the origin resolver --------------------------------------------------------------------

/// A resolver allowing `*.customers.example`, counting its calls.
fn counting_resolver() -> (OriginResolver, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let resolver = OriginResolver::new(move |origin: String| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, std::io::Error>(origin.ends_with(".customers.example")) }
    });
    (resolver, calls)
}

#[actix_web::test]
async fn resolved_origins_are_allowed_and_cached() {
    let (resolver, calls) = counting_resolver();
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy(&["https://app.example.com"], &["PUT"])).resolver(resolver))
            .default_service(web::to(handled)),
    )
    .await;
    let tenant = "https://shop.customers.example";

    for _ in 0..3 {
        let response = test::call_service(&app, get("/", tenant).to_request()).await;
        assert_eq!(allowed_origin(&response), Some(tenant));
        assert_eq!(header(&response, "x-handler"), Some("reached"));
    }
    let response = test::call_service(&app, preflight("/", tenant, "PUT").to_request()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(allowed_origin(&response), Some(tenant));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "one resolution, then the cache"
    );

    // Denials are cached too.
    for _ in 0..2 {
        let response =
            test::call_service(&app, get("/", "https://evil.example").to_request()).await;
        assert_eq!(allowed_origin(&response), None);
        assert_eq!(header(&response, "vary"), Some("Origin"));
    }
    let response = test::call_service(
        &app,
        preflight("/", "https://evil.example", "PUT").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // Listed origins and junk never reach the resolver.
    let response = test::call_service(&app, get("/", "https://app.example.com").to_request()).await;
    assert_eq!(allowed_origin(&response), Some("https://app.example.com"));
    for junk in [
        "https://SHOP.customers.example",
        "null",
        "https://x.customers.example/",
    ] {
        let response = test::call_service(&app, get("/", junk).to_request()).await;
        assert_eq!(allowed_origin(&response), None, "{junk}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[actix_web::test]
async fn failing_resolvers_refuse_without_hanging() {
    let failing = OriginResolver::new(|_origin: String| async {
        Err::<bool, _>(std::io::Error::other("database is down"))
    });
    let silent = OriginResolver::new(|_origin: String| async {
        std::future::pending::<Result<bool, std::io::Error>>().await
    })
    .timeout(Duration::from_millis(200));

    for resolver in [failing, silent] {
        let app = test::init_service(
            App::new()
                .wrap(Cors::new(policy(&["https://app.example.com"], &["PUT"])).resolver(resolver))
                .default_service(web::to(handled)),
        )
        .await;
        let tenant = "https://shop.customers.example";
        let started = Instant::now();
        let response = test::call_service(&app, get("/", tenant).to_request()).await;
        assert_eq!(allowed_origin(&response), None);
        assert_eq!(header(&response, "vary"), Some("Origin"));
        assert_eq!(header(&response, "x-handler"), Some("reached"));
        let response = test::call_service(&app, preflight("/", tenant, "PUT").to_request()).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(allowed_origin(&response), None);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}

// --- reloading ------------------------------------------------------------------------------

#[actix_web::test]
async fn swapping_the_policy_changes_the_answers() {
    let handle = PolicyHandle::new(policy(&["https://a.example"], &["PUT"]));
    let app = test::init_service(
        App::new()
            .wrap(Cors::reloadable(handle.clone()))
            .default_service(web::to(handled)),
    )
    .await;
    let response = test::call_service(&app, get("/", "https://a.example").to_request()).await;
    assert_eq!(allowed_origin(&response), Some("https://a.example"));
    let response = test::call_service(
        &app,
        preflight("/", "https://a.example", "PUT").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    handle.store(policy(&["https://b.example"], &["DELETE"]));
    let response = test::call_service(&app, get("/", "https://a.example").to_request()).await;
    assert_eq!(allowed_origin(&response), None);
    let response = test::call_service(&app, get("/", "https://b.example").to_request()).await;
    assert_eq!(allowed_origin(&response), Some("https://b.example"));
    let response = test::call_service(
        &app,
        preflight("/", "https://b.example", "PUT").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = test::call_service(
        &app,
        preflight("/", "https://b.example", "DELETE").to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_follows_exactly_one_policy_while_swapping() {
    // Both policies allow the origin; they differ in what they grant with it.
    let first = Config::new()
        .allow_origins(["https://a.example"])
        .expose_headers(["x-first"])
        .build()
        .unwrap();
    let second = Config::new()
        .allow_origins(["https://a.example"])
        .expose_headers(["x-second"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let handle = PolicyHandle::new(first.clone());
    let server = Server::start(Cors::reloadable(handle.clone()), 2, |routes| {
        routes.default_service(web::to(handled));
    });

    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut swaps = 0_u32;
            while !stop.load(Ordering::Relaxed) {
                handle.store(if swaps.is_multiple_of(2) {
                    second.clone()
                } else {
                    first.clone()
                });
                swaps += 1;
                thread::sleep(Duration::from_micros(200));
            }
            swaps
        })
    };
    let mut seen = [0_u32; 2];
    for _ in 0..200 {
        let (status, headers) = server.exchange(&wire_request("https://a.example")).await;
        assert_eq!(status, 200);
        assert_eq!(
            lines(&headers, "access-control-allow-origin"),
            ["https://a.example"]
        );
        let expose = lines(&headers, "access-control-expose-headers");
        let credentials = lines(&headers, "access-control-allow-credentials");
        match (expose.as_slice(), credentials.as_slice()) {
            (["x-first"], []) => seen[0] += 1,
            (["x-second"], ["true"]) => seen[1] += 1,
            other => panic!("a response mixing the two policies: {other:?}"),
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0);
    assert!(
        seen[0] > 0 && seen[1] > 0,
        "both policies answered: {seen:?}"
    );
}

#[actix_web::test]
async fn the_middleware_serves_concurrent_requests_in_one_worker() {
    // Calls made before earlier ones finish (pipelining within one worker) each get their
    // own answer, including the slow resolver path.
    let resolver = OriginResolver::new(|origin: String| async move {
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        Ok::<_, std::io::Error>(origin == "https://slow.example")
    });
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy(&["https://a.example"], &["PUT"])).resolver(resolver))
            .default_service(web::to(handled)),
    )
    .await;
    let slow = app.call(get("/", "https://slow.example").to_request());
    let fast = app.call(get("/", "https://a.example").to_request());
    let fast = fast.await.unwrap();
    let slow = slow.await.unwrap();
    assert_eq!(allowed_origin(&fast), Some("https://a.example"));
    assert_eq!(allowed_origin(&slow), Some("https://slow.example"));
}
