//! The server half: a validated, compiled CORS policy and how it answers requests.

mod build;
mod config;
mod error;
#[cfg(feature = "toml")]
mod file;
mod handle;
mod refusal;
mod request;
mod respond;

use std::{
    fmt,
    ops::ControlFlow,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use http::{
    HeaderName, HeaderValue, StatusCode,
    header::{self, GetAll},
};

pub use config::{Config, MaxAge, OriginPredicate, PreflightStatus};
pub use error::{ConfigError, ConfigErrors, HeaderList};
#[cfg(feature = "toml")]
pub use file::{PolicyFileError, UnknownKey};
pub use handle::PolicyHandle;
pub use refusal::{Refusal, RequestHeadersProblem};
use request::Classified;
pub use request::{RequestHead, RequestKind};
pub use respond::{Actual, Evaluation, Preflight, ResponseHeaders};

use crate::grammar::{self, token::is_token};
use crate::headers::acrh::{self, Malformed};
use crate::origin::{Match, Origin, OriginMatcher, OriginPattern};
use build::{AllowedHeaders, Methods};

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
    origins: OriginMatcher,
    patterns: Vec<OriginPattern>,
    predicates: Vec<OriginPredicate>,
    methods: Methods,
    headers: AllowedHeaders,
    credentials: bool,
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    /// Predicate grants to non-trustworthy origins are allowed with credentials.
    insecure_origins: bool,
    private_network: bool,
    preflight_status: StatusCode,
    debug: DebugSwitch,
    grants: Grants,
}

/// What a policy grants, in words: the summary `corsair lint` prints.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grants {
    /// Origin entries, canonical.
    pub origins: Vec<String>,
    /// How many origin predicates there are.
    pub predicates: usize,
    /// Methods a preflight may ask for besides GET, HEAD and POST (`*` for any).
    pub methods: Vec<String>,
    /// Request headers a preflight may ask for, lowercase (`*` for any but `authorization`).
    pub headers: Vec<String>,
    /// Response headers script may read besides the safelisted ones.
    pub exposed_headers: Vec<String>,
    /// Whether credentialed requests may read responses.
    pub credentials: bool,
    /// Preflight caching.
    pub max_age: MaxAge,
    /// Whether Private Network Access preflights are granted.
    pub private_network: bool,
    /// The status of successful preflight answers.
    pub preflight_status: u16,
}

impl fmt::Display for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[String], empty: &str| {
            if items.is_empty() {
                empty.to_owned()
            } else {
                items.join(", ")
            }
        };
        writeln!(
            f,
            "origins:          {}",
            list(&self.origins, "none listed")
        )?;
        if self.predicates > 0 {
            writeln!(f, "                  and {} predicate(s)", self.predicates)?;
        }
        writeln!(
            f,
            "methods:          GET, HEAD, POST{}",
            if self.methods.is_empty() {
                String::new()
            } else {
                format!(", {}", self.methods.join(", "))
            }
        )?;
        writeln!(
            f,
            "request headers:  {}",
            list(&self.headers, "CORS-safelisted only")
        )?;
        writeln!(
            f,
            "exposed headers:  {}",
            list(&self.exposed_headers, "CORS-safelisted only")
        )?;
        writeln!(
            f,
            "credentials:      {}",
            if self.credentials {
                "allowed"
            } else {
                "not allowed"
            }
        )?;
        let max_age = match self.max_age {
            MaxAge::BrowserDefault => "browser default (5 s)".to_owned(),
            MaxAge::Disabled | MaxAge::Seconds(0) => {
                "disabled (every request is preflighted)".to_owned()
            }
            MaxAge::Seconds(seconds) => format!("{seconds} s"),
        };
        writeln!(f, "preflight cache:  {max_age}")?;
        writeln!(
            f,
            "private network:  {}",
            if self.private_network {
                "granted"
            } else {
                "not granted"
            }
        )?;
        write!(f, "preflight status: {}", self.preflight_status)
    }
}

/// A run-time switch, shared by every clone of a [`Policy`], under which refused preflights are
/// answered with an ok status and every grant that did pass, so that the browser's console
/// names the precise reason (which origin, method or header) instead of "does not have HTTP
/// ok status". The reason is also sent in an `x-corsair-refusal` header, visible in the
/// browser's network panel.
///
/// Off by default: debug answers tell any site which parts of a request were acceptable.
///
/// ```
/// let policy = corsair::Config::new().allow_origins(["https://a.example"]).build()?;
/// let switch = policy.debug_switch();
/// switch.set(true);
/// assert!(policy.clone().debug_switch().is_enabled());
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct DebugSwitch(Arc<AtomicBool>);

impl DebugSwitch {
    /// Turns debug answers on or off for every clone of the policy.
    pub fn set(&self, enabled: bool) {
        self.0.store(enabled, Ordering::Relaxed);
    }

    /// Whether debug answers are on.
    pub fn is_enabled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// `Access-Control-Allow-Origin: *`.
static ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
/// Private Network Access asks for a grant with this header on preflights.
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");

impl Policy {
    fn from_compiled(compiled: Compiled) -> Self {
        Self {
            compiled: Arc::new(compiled),
        }
    }

