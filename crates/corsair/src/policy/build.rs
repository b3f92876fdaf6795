//! `Config::build`: validation (every problem reported at once) and compilation.

use http::HeaderValue;

use super::{
    Compiled, Config, ConfigError, ConfigErrors, DebugSwitch, Grants, HeaderList, MaxAge, Policy,
};
use crate::headers::names::{
    FORBIDDEN_METHODS, HeaderNameSet, fetch_normalized_method, is_forbidden_request_header,
    is_token, unexposable_reason,
};
use crate::origin::{HostPattern, OriginError, OriginMatcher, OriginPattern, PatternError, share};

/// Longest preflight cache lifetime accepted, in seconds (Firefox's cap).
pub(crate) const MAX_AGE_LIMIT: u32 = 86_400;

/// Schemes no page has, so no `Origin` header ever carries them: a WebSocket handshake
/// sends the page's `http(s)` origin, and browsers no longer load `ftp:` pages.
const NEVER_SENT_SCHEMES: &[&str] = &["ws", "wss", "ftp"];

impl Config {
    /// Validates the configuration and compiles it into a [`Policy`].
    ///
    /// Returns every problem found, each saying how to fix it; never panics.
    ///
    /// ```
    /// use corsair::{Config, ConfigError};
    ///
    /// let errors = Config::new()
    ///     .allow_origins(["*"])
    ///     .allow_methods(["TRACE"])
    ///     .allow_credentials(true)
    ///     .build()
    ///     .unwrap_err();
    /// let errors: Vec<_> = errors.into_iter().collect();
    /// assert!(errors.contains(&ConfigError::AnyOriginWithCredentials));
    /// assert!(errors.contains(&ConfigError::ForbiddenMethod { value: "TRACE".into() }));
    /// ```
    pub fn build(&self) -> Result<Policy, ConfigErrors> {
        let mut errors = Vec::new();
        let patterns = self.validate_origins(&mut errors);
        let methods = self.validate_methods(&mut errors);
        let headers = self.validate_allow_headers(&mut errors);
        let expose = self.validate_expose_headers(&mut errors);
        let max_age = self.validate_max_age(&mut errors);
        if let Some(errors) = ConfigErrors::new(errors) {
            return Err(errors);
        }
        let mut origins = OriginMatcher::default();
        for pattern in &patterns {
            origins.insert(pattern);
        }
        let grants = Grants {
            origins: patterns.iter().map(ToString::to_string).collect(),
            predicates: self.predicates.len(),
            methods: match &methods {
                Methods::Any => vec!["*".to_owned()],
                Methods::Listed(listed) => listed
                    .iter()
                    .map(|m| String::from_utf8_lossy(m).into_owned())
                    .filter(|m| !matches!(m.as_str(), "GET" | "HEAD" | "POST"))
                    .collect(),
            },
            headers: {
                let mut names = headers.listed.names();
                if headers.any {
                    names.insert(0, "*".to_owned());
                }
                names
            },
            exposed_headers: expose
                .as_ref()
                .and_then(|value| value.to_str().ok())
                .map(|value| value.split(", ").map(str::to_owned).collect())
                .unwrap_or_default(),
            credentials: self.credentials,
            max_age: self.max_age,
            private_network: self.private_network,
            preflight_status: self.preflight_status.status().as_u16(),
        };
        Ok(Policy::from_compiled(Compiled {
            origins,
            patterns,
            predicates: self.predicates.clone(),
            methods,
            headers,
            credentials: self.credentials,
            expose,
            max_age,
            insecure_origins: self.insecure_origins,
            private_network: self.private_network,
            preflight_status: self.preflight_status.status(),
            debug: DebugSwitch::default(),
            grants,
        }))
    }

