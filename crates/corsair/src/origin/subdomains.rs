//! Subdomain patterns (`https://*.example.com`), looked up by the request host's suffixes.
//!
//! A policy lists a handful of base domains as a rule: up to [`SubdomainTable::FEW`], each is
//! compared with the end of the host in turn, which costs less than hashing the host's labels.
//! Past that, the table is keyed by the hash of each base's labels, built label by label from
//! the right, so the walk over a request's host extends one hash by one label at each step
//! and only suffixes as deep as some base cost a probe: a lookup whose cost does not grow
//! with the number of bases, and a hostile host of many labels costs no more than a short
//! one.

use std::collections::{HashMap, HashSet};

use super::dns;
use super::hash::KeyedState;
use super::pattern::{OriginParts, PortPattern, has_canonical_labels};
use crate::byte_search;

/// The subdomain patterns of one scheme and base domain (`https://*.example.com`, with any
/// ports).
#[derive(Debug, Clone)]
pub(crate) struct Subdomains {
    scheme: Box<[u8]>,
    /// `.example.com`.
    suffix: Box<[u8]>,
    ports: Ports,
}

impl Subdomains {
    fn new(scheme: &[u8], suffix: &[u8]) -> Self {
        Self {
            scheme: scheme.into(),
            suffix: suffix.into(),
            ports: Ports::default(),
        }
    }

    fn is(&self, scheme: &[u8], suffix: &[u8]) -> bool {
        *self.scheme == *scheme && *self.suffix == *suffix
    }

    /// Whether a request with `parts`, whose host ends with this suffix, is on a listed
    /// scheme and port.
    #[inline]
    fn admits(&self, parts: &OriginParts<'_>) -> bool {
        byte_search::equal(&self.scheme, parts.scheme) && self.ports.contains(parts.port)
    }
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

/// Every subdomain pattern of a policy. Bases are canonical domains, so a host whose end
/// equals one's bytes needs only the labels in front of it checked.
#[derive(Debug, Clone)]
pub(crate) enum SubdomainTable {
    /// Up to [`FEW`](Self::FEW) entries, one per scheme and base, compared with the host's end
    /// in turn.
    Few(Vec<Subdomains>),
    /// More, keyed by the hash of their base's labels.
    Keyed(KeyedBases),
}

impl Default for SubdomainTable {
    fn default() -> Self {
        Self::Few(Vec::new())
    }
}

impl SubdomainTable {
    /// Up to this many entries, a lookup compares each base with the host's end: cheaper
    /// than hashing the host's labels, even when the last one matches (about 15
    /// instructions a base, against about 300 for a walk two labels deep; at 5 bases the
    /// walk costs less).
    pub(crate) const FEW: usize = 4;

    /// Adds the pattern `scheme://*.base:port`; `base` must be a canonical domain.
    pub(crate) fn insert(&mut self, scheme: &[u8], base: &str, port: PortPattern) {
        let suffix = format!(".{base}");
        let suffix = suffix.as_bytes();
        if let Self::Few(entries) = self
            && entries.len() == Self::FEW
            && position(entries, scheme, suffix).is_none()
        {
            let mut keyed = KeyedBases::default();
            for entry in entries.drain(..) {
                keyed.entry(&entry.scheme, &entry.suffix).ports = entry.ports;
            }
            *self = Self::Keyed(keyed);
        }
        let entry = match self {
            Self::Few(entries) => {
                let index = position(entries, scheme, suffix).unwrap_or_else(|| {
                    entries.push(Subdomains::new(scheme, suffix));
                    entries.len() - 1
                });
                &mut entries[index]
            }
            Self::Keyed(keyed) => keyed.entry(scheme, suffix),
        };
        entry.ports.insert(port);
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Self::Few(entries) if entries.is_empty())
    }

