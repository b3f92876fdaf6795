//! Host parsing and serialization against the WHATWG URL Standard's cases.

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
