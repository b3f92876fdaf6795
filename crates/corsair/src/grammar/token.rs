//! RFC 9110 tokens: what a method or a header name consists of.

/// RFC 9110 `tchar`: the bytes a method or a header name may consist of.
pub(crate) const fn is_tchar(byte: u8) -> bool {
    matches!(byte,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.'
        | b'^' | b'_' | b'`' | b'|' | b'~'
        | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// [`is_tchar`] as a table: one load per byte where the ranges take several comparisons.
pub(crate) static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = is_tchar(byte as u8);
        byte += 1;
    }
    table
};

/// RFC 9110 `token`: one or more `tchar`s.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| TCHAR[usize::from(b)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tchar_table() {
        for byte in 0..=255u8 {
            assert_eq!(TCHAR[usize::from(byte)], is_tchar(byte), "{byte}");
        }
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
}