    /// Whether a request's `Origin` value, delimited as `parts`, is a subdomain that some
    /// pattern allows, with a canonical host.
    #[inline]
    pub(crate) fn matches(&self, parts: &OriginParts<'_>) -> bool {
        // Checked first, the limit also keeps a hostile host's walk short.
        if parts.host.len() > dns::MAX_NAME_LEN {
            return false;
        }
        let host = parts.host;
        let base_start = match self {
            Self::Few(entries) => entries
                .iter()
                .find(|entry| {
                    host.len() > entry.suffix.len()
                        && byte_search::equal(
                            &host[host.len() - entry.suffix.len()..],
                            &entry.suffix,
                        )
                        && entry.admits(parts)
                })
                .map(|entry| host.len() - entry.suffix.len()),
            Self::Keyed(keyed) => keyed.base_start(parts),
        };
        // The base is canonical, so the host is exactly when the labels in front of it are
        // (at least one: a subdomain, never the base itself); which matched base vouches for
        // the rest makes no difference.
        base_start.is_some_and(|start| has_canonical_labels(&host[..start]))
    }
}

/// Where the entry of `scheme` and `suffix` is in `entries`, if there is one.
fn position(entries: &[Subdomains], scheme: &[u8], suffix: &[u8]) -> Option<usize> {
    entries.iter().position(|entry| entry.is(scheme, suffix))
}

/// Subdomain patterns keyed by the hash of their base's labels, right to left (see
/// [`suffix_hashes`]): schemes of one base, and bases whose hashes collide, share a bucket.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyedBases {
    by_labels: HashMap<u64, Vec<Subdomains>, KeyedState>,
    /// The keys of the hashes of `by_labels`.
    labels: KeyedState,
    /// Whether some base has `n + 1` labels, for each `n` up to the deepest base: suffixes of
    /// other depths cannot match.
    base_depths: Vec<bool>,
}

impl KeyedBases {
    /// The entry of `scheme` and `suffix`, added without ports if there was none.
    fn entry(&mut self, scheme: &[u8], suffix: &[u8]) -> &mut Subdomains {
        // Every suffix starts with a dot, so it has at least one label.
        let (depth, hash) = suffix_hashes(&self.labels, suffix)
            .fold((0, 0), |_, suffix| (suffix.depth, suffix.hash));
        if let Some(deepest) = depth.checked_sub(1) {
            if self.base_depths.len() < depth {
                self.base_depths.resize(depth, false);
            }
            self.base_depths[deepest] = true;
        }
        let bucket = self.by_labels.entry(hash).or_default();
        let index = position(bucket, scheme, suffix).unwrap_or_else(|| {
            bucket.push(Subdomains::new(scheme, suffix));
            bucket.len() - 1
        });
        &mut bucket[index]
    }

