//! Side-by-side benchmarks of corsair against tower-http's `CorsLayer` and actix-cors, with
//! equivalent configurations, plus the same trivial service without any CORS layer.
//!
//! This library holds what the micro benchmarks (`benches/middleware.rs`), the end-to-end
//! server (`src/bin/e2e-server.rs`) and the smoke test (`tests/same_answers.rs`) share: one
//! configuration ([`Spec`]) expressed for every middleware, the requests of every case
//! ([`Case`]), and drivers that run a service call to completion without an async runtime
//! (every service here answers on its first poll). Run everything with `scripts/bench`; see
//! `BENCHMARKS.md` at the repository root.

use std::{
    convert::Infallible,
    fmt,
    future::{Future, Ready, ready},
    pin::pin,
    task::{Context, Poll, Waker},
};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, header};
use http_body_util::Full;

/// Methods every configuration allows.
pub const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];
/// Request headers every configuration allows.
pub const HEADERS: [&str; 2] = ["content-type", "x-api-key"];
/// Response headers every configuration exposes.
pub const EXPOSE: [&str; 1] = ["x-request-id"];
/// Preflight cache lifetime, seconds.
pub const MAX_AGE: u32 = 600;
/// An origin no configuration allows.
pub const REFUSED_ORIGIN: &str = "https://evil.example";
/// The body of the trivial service.
pub const HELLO: &str = "Hello, World!";

/// The configured origins: how many, and of which kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    /// `https://app{i}.example` for `i` in `0..n`.
    Exact(usize),
    /// `https://*.tenant{i}.example` for `i` in `0..n`: subdomain patterns.
    Subdomains(usize),
}

impl Origins {
    /// The configured entries, as written in a corsair policy.
    pub fn entries(self) -> Vec<String> {
        match self {
            Self::Exact(n) => (0..n).map(|i| format!("https://app{i}.example")).collect(),
            Self::Subdomains(n) => (0..n)
                .map(|i| format!("https://*.tenant{i}.example"))
                .collect(),
        }
    }

    /// An allowed origin matching the last entry: the worst case for a linear scan.
    pub fn allowed_origin(self) -> String {
        match self {
            Self::Exact(n) => format!("https://app{}.example", n - 1),
            Self::Subdomains(n) => format!("https://eu.api.tenant{}.example", n - 1),
        }
    }

    /// The host suffixes (`.tenant{i}.example`) of subdomain patterns, for the peers'
    /// predicates (neither tower-http nor actix-cors has subdomain patterns).
    pub fn suffixes(self) -> Vec<String> {
        match self {
            Self::Exact(_) => Vec::new(),
            Self::Subdomains(n) => (0..n).map(|i| format!(".tenant{i}.example")).collect(),
        }
    }
}

/// What a configuration allows, besides its origins: fixed for every benchmark, so that the
/// configurations of the middlewares compared stay equivalent (same origins, methods,
/// headers, credentials and max-age).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The configured origins.
    pub origins: Origins,
}

impl Spec {
    /// A configuration with these origins.
    pub fn new(origins: Origins) -> Self {
        Self { origins }
    }

    /// As a corsair policy.
    pub fn corsair(self) -> corsair::Policy {
        corsair::Config::new()
            .allow_origins(self.origins.entries())
            .allow_methods(METHODS)
            .allow_headers(HEADERS)
            .expose_headers(EXPOSE)
            .allow_credentials(true)
            .max_age(corsair::MaxAge::Seconds(MAX_AGE))
            .build()
            .expect("the benchmark policy is valid")
    }

    /// As tower-http's `CorsLayer`: a list for exact origins (tower-http scans it linearly),
    /// a predicate for subdomain patterns (it has none).
    pub fn tower_http(self) -> tower_http::cors::CorsLayer {
        use tower_http::cors::{AllowOrigin, CorsLayer};
        let origin = match self.origins {
            Origins::Exact(_) => AllowOrigin::list(
                self.origins
                    .entries()
                    .iter()
                    .map(|origin| HeaderValue::from_str(origin).expect("ascii")),
            ),
            Origins::Subdomains(_) => {
                let suffixes = self.origins.suffixes();
                AllowOrigin::predicate(move |origin, _| {
                    origin
                        .to_str()
                        .is_ok_and(|origin| subdomain_allowed(origin, &suffixes))
                })
            }
        };
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(METHODS.map(|m| Method::from_bytes(m.as_bytes()).expect("method")))
            .allow_headers(HEADERS.map(HeaderName::from_static))
            .expose_headers(EXPOSE.map(HeaderName::from_static))
            .allow_credentials(true)
            .max_age(std::time::Duration::from_secs(MAX_AGE.into()))
    }

