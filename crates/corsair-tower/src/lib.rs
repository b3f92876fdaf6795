//! corsair's CORS middleware for [tower]: one layer for axum, hyper and tonic.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use corsair_tower::CorsLayer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let policy = corsair::Config::new()
//!     .allow_origins(["https://app.example.com"])
//!     .allow_methods(["GET", "POST"])
//!     .build()?;
//! let app: Router = Router::new()
//!     .route("/api/items", get(|| async { "[]" }))
//!     .layer(CorsLayer::new(policy));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
//!
//! * Preflights are answered by the layer; the inner service never sees them. Every other
//!   request (including `OPTIONS` requests that are not preflights) goes through, and its
//!   response, errors included, gets the CORS headers.
//! * Errors of the inner service pass through unchanged.
//! * Building the layer and `poll_ready` never panic: a [`Policy`] is valid by construction.
//! * [`CorsLayer::reloadable`] follows a [`PolicyHandle`], so a new policy can be swapped in
//!   while the server runs; each request sees exactly one policy.
//! * [`CorsLayer::resolver`] adds an [`OriginResolver`] for origins kept elsewhere (a
//!   database); requests from origins it already answered for never wait on it.
//! * **Cross-origin protections**: a WebSocket handshake from an origin the policy does not
//!   allow (and that is not the server's own) is answered `403 Forbidden` before the inner
//!   service sees it, by default; with `refuse_cross_origin_writes`, so are forged writes
//!   (see [`corsair::Config::refuse_cross_origin_writes`]). A report-only policy
//!   ([`corsair::Config::report_only`]) changes no response at all.
//! * [`CorsLayer::shadow`] evaluates a candidate policy beside the enforced one and reports
//!   where it would decide differently; every decision goes to `tracing`, and with the
//!   `metrics` feature to the `metrics` facade (see [`corsair_middleware`]).
//!
//! Exemptions from the refusal of forged writes match the path this layer sees: on a router
//! given to axum's `Router::nest`, that path lacks the nest's prefix.
//!
//! [tower]: https://docs.rs/tower
#![forbid(unsafe_code)]

mod future;

use std::task::{Context, Poll};

use corsair::{Evaluation, RequestHead};
use corsair_middleware::{PolicyGate, Route};
use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

pub use corsair::{Policy, PolicyHandle};
#[cfg(feature = "metrics")]
pub use corsair_middleware::CounterCache;
pub use corsair_middleware::OriginResolver;
pub use future::ResponseFuture;

/// Adds CORS to a service: a [`tower_layer::Layer`] producing [`Cors`].
#[derive(Debug, Clone)]
pub struct CorsLayer {
    gate: PolicyGate,
}

impl CorsLayer {
    /// A layer applying `policy`.
    pub fn new(policy: Policy) -> Self {
        Self {
            gate: PolicyGate::new(policy),
        }
    }

    /// A layer applying whatever policy `handle` holds when each request arrives.
    ///
    /// ```
    /// use corsair::{Config, PolicyHandle};
    /// use corsair_tower::CorsLayer;
    ///
    /// let handle = PolicyHandle::new(Config::new().allow_origins(["https://a.example"]).build()?);
    /// let layer = CorsLayer::reloadable(handle.clone());
    /// // later, from an admin endpoint or a file watcher:
    /// handle.store(Config::new().allow_origins(["https://b.example"]).build()?);
    /// # let _ = layer;
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
    /// use corsair_tower::{CorsLayer, OriginResolver};
    ///
    /// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let layer = CorsLayer::new(policy).resolver(OriginResolver::new(|origin: String| async move {
    ///     // e.g. SELECT 1 FROM tenants WHERE origin = $1
    ///     Ok::<_, std::io::Error>(origin.ends_with(".customers.example"))
    /// }));
    /// # let _ = layer;
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
    /// use corsair_tower::CorsLayer;
    ///
    /// let permissive = corsair::Config::new().allow_origins(["*"]).build()?;
    /// let strict = corsair::Config::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .refuse_cross_origin_writes(true)
    ///     .build()?;
    /// let layer = CorsLayer::new(permissive).shadow(strict);
    /// # let _ = layer;
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
    /// use corsair_tower::{CorsLayer, CounterCache};
    ///
    /// // after metrics::set_global_recorder(...):
    /// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let layer = CorsLayer::new(policy).counter_cache(CounterCache::new());
    /// # let _ = layer;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    #[cfg(feature = "metrics")]
    pub fn counter_cache(mut self, cache: CounterCache) -> Self {
        self.gate = self.gate.with_counter_cache(cache);
        self
    }
}

/// A layer consulting `gate`: for an integration that also evaluates requests through the
/// same gate elsewhere (its counters, shadow policy and resolver shared).
///
/// ```
/// use corsair_middleware::PolicyGate;
/// use corsair_tower::CorsLayer;
///
/// let policy = corsair::Config::new().allow_origins(["https://a.example"]).build()?;
/// let layer = CorsLayer::from(PolicyGate::new(policy));
/// # let _ = layer;
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
impl From<PolicyGate> for CorsLayer {
    fn from(gate: PolicyGate) -> Self {
        Self { gate }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            layer: self.clone(),
        }
    }
}

/// A service with CORS: answers preflights itself and adds CORS headers to the inner
/// service's responses.
#[derive(Debug, Clone)]
pub struct Cors<S> {
    inner: S,
    layer: CorsLayer,
}

impl<S> Cors<S> {
    /// Wraps `inner` with `policy`.
    pub fn new(inner: S, policy: Policy) -> Self {
        CorsLayer::new(policy).layer(inner)
    }
}

/// What the policy decided for a request.
enum Decision<B> {
    /// A preflight, or a refused write or handshake: this is the whole answer.
    Answer(Response<B>),
    /// Call the inner service, then add these headers.
    Forward(corsair::Actual),
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: 'static,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let route = self.layer.gate.route(&RequestHead::from(&request), decide);
        match route {
            Route::Decided(Decision::Answer(response)) => ResponseFuture::answered(response),
            Route::Decided(Decision::Forward(cors)) => {
                ResponseFuture::forwarded(self.inner.call(request), cors)
            }
            Route::Resolve(origin) => {
                // The service that was polled ready goes into the future; this one keeps a
                // fresh clone for the next request.
                let fresh = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, fresh);
                let gate = self.layer.gate.clone();
                ResponseFuture::resolving(resolve_then_call(gate, inner, request, origin))
            }
        }
    }
}

fn decide<B: Default>(evaluation: Evaluation<'_>) -> Decision<B> {
    match evaluation {
        Evaluation::Preflight(answer) => Decision::Answer(answer.response()),
        Evaluation::Forbidden(answer) => Decision::Answer(answer.response()),
        Evaluation::Actual(cors) => Decision::Forward(cors),
    }
}

/// The slow path: waits for the resolver (bounded by its timeout), then answers or calls the
/// inner service under the policy current at that moment.
async fn resolve_then_call<S, ReqBody, ResBody>(
    gate: PolicyGate,
    mut inner: S,
    request: Request<ReqBody>,
    origin: String,
) -> Result<Response<ResBody>, S::Error>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    let allowed = gate.resolve(&origin).await;
    match gate.decide_resolved(&RequestHead::from(&request), &origin, allowed, decide) {
        Decision::Answer(response) => Ok(response),
        Decision::Forward(cors) => {
            let mut response = inner.call(request).await?;
            cors.apply(response.headers_mut());
            Ok(response)
        }
    }
}
