//! Origin patterns: what a policy lists in `allow_origins`.

use std::fmt;

use super::{
    DnsLimit, Host, Origin, OriginError, default_port, dns, is_loopback_domain,
    is_trustworthy_scheme,
    parse::{parse_scheme, parse_tuple_origin},
};
use crate::{
    byte_search,
    grammar::{self, host::is_canonical_domain_byte},
};

/// One entry of a policy's origin list.
///
/// | written as | matches |
/// | --- | --- |
/// | `https://app.example.com` | exactly that origin |
/// | `https://*.example.com` | any subdomain (one or more labels), never `https://example.com` itself |
/// | `http://localhost:*` | that scheme and host on any port, including the default one |
/// | `https://*.example.com:*` | both of the above at once |
/// | `*` | any origin |
/// | `null` | the opaque origin (only with `dangerously_allow_null_origin`) |
///
/// Patterns are written canonically (see [`Origin`]); [`fmt::Display`] gives the canonical spelling.
///
/// ```
/// use corsair::OriginPattern;
///
/// let pattern = OriginPattern::parse("https://*.example.com")?;
/// assert!(pattern.matches("https://api.eu.example.com"));
/// assert!(!pattern.matches("https://example.com"));
/// assert!(!pattern.matches("http://api.example.com"));
/// # Ok::<(), corsair::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OriginPattern {
    /// `*`: every origin.
    Any,
    /// One origin, matched byte for byte against its canonical serialization.
    Exact(Origin),
    /// A scheme and host pattern with a port pattern.
    Wildcard(WildcardPattern),
}

/// The host and port parts of a wildcard [`OriginPattern`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WildcardPattern {
    scheme: String,
    host: HostPattern,
    port: PortPattern,
}

/// Which hosts a [`WildcardPattern`] covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HostPattern {
    /// Exactly this host.
    Exact(Host),
    /// Strict subdomains of this domain (`*.example.com`): one or more extra labels.
    Subdomains(String),
}

/// Which ports a [`WildcardPattern`] covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortPattern {
    /// Exactly this port; `None` is the scheme's default port.
    Exact(Option<u16>),
    /// `:*`: every port, the default one included.
    Any,
}

/// Why an origin pattern could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The part that is not a wildcard is not an origin.
    #[error(transparent)]
    Origin(#[from] OriginError),
    /// A `*` somewhere other than a whole leading label or the whole port.
    #[error(
        "`*` may only stand for the whole port (`http://localhost:*`), a leading run of \
         subdomain labels (`https://*.example.com`) or every origin (`*` alone)"
    )]
    MisplacedWildcard,
    /// `*.` in front of an IP address, which has no subdomains.
    #[error("`*.` needs a domain after it; `{host}` is an IP address, which has no subdomains")]
    SubdomainsOfIpAddress {
        /// The IP address after `*.`.
        host: String,
    },
    /// A host DNS cannot resolve: no page is served from it, so browsers never send it.
    #[error(
        "host `{host}` {limit}, so DNS cannot resolve it: no page is served from it and \
         browsers never send it"
    )]
    Unresolvable {
        /// The host, canonical (the base domain of a subdomain pattern).
        host: String,
        /// The limit it is beyond.
        limit: DnsLimit,
    },
    /// A wildcard pattern whose host ends in the root's dot.
    #[error(
        "`{pattern}` ends its host in a dot, and patterns match only hosts written without the \
         root's trailing dot (list a trailing-dot origin exactly if pages are opened with it){}",
        write_instead(.suggestion)
    )]
    TrailingDot {
        /// The pattern, canonical.
        pattern: String,
        /// The pattern without the dot, when that is valid.
        suggestion: Option<String>,
    },
}

fn write_instead(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|pattern| format!("; write `{pattern}`"))
        .unwrap_or_default()
}