    /// As actix-cors: a set for exact origins, a predicate for subdomain patterns. Origin
    /// mismatches reach the application without grants (`block_on_origin_mismatch(false)`),
    /// as they do with corsair and tower-http.
    pub fn actix_cors(self) -> actix_cors::Cors {
        let mut cors = actix_cors::Cors::default()
            .allowed_methods(METHODS)
            .allowed_headers(HEADERS)
            .expose_headers(EXPOSE)
            .supports_credentials()
            .max_age(Some(MAX_AGE as usize))
            .block_on_origin_mismatch(false);
        match self.origins {
            Origins::Exact(_) => {
                for origin in self.origins.entries() {
                    cors = cors.allowed_origin(&origin);
                }
            }
            Origins::Subdomains(_) => {
                let suffixes = self.origins.suffixes();
                cors = cors.allowed_origin_fn(move |origin, _| {
                    origin
                        .to_str()
                        .is_ok_and(|origin| subdomain_allowed(origin, &suffixes))
                });
            }
        }
        cors
    }

    /// As corsair's own actix-web middleware.
    pub fn corsair_actix(self) -> corsair_actix::Cors {
        corsair_actix::Cors::new(self.corsair())
    }
}

/// What a tower-http or actix-cors user writes for `https://*.tenant{i}.example`: the scheme,
/// then each suffix in turn (port-less origins only, as the patterns are).
fn subdomain_allowed(origin: &str, suffixes: &[String]) -> bool {
    let Some(host) = origin.strip_prefix("https://") else {
        return false;
    };
    !host.contains(':')
        && suffixes
            .iter()
            .any(|suffix| host.len() > suffix.len() && host.ends_with(suffix.as_str()))
}

/// A benchmarked request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `OPTIONS` from an allowed origin asking for `PUT` with both allowed headers.
    PreflightAllowed,
    /// `OPTIONS` from an origin that is not allowed.
    PreflightRefused,
    /// `GET` from an allowed origin.
    ActualAllowed,
    /// `GET` from an origin that is not allowed.
    ActualRefused,
    /// `GET` without `Origin`.
    NotCors,
    /// A preflight whose `Access-Control-Request-Headers` is 1 MiB of commas.
    AdversarialCommas,
    /// A preflight whose `Access-Control-Request-Headers` lists 10,000 names (the two allowed
    /// ones, repeated), so every middleware that checks names must check them all.
    AdversarialNames,
}

impl Case {
    /// Every case.
    pub const ALL: [Self; 7] = [
        Self::PreflightAllowed,
        Self::PreflightRefused,
        Self::ActualAllowed,
        Self::ActualRefused,
        Self::NotCors,
        Self::AdversarialCommas,
        Self::AdversarialNames,
    ];

    /// The name used in benchmark output and on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::PreflightAllowed => "preflight_allowed",
            Self::PreflightRefused => "preflight_refused",
            Self::ActualAllowed => "actual_allowed",
            Self::ActualRefused => "actual_refused",
            Self::NotCors => "not_cors",
            Self::AdversarialCommas => "commas_1mib",
            Self::AdversarialNames => "names_10k",
        }
    }

    /// Whether the request is a preflight.
    pub fn is_preflight(self) -> bool {
        !matches!(
            self,
            Self::ActualAllowed | Self::ActualRefused | Self::NotCors
        )
    }

    /// Whether the request comes from an allowed origin.
    pub fn from_allowed_origin(self) -> bool {
        !matches!(
            self,
            Self::PreflightRefused | Self::ActualRefused | Self::NotCors
        )
    }
}

/// A request's method and headers, built once with shared header values (as a server's are:
/// hyper and actix-web slice them out of the read buffer), so that every copy is cheap and a
/// middleware echoing a value only bumps a reference count.
#[derive(Debug, Clone)]
pub struct Template {
    /// The method.
    pub method: Method,
    /// The headers, in order, values shared.
    pub headers: Vec<(HeaderName, Bytes)>,
}

