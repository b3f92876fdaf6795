//! Grants that are valid but do not do what their author likely meant: `corsair lint`'s
//! warnings tier, beside the errors [`Config::build`] refuses.

use super::{Config, MaxAge};
use crate::headers::names::SAFELISTED_RESPONSE_HEADERS;

/// Request headers a page may send without any grant, whatever their value: listing them
/// changes nothing. (`content-type` is not here: only three of its values are safelisted.)
const ALWAYS_SAFELISTED_REQUEST_HEADERS: &[&str] =
    &["accept", "accept-language", "content-language"];

/// Chromium's cap on preflight caching (Firefox keeps 24 hours): most users' browsers keep no
/// longer.
const LONGEST_BROWSER_MAX_AGE: u32 = 7_200;

/// A grant that is valid but never matters, or grants more than it seems to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyWarning {
    /// An allowed request header that browsers send without asking.
    #[error(
        "request header `{name}` is CORS-safelisted: browsers send it without a preflight grant, so listing it does nothing; remove it"
    )]
    SafelistedRequestHeader {
        /// The name as written.
        name: String,
    },
    /// An `Access-Control-*` name among allowed request headers: those are response headers.
    #[error(
        "`{name}` is a response header that the server sends, not one the page sends; listing it in allow_headers does nothing (did you mean another setting?)"
    )]
    ResponseHeaderAsRequestHeader {
        /// The name as written.
        name: String,
    },
    /// An exposed header that script can read anyway.
    #[error(
        "response header `{name}` is CORS-safelisted: script can read it without exposing it; remove it"
    )]
    SafelistedExposedHeader {
        /// The name as written.
        name: String,
    },
    /// `*` beside named entries, which it already covers.
    #[error(
        "`*` in {key} already covers `{other}`: remove `{other}`, or replace `*` by the names you mean"
    )]
    RedundantWildcard {
        /// The policy key.
        key: &'static str,
        /// The first named entry.
        other: String,
    },
    /// `localhost` on any port beside credentials: any local program may act as the user.
    #[error(
        "origin `{origin}` with credentials lets any program serving a page on this machine's loopback read your users' data; list the exact port you develop on"
    )]
    AnyLoopbackPortWithCredentials {
        /// The pattern as written.
        origin: String,
    },
    /// A preflight cache longer than Chromium keeps.
    #[error(
        "max_age {seconds} is longer than Chromium keeps a preflight (at most 7200 seconds); Chromium uses its cap instead"
    )]
    MaxAgeBeyondBrowsers {
        /// The seconds asked for.
        seconds: u32,
    },
    /// Writes are refused and the origin list is `*`, which trusts no one to write.
    #[error(
        "refuse_cross_origin_writes with `*`: `*` trusts no origin to write, so every cross-site write is refused; list the origins that may write"
    )]
    AnyOriginWritesRefused,
    /// WebSocket handshakes from any origin pass.
    #[error(
        "allow_cross_origin_websockets: any site can open a WebSocket with the user's cookies (cross-site WebSocket hijacking); check `Origin` in the application"
    )]
    CrossOriginWebSockets,
    /// A write exemption: requests to it from any site reach the application.
    #[error(
        "`{method} {path}` is exempt from refuse_cross_origin_writes: any site can send it with the user's cookies; authenticate it otherwise (a signature)"
    )]
    WriteExemption {
        /// The method.
        method: String,
        /// The exact path.
        path: String,
    },
    /// The policy is report-only: it refuses nothing.
    #[error("report_only: nothing is enforced, no CORS header is sent and nothing is refused")]
    ReportOnly,
}