impl PatternError {
    /// The origin or pattern this error suggests writing instead, if any. It is canonical and
    /// itself parses: a suggestion is never something that would be refused for its spelling.
    ///
    /// ```
    /// let error = corsair::OriginPattern::parse("https://user@Example.com/").unwrap_err();
    /// assert_eq!(error.suggestion(), Some("https://example.com"));
    /// assert_eq!(corsair::OriginPattern::parse("https://user@%2e.example").unwrap_err().suggestion(), None);
    /// ```
    pub fn suggestion(&self) -> Option<&str> {
        match self {
            Self::Origin(error) => error.suggestion(),
            Self::TrailingDot { suggestion, .. } => suggestion.as_deref(),
            Self::MisplacedWildcard
            | Self::SubdomainsOfIpAddress { .. }
            | Self::Unresolvable { .. } => None,
        }
    }

    /// Drops the suggestion, for a caller whose own rules refuse it.
    pub(crate) fn drop_suggestion(&mut self) {
        match self {
            Self::Origin(error) => error.drop_suggestion(),
            Self::TrailingDot { suggestion, .. } => *suggestion = None,
            Self::MisplacedWildcard
            | Self::SubdomainsOfIpAddress { .. }
            | Self::Unresolvable { .. } => {}
        }
    }
}

/// `candidate` in canonical form, if it parses as an origin or pattern: what an error suggests
/// must never be refused in turn.
pub(super) fn suggestion(candidate: &str) -> Option<String> {
    OriginPattern::parse(candidate)
        .ok()
        .map(|pattern| pattern.to_string())
}

impl OriginPattern {
    /// Parses a pattern, accepting the lenient spellings [`Origin::parse`] accepts.
    ///
    /// Unlike [`Origin::parse`], it refuses hosts no browser can send: beyond DNS's limits
    /// (empty labels, labels over 63 bytes, names over 253 bytes, or a subdomain base leaving
    /// no room for a subdomain), and wildcard patterns ending in the root's dot.
    ///
    /// ```
    /// use corsair::{OriginPattern, PatternError};
    ///
    /// assert!(matches!(
    ///     OriginPattern::parse("https://..example"),
    ///     Err(PatternError::Unresolvable { .. })
    /// ));
    /// let error = OriginPattern::parse("https://*.example.com.").unwrap_err();
    /// assert_eq!(error.suggestion(), Some("https://*.example.com"));
    /// ```
    ///
    /// # Errors
    ///
    /// A [`PatternError`] saying what is wrong and, where one is known, what to write instead.
    pub fn parse(input: &str) -> Result<Self, PatternError> {
        let pattern = Self::parse_syntax(input)?;
        pattern.check_reach()?;
        Ok(pattern)
    }

    /// Refuses a `*` left in the host, hosts DNS cannot resolve, then wildcards ending in the
    /// root's dot (whose suggestion, the same pattern without the dot, then passes).
    fn check_reach(&self) -> Result<(), PatternError> {
        let (domain, subdomains) = match self {
            Self::Exact(Origin::Tuple(tuple)) => match tuple.host() {
                Host::Domain(domain) => (domain, false),
                Host::Ipv4(_) | Host::Ipv6(_) => return Ok(()),
            },
            Self::Wildcard(wildcard) => match &wildcard.host {
                HostPattern::Exact(Host::Domain(domain)) => (domain, false),
                HostPattern::Subdomains(base) => (base, true),
                HostPattern::Exact(Host::Ipv4(_) | Host::Ipv6(_)) => return Ok(()),
            },
            Self::Any | Self::Exact(Origin::Opaque) => return Ok(()),
        };
        // `%2A` decodes to a `*` the URL Standard keeps in a host; written back, it would read
        // as a wildcard.
        if domain.contains('*') {
            return Err(PatternError::MisplacedWildcard);
        }
        dns::check(domain, subdomains).map_err(|limit| PatternError::Unresolvable {
            host: domain.clone(),
            limit,
        })?;
        if let Self::Wildcard(wildcard) = self
            && let Some(without_dot) = domain.strip_suffix('.')
        {
            let host = match wildcard.host {
                HostPattern::Exact(_) => HostPattern::Exact(Host::Domain(without_dot.to_owned())),
                HostPattern::Subdomains(_) => HostPattern::Subdomains(without_dot.to_owned()),
            };
            let fixed = WildcardPattern {
                host,
                ..wildcard.clone()
            };
            return Err(PatternError::TrailingDot {
                pattern: self.to_string(),
                suggestion: suggestion(&fixed.to_string()),
            });
        }
        Ok(())
    }

