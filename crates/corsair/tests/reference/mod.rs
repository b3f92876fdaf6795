//! The reference origin matcher: each pattern checked on its own with plain string
//! operations, sharing no code with the library's matcher; and [`allows`], what the library decides. The property test
//! (`tests/pattern_reference.rs`) and the `patterns` fuzz target (`fuzz/`) hold the library to it.

use corsair::{Evaluation, Policy, RequestHead};

/// A pattern's port part.
#[derive(Debug, Clone)]
pub(crate) enum Port {
    /// The scheme's default port (none written).
    Default,
    /// `:port`.
    Explicit(u16),
    /// `:*`.
    Any,
}

/// One `allow_origins` pattern, as its parts.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// `http` or `https`.
    pub(crate) scheme: &'static str,
    /// A canonical domain or IP address (the base domain when `subdomains`).
    pub(crate) host: String,
    /// `*.` in front of the host.
    pub(crate) subdomains: bool,
    /// The port part.
    pub(crate) port: Port,
}

impl Pattern {
    /// The pattern as a policy lists it.
    pub(crate) fn written(&self) -> String {
        let star = if self.subdomains { "*." } else { "" };
        let port = match self.port {
            Port::Default => String::new(),
            Port::Explicit(port) => format!(":{port}"),
            Port::Any => ":*".to_owned(),
        };
        format!("{}://{star}{}{port}", self.scheme, self.host)
    }

    /// The reference: does `origin` name this scheme, a covered host and a covered port, in
    /// the exact form browsers serialize?
    pub(crate) fn matches(&self, origin: &str) -> bool {
        let Some(authority) = origin.strip_prefix(&format!("{}://", self.scheme)) else {
            return false;
        };
        let (host, port) = split_port(authority);
        let host_ok = if self.subdomains {
            host.len() <= 253
                && host
                    .strip_suffix(&format!(".{}", self.host))
                    .is_some_and(|labels| {
                        labels.split('.').all(|label| {
                            !label.is_empty() && label.chars().all(is_canonical_host_char)
                        })
                    })
        } else {
            host == self.host
        };
        let port_ok = match (&self.port, port) {
            (Port::Default, None) => true,
            (Port::Explicit(expected), Some(digits)) => digits == expected.to_string(),
            (Port::Any, None) => true,
            (Port::Any, Some(digits)) => is_canonical_port(self.scheme, digits),
            _ => false,
        };
        host_ok && port_ok
    }
}

/// Splits `host[:port]`; a `:` inside IPv6 brackets is not a port separator.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => {
            (&authority[..colon], Some(&authority[colon + 1..]))
        }
        _ => (authority, None),
    }
}

fn is_canonical_host_char(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_uppercase() && !"#/:<>?@[\\]^|%".contains(c)
}

fn is_canonical_port(scheme: &str, digits: &str) -> bool {
    let default = if scheme == "https" { 443 } else { 80 };
    !digits.starts_with('0')
        && digits.len() <= 5
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits
            .parse::<u32>()
            .is_ok_and(|port| (1..=65535).contains(&port) && port != default)
}

/// Whether `policy` lets a page on `origin` read a `GET` response (`false` for a value that
/// is no header value at all).
pub(crate) fn allows(policy: &Policy, origin: &str) -> bool {
    let Ok(request) = http::Request::get("/").header("origin", origin).body(()) else {
        return false;
    };
    match policy.evaluate(&RequestHead::from(&request)) {
        Evaluation::Actual(cors) => cors.is_allowed(),
        Evaluation::Preflight(_) | Evaluation::Forbidden(_) => {
            unreachable!("GET is never a preflight, nor a write")
        }
    }
}