impl PolicyWarning {
    /// A stable snake_case name for this kind of warning, for JSON output and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SafelistedRequestHeader { .. } => "safelisted_request_header",
            Self::ResponseHeaderAsRequestHeader { .. } => "response_header_as_request_header",
            Self::SafelistedExposedHeader { .. } => "safelisted_exposed_header",
            Self::RedundantWildcard { .. } => "redundant_wildcard",
            Self::AnyLoopbackPortWithCredentials { .. } => "any_loopback_port_with_credentials",
            Self::MaxAgeBeyondBrowsers { .. } => "max_age_beyond_browsers",
            Self::AnyOriginWritesRefused => "any_origin_writes_refused",
            Self::CrossOriginWebSockets => "cross_origin_websockets",
            Self::WriteExemption { .. } => "write_exemption",
            Self::ReportOnly => "report_only",
        }
    }

    /// The policy key this warning is about, and the entry as written when it is one entry.
    pub fn location(&self) -> (&'static str, Option<&str>) {
        match self {
            Self::SafelistedRequestHeader { name }
            | Self::ResponseHeaderAsRequestHeader { name } => ("allow_headers", Some(name)),
            Self::SafelistedExposedHeader { name } => ("expose_headers", Some(name)),
            Self::RedundantWildcard { key, .. } => (key, Some("*")),
            Self::AnyLoopbackPortWithCredentials { origin } => ("allow_origins", Some(origin)),
            Self::MaxAgeBeyondBrowsers { .. } => ("max_age", None),
            Self::AnyOriginWritesRefused => ("refuse_cross_origin_writes", None),
            Self::CrossOriginWebSockets => ("allow_cross_origin_websockets", None),
            Self::WriteExemption { .. } => ("cross_origin_write_exemptions", None),
            Self::ReportOnly => ("report_only", None),
        }
    }
}

impl Config {
    /// What this configuration grants that never matters or grants more than it seems to,
    /// in the order of its settings. Empty for a tidy policy.
    ///
    /// ```
    /// let config = corsair::Config::new()
    ///     .allow_origins(["https://app.example.com"])
    ///     .allow_headers(["Accept", "X-Token"]);
    /// let warnings = config.warnings();
    /// assert_eq!(warnings.len(), 1);
    /// assert_eq!(warnings[0].kind(), "safelisted_request_header");
    /// assert!(warnings[0].to_string().contains("`Accept`"));
    /// ```
    pub fn warnings(&self) -> Vec<PolicyWarning> {
        let mut found = Vec::new();
        if self.credentials {
            for origin in &self.origins {
                let lower = origin.to_ascii_lowercase();
                if lower.starts_with("http://localhost:*")
                    || lower.starts_with("http://127.0.0.1:*")
                {
                    found.push(PolicyWarning::AnyLoopbackPortWithCredentials {
                        origin: origin.clone(),
                    });
                }
            }
        }
        redundant_wildcard("allow_methods", &self.methods, &mut found);
        redundant_wildcard("allow_headers", &self.headers, &mut found);
        for name in &self.headers {
            let lower = name.to_ascii_lowercase();
            if ALWAYS_SAFELISTED_REQUEST_HEADERS.contains(&lower.as_str()) {
                found.push(PolicyWarning::SafelistedRequestHeader { name: name.clone() });
            } else if lower.starts_with("access-control-") {
                found.push(PolicyWarning::ResponseHeaderAsRequestHeader { name: name.clone() });
            }
        }
        redundant_wildcard("expose_headers", &self.expose, &mut found);
        for name in &self.expose {
            if SAFELISTED_RESPONSE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                found.push(PolicyWarning::SafelistedExposedHeader { name: name.clone() });
            }
        }
        if let MaxAge::Seconds(seconds) = self.max_age
            && seconds > LONGEST_BROWSER_MAX_AGE
        {
            found.push(PolicyWarning::MaxAgeBeyondBrowsers { seconds });
        }
        if self.refuse_cross_origin_writes && self.origins.iter().any(|origin| origin == "*") {
            found.push(PolicyWarning::AnyOriginWritesRefused);
        }
        found.extend(self.write_exemptions.iter().map(|(method, path)| {
            PolicyWarning::WriteExemption {
                method: method.clone(),
                path: path.clone(),
            }
        }));
        if self.cross_origin_websockets {
            found.push(PolicyWarning::CrossOriginWebSockets);
        }
        if self.report_only {
            found.push(PolicyWarning::ReportOnly);
        }
        found
    }
}

fn redundant_wildcard(key: &'static str, entries: &[String], found: &mut Vec<PolicyWarning>) {
    if entries.iter().any(|entry| entry == "*")
        && let Some(other) = entries.iter().find(|entry| *entry != "*")
    {
        found.push(PolicyWarning::RedundantWildcard {
            key,
            other: other.clone(),
        });
    }
}