    fn parse_syntax(input: &str) -> Result<Self, PatternError> {
        if input == "*" {
            return Ok(Self::Any);
        }
        let Some((scheme, authority)) = input.split_once("://") else {
            return Ok(Self::Exact(Origin::parse(without_stray_wildcard(input)?)?));
        };
        let (authority, any_port) = match authority.strip_suffix(":*") {
            Some(rest) => (rest, true),
            None => (authority, false),
        };
        let (authority, subdomains) = match authority.strip_prefix("*.") {
            Some(rest) => (rest, true),
            None => (authority, false),
        };
        if !any_port && !subdomains {
            return Ok(Self::Exact(Origin::parse(without_stray_wildcard(input)?)?));
        }
        let scheme = parse_scheme(scheme)?;
        let without_wildcards = format!("{scheme}://{authority}");
        // What the origin parser suggests lacks the wildcards: put them back.
        let origin = parse_tuple_origin(without_stray_wildcard(&without_wildcards)?).map_err(
            |mut error| {
                error.respell_suggestion(|origin| {
                    let (scheme, host) = origin.split_once("://")?;
                    let star = if subdomains { "*." } else { "" };
                    let port = if any_port { ":*" } else { "" };
                    suggestion(&format!("{scheme}://{star}{host}{port}"))
                });
                error
            },
        )?;
        if any_port && authority_has_port(authority) {
            return Err(PatternError::MisplacedWildcard);
        }
        let host = match (subdomains, origin.host()) {
            (true, Host::Domain(domain)) => HostPattern::Subdomains(domain.clone()),
            (true, ip) => {
                return Err(PatternError::SubdomainsOfIpAddress {
                    host: ip.to_string(),
                });
            }
            (false, host) => HostPattern::Exact(host.clone()),
        };
        let port = if any_port {
            PortPattern::Any
        } else {
            PortPattern::Exact(origin.port())
        };
        Ok(Self::Wildcard(WildcardPattern { scheme, host, port }))
    }

    /// Whether every origin this pattern matches is potentially trustworthy (see
    /// [`Origin::is_potentially_trustworthy`]); `*` is not.
    pub fn is_potentially_trustworthy(&self) -> bool {
        match self {
            Self::Any => false,
            Self::Exact(origin) => origin.is_potentially_trustworthy(),
            Self::Wildcard(wildcard) => {
                is_trustworthy_scheme(&wildcard.scheme) || wildcard.host.is_loopback()
            }
        }
    }

    /// Whether `origin`, an `Origin` header value, matches this pattern.
    ///
    /// Matching is byte for byte against canonical serializations, as browsers send them: a
    /// value in any other spelling (upper case, default port, trailing `/`) never matches.
    /// A compiled [`Policy`](crate::Policy) answers the same question for a whole list at a
    /// cost that does not grow with the list; this method checks one pattern.
    pub fn matches(&self, origin: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(exact) => exact.to_string() == origin,
            Self::Wildcard(wildcard) => wildcard.matches(origin),
        }
    }
}

impl WildcardPattern {
    /// The scheme, lowercase.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The hosts covered.
    pub fn host(&self) -> &HostPattern {
        &self.host
    }

    /// The ports covered.
    pub fn port(&self) -> PortPattern {
        self.port
    }

    fn matches(&self, origin: &str) -> bool {
        let Some(parts) = OriginParts::split(origin.as_bytes()) else {
            return false;
        };
        let host_matches = match &self.host {
            HostPattern::Exact(host) => parts.host == host.to_string().as_bytes(),
            HostPattern::Subdomains(base) => parts
                .host
                .strip_suffix(base.as_bytes())
                .and_then(|labels| labels.strip_suffix(b"."))
                .is_some_and(|labels| !labels.is_empty()),
        };
        let port_matches = match self.port {
            PortPattern::Any => true,
            PortPattern::Exact(port) => parts.port == port,
        };
        parts.scheme == self.scheme.as_bytes() && host_matches && port_matches
    }
}

