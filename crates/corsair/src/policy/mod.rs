//! The server half: a validated, compiled CORS policy and how it answers requests.
//!
//! One module per concept, each holding its configuration's validation, its compiled form and
//! its part of the answer: `allow_origin`, `allow_methods`, `allow_headers`,
//! `expose_headers`, `max_age`, `allow_private_network`. `preflight` and `actual` put the
//! parts together; `debug` answers refused preflights for debugging. Beside CORS, the
//! cross-origin protections: `cross_origin_writes` (forged writes) and `websocket`
//! (handshakes), both judging origins with `same_origin`, refused with a `forbidden`
//! answer; `report_only` turns every answer into a report, and `verdict` is what is
//! reported.

mod actual;
mod allow_headers;
mod allow_methods;
mod allow_origin;
mod allow_private_network;
mod build;
mod config;
mod cross_origin_writes;
mod debug;
mod error;
mod expose_headers;
#[cfg(feature = "toml")]
mod file;
mod forbidden;
mod foreign_pattern;
mod grant;
mod grants;
mod handle;
#[cfg(feature = "toml")]
mod lint;
mod max_age;
mod preflight;
mod refusal;
mod report_only;
mod request;
mod response_headers;
mod same_origin;
mod verdict;
mod warnings;
mod websocket;

use std::{fmt, sync::Arc};

use http::{HeaderValue, StatusCode};

pub use actual::Actual;
pub use config::{Config, OriginPredicate, PreflightStatus};
pub use debug::DebugSwitch;
pub use error::{ConfigError, ConfigErrors, HeaderList};
#[cfg(feature = "toml")]
pub use file::{PolicyFileError, UnknownKey, closest_key};
pub use forbidden::Forbidden;
pub use grants::Grants;
pub use handle::PolicyHandle;
#[cfg(feature = "toml")]
pub use lint::{Finding, Lint, Severity};
pub use max_age::MaxAge;
#[cfg(feature = "browser")]
pub(crate) use max_age::{CHROMIUM_MAX_AGE_CAP, FIREFOX_MAX_AGE_CAP, WEBKIT_MAX_AGE_CAP};
pub use preflight::Preflight;
pub use refusal::{CrossOriginSignal, Refusal, RequestHeadersProblem};
use request::Classified;
pub use request::{CorsRequest, FirstValue, RequestHead, RequestHeader, RequestKind};
pub use response_headers::{Existing, FixedValue, ResponseHeader, ResponseHeaders};
pub use verdict::{Check, Outcome, Verdict};
pub use warnings::PolicyWarning;

use crate::origin::OriginPattern;
use allow_headers::AllowHeaders;
use allow_methods::AllowMethods;
use allow_origin::AllowOrigin;
use cross_origin_writes::CrossOriginWrites;
use expose_headers::ExposeHeaders;

/// A validated, compiled CORS policy: immutable (but for its [`DebugSwitch`]), `Send + Sync`,
/// and cheap to clone (one reference count).
///
/// Build one with [`Config::build`] (or `Policy::from_toml`), then hand each request to
/// [`Policy::evaluate`]. Framework integrations do exactly that.
///
/// ```
/// use corsair::{Config, Evaluation, RequestHead};
///
/// let policy = Config::new()
///     .allow_origins(["https://app.example.com"])
///     .allow_methods(["PUT"])
///     .build()?;
///
/// let preflight = http::Request::builder()
///     .method("OPTIONS")
///     .uri("/items/1")
///     .header("origin", "https://app.example.com")
///     .header("access-control-request-method", "PUT")
///     .body(())
///     .unwrap();
/// let Evaluation::Preflight(answer) = policy.evaluate(&RequestHead::from(&preflight)) else {
///     unreachable!("OPTIONS with Origin and Access-Control-Request-Method is a preflight");
/// };
/// let response = answer.response::<()>();
/// assert_eq!(response.status(), 204);
/// assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
/// assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Clone)]
pub struct Policy {
    compiled: Arc<Compiled>,
}

