//! corsair's CORS middleware for [actix-web] 4: the same semantics as `corsair-tower`, for
//! `App::wrap`, `Scope::wrap` (a policy per scope) and `Resource::wrap`.
//!
//! ```
//! use actix_web::{App, HttpResponse, test, web};
//! use corsair_actix::Cors;
//!
//! # actix_web::rt::System::new().block_on(async {
//! let policy = corsair::Config::new()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["GET", "POST"])
//!     .build()?;
//! let app = test::init_service(
//!     App::new()
//!         .wrap(Cors::new(policy))
//!         .route("/api/items", web::get().to(|| async { HttpResponse::Ok().body("[]") })),
//! )
//! .await;
//!
//! let request = test::TestRequest::get()
//!     .uri("/api/items")
//!     .insert_header(("origin", "https://app.example.com"))
//!     .to_request();
//! let response = test::call_service(&app, request).await;
//! assert_eq!(
//!     response.headers().get("access-control-allow-origin").unwrap(),
//!     "https://app.example.com"
//! );
//! assert_eq!(response.headers().get("vary").unwrap(), "Origin");
//! # Ok::<(), corsair::ConfigErrors>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! * Preflights are answered by the middleware (status from the policy, 204 by default, 403
//!   for a refusal); the inner service never sees them. Every other request (including
//!   `OPTIONS` requests that are not preflights) goes through, and its response, error
//!   responses included, gets the CORS headers. Every header decision is the engine's
//!   ([`corsair::Preflight::write_headers`], [`corsair::Actual::apply`]): this crate only
//!   carries headers between actix-web and the engine.
//! * **Errors of the inner service** (`Err(actix_web::Error)`, as returned by a
//!   `fn_service`, or by an inner middleware such as an authentication guard) pass through
//!   as errors, unchanged, with a response mapper attached
//!   ([`actix_web::Error::add_response_mapper`], actix-web 4.15), so the response actix-web
//!   renders from them carries the same CORS headers as a success: the browser then shows
//!   the page the real error instead of a CORS failure. (Handler errors never reach the
//!   middleware as `Err`: actix-web renders them into responses first, which get the headers
//!   like any other.)
//! * Building the middleware never panics: a [`Policy`] is valid by construction.
//! * [`Cors::reloadable`] follows a [`PolicyHandle`], so a new policy can be swapped in while
//!   the server runs; each request sees exactly one policy.
//! * [`Cors::resolver`] adds an [`OriginResolver`] for origins kept elsewhere (a database);
//!   requests from origins it already answered for never wait on it.
//! * **Cross-origin protections**: a WebSocket handshake from an origin the policy does not
//!   allow (and that is not the server's own) is answered `403 Forbidden` before the inner
//!   service sees it, by default; with `refuse_cross_origin_writes`, so are forged writes
//!   (see [`corsair::Config::refuse_cross_origin_writes`]). A report-only policy
//!   ([`corsair::Config::report_only`]) changes no response at all.
//! * [`Cors::shadow`] evaluates a candidate policy beside the enforced one and reports where
//!   it would decide differently; every decision goes to `tracing`, and with the `metrics`
//!   feature to the `metrics` facade (see [`corsair_middleware`]).
//!
//! Exemptions from the refusal of forged writes match the request's full path: a
//! `web::scope` does not rewrite it, so under `web::scope("/api")` write `/api/hook`.
//!
//! # Cost
//!
//! actix-web 4 speaks `http` 0.2 and the engine `http` 1.x. The engine reads the request in
//! place, through actix-web's own header map (it implements [`corsair::CorsRequest`] on a
//! view of the request): no header is copied to decide, and a refusal holds actix-web's own
//! values ([`corsair::Refusal`] is generic over the value type), as does a grant that echoes
//! one (the origin of a subdomain-pattern grant, a preflight's method and header list),
//! written back as the request's own value
//! ([`corsair::ResponseHeaders::append_echo`]). The response headers the engine writes come
//! back without copies: each [`corsair::ResponseHeader`] is mapped to actix-web's constant,
//! a policy value equal to the request's (an exact origin) is the request's own, the values
//! every policy writes (`true`, `*`, `Vary`) are constants, and the policy's other values are
//! converted once per thread. A policy with origin
//! predicates, which may read any part of the request as `http` 1.x types, gets the whole
//! request copied (URI and every header) before it decides.
//!
//! [actix-web]: https://docs.rs/actix-web
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod future;
mod headers;

use std::{
    cell::Cell,
    fmt,
    future::{Ready, ready},
    rc::Rc,
};

