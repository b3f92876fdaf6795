//! Origins as browsers serialize them in the `Origin` request header.
//!
//! [`Origin::parse`] is lenient about spelling (case, explicit default
//! ports, a trailing `/`, Unicode hosts) and [`Origin`]'s `Display` gives
//! the one canonical serialization a browser would send, so two spellings of
//! the same origin compare equal.

mod byte_set;
mod dns;
mod hash;
mod host;
mod matcher;
mod parse;
mod pattern;
mod subdomains;

pub use dns::DnsLimit;
pub use host::Host;
pub(crate) use host::is_loopback_domain;

pub(crate) use hash::KeyedState;
pub(crate) use matcher::{Match, OriginMatcher};
pub use parse::{OriginError, default_port};
pub use pattern::{HostPattern, OriginPattern, PatternError, PortPattern, WildcardPattern};

use std::fmt;
use std::str::FromStr;

/// An origin: the opaque origin (`null`) or a (scheme, host, port) tuple.
///
/// This is the value a browser sends in the `Origin` request header
/// ([RFC 6454], [WHATWG HTML "serialization of an origin"]).
///
/// ```
/// use corsair::origin::{Host, Origin};
///
/// let origin = Origin::parse("HTTPS://Bücher.example:443/")?;
/// assert_eq!(origin.to_string(), "https://xn--bcher-kva.example");
/// assert_eq!(origin.scheme(), Some("https"));
/// assert_eq!(origin.port(), None);
/// assert!(matches!(origin.host(), Some(Host::Domain(d)) if d == "xn--bcher-kva.example"));
///
/// assert!(Origin::parse("null")?.is_opaque());
/// # Ok::<(), corsair::origin::OriginError>(())
/// ```
///
/// [RFC 6454]: https://www.rfc-editor.org/rfc/rfc6454
/// [WHATWG HTML "serialization of an origin"]: https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// An opaque origin, serialized as `null`: sandboxed documents, `data:`
    /// and `file:` pages, redirects across origins, and similar.
    Opaque,
    /// A (scheme, host, port) tuple such as `https://example.com:8443`.
    Tuple(TupleOrigin),
}

impl Origin {
    /// Parses a serialized origin, canonicalizing non-canonical spellings.
    ///
    /// Accepts `null` and `scheme://host[:port]` with an optional trailing
    /// `/`. Scheme and host are case-folded, Unicode hosts are converted to
    /// punycode, IPv4 and IPv6 hosts are normalized as the WHATWG URL
    /// Standard does, and the scheme's default port is dropped.
    ///
    /// ```
    /// use corsair::origin::{Origin, OriginError};
    ///
    /// assert_eq!(Origin::parse("http://0x7f.1:0080")?.to_string(), "http://127.0.0.1");
    /// assert!(matches!(
    ///     Origin::parse("https://example.com/path"),
    ///     Err(OriginError::PathQueryOrFragment { .. })
    /// ));
    /// # Ok::<(), OriginError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Returns an [`OriginError`] naming what is wrong and how to write it,
    /// e.g. for a path, userinfo, an invalid port or a malformed host.
    pub fn parse(input: &str) -> Result<Self, OriginError> {
        parse::parse_origin(input)
    }

    /// Whether this is the opaque origin `null`.
    pub fn is_opaque(&self) -> bool {
        matches!(self, Self::Opaque)
    }

    /// The lowercase scheme, or `None` for the opaque origin.
    pub fn scheme(&self) -> Option<&str> {
        self.as_tuple().map(TupleOrigin::scheme)
    }

    /// The canonical host, or `None` for the opaque origin.
    pub fn host(&self) -> Option<&Host> {
        self.as_tuple().map(TupleOrigin::host)
    }

    /// The explicit port; `None` when it is the scheme's default, when there
    /// is none, or for the opaque origin.
    pub fn port(&self) -> Option<u16> {
        self.as_tuple().and_then(TupleOrigin::port)
    }

    /// Whether a network attacker cannot impersonate this origin (W3C Secure Contexts,
    /// "potentially trustworthy origin"): `https`, a browser-extension scheme, or a loopback
    /// host. The opaque origin is not.
    ///
    /// ```
    /// use corsair::Origin;
    ///
    /// assert!(Origin::parse("https://example.com")?.is_potentially_trustworthy());
    /// assert!(Origin::parse("http://localhost:3000")?.is_potentially_trustworthy());
    /// assert!(!Origin::parse("http://example.com")?.is_potentially_trustworthy());
    /// # Ok::<(), corsair::origin::OriginError>(())
    /// ```
    pub fn is_potentially_trustworthy(&self) -> bool {
        self.as_tuple().is_some_and(|tuple| {
            is_trustworthy_scheme(tuple.scheme()) || tuple.host().is_loopback()
        })
    }

    fn as_tuple(&self) -> Option<&TupleOrigin> {
        match self {
            Self::Opaque => None,
            Self::Tuple(tuple) => Some(tuple),
        }
    }
}

/// Schemes whose origins a network attacker cannot forge, whatever the host.
pub(crate) fn is_trustworthy_scheme(scheme: &str) -> bool {
    matches!(
        scheme,
        "https" | "chrome-extension" | "moz-extension" | "safari-web-extension"
    )
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Opaque => f.write_str("null"),
            Self::Tuple(tuple) => tuple.fmt(f),
        }
    }
}

impl FromStr for Origin {
    type Err = OriginError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<TupleOrigin> for Origin {
    fn from(tuple: TupleOrigin) -> Self {
        Self::Tuple(tuple)
    }
}

/// A (scheme, host, port) origin in canonical form.
///
/// The scheme is lowercase, the host canonical, and the port `None` when it
/// is absent or the scheme's default, so derived equality is origin equality.
///
/// ```
/// use corsair::origin::{Host, TupleOrigin};
///
/// let tuple = TupleOrigin::new("HTTPS", Host::parse("Example.COM")?, Some(443))?;
/// assert_eq!(tuple.to_string(), "https://example.com");
/// assert_eq!(tuple.port(), None);
/// # Ok::<(), corsair::origin::OriginError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TupleOrigin {
    scheme: String,
    host: Host,
    port: Option<u16>,
}

impl TupleOrigin {
    /// Builds a tuple origin, canonicalizing each part.
    ///
    /// The scheme is validated and lowercased, a [`Host::Domain`] is
    /// re-parsed (so hand-built hosts end up canonical too), and the scheme's
    /// default port becomes `None`.
    ///
    /// # Errors
    ///
    /// An invalid or `file` scheme, a domain [`Host::parse`] rejects, or
    /// port `0`.
    pub fn new(scheme: &str, host: Host, port: Option<u16>) -> Result<Self, OriginError> {
        let scheme = parse::parse_tuple_scheme(scheme)?;
        let host = match host {
            Host::Domain(domain) => Host::parse(&domain)?,
            address => address,
        };
        let port = match port {
            Some(0) => {
                return Err(OriginError::PortOutOfRange {
                    port: "0".to_owned(),
                });
            }
            port => port,
        };
        Ok(Self::from_canonical_parts(scheme, host, port))
    }

    /// The lowercase scheme, e.g. `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The canonical host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The explicit port; `None` when it is absent or the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Callers guarantee a valid lowercase scheme and a canonical host; only
    /// the default port is normalized here.
    fn from_canonical_parts(scheme: String, host: Host, port: Option<u16>) -> Self {
        let port = port.filter(|&port| default_port(&scheme) != Some(port));
        Self { scheme, host, port }
    }
}

impl fmt::Display for TupleOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}
