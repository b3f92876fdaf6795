//! Grants that are valid but do not do what their author likely meant: `corsair lint`'s
//! warnings tier, beside the errors [`Config::build`] refuses.

use super::allow_origin::public_suffix_spanned_by;
use super::max_age::{CHROMIUM_MAX_AGE_CAP, FIREFOX_MAX_AGE_CAP, WEBKIT_MAX_AGE_CAP};
use super::{Config, MaxAge};
use crate::grammar::method::is_safelisted;
use crate::headers::names::SAFELISTED_RESPONSE_HEADERS;

/// Request headers a page may send without any grant, whatever their value: listing them
/// changes nothing. (`content-type` is not here: only three of its values are safelisted.)
const ALWAYS_SAFELISTED_REQUEST_HEADERS: &[&str] =
    &["accept", "accept-language", "content-language"];

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
        "`{name}` is a CORS header that browsers set themselves or servers send, never one the page sends; listing it in allow_headers does nothing (did you mean another setting?)"
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
    /// A method with lowercase letters that `fetch()` does not upper-case: it only matches a
    /// page that writes it so, and pages write `PATCH`.
    #[error(
        "method `{value}` only matches a request sent as exactly `{value}`: fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, and pages write `{uppercase}`; write `{uppercase}`"
    )]
    LowercaseMethod {
        /// The method as written.
        value: String,
        /// The same in capitals.
        uppercase: String,
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
    /// A preflight cache longer than Chromium and WebKit keep: only Firefox honours it.
    /// (Longer than Firefox keeps is an error, [`ConfigError::MaxAgeOutOfRange`].)
    ///
    /// [`ConfigError::MaxAgeOutOfRange`]: crate::ConfigError::MaxAgeOutOfRange
    #[error(
        "max_age {seconds} is longer than Chromium ({CHROMIUM_MAX_AGE_CAP} seconds) and WebKit ({WEBKIT_MAX_AGE_CAP} seconds) keep a preflight answer: they use their caps instead, and only Firefox keeps it that long (up to {FIREFOX_MAX_AGE_CAP} seconds)"
    )]
    MaxAgeBeyondBrowsers {
        /// The seconds asked for.
        seconds: u32,
    },
    /// A subdomain pattern over a public suffix (`https://*.github.io`, `https://*.co.uk`)
    /// without credentials: every site anyone registers under that suffix may read the
    /// responses. (With credentials it is an error,
    /// [`ConfigError::PublicSuffixSubdomains`].)
    ///
    /// [`ConfigError::PublicSuffixSubdomains`]: crate::ConfigError::PublicSuffixSubdomains
    #[error(
        "origin `{pattern}` matches every site registered under the public suffix `{suffix}`, whoever owns it: any of them may read these responses; name your own domain instead (e.g. `https://*.example.{suffix}`)"
    )]
    PublicSuffixSubdomains {
        /// The pattern as written.
        pattern: String,
        /// The public suffix it spans.
        suffix: String,
    },
    /// Request headers are listed but no method beyond GET, HEAD and POST: a page's request
    /// with another method is refused at its preflight, which is often an oversight.
    #[error(
        "allow_headers are granted only with GET, HEAD and POST, the methods allowed without a grant: a PUT, PATCH or DELETE that sends them is refused at its preflight; add to allow_methods the methods the page sends"
    )]
    HeadersWithoutMethods,
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
            Self::LowercaseMethod { .. } => "lowercase_method",
            Self::RedundantWildcard { .. } => "redundant_wildcard",
            Self::AnyLoopbackPortWithCredentials { .. } => "any_loopback_port_with_credentials",
            Self::MaxAgeBeyondBrowsers { .. } => "max_age_beyond_browsers",
            Self::PublicSuffixSubdomains { .. } => "public_suffix_subdomains",
            Self::HeadersWithoutMethods => "headers_without_methods",
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
            Self::LowercaseMethod { value, .. } => ("allow_methods", Some(value)),
            Self::RedundantWildcard { key, .. } => (key, Some("*")),
            Self::AnyLoopbackPortWithCredentials { origin }
            | Self::PublicSuffixSubdomains {
                pattern: origin, ..
            } => ("allow_origins", Some(origin)),
            Self::HeadersWithoutMethods => ("allow_headers", None),
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
    ///     .allow_methods(["PUT"])
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
        // With credentials and without the opt-in this is already an error.
        if !self.credentials || self.public_suffix_subdomains {
            found.extend(self.origins.iter().filter_map(|origin| {
                public_suffix_spanned_by(origin).map(|suffix| {
                    PolicyWarning::PublicSuffixSubdomains {
                        pattern: origin.clone(),
                        suffix,
                    }
                })
            }));
        }

        // Those fetch() upper-cases are errors of their own (`method_not_normalized`).
        found.extend(
            self.methods
                .iter()
                .filter(|method| {
                    method.bytes().any(|b| b.is_ascii_lowercase())
                        && crate::grammar::method::normalized(method).is_none()
                        && !crate::grammar::method::is_forbidden(method.as_bytes())
                        && crate::grammar::token::is_token(method.as_bytes())
                })
                .map(|method| PolicyWarning::LowercaseMethod {
                    value: method.clone(),
                    uppercase: method.to_ascii_uppercase(),
                }),
        );
        redundant_wildcard("allow_methods", &self.methods, |_| true, &mut found);
        if !self.headers.is_empty()
            && self
                .methods
                .iter()
                .all(|method| method != "*" && is_safelisted(method.as_bytes()))
        {
            found.push(PolicyWarning::HeadersWithoutMethods);
        }
        // Fetch leaves `Authorization` out of `*`: it must be listed by name.
        let covered = |name: &str| !name.eq_ignore_ascii_case("authorization");
        redundant_wildcard("allow_headers", &self.headers, covered, &mut found);
        for name in &self.headers {
            let lower = name.to_ascii_lowercase();
            if ALWAYS_SAFELISTED_REQUEST_HEADERS.contains(&lower.as_str()) {
                found.push(PolicyWarning::SafelistedRequestHeader { name: name.clone() });
            } else if lower.starts_with("access-control-") {
                found.push(PolicyWarning::ResponseHeaderAsRequestHeader { name: name.clone() });
            }
        }
        // With credentials browsers read an exposed `*` as a name: an error of its own.
        if !self.credentials {
            redundant_wildcard("expose_headers", &self.expose, |_| true, &mut found);
        }
        for name in &self.expose {
            if SAFELISTED_RESPONSE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                found.push(PolicyWarning::SafelistedExposedHeader { name: name.clone() });
            }
        }
        if let MaxAge::Seconds(seconds) = self.max_age
            && seconds > CHROMIUM_MAX_AGE_CAP.max(WEBKIT_MAX_AGE_CAP)
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

