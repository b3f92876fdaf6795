//! Hosts, parsed and serialized as the WHATWG URL Standard does for special
//! schemes (<https://url.spec.whatwg.org/#host-parsing>).

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::OriginError;
use crate::grammar::host::is_forbidden_domain_byte;

/// The host of a tuple origin.
///
/// Values from [`Host::parse`] are canonical. A `Domain` built by hand is
/// taken as given; [`TupleOrigin::new`](super::TupleOrigin::new)
/// canonicalizes it.
///
/// ```
/// use corsair::origin::Host;
/// use std::net::Ipv4Addr;
///
/// assert_eq!(Host::parse("2130706433")?, Host::Ipv4(Ipv4Addr::LOCALHOST));
/// assert_eq!(Host::parse("[0:0:0:0:0:FFFF:1.2.3.4]")?.to_string(), "[::ffff:102:304]");
/// assert_eq!(Host::parse("Bücher.de")?.to_string(), "xn--bcher-kva.de");
/// # Ok::<(), corsair::origin::OriginError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// An ASCII domain: lowercase, with Unicode labels in punycode (`xn--`).
    Domain(String),
    /// An IPv4 address, serialized as a dotted quad.
    Ipv4(Ipv4Addr),
    /// An IPv6 address, serialized in brackets in WHATWG-compressed form.
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Parses a host as the WHATWG URL Standard does for special schemes.
    ///
    /// A bracketed input is an IPv6 address. Anything else is
    /// percent-decoded and mapped with IDNA (UTS #46), which lowercases and
    /// converts Unicode to punycode; a result whose last label is numeric is
    /// then an IPv4 address in any of the forms WHATWG accepts (`0x7f.1`,
    /// `0177.0.0.1`, `2130706433`).
    ///
    /// ```
    /// use corsair::origin::Host;
    ///
    /// assert_eq!(Host::parse("EXAMPLE.com")?, Host::Domain("example.com".into()));
    /// assert!(Host::parse("256.0.0.1").is_err());
    /// # Ok::<(), corsair::origin::OriginError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An empty host, a forbidden code point such as a space or `/`, a name
    /// IDNA rejects, or a malformed IPv4 or IPv6 address.
    pub fn parse(input: &str) -> Result<Self, OriginError> {
        if input.is_empty() {
            return Err(OriginError::EmptyHost);
        }
        if input.starts_with('[') {
            return input
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
                .map(Self::Ipv6)
                .ok_or_else(|| OriginError::InvalidIpv6 {
                    host: input.to_owned(),
                });
        }
        let decoded = percent_decode(input.as_bytes());
        // idna rejects these too, but only with an opaque error; finding the
        // offending code point ourselves lets the message name it.
        if let Some(&byte) = decoded.iter().find(|&&b| is_forbidden_domain_byte(b)) {
            return Err(OriginError::ForbiddenHostCodePoint {
                host: input.to_owned(),
                code_point: char::from(byte),
            });
        }
        let ascii =
            idna::domain_to_ascii_cow(&decoded, idna::AsciiDenyList::URL).map_err(|_| {
                OriginError::InvalidDomain {
                    host: input.to_owned(),
                }
            })?;
        if ascii.is_empty() {
            // Reached when every code point is one IDNA maps to nothing,
            // such as a soft hyphen.
            return Err(OriginError::EmptyHost);
        }
        if ends_in_a_number(&ascii) {
            return parse_ipv4(&ascii)
                .map(Self::Ipv4)
                .ok_or_else(|| OriginError::InvalidIpv4 {
                    host: input.to_owned(),
                });
        }
        Ok(Self::Domain(ascii.into_owned()))
    }

    /// Whether this is a domain rather than an IP address.
    pub fn is_domain(&self) -> bool {
        matches!(self, Self::Domain(_))
    }

    /// Whether this host is a loopback host: `127.0.0.0/8`, `[::1]`,
    /// `localhost`, or any `*.localhost` domain (with or without a trailing
    /// dot), which browsers treat as potentially trustworthy.
    ///
    /// ```
    /// use corsair::origin::Host;
    ///
    /// assert!(Host::parse("app.localhost")?.is_loopback());
    /// assert!(Host::parse("127.1.2.3")?.is_loopback());
    /// assert!(!Host::parse("localhost.example")?.is_loopback());
    /// # Ok::<(), corsair::origin::OriginError>(())
    /// ```
    pub fn is_loopback(&self) -> bool {
        match self {
            Self::Ipv4(address) => address.is_loopback(),
            Self::Ipv6(address) => address.is_loopback(),
            Self::Domain(domain) => is_loopback_domain(domain),
        }
    }
}

