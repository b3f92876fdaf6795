//! What the gateway serves: routes (path prefix, upstream, policy, mode), listeners and
//! limits, built in code or read from `gateway.toml`. Every value is validated where it is
//! made, so a [`Gateway`] always describes a gateway that can start.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use http::{
    HeaderValue, Uri,
    uri::{PathAndQuery, Scheme},
};
use serde::Deserialize;
use toml::de::{DeTable, DeValue};

/// Whether a route's policy decides or only reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The policy decides; its file's `report_only` is honoured.
    #[default]
    Enforce,
    /// The upstream's answers pass untouched (preflights included); what the policy would
    /// have refused is counted as `shadow_refused`: report-only forced on.
    Shadow,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value {
            "enforce" => Ok(Self::Enforce),
            "shadow" => Ok(Self::Shadow),
            other => Err(format!("mode is `enforce` or `shadow`, not `{other}`")),
        }
    }
}

/// Where an upstream is: `http` or `https`, an authority, and an optional base path that
/// every forwarded path is appended to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    scheme: Scheme,
    authority: http::uri::Authority,
    base: String,
}

impl Upstream {
    /// Parses an upstream URL.
    ///
    /// ```
    /// let upstream = corsair_proxy::Upstream::parse("https://api.internal:8443/v1")?;
    /// assert_eq!(upstream.to_string(), "https://api.internal:8443/v1");
    /// assert!(corsair_proxy::Upstream::parse("ftp://files.internal").is_err());
    /// # Ok::<(), corsair_proxy::ConfigError>(())
    /// ```
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let invalid = |why: &str| ConfigError::Upstream {
            url: url.to_owned(),
            why: why.to_owned(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|_| invalid("it is not a URL (write it as http://host:port)"))?;
        let scheme = match uri.scheme_str() {
            Some("http") => Scheme::HTTP,
            Some("https") => Scheme::HTTPS,
            Some(_) => return Err(invalid("the scheme must be http or https")),
            None => return Err(invalid("it needs a scheme: http:// or https://")),
        };
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| invalid("it needs a host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("credentials in the URL are not supported"));
        }
        if uri.query().is_some() {
            return Err(invalid("a query string cannot be a base path"));
        }
        let base = uri.path().trim_end_matches('/').to_owned();
        Ok(Self {
            scheme,
            authority,
            base,
        })
    }

    /// Whether it is reached over TLS.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The upstream's target for a request's path and query: the base path, then the
    /// request's.
    pub(crate) fn path_for(
        &self,
        path_and_query: &PathAndQuery,
    ) -> Result<PathAndQuery, http::uri::InvalidUri> {
        // Without a base path the request's target is reused as it is (a reference count,
        // not a copy and a parse).
        if self.base.is_empty() {
            Ok(path_and_query.clone())
        } else {
            PathAndQuery::try_from(format!("{}{path_and_query}", self.base))
        }
    }

    /// The absolute URI of a target from [`path_for`](Self::path_for).
    pub(crate) fn uri_for(&self, path: PathAndQuery) -> Result<Uri, http::Error> {
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
    }

    /// The scheme and authority alone: what a connection is made to.
    pub(crate) fn origin(&self) -> Uri {
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(PathAndQuery::from_static("/"));
        // A scheme and an authority that parsed together make a URI again.
        Uri::from_parts(parts).unwrap_or_default()
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}{}", self.scheme, self.authority, self.base)
    }
}

/// A path prefix a route serves: starts with `/`, matched at segment boundaries (`/api`
/// serves `/api` and `/api/items`, never `/apis`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPrefix(String);

impl PathPrefix {
    /// Validates a prefix.
    ///
    /// ```
    /// let api = corsair_proxy::PathPrefix::new("/api/")?;
    /// assert!(api.matches("/api/items") && api.matches("/api") && !api.matches("/apis"));
    /// assert!(corsair_proxy::PathPrefix::new("api").is_err());
    /// # Ok::<(), corsair_proxy::ConfigError>(())
    /// ```
    pub fn new(prefix: &str) -> Result<Self, ConfigError> {
        if !prefix.starts_with('/') || prefix.contains(['?', '#', ' ']) {
            return Err(ConfigError::Prefix(prefix.to_owned()));
        }
        Ok(Self(prefix.trim_end_matches('/').to_owned()))
    }