impl HostPattern {
    /// Whether every host covered is a loopback host.
    pub fn is_loopback(&self) -> bool {
        match self {
            Self::Exact(host) => host.is_loopback(),
            Self::Subdomains(base) => is_loopback_domain(base),
        }
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Exact(origin) => origin.fmt(f),
            Self::Wildcard(wildcard) => wildcard.fmt(f),
        }
    }
}

impl fmt::Display for WildcardPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match &self.host {
            HostPattern::Exact(host) => write!(f, "{host}")?,
            HostPattern::Subdomains(base) => write!(f, "*.{base}")?,
        }
        match self.port {
            PortPattern::Any => f.write_str(":*"),
            PortPattern::Exact(Some(port)) => write!(f, ":{port}"),
            PortPattern::Exact(None) => Ok(()),
        }
    }
}

/// `input`, unless it still holds a `*` that no pattern form accounts for.
fn without_stray_wildcard(input: &str) -> Result<&str, PatternError> {
    if input.contains('*') {
        Err(PatternError::MisplacedWildcard)
    } else {
        Ok(input)
    }
}

/// Whether an authority (without the `:*` suffix) still names a port: a `:` after the host.
fn authority_has_port(authority: &str) -> bool {
    let after_host = match authority.rfind(']') {
        Some(end) => &authority[end..],
        None => authority,
    };
    after_host.contains(':')
}

/// The parts of an `Origin` header value, cut where a tuple-origin serialization puts them,
/// without allocating.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OriginParts<'a> {
    pub(crate) scheme: &'a [u8],
    pub(crate) host: &'a [u8],
    /// `None` when the value has no port (the scheme's default).
    pub(crate) port: Option<u16>,
    /// Everything before the port: `scheme://host`.
    pub(crate) scheme_and_host: &'a [u8],
}

impl<'a> OriginParts<'a> {
    /// The parts of a canonical serialization; anything not in canonical form yields `None`,
    /// so it matches nothing.
    pub(crate) fn split(value: &'a [u8]) -> Option<Self> {
        let parts = Self::delimit(value)?;
        (grammar::scheme::is_canonical(parts.scheme) && is_canonical_host(parts.host))
            .then_some(parts)
    }

    /// The parts, with only the port checked: a caller that finds the scheme and host equal
    /// to canonical ones need not check them again, and one that finds nothing to compare
    /// them with has spent nothing on them.
    ///
    /// No host byte is a `:` outside IPv6 brackets, which end in `]`, so a port is the run of
    /// digits at the end when a `:` comes before it: cut from the right, it costs only its
    /// own bytes.
    #[inline]
    pub(crate) fn delimit(value: &'a [u8]) -> Option<Self> {
        // A scheme holds no `:`, so the first one must start `://`.
        let separator = byte_search::first(value, b':')?;
        if value.get(separator + 1..separator + 3) != Some(b"//") {
            return None;
        }
        let scheme = &value[..separator];
        let authority = &value[separator + 3..];
        let digits_start = authority
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |last_other| last_other + 1);
        let (host_len, port) = match digits_start.checked_sub(1) {
            Some(colon) if authority[colon] == b':' => (
                colon,
                Some(canonical_port(scheme, &authority[digits_start..])?),
            ),
            _ => (authority.len(), None),
        };
        Some(Self {
            scheme,
            host: &authority[..host_len],
            port,
            scheme_and_host: &value[..separator + 3 + host_len],
        })
    }
}

/// Whether `host` is a host as an origin serializes it: a bracketed IPv6 address in lowercase
/// hex, or a canonical domain or dotted IPv4 address.
pub(crate) fn is_canonical_host(host: &[u8]) -> bool {
    match host {
        [b'[', inside @ .., b']'] => {
            !inside.is_empty()
                && inside
                    .iter()
                    .all(|&b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b':'))
        }
        _ => is_canonical_domain(host),
    }
}

/// Whether `host` is a canonical domain or dotted IPv4 address, within DNS's length limit.
pub(crate) fn is_canonical_domain(host: &[u8]) -> bool {
    host.len() <= dns::MAX_NAME_LEN && has_canonical_labels(host)
}

