//! The limits DNS puts on names (RFC 1035 §2.3.4): a host beyond them resolves nowhere, so no
//! page is served from it and no browser ever sends it in `Origin`. The URL Standard parses
//! such hosts all the same, which is why policies check them separately.

use std::fmt;

/// Longest name, in bytes, without the root's trailing dot.
pub(crate) const MAX_NAME_LEN: usize = 253;

/// Longest label, in bytes.
const MAX_LABEL_LEN: usize = 63;

/// What puts a domain out of DNS's reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsLimit {
    /// A leading dot, or two dots in a row.
    EmptyLabel,
    /// A label longer than 63 bytes.
    LongLabel {
        /// Its length in bytes.
        len: usize,
    },
    /// A name longer than 253 bytes (without the root's trailing dot).
    LongName {
        /// Its length in bytes.
        len: usize,
    },
    /// The base of a subdomain pattern leaves no room under 253 bytes for a label and its dot.
    NoRoomForSubdomains {
        /// The base domain's length in bytes.
        len: usize,
    },
}

impl fmt::Display for DnsLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyLabel => {
                f.write_str("has an empty label (a leading dot or two dots in a row)")
            }
            Self::LongLabel { len } => write!(
                f,
                "has a label of {len} bytes, and DNS labels are at most {MAX_LABEL_LEN} bytes"
            ),
            Self::LongName { len } => write!(
                f,
                "is {len} bytes long, and DNS names are at most {MAX_NAME_LEN} bytes"
            ),
            Self::NoRoomForSubdomains { len } => write!(
                f,
                "is {len} bytes long, so a subdomain of it (one more label and a dot) would be \
                 longer than the {MAX_NAME_LEN} bytes DNS names may have"
            ),
        }
    }
}

/// Checks a canonical (ASCII) domain. `subdomains`: the domain is the base of `*.`, whose
/// matches are at least two bytes longer.
pub(crate) fn check(domain: &str, subdomains: bool) -> Result<(), DnsLimit> {
    let name = domain.strip_suffix('.').unwrap_or(domain);
    for label in name.split('.') {
        match label.len() {
            0 => return Err(DnsLimit::EmptyLabel),
            len if len > MAX_LABEL_LEN => return Err(DnsLimit::LongLabel { len }),
            _ => {}
        }
    }
    let len = name.len();
    if len > MAX_NAME_LEN {
        return Err(DnsLimit::LongName { len });
    }
    if subdomains && len + 2 > MAX_NAME_LEN {
        return Err(DnsLimit::NoRoomForSubdomains { len });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_at_their_edges() {
        let label = |len| "a".repeat(len);
        assert_eq!(check("example.com", false), Ok(()));
        assert_eq!(check("example.com.", false), Ok(()));
        for empty in ["..example", ".example", "a..b", "example..", "."] {
            assert_eq!(check(empty, false), Err(DnsLimit::EmptyLabel), "{empty}");
        }
        assert_eq!(check(&format!("{}.example", label(63)), false), Ok(()));
        assert_eq!(
            check(&format!("{}.example", label(64)), false),
            Err(DnsLimit::LongLabel { len: 64 })
        );
        // Four labels of 63 bytes and three dots: 255 bytes; of 62, 251.
        let name = |len| [label(len), label(len), label(len), label(len)].join(".");
        assert_eq!(
            check(&name(63), false),
            Err(DnsLimit::LongName { len: 255 })
        );
        assert_eq!(check(&name(62), false), Ok(()));
        assert_eq!(check(&format!("{}.", name(62)), false), Ok(()));
        assert_eq!(check(&name(62), true), Ok(()));
        let longest_base = format!("{}.{}", name(62), "a");
        assert_eq!(longest_base.len(), 253);
        assert_eq!(check(&longest_base, false), Ok(()));
        assert_eq!(
            check(&longest_base, true),
            Err(DnsLimit::NoRoomForSubdomains { len: 253 })
        );
    }
}