    fn validate_origins(&self, errors: &mut Vec<ConfigError>) -> Vec<OriginPattern> {
        if self.origins.is_empty() && self.predicates.is_empty() {
            errors.push(ConfigError::NoOrigins);
        }
        let mut patterns: Vec<OriginPattern> = Vec::new();
        for value in &self.origins {
            let pattern = match OriginPattern::parse(value) {
                Ok(pattern) => pattern,
                Err(PatternError::Origin(OriginError::FileScheme)) => {
                    errors.push(ConfigError::FileOrigin {
                        value: value.clone(),
                    });
                    continue;
                }
                Err(source) => {
                    errors.push(ConfigError::InvalidOrigin {
                        value: value.clone(),
                        source,
                    });
                    continue;
                }
            };
            let canonical = pattern.to_string();
            if canonical != *value {
                errors.push(ConfigError::NonCanonicalOrigin {
                    value: value.clone(),
                    canonical,
                });
                continue;
            }
            if let Some(error) = self.pattern_risk(&pattern) {
                errors.push(error);
            }
            if !patterns.contains(&pattern) {
                patterns.push(pattern);
            }
        }
        let any = patterns.contains(&OriginPattern::Any);
        if any && self.credentials {
            errors.push(ConfigError::AnyOriginWithCredentials);
        }
        if any {
            let other = patterns
                .iter()
                .find(|p| **p != OriginPattern::Any)
                .map(ToString::to_string)
                .or_else(|| {
                    (!self.predicates.is_empty()).then(|| "the origin predicate".to_owned())
                });
            if let Some(other) = other {
                errors.push(ConfigError::AnyOriginWithOthers { other });
            }
        }
        patterns
    }

    /// The security problem with allowing `pattern` under this configuration, if any.
    fn pattern_risk(&self, pattern: &OriginPattern) -> Option<ConfigError> {
        let (scheme, host) = match pattern {
            OriginPattern::Any => return None,
            OriginPattern::Exact(origin) if origin.is_opaque() => {
                return (!self.null_origin).then_some(ConfigError::NullOrigin);
            }
            OriginPattern::Exact(origin) => {
                (origin.scheme()?, HostPattern::Exact(origin.host()?.clone()))
            }
            OriginPattern::Wildcard(wildcard) => (wildcard.scheme(), wildcard.host().clone()),
        };
        if NEVER_SENT_SCHEMES.contains(&scheme) {
            return Some(ConfigError::SchemeNeverSent {
                origin: pattern.to_string(),
                scheme: scheme.to_owned(),
            });
        }
        if !self.credentials {
            return None;
        }
        if !pattern.is_potentially_trustworthy() && !self.insecure_origins {
            return Some(ConfigError::InsecureOriginWithCredentials {
                origin: pattern.to_string(),
            });
        }
        match &host {
            HostPattern::Subdomains(base)
                if !host.is_loopback() && !self.public_suffix_subdomains =>
            {
                public_suffix_under(base).map(|suffix| ConfigError::PublicSuffixSubdomains {
                    pattern: pattern.to_string(),
                    suffix,
                })
            }
            _ => None,
        }
    }

    fn validate_methods(&self, errors: &mut Vec<ConfigError>) -> Methods {
        let mut listed: Vec<Box<[u8]>> = Vec::new();
        let mut any = false;
        for value in &self.methods {
            if value == "*" {
                any = true;
            } else if !is_token(value.as_bytes()) {
                errors.push(ConfigError::InvalidMethod {
                    value: value.clone(),
                });
            } else if FORBIDDEN_METHODS
                .iter()
                .any(|m| m.eq_ignore_ascii_case(value))
            {
                errors.push(ConfigError::ForbiddenMethod {
                    value: value.clone(),
                });
            } else if let Some(normalized) = fetch_normalized_method(value)
                && normalized != value
            {
                errors.push(ConfigError::MethodNotNormalized {
                    value: value.clone(),
                    normalized,
                });
            } else if !listed.iter().any(|m| **m == *value.as_bytes()) {
                listed.push(value.as_bytes().into());
            }
        }
        if any {
            Methods::Any
        } else {
            Methods::Listed(listed)
        }
    }