    /// Whether `path` is under this prefix.
    pub fn matches(&self, path: &str) -> bool {
        match path.strip_prefix(self.0.as_str()) {
            Some(rest) => rest.is_empty() || rest.starts_with('/') || self.0.is_empty(),
            None => false,
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for PathPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "/" } else { &self.0 })
    }
}

/// Where a route's policy comes from.
#[derive(Debug, Clone)]
pub enum PolicySource {
    /// A policy file, watched and reloaded while the gateway runs.
    File(PathBuf),
    /// A policy given whole (command-line flags, an inline table): fixed.
    Fixed(corsair::Config),
}

/// One route: requests under `prefix` go to `upstream` under `policy`.
#[derive(Debug, Clone)]
pub struct Route {
    pub(crate) prefix: PathPrefix,
    pub(crate) upstream: Upstream,
    pub(crate) upstream_host: Option<HeaderValue>,
    pub(crate) policy: PolicySource,
    pub(crate) mode: Mode,
}

impl Route {
    /// A route in enforce mode that keeps the client's `Host`.
    pub fn new(prefix: PathPrefix, upstream: Upstream, policy: PolicySource) -> Self {
        Self {
            prefix,
            upstream,
            upstream_host: None,
            policy,
            mode: Mode::Enforce,
        }
    }

    /// Sends `host` as `Host` to the upstream instead of the client's.
    pub fn upstream_host(mut self, host: &str) -> Result<Self, ConfigError> {
        let valid = host.parse::<http::uri::Authority>().is_ok() && !host.contains('@');
        match HeaderValue::from_str(host) {
            Ok(value) if valid => {
                self.upstream_host = Some(value);
                Ok(self)
            }
            _ => Err(ConfigError::UpstreamHost(host.to_owned())),
        }
    }

    /// Enforce or shadow.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The prefix it serves.
    pub fn prefix(&self) -> &PathPrefix {
        &self.prefix
    }
}

impl fmt::Display for Route {
    /// `/api -> http://127.0.0.1:3000 (enforce, policy api.toml)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.mode {
            Mode::Enforce => "enforce",
            Mode::Shadow => "shadow",
        };
        write!(f, "{} -> {} ({mode}, ", self.prefix, self.upstream)?;
        match &self.policy {
            PolicySource::File(path) => write!(f, "policy {})", path.display()),
            PolicySource::Fixed(_) => f.write_str("fixed policy)"),
        }
    }
}

/// Bounds on what one request may cost the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest request body forwarded (`413` above it, with the grant headers); none by
    /// default.
    pub max_body_bytes: Option<u64>,
    /// Most request header fields (`431` above it).
    pub max_headers: usize,
    /// Largest request head, in bytes (`431` above it).
    pub max_header_bytes: usize,
    /// Time a client has to send a request's head (against slowloris).
    pub header_read_timeout: Duration,
    /// Time to connect to an upstream (`502` after it).
    pub connect_timeout: Duration,
    /// Time an upstream has to start its response (`504` after it).
    pub response_timeout: Duration,
    /// Time in-flight requests get to finish on shutdown.
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: None,
            max_headers: 100,
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// A certificate chain and its private key, PEM files reloaded with the policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// A whole gateway: its routes, listeners and limits.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub(crate) routes: Vec<Route>,
    pub(crate) listen: SocketAddr,
    pub(crate) admin: Option<SocketAddr>,
    pub(crate) limits: Limits,
    pub(crate) trust_forwarded: bool,
    pub(crate) tls: Option<TlsFiles>,
}

/// The address the gateway listens on unless told otherwise.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

