//! The framework-neutral core of corsair's middleware, shared by `corsair-tower` and
//! `corsair-actix` so that both behave identically: where each request's policy comes from
//! (fixed, or reloadable through a [`PolicyHandle`]), and asynchronous origin resolution
//! ([`OriginResolver`]) for origins kept elsewhere, such as tenants' domains in a database.
//!
//! An integration asks [`PolicyGate::route`] what to do with a request. Usually the answer is
//! immediate ([`Route::Decided`]); for an origin the policy does not list and the resolver has
//! no fresh answer for, it is [`Route::Resolve`]: the integration awaits
//! [`PolicyGate::resolve`], then calls [`PolicyGate::decide_resolved`].
//!
//! Resolution is consulted only for origins that no entry of the policy matched and that
//! [`Policy::may_resolve`] accepts (canonical, and secure when credentials are allowed), so
//! malformed `Origin` values never reach the database. Its answers are kept in a bounded cache
//! that expires, so requests from known origins never wait; a resolver that fails or does not
//! answer in time refuses the origin (logged at warn level) and never hangs the request.
//!
//! # Shadow policies and observability
//!
//! [`PolicyGate::with_shadow`] evaluates a second policy on every request, changing
//! nothing, and reports each request it decides differently (another outcome or reason)
//! with both reasons: the safe way to tighten a permissive policy. Every decision is logged
//! through `tracing` (target `corsair`, debug level; shadow differences at info level) with
//! the fields `kind`, `decision`, `reason`, `origin`, `method` and `route`; with the
//! `metrics` feature the same decisions are counted through the [`metrics`] facade:
//!
//! * `corsair_requests_total{kind, decision, reason}`: `kind` is `preflight`, `actual`,
//!   `not_cors`, `websocket` or `write` ([`corsair::Check`]); `decision` is `allowed`,
//!   `refused` or `shadow_refused` ([`corsair::Outcome`]); `reason` a
//!   [`Refusal::kind`] or `none`.
//! * `corsair_shadow_differences_total{kind}`.
//!
//! Labels are fixed strings, so the number of series is bounded.
//!
//! [`metrics`]: https://docs.rs/metrics
#![forbid(unsafe_code)]

mod observe;
mod resolver;

use std::{fmt, ops::Deref, sync::Arc};

use corsair::{CorsRequest, Evaluation, Policy, PolicyHandle, Refusal, RequestHead};

#[cfg(feature = "metrics")]
pub use observe::CounterCache;
pub use resolver::OriginResolver;

/// A policy source and an optional resolver: what a CORS middleware consults per request.
#[derive(Clone)]
pub struct PolicyGate {
    source: Source,
    resolver: Option<Arc<OriginResolver>>,
    /// Evaluated beside the enforced policy, to report where it would differ.
    shadow: Option<Policy>,
    counters: observe::Counters,
}

/// Where each request's policy comes from.
#[derive(Debug, Clone)]
enum Source {
    Fixed(Policy),
    Reloadable(PolicyHandle),
}

/// The policy one request is evaluated against: what [`PolicyGate::current`] returns.
pub struct Current<'a>(Snapshot<'a>);

enum Snapshot<'a> {
    Fixed(&'a Policy),
    Loaded(Arc<Policy>),
}

impl fmt::Debug for Current<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Current").field(&**self).finish()
    }
}

impl Deref for Current<'_> {
    type Target = Policy;

    fn deref(&self) -> &Policy {
        match &self.0 {
            Snapshot::Fixed(policy) => policy,
            Snapshot::Loaded(policy) => policy,
        }
    }
}

/// What to do with a request before the application is called.
#[derive(Debug)]
pub enum Route<R> {
    /// The policy decided; `R` is what the integration made of the [`Evaluation`].
    Decided(R),
    /// Ask the resolver about this origin first ([`PolicyGate::resolve`]).
    Resolve(String),
}

impl PolicyGate {
    /// Applies `policy` to every request.
    pub fn new(policy: Policy) -> Self {
        Self {
            source: Source::Fixed(policy),
            resolver: None,
            shadow: None,
            counters: Default::default(),
        }
    }

    /// Applies whatever policy `handle` holds when each request arrives, so each request
    /// sees exactly one policy.
    pub fn reloadable(handle: PolicyHandle) -> Self {
        Self {
            source: Source::Reloadable(handle),
            resolver: None,
            shadow: None,
            counters: Default::default(),
        }
    }

