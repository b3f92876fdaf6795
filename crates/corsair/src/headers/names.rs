//! Tokens, forbidden request headers and the names CORS reserves.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hasher, RandomState},
};

/// RFC 9110 `tchar`: the bytes a method or a header name may consist of.
pub(crate) const fn is_tchar(byte: u8) -> bool {
    matches!(byte,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// RFC 9110 `token`: one or more `tchar`s.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

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

/// Methods that `fetch()` upper-cases when given in any case (Fetch Standard, "normalize a
/// method"). Any other method reaches the server exactly as the page spelled it.
pub(crate) const NORMALIZED_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// Methods a browser refuses to send (Fetch Standard "forbidden method").
pub(crate) const FORBIDDEN_METHODS: &[&str] = &["CONNECT", "TRACE", "TRACK"];

/// CORS-safelisted methods: simple requests that CORS cannot prevent from being sent.
pub(crate) const SAFELISTED_METHODS: &[&str] = &["GET", "HEAD", "POST"];

/// The spelling `fetch()` gives `method`: upper case for the normalized methods.
pub(crate) fn fetch_normalized_method(method: &str) -> Option<&'static str> {
    NORMALIZED_METHODS
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(method))
}

/// Header names, looked up case-insensitively without allocating: browsers send lowercase
/// names, proxies and other clients may not.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderNameSet {
    /// Names by the hash of their lowercase form; a bucket holds more than one name only on
    /// a 64-bit hash collision.
    buckets: HashMap<u64, Vec<Box<[u8]>>>,
    hasher: RandomState,
}

impl HeaderNameSet {
    pub(crate) fn insert(&mut self, name: &str) {
        let hash = self.hash_lowercase(name.as_bytes());
        let bucket = self.buckets.entry(hash).or_default();
        if !bucket
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name.as_bytes()))
        {
            bucket.push(name.to_ascii_lowercase().into_bytes().into());
        }
    }

    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        self.buckets
            .get(&self.hash_lowercase(name))
            .is_some_and(|bucket| bucket.iter().any(|known| known.eq_ignore_ascii_case(name)))
    }

    /// Every name, lowercase and sorted.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .buckets
            .values()
            .flatten()
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect();
        names.sort();
        names
    }

    /// Hashes the lowercase form of `name`, lowercasing through a small stack buffer.
    fn hash_lowercase(&self, name: &[u8]) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        let mut buffer = [0u8; 32];
        for chunk in name.chunks(buffer.len()) {
            let lowered = &mut buffer[..chunk.len()];
            lowered.copy_from_slice(chunk);
            lowered.make_ascii_lowercase();
            hasher.write(lowered);
        }
        hasher.finish()
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
        assert_eq!(set.buckets.values().map(Vec::len).sum::<usize>(), 2);
    }

    #[test]
    fn tokens() {
        assert!(is_token(b"X-Custom_Header.1"));
        assert!(is_token(b"PATCH"));
        assert!(!is_token(b""));
        assert!(!is_token(b"x header"));
        assert!(!is_token(b"x:y"));
        assert!(!is_token("é".as_bytes()));
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

    #[test]
    fn fetch_normalizes_only_some_methods() {
        // Fetch Standard, "normalize a method": PATCH is not on the list.
        assert_eq!(fetch_normalized_method("delete"), Some("DELETE"));
        assert_eq!(fetch_normalized_method("Put"), Some("PUT"));
        assert_eq!(fetch_normalized_method("patch"), None);
    }
}