impl Gateway {
    /// A gateway serving `routes` on [`DEFAULT_LISTEN`], no admin listener, default
    /// [`Limits`]; every prefix must be distinct.
    ///
    /// ```
    /// use corsair_proxy::{Gateway, PathPrefix, PolicySource, Route, Upstream};
    ///
    /// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]);
    /// let route = Route::new(PathPrefix::new("/")?, Upstream::parse("http://127.0.0.1:3000")?, PolicySource::Fixed(policy));
    /// let gateway = Gateway::new(vec![route])?.admin("127.0.0.1:9090".parse()?);
    /// # let _ = gateway;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(mut routes: Vec<Route>) -> Result<Self, ConfigError> {
        if routes.is_empty() {
            return Err(ConfigError::NoRoutes);
        }
        // Longest prefix first, so the first match is the most specific.
        routes.sort_by_key(|route| std::cmp::Reverse(route.prefix.len()));
        if let Some(pair) = routes
            .windows(2)
            .find(|pair| pair[0].prefix == pair[1].prefix)
        {
            return Err(ConfigError::DuplicatePrefix(pair[0].prefix.to_string()));
        }
        Ok(Self {
            routes,
            listen: DEFAULT_LISTEN,
            admin: None,
            limits: Limits::default(),
            trust_forwarded: false,
            tls: None,
        })
    }

    /// Where to listen.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Where to serve `/healthz`, `/readyz` and `/metrics`.
    pub fn admin(mut self, addr: SocketAddr) -> Self {
        self.admin = Some(addr);
        self
    }

    /// Limits and timeouts.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps incoming `X-Forwarded-*` headers (appending to `X-Forwarded-For`) instead of
    /// replacing them: only behind a proxy that sets them itself.
    pub fn trust_forwarded(mut self, trust: bool) -> Self {
        self.trust_forwarded = trust;
        self
    }

    /// Serves HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with these files.
    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// The address it listens on.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// The admin listener's address, if any.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// The routes, most specific prefix first.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Reads `gateway.toml`; relative paths in it are relative to its directory.
    pub fn from_file(path: &Path) -> Result<Self, ConfigErrors> {
        let source = std::fs::read_to_string(path).map_err(|error| {
            ConfigErrors(vec![ConfigError::Read {
                path: path.to_owned(),
                error: error.to_string(),
            }])
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_toml(&source, base)
    }

    /// Reads the gateway format (documented in `docs/PROXY.md`); relative paths are
    /// relative to `base`. Every problem is reported together, unknown keys with the known
    /// key they most resemble.
    ///
    /// ```
    /// let errors = corsair_proxy::Gateway::from_toml(
    ///     "[[routes]]\nprefix = \"/\"\nupstrem = \"http://127.0.0.1:3000\"\npolicy = \"api.toml\"\n",
    ///     std::path::Path::new("."),
    /// ).unwrap_err();
    /// assert_eq!(errors.to_string(), "line 3: unknown key `routes.upstrem`; did you mean `upstream`?\nroute 1: `upstream` is missing");
    /// ```
    pub fn from_toml(source: &str, base: &Path) -> Result<Self, ConfigErrors> {
        let lines = Lines::of(source);
        let table = DeTable::parse(source).map_err(|error| {
            ConfigErrors(vec![ConfigError::Syntax {
                message: error.message().trim_end().to_owned(),
                line: error.span().map(|span| lines.line(span.start)),
            }])
        })?;
        let mut errors = Vec::new();
        unknown_keys(table.get_ref(), "", TOP_KEYS, &lines, &mut errors);
        if let Some(limits) = table.get_ref().get("limits")
            && let DeValue::Table(limits) = limits.get_ref()
        {
            unknown_keys(limits, "limits.", LIMIT_KEYS, &lines, &mut errors);
        }
        if let Some(routes) = table.get_ref().get("routes")
            && let DeValue::Array(routes) = routes.get_ref()
        {
            for route in routes {
                if let DeValue::Table(route) = route.get_ref() {
                    unknown_keys(route, "routes.", ROUTE_KEYS, &lines, &mut errors);
                }
            }
        }
        let file: File = match toml::from_str(source) {
            Ok(file) => file,
            Err(error) => {
                errors.push(ConfigError::Syntax {
                    message: error.message().trim_end().to_owned(),
                    line: error.span().map(|span| lines.line(span.start)),
                });
                return Err(ConfigErrors(errors));
            }
        };
        let gateway = file.into_gateway(base, &mut errors);
        match gateway {
            Some(gateway) if errors.is_empty() => Ok(gateway),
            _ => Err(ConfigErrors(errors)),
        }
    }
}

const TOP_KEYS: &[&str] = &[
    "listen",
    "admin",
    "trust_forwarded",
    "tls_cert",
    "tls_key",
    "limits",
    "routes",
];
const LIMIT_KEYS: &[&str] = &[
    "max_body_bytes",
    "max_headers",
    "max_header_bytes",
    "header_read_timeout",
    "connect_timeout",
    "response_timeout",
    "drain_timeout",
];
const ROUTE_KEYS: &[&str] = &["prefix", "upstream", "upstream_host", "policy", "mode"];

fn unknown_keys(
    table: &DeTable<'_>,
    path: &str,
    known: &'static [&'static str],
    lines: &Lines,
    errors: &mut Vec<ConfigError>,
) {
    for key in table.keys() {
        if !known.contains(&key.get_ref().as_ref()) {
            errors.push(ConfigError::UnknownKey {
                key: format!("{path}{}", key.get_ref()),
                line: lines.line(key.span().start),
                suggestion: corsair::closest_key(key.get_ref(), known.iter().copied()),
            });
        }
    }
}