/// `*` beside an entry of `entries` that it covers (`covered`).
fn redundant_wildcard(
    key: &'static str,
    entries: &[String],
    covered: impl Fn(&str) -> bool,
    found: &mut Vec<PolicyWarning>,
) {
    if entries.iter().any(|entry| entry == "*")
        && let Some(other) = entries.iter().find(|entry| *entry != "*" && covered(entry))
    {
        found.push(PolicyWarning::RedundantWildcard {
            key,
            other: other.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(config: &Config) -> Vec<&'static str> {
        config.warnings().iter().map(PolicyWarning::kind).collect()
    }

    fn origins(origins: &[&str]) -> Config {
        Config::new()
            .allow_origins(origins.iter().copied())
            .allow_methods(["PUT"])
    }

    #[test]
    fn a_lowercase_method_fetch_does_not_upper_case_warns() {
        let methods = |list: &[&str]| {
            kinds(
                &Config::new()
                    .allow_origins(["https://app.example"])
                    .allow_methods(list.iter().copied()),
            )
        };
        assert_eq!(methods(&["patch"]), ["lowercase_method"]);
        assert!(methods(&["PATCH", "PUT"]).is_empty());
        // `get` is an error of its own, not this warning.
        assert!(!methods(&["get"]).contains(&"lowercase_method"));
        // Nor is a forbidden method, whatever its case.
        assert!(!methods(&["trace"]).contains(&"lowercase_method"));
    }

    #[test]
    fn a_wildcard_is_redundant_only_beside_what_it_covers() {
        let headers = |names: &[&str], credentials: bool| {
            kinds(
                &origins(&["https://app.example"])
                    .allow_headers(names.iter().copied())
                    .allow_credentials(credentials),
            )
        };
        // Fetch: `*` in Access-Control-Allow-Headers never covers Authorization.
        assert!(!headers(&["*", "Authorization"], false).contains(&"redundant_wildcard"));
        assert!(headers(&["*", "x-api-key"], false).contains(&"redundant_wildcard"));
        // corsair echoes what `*` stands for in methods and headers, with credentials too.
        assert!(headers(&["*", "x-api-key"], true).contains(&"redundant_wildcard"));
        // An exposed `*` with credentials is a name (an error of its own), and covers nothing.
        let exposed = kinds(
            &origins(&["https://app.example"])
                .expose_headers(["*", "ETag"])
                .allow_credentials(true),
        );
        assert!(!exposed.contains(&"redundant_wildcard"), "{exposed:?}");
    }

    #[test]
    fn subdomains_of_a_public_suffix_warn_without_credentials() {
        for pattern in [
            "https://*.github.io",
            "https://*.co.uk",
            "https://*.com",
            "http://*.com",
            // A wildcard rule: every `x.kawasaki.jp` is itself a public suffix.
            "https://*.kawasaki.jp",
            "https://*.github.io:*",
        ] {
            let warnings = origins(&[pattern]).warnings();
            let [warning] = &warnings[..] else {
                panic!("{pattern}: {warnings:?}");
            };
            assert_eq!(warning.kind(), "public_suffix_subdomains");
            assert_eq!(warning.location(), ("allow_origins", Some(pattern)));
        }
        let warning = &origins(&["https://*.co.uk"]).warnings()[0];
        assert!(
            warning.to_string().contains("public suffix `co.uk`"),
            "{warning}"
        );
        for owned in [
            "https://*.example.com",
            "https://*.example.co.uk",
            "https://*.me.github.io",
            "http://*.localhost",
            "https://github.io",
            "*",
        ] {
            assert!(kinds(&origins(&[owned])).is_empty(), "{owned}");
        }
    }

    #[test]
    fn public_suffix_warning_is_not_repeated_beside_its_error() {
        let with_credentials = origins(&["https://*.github.io"]).allow_credentials(true);
        assert!(kinds(&with_credentials).is_empty());
        assert!(with_credentials.clone().build().is_err());
        let opted_in = with_credentials.dangerously_allow_public_suffix_subdomains(true);
        assert_eq!(kinds(&opted_in), ["public_suffix_subdomains"]);
        assert!(opted_in.build().is_ok());
    }

    #[test]
    fn headers_granted_with_safelisted_methods_only_warn() {
        let base = || Config::new().allow_origins(["https://a.example"]);
        for methods in [&[][..], &["GET"], &["GET", "HEAD", "POST"]] {
            let config = base()
                .allow_methods(methods.iter().copied())
                .allow_headers(["X-Token"]);
            assert_eq!(kinds(&config), ["headers_without_methods"], "{methods:?}");
            assert_eq!(config.warnings()[0].location(), ("allow_headers", None));
        }
        let any_header = base().allow_headers(["*"]);
        assert_eq!(kinds(&any_header), ["headers_without_methods"]);
        for methods in [&["PUT"][..], &["GET", "PATCH"], &["*"], &["PURGE"]] {
            let config = base()
                .allow_methods(methods.iter().copied())
                .allow_headers(["X-Token"]);
            assert!(kinds(&config).is_empty(), "{methods:?}");
        }
        assert!(kinds(&base().allow_methods(["GET"])).is_empty());
    }

    #[test]
    fn max_age_warns_beyond_what_chromium_and_webkit_keep() {
        let config = |seconds| origins(&["https://a.example"]).max_age(MaxAge::Seconds(seconds));
        assert!(kinds(&config(CHROMIUM_MAX_AGE_CAP)).is_empty());
        let warnings = config(CHROMIUM_MAX_AGE_CAP + 1).warnings();
        assert_eq!(warnings[0].kind(), "max_age_beyond_browsers");
        let message = warnings[0].to_string();
        for cap in [
            CHROMIUM_MAX_AGE_CAP,
            WEBKIT_MAX_AGE_CAP,
            FIREFOX_MAX_AGE_CAP,
        ] {
            assert!(message.contains(&format!("{cap} seconds")), "{message}");
        }
        assert!(config(FIREFOX_MAX_AGE_CAP).build().is_ok());
        assert!(config(FIREFOX_MAX_AGE_CAP + 1).build().is_err());
    }
}