    /// Also allows the origins `resolver` allows, among those the policy does not list.
    pub fn with_resolver(mut self, resolver: OriginResolver) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// Also evaluates `candidate` on every request, without changing any response, and
    /// reports each request it decides differently from the enforced policy (see the
    /// [crate documentation](crate#shadow-policies-and-observability)).
    ///
    /// ```
    /// use corsair_middleware::PolicyGate;
    ///
    /// let enforced = corsair::Config::new().allow_origins(["*"]).build()?;
    /// let candidate = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let gate = PolicyGate::new(enforced).with_shadow(candidate);
    /// # let _ = gate;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn with_shadow(mut self, candidate: Policy) -> Self {
        self.shadow = Some(candidate);
        self
    }

    /// Keeps the counters' handles in `cache` after their first count (see [`CounterCache`]
    /// for when that is right).
    #[cfg(feature = "metrics")]
    pub fn with_counter_cache(mut self, cache: CounterCache) -> Self {
        self.counters = Some(Arc::new(cache));
        self
    }

    /// Whether deciding may read any part of the request, so an integration that copies
    /// requests must copy all of it: the enforced or the shadow policy has origin
    /// predicates.
    #[inline]
    pub fn reads_whole_request(&self, policy: &Policy) -> bool {
        let has_predicates = |policy: &Policy| policy.grants().predicates > 0;
        has_predicates(policy) || self.shadow.as_ref().is_some_and(has_predicates)
    }

    /// Reports the final evaluation (and the shadow policy's, if it differs), then lets the
    /// integration act on it.
    // Always inlined into `route_under`: each call moves the evaluation once more.
    #[inline(always)]
    fn report<'p, Q: CorsRequest<'p>, R>(
        &'p self,
        head: &Q,
        evaluation: Evaluation<'_, Q::Value>,
        resolved: Option<&dyn Fn(&str) -> bool>,
        decide: impl FnOnce(Evaluation<'_, Q::Value>) -> R,
    ) -> R {
        let verdict = evaluation.verdict();
        observe::decision(&verdict, head, &self.counters);
        if let Some(shadow) = &self.shadow {
            let candidate = shadow.evaluate_with(head, resolved);
            let candidate = candidate.verdict();
            if !verdict.agrees_with(&candidate) {
                observe::difference(&verdict, &candidate, head, &self.counters);
            }
        }
        decide(evaluation)
    }

    /// The policy for the request arriving now: one load of a reloadable handle, so that an
    /// integration can look at the policy (for instance, whether it has origin predicates,
    /// which may read any part of the request) before building the request head it routes
    /// with [`route_under`](Self::route_under).
    ///
    /// ```
    /// use corsair_middleware::PolicyGate;
    ///
    /// let policy = corsair::Config::new().allow_origins(["https://a.example"]).build()?;
    /// let gate = PolicyGate::new(policy);
    /// assert_eq!(gate.current().grants().predicates, 0);
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn current(&self) -> Current<'_> {
        Current(match &self.source {
            Source::Fixed(policy) => Snapshot::Fixed(policy),
            Source::Reloadable(handle) => Snapshot::Loaded(handle.load()),
        })
    }

    /// Evaluates a request under the current policy, with the resolver's fresh answers;
    /// `decide` turns the evaluation into the integration's own response or plan.
    pub fn route<R>(
        &self,
        head: &RequestHead<'_>,
        decide: impl FnOnce(Evaluation<'_>) -> R,
    ) -> Route<R> {
        self.route_under(&self.current(), head, decide)
    }

    /// [`route`](Self::route) under a policy obtained from [`current`](Self::current), for
    /// any view of a request: an integration whose framework has its own request types
    /// implements [`CorsRequest`] on them, so the policy reads them in place (and a refusal
    /// holds the framework's own values).
    pub fn route_under<'p, Q: CorsRequest<'p>, R>(
        &'p self,
        policy: &'p Policy,
        head: &Q,
        decide: impl FnOnce(Evaluation<'_, Q::Value>) -> R,
    ) -> Route<R> {
        let Some(resolver) = &self.resolver else {
            // Evaluated where it is reported: each move of an evaluation is a `memcpy`.
            return Route::Decided(self.report(head, policy.evaluate(head), None, decide));
        };
        let evaluation = policy.evaluate(head);
        let unlisted = evaluation
            .verdict()
            .refusal
            .and_then(Refusal::unlisted_origin)
            // ASCII only, as `HeaderValue::to_str` reads a value.
            .and_then(|origin| std::str::from_utf8(origin.as_ref()).ok())
            .filter(|origin| origin.is_ascii());
        if let Some(origin) = unlisted
            && policy.may_resolve(origin)
        {
            return match resolver.cached(origin) {
                Some(allowed) => {
                    let resolved = |_: &str| allowed;
                    let evaluation = policy.evaluate_with(head, Some(&resolved));
                    Route::Decided(self.report(head, evaluation, Some(&resolved), decide))
                }
                None => Route::Resolve(origin.to_owned()),
            };
        }
        Route::Decided(self.report(head, evaluation, None, decide))
    }

    /// Waits for the resolver's answer about `origin` (bounded by its timeout).
    pub async fn resolve(&self, origin: &str) -> bool {
        match &self.resolver {
            Some(resolver) => resolver.resolve(origin).await,
            None => false,
        }
    }

    /// Evaluates a request whose origin the resolver has answered for, under the policy
    /// current now.
    pub fn decide_resolved<R>(
        &self,
        head: &RequestHead<'_>,
        origin: &str,
        allowed: bool,
        decide: impl FnOnce(Evaluation<'_>) -> R,
    ) -> R {
        let policy = self.current();
        let resolved = |candidate: &str| allowed && candidate == origin;
        let evaluation = policy.evaluate_with(head, Some(&resolved));
        self.report(head, evaluation, Some(&resolved), decide)
    }
}

impl fmt::Debug for PolicyGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyGate")
            .field("source", &self.source)
            .field("resolver", &self.resolver)
            .field("shadow", &self.shadow)
            .finish()
    }
}
