//! The trivial application, and drivers that run one request through a service.

use std::{
    convert::Infallible,
    fmt,
    future::{Future, Ready, ready},
    pin::pin,
    task::{Context, Poll, Waker},
};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, header};
use http_body_util::Full;

use crate::HELLO;

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

/// The floor of an answered preflight: a tower service that drops the request and builds a
/// new response with `answer`'s status and headers (values shared, as corsair's are), with
/// no CORS logic at all. Built from corsair's own answer, so that it is the identical
/// response.
pub fn tower_floor(
    answer: &Response<Full<Bytes>>,
) -> impl tower::Service<Request<()>, Response = Hello, Error = Infallible, Future = HelloFuture>
+ Clone
+ Send
+ use<> {
    let status = answer.status();
    let headers: Vec<(header::HeaderName, HeaderValue)> = answer
        .headers()
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    tower::service_fn(move |request: Request<()>| {
        drop(request);
        let mut response = Response::new(Full::default());
        *response.status_mut() = status;
        let map = response.headers_mut();
        for (name, value) in &headers {
            map.append(name.clone(), value.clone());
        }
        ready(Ok(response))
    })
}

/// A middleware that does nothing but pass each request on: what any actix-web middleware
/// costs, whatever it does.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActixNoop;

impl<S> actix_web::dev::Transform<S, actix_web::dev::ServiceRequest> for ActixNoop
where
    S: actix_web::dev::Service<actix_web::dev::ServiceRequest>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Transform = NoopMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<NoopMiddleware<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(NoopMiddleware { service }))
    }
}

/// The service [`ActixNoop`] makes.
#[derive(Debug)]
pub struct NoopMiddleware<S> {
    service: S,
}

impl<S> actix_web::dev::Service<actix_web::dev::ServiceRequest> for NoopMiddleware<S>
where
    S: actix_web::dev::Service<actix_web::dev::ServiceRequest>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: actix_web::dev::ServiceRequest) -> Self::Future {
        self.service.call(request)
    }
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