/// The file as serde reads it; unknown keys were reported from the spanned table.
#[derive(Deserialize)]
struct File {
    listen: Option<SocketAddr>,
    admin: Option<SocketAddr>,
    #[serde(default)]
    trust_forwarded: bool,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default)]
    limits: FileLimits,
    #[serde(default)]
    routes: Vec<FileRoute>,
}

#[derive(Deserialize, Default)]
struct FileLimits {
    max_body_bytes: Option<u64>,
    max_headers: Option<usize>,
    max_header_bytes: Option<usize>,
    header_read_timeout: Option<f64>,
    connect_timeout: Option<f64>,
    response_timeout: Option<f64>,
    drain_timeout: Option<f64>,
}

#[derive(Deserialize)]
struct FileRoute {
    prefix: Option<String>,
    upstream: Option<String>,
    upstream_host: Option<String>,
    policy: Option<toml::Value>,
    #[serde(default)]
    mode: Mode,
}

impl File {
    fn into_gateway(self, base: &Path, errors: &mut Vec<ConfigError>) -> Option<Gateway> {
        let routes: Vec<Route> = self
            .routes
            .into_iter()
            .enumerate()
            .filter_map(|(index, route)| route.into_route(index + 1, base, errors))
            .collect();
        let limits = self.limits.into_limits(errors);
        let mut gateway = match Gateway::new(routes) {
            Ok(gateway) => gateway,
            Err(error) => {
                if errors.is_empty() {
                    errors.push(error);
                }
                return None;
            }
        };
        gateway.limits = limits;
        gateway.trust_forwarded = self.trust_forwarded;
        if let Some(listen) = self.listen {
            gateway.listen = listen;
        }
        gateway.admin = self.admin;
        match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => {
                gateway.tls = Some(TlsFiles {
                    cert: base.join(cert),
                    key: base.join(key),
                })
            }
            (None, None) => {}
            _ => errors.push(ConfigError::TlsPair),
        }
        Some(gateway)
    }
}

impl FileLimits {
    fn into_limits(self, errors: &mut Vec<ConfigError>) -> Limits {
        let defaults = Limits::default();
        let mut seconds = |key: &'static str, value: Option<f64>, default: Duration| match value {
            None => default,
            Some(value) if value.is_finite() && value > 0.0 && value <= 86_400.0 => {
                Duration::from_secs_f64(value)
            }
            Some(value) => {
                errors.push(ConfigError::Seconds { key, value });
                default
            }
        };
        Limits {
            max_body_bytes: self.max_body_bytes,
            max_headers: self.max_headers.unwrap_or(defaults.max_headers),
            max_header_bytes: self.max_header_bytes.unwrap_or(defaults.max_header_bytes),
            header_read_timeout: seconds(
                "limits.header_read_timeout",
                self.header_read_timeout,
                defaults.header_read_timeout,
            ),
            connect_timeout: seconds(
                "limits.connect_timeout",
                self.connect_timeout,
                defaults.connect_timeout,
            ),
            response_timeout: seconds(
                "limits.response_timeout",
                self.response_timeout,
                defaults.response_timeout,
            ),
            drain_timeout: seconds(
                "limits.drain_timeout",
                self.drain_timeout,
                defaults.drain_timeout,
            ),
        }
    }
}

