//! Parsing serialized origins and their scheme and port components.

use super::{Host, Origin, TupleOrigin, pattern::suggestion};
use crate::grammar;

/// Why a string is not a serialized origin (or scheme, host or port).
///
/// Each message says what is wrong and how to write it instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// The input is empty.
    #[error(
        "the origin is empty; write `null` for the opaque origin or `scheme://host[:port]`, e.g. `https://example.com`"
    )]
    Empty,
    /// The input starts or ends with whitespace or a control character.
    #[error(
        "the origin {input:?} has leading or trailing whitespace or control characters; remove them{}",
        colon_suggestion(.trimmed)
    )]
    SurroundingWhitespace {
        /// The input as given.
        input: String,
        /// The input without the surrounding characters, canonical, when that is valid.
        trimmed: Option<String>,
    },
    /// `null` spelled in another case, such as `NULL`.
    #[error(
        "`{input}` is not the opaque origin; browsers send the opaque origin as lowercase `null`"
    )]
    NullCase {
        /// The input as given.
        input: String,
    },
    /// There is no `://` after the scheme (or no scheme at all).
    #[error(
        "`{input}` has no `://`; an origin is written `scheme://host[:port]`{}",
        did_you_mean(.suggestion)
    )]
    MissingSchemeSeparator {
        /// The input as given.
        input: String,
        /// A valid origin the input probably meant, canonical, such as
        /// `https://example.com` for `example.com`.
        suggestion: Option<String>,
    },
    /// Nothing precedes `://`.
    #[error("the scheme is empty; write one before `://`, e.g. `https://example.com`")]
    EmptyScheme,
    /// The scheme has characters a scheme cannot have.
    #[error(
        "scheme `{scheme}` is invalid: a scheme is an ASCII letter followed by letters, digits, `+`, `-` or `.`, e.g. `https`"
    )]
    InvalidScheme {
        /// The scheme as given.
        scheme: String,
    },
    /// A `file:` URL, whose origin has no tuple form.
    #[error(
        "`file:` URLs have no scheme/host/port origin: browsers send `null` for pages loaded from files, so write `null` instead"
    )]
    FileScheme,
    /// The authority has userinfo (`user@` or `user:password@`).
    #[error(
        "`{input}` contains userinfo (`user@` or `user:password@`), which an origin never has; remove it{}",
        colon_suggestion(.suggestion)
    )]
    Userinfo {
        /// The input as given.
        input: String,
        /// The input with the userinfo removed, canonical, when that is valid.
        suggestion: Option<String>,
    },
    /// Something follows the authority other than a single `/`.
    #[error(
        "`{input}` has a path, query or fragment, which an origin never has; write just the origin{}",
        colon_suggestion(.origin)
    )]
    PathQueryOrFragment {
        /// The input as given.
        input: String,
        /// The canonical origin of the input, when that is valid.
        origin: Option<String>,
    },
    /// The port is not decimal digits.
    #[error("port `{port}` is not a number; write the port in decimal digits, e.g. `:8080`")]
    InvalidPort {
        /// The port as given.
        port: String,
    },
    /// The port is `0` or above 65535.
    #[error("port `{port}` is out of range; a port is from 1 to 65535, e.g. `:8080`")]
    PortOutOfRange {
        /// The port as given.
        port: String,
    },
    /// The host is empty.
    #[error("the host is empty; write one after `://`, e.g. `https://example.com`")]
    EmptyHost,
    /// The host contains a code point no host may contain.
    #[error(
        "host `{host}` contains {}, which is not allowed in a host; {}",
        describe_code_point(*.code_point),
        forbidden_code_point_fix(*.code_point)
    )]
    ForbiddenHostCodePoint {
        /// The host as given.
        host: String,
        /// The offending code point, after percent-decoding.
        code_point: char,
    },
    /// IDNA (UTS #46) rejects the host as a domain name.
    #[error(
        "host `{host}` is not a valid domain name: IDNA rejects it; check for disallowed characters and malformed `xn--` labels"
    )]
    InvalidDomain {
        /// The host as given.
        host: String,
    },
    /// The host's last label is numeric, but it is no valid IPv4 address.
    #[error(
        "host `{host}` ends in a number, so it must be an IPv4 address, but it is not a valid one; write four decimal numbers from 0 to 255, e.g. `192.0.2.1`, or use a domain whose last label is not a number"
    )]
    InvalidIpv4 {
        /// The host as given.
        host: String,
    },
    /// The host starts with `[` but is no valid bracketed IPv6 address.
    #[error(
        "host `{host}` is not a valid IPv6 address; write it in square brackets without a zone id, e.g. `[2001:db8::1]`"
    )]
    InvalidIpv6 {
        /// The host as given.
        host: String,
    },
}

