//! corsair-actix allocates nothing per request beyond the response it builds, but for the
//! request values a grant keeps: neither `http` version's header value can lend its
//! buffer to the other, so a value the engine grants from the request (an origin granted by
//! a subdomain pattern, a preflight's echoed header list) is copied, once. A refusal holds
//! actix-web's own values, and everything else is read in place. Counting the decision
//! allocates only inside the metrics recorder.
//!
//! Each request goes through the trivial application alone, then through the middleware,
//! and the difference is counted; a preflight's answer is compared with building the same
//! response directly. Request values are made shared first, as a server's are (actix-web
//! slices them out of its read buffer).

#![allow(unsafe_code)] // a global allocator cannot be written without it

#[path = "../../corsair/tests/support/counting.rs"]
mod counting;

use std::{
    future::{Future, Ready, ready},
    pin::pin,
    task::{Context, Poll, Waker},
};

use actix_web::{
    Error, HttpResponse,
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    http::header::{HeaderName, HeaderValue},
    test::TestRequest,
};
use corsair_actix::Cors;
use counting::allocations_in;

/// The trivial application: `200 OK` with a `content-type`, its header map with room for
/// the CORS headers (growing the map is the framework's cost, whoever adds the header).
struct App;

impl Service<ServiceRequest> for App {
    type Response = ServiceResponse;
    type Error = Error;
    type Future = Ready<Result<ServiceResponse, Error>>;

    actix_web::dev::always_ready!();

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let mut response = HttpResponse::Ok().content_type("text/plain").finish();
        response.headers_mut().reserve(8);
        ready(Ok(request.into_response(response)))
    }
}

/// Polls once: every service here answers at once.
fn now<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("no answer on the first poll"),
    }
}

fn request(method: &str, headers: &[(&'static str, &'static str)]) -> ServiceRequest {
    let mut builder = TestRequest::default()
        .method(method.parse().unwrap())
        .uri("/items");
    for (name, value) in headers {
        // Copied into a buffer of their own, then shared, as a server's values are.
        let value = HeaderValue::from_bytes(value.as_bytes()).unwrap();
        drop(value.clone());
        builder = builder.append_header((HeaderName::from_static(name), value));
    }
    builder.to_srv_request()
}

/// Allocations of one call through `service`, the response dropped outside the count.
fn counted<S>(service: &S, request: ServiceRequest) -> (usize, ServiceResponse<S::Body>)
where
    S: Service<ServiceRequest, Error = Error> + Responds,
{
    let mut response = None;
    let count = allocations_in(|| response = Some(now(service.call(request)).unwrap()));
    (count, S::response(response.unwrap()))
}

/// The response type of a service, for [`counted`].
trait Responds: Service<ServiceRequest> {
    type Body;
    fn response(response: Self::Response) -> ServiceResponse<Self::Body>;
}

impl<S, B> Responds for S
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>>,
{
    type Body = B;
    fn response(response: Self::Response) -> ServiceResponse<B> {
        response
    }
}

/// Allocations of building `response`'s status and headers from nothing, as an answer does
/// (once `response` is gone, as the middleware's answer is built with no other alive).
fn building<B>(response: ServiceResponse<B>) -> usize {
    let headers: Vec<_> = response
        .headers()
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let status = response.status();
    drop(response);
    allocations_in(|| {
        let mut built = HttpResponse::new(status);
        for (name, value) in headers {
            built.headers_mut().append(name, value);
        }
        drop(std::hint::black_box(built));
    })
}

/// What counting a decision allocates: nothing of corsair's (its keys are built once), but
/// the Prometheus recorder wraps each handle it gives out in a new `Arc`.
const EXPORTER: usize = 1;

#[test]
fn the_middleware_allocates_nothing_beyond_the_response_even_for_echoes() {
    // Decisions are counted into a real recorder, as a server with an exporter counts them.
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let metrics = recorder.handle();
    let _counting = metrics::set_default_local_recorder(&recorder);
    let policy = corsair::Config::new()
        .allow_origins(["https://app.example.com", "https://*.preview.example.com"])
        .allow_methods(["PUT"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(corsair::MaxAge::Seconds(600))
        .build()
        .unwrap();
    let cors = now(Cors::new(policy).new_transform(App)).unwrap();
    let host = ("host", "api.example.com");
    let app = ("origin", "https://app.example.com");
    let preview = ("origin", "https://pr-1.preview.example.com");
    let evil = ("origin", "https://evil.example");
    let put = ("access-control-request-method", "PUT");
    let requested = ("access-control-request-headers", "content-type,x-api-key");
    // (method, headers, whether the middleware answers); an echoed origin or header list is
    // the request's own value, shared.
    let cases: [(&str, &[_], bool); 10] = [
        ("GET", &[host], false),
        ("GET", &[host, app], false),
        (
            "POST",
            &[host, app, ("sec-fetch-site", "cross-site")],
            false,
        ),
        ("GET", &[host, app, ("upgrade", "websocket")], false),
        ("GET", &[host, preview], false),
        ("GET", &[host, evil], false),
        ("OPTIONS", &[host, app, put], true),
        ("OPTIONS", &[host, app, put, requested], true),
        ("OPTIONS", &[host, evil, put, requested], true),
        (
            "OPTIONS",
            &[host, app, ("access-control-request-method", "PATCH")],
            true,
        ),
    ];
    for (method, headers, answered) in cases {
        // Once first: the first answer of each shape fills per-thread caches (the policy's
        // fixed values converted for actix-web, actix-web's pool of response heads) and
        // registers log call sites.
        drop(counted(&cors, request(method, headers)));
        drop(counted(&App, request(method, headers)));
        let alone = counted(&App, request(method, headers)).0;
        let (through, response) = counted(&cors, request(method, headers));
        let answer = format!("{:?}", response.headers());
        let builds = if answered {
            building(response)
        } else {
            drop(response);
            alone
        };
        assert_eq!(
            through,
            builds + EXPORTER,
            "{method} {headers:?}: {through} allocations, the response alone {builds}; \
             answered {answer}"
        );
    }
    // The two allowed preflights, each sent twice through the middleware.
    let counted = r#"corsair_requests_total{kind="preflight",decision="allowed",reason="none"} 4"#;
    assert!(metrics.render().contains(counted), "{}", metrics.render());
}
