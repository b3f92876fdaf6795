//! The compiled origin list: a lookup whose cost does not grow with the number of entries.
//!
//! Exact origins sit in one hash set of their canonical bytes. Wildcard patterns are
//! keyed by the parts of the request's own `Origin` value that they fix, so a request is
//! looked up by slicing its value, never by scanning the list: `scheme://host` for any-port
//! patterns, and the `.suffix`es of the host for subdomain patterns, from the right, only as
//! many labels deep as the deepest configured base domain (so a hostile host of many labels
//! costs no more than a short one). Subdomain patterns are keyed by the hash of their base
//! labels, built label by label, so the walk from the right extends one hash by one label at
//! each step, and only suffixes as deep as some base cost a probe.
//!
//! Every key is canonical, so request bytes found equal to one need no check of their own:
//! a request's scheme and host are checked only where no key vouches for them (the labels of
//! a subdomain in front of its base), and an origin that matches nothing is not checked at all.
//!
//! The tables hash with a keyed multiply-fold hash ([`KeyedState`]) rather than SipHash: they
//! are filled from the configuration only, so request data can only look up, and secret keys
//! keep collisions unpredictable.

use std::collections::{HashMap, HashSet};

use super::hash::KeyedState;
use super::pattern::{
    HostPattern, OriginParts, OriginPattern, PortPattern, WildcardPattern, has_canonical_labels,
    is_canonical_domain, is_canonical_host,
};
use super::{byte_search, dns};
use crate::grammar;

/// What a lookup found for a request's `Origin` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// A listed exact origin (the request's bytes equal its canonical form) or a wildcard
    /// pattern: the response echoes the request's own value, so a framework's map shares the
    /// request's buffer rather than converting a copy of the policy's.
    Listed,
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
    exact: HashSet<Box<[u8]>, KeyedState>,
    /// `scheme://host` of `scheme://host:*` patterns.
    any_port: HashSet<Box<[u8]>, KeyedState>,
    /// Subdomain patterns by the hash of their base labels (right to left, see
    /// [`suffix_hashes`]); schemes of one base, and bases whose hashes collide, share a list,
    /// told apart by bytes.
    subdomains: HashMap<u64, Vec<Subdomains>, KeyedState>,
    /// The keys of the hashes of `subdomains`.
    labels: KeyedState,
    /// Whether some base domain of `subdomains` has `n + 1` labels, for each `n` up to the
    /// deepest base: suffixes of other depths cannot match.
    base_depths: Vec<bool>,
}

impl OriginMatcher {
    /// Adds a pattern.
    pub(crate) fn insert(&mut self, pattern: &OriginPattern) {
        match pattern {
            OriginPattern::Any => self.any = true,
            OriginPattern::Exact(origin) => {
                self.exact.insert(origin.to_string().into_bytes().into());
            }
            OriginPattern::Wildcard(wildcard) => self.insert_wildcard(wildcard),
        }
    }