    /// Decides how to answer a request: a preflight is answered by the policy alone; any
    /// other request goes to the application, and the returned [`Actual`] then adds the CORS
    /// headers to its response.
    pub fn evaluate<'a>(&'a self, head: &RequestHead<'a>) -> Evaluation<'a> {
        self.evaluate_with(head, None)
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
    pub fn evaluate_with<'a>(
        &'a self,
        head: &RequestHead<'a>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Evaluation<'a> {
        let request = head.classify();
        match request.kind {
            RequestKind::Preflight => {
                Evaluation::Preflight(self.preflight(head, &request, resolved))
            }
            _ => Evaluation::Actual(self.actual(head, &request, resolved)),
        }
    }

    /// Whether an origin that no entry matched may still be granted by a predicate or a
    /// resolver: it must be a canonical tuple origin (never `null`, never malformed) and, when
    /// credentials are allowed, potentially trustworthy (unless
    /// `dangerously_allow_insecure_origins`). Integrations check this before asking a slow
    /// resolver, so junk `Origin` values never reach a database.
    pub fn may_resolve(&self, origin: &str) -> bool {
        let policy = &*self.compiled;
        let Ok(parsed) = Origin::parse(origin) else {
            return false;
        };
        if parsed.is_opaque() || parsed.to_string() != origin {
            return false;
        }
        if policy.credentials && !policy.insecure_origins && !parsed.is_potentially_trustworthy() {
            tracing::debug!(
                target: "corsair",
                origin,
                "not resolving: credentials are allowed and the origin is not secure"
            );
            return false;
        }
        true
    }

    /// The handle that turns debug answers on and off (see [`DebugSwitch`]).
    pub fn debug_switch(&self) -> DebugSwitch {
        self.compiled.debug.clone()
    }

    /// The origin entries, canonical, in configuration order (predicates not included).
    pub fn origins(&self) -> &[OriginPattern] {
        &self.compiled.patterns
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

    /// Whether responses depend on the request's `Origin`, so caches must key on it
    /// (`Vary: Origin`). Only a policy allowing `*` answers the same to everyone.
    pub fn varies_by_origin(&self) -> bool {
        !self.compiled.origins.is_any()
    }

    fn preflight<'a>(
        &'a self,
        head: &RequestHead<'a>,
        request: &Classified<'a>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Preflight<'a> {
        let mut answer = Preflight::new(&self.compiled, *head, self.compiled.debug.is_enabled());
        let refusal = self
            .check_preflight(head, request, resolved, &mut answer)
            .err();
        answer.refuse(refusal);
        answer
    }

    /// Runs the preflight checks in the order browsers report failures, recording each grant
    /// as it passes so debug answers can include them.
    fn check_preflight<'a>(
        &'a self,
        head: &RequestHead<'a>,
        request: &Classified<'a>,
        resolved: Option<&dyn Fn(&str) -> bool>,
        answer: &mut Preflight<'a>,
    ) -> Result<(), Refusal> {
        let policy = &*self.compiled;
        answer.allow_origin = Some(self.check_origin(head, request.origin, resolved)?);

        let method = request
            .method
            .filter(|method| is_token(method.as_bytes()))
            .ok_or(Refusal::MalformedMethod)?;
        if !policy.methods.allows(method.as_bytes()) {
            return Err(Refusal::MethodNotAllowed {
                method: method.clone(),
            });
        }
        answer.allow_method = Some(method);

        let requested = head
            .headers()
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS);
        answer.allow_headers = policy
            .headers
            .check_requested(&requested, policy.credentials)?;
        answer.requested = Some(requested);

        if requests_private_network(head.headers()) {
            if !policy.private_network {
                return Err(Refusal::PrivateNetworkNotAllowed);
            }
            answer.allow_private_network = true;
        }
        Ok(())
    }

    fn actual(
        &self,
        head: &RequestHead<'_>,
        request: &Classified<'_>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Actual {
        let policy = &*self.compiled;
        let decision = match request.kind {
            RequestKind::NotCors => Ok(None),
            _ => self
                .check_origin(head, request.origin, resolved)
                .map(|origin| Some(origin.clone())),
        };
        let (allow_origin, refusal) = match decision {
            Ok(allow_origin) => (allow_origin, None),
            Err(refusal) => {
                tracing::debug!(target: "corsair", reason = %refusal, "CORS request refused");
                (None, Some(refusal))
            }
        };
        Actual {
            allow_credentials: policy.credentials && allow_origin.is_some(),
            expose: allow_origin.as_ref().and_then(|_| policy.expose.clone()),
            allow_origin,
            vary_by_origin: self.varies_by_origin(),
            refusal,
        }
    }