/// Whether a canonical domain names the loopback interface: `localhost` and its subdomains
/// (Secure Contexts, "potentially trustworthy URL"), with or without the root's trailing dot.
pub(crate) fn is_loopback_domain(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    domain == "localhost" || domain.ends_with(".localhost")
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(domain) => f.write_str(domain),
            Self::Ipv4(address) => address.fmt(f),
            Self::Ipv6(address) => {
                f.write_char('[')?;
                write_ipv6(address, f)?;
                f.write_char(']')
            }
        }
    }
}

/// WHATWG percent-decode: a `%` not followed by two hex digits stays as is
/// (and is then rejected as a forbidden code point).
fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        return Cow::Borrowed(input);
    }
    let mut output = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        let escaped = match (byte, tail) {
            (b'%', [high, low, ..]) => hex_value(*high).zip(hex_value(*low)),
            _ => None,
        };
        match escaped {
            Some((high, low)) => {
                output.push(high << 4 | low);
                rest = tail.get(2..).unwrap_or_default();
            }
            None => {
                output.push(byte);
                rest = tail;
            }
        }
    }
    Cow::Owned(output)
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// WHATWG "ends in a number": decides whether a host is an IPv4 address, so
/// that `example.123` is rejected rather than resolved as a name.
fn ends_in_a_number(domain: &str) -> bool {
    let mut labels = domain.rsplit('.');
    let Some(mut last) = labels.next() else {
        return false;
    };
    if last.is_empty() {
        match labels.next() {
            Some(previous) => last = previous,
            None => return false,
        }
    }
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    parse_ipv4_number(last).is_some()
}

/// WHATWG IPv4 number parser: decimal, `0x` hex or leading-`0` octal.
/// Values saturate, which is safe because anything above `u32::MAX` is
/// rejected by the caller's range checks anyway.
fn parse_ipv4_number(input: &str) -> Option<u64> {
    if input.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(hex) = input
        .strip_prefix("0x")
        .or_else(|| input.strip_prefix("0X"))
    {
        (hex, 16)
    } else if let Some(octal) = input.strip_prefix('0').filter(|rest| !rest.is_empty()) {
        (octal, 8)
    } else {
        (input, 10)
    };
    digits.chars().try_fold(0_u64, |value, c| {
        let digit = c.to_digit(radix)?;
        Some(
            value
                .saturating_mul(u64::from(radix))
                .saturating_add(u64::from(digit)),
        )
    })
}

/// WHATWG IPv4 parser: one to four parts, the last filling the remaining
/// bytes, so `127.1` is `127.0.0.1`.
fn parse_ipv4(input: &str) -> Option<Ipv4Addr> {
    let mut parts: Vec<&str> = input.split('.').collect();
    if parts.len() > 1 && parts.last().is_some_and(|part| part.is_empty()) {
        parts.pop();
    }
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|part| parse_ipv4_number(part))
        .collect::<Option<Vec<u64>>>()?;
    let (&last, leading) = numbers.split_last()?;
    if leading.iter().any(|&number| number > 255) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len());
    if last >= 1_u64 << last_bits {
        return None;
    }
    let prefix = leading.iter().fold(0_u64, |acc, &number| acc << 8 | number);
    u32::try_from(prefix << last_bits | last)
        .ok()
        .map(Ipv4Addr::from)
}

/// WHATWG IPv6 serializer. Unlike `Ipv6Addr`'s `Display`, it never writes
/// a dotted IPv4 tail, which is what browsers put in `Origin`.
fn write_ipv6(address: &Ipv6Addr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let pieces = address.segments();
    let compressed = longest_zero_run(&pieces);
    let mut index = 0;
    while let Some(piece) = pieces.get(index) {
        if let Some((start, len)) = compressed.filter(|&(start, _)| start == index) {
            f.write_str(if start == 0 { "::" } else { ":" })?;
            index += len;
            continue;
        }
        write!(f, "{piece:x}")?;
        if index + 1 < pieces.len() {
            f.write_char(':')?;
        }
        index += 1;
    }
    Ok(())
}

