//! URL schemes (RFC 3986 section 3.1): `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.

/// Whether `bytes` is a scheme, in any case.
pub(crate) fn is_valid(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Whether `bytes` is a scheme as URLs serialize it: lowercase.
pub(crate) fn is_canonical(bytes: &[u8]) -> bool {
    bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_follow_rfc_3986() {
        for scheme in ["https", "HTTPS", "a1+-.", "git+ssh.v2", "x"] {
            assert!(is_valid(scheme.as_bytes()), "{scheme}");
        }
        for not in [
            "",
            "1http",
            "-a",
            "+a",
            ".a",
            "a b",
            "ht_tp",
            "a:",
            "htt\u{fc}p",
        ] {
            assert!(!is_valid(not.as_bytes()), "{not:?}");
        }
    }

    #[test]
    fn canonical_schemes_are_lowercase() {
        assert!(is_canonical(b"chrome-extension"));
        assert!(!is_canonical(b"HTTPS"));
        assert!(!is_canonical(b"hTtp"));
        assert!(!is_canonical(b""));
    }
}