/// Everything [`Config::build`] precomputes.
struct Compiled {
    origins: AllowOrigin,
    methods: AllowMethods,
    headers: AllowHeaders,
    credentials: bool,
    expose: ExposeHeaders,
    /// `Access-Control-Max-Age` of granted preflights.
    max_age: Option<HeaderValue>,
    /// The header maps of granted preflights, built from the rest.
    prebuilt: preflight::PrebuiltPreflights,
    private_network: bool,
    preflight_status: StatusCode,
    debug: DebugSwitch,
    grants: Grants,
    /// Forged writes are refused: `None` when the protection is off.
    writes: Option<CrossOriginWrites>,
    /// WebSocket handshakes have their origin checked.
    websockets: bool,
    /// `Origin` is compared with `X-Forwarded-Host` rather than `Host`.
    trust_forwarded_host: bool,
    report_only: bool,
}

/// What the policy decided for one request. `V` is the request's header value type
/// ([`CorsRequest::Value`]), which a [`Refusal`] holds.
#[derive(Debug)]
pub enum Evaluation<'a, V = HeaderValue> {
    /// A preflight: answer it with [`Preflight::response`] (or [`Preflight::status`] and
    /// [`Preflight::write_headers`]) without calling the application.
    Preflight(Preflight<'a, V>),
    /// Any other request: call the application, then [`Actual::apply`] to its response,
    /// error responses included.
    Actual(Actual<V>),
    /// A forged write or a WebSocket handshake from a foreign origin: answer it with
    /// [`Forbidden::response`] without calling the application.
    Forbidden(Forbidden<V>),
}

impl<V: AsRef<[u8]> + 'static> Evaluation<'_, V> {
    /// What was decided, for logs and metrics.
    pub fn verdict(&self) -> Verdict<'_, V> {
        match self {
            Self::Preflight(answer) => Verdict {
                check: Check::Preflight,
                outcome: if answer.is_allowed() {
                    Outcome::Allowed
                } else {
                    Outcome::Refused
                },
                refusal: answer.refusal(),
            },
            Self::Actual(cors) => cors.verdict(),
            Self::Forbidden(answer) => Verdict {
                check: answer.check(),
                outcome: Outcome::Refused,
                refusal: Some(answer.refusal()),
            },
        }
    }
}

impl Policy {
    fn from_compiled(compiled: Compiled) -> Self {
        Self {
            compiled: Arc::new(compiled),
        }
    }

