//! Forbidden request headers, the names CORS reserves, and sets of header names.

use std::collections::HashMap;

use crate::{byte_search, origin::KeyedState};

/// Fetch, "CORS-safelisted response-header name": readable by script without
/// `Access-Control-Expose-Headers` (lowercase).
pub(crate) const SAFELISTED_RESPONSE_HEADERS: &[&str] = &[
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// The Fetch Standard's forbidden request-header names (lowercase): script can never set
/// them, so listing one as an allowed request header can only be a mistake.
const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];

/// Prefixes that make a request-header name forbidden (Fetch Standard).
const FORBIDDEN_REQUEST_HEADER_PREFIXES: &[&str] = &["proxy-", "sec-"];

/// Whether `lowercase_name` is a forbidden request-header name per the Fetch Standard.
pub(crate) fn is_forbidden_request_header(lowercase_name: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS.contains(&lowercase_name)
        || FORBIDDEN_REQUEST_HEADER_PREFIXES
            .iter()
            .any(|prefix| lowercase_name.starts_with(prefix))
}

/// Why a response-header name must never be listed in `Access-Control-Expose-Headers`,
/// or `None` when it may be.
pub(crate) fn unexposable_reason(lowercase_name: &str) -> Option<&'static str> {
    if lowercase_name == "set-cookie" || lowercase_name == "set-cookie2" {
        Some("browsers never let script read cookies from responses; the name only leaks intent")
    } else if lowercase_name.starts_with("access-control-") {
        Some("CORS headers are protocol metadata, not response data for script")
    } else if lowercase_name == "origin" {
        Some("`Origin` is a request header; it never appears on responses")
    } else {
        None
    }
}

/// Header names, looked up case-insensitively without allocating: browsers send lowercase
/// names, proxies and other clients may not.
///
/// A policy lists a handful of names, which are compared directly (length first); past
/// [`HeaderNameSet::FEW`], lookups go through a keyed hash of the lowercase form, so their cost
/// does not grow with the list.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderNameSet {
    /// Every name, lowercase, in insertion order.
    names: Vec<Box<[u8]>>,
    /// Indexes into `names` by the keyed hash of the lowercase name, once there are more than
    /// [`HeaderNameSet::FEW`]; a bucket holds more than one only on a 64-bit hash collision.
    buckets: HashMap<u64, Vec<usize>, KeyedState>,
    hasher: KeyedState,
}

impl HeaderNameSet {
    /// Up to this many names, a lookup compares them directly: cheaper than hashing.
    const FEW: usize = 8;

    pub(crate) fn insert(&mut self, name: &str) {
        if self.contains(name.as_bytes()) {
            return;
        }
        self.names
            .push(name.to_ascii_lowercase().into_bytes().into());
        if self.names.len() == Self::FEW + 1 {
            for index in 0..self.names.len() {
                self.index(index);
            }
        } else if self.names.len() > Self::FEW {
            self.index(self.names.len() - 1);
        }
    }

    fn index(&mut self, index: usize) {
        let hash = self.hash_lowercase(&self.names[index]);
        self.buckets.entry(hash).or_default().push(index);
    }

    // Inlined into the header-list check, its caller per requested name: left to the
    // compiler, whether it is varies with unrelated code, by about 60 instructions a preflight
    // and by 12% on a list of 10,000 names (a hint alone was not always taken).
    #[inline(always)]
    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        // Names are stored lowercase and browsers send them lowercase: compare bytes first.
        let matches =
            |known: &[u8]| byte_search::equal(known, name) || known.eq_ignore_ascii_case(name);
        if self.names.len() <= Self::FEW {
            return self
                .names
                .iter()
                .any(|known| known.len() == name.len() && matches(known));
        }
        self.buckets
            .get(&self.hash_lowercase(name))
            .is_some_and(|bucket| bucket.iter().any(|&index| matches(&self.names[index])))
    }

    /// Every name, lowercase and sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .names
            .iter()
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect();
        names.sort();
        names
    }

    /// Hashes `name` so that it hashes as its lowercase form does.
    fn hash_lowercase(&self, name: &[u8]) -> u64 {
        self.hasher.hash_ascii_case_insensitive(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_name_set_ignores_case() {
        let mut set = HeaderNameSet::default();
        set.insert("X-Api-Key");
        set.insert("x-api-key");
        let long = "x-".repeat(40);
        set.insert(&long);
        assert!(set.contains(b"x-api-key"));
        assert!(set.contains(b"X-API-KEY"));
        assert!(set.contains(long.to_ascii_uppercase().as_bytes()));
        assert!(!set.contains(b"x-api-keys"));
        assert!(!set.contains(b""));
        assert_eq!(set.names.len(), 2);
        assert!(set.buckets.is_empty(), "few names are compared directly");
    }

    #[test]
    fn header_name_set_hashes_many_names() {
        let mut set = HeaderNameSet::default();
        let names: Vec<String> = (0..100).map(|i| format!("X-Header-{i}")).collect();
        for name in &names {
            set.insert(name);
            set.insert(&name.to_ascii_lowercase());
        }
        assert_eq!(set.names.len(), 100);
        assert_eq!(set.buckets.values().map(Vec::len).sum::<usize>(), 100);
        for name in &names {
            assert!(set.contains(name.as_bytes()));
            assert!(set.contains(name.to_ascii_uppercase().as_bytes()));
        }
        assert!(!set.contains(b"x-header-100"));
        assert_eq!(set.names().len(), 100);
        assert_eq!(set.names()[0], "x-header-0");
    }

    #[test]
    fn forbidden_request_headers_follow_fetch() {
        // Fetch Standard, "forbidden request-header": the list and the two prefixes.
        for name in [
            "cookie",
            "host",
            "origin",
            "sec-fetch-mode",
            "proxy-authorization",
            "te",
        ] {
            assert!(is_forbidden_request_header(name), "{name}");
        }
        for name in [
            "authorization",
            "content-type",
            "x-requested-with",
            "x-http-method-override",
        ] {
            assert!(!is_forbidden_request_header(name), "{name}");
        }
    }

    #[test]
    fn unexposable_response_headers() {
        assert!(unexposable_reason("set-cookie").is_some());
        assert!(unexposable_reason("access-control-allow-origin").is_some());
        assert!(unexposable_reason("x-request-id").is_none());
    }
}