/// The first longest run of two or more zero pieces, as (start, length).
fn longest_zero_run(pieces: &[u16; 8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut run_start = None;
    for (index, &piece) in pieces.iter().chain(std::iter::once(&1)).enumerate() {
        match (piece, run_start) {
            (0, None) => run_start = Some(index),
            (0, Some(_)) => {}
            (_, Some(start)) => {
                let len = index - start;
                if len >= 2 && best.is_none_or(|(_, best_len)| len > best_len) {
                    best = Some((start, len));
                }
                run_start = None;
            }
            (_, None) => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(s: &str) -> Host {
        Host::Domain(s.to_owned())
    }

    fn v4(a: u8, b: u8, c: u8, d: u8) -> Host {
        Host::Ipv4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn parses_hosts_canonically() {
        let cases: &[(&str, Host, &str)] = &[
            // WHATWG URL: domains are ASCII-lowercased
            ("EXAMPLE.Com", domain("example.com"), "example.com"),
            // UTS #46: Unicode labels become punycode
            ("bücher.de", domain("xn--bcher-kva.de"), "xn--bcher-kva.de"),
            // UTS #46: mapping happens before punycode (uppercase Ü, fullwidth dot)
            ("BÜCHER。de", domain("xn--bcher-kva.de"), "xn--bcher-kva.de"),
            // UTS #46: valid punycode passes through unchanged
            (
                "xn--bcher-kva.de",
                domain("xn--bcher-kva.de"),
                "xn--bcher-kva.de",
            ),
            // WHATWG URL: hosts are percent-decoded before IDNA
            ("%65xample.com", domain("example.com"), "example.com"),
            // WHATWG URL: a trailing dot is part of the host
            ("example.com.", domain("example.com."), "example.com."),
            // WHATWG URL: `_` and `*` are not forbidden domain code points
            ("_dmarc.example", domain("_dmarc.example"), "_dmarc.example"),
            // UTS #46 with CheckHyphens=false: edge hyphens are allowed
            ("-a-.example", domain("-a-.example"), "-a-.example"),
            // WHATWG URL: a last label that is not a number keeps it a domain
            ("1.2.3.x", domain("1.2.3.x"), "1.2.3.x"),
            // WHATWG URL: IPv4 dotted decimal
            ("192.0.2.1", v4(192, 0, 2, 1), "192.0.2.1"),
            // WHATWG URL: IPv4 parser accepts hex parts
            ("0x7f.1", v4(127, 0, 0, 1), "127.0.0.1"),
            // WHATWG URL: IPv4 parser accepts uppercase hex after IDNA lowercasing
            ("0XC0.0XA8.0.1", v4(192, 168, 0, 1), "192.168.0.1"),
            // WHATWG URL: IPv4 parser reads a leading 0 as octal
            ("0177.0.0.01", v4(127, 0, 0, 1), "127.0.0.1"),
            // WHATWG URL: a single part fills all four bytes
            ("2130706433", v4(127, 0, 0, 1), "127.0.0.1"),
            // WHATWG URL: the last of three parts fills two bytes
            ("10.1.258", v4(10, 1, 1, 2), "10.1.1.2"),
            // WHATWG URL: `0x` alone is the number 0
            ("0x.0x.0x.0x", v4(0, 0, 0, 0), "0.0.0.0"),
            // WHATWG URL: one trailing dot is dropped before IPv4 parsing
            ("127.0.0.1.", v4(127, 0, 0, 1), "127.0.0.1"),
            // WHATWG URL: IDNA maps fullwidth digits, then IPv4 parsing applies
            ("１２７.０.０.１", v4(127, 0, 0, 1), "127.0.0.1"),
            // WHATWG URL: percent-decoding happens before IPv4 parsing
            ("127.0.0.%31", v4(127, 0, 0, 1), "127.0.0.1"),
            // WHATWG URL: IPv6 hex is lowercased, leading zeros dropped
            (
                "[2001:0DB8::0001]",
                Host::Ipv6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
                "[2001:db8::1]",
            ),
            // WHATWG URL: the longest zero run is compressed
            (
                "[1:0:0:2:0:0:0:3]",
                Host::Ipv6(Ipv6Addr::new(1, 0, 0, 2, 0, 0, 0, 3)),
                "[1:0:0:2::3]",
            ),
            // WHATWG URL: of equally long zero runs the first is compressed
            (
                "[1:0:0:2:0:0:3:4]",
                Host::Ipv6(Ipv6Addr::new(1, 0, 0, 2, 0, 0, 3, 4)),
                "[1::2:0:0:3:4]",
            ),
            // WHATWG URL: a single zero piece is not compressed
            (
                "[1:0:2:3:4:5:6:7]",
                Host::Ipv6(Ipv6Addr::new(1, 0, 2, 3, 4, 5, 6, 7)),
                "[1:0:2:3:4:5:6:7]",
            ),
            // WHATWG URL: leading and trailing zero runs
            (
                "[0:0:0:0:0:0:0:1]",
                Host::Ipv6(Ipv6Addr::LOCALHOST),
                "[::1]",
            ),
            (
                "[1:0:0:0:0:0:0:0]",
                Host::Ipv6(Ipv6Addr::new(1, 0, 0, 0, 0, 0, 0, 0)),
                "[1::]",
            ),
            ("[::]", Host::Ipv6(Ipv6Addr::UNSPECIFIED), "[::]"),
            // WHATWG URL: IPv6 is never serialized with a dotted IPv4 tail
            (
                "[::ffff:1.2.3.4]",
                Host::Ipv6(Ipv4Addr::new(1, 2, 3, 4).to_ipv6_mapped()),
                "[::ffff:102:304]",
            ),
            (
                "[::1.2.3.4]",
                Host::Ipv6(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0x102, 0x304)),
                "[::102:304]",
            ),
        ];
        for (input, host, canonical) in cases {
            let parsed = Host::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(&parsed, host, "{input}");
            assert_eq!(parsed.to_string(), *canonical, "{input}");
        }
    }

    #[test]
    fn rejects_invalid_hosts() {
        type Check = fn(&OriginError) -> bool;
        let cases: &[(&str, Check)] = &[
            // WHATWG URL: empty host is failure
            ("", |e| matches!(e, OriginError::EmptyHost)),
            // UTS #46: a host that maps to nothing is empty (U+00AD soft hyphen)
            ("\u{ad}", |e| matches!(e, OriginError::EmptyHost)),
            // WHATWG URL: space is a forbidden host code point
            ("a b.com", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: ' ',
                        ..
                    }
                )
            }),
            // WHATWG URL: C0 controls are forbidden domain code points
            ("a\tb.com", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: '\t',
                        ..
                    }
                )
            }),
            // WHATWG URL: DEL is a forbidden domain code point
            ("a\u{7f}.com", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: '\u{7f}',
                        ..
                    }
                )
            }),
            // WHATWG URL: an unbracketed IPv6 address has forbidden `:`
            ("::1", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: ':',
                        ..
                    }
                )
            }),
            // WHATWG URL: a `%` that is not a valid escape is forbidden
            ("a%zz.com", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: '%',
                        ..
                    }
                )
            }),
            // WHATWG URL: decoded escapes are checked too (`%2F` is `/`)
            ("a%2Fb.com", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: '/',
                        ..
                    }
                )
            }),
            // WHATWG URL: only one round of percent-decoding (`%252e` is `%2e`)
            ("a%252e.com", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: '%',
                        ..
                    }
                )
            }),
            // WHATWG URL: `]` outside brackets is forbidden
            ("a.com]", |e| {
                matches!(
                    e,
                    OriginError::ForbiddenHostCodePoint {
                        code_point: ']',
                        ..
                    }
                )
            }),
            // WHATWG URL: decoded bytes must be UTF-8
            ("%ff.com", |e| {
                matches!(e, OriginError::InvalidDomain { .. })
            }),
            // UTS #46: malformed punycode
            ("xn--a.com", |e| {
                matches!(e, OriginError::InvalidDomain { .. })
            }),
            // UTS #46: disallowed code point (U+FFFD)
            ("a\u{fffd}.com", |e| {
                matches!(e, OriginError::InvalidDomain { .. })
            }),
            // WHATWG URL: a numeric last label makes it IPv4; 5 parts fail
            ("1.2.3.4.5", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            // WHATWG URL: a numeric last label with a name before it fails
            ("example.123", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            // WHATWG URL: a hex last label counts as a number too
            ("example.0x1f", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            // WHATWG URL: non-last parts are at most 255
            ("256.0.0.1", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            // WHATWG URL: the last part must fit the remaining bytes
            ("1.2.3.256", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            ("4294967296", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            // WHATWG URL: `8` is not an octal digit
            ("08.0.0.1", |e| matches!(e, OriginError::InvalidIpv4 { .. })),
            // WHATWG URL: empty parts are failures
            ("1..2.3", |e| matches!(e, OriginError::InvalidIpv4 { .. })),
            // Huge numbers must neither overflow nor be accepted
            ("99999999999999999999999999", |e| {
                matches!(e, OriginError::InvalidIpv4 { .. })
            }),
            // WHATWG URL: unclosed bracket
            ("[::1", |e| matches!(e, OriginError::InvalidIpv6 { .. })),
            ("[", |e| matches!(e, OriginError::InvalidIpv6 { .. })),
            ("[]", |e| matches!(e, OriginError::InvalidIpv6 { .. })),
            // Zone ids are not part of URL hosts
            ("[fe80::1%eth0]", |e| {
                matches!(e, OriginError::InvalidIpv6 { .. })
            }),
            ("[fe80::1%25eth0]", |e| {
                matches!(e, OriginError::InvalidIpv6 { .. })
            }),
            // WHATWG URL: too many pieces, or an IPv4 address in brackets
            ("[1:2:3:4:5:6:7:8:9]", |e| {
                matches!(e, OriginError::InvalidIpv6 { .. })
            }),
            ("[127.0.0.1]", |e| {
                matches!(e, OriginError::InvalidIpv6 { .. })
            }),
            ("[::1]x", |e| matches!(e, OriginError::InvalidIpv6 { .. })),
        ];
        for (input, check) in cases {
            match Host::parse(input) {
                Ok(host) => panic!("{input:?} parsed as {host:?}"),
                Err(error) => assert!(check(&error), "{input:?}: {error:?}"),
            }
        }
    }

    #[test]
    fn loopback_hosts() {
        let cases: &[(&str, bool)] = &[
            // Secure Contexts: 127.0.0.0/8 is loopback
            ("127.0.0.1", true),
            ("127.255.0.9", true),
            ("128.0.0.1", false),
            // Secure Contexts: ::1/128 is loopback; IPv4-mapped is not
            ("[::1]", true),
            ("[::ffff:127.0.0.1]", false),
            // let-localhost-be-localhost: localhost and its subdomains
            ("localhost", true),
            ("LOCALHOST.", true),
            ("app.localhost", true),
            ("app.localhost.", true),
            ("localhost.example", false),
            ("notlocalhost", false),
        ];
        for (input, loopback) in cases {
            let host = Host::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(host.is_loopback(), *loopback, "{input}");
        }
    }

    #[test]
    fn is_domain_only_for_names() {
        assert!(domain("example.com").is_domain());
        assert!(!v4(127, 0, 0, 1).is_domain());
        assert!(!Host::Ipv6(Ipv6Addr::LOCALHOST).is_domain());
    }

    #[test]
    fn ipv6_serialization_matches_whatwg_for_all_zero_patterns() {
        // Exhaustive over which pieces are zero, against a direct transcription
        // of the WHATWG serializer algorithm.
        for mask in 0_u16..256 {
            let pieces: [u16; 8] = std::array::from_fn(|i| {
                if mask & (1 << i) == 0 {
                    0
                } else {
                    0xa0 + i as u16
                }
            });
            let address = Ipv6Addr::from(pieces);
            assert_eq!(
                Host::Ipv6(address).to_string(),
                format!("[{}]", reference_ipv6(pieces))
            );
            assert_eq!(address.to_string().parse::<Ipv6Addr>().ok(), Some(address));
        }
    }

    fn reference_ipv6(pieces: [u16; 8]) -> String {
        let mut compress = None;
        let mut best = 1;
        let mut i = 0;
        while i < 8 {
            let start = i;
            while i < 8 && pieces[i] == 0 {
                i += 1;
            }
            if i - start > best {
                best = i - start;
                compress = Some(start);
            }
            i += 1;
        }
        let mut output = String::new();
        let mut ignore0 = false;
        for (index, piece) in pieces.iter().enumerate() {
            if ignore0 && *piece == 0 {
                continue;
            }
            ignore0 = false;
            if compress == Some(index) {
                output.push_str(if index == 0 { "::" } else { ":" });
                ignore0 = true;
                continue;
            }
            output.push_str(&format!("{piece:x}"));
            if index != 7 {
                output.push(':');
            }
        }
        output
    }
}