    /// Where the base that admits `parts` starts in its host: the walk from the right,
    /// probing only at the depths of some base.
    // Always inlined into `matches`, its one caller: called, it cost the walk about 15.
    #[inline(always)]
    fn base_start(&self, parts: &OriginParts<'_>) -> Option<usize> {
        let host = parts.host;
        suffix_hashes(&self.labels, host)
            .zip(&self.base_depths)
            .find(|&(ref suffix, &some_base_this_deep)| {
                some_base_this_deep
                    && self.by_labels.get(&suffix.hash).is_some_and(|bucket| {
                        bucket.iter().any(|entry| {
                            *entry.suffix == host[suffix.start..] && entry.admits(parts)
                        })
                    })
            })
            .map(|(suffix, _)| suffix.start)
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
    use crate::origin::pattern::{HostPattern, OriginPattern};

    /// The table of `patterns` (subdomain patterns only), with `fillers` more bases that no
    /// test host has, so that a test runs against either layout.
    fn table(patterns: &[&str], fillers: usize) -> SubdomainTable {
        let mut table = SubdomainTable::default();
        let fillers: Vec<String> = (0..fillers)
            .map(|i| format!("https://*.filler{i}.invalid"))
            .collect();
        for pattern in patterns
            .iter()
            .copied()
            .chain(fillers.iter().map(String::as_str))
        {
            let OriginPattern::Wildcard(wildcard) = OriginPattern::parse(pattern).unwrap() else {
                panic!("{pattern} is not a wildcard");
            };
            let HostPattern::Subdomains(base) = wildcard.host() else {
                panic!("{pattern} is not a subdomain pattern");
            };
            table.insert(wildcard.scheme().as_bytes(), base, wildcard.port());
        }
        table
    }

    fn matches(table: &SubdomainTable, origin: &str) -> bool {
        OriginParts::delimit(origin.as_bytes()).is_some_and(|parts| table.matches(&parts))
    }

    /// Both layouts: a handful of bases compared in turn, and more keyed by label hashes.
    fn layouts(patterns: &[&str]) -> [SubdomainTable; 2] {
        let few = table(patterns, 0);
        assert!(matches!(few, SubdomainTable::Few(_)), "{few:?}");
        let keyed = table(patterns, SubdomainTable::FEW);
        assert!(matches!(keyed, SubdomainTable::Keyed(_)), "{keyed:?}");
        [few, keyed]
    }

    #[test]
    fn ports_schemes_and_bases_must_all_match_in_either_layout() {
        for table in layouts(&[
            "https://*.example.com",
            "https://*.example.com:8443",
            "http://*.dev.test:*",
        ]) {
            assert!(matches(&table, "https://a.example.com"));
            assert!(matches(&table, "https://a.b.example.com:8443"));
            assert!(!matches(&table, "https://a.example.com:9000"));
            assert!(!matches(&table, "https://example.com"));
            assert!(!matches(&table, "https://.example.com"));
            assert!(!matches(&table, "https://aexample.com"));
            assert!(!matches(&table, "http://a.example.com"));
            assert!(matches(&table, "http://x.dev.test:1234"));
            assert!(matches(&table, "http://x.dev.test"));
            assert!(!matches(&table, "http://X.dev.test"));
            assert!(!matches(&table, "http://x..dev.test"));
            assert!(!matches(&table, "https://[::1].example.com"));
        }
    }

    #[test]
    fn one_base_s_schemes_and_ports_share_an_entry() {
        let same_base = [
            "https://*.example.com",
            "https://*.example.com:8443",
            "https://*.example.com",
            "wss://*.example.com",
        ];
        let SubdomainTable::Few(entries) = table(&same_base, 2) else {
            panic!("four entries are few");
        };
        assert_eq!(entries.len(), 4);
        let SubdomainTable::Keyed(keyed) = table(&same_base, 3) else {
            panic!("five entries are keyed");
        };
        let entries: usize = keyed.by_labels.values().map(Vec::len).sum();
        assert_eq!(entries, 5);
        for table in layouts(&same_base) {
            assert!(matches(&table, "https://a.example.com:8443"));
            assert!(matches(&table, "https://a.example.com"));
            assert!(matches(&table, "wss://a.example.com"));
            assert!(!matches(&table, "wss://a.example.com:8443"));
        }
    }

    #[test]
    fn hosts_longer_than_dns_allows_never_match() {
        // A hostile 400 KB host would otherwise cost one suffix probe per label.
        for table in layouts(&["https://*.example.com"]) {
            let deep = format!("https://{}x.example.com", "a.".repeat(200_000));
            assert!(!matches(&table, &deep));
            let longest = format!("https://{}x.example.com", "a.".repeat(120));
            assert!(matches(&table, &longest));
        }
    }

    #[test]
    fn probes_go_only_as_deep_as_the_deepest_base() {
        let [few, keyed] = layouts(&["https://*.example.com", "https://*.eu.api.example.net:*"]);
        let SubdomainTable::Keyed(bases) = &keyed else {
            panic!("keyed");
        };
        // The fillers (`filler{i}.invalid`) have two labels, as `example.com` has.
        assert_eq!(bases.base_depths, [false, true, false, true]);
        for table in [few, keyed] {
            assert!(matches(&table, "https://x.eu.api.example.net:8443"));
            assert!(matches(&table, "https://x.y.eu.api.example.net"));
            assert!(!matches(&table, "https://eu.api.example.net"));
        }
    }
}
