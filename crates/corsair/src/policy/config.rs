//! `Config`: what the user states, unvalidated until `build()`.

use std::{fmt, sync::Arc};

use super::{MaxAge, RequestHead};

/// A user-supplied origin check, for origins that cannot be listed (e.g. per-tenant domains).
///
/// It receives the request's `Origin` value, already checked to be a canonical tuple origin
/// (never `null`, never malformed), and the request head.
pub type OriginPredicate = Arc<dyn Fn(&str, &RequestHead<'_>) -> bool + Send + Sync>;

/// The status a successful preflight is answered with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreflightStatus {
    /// `204 No Content`: the default.
    #[default]
    NoContent,
    /// `200 OK`, for old clients that treat 204 as a failure.
    Ok,
}

impl PreflightStatus {
    pub(super) fn status(self) -> http::StatusCode {
        match self {
            Self::NoContent => http::StatusCode::NO_CONTENT,
            Self::Ok => http::StatusCode::OK,
        }
    }
}

/// What a CORS policy allows, as stated by its author. [`Config::build`] validates it and
/// compiles it into a [`Policy`](crate::Policy).
///
/// Nothing is allowed by default. Lists accept `*` where it is meaningful; entries are checked
/// by `build`, which reports every problem at once.
///
/// ```
/// use corsair::Config;
///
/// let policy = Config::new()
///     .allow_origins(["https://app.example.com", "https://*.preview.example.com"])
///     .allow_methods(["GET", "POST", "DELETE"])
///     .allow_headers(["content-type", "authorization"])
///     .expose_headers(["x-request-id"])
///     .allow_credentials(true)
///     .max_age(corsair::MaxAge::Seconds(600))
///     .build()?;
/// # let _ = policy;
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Clone, Default)]
pub struct Config {
    pub(super) origins: Vec<String>,
    pub(super) predicates: Vec<OriginPredicate>,
    pub(super) methods: Vec<String>,
    pub(super) headers: Vec<String>,
    pub(super) expose: Vec<String>,
    pub(super) credentials: bool,
    pub(super) max_age: MaxAge,
    pub(super) private_network: bool,
    pub(super) preflight_status: PreflightStatus,
    pub(super) insecure_origins: bool,
    pub(super) public_suffix_subdomains: bool,
    pub(super) null_origin: bool,
    pub(super) refuse_cross_origin_writes: bool,
    /// Exempted `(method, path)` pairs, as written.
    pub(super) write_exemptions: Vec<(String, String)>,
    pub(super) cross_origin_websockets: bool,
    pub(super) trust_forwarded_host: bool,
    pub(super) report_only: bool,
}

impl Config {
    /// An empty configuration, which allows nothing (and so does not build until origins are
    /// added).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds origins or origin patterns (see [`OriginPattern`](crate::OriginPattern)), or `*`.
    pub fn allow_origins<I>(mut self, origins: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Adds a predicate consulted for origins that no listed entry matches.
    ///
    /// A predicate runs on every request from an unlisted origin; keep it cheap. Unlike listed
    /// origins, its answers cannot be checked when the policy is built.
    ///
    /// ```
    /// let policy = corsair::Config::new()
    ///     .allow_origin_predicate(|origin, _head| origin.ends_with(".tenants.example.com"))
    ///     .build()?;
    /// # let _ = policy;
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn allow_origin_predicate<F>(mut self, predicate: F) -> Self
    where
        F: Fn(&str, &RequestHead<'_>) -> bool + Send + Sync + 'static,
    {
        self.predicates.push(Arc::new(predicate));
        self
    }

    /// Adds methods a preflight may ask for, or `*` for any. Methods are case-sensitive;
    /// GET, HEAD and POST never need listing.
    pub fn allow_methods<I>(mut self, methods: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.methods.extend(methods.into_iter().map(Into::into));
        self
    }

    /// Adds request headers a preflight may ask for (case-insensitive), or `*` for any
    /// header except `Authorization`, which must always be listed by name.
    ///
    /// Without credentials, `*` is answered with `Access-Control-Allow-Headers: *`. With
    /// credentials browsers read `*` as a header literally named `*`, so the answer echoes the
    /// requested names instead: the effect is the same, any header but `Authorization`.
    pub fn allow_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.headers.extend(headers.into_iter().map(Into::into));
        self
    }

    /// Adds response headers script may read beyond the CORS-safelisted ones, or `*` for all
    /// (without credentials only).
    pub fn expose_headers<I>(mut self, headers: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.expose.extend(headers.into_iter().map(Into::into));
        self
    }

    /// Lets credentialed requests (cookies, HTTP authentication, client certificates) read
    /// responses.
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.credentials = allow;
        self
    }

    /// How long browsers may cache a preflight answer.
    pub fn max_age(mut self, max_age: MaxAge) -> Self {
        self.max_age = max_age;
        self
    }

    /// Answers Private Network Access preflights
    /// (`Access-Control-Request-Private-Network: true`) with
    /// `Access-Control-Allow-Private-Network: true`.
    pub fn allow_private_network(mut self, allow: bool) -> Self {
        self.private_network = allow;
        self
    }

    /// The status of successful preflight responses.
    pub fn preflight_status(mut self, status: PreflightStatus) -> Self {
        self.preflight_status = status;
        self
    }

    /// Accepts non-secure (plain `http`, non-loopback) origins together with credentials.
    pub fn dangerously_allow_insecure_origins(mut self, allow: bool) -> Self {
        self.insecure_origins = allow;
        self
    }

