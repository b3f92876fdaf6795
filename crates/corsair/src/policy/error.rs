//! Everything `Config::build` can refuse, each saying how to fix it.

use std::fmt;

use super::max_age::{CHROMIUM_MAX_AGE_CAP, FIREFOX_MAX_AGE_CAP, MAX_AGE_LIMIT};
use crate::{grammar::token::is_token, origin::PatternError};

/// One problem in a [`Config`](crate::Config). [`Config::build`](crate::Config::build)
/// reports all of them at once, in a [`ConfigErrors`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The origin list is empty and there is no predicate: the policy would grant nothing.
    #[error(
        "no origin is allowed: list the origins that may read responses (e.g. \
         `https://app.example.com`), or add a predicate; corsair grants nothing by default"
    )]
    NoOrigins,
    /// An origin entry does not parse.
    #[error("origin `{value}` is invalid: {source}")]
    InvalidOrigin {
        /// The entry as written.
        value: String,
        /// What is wrong with it.
        source: PatternError,
    },
    /// An origin entry parses but is not written as browsers send it, so it would never match.
    #[error(
        "origin `{value}` is not written the way browsers send it, so it would never match: \
         write `{canonical}`"
    )]
    NonCanonicalOrigin {
        /// The entry as written.
        value: String,
        /// The same origin as browsers serialize it.
        canonical: String,
    },
    /// `*` together with credentials.
    #[error(
        "`*` (any origin) cannot be combined with credentials: browsers ignore \
         `Access-Control-Allow-Origin: *` on credentialed requests, and reflecting every origin \
         instead would let any site act as your users; list the origins that need credentials"
    )]
    AnyOriginWithCredentials,
    /// `*` together with other entries, which `*` makes meaningless.
    #[error(
        "`*` (any origin) already covers `{other}`: remove `{other}`, or replace `*` by the origins you mean"
    )]
    AnyOriginWithOthers {
        /// The first other entry.
        other: String,
    },
    /// An origin pattern in another server's syntax (a regular expression, a wildcard without
    /// a scheme), which corsair does not read, and the corsair pattern it means.
    #[error(
        "origin `{value}` is a pattern in another server's syntax (a regular expression or a wildcard without a scheme), which corsair does not read: write `{meant}`{}",
        if .meant.contains("*.") { " (`*.` stands for one or more leading subdomain labels; list the bare domain too if it is meant)" } else { "" }
    )]
    ForeignOriginPattern {
        /// The entry as written.
        value: String,
        /// The corsair pattern it means.
        meant: String,
    },
    /// The opaque origin `null` without the opt-in.
    #[error(
        "the `null` origin is shared by sandboxed iframes, local files and pages redirected \
         across origins, i.e. by anyone who wants it; allowing it allows everyone. If you must, \
         set `dangerously_allow_null_origin`"
    )]
    NullOrigin,
    /// A `file:` origin, which browsers never send.
    #[error(
        "origin `{value}`: pages loaded from files have an opaque origin and browsers send \
         `Origin: null` for them, so this entry would never match; `null` itself is allowed only \
         with `dangerously_allow_null_origin`"
    )]
    FileOrigin {
        /// The entry as written.
        value: String,
    },
    /// An origin scheme that no `Origin` header carries.
    #[error(
        "origin `{origin}`: no page has a `{scheme}:` origin, so browsers never send it and this \
         entry would never match; list the origin of the page instead (e.g. `https://...`)"
    )]
    SchemeNeverSent {
        /// The canonical origin or pattern.
        origin: String,
        /// Its scheme.
        scheme: String,
    },
    /// A non-secure origin (not `https`, not loopback) while credentials are allowed.
    #[error(
        "origin `{origin}` is not secure (neither https nor a loopback host) but credentials are \
         allowed: anyone on the network path can impersonate it and read your users' data; use \
         `https://`, or set `dangerously_allow_insecure_origins`"
    )]
    InsecureOriginWithCredentials {
        /// The canonical origin or pattern.
        origin: String,
    },
    /// A subdomain pattern over a public suffix while credentials are allowed.
    #[error(
        "origin `{pattern}` spans sites of unrelated owners with credentials: under `{suffix}`, \
         anyone can register a subdomain (Public Suffix List); name your own domain instead \
         (e.g. `https://*.example.{suffix}`), or set `dangerously_allow_public_suffix_subdomains`"
    )]
    PublicSuffixSubdomains {
        /// The pattern.
        pattern: String,
        /// The public suffix it covers.
        suffix: String,
    },
    /// Several entries written as one string, as other servers' configurations take them
    /// (`"https://a.example, https://b.example"`, `"GET, POST"`): no origin, method or header
    /// name holds a comma or a space.
    #[error(
        "`{value}` in {key} is {count} entries in one string: write each as an item of its own: {list}",
        count = .entries.len(),
        list = quoted_list(.entries)
    )]
    SeveralInOneEntry {
        /// The key it is in.
        key: &'static str,
        /// The entry as written.
        value: String,
        /// The entries it holds.
        entries: Vec<String>,
    },
    /// A method that is not an HTTP token.
    #[error(
        "method `{value}` is not a valid HTTP method token (letters, digits and !#$%&'*+-.^_`|~ only)"
    )]
    InvalidMethod {
        /// The method as written.
        value: String,
    },
    /// CONNECT, TRACE or TRACK, which browsers never send from script.
    #[error(
        "method `{value}` is forbidden by the Fetch Standard: browsers never send it from script; remove it"
    )]
    ForbiddenMethod {
        /// The method as written.
        value: String,
    },
    /// A method in a spelling `fetch()` never sends.
    #[error(
        "method `{value}` never reaches the server in this spelling: `fetch()` upper-cases it; \
         write `{normalized}`"
    )]
    MethodNotNormalized {
        /// The method as written.
        value: String,
        /// The spelling browsers send.
        normalized: &'static str,
    },
    /// A header name that is not an HTTP token.
    #[error(
        "header name `{value}` in {list} is not a valid HTTP token (letters, digits and !#$%&'*+-.^_`|~ only)"
    )]
    InvalidHeaderName {
        /// The name as written.
        value: String,
        /// Which list it is in.
        list: HeaderList,
    },
    /// A forbidden request header listed as allowed: script can never set it.
    #[error(
        "request header `{name}` is forbidden by the Fetch Standard: browsers never let script \
         set it, so allowing it does nothing; remove it"
    )]
    ForbiddenRequestHeader {
        /// The name as written, so it can be found in the configuration.
        name: String,
    },
    /// A response header that must not be exposed.
    #[error("response header `{name}` cannot be exposed: {why}; remove it")]
    UnexposableHeader {
        /// The name as written, so it can be found in the configuration.
        name: String,
        /// Why.
        why: &'static str,
    },
    /// `*` exposed headers together with credentials.
    #[error(
        "exposing `*` cannot be combined with credentials: browsers then read `*` as a header \
         literally named `*`; list the response headers script may read"
    )]
    AnyExposedHeaderWithCredentials,
    /// Max-age outside what browsers honour.
    #[error(
        "max-age {value} is out of range: use 1 to {MAX_AGE_LIMIT} seconds (no browser keeps a \
         preflight longer: Firefox caps at {FIREFOX_MAX_AGE_CAP}, Chromium at \
         {CHROMIUM_MAX_AGE_CAP}), or in a policy file -1 to disable preflight caching and 0 for \
         the browser default"
    )]
    MaxAgeOutOfRange {
        /// The value given.
        value: i64,
    },
    /// A policy file's `preflight_status` that is neither 204 nor 200.
    #[error("preflight_status {value} is not supported: use 204 (the default) or 200")]
    UnsupportedPreflightStatus {
        /// The value given.
        value: i64,
    },
    /// A cross-origin write exemption that could never match what a browser sends, or that
    /// reads as a pattern.
    #[error("cross-origin write exemption `{method} {path}` is invalid: {why}")]
    InvalidWriteExemption {
        /// The method as written.
        method: String,
        /// The path as written.
        path: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

impl ConfigError {
    /// The origin entry this problem suggests writing instead, if any. A suggestion is never
    /// itself refused: it passes validation under the same configuration.
    ///
    /// ```
    /// let errors = corsair::Config::new().allow_origins(["HTTPS://App.Example"]).build().unwrap_err();
    /// assert_eq!(errors.iter().next().and_then(|e| e.suggestion()), Some("https://app.example"));
    /// ```
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Self::InvalidOrigin { source, .. } => source.suggestion(),
            Self::NonCanonicalOrigin { canonical, .. } => Some(canonical),
            Self::ForeignOriginPattern { meant, .. } => Some(meant),
            _ => None,
        }
    }

    /// A stable identifier of the problem, the variant's name in snake case (e.g.
    /// `any_origin_with_credentials`), for tools that report problems as data.
    ///
    /// Stable: an identifier never changes meaning and is never reused, though new variants
    /// bring new ones.
    ///
    /// ```
    /// let errors = corsair::Config::new().build().unwrap_err();
    /// assert_eq!(errors.iter().next().map(|e| e.kind()), Some("no_origins"));
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NoOrigins => "no_origins",
            Self::InvalidOrigin { .. } => "invalid_origin",
            Self::NonCanonicalOrigin { .. } => "non_canonical_origin",
            Self::AnyOriginWithCredentials => "any_origin_with_credentials",
            Self::AnyOriginWithOthers { .. } => "any_origin_with_others",
            Self::ForeignOriginPattern { .. } => "foreign_origin_pattern",
            Self::NullOrigin => "null_origin",
            Self::FileOrigin { .. } => "file_origin",
            Self::SchemeNeverSent { .. } => "scheme_never_sent",
            Self::InsecureOriginWithCredentials { .. } => "insecure_origin_with_credentials",
            Self::PublicSuffixSubdomains { .. } => "public_suffix_subdomains",
            Self::SeveralInOneEntry { .. } => "several_in_one_entry",
            Self::InvalidMethod { .. } => "invalid_method",
            Self::ForbiddenMethod { .. } => "forbidden_method",
            Self::MethodNotNormalized { .. } => "method_not_normalized",
            Self::InvalidHeaderName { .. } => "invalid_header_name",
            Self::ForbiddenRequestHeader { .. } => "forbidden_request_header",
            Self::UnexposableHeader { .. } => "unexposable_header",
            Self::AnyExposedHeaderWithCredentials => "any_exposed_header_with_credentials",
            Self::MaxAgeOutOfRange { .. } => "max_age_out_of_range",
            Self::UnsupportedPreflightStatus { .. } => "unsupported_preflight_status",
            Self::InvalidWriteExemption { .. } => "invalid_write_exemption",
        }
    }
}

