//! The methods the Fetch Standard singles out: safelisted, forbidden and normalized ones.

/// Fetch "CORS-safelisted method": GET, HEAD and POST, which a page may send across origins
/// without a preflight. Byte-exact, as methods are compared after normalization.
pub(crate) fn is_safelisted(method: &[u8]) -> bool {
    matches!(method, b"GET" | b"HEAD" | b"POST")
}

/// Fetch "forbidden method", in any case: CONNECT, TRACE and TRACK, which a browser refuses
/// to send.
pub(crate) fn is_forbidden(method: &[u8]) -> bool {
    [b"CONNECT".as_slice(), b"TRACE", b"TRACK"]
        .iter()
        .any(|forbidden| forbidden.eq_ignore_ascii_case(method))
}

/// Methods that `fetch()` upper-cases when given in any case (Fetch Standard, "normalize a
/// method"). Any other method reaches the server exactly as the page spelled it.
const NORMALIZED: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// The spelling `fetch()` gives `method` when it is one of the normalized methods: upper case.
pub(crate) fn normalized(method: &str) -> Option<&'static str> {
    NORMALIZED
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(method))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safelisted_methods_are_byte_exact() {
        for method in ["GET", "HEAD", "POST"] {
            assert!(is_safelisted(method.as_bytes()), "{method}");
        }
        for method in ["post", "Get", "PUT", "OPTIONS", "", "GETX"] {
            assert!(!is_safelisted(method.as_bytes()), "{method}");
        }
    }

    #[test]
    fn forbidden_methods_in_any_case() {
        for method in ["CONNECT", "trace", "Track"] {
            assert!(is_forbidden(method.as_bytes()), "{method}");
        }
        for method in ["GET", "TRACES", "CONNEC", ""] {
            assert!(!is_forbidden(method.as_bytes()), "{method}");
        }
    }

    #[test]
    fn fetch_normalizes_only_some_methods() {
        // Fetch Standard, "normalize a method": PATCH is not on the list.
        assert_eq!(normalized("delete"), Some("DELETE"));
        assert_eq!(normalized("Put"), Some("PUT"));
        assert_eq!(normalized("patch"), None);
    }
}