    /// Accepts subdomain patterns over public suffixes (`https://*.github.io`) together with
    /// credentials.
    pub fn dangerously_allow_public_suffix_subdomains(mut self, allow: bool) -> Self {
        self.public_suffix_subdomains = allow;
        self
    }

    /// Accepts the opaque origin `null` in the origin list.
    pub fn dangerously_allow_null_origin(mut self, allow: bool) -> Self {
        self.null_origin = allow;
        self
    }

    /// Refuses forged writes (cross-site request forgery): a request with a method other
    /// than GET, HEAD and OPTIONS is answered `403 Forbidden`, without calling the
    /// application, when the browser says it comes from another site (`Sec-Fetch-Site:
    /// cross-site` or `same-site`) and its `Origin` is not allowed by an exact entry, a
    /// pattern, a predicate or a resolver (`*` trusts no one to write). Browsers without
    /// `Sec-Fetch-Site` are judged by `Origin`: refused when it is `null` or names another
    /// host and port than `Host`. Requests with neither header (non-browser clients) pass.
    ///
    /// ```
    /// use corsair::{Config, Evaluation, RequestHead};
    ///
    /// let policy = Config::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .refuse_cross_origin_writes(true)
    ///     .build()?;
    /// let forged = http::Request::post("/transfer")
    ///     .header("sec-fetch-site", "cross-site")
    ///     .header("origin", "https://evil.example")
    ///     .body(())
    ///     .unwrap();
    /// let Evaluation::Forbidden(answer) = policy.evaluate(&RequestHead::from(&forged)) else {
    ///     unreachable!("a cross-site POST from an unlisted origin is refused");
    /// };
    /// assert_eq!(answer.response::<()>().status(), 403);
    /// assert_eq!(answer.refusal().kind(), "cross_origin_write");
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn refuse_cross_origin_writes(mut self, refuse: bool) -> Self {
        self.refuse_cross_origin_writes = refuse;
        self
    }

    /// Exempts one `(method, path)` pair from
    /// [`refuse_cross_origin_writes`](Self::refuse_cross_origin_writes), for endpoints that
    /// other sites must reach (a payment provider's webhook).
    ///
    /// The pair matches exactly: the method byte for byte, and the path byte for byte as the
    /// middleware sees it (no query; no trailing-slash, case or percent-decoding
    /// equivalence; never a prefix). Behind axum's `Router::nest` or an actix-web
    /// `web::scope`, write the path as the layer sees it: a layer on the nested router sees
    /// the path with the nest's prefix removed, one on the outer router (or on an actix-web
    /// scope, which does not rewrite the URI) sees the full path.
    ///
    /// ```
    /// let policy = corsair::Config::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .refuse_cross_origin_writes(true)
    ///     .exempt_cross_origin_write("POST", "/webhooks/stripe")
    ///     .build()?;
    /// assert_eq!(policy.grants().write_exemptions, [("POST".to_owned(), "/webhooks/stripe".to_owned())]);
    /// # Ok::<(), corsair::ConfigErrors>(())
    /// ```
    pub fn exempt_cross_origin_write(
        mut self,
        method: impl Into<String>,
        path: impl Into<String>,
    ) -> Self {
        self.write_exemptions.push((method.into(), path.into()));
        self
    }

    /// Lets WebSocket handshakes from any origin through. By default a handshake
    /// (`Upgrade: websocket`) whose `Origin` is neither allowed by the policy nor the
    /// server's own is answered `403 Forbidden` before the application sees it, since
    /// CORS does not apply to WebSockets and any site could otherwise open one with the
    /// user's cookies (cross-site WebSocket hijacking). Handshakes without `Origin`
    /// (non-browser clients) always pass.
    pub fn allow_cross_origin_websockets(mut self, allow: bool) -> Self {
        self.cross_origin_websockets = allow;
        self
    }

    /// Compares `Origin` with `X-Forwarded-Host` (its last value) instead of `Host` when
    /// deciding whether a request comes from the server's own origin. Set it only behind a
    /// reverse proxy that rewrites `Host` and sets `X-Forwarded-Host` itself: otherwise any
    /// client could claim to be same-origin.
    pub fn trust_forwarded_host(mut self, trust: bool) -> Self {
        self.trust_forwarded_host = trust;
        self
    }

    /// Decides, logs and reports as usual, but changes nothing: no CORS header is added or
    /// removed, preflights reach the application, and nothing is refused. What would have
    /// been refused is reported as `shadow_refused` (see [`Verdict`](crate::Verdict)); the
    /// safe way to try a policy on live traffic.
    pub fn report_only(mut self, report_only: bool) -> Self {
        self.report_only = report_only;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut config = f.debug_struct("Config");
        config
            .field("origins", &self.origins)
            .field("predicates", &self.predicates.len())
            .field("methods", &self.methods)
            .field("headers", &self.headers)
            .field("expose", &self.expose)
            .field("credentials", &self.credentials)
            .field("max_age", &self.max_age)
            .field("private_network", &self.private_network)
            .field("preflight_status", &self.preflight_status)
            .field("insecure_origins", &self.insecure_origins)
            .field("public_suffix_subdomains", &self.public_suffix_subdomains)
            .field("null_origin", &self.null_origin)
            .field(
                "refuse_cross_origin_writes",
                &self.refuse_cross_origin_writes,
            )
            .field("write_exemptions", &self.write_exemptions)
            .field("cross_origin_websockets", &self.cross_origin_websockets)
            .field("trust_forwarded_host", &self.trust_forwarded_host)
            .field("report_only", &self.report_only)
            .finish_non_exhaustive()
    }
}
