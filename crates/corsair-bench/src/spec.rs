//! One configuration, expressed for every middleware compared.

use http::{HeaderName, HeaderValue, Method};

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