    /// Decides how to answer a request: a preflight is answered by the policy alone, and so
    /// is a request the cross-origin protections refuse ([`Evaluation::Forbidden`]); any
    /// other request goes to the application, and the returned [`Actual`] then adds the CORS
    /// headers to its response. Under a report-only policy every request goes to the
    /// application untouched.
    ///
    /// `request` is a [`RequestHead`] or any other [`CorsRequest`]: integrations whose
    /// framework has its own request types read them in place.
    pub fn evaluate<'a, R: CorsRequest<'a>>(&'a self, request: &R) -> Evaluation<'a, R::Value> {
        self.evaluate_with(request, None)
    }

    /// Like [`Policy::evaluate`], with one more source of allowed origins: `resolved` is asked
    /// about origins that no entry and no predicate matched, under the rules predicates follow
    /// (see [`Policy::may_resolve`]). Integrations use it to apply the answer of an
    /// asynchronous resolver obtained beforehand.
    ///
    /// ```
    /// use corsair::{Config, Evaluation, RequestHead};
    ///
    /// let policy = Config::new().allow_origins(["https://app.example.com"]).build()?;
    /// let request = http::Request::get("/")
    ///     .header("origin", "https://tenant.example.net")
    ///     .body(())
    ///     .unwrap();
    /// let head = RequestHead::from(&request);
    /// let from_database = |origin: &str| origin == "https://tenant.example.net";
    /// let Evaluation::Actual(cors) = policy.evaluate_with(&head, Some(&from_database)) else {
    ///     unreachable!()
    /// };
    /// assert!(cors.is_allowed());
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn evaluate_with<'a, R: CorsRequest<'a>>(
        &'a self,
        request: &R,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Evaluation<'a, R::Value> {
        let policy = &*self.compiled;
        // The usual answer is returned as evaluated, not moved through a local: an
        // evaluation is large enough that each move is a `memcpy`.
        if policy.report_only {
            return report_only::report(policy.evaluate(request, resolved));
        }
        policy.evaluate(request, resolved)
    }

    /// Whether an origin that no entry matched may still be granted by a predicate or a
    /// resolver: it must be a canonical tuple origin (never `null`, never malformed) and, when
    /// credentials are allowed, potentially trustworthy (unless
    /// `dangerously_allow_insecure_origins`). Integrations check this before asking a slow
    /// resolver, so junk `Origin` values never reach a database.
    pub fn may_resolve(&self, origin: &str) -> bool {
        self.compiled.origins.may_resolve(origin)
    }

    /// The handle that turns debug answers on and off (see [`DebugSwitch`]).
    pub fn debug_switch(&self) -> DebugSwitch {
        self.compiled.debug.clone()
    }

    /// The origin entries, canonical, in configuration order (predicates not included).
    pub fn origins(&self) -> &[OriginPattern] {
        self.compiled.origins.patterns()
    }

    /// What the policy grants, in words.
    ///
    /// ```
    /// let policy = corsair::Config::new().allow_origins(["https://a.example"]).allow_methods(["PUT"]).build()?;
    /// assert_eq!(policy.grants().methods, ["PUT"]);
    /// assert!(policy.grants().to_string().contains("methods:          GET, HEAD, POST, PUT"));
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn grants(&self) -> &Grants {
        &self.compiled.grants
    }

    /// Whether credentialed requests may read responses.
    pub fn allows_credentials(&self) -> bool {
        self.compiled.credentials
    }

    /// Whether the answer depends on which origin asks, not only on whether `Origin` is
    /// present. Only a policy allowing `*` answers every origin alike.
    ///
    /// Responses carry `Vary: Origin` either way: even `*` grants only requests that send
    /// `Origin`, so a shared cache keying on the URL alone would serve the answer without a
    /// grant to pages that need one.
    ///
    /// ```
    /// let public = corsair::Config::new().allow_origins(["*"]).build()?;
    /// assert!(!public.varies_by_origin());
    /// let app = corsair::Config::new().allow_origins(["https://app.example"]).build()?;
    /// assert!(app.varies_by_origin());
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn varies_by_origin(&self) -> bool {
        self.compiled.origins.varies()
    }
}

impl Compiled {
    /// The protections first (they answer before the application), then CORS.
    fn evaluate<'a, R: CorsRequest<'a>>(
        &'a self,
        request: &R,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Evaluation<'a, R::Value> {
        let classified = request::classify(request, self.websockets);
        let origin = classified.origin();
        // A handshake without `Origin` is not a browser's: there is nothing to check, and it
        // counts as not CORS, so its `Upgrade` need not be read.
        let handshake = match origin {
            Some(origin)
                if self.websockets && websocket::is_handshake(request, classified.upgrade()) =>
            {
                if let Err(refusal) = websocket::check(self, request, origin, resolved) {
                    return self.forbid(refusal, Check::WebSocket);
                }
                true
            }
            _ => false,
        };
        if let Some(writes) = &self.writes
            && let Err(refusal) = writes.check(self, request, origin, resolved)
        {
            return self.forbid(refusal, Check::Write);
        }
        let cors = match classified {
            // Never a handshake: those are `GET` or `CONNECT`.
            Classified::Preflight(headers) => {
                return Evaluation::Preflight(Preflight::evaluate(
                    self, request, headers, resolved,
                ));
            }
            Classified::Actual { origin, .. } => Actual::evaluate(self, request, origin, resolved),
            Classified::NotCors => Actual::not_cors(),
        };
        Evaluation::Actual(if handshake {
            cors.for_websocket()
        } else {
            cors
        })
    }

    fn forbid<V: AsRef<[u8]>>(&self, refusal: Refusal<V>, check: Check) -> Evaluation<'_, V> {
        Evaluation::Forbidden(Forbidden::new(refusal, check, self.debug.is_enabled()))
    }
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("compiled", &self.compiled)
            .finish()
    }
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("origins", &self.origins.patterns())
            .field("predicates", &self.origins.predicates())
            .field("methods", &self.methods)
            .field("headers", &self.headers)
            .field("credentials", &self.credentials)
            .field("expose", &self.expose.value())
            .field("max_age", &self.max_age)
            .field("private_network", &self.private_network)
            .field("preflight_status", &self.preflight_status)
            .field("debug", &self.debug.is_enabled())
            .field("writes", &self.writes)
            .field("websockets", &self.websockets)
            .field("trust_forwarded_host", &self.trust_forwarded_host)
            .field("report_only", &self.report_only)
            .finish_non_exhaustive()
    }
}