impl FileRoute {
    fn into_route(
        self,
        number: usize,
        base: &Path,
        errors: &mut Vec<ConfigError>,
    ) -> Option<Route> {
        let mut problem = |error: ConfigError| {
            errors.push(ConfigError::InRoute {
                number,
                error: Box::new(error),
            })
        };
        let missing = |key| ConfigError::Missing { key };
        let prefix = match self.prefix.as_deref().map(PathPrefix::new) {
            Some(Ok(prefix)) => Some(prefix),
            Some(Err(error)) => {
                problem(error);
                None
            }
            None => {
                problem(missing("prefix"));
                None
            }
        };
        let upstream = match self.upstream.as_deref().map(Upstream::parse) {
            Some(Ok(upstream)) => Some(upstream),
            Some(Err(error)) => {
                problem(error);
                None
            }
            None => {
                problem(missing("upstream"));
                None
            }
        };
        let policy = match self.policy {
            Some(toml::Value::String(path)) => Some(PolicySource::File(base.join(path))),
            Some(toml::Value::Table(table)) => {
                // The inline table is a policy file's text, so it is read (and its errors
                // worded) exactly as a policy file is.
                let source = toml::to_string(&table).unwrap_or_default();
                match corsair::Config::from_toml(&source) {
                    Ok(config) => match config.clone().build() {
                        Ok(_) => Some(PolicySource::Fixed(config)),
                        Err(invalid) => {
                            problem(ConfigError::Policy(invalid.to_string()));
                            None
                        }
                    },
                    Err(invalid) => {
                        problem(ConfigError::Policy(invalid.to_string()));
                        None
                    }
                }
            }
            Some(_) => {
                problem(ConfigError::PolicyType);
                None
            }
            None => {
                problem(missing("policy"));
                None
            }
        };
        let route = Route::new(prefix?, upstream?, policy?).mode(self.mode);
        match self.upstream_host {
            Some(host) => route.upstream_host(&host).map_err(problem).ok(),
            None => Some(route),
        }
    }
}

/// Byte offsets of line starts, for 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn of(source: &str) -> Self {
        Self(source.match_indices('\n').map(|(at, _)| at).collect())
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&newline| newline < offset) + 1
    }
}

/// A problem with the gateway's configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: String,
    },
    /// Not TOML, or a value of the wrong type.
    #[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Syntax {
        /// The parser's explanation.
        message: String,
        /// 1-based line, when known.
        line: Option<usize>,
    },
    /// A key the format does not have.
    #[error("line {line}: unknown key `{key}`{}", suggestion.map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownKey {
        /// The key, with its table (`routes.upstrem`).
        key: String,
        /// 1-based line.
        line: usize,
        /// The known key it most resembles.
        suggestion: Option<&'static str>,
    },
    /// A required key is absent.
    #[error("`{key}` is missing")]
    Missing {
        /// The key.
        key: &'static str,
    },
    /// A problem in the `number`th `[[routes]]` entry.
    #[error("route {number}: {error}")]
    InRoute {
        /// 1-based.
        number: usize,
        /// The problem.
        error: Box<ConfigError>,
    },
    /// An upstream URL that cannot be proxied to.
    #[error("upstream `{url}`: {why}")]
    Upstream {
        /// As written.
        url: String,
        /// Why.
        why: String,
    },
    /// A path prefix that is not an absolute path.
    #[error("prefix `{0}` must be an absolute path such as `/api`")]
    Prefix(String),
    /// An `upstream_host` that is not a host (and port).
    #[error("upstream host `{0}` must be a host name, optionally with a port")]
    UpstreamHost(String),
    /// An inline policy that does not load.
    #[error("policy: {0}")]
    Policy(String),
    /// `policy` is neither a file name nor a table.
    #[error("`policy` must be a file name or a table of policy keys")]
    PolicyType,
    /// No route at all.
    #[error("a gateway needs at least one route")]
    NoRoutes,
    /// Two routes with one prefix.
    #[error("two routes have the prefix `{0}`")]
    DuplicatePrefix(String),
    /// Only one of the certificate and the key.
    #[error("`tls_cert` and `tls_key` go together")]
    TlsPair,
    /// A timeout out of range.
    #[error("`{key}` must be a number of seconds between 0 and 86400, not {value}")]
    Seconds {
        /// The key.
        key: &'static str,
        /// As written.
        value: f64,
    },
}