use actix_web::{
    Error, HttpResponse,
    body::{EitherBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::StatusCode,
};
use corsair::Evaluation;
use corsair_middleware::{PolicyGate, Route};

pub use corsair::{Policy, PolicyHandle};
#[cfg(feature = "metrics")]
pub use corsair_middleware::CounterCache;
pub use corsair_middleware::OriginResolver;
pub use future::ResponseFuture;

use headers::{ActixHeaders, ActixRequest, Carried};

/// CORS for an actix-web `App`, `Scope` or `Resource`: a
/// [`Transform`] producing [`CorsMiddleware`], for their `wrap` methods.
///
/// Each `wrap` applies its own policy, so scopes can differ:
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use corsair_actix::Cors;
///
/// let public = corsair::Config::new().allow_origins(["*"]).build()?;
/// let admin = corsair::Config::new()
///     .allow_origins(["https://admin.example.com"])
///     .allow_credentials(true)
///     .build()?;
/// let app = App::new()
///     .service(
///         web::scope("/public")
///             .wrap(Cors::new(public))
///             .route("/items", web::get().to(HttpResponse::Ok)),
///     )
///     .service(
///         web::scope("/admin")
///             .wrap(Cors::new(admin))
///             .route("/users", web::get().to(HttpResponse::Ok)),
///     );
/// # let _ = app;
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Debug, Clone)]
pub struct Cors {
    gate: PolicyGate,
}

impl Cors {
    /// Middleware applying `policy`.
    ///
    /// ```
    /// use actix_web::App;
    /// use corsair_actix::Cors;
    ///
    /// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let app = App::new().wrap(Cors::new(policy));
    /// # let _ = app;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn new(policy: Policy) -> Self {
        Self {
            gate: PolicyGate::new(policy),
        }
    }

    /// Middleware applying whatever policy `handle` holds when each request arrives.
    ///
    /// ```
    /// use corsair::{Config, PolicyHandle};
    /// use corsair_actix::Cors;
    ///
    /// let handle = PolicyHandle::new(Config::new().allow_origins(["https://a.example"]).build()?);
    /// let cors = Cors::reloadable(handle.clone());
    /// // later, from an admin endpoint or a file watcher:
    /// handle.store(Config::new().allow_origins(["https://b.example"]).build()?);
    /// # let _ = cors;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn reloadable(handle: PolicyHandle) -> Self {
        Self {
            gate: PolicyGate::reloadable(handle),
        }
    }

    /// Also allows the origins `resolver` allows, among those the policy does not list (see
    /// [`Policy::may_resolve`] for which ever reach it).
    ///
    /// ```
    /// use corsair_actix::{Cors, OriginResolver};
    ///
    /// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let cors = Cors::new(policy).resolver(OriginResolver::new(|origin: String| async move {
    ///     // e.g. SELECT 1 FROM tenants WHERE origin = $1
    ///     Ok::<_, std::io::Error>(origin.ends_with(".customers.example"))
    /// }));
    /// # let _ = cors;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn resolver(mut self, resolver: OriginResolver) -> Self {
        self.gate = self.gate.with_resolver(resolver);
        self
    }

    /// Also evaluates `candidate` on every request, changing nothing, and reports each
    /// request it would decide differently, with both reasons.
    ///
    /// ```
    /// use corsair_actix::Cors;
    ///
    /// let permissive = corsair::Config::new().allow_origins(["*"]).build()?;
    /// let strict = corsair::Config::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .refuse_cross_origin_writes(true)
    ///     .build()?;
    /// let cors = Cors::new(permissive).shadow(strict);
    /// # let _ = cors;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn shadow(mut self, candidate: Policy) -> Self {
        self.gate = self.gate.with_shadow(candidate);
        self
    }

    /// Keeps the counters' handles after their first count: right for a process whose
    /// `metrics` recorder is global and installed before serving, where a count becomes one
    /// atomic add instead of a recorder lookup (see [`CounterCache`]).
    ///
    /// ```
    /// use corsair_actix::{Cors, CounterCache};
    ///
    /// // after metrics::set_global_recorder(...):
    /// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let cors = Cors::new(policy).counter_cache(CounterCache::new());
    /// # let _ = cors;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    #[cfg(feature = "metrics")]
    pub fn counter_cache(mut self, cache: CounterCache) -> Self {
        self.gate = self.gate.with_counter_cache(cache);
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<CorsMiddleware<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorsMiddleware {
            service: Rc::new(service),
            cors: self.clone(),
            scratch: Cell::default(),
        }))
    }
}