/// Whether `bytes` is one or more dot-separated labels, none empty, of bytes a canonical
/// domain or dotted IPv4 address may hold: a whole host, or the labels of a subdomain in
/// front of a base already known to be canonical.
pub(crate) fn has_canonical_labels(bytes: &[u8]) -> bool {
    let mut after_dot = true;
    for &byte in bytes {
        let dot = byte == b'.';
        if (dot && after_dot) || (!dot && !is_canonical_domain_byte(byte)) {
            return false;
        }
        after_dot = dot;
    }
    !after_dot
}

/// A port as browsers serialize it: decimal without leading zeros, 1-65535, never the
/// scheme's default.
fn canonical_port(scheme: &[u8], digits: &[u8]) -> Option<u16> {
    if digits.first() == Some(&b'0') || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let port: u16 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let default = std::str::from_utf8(scheme).ok().and_then(default_port);
    (default != Some(port)).then_some(port)
}

/// `Origin` values in and around canonical form with each of `hosts` (canonical ones) in
/// them: subdomains of it, spellings no browser sends, ports, and hosts on either side of
/// DNS's length limit.
#[cfg(test)]
pub(crate) fn origin_variants(hosts: &[&str]) -> Vec<String> {
    let schemes = [
        "https", "http", "ws", "HTTPS", "hTtp", "", "1http", "git+ssh", "h:ttp",
    ];
    let separators = ["://", ":/", ":///", "//"];
    let ports = [
        "",
        ":",
        ":0",
        ":1",
        ":80",
        ":443",
        ":8443",
        ":08443",
        ":65535",
        ":65536",
        ":123456",
        ":8a",
        "::8443",
        ":8443:8443",
        "/",
        ":8443/",
        ":+1",
    ];
    let mut variants = Vec::new();
    for host in hosts {
        let mut around = vec![
            host.to_string(),
            host.to_ascii_uppercase(),
            format!("{host}."),
        ];
        for prefix in [
            "a", "eu.api", "A", "x-y", "_", "1", "", ".", "a.", "a..b", "é", "[::1]",
        ] {
            around.push(format!("{prefix}.{host}"));
            around.push(format!("{prefix}{host}"));
        }
        // 252, 253 and 254 bytes: the longest name DNS allows is 253.
        for len in 252..=254 {
            let labels = "a.".repeat((len - host.len()) / 2);
            let pad = "b".repeat(len - host.len() - labels.len());
            around.push(format!("{pad}{labels}{host}"));
        }
        for host in &around {
            for scheme in schemes {
                for separator in separators {
                    for port in ports {
                        variants.push(format!("{scheme}{separator}{host}{port}"));
                    }
                }
            }
        }
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical parts of `value` by the rules as first written, reading from the left:
    /// the first `:` starts `://`, the host runs up to the first byte no host holds, and
    /// only a port may follow.
    fn reference_split(value: &str) -> Option<(&str, &str, Option<u16>)> {
        let (scheme, authority) = value.split_once("://")?;
        if scheme.contains(':') || !grammar::scheme::is_canonical(scheme.as_bytes()) {
            return None;
        }
        let host_len = if let Some(inside) = authority.strip_prefix('[') {
            let close = inside.find(']')?;
            let address = &inside[..close];
            let hex = |c: char| matches!(c, '0'..='9' | 'a'..='f' | ':');
            (!address.is_empty() && address.chars().all(hex)).then_some(close + 2)?
        } else {
            let len = authority
                .find(|c: char| c != '.' && !(c.is_ascii() && is_canonical_domain_byte(c as u8)))
                .unwrap_or(authority.len());
            let domain = &authority[..len];
            let labels_ok = domain.split('.').all(|label| !label.is_empty());
            (len <= 253 && labels_ok).then_some(len)?
        };
        let (host, rest) = authority.split_at(host_len);
        let port = match rest.strip_prefix(':') {
            None if rest.is_empty() => None,
            None => return None,
            Some(digits) => {
                let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                if !all_digits || digits.starts_with('0') || digits.len() > 5 {
                    return None;
                }
                let port = digits.parse::<u16>().ok()?;
                (default_port(scheme) != Some(port)).then_some(port)?;
                Some(port)
            }
        };
        Some((scheme, host, port))
    }

    #[test]
    fn split_agrees_with_the_rules_read_from_the_left() {
        let hosts = [
            "example.com",
            "a",
            "127.0.0.1",
            "[::1]",
            "[2001:db8::a]",
            "x_y.b-c.d",
        ];
        let mut canonical = 0;
        for value in origin_variants(&hosts) {
            let parts = OriginParts::split(value.as_bytes());
            let expected = reference_split(&value);
            assert_eq!(
                parts.map(|parts| (parts.scheme, parts.host, parts.port)),
                expected.map(|(scheme, host, port)| (scheme.as_bytes(), host.as_bytes(), port)),
                "{value}"
            );
            if let Some(parts) = parts {
                let port_len = parts.port.map_or(0, |port| port.to_string().len() + 1);
                assert_eq!(
                    parts.scheme_and_host,
                    &value.as_bytes()[..value.len() - port_len]
                );
                canonical += 1;
            }
        }
        // Enough of the values are canonical for the agreement to mean something.
        assert!(canonical > 500, "{canonical}");
    }

    fn parse(input: &str) -> OriginPattern {
        OriginPattern::parse(input).unwrap()
    }

    #[test]
    fn parses_each_kind_and_prints_it_canonically() {
        for input in [
            "*",
            "https://example.com",
            "https://*.example.com",
            "http://localhost:*",
            "https://*.example.com:*",
            "https://*.example.com:8443",
            "http://[::1]:*",
            "null",
        ] {
            assert_eq!(parse(input).to_string(), input);
        }
        assert_eq!(
            parse("HTTPS://*.Example.COM").to_string(),
            "https://*.example.com"
        );
        assert_eq!(
            parse("https://*.bücher.de").to_string(),
            "https://*.xn--bcher-kva.de"
        );
    }

    #[test]
    fn rejects_misplaced_wildcards() {
        for input in [
            "https://a*.example.com",
            "https://*example.com",
            "https://api.*.example.com",
            "https://*.*.example.com",
            "*://example.com",
            "https://example.com:8*",
            "https://localhost:8080:*",
            "**",
        ] {
            assert!(
                matches!(
                    OriginPattern::parse(input),
                    Err(PatternError::MisplacedWildcard | PatternError::Origin(_))
                ),
                "{input}"
            );
        }
        assert!(matches!(
            OriginPattern::parse("https://*.127.0.0.1"),
            Err(PatternError::SubdomainsOfIpAddress { .. })
        ));
    }

    #[test]
    fn subdomains_never_include_the_apex() {
        let pattern = parse("https://*.example.com");
        assert!(pattern.matches("https://a.example.com"));
        assert!(pattern.matches("https://a.b.example.com"));
        assert!(!pattern.matches("https://example.com"));
        assert!(!pattern.matches("https://.example.com"));
        assert!(!pattern.matches("https://badexample.com"));
        assert!(!pattern.matches("https://a.example.com:8443"));
        assert!(!pattern.matches("https://A.example.com"));
    }

    #[test]
    fn any_port_includes_the_default_and_rejects_non_canonical_ports() {
        let pattern = parse("http://localhost:*");
        assert!(pattern.matches("http://localhost"));
        assert!(pattern.matches("http://localhost:3000"));
        assert!(!pattern.matches("http://localhost:80"));
        assert!(!pattern.matches("http://localhost:03000"));
        assert!(!pattern.matches("http://localhost:70000"));
        assert!(!pattern.matches("https://localhost:3000"));
    }

    #[test]
    fn canonical_parts_refuse_anything_a_browser_would_not_send() {
        for value in [
            "https://example.com/",
            "https://EXAMPLE.com",
            "https://user@example.com",
            "https://example.com:",
            "HTTPS://example.com",
            "https://[::1",
            "https://[]",
            "https://a..b",
            "://a",
            "",
        ] {
            assert!(OriginParts::split(value.as_bytes()).is_none(), "{value}");
        }
        let parts = OriginParts::split(b"https://[::1]:8443").unwrap();
        assert_eq!(parts.host, b"[::1]");
        assert_eq!(parts.port, Some(8443));
        assert_eq!(parts.scheme_and_host, b"https://[::1]");
    }
}
