//! The compiled origin list: a lookup whose cost does not grow with the number of entries.
//!
//! Exact origins sit in one set of their canonical bytes ([`ByteSet`]). Wildcard patterns are
//! looked up by the parts of the request's own `Origin` value that they fix, so a request is
//! looked up by slicing its value, never by scanning a long list: `scheme://host` for
//! any-port patterns, and the `.suffix`es of the host for subdomain patterns
//! ([`SubdomainTable`]).
//!
//! Every key is canonical, so request bytes found equal to one need no check of their own:
//! a request's scheme and host are checked only where no key vouches for them (the labels of
//! a subdomain in front of its base), and an origin that matches nothing is not checked at all.
//!
//! The tables hash with a keyed multiply-fold hash ([`KeyedState`](super::KeyedState)) rather
//! than SipHash: they are filled from the configuration only, so request data can only look
//! up, and secret keys keep collisions unpredictable.

use super::byte_set::ByteSet;
use super::pattern::{
    HostPattern, OriginParts, OriginPattern, WildcardPattern, is_canonical_domain,
    is_canonical_host,
};
use super::subdomains::SubdomainTable;
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

#[derive(Debug, Clone, Default)]
pub(crate) struct OriginMatcher {
    any: bool,
    exact: ByteSet,
    /// `scheme://host` of `scheme://host:*` patterns.
    any_port: ByteSet,
    subdomains: SubdomainTable,
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
                if is_canonical_domain(base.as_bytes()) {
                    self.subdomains.insert(scheme, base, wildcard.port());
                }
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
        if !self.exact.is_empty() && self.exact.contains(origin) {
            return Some(Match::Listed);
        }
        if self.any_port.is_empty() && self.subdomains.is_empty() {
            return None;
        }
        let parts = OriginParts::delimit(origin)?;
        (self.matches_any_port(&parts) || self.subdomains.matches(&parts)).then_some(Match::Listed)
    }

    fn matches_any_port(&self, parts: &OriginParts<'_>) -> bool {
        // An empty set would still hash the key.
        !self.any_port.is_empty() && self.any_port.contains(parts.scheme_and_host)
    }
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
    fn trusting_canonical_keys_finds_what_checking_every_pattern_finds() {
        let listed = [
            "https://*.example.com",
            "https://*.eu.api.example.net:*",
            "http://*.x_y.b-c.d:8443",
            "wss://*.a",
            "http://localhost:*",
            "https://127.0.0.1:*",
            "https://[2001:db8::a]:*",
            "https://app.example.org",
        ];
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
        // With and without enough other bases that subdomains are looked up by label hashes
        // rather than compared in turn.
        let fillers: Vec<String> = (0..=SubdomainTable::FEW)
            .map(|i| format!("https://*.filler{i}.invalid"))
            .collect();
        let many: Vec<&str> = listed
            .iter()
            .copied()
            .chain(fillers.iter().map(String::as_str))
            .collect();
        for patterns in [&listed[..], &many] {
            let m = matcher(patterns);
            let parsed: Vec<_> = patterns
                .iter()
                .map(|pattern| OriginPattern::parse(pattern).unwrap())
                .collect();
            let mut matched = 0;
            for value in origin_variants(&hosts) {
                let expected = parsed.iter().any(|pattern| pattern.matches(&value));
                assert_eq!(m.find(value.as_bytes()).is_some(), expected, "{value}");
                matched += usize::from(expected);
            }
            // Enough of the values match for the agreement to mean something.
            assert!(matched > 50, "{matched}");
        }
    }

    #[test]
    fn any() {
        let m = matcher(&["*"]);
        assert!(m.is_any());
        assert_eq!(m.find(b"anything at all"), Some(Match::Any));
    }
}