    /// Leaves out a pattern whose scheme or host no canonical value holds: it could never
    /// match, and leaving it out lets [`find`](Self::find) take bytes equal to a key as
    /// canonical.
    fn insert_wildcard(&mut self, wildcard: &WildcardPattern) {
        let scheme = wildcard.scheme().as_bytes();
        if !grammar::scheme::is_canonical(scheme) {
            return;
        }
        match wildcard.host() {
            HostPattern::Exact(host) => {
                let host = host.to_string();
                if is_canonical_host(host.as_bytes()) {
                    let key = format!("{}://{host}", wildcard.scheme());
                    self.any_port.insert(key.into_bytes().into());
                }
            }
            HostPattern::Subdomains(base) => {
                if !is_canonical_domain(base.as_bytes()) {
                    return;
                }
                let suffix = format!(".{base}");
                let Some(Suffix { depth, hash, .. }) =
                    suffix_hashes(&self.labels, suffix.as_bytes()).last()
                else {
                    return;
                };
                if self.base_depths.len() < depth {
                    self.base_depths.resize(depth, false);
                }
                self.base_depths[depth - 1] = true;
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
    pub(crate) fn find(&self, origin: &[u8]) -> Option<Match> {
        if self.any {
            return Some(Match::Any);
        }
        if self.exact.contains(origin) {
            return Some(Match::Listed);
        }
        if self.any_port.is_empty() && self.subdomains.is_empty() {
            return None;
        }
        let parts = OriginParts::delimit(origin)?;
        (self.matches_any_port(&parts) || self.matches_subdomain(&parts)).then_some(Match::Listed)
    }

    fn matches_any_port(&self, parts: &OriginParts<'_>) -> bool {
        // An empty set still hashes the key.
        !self.any_port.is_empty() && self.any_port.contains(parts.scheme_and_host)
    }

    fn matches_subdomain(&self, parts: &OriginParts<'_>) -> bool {
        // Checked first, the limit also keeps a hostile host's walk short.
        if self.subdomains.is_empty() || parts.host.len() > dns::MAX_NAME_LEN {
            return false;
        }
        let matched = suffix_hashes(&self.labels, parts.host)
            .zip(&self.base_depths)
            .find(|&(ref suffix, &some_base_this_deep)| {
                some_base_this_deep
                    && self.subdomains.get(&suffix.hash).is_some_and(|same| {
                        let bytes = &parts.host[suffix.start..];
                        same.iter().any(|known| {
                            *known.suffix == *bytes
                                && *known.scheme == *parts.scheme
                                && known.ports.contains(parts.port)
                        })
                    })
            });
        // The base is canonical, so the host is exactly when the labels in front of it are
        // (at least one: a subdomain, never the base itself); which matched base vouches for
        // the rest makes no difference.
        matched.is_some_and(|(suffix, _)| has_canonical_labels(&parts.host[..suffix.start]))
    }
}

/// One `.suffix` of a host.
struct Suffix {
    /// Where it starts (at a dot).
    start: usize,
    /// How many labels it holds.
    depth: usize,
    /// The hash of its labels, right to left.
    hash: u64,
}

/// Each `.suffix` of `host` that starts at a dot, shortest first, hashed: one pass from the
/// right, each step hashing one more label into the hash of the suffix before it.
fn suffix_hashes<'a>(labels: &'a KeyedState, host: &'a [u8]) -> impl Iterator<Item = Suffix> + 'a {
    let mut hash = labels.parts_start();
    let mut end = host.len();
    let mut depth = 0;
    std::iter::from_fn(move || {
        let start = byte_search::last(&host[..end], b'.')?;
        hash = labels.hash_part(hash, &host[start + 1..end]);
        end = start;
        depth += 1;
        Some(Suffix { start, depth, hash })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::pattern::origin_variants;

    fn matcher(patterns: &[&str]) -> OriginMatcher {
        let mut matcher = OriginMatcher::default();
        for pattern in patterns {
            matcher.insert(&OriginPattern::parse(pattern).unwrap());
        }
        matcher
    }

    #[test]
    fn exact_origins_match_their_canonical_bytes_only() {
        let m = matcher(&["https://a.example", "http://localhost:3000"]);
        assert_eq!(m.find(b"https://a.example"), Some(Match::Listed));
        assert_eq!(m.find(b"http://localhost:3000"), Some(Match::Listed));
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
        assert_eq!(m.find(b"https://a.example.com"), Some(Match::Listed));
        assert_eq!(m.find(b"https://a.b.example.com:8443"), Some(Match::Listed));
        assert_eq!(m.find(b"https://a.example.com:9000"), None);
        assert_eq!(m.find(b"https://example.com"), None);
        assert_eq!(m.find(b"http://a.example.com"), None);
        assert_eq!(m.find(b"http://x.dev.test:1234"), Some(Match::Listed));
        assert_eq!(m.find(b"http://x.dev.test"), Some(Match::Listed));
        assert_eq!(m.find(b"http://localhost"), Some(Match::Listed));
        assert_eq!(m.find(b"http://localhost:5173"), Some(Match::Listed));
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
        assert_eq!(m.find(longest.as_bytes()), Some(Match::Listed));
    }

    #[test]
    fn probes_go_only_as_deep_as_the_deepest_base() {
        let m = matcher(&["https://*.example.com", "https://*.eu.api.example.net:*"]);
        assert_eq!(m.base_depths, [false, true, false, true]);
        assert_eq!(
            m.find(b"https://x.eu.api.example.net:8443"),
            Some(Match::Listed)
        );
        assert_eq!(
            m.find(b"https://x.y.eu.api.example.net"),
            Some(Match::Listed)
        );
        assert_eq!(m.find(b"https://eu.api.example.net"), None);
    }

    #[test]
    fn trusting_canonical_keys_finds_what_checking_every_pattern_finds() {
        let patterns = [
            "https://*.example.com",
            "https://*.eu.api.example.net:*",
            "http://*.x_y.b-c.d:8443",
            "wss://*.a",
            "http://localhost:*",
            "https://127.0.0.1:*",
            "https://[2001:db8::a]:*",
            "https://app.example.org",
        ];
        let m = matcher(&patterns);
        let parsed: Vec<_> = patterns
            .iter()
            .map(|pattern| OriginPattern::parse(pattern).unwrap())
            .collect();
        let hosts = [
            "example.com",
            "api.example.net",
            "eu.api.example.net",
            "x_y.b-c.d",
            "a",
            "localhost",
            "127.0.0.1",
            "[2001:db8::a]",
            "app.example.org",
        ];
        let mut matched = 0;
        for value in origin_variants(&hosts) {
            let expected = parsed.iter().any(|pattern| pattern.matches(&value));
            assert_eq!(m.find(value.as_bytes()).is_some(), expected, "{value}");
            matched += usize::from(expected);
        }
        // Enough of the values match for the agreement to mean something.
        assert!(matched > 50, "{matched}");
    }

    #[test]
    fn any() {
        let m = matcher(&["*"]);
        assert!(m.is_any());
        assert_eq!(m.find(b"anything at all"), Some(Match::Any));
    }
}