    fn validate_allow_headers(&self, errors: &mut Vec<ConfigError>) -> AllowedHeaders {
        let mut allowed = AllowedHeaders::default();
        for value in &self.headers {
            if value == "*" {
                allowed.any = true;
                continue;
            }
            let Some(name) = header_name(value, HeaderList::AllowHeaders, errors) else {
                continue;
            };
            if is_forbidden_request_header(&name) {
                errors.push(ConfigError::ForbiddenRequestHeader { name });
            } else {
                allowed.listed.insert(&name);
            }
        }
        allowed
    }

    fn validate_expose_headers(&self, errors: &mut Vec<ConfigError>) -> Option<HeaderValue> {
        let mut names: Vec<String> = Vec::new();
        let mut any = false;
        for value in &self.expose {
            if value == "*" {
                any = true;
                continue;
            }
            let Some(name) = header_name(value, HeaderList::ExposeHeaders, errors) else {
                continue;
            };
            if let Some(why) = unexposable_reason(&name) {
                errors.push(ConfigError::UnexposableHeader { name, why });
            } else if !names.contains(&name) {
                names.push(name);
            }
        }
        if any && self.credentials {
            errors.push(ConfigError::AnyExposedHeaderWithCredentials);
        }
        let joined = if any {
            "*".to_owned()
        } else {
            names.join(", ")
        };
        (!joined.is_empty())
            .then(|| HeaderValue::from_str(&joined).ok().map(share))
            .flatten()
    }

    fn validate_max_age(&self, errors: &mut Vec<ConfigError>) -> Option<HeaderValue> {
        match self.max_age {
            MaxAge::BrowserDefault => None,
            MaxAge::Disabled | MaxAge::Seconds(0) => Some(HeaderValue::from_static("0")),
            MaxAge::Seconds(seconds) if seconds <= MAX_AGE_LIMIT => {
                Some(share(HeaderValue::from(seconds)))
            }
            MaxAge::Seconds(seconds) => {
                errors.push(ConfigError::MaxAgeOutOfRange {
                    value: i64::from(seconds),
                });
                None
            }
        }
    }
}

/// The public suffix whose registrable domains `*.base` would span, if any: `*.com`,
/// `*.github.io`, and also `*.kawasaki.jp`, where a wildcard rule makes every `x.kawasaki.jp`
/// a public suffix. A safe base keeps the same registrable domain when a label is added.
fn public_suffix_under(base: &str) -> Option<String> {
    let base = base.strip_suffix('.').unwrap_or(base);
    let child = format!("x.{base}");
    let registrable = psl::domain_str(base);
    if registrable.is_some() && registrable == psl::domain_str(&child) {
        return None;
    }
    let suffix = psl::suffix_str(&child).unwrap_or(base);
    Some(suffix.strip_prefix("x.").unwrap_or(suffix).to_owned())
}

/// Validates one header name and lowercases it; `None` (with an error recorded) if invalid.
fn header_name(value: &str, list: HeaderList, errors: &mut Vec<ConfigError>) -> Option<String> {
    if is_token(value.as_bytes()) {
        Some(value.to_ascii_lowercase())
    } else {
        errors.push(ConfigError::InvalidHeaderName {
            value: value.to_owned(),
            list,
        });
        None
    }
}

/// Methods a preflight may ask for.
#[derive(Debug, Clone)]
pub(crate) enum Methods {
    /// Any method token except the forbidden ones.
    Any,
    /// Exactly these (case-sensitive), besides the safelisted ones.
    Listed(Vec<Box<[u8]>>),
}

/// Request headers a preflight may ask for.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedHeaders {
    /// `*`: every name but `authorization`.
    pub(crate) any: bool,
    /// Names listed explicitly.
    pub(crate) listed: HeaderNameSet,
}