/// A service with CORS, made by [`Cors`]: answers preflights itself and adds CORS headers to
/// the inner service's responses (and to the responses rendered from its errors).
///
/// The response body is an [`EitherBody`]: the inner service's body on the left, the empty
/// body of a preflight answer on the right.
pub struct CorsMiddleware<S> {
    service: Rc<S>,
    cors: Cors,
    /// The header map requests are carried over into for the engine, emptied after each.
    scratch: Cell<http::HeaderMap>,
}

impl<S> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("cors", &self.cors)
            .finish_non_exhaustive()
    }
}

/// What the policy decided for a request; `V` is the value type the engine read it as.
enum Decision<V> {
    /// A preflight, or a refused write or handshake: this is the whole answer.
    Answer(HttpResponse),
    /// Call the inner service, then add these headers.
    Forward(corsair::Actual<V>),
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let gate = &self.cors.gate;
        let policy = gate.current();
        // Origin predicates may read any part of the request, as `http` 1.x types: only
        // then is it copied, for them. The engine reads it in place either way.
        let route = if gate.reads_whole_request(&policy) {
            let carried = Carried::new(&request, self.scratch.take());
            let view = ActixRequest::with_head(&request, carried.head());
            let route = gate.route_under(&policy, &view, decide);
            self.scratch.set(carried.recycle());
            route
        } else {
            gate.route_under(&policy, &ActixRequest::new(&request), decide)
        };
        match route {
            Route::Decided(Decision::Answer(response)) => {
                ResponseFuture::answered(request.into_response(response).map_into_right_body())
            }
            Route::Decided(Decision::Forward(cors)) => {
                ResponseFuture::forwarded(self.service.call(request), cors)
            }
            Route::Resolve(origin) => ResponseFuture::resolving(resolve_then_call(
                gate.clone(),
                Rc::clone(&self.service),
                Carried::new(&request, http::HeaderMap::new()),
                request,
                origin,
            )),
        }
    }
}

/// Turns an evaluation into the answer, or the plan to forward the request.
fn decide<V: AsRef<[u8]> + 'static>(evaluation: Evaluation<'_, V>) -> Decision<V> {
    match evaluation {
        Evaluation::Preflight(answer) => {
            // Every `http` 1.x status is a valid `http` 0.2 status (both are 100-999).
            let status =
                StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::FORBIDDEN);
            answer_with(status, |headers| answer.write_headers(headers))
        }
        Evaluation::Forbidden(answer) => answer_with(StatusCode::FORBIDDEN, |headers| {
            answer.write_headers(headers)
        }),
        Evaluation::Actual(cors) => Decision::Forward(cors),
    }
}

/// An answer of the policy's own, with the headers `write` writes.
fn answer_with<V>(status: StatusCode, write: impl FnOnce(&mut ActixHeaders<'_>)) -> Decision<V> {
    let mut response = HttpResponse::new(status);
    write(&mut ActixHeaders::new(response.headers_mut()));
    Decision::Answer(response)
}

/// Adds the CORS headers to the inner service's outcome: to its response, or to the
/// response actix-web will render from its error.
// Inlined into the future's poll, and the response changed in place: otherwise it is moved
// into the call, out of the `Result` and back, each move a `memcpy` (about 60 instructions
// per request in all).
#[inline(always)]
fn finish<B, V: AsRef<[u8]> + Clone + 'static>(
    mut outcome: Result<ServiceResponse<B>, Error>,
    cors: &corsair::Actual<V>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    match &mut outcome {
        Ok(response) => cors.apply(&mut ActixHeaders::new(response.headers_mut())),
        Err(error) => {
            let cors = cors.clone();
            // `apply` is idempotent (it replaces its own headers and merges `Vary`), as
            // mappers must be: actix-web may render an error more than once.
            error.add_response_mapper(move |mut response| {
                cors.apply(&mut ActixHeaders::new(response.headers_mut()));
                response
            });
        }
    }
    outcome.map(ServiceResponse::map_into_left_body)
}

/// The slow path: waits for the resolver (bounded by its timeout), then answers or calls the
/// inner service under the policy current at that moment.
async fn resolve_then_call<S, B>(
    gate: PolicyGate,
    service: Rc<S>,
    carried: Carried,
    request: ServiceRequest,
    origin: String,
) -> Result<ServiceResponse<EitherBody<B>>, Error>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    let allowed = gate.resolve(&origin).await;
    let decision = gate.decide_resolved(&carried.head(), &origin, allowed, decide);
    match decision {
        Decision::Answer(response) => Ok(request.into_response(response).map_into_right_body()),
        Decision::Forward(actual) => finish(service.call(request).await, &actual),
    }
}
