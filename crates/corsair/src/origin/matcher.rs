//! The compiled origin list: a lookup whose cost does not grow with the number of entries.
//!
//! Exact origins sit in one hash map keyed by their canonical bytes. Wildcard patterns are
//! keyed by the parts of the request's own `Origin` value that they fix, so a request is
//! looked up by slicing its value, never by scanning the list: `scheme://host` for any-port
//! patterns, and the `.suffix`es of the host for subdomain patterns, from the right, only as
//! many labels deep as the deepest configured base domain (so a hostile host of many labels
//! costs no more than a short one). Subdomain patterns are keyed by the hash of their scheme
//! and base labels, built label by label, so the walk from the right extends one hash by one
//! label at each step: the host is split and hashed in the same pass, and each suffix costs
//! one probe.
//!
//! The tables hash with a keyed multiply-fold hash ([`KeyedState`]) rather than SipHash: they
//! are filled from the configuration only, so request data can only look up, and secret keys
//! keep collisions unpredictable.

use std::collections::{HashMap, HashSet};

use http::HeaderValue;

use super::hash::KeyedState;
use super::pattern::{CanonicalParts, HostPattern, OriginPattern, PortPattern, WildcardPattern};
use crate::headers::shared::shared_value;

/// What a lookup found for a request's `Origin` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match<'p> {
    /// A listed exact origin, with its precomputed `Access-Control-Allow-Origin` value.
    Exact(&'p HeaderValue),
    /// A wildcard pattern: the response echoes the request's own value.
    Pattern,
    /// `*` is listed.
    Any,
}

/// The subdomain patterns of one scheme and base domain (`https://*.example.com`, with any
/// ports).
#[derive(Debug, Clone)]
struct Subdomains {
    scheme: Box<[u8]>,
    /// `.example.com`.
    suffix: Box<[u8]>,
    ports: Ports,
}

/// The ports subdomain patterns allow for one base domain and scheme.
#[derive(Debug, Clone, Default)]
struct Ports {
    /// `:*` is listed.
    any: bool,
    /// The scheme's default port is listed (no port written: the usual pattern).
    default: bool,
    /// Other listed ports.
    exact: HashSet<u16, KeyedState>,
}

impl Ports {
    fn insert(&mut self, port: PortPattern) {
        match port {
            PortPattern::Any => self.any = true,
            PortPattern::Exact(None) => self.default = true,
            PortPattern::Exact(Some(port)) => {
                self.exact.insert(port);
            }
        }
    }