impl Template {
    /// The request of `case` under `spec`.
    pub fn new(case: Case, spec: Spec) -> Self {
        let origin = if case.from_allowed_origin() {
            spec.origins.allowed_origin()
        } else {
            REFUSED_ORIGIN.to_owned()
        };
        let mut headers = vec![(header::HOST, Bytes::from_static(b"api.example.com"))];
        if case != Case::NotCors {
            headers.push((header::ORIGIN, Bytes::from(origin)));
        }
        if case.is_preflight() {
            headers.push((
                header::ACCESS_CONTROL_REQUEST_METHOD,
                Bytes::from_static(b"PUT"),
            ));
            let requested = match case {
                Case::AdversarialCommas => Bytes::from(",".repeat(1 << 20)),
                Case::AdversarialNames => repeated_names(10_000),
                Case::PreflightRefused => Bytes::from_static(b"content-type"),
                _ => Bytes::from(HEADERS.join(",")),
            };
            headers.push((header::ACCESS_CONTROL_REQUEST_HEADERS, requested));
        }
        let method = if case.is_preflight() {
            Method::OPTIONS
        } else {
            Method::GET
        };
        Self { method, headers }
    }

    /// A preflight from an allowed origin asking for `PUT` and the given
    /// `Access-Control-Request-Headers` value (for the scaling benchmarks).
    pub fn preflight_requesting(spec: Spec, requested: Bytes) -> Self {
        let mut template = Self::new(Case::PreflightAllowed, spec);
        for (name, value) in &mut template.headers {
            if *name == header::ACCESS_CONTROL_REQUEST_HEADERS {
                *value = requested.clone();
            }
        }
        template
    }

    /// As an `http` request for tower services.
    pub fn http(&self) -> Request<()> {
        let mut request = Request::new(());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = http::Uri::from_static("/");
        let headers = request.headers_mut();
        headers.reserve(self.headers.len());
        for (name, value) in &self.headers {
            headers.append(
                name.clone(),
                HeaderValue::from_maybe_shared(value.clone()).expect("valid header value"),
            );
        }
        request
    }

    /// As an actix-web service request.
    pub fn actix(&self) -> actix_web::dev::ServiceRequest {
        use actix_web::http::header::{HeaderName as ActixName, HeaderValue as ActixValue};
        let mut request = actix_web::test::TestRequest::default()
            .method(
                actix_web::http::Method::from_bytes(self.method.as_str().as_bytes())
                    .expect("method"),
            )
            .uri("/")
            .to_srv_request();
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            headers.append(
                ActixName::from_bytes(name.as_str().as_bytes()).expect("name"),
                ActixValue::from_maybe_shared(value.clone()).expect("value"),
            );
        }
        request
    }
}

/// `n` allowed header names (`content-type,x-api-key,content-type,...`) in one line.
pub fn repeated_names(n: usize) -> Bytes {
    let names: Vec<&str> = HEADERS.iter().copied().cycle().take(n).collect();
    Bytes::from(names.join(","))
}

/// The trivial application: a fixed `200 OK` with a `content-type` and a short body.
pub fn hello() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(HELLO.as_bytes())));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The trivial application's response type.
pub type Hello = Response<Full<Bytes>>;

/// The trivial application's future: ready at once.
pub type HelloFuture = Ready<Result<Hello, Infallible>>;

/// The trivial application as a tower service: a `tower::service_fn` answering [`hello`].
pub fn tower_app()
-> impl tower::Service<Request<()>, Response = Hello, Error = Infallible, Future = HelloFuture>
+ Clone
+ Send
+ 'static {
    tower::service_fn(|_request: Request<()>| ready(Ok(hello())))
}

/// The trivial application as an actix-web service factory's service.
pub fn actix_app(
    request: actix_web::dev::ServiceRequest,
) -> Ready<Result<actix_web::dev::ServiceResponse, actix_web::Error>> {
    ready(Ok(request.into_response(
        actix_web::HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(HELLO),
    )))
}

/// Polls `future` once: every service benchmarked here answers without waiting.
pub fn now<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the benchmarked service did not answer on its first poll"),
    }
}

/// One request through a tower service, as a server does it: `poll_ready`, then `call`,
/// then the response future.
pub fn call_tower<S, B>(service: &mut S, request: Request<()>) -> Response<B>
where
    S: tower::Service<Request<()>, Response = Response<B>>,
    S::Error: fmt::Debug,
{
    let mut context = Context::from_waker(Waker::noop());
    match service.poll_ready(&mut context) {
        Poll::Ready(Ok(())) => {}
        other => panic!("service not ready: {other:?}"),
    }
    now(service.call(request)).expect("the service does not fail")
}

