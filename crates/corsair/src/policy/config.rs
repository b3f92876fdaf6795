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
            .finish_non_exhaustive()
    }
}