    /// The `Access-Control-Allow-Origin` value for the request's origin, if it is allowed.
    fn check_origin<'a>(
        &'a self,
        head: &RequestHead<'a>,
        origin: Option<&'a HeaderValue>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<&'a HeaderValue, Refusal> {
        let policy = &*self.compiled;
        let origin = origin.ok_or(Refusal::MalformedOrigin)?;
        match policy.origins.find(origin.as_bytes()) {
            Some(Match::Exact(value)) => return Ok(value),
            Some(Match::Any) => return Ok(&ANY_ORIGIN),
            Some(Match::Pattern) => return Ok(origin),
            None => {}
        }
        let unlisted_allowed = (!policy.predicates.is_empty() || resolved.is_some())
            && origin.to_str().is_ok_and(|value| {
                self.may_resolve(value)
                    && (policy
                        .predicates
                        .iter()
                        .any(|predicate| predicate(value, head))
                        || resolved.is_some_and(|resolved| resolved(value)))
            });
        if unlisted_allowed {
            Ok(origin)
        } else {
            Err(Refusal::OriginNotAllowed {
                origin: origin.clone(),
            })
        }
    }
}

/// Whether the request's first `Access-Control-Request-Private-Network` value is `true`.
///
/// Found by comparing the request's header names rather than by a map lookup: the map hashes
/// a name it has no constant for byte by byte, each step waiting on the one before, and for
/// these 38 bytes that takes longer than comparing the dozen or so names a request carries
/// (most of them fail on their length or kind at once). The scan is bounded by the server's
/// limit on request headers.
fn requests_private_network(headers: &http::HeaderMap) -> bool {
    headers
        .iter()
        .find(|(name, _)| *name == REQUEST_PRIVATE_NETWORK)
        .is_some_and(|(_, value)| value == "true")
}

impl Methods {
    fn allows(&self, method: &[u8]) -> bool {
        grammar::method::is_safelisted(method)
            || match self {
                Self::Any => !grammar::method::is_forbidden(method),
                Self::Listed(listed) => listed.iter().any(|m| **m == *method),
            }
    }
}

/// What a preflight's `Access-Control-Allow-Headers` should say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AllowHeaders {
    /// Nothing was requested.
    None,
    /// `*`, legal only without credentials.
    Any,
    /// The requested lines, echoed.
    Echo,
}

impl AllowedHeaders {
    /// Whether one requested name (as sent: browsers lowercase, proxies may not) is allowed.
    /// `Err(true)` when it is `authorization` under `*`, which must be listed by name.
    fn allows(&self, name: &[u8]) -> Result<(), bool> {
        let is_authorization = name.eq_ignore_ascii_case(b"authorization");
        if self.listed.contains(name) || (self.any && !is_authorization) {
            Ok(())
        } else {
            Err(self.any && is_authorization)
        }
    }

    /// Checks every requested header in one linear, allocation-free pass. With credentials,
    /// browsers read `*` as a header literally named `*`, so the answer echoes instead.
    fn check_requested(
        &self,
        lines: &GetAll<'_, HeaderValue>,
        credentials: bool,
    ) -> Result<AllowHeaders, Refusal> {
        let mut requested = false;
        let mut authorization = false;
        let scanned = acrh::scan(lines.iter().map(HeaderValue::as_bytes), |element| {
            requested = true;
            authorization |= element.name.eq_ignore_ascii_case(b"authorization");
            match self.allows(element.name) {
                Ok(()) => ControlFlow::Continue(()),
                Err(needs_explicit_listing) => {
                    ControlFlow::Break((element, needs_explicit_listing))
                }
            }
        });
        match scanned {
            Err(Malformed::TooManyEmptyElements) => Err(Refusal::MalformedRequestHeaders {
                problem: RequestHeadersProblem::TooManyEmptyElements,
            }),
            Err(Malformed::InvalidName) => Err(Refusal::MalformedRequestHeaders {
                problem: RequestHeadersProblem::InvalidName,
            }),
            Ok(Some((element, needs_explicit_listing))) => {
                Err(refused_header(lines, element, needs_explicit_listing))
            }
            Ok(_) if !requested => Ok(AllowHeaders::None),
            Ok(_) if self.any && !authorization && !credentials => Ok(AllowHeaders::Any),
            Ok(_) => Ok(AllowHeaders::Echo),
        }
    }
}

/// Reports a refused name by its place in the request's own header line, without copying it.
fn refused_header(
    lines: &GetAll<'_, HeaderValue>,
    element: acrh::Element<'_>,
    needs_explicit_listing: bool,
) -> Refusal {
    match lines.iter().nth(element.line) {
        Some(line) => Refusal::HeaderNotAllowed {
            line: line.clone(),
            range: element.start..element.start + element.name.len(),
            needs_explicit_listing,
        },
        None => Refusal::MalformedRequestHeaders {
            problem: RequestHeadersProblem::InvalidName,
        },
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
            .field("origins", &self.patterns)
            .field("predicates", &self.predicates.len())
            .field("methods", &self.methods)
            .field("headers", &self.headers)
            .field("credentials", &self.credentials)
            .field("expose", &self.expose)
            .field("max_age", &self.max_age)
            .field("private_network", &self.private_network)
            .field("preflight_status", &self.preflight_status)
            .field("debug", &self.debug.is_enabled())
            .finish_non_exhaustive()
    }
}