/// The suggestion field of the variants that carry one, borrowed as `$error` is: one list of
/// variants for reading and for respelling.
macro_rules! suggestion_slot {
    ($error:expr) => {
        match $error {
            OriginError::SurroundingWhitespace { trimmed: slot, .. }
            | OriginError::MissingSchemeSeparator {
                suggestion: slot, ..
            }
            | OriginError::Userinfo {
                suggestion: slot, ..
            }
            | OriginError::PathQueryOrFragment { origin: slot, .. } => Some(slot),
            _ => None,
        }
    };
}

impl OriginError {
    /// The origin this error suggests writing instead, if any: canonical, and never one
    /// [`OriginPattern::parse`](super::OriginPattern::parse) refuses.
    ///
    /// ```
    /// let error = corsair::Origin::parse("example.com:8080").unwrap_err();
    /// assert_eq!(error.suggestion(), Some("https://example.com:8080"));
    /// ```
    pub fn suggestion(&self) -> Option<&str> {
        suggestion_slot!(self).and_then(|slot| slot.as_deref())
    }

    /// Drops the suggestion, for a caller whose own rules refuse it.
    pub(crate) fn drop_suggestion(&mut self) {
        self.respell_suggestion(|_| None);
    }

    /// Replaces the suggestion by `respell(suggestion)`.
    pub(crate) fn respell_suggestion(&mut self, respell: impl FnOnce(&str) -> Option<String>) {
        if let Some(slot) = suggestion_slot!(self) {
            *slot = slot.as_deref().and_then(respell);
        }
    }
}

fn colon_suggestion(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|origin| format!(": `{origin}`"))
        .unwrap_or_default()
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(origin) => format!("; did you mean `{origin}`?"),
        None => ", e.g. `https://example.com`".to_owned(),
    }
}

fn describe_code_point(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else {
        format!("{c:?} (U+{:04X})", u32::from(c))
    }
}

fn forbidden_code_point_fix(c: char) -> &'static str {
    match c {
        ':' => "an IPv6 address goes in square brackets, e.g. `[::1]`, and a port after the host",
        '%' => "a `%` must start a percent-escape of two hex digits",
        c if c.is_ascii_whitespace() || c.is_ascii_control() => "remove it",
        _ => "a host is a domain name, an IPv4 address or a bracketed IPv6 address",
    }
}

/// The default port of a scheme with one: `http` and `ws` 80, `https` and
/// `wss` 443, `ftp` 21. The scheme is matched case-insensitively.
///
/// ```
/// use corsair::origin::default_port;
///
/// assert_eq!(default_port("https"), Some(443));
/// assert_eq!(default_port("chrome-extension"), None);
/// ```
pub fn default_port(scheme: &str) -> Option<u16> {
    const DEFAULTS: [(&str, u16); 5] = [
        ("http", 80),
        ("https", 443),
        ("ws", 80),
        ("wss", 443),
        ("ftp", 21),
    ];
    DEFAULTS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(scheme))
        .map(|&(_, port)| port)
}

/// Validates a scheme (RFC 3986: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`)
/// and lowercases it.
pub(crate) fn parse_scheme(s: &str) -> Result<String, OriginError> {
    if s.is_empty() {
        Err(OriginError::EmptyScheme)
    } else if grammar::scheme::is_valid(s.as_bytes()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(OriginError::InvalidScheme {
            scheme: s.to_owned(),
        })
    }
}

/// A scheme that can appear in a tuple origin: `file:` pages have opaque
/// origins, so a `file` tuple would never match anything a browser sends.
pub(super) fn parse_tuple_scheme(s: &str) -> Result<String, OriginError> {
    let scheme = parse_scheme(s)?;
    if scheme == "file" {
        return Err(OriginError::FileScheme);
    }
    Ok(scheme)
}

