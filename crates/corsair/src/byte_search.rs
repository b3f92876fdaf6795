//! Request header values worked on a word at a time. Every request's origin lookup searches
//! for the scheme's `:` and for the dots between a host's labels, and a preflight's header
//! list for its `,`s, where a byte at a time costs several instructions per byte; both compare
//! short names (a scheme, a host's end, a header name) with the policy's, where a call to
//! `memcmp` costs more than the few words they hold.

const LOW_BITS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The first `needle` in `bytes`.
#[inline]
pub(crate) fn first(bytes: &[u8], needle: u8) -> Option<usize> {
    let mut start = 0;
    while let Some(chunk) = bytes.get(start..start + 8) {
        let found = matching_bytes(chunk, needle);
        if found != 0 {
            return Some(start + (found.trailing_zeros() / 8) as usize);
        }
        start += 8;
    }
    let rest = &bytes[start..];
    rest.iter().position(|&b| b == needle).map(|at| start + at)
}

/// The last `needle` in `bytes`.
// Left to the compiler: inlined into the label walk of many subdomain patterns, its one caller,
// it made each lookup about 45 instructions dearer.
pub(crate) fn last(bytes: &[u8], needle: u8) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(chunk) = end.checked_sub(8).map(|start| &bytes[start..end]) {
        let found = matching_bytes(chunk, needle);
        if found != 0 {
            return Some(end - 1 - (found.leading_zeros() / 8) as usize);
        }
        end -= 8;
    }
    bytes[..end].iter().rposition(|&b| b == needle)
}

/// Whether `a` and `b` hold the same bytes: up to 16 bytes (a scheme, a short base domain, a
/// method, most header names) as two possibly overlapping words, or byte by byte below 4,
/// longer ones as slices.
#[inline]
pub(crate) fn equal(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    match len {
        8..=16 => word(a) == word(b) && word(&a[len - 8..]) == word(&b[len - 8..]),
        4..=7 => {
            half_word(a) == half_word(b) && half_word(&a[len - 4..]) == half_word(&b[len - 4..])
        }
        // The first, middle and last bytes: every byte of one to three.
        1..=3 => a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1],
        _ => a == b,
    }
}

/// `bytes` as one little-endian word, zero-padded, when there are at most 8 of them: read as
/// two possibly overlapping halves, or byte by byte below 4, with no call to `memcpy`. Words
/// of different lengths can be equal (a trailing zero byte is padding), so a caller keeps
/// the length beside it.
#[inline]
pub(crate) fn packed(bytes: &[u8]) -> Option<u64> {
    let len = bytes.len();
    let word = match len {
        4..=8 => {
            u64::from(half_word(bytes)) | u64::from(half_word(&bytes[len - 4..])) << ((len - 4) * 8)
        }
        1..=3 => {
            u64::from(bytes[0])
                | u64::from(bytes[len / 2]) << (len / 2 * 8)
                | u64::from(bytes[len - 1]) << ((len - 1) * 8)
        }
        0 => 0,
        _ => return None,
    };
    Some(word)
}

/// The first 8 bytes, little-endian.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// The first 4 bytes, little-endian.
#[inline]
fn half_word(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[..4]);
    u32::from_le_bytes(word)
}

/// The top bit of each byte of the little-endian word `chunk` set where that byte is `needle`,
/// every other bit clear. Exact per byte (no borrow crosses bytes, unlike the shorter
/// `(x - 0x01..) & !x` test), so both the lowest and the highest set bit can be trusted.
#[inline]
fn matching_bytes(chunk: &[u8], needle: u8) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(chunk);
    let differences = u64::from_le_bytes(word) ^ (u64::from(needle) * 0x0101_0101_0101_0101);
    !(((differences & LOW_BITS) + LOW_BITS) | differences | LOW_BITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_words_are_the_bytes_in_order() {
        for len in 0_usize..=8 {
            let bytes: Vec<u8> = (0..len).map(|i| b'A' + i as u8).collect();
            let mut expected = [0; 8];
            expected[..len].copy_from_slice(&bytes);
            assert_eq!(packed(&bytes), Some(u64::from_le_bytes(expected)), "{len}");
            for at in 0..len {
                let mut changed = bytes.clone();
                changed[at] = b'z';
                assert_ne!(packed(&changed), packed(&bytes), "{len} at {at}");
            }
        }
        assert_eq!(packed(b"ABCDEFGHI"), None);
    }

    #[test]
    fn equal_compares_every_byte_at_every_length() {
        for len in 0_usize..=40 {
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(equal(&bytes, &bytes.clone()), "{len}");
            if let Some(shorter) = len.checked_sub(1) {
                assert!(!equal(&bytes, &bytes[..shorter]), "{len}");
                assert!(!equal(&bytes[1..], &bytes[..shorter]) || len == 1, "{len}");
            }
            for at in 0..len {
                let mut other = bytes.clone();
                other[at] ^= 0x01;
                assert!(!equal(&bytes, &other), "{len} {at}");
            }
        }
    }

    #[test]
    fn finds_the_first_and_last_needle_wherever_they_are() {
        // Every position of one or two needles in lengths around the word size, among bytes
        // one bit or one away from the needle (which a borrow or carry would confuse with it)
        // and far from it.
        let needle = b'.';
        let others = [b'a', 0x2f, 0x2d, 0x2e ^ 0x80, 0x00, 0xff, 0x2e ^ 0x01];
        for len in 0..=33 {
            for other in others {
                let none = vec![other; len];
                assert_eq!(first(&none, needle), None);
                assert_eq!(last(&none, needle), None);
                for at in 0..len {
                    for also in at..len {
                        let mut bytes = none.clone();
                        bytes[at] = needle;
                        bytes[also] = needle;
                        assert_eq!(first(&bytes, needle), Some(at), "{bytes:?}");
                        assert_eq!(last(&bytes, needle), Some(also), "{bytes:?}");
                    }
                }
            }
        }
    }
}