    fn contains(&self, port: Option<u16>) -> bool {
        self.any
            || match port {
                None => self.default,
                Some(port) => self.exact.contains(&port),
            }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct OriginMatcher {
    any: bool,
    exact: HashMap<Box<[u8]>, HeaderValue, KeyedState>,
    /// `scheme://host` of `scheme://host:*` patterns.
    any_port: HashSet<Box<[u8]>, KeyedState>,
    /// Subdomain patterns by the hash of their scheme and base labels (right to left, see
    /// [`suffix_hashes`]); those whose hashes collide share a list, told apart by bytes.
    subdomains: HashMap<u64, Vec<Subdomains>, KeyedState>,
    /// The keys of the hashes of `subdomains`.
    labels: KeyedState,
    /// Labels in the longest base domain of `subdomains`: deeper suffixes cannot match.
    deepest_base: usize,
}

impl OriginMatcher {
    /// Adds a pattern. Exact origins must serialize to a valid header value (every parsed
    /// origin does: canonical origins are ASCII).
    pub(crate) fn insert(&mut self, pattern: &OriginPattern) {
        match pattern {
            OriginPattern::Any => self.any = true,
            OriginPattern::Exact(origin) => {
                let serialized = origin.to_string();
                if let Ok(value) = shared_value(serialized.clone()) {
                    self.exact.insert(serialized.into_bytes().into(), value);
                }
            }
            OriginPattern::Wildcard(wildcard) => self.insert_wildcard(wildcard),
        }
    }

    fn insert_wildcard(&mut self, wildcard: &WildcardPattern) {
        match wildcard.host() {
            HostPattern::Exact(host) => {
                let key = format!("{}://{host}", wildcard.scheme());
                self.any_port.insert(key.into_bytes().into());
            }
            HostPattern::Subdomains(base) => {
                let suffix = format!(".{base}");
                let scheme = wildcard.scheme().as_bytes();
                let Some(Suffix { depth, hash, .. }) =
                    suffix_hashes(&self.labels, scheme, suffix.as_bytes()).last()
                else {
                    return;
                };
                self.deepest_base = self.deepest_base.max(depth);
                let same = self.subdomains.entry(hash).or_default();
                let position = same.iter().position(|known| {
                    *known.scheme == *scheme && *known.suffix == *suffix.as_bytes()
                });
                let entry = match position {
                    Some(position) => &mut same[position],
                    None => {
                        same.push(Subdomains {
                            scheme: scheme.into(),
                            suffix: suffix.into_bytes().into(),
                            ports: Ports::default(),
                        });
                        let last = same.len() - 1;
                        &mut same[last]
                    }
                };
                entry.ports.insert(wildcard.port());
            }
        }
    }

    pub(crate) fn is_any(&self) -> bool {
        self.any
    }

    /// Looks up a request's `Origin` value.
    pub(crate) fn find(&self, origin: &[u8]) -> Option<Match<'_>> {
        if self.any {
            return Some(Match::Any);
        }
        if let Some(value) = self.exact.get(origin) {
            return Some(Match::Exact(value));
        }
        if self.any_port.is_empty() && self.subdomains.is_empty() {
            return None;
        }
        let parts = CanonicalParts::split(origin)?;
        if self.any_port.contains(parts.scheme_and_host) || self.matches_subdomain(&parts) {
            return Some(Match::Pattern);
        }
        None
    }

    fn matches_subdomain(&self, parts: &CanonicalParts<'_>) -> bool {
        if self.subdomains.is_empty() || parts.host.first() == Some(&b'[') {
            return false;
        }
        // `CanonicalParts` refused empty labels, so every suffix starting at a dot leaves at
        // least one label in front of it: a subdomain, never the base itself.
        suffix_hashes(&self.labels, parts.scheme, parts.host)
            .take(self.deepest_base)
            .any(|suffix| {
                self.subdomains.get(&suffix.hash).is_some_and(|same| {
                    let bytes = &parts.host[suffix.start..];
                    same.iter().any(|known| {
                        *known.suffix == *bytes
                            && *known.scheme == *parts.scheme
                            && known.ports.contains(parts.port)
                    })
                })
            })
    }
}

/// One `.suffix` of a host.
struct Suffix {
    /// Where it starts (at a dot).
    start: usize,
    /// How many labels it holds.
    depth: usize,
    /// The hash of the scheme and its labels, right to left.
    hash: u64,
}

/// Each `.suffix` of `host` that starts at a dot, shortest first, hashed with `scheme`: one
/// pass from the right, each step hashing one more label into the hash of the suffix before
/// it.
fn suffix_hashes<'a>(
    labels: &'a KeyedState,
    scheme: &[u8],
    host: &'a [u8],
) -> impl Iterator<Item = Suffix> + 'a {
    let mut hash = labels.hash_part(labels.parts_start(), scheme);
    let mut end = host.len();
    let mut depth = 0;
    std::iter::from_fn(move || {
        let start = host[..end].iter().rposition(|&b| b == b'.')?;
        hash = labels.hash_part(hash, &host[start + 1..end]);
        end = start;
        depth += 1;
        Some(Suffix { start, depth, hash })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(patterns: &[&str]) -> OriginMatcher {
        let mut matcher = OriginMatcher::default();
        for pattern in patterns {
            matcher.insert(&OriginPattern::parse(pattern).unwrap());
        }
        matcher
    }

    #[test]
    fn exact_origins_echo_their_precomputed_value() {
        let m = matcher(&["https://a.example", "http://localhost:3000"]);
        assert_eq!(
            m.find(b"https://a.example"),
            Some(Match::Exact(&HeaderValue::from_static("https://a.example")))
        );
        assert_eq!(m.find(b"https://a.example/"), None);
        assert_eq!(m.find(b"https://A.example"), None);
        assert_eq!(m.find(b"http://localhost:3001"), None);
    }

    #[test]
    fn wildcards() {
        let m = matcher(&[
            "https://*.example.com",
            "https://*.example.com:8443",
            "http://*.dev.test:*",
            "http://localhost:*",
        ]);
        assert_eq!(m.find(b"https://a.example.com"), Some(Match::Pattern));
        assert_eq!(
            m.find(b"https://a.b.example.com:8443"),
            Some(Match::Pattern)
        );
        assert_eq!(m.find(b"https://a.example.com:9000"), None);
        assert_eq!(m.find(b"https://example.com"), None);
        assert_eq!(m.find(b"http://a.example.com"), None);
        assert_eq!(m.find(b"http://x.dev.test:1234"), Some(Match::Pattern));
        assert_eq!(m.find(b"http://x.dev.test"), Some(Match::Pattern));
        assert_eq!(m.find(b"http://localhost"), Some(Match::Pattern));
        assert_eq!(m.find(b"http://localhost:5173"), Some(Match::Pattern));
        assert_eq!(m.find(b"http://localhost:80"), None);
        assert_eq!(m.find(b"http://evil.com/.dev.test"), None);
        assert_eq!(m.find(b"https://[::1].example.com"), None);
    }

    #[test]
    fn hosts_longer_than_dns_allows_never_match() {
        // A hostile 400 KB host would otherwise cost one suffix probe per label.
        let m = matcher(&["https://*.example.com"]);
        let deep = format!("https://{}x.example.com", "a.".repeat(200_000));
        assert_eq!(m.find(deep.as_bytes()), None);
        let longest = format!("https://{}x.example.com", "a.".repeat(120));
        assert_eq!(m.find(longest.as_bytes()), Some(Match::Pattern));
    }

    #[test]
    fn probes_go_only_as_deep_as_the_deepest_base() {
        let m = matcher(&["https://*.example.com", "https://*.eu.api.example.net:*"]);
        assert_eq!(m.deepest_base, 4);
        assert_eq!(
            m.find(b"https://x.eu.api.example.net:8443"),
            Some(Match::Pattern)
        );
        assert_eq!(
            m.find(b"https://x.y.eu.api.example.net"),
            Some(Match::Pattern)
        );
        assert_eq!(m.find(b"https://eu.api.example.net"), None);
    }

    #[test]
    fn any() {
        let m = matcher(&["*"]);
        assert!(m.is_any());
        assert_eq!(m.find(b"anything at all"), Some(Match::Any));
    }
}