/// Parses a port: decimal digits (leading zeros allowed) from 1 to 65535.
pub(crate) fn parse_port(s: &str) -> Result<u16, OriginError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OriginError::InvalidPort { port: s.to_owned() });
    }
    let significant = s.trim_start_matches('0');
    // Six or more significant digits are out of range whatever they are;
    // deciding that up front keeps the arithmetic below overflow-free.
    let value = if significant.len() > 5 {
        u32::MAX
    } else {
        significant
            .bytes()
            .fold(0_u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    match u16::try_from(value) {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(OriginError::PortOutOfRange { port: s.to_owned() }),
    }
}

fn is_whitespace_or_control(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

pub(super) fn parse_origin(input: &str) -> Result<Origin, OriginError> {
    if input == "null" {
        return Ok(Origin::Opaque);
    }
    if input.eq_ignore_ascii_case("null") {
        return Err(OriginError::NullCase {
            input: input.to_owned(),
        });
    }
    parse_tuple_origin(input).map(Origin::Tuple)
}

/// Parses a serialized tuple origin, `scheme://host[:port]`: [`parse_origin`] without `null`.
pub(super) fn parse_tuple_origin(input: &str) -> Result<TupleOrigin, OriginError> {
    if input.is_empty() {
        return Err(OriginError::Empty);
    }
    if input.starts_with(is_whitespace_or_control) || input.ends_with(is_whitespace_or_control) {
        return Err(OriginError::SurroundingWhitespace {
            input: input.to_owned(),
            trimmed: suggestion(input.trim_matches(is_whitespace_or_control)),
        });
    }
    let missing_separator = || OriginError::MissingSchemeSeparator {
        input: input.to_owned(),
        suggestion: suggest_origin(input),
    };
    let Some((scheme, rest)) = input.split_once(':') else {
        return Err(missing_separator());
    };
    // `file:/x` and `file:///x` are both file URLs; say so before
    // complaining about the slashes.
    if scheme.eq_ignore_ascii_case("file") {
        return Err(OriginError::FileScheme);
    }
    let Some(after_slashes) = rest.strip_prefix("//") else {
        return Err(missing_separator());
    };
    let scheme = parse_tuple_scheme(scheme)?;

    // As for WHATWG special schemes, `\` ends the authority like `/`.
    let authority_end = after_slashes
        .find(['/', '?', '#', '\\'])
        .unwrap_or(after_slashes.len());
    let (authority, tail) = after_slashes.split_at(authority_end);
    if let Some((_, host_and_port)) = authority.rsplit_once('@') {
        return Err(OriginError::Userinfo {
            input: input.to_owned(),
            // Without the path too: a suggestion with one would be refused in turn.
            suggestion: suggestion(&format!("{scheme}://{host_and_port}")),
        });
    }
    let (host, port) = split_host_port(authority);
    let host = Host::parse(host)?;
    let port = match port {
        // WHATWG drops an empty port, so `https://a.com:` is `https://a.com`.
        None | Some("") => None,
        Some(port) => Some(parse_port(port)?),
    };
    let origin = TupleOrigin::from_canonical_parts(scheme, host, port);
    if !tail.is_empty() && tail != "/" {
        return Err(OriginError::PathQueryOrFragment {
            input: input.to_owned(),
            origin: suggestion(&origin.to_string()),
        });
    }
    Ok(origin)
}

/// Splits `host[:port]`. A `:` inside brackets belongs to an IPv6 host;
/// anything but `:port` after `]` stays in the host so that the host parser
/// reports it as a malformed IPv6 address.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        if let Some(close) = authority.find(']') {
            let (host, after) = authority.split_at(close + 1);
            if let Some(port) = after.strip_prefix(':') {
                return (host, Some(port));
            }
        }
        return (authority, None);
    }
    match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// Guesses the origin meant by an input without `://`: a bare `host[:port]`
/// gets `https://` (`http://` for loopback hosts, where local development
/// servers rarely have TLS), and `https:host` or `https:/host` gets its
/// slashes. Only suggestions that parse are offered.
fn suggest_origin(input: &str) -> Option<String> {
    let bare = input.trim_start_matches('/');
    if let Ok(origin) = parse_tuple_origin(&format!("https://{bare}")) {
        let scheme = if origin.host().is_loopback() {
            "http"
        } else {
            "https"
        };
        return parse_tuple_origin(&format!("{scheme}://{bare}"))
            .ok()
            .and_then(|origin| suggestion(&origin.to_string()));
    }
    // Only web schemes: for others (`data:`, `mailto:`) adding `//` would
    // suggest nonsense.
    let (scheme, rest) = input
        .split_once(':')
        .filter(|(scheme, _)| default_port(scheme).is_some())?;
    let rest = rest.trim_start_matches('/');
    parse_tuple_origin(&format!("{scheme}://{rest}"))
        .ok()
        .and_then(|origin| suggestion(&origin.to_string()))
}

#[cfg(test)]
mod tests;