/// The entries of `value` when it is several written as one (see
/// [`ConfigError::SeveralInOneEntry`]): separated by commas, or by spaces where every part
/// is an entry of its own (`is_entry`), so that one mistyped value is not read as two.
pub(super) fn several_in_one(
    key: &'static str,
    value: &str,
    is_entry: impl Fn(&str) -> bool,
) -> Option<ConfigError> {
    let mut entries: Vec<String> = Vec::new();
    for piece in value
        .split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
    {
        let words: Vec<&str> = piece.split_whitespace().collect();
        if words.len() > 1 && words.iter().all(|word| is_entry(word)) {
            entries.extend(words.into_iter().map(str::to_owned));
        } else {
            entries.push(piece.to_owned());
        }
    }
    (entries.len() > 1).then(|| ConfigError::SeveralInOneEntry {
        key,
        value: value.to_owned(),
        entries,
    })
}

/// `["a", "b"]`, as a TOML list.
fn quoted_list(entries: &[String]) -> String {
    let quoted: Vec<String> = entries.iter().map(|entry| format!("{entry:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Which header list a [`ConfigError::InvalidHeaderName`] is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderList {
    /// `allow_headers`.
    AllowHeaders,
    /// `expose_headers`.
    ExposeHeaders,
}

impl fmt::Display for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl HeaderList {
    /// The policy key of this list.
    pub(super) fn key(self) -> &'static str {
        match self {
            Self::AllowHeaders => "allow_headers",
            Self::ExposeHeaders => "expose_headers",
        }
    }

    /// Validates one header name of this list and lowercases it; `None` (with the error
    /// appended) if it is not a token.
    pub(super) fn name(self, value: &str, errors: &mut Vec<ConfigError>) -> Option<String> {
        if is_token(value.as_bytes()) {
            Some(value.to_ascii_lowercase())
        } else {
            // A header name never holds a space, but `Content Type` is one name mistyped.
            errors.push(
                several_in_one(self.key(), value, |_| false).unwrap_or_else(|| {
                    ConfigError::InvalidHeaderName {
                        value: value.to_owned(),
                        list: self,
                    }
                }),
            );
            None
        }
    }
}

/// Every problem [`Config::build`](crate::Config::build) found, in the order of the
/// configuration. Never empty.
///
/// At most [`ConfigErrors::LIMIT`] problems are kept, so a hostile configuration of millions
/// of bad entries yields a report of bounded size: the first ones are listed (by iteration and
/// by `Display`), and [`ConfigErrors::omitted`] counts the rest, which `Display` states in
/// one last line.
///
/// ```
/// let origins = (0..1500).map(|i| format!("https://a{i}.example/path"));
/// let errors = corsair::Config::new().allow_origins(origins).build().unwrap_err();
/// assert_eq!(errors.len(), corsair::ConfigErrors::LIMIT);
/// assert_eq!(errors.omitted(), 500);
/// assert!(errors.to_string().starts_with("the CORS policy has 1500 problems:"));
/// assert!(errors.to_string().ends_with("\n  - and 500 more problems, not listed"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
    omitted: usize,
}

