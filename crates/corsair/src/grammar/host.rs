//! Which bytes a host may hold (WHATWG URL Standard, "forbidden domain code point").

/// WHATWG "forbidden domain code point", restricted to ASCII: C0 controls, space, DEL and
/// ``#%/:<>?@[\]^|``. Non-ASCII bytes are left for IDNA to judge.
pub(crate) const fn is_forbidden_domain_byte(byte: u8) -> bool {
    byte <= b' '
        || matches!(
            byte,
            0x7f | b'#'
                | b'%'
                | b'/'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'^'
                | b'|'
        )
}

/// Whether `byte` may appear in a canonical (ASCII, lowercase, IDNA-processed) domain or
/// dotted IPv4 address: printable ASCII except upper case and the forbidden domain code points.
/// One table lookup: every request's `Origin` host is checked byte by byte.
pub(crate) fn is_canonical_domain_byte(byte: u8) -> bool {
    CANONICAL_DOMAIN_BYTES[usize::from(byte)]
}

const fn canonical_domain_byte(byte: u8) -> bool {
    byte.is_ascii() && !byte.is_ascii_uppercase() && !is_forbidden_domain_byte(byte)
}

static CANONICAL_DOMAIN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = canonical_domain_byte(byte as u8);
        byte += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_domain_code_points_follow_whatwg() {
        let forbidden: Vec<u8> = (0..=0x7f_u8)
            .filter(|&b| is_forbidden_domain_byte(b))
            .collect();
        let mut expected: Vec<u8> = (0..=b' ').collect();
        expected.extend(b"#%/:<>?@[\\]^|");
        expected.push(0x7f);
        expected.sort_unstable();
        assert_eq!(forbidden, expected);
        assert!((0x80..=0xff).all(|b| !is_forbidden_domain_byte(b)));
    }

    #[test]
    fn canonical_domain_bytes_are_printable_lowercase_ascii() {
        for byte in 0..=0xff_u8 {
            let expected = byte.is_ascii_graphic()
                && !byte.is_ascii_uppercase()
                && !b"#%/:<>?@[\\]^|".contains(&byte);
            assert_eq!(is_canonical_domain_byte(byte), expected, "{byte:#x}");
        }
    }
}