/// Every problem with a gateway file, one per line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_reads_into_routes_sorted_longest_prefix_first() {
        let gateway = Gateway::from_toml(
            r#"
            listen = "0.0.0.0:8443"
            admin = "127.0.0.1:9090"
            trust_forwarded = true
            [limits]
            max_body_bytes = 1024
            response_timeout = 2.5
            [[routes]]
            prefix = "/"
            upstream = "http://127.0.0.1:3000"
            policy = "web.toml"
            [[routes]]
            prefix = "/api/"
            upstream = "https://api.internal/v1"
            upstream_host = "api.example.com"
            mode = "shadow"
            policy = { allow_origins = ["https://app.example.com"] }
            "#,
            Path::new("/etc/corsair"),
        )
        .unwrap();
        assert_eq!(gateway.listen.to_string(), "0.0.0.0:8443");
        assert_eq!(gateway.admin.unwrap().to_string(), "127.0.0.1:9090");
        assert!(gateway.trust_forwarded);
        assert_eq!(gateway.limits.max_body_bytes, Some(1024));
        assert_eq!(gateway.limits.response_timeout, Duration::from_millis(2500));
        let [api, web] = &gateway.routes[..] else {
            panic!("two routes")
        };
        assert_eq!(api.prefix.to_string(), "/api");
        assert_eq!(api.mode, Mode::Shadow);
        assert_eq!(api.upstream.to_string(), "https://api.internal/v1");
        assert_eq!(api.upstream_host.as_ref().unwrap(), "api.example.com");
        assert!(matches!(&api.policy, PolicySource::Fixed(_)));
        assert!(
            matches!(&web.policy, PolicySource::File(path) if path == Path::new("/etc/corsair/web.toml"))
        );
    }

    #[test]
    fn every_problem_is_reported_together() {
        let errors = Gateway::from_toml(
            r#"
            lisen = "0.0.0.0:80"
            [limits]
            connect_timeout = -1
            [[routes]]
            prefix = "api"
            upstream = "ftp://x"
            policy = { allow_origins = ["https://*"] }
            "#,
            Path::new("."),
        )
        .unwrap_err()
        .to_string();
        assert!(
            errors.contains("line 2: unknown key `lisen`; did you mean `listen`?"),
            "{errors}"
        );
        assert!(errors.contains("route 1: prefix `api`"), "{errors}");
        assert!(
            errors.contains("route 1: upstream `ftp://x`: the scheme"),
            "{errors}"
        );
        assert!(errors.contains("route 1: policy: "), "{errors}");
        assert!(
            errors.contains("`limits.connect_timeout` must be"),
            "{errors}"
        );
    }

    #[test]
    fn duplicate_prefixes_and_no_routes_are_refused() {
        let route = |prefix| {
            Route::new(
                PathPrefix::new(prefix).unwrap(),
                Upstream::parse("http://127.0.0.1:1").unwrap(),
                PolicySource::Fixed(corsair::Config::new()),
            )
        };
        assert_eq!(Gateway::new(vec![]).unwrap_err(), ConfigError::NoRoutes);
        assert_eq!(
            Gateway::new(vec![route("/a/"), route("/a")]).unwrap_err(),
            ConfigError::DuplicatePrefix("/a".into())
        );
    }

    #[test]
    fn prefixes_match_whole_segments_and_the_root_matches_everything() {
        let root = PathPrefix::new("/").unwrap();
        assert!(root.matches("/") && root.matches("/anything"));
        let api = PathPrefix::new("/api").unwrap();
        assert!(api.matches("/api/x") && !api.matches("/apix") && !api.matches("/"));
    }

    #[test]
    fn upstream_urls_join_their_base_path() {
        let target = PathAndQuery::from_static("/x?y=1");
        let upstream = Upstream::parse("http://h:1/base/").unwrap();
        assert_eq!(
            upstream
                .uri_for(upstream.path_for(&target).unwrap())
                .unwrap()
                .to_string(),
            "http://h:1/base/x?y=1"
        );
        let bare = Upstream::parse("https://h").unwrap();
        assert_eq!(
            bare.uri_for(bare.path_for(&target).unwrap())
                .unwrap()
                .to_string(),
            "https://h/x?y=1"
        );
        for bad in ["h:1", "http://", "http://u:p@h/", "http://h/?q"] {
            assert!(Upstream::parse(bad).is_err(), "{bad}");
        }
        assert!(
            Route::new(
                PathPrefix::new("/").unwrap(),
                upstream,
                PolicySource::Fixed(corsair::Config::new())
            )
            .upstream_host("a b")
            .is_err()
        );
    }
}