/// One request through an actix-web service.
pub fn call_actix<S, B>(
    service: &S,
    request: actix_web::dev::ServiceRequest,
) -> actix_web::dev::ServiceResponse<B>
where
    S: actix_web::dev::Service<
            actix_web::dev::ServiceRequest,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    now(service.call(request)).expect("the service does not fail")
}

/// Builds an actix-web middleware around the trivial application.
pub fn actix_wrap<T>(transform: &T) -> T::Transform
where
    T: actix_web::dev::Transform<ActixApp, actix_web::dev::ServiceRequest>,
    T::InitError: fmt::Debug,
{
    now(transform.new_transform(actix_app_service())).expect("the middleware builds")
}

/// The trivial application as an actix-web service.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActixApp;

impl actix_web::dev::Service<actix_web::dev::ServiceRequest> for ActixApp {
    type Response = actix_web::dev::ServiceResponse;
    type Error = actix_web::Error;
    type Future = Ready<Result<actix_web::dev::ServiceResponse, actix_web::Error>>;

    actix_web::dev::always_ready!();

    fn call(&self, request: actix_web::dev::ServiceRequest) -> Self::Future {
        actix_app(request)
    }
}

/// [`ActixApp`].
pub fn actix_app_service() -> ActixApp {
    ActixApp
}

/// The status and headers of an answer, framework-neutral, for comparing middlewares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Every header, lowercase name and value, in order.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// From an `http` response.
    pub fn from_http<B>(response: &Response<B>) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: pairs(response.headers()),
        }
    }

    /// From an actix-web response.
    pub fn from_actix<B>(response: &actix_web::dev::ServiceResponse<B>) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        }
    }

    /// The values of `name`, joined with `,` as a list.
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The middlewares compared, and the baselines without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The trivial tower service alone.
    TowerBaseline,
    /// `corsair_tower::CorsLayer`.
    CorsairTower,
    /// `tower_http::cors::CorsLayer`.
    TowerHttp,
    /// The trivial actix-web service alone.
    ActixBaseline,
    /// `actix_cors::Cors`.
    ActixCors,
    /// `corsair_actix::Cors`.
    CorsairActix,
}

impl Subject {
    /// Every subject.
    pub const ALL: [Self; 6] = [
        Self::TowerBaseline,
        Self::CorsairTower,
        Self::TowerHttp,
        Self::ActixBaseline,
        Self::ActixCors,
        Self::CorsairActix,
    ];

    /// The name used in benchmark output.
    pub fn name(self) -> &'static str {
        match self {
            Self::TowerBaseline => "tower_no_cors",
            Self::CorsairTower => "corsair_tower",
            Self::TowerHttp => "tower_http",
            Self::ActixBaseline => "actix_no_cors",
            Self::ActixCors => "actix_cors",
            Self::CorsairActix => "corsair_actix",
        }
    }

    /// The subject of a benchmark-output name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|subject| subject.name() == name)
    }

    /// Whether this is a baseline without CORS.
    pub fn is_baseline(self) -> bool {
        matches!(self, Self::TowerBaseline | Self::ActixBaseline)
    }

    /// Answers one request of `case` under `spec` (builds the middleware anew: for tests).
    pub fn answer(self, spec: Spec, case: Case) -> Answer {
        use tower::Layer;
        let template = Template::new(case, spec);
        match self {
            Self::TowerBaseline => {
                Answer::from_http(&call_tower(&mut tower_app(), template.http()))
            }
            Self::CorsairTower => {
                let mut service = corsair_tower::CorsLayer::new(spec.corsair()).layer(tower_app());
                Answer::from_http(&call_tower(&mut service, template.http()))
            }
            Self::TowerHttp => {
                let mut service = spec.tower_http().layer(tower_app());
                Answer::from_http(&call_tower(&mut service, template.http()))
            }
            Self::ActixBaseline => {
                Answer::from_actix(&call_actix(&actix_app_service(), template.actix()))
            }
            Self::ActixCors => {
                let service = actix_wrap(&spec.actix_cors());
                Answer::from_actix(&call_actix(&service, template.actix()))
            }
            Self::CorsairActix => {
                let service = actix_wrap(&spec.corsair_actix());
                Answer::from_actix(&call_actix(&service, template.actix()))
            }
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