impl ConfigErrors {
    /// How many problems a report keeps and lists.
    pub const LIMIT: usize = 1000;

    pub(crate) fn new(errors: Vec<ConfigError>) -> Option<Self> {
        (!errors.is_empty()).then(|| {
            let mut kept = Self {
                errors: Vec::new(),
                omitted: 0,
            };
            kept.extend(errors);
            kept
        })
    }

    fn extend(&mut self, more: impl IntoIterator<Item = ConfigError>) {
        let mut more = more.into_iter();
        let room = Self::LIMIT.saturating_sub(self.errors.len());
        self.errors.extend(more.by_ref().take(room));
        self.omitted += more.count();
    }

    /// These problems, then `more`.
    #[cfg(feature = "toml")]
    pub(crate) fn followed_by(mut self, more: impl IntoIterator<Item = ConfigError>) -> Self {
        self.extend(more);
        self
    }

    /// The problems kept, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.errors.iter()
    }

    /// How many problems are kept (at least one, at most [`ConfigErrors::LIMIT`]).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// How many more problems were found beyond [`ConfigErrors::LIMIT`]; they are counted,
    /// not kept.
    pub fn omitted(&self) -> usize {
        self.omitted
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len() + self.omitted;
        write!(f, "the CORS policy has {count} problem{}:", plural(count))?;
        for error in &self.errors {
            write!(f, "\n  - {error}")?;
        }
        write_omitted(f, self.omitted, "\n  - ")
    }
}

/// The line that counts the problems a report does not list, if any.
pub(crate) fn write_omitted(
    f: &mut fmt::Formatter<'_>,
    omitted: usize,
    separator: &str,
) -> fmt::Result {
    if omitted == 0 {
        return Ok(());
    }
    write!(
        f,
        "{separator}and {omitted} more problem{}, not listed",
        plural(omitted)
    )
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every variant; `kind` must be the variant's name in snake case, so the
    /// identifiers the CLI printed before `kind` existed stay the same.
    #[test]
    fn kinds_are_the_snake_case_variant_names() {
        let source = crate::OriginPattern::parse("nonsense").unwrap_err();
        let text = || String::from("x");
        let all = [
            ConfigError::NoOrigins,
            ConfigError::InvalidOrigin {
                value: text(),
                source,
            },
            ConfigError::NonCanonicalOrigin {
                value: text(),
                canonical: text(),
            },
            ConfigError::AnyOriginWithCredentials,
            ConfigError::AnyOriginWithOthers { other: text() },
            ConfigError::ForeignOriginPattern {
                value: text(),
                meant: text(),
            },
            ConfigError::NullOrigin,
            ConfigError::FileOrigin { value: text() },
            ConfigError::SchemeNeverSent {
                origin: text(),
                scheme: text(),
            },
            ConfigError::InsecureOriginWithCredentials { origin: text() },
            ConfigError::PublicSuffixSubdomains {
                pattern: text(),
                suffix: text(),
            },
            ConfigError::SeveralInOneEntry {
                key: "allow_methods",
                value: text(),
                entries: vec![text(), text()],
            },
            ConfigError::InvalidMethod { value: text() },
            ConfigError::ForbiddenMethod { value: text() },
            ConfigError::MethodNotNormalized {
                value: text(),
                normalized: "X",
            },
            ConfigError::InvalidHeaderName {
                value: text(),
                list: HeaderList::AllowHeaders,
            },
            ConfigError::ForbiddenRequestHeader { name: text() },
            ConfigError::UnexposableHeader {
                name: text(),
                why: "x",
            },
            ConfigError::AnyExposedHeaderWithCredentials,
            ConfigError::MaxAgeOutOfRange { value: 0 },
            ConfigError::InvalidWriteExemption {
                method: text(),
                path: text(),
                why: "x",
            },
            ConfigError::UnsupportedPreflightStatus { value: 0 },
        ];
        let mut kinds = std::collections::HashSet::new();
        for error in &all {
            let debug = format!("{error:?}");
            let name = debug.split([' ', '{']).next().unwrap();
            let mut snake = String::new();
            for (i, c) in name.char_indices() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            assert_eq!(error.kind(), snake);
            assert!(kinds.insert(error.kind()), "{} is not unique", error.kind());
        }
    }
}
