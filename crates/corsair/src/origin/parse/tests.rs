//! Origin parsing against the spec cases: what canonicalizes, what is refused, and how the
//! messages say to fix it.

use super::*;

#[test]
fn canonicalizes_origins() {
    let cases: &[(&str, &str)] = &[
        // HTML: the opaque origin serializes as `null`
        ("null", "null"),
        // Canonical forms are fixed points
        ("https://example.com", "https://example.com"),
        ("http://example.com:8080", "http://example.com:8080"),
        // RFC 3986: schemes are case-insensitive, canonically lowercase
        ("HTTPS://example.com", "https://example.com"),
        // WHATWG URL: domains are lowercased
        ("https://EXAMPLE.com", "https://example.com"),
        // WHATWG URL: a Unicode host becomes punycode
        ("https://bücher.de", "https://xn--bcher-kva.de"),
        // WHATWG URL: the scheme's default port is dropped
        ("https://a.com:443", "https://a.com"),
        ("http://a.com:80", "http://a.com"),
        ("ws://a.com:80", "ws://a.com"),
        ("wss://a.com:443", "wss://a.com"),
        ("ftp://a.com:21", "ftp://a.com"),
        // A port that is another scheme's default is kept
        ("https://a.com:80", "https://a.com:80"),
        ("http://a.com:443", "http://a.com:443"),
        // Schemes without a default port keep every port
        (
            "chrome-extension://abcdef:443",
            "chrome-extension://abcdef:443",
        ),
        // Leniency: leading zeros in the port
        ("http://a.com:0080", "http://a.com"),
        ("http://a.com:08080", "http://a.com:8080"),
        // WHATWG URL: an empty port is dropped
        ("https://a.com:", "https://a.com"),
        // Leniency: one trailing `/` (the empty path of a URL)
        ("https://a.com/", "https://a.com"),
        ("https://a.com:8443/", "https://a.com:8443"),
        // WHATWG URL: IPv4 parser accepts hex parts
        ("http://0x7f.1", "http://127.0.0.1"),
        // WHATWG URL: a single IPv4 number fills all four bytes
        ("http://2130706433:3000", "http://127.0.0.1:3000"),
        // WHATWG URL: IPv6 is compressed and bracketed, port outside
        ("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"),
        // WHATWG URL: IPv6 never gets a dotted IPv4 tail
        ("https://[::FFFF:1.2.3.4]", "https://[::ffff:102:304]"),
        // WHATWG URL: empty port after an IPv6 host
        ("http://[::1]:", "http://[::1]"),
        // Chromium: extension schemes are standard, hosts canonicalized
        ("chrome-extension://ABCDEF", "chrome-extension://abcdef"),
        ("moz-extension://0A1B-2C3D", "moz-extension://0a1b-2c3d"),
        // RFC 3986: `+`, `-`, `.` are scheme characters
        ("git+ssh.v2://host", "git+ssh.v2://host"),
        // WHATWG URL: percent-escapes in the host are decoded
        ("https://%65xample.com", "https://example.com"),
        // WHATWG URL: a trailing dot is part of the host
        ("https://example.com.", "https://example.com."),
    ];
    for (input, canonical) in cases {
        let origin = Origin::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(origin.to_string(), *canonical, "{input}");
        assert_eq!(Origin::parse(canonical).as_ref(), Ok(&origin), "{input}");
    }
}

#[test]
fn rejects_non_origins() {
    type Check = fn(&OriginError) -> bool;
    let cases: &[(&str, Check)] = &[
        ("", |e| matches!(e, OriginError::Empty)),
        // Leading/trailing whitespace or controls: remove them
        (" https://a.com", |e| {
            matches!(e, OriginError::SurroundingWhitespace { .. })
        }),
        ("https://a.com\n", |e| {
            matches!(e, OriginError::SurroundingWhitespace { .. })
        }),
        ("https://a.com\u{a0}", |e| {
            matches!(e, OriginError::SurroundingWhitespace { .. })
        }),
        ("\u{0}null", |e| {
            matches!(e, OriginError::SurroundingWhitespace { .. })
        }),
        ("   ", |e| {
            matches!(e, OriginError::SurroundingWhitespace { .. })
        }),
        // HTML: only lowercase `null` is the opaque origin
        ("NULL", |e| matches!(e, OriginError::NullCase { .. })),
        ("Null", |e| matches!(e, OriginError::NullCase { .. })),
        // No `://`: a bare host, a missing `//`, or not an origin at all
        ("example.com", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        ("localhost:3000", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        ("https:example.com", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        ("https:/example.com", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        (":::", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        ("data:text/plain,hi", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        ("*", |e| {
            matches!(e, OriginError::MissingSchemeSeparator { .. })
        }),
        // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        ("://a.com", |e| matches!(e, OriginError::EmptyScheme)),
        ("1http://a.com", |e| {
            matches!(e, OriginError::InvalidScheme { .. })
        }),
        ("ht_tp://a.com", |e| {
            matches!(e, OriginError::InvalidScheme { .. })
        }),
        ("htt\u{fc}p://a.com", |e| {
            matches!(e, OriginError::InvalidScheme { .. })
        }),
        // HTML: file: pages have opaque origins
        ("file:///etc/passwd", |e| {
            matches!(e, OriginError::FileScheme)
        }),
        ("FILE://host", |e| matches!(e, OriginError::FileScheme)),
        ("file:/x", |e| matches!(e, OriginError::FileScheme)),
        // RFC 6454: an origin has no userinfo
        ("https://user@a.com", |e| {
            matches!(e, OriginError::Userinfo { .. })
        }),
        ("https://user:pass@a.com", |e| {
            matches!(e, OriginError::Userinfo { .. })
        }),
        // RFC 6454: an origin has no path, query or fragment
        ("https://a.com/path", |e| {
            matches!(e, OriginError::PathQueryOrFragment { .. })
        }),
        ("https://a.com?q", |e| {
            matches!(e, OriginError::PathQueryOrFragment { .. })
        }),
        ("https://a.com#f", |e| {
            matches!(e, OriginError::PathQueryOrFragment { .. })
        }),
        ("https://a.com//", |e| {
            matches!(e, OriginError::PathQueryOrFragment { .. })
        }),
        ("https://a.com\\", |e| {
            matches!(e, OriginError::PathQueryOrFragment { .. })
        }),
        ("https://a.com/x@y", |e| {
            matches!(e, OriginError::PathQueryOrFragment { .. })
        }),
        // Ports are decimal digits from 1 to 65535
        ("https://a.com:0", |e| {
            matches!(e, OriginError::PortOutOfRange { .. })
        }),
        ("https://a.com:000", |e| {
            matches!(e, OriginError::PortOutOfRange { .. })
        }),
        ("https://a.com:65536", |e| {
            matches!(e, OriginError::PortOutOfRange { .. })
        }),
        ("https://a.com:99999999999999999999", |e| {
            matches!(e, OriginError::PortOutOfRange { .. })
        }),
        ("https://a.com:http", |e| {
            matches!(e, OriginError::InvalidPort { .. })
        }),
        ("https://a.com:+80", |e| {
            matches!(e, OriginError::InvalidPort { .. })
        }),
        ("https://a.com:8 0", |e| {
            matches!(e, OriginError::InvalidPort { .. })
        }),
        ("https://a.com:80:80", |e| {
            matches!(e, OriginError::InvalidPort { .. })
        }),
        ("https://a.com:٨٠", |e| {
            matches!(e, OriginError::InvalidPort { .. })
        }),
        ("https://[::1]:x", |e| {
            matches!(e, OriginError::InvalidPort { .. })
        }),
        // WHATWG URL: empty host is failure
        ("https://", |e| matches!(e, OriginError::EmptyHost)),
        ("https://:8080", |e| matches!(e, OriginError::EmptyHost)),
        ("https:///a.com", |e| matches!(e, OriginError::EmptyHost)),
        ("https://:::", |e| matches!(e, OriginError::EmptyHost)),
        // WHATWG URL: forbidden host code points
        ("https://a b.com", |e| {
            matches!(e, OriginError::ForbiddenHostCodePoint { .. })
        }),
        ("https://a<b.com", |e| {
            matches!(e, OriginError::ForbiddenHostCodePoint { .. })
        }),
        // WHATWG URL: IPv4 out of range
        ("http://256.256.256.256", |e| {
            matches!(e, OriginError::InvalidIpv4 { .. })
        }),
        // WHATWG URL: malformed IPv6
        ("https://[", |e| {
            matches!(e, OriginError::InvalidIpv6 { .. })
        }),
        ("https://[::1", |e| {
            matches!(e, OriginError::InvalidIpv6 { .. })
        }),
        ("https://[::1]x", |e| {
            matches!(e, OriginError::InvalidIpv6 { .. })
        }),
        ("https://[::1%25lo]", |e| {
            matches!(e, OriginError::InvalidIpv6 { .. })
        }),
        // UTS #46: invalid punycode
        ("https://xn--a.com", |e| {
            matches!(e, OriginError::InvalidDomain { .. })
        }),
    ];
    for (input, check) in cases {
        match Origin::parse(input) {
            Ok(origin) => panic!("{input:?} parsed as {origin}"),
            Err(error) => assert!(check(&error), "{input:?}: {error:?}"),
        }
    }
}

#[test]
fn messages_say_how_to_fix() {
    let cases: &[(&str, &str)] = &[
        ("example.com", "did you mean `https://example.com`?"),
        (
            "example.com:8443/",
            "did you mean `https://example.com:8443`?",
        ),
        ("localhost:3000", "did you mean `http://localhost:3000`?"),
        ("//127.0.0.1:8000", "did you mean `http://127.0.0.1:8000`?"),
        ("https:/example.com", "did you mean `https://example.com`?"),
        ("https:example.com", "did you mean `https://example.com`?"),
        ("data:text/plain,hi", "e.g. `https://example.com`"),
        ("mailto:a.com", "e.g. `https://example.com`"),
        ("NULL", "lowercase `null`"),
        (" https://a.com ", "remove them: `https://a.com`"),
        (
            "https://a.com/path?q#f",
            "write just the origin: `https://a.com`",
        ),
        (
            "HTTPS://A.com:443/x",
            "write just the origin: `https://a.com`",
        ),
        ("https://user:pw@a.com", "remove it: `https://a.com`"),
        ("file:///x", "write `null` instead"),
        ("https://a.com:0", "from 1 to 65535"),
        ("https://a\tb.com", "'\\t' (U+0009)"),
        ("https://a%3Ab", "square brackets"),
        ("https://[fe80::1%25eth0]", "without a zone id"),
    ];
    for (input, expected) in cases {
        let message = Origin::parse(input).map_or_else(|e| e.to_string(), |o| o.to_string());
        assert!(message.contains(expected), "{input:?}: {message}");
    }
}

#[test]
fn parse_port_bounds() {
    assert_eq!(parse_port("1"), Ok(1));
    assert_eq!(parse_port("65535"), Ok(65535));
    assert_eq!(parse_port("000000000000443"), Ok(443));
    assert!(matches!(
        parse_port(""),
        Err(OriginError::InvalidPort { .. })
    ));
    assert!(matches!(
        parse_port("-1"),
        Err(OriginError::InvalidPort { .. })
    ));
    assert!(matches!(
        parse_port("0"),
        Err(OriginError::PortOutOfRange { .. })
    ));
    assert!(matches!(
        parse_port("65536"),
        Err(OriginError::PortOutOfRange { .. })
    ));
    assert!(matches!(
        parse_port("99999"),
        Err(OriginError::PortOutOfRange { .. })
    ));
    assert!(matches!(
        parse_port("100000"),
        Err(OriginError::PortOutOfRange { .. })
    ));
}

#[test]
fn parse_scheme_validates_and_lowercases() {
    assert_eq!(parse_scheme("HTTPS").as_deref(), Ok("https"));
    assert_eq!(parse_scheme("a1+-.").as_deref(), Ok("a1+-."));
    // Patterns reuse this, and may legitimately name `file`.
    assert_eq!(parse_scheme("file").as_deref(), Ok("file"));
    assert_eq!(parse_scheme(""), Err(OriginError::EmptyScheme));
    assert!(matches!(
        parse_scheme("-a"),
        Err(OriginError::InvalidScheme { .. })
    ));
    assert!(matches!(
        parse_scheme("a b"),
        Err(OriginError::InvalidScheme { .. })
    ));
}

#[test]
fn default_ports() {
    assert_eq!(default_port("http"), Some(80));
    assert_eq!(default_port("HTTPS"), Some(443));
    assert_eq!(default_port("ws"), Some(80));
    assert_eq!(default_port("wss"), Some(443));
    assert_eq!(default_port("ftp"), Some(21));
    assert_eq!(default_port("gopher"), None);
    assert_eq!(default_port(""), None);
}

#[test]
fn tuple_origin_new_canonicalizes() {
    let tuple = TupleOrigin::new("WSS", Host::Domain("Bücher.DE".to_owned()), Some(443));
    assert_eq!(
        tuple.map(|t| t.to_string()).as_deref(),
        Ok("wss://xn--bcher-kva.de")
    );
    let tuple = TupleOrigin::new("http", Host::Domain("[::1]".to_owned()), Some(8080));
    assert_eq!(
        tuple.map(|t| t.to_string()).as_deref(),
        Ok("http://[::1]:8080")
    );
    let ok = TupleOrigin::new("https", Host::Ipv4([10, 0, 0, 1].into()), None);
    assert_eq!(
        ok.map(Origin::from).map(|o| o.to_string()).as_deref(),
        Ok("https://10.0.0.1")
    );
    assert_eq!(
        TupleOrigin::new("file", Host::Domain("a".to_owned()), None),
        Err(OriginError::FileScheme)
    );
    assert!(matches!(
        TupleOrigin::new("https", Host::Domain("a b".to_owned()), None),
        Err(OriginError::ForbiddenHostCodePoint { .. })
    ));
    assert!(matches!(
        TupleOrigin::new("https", Host::Domain("a".to_owned()), Some(0)),
        Err(OriginError::PortOutOfRange { .. })
    ));
}

#[test]
fn accessors() {
    let origin: Origin = "http://[::1]:8080".parse().unwrap_or(Origin::Opaque);
    assert!(!origin.is_opaque());
    assert_eq!(origin.scheme(), Some("http"));
    assert_eq!(
        origin.host(),
        Some(&Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
    );
    assert_eq!(origin.port(), Some(8080));
    let opaque = Origin::Opaque;
    assert!(opaque.is_opaque());
    assert_eq!(
        (opaque.scheme(), opaque.host(), opaque.port()),
        (None, None, None)
    );
    assert_eq!(
        Origin::parse("https://a.com:443").map(|o| o.port()),
        Ok(None)
    );
}

#[test]
fn never_panics_on_awkward_input() {
    let long_host = format!("https://{}", "a".repeat(100_000));
    let long_port = format!("https://a.com:{}", "9".repeat(100_000));
    let many_dots = format!("http://{}1", "1.".repeat(10_000));
    let inputs = [
        ":",
        "::",
        ":::",
        "[",
        "]",
        "[:",
        "https://[",
        "https://]",
        "https://[]",
        "https://[::1",
        "https://@",
        "https://@@",
        "https://a@",
        "https://:",
        "https://%",
        "https://%%",
        "https://%2",
        "https://\u{0}",
        "https://\u{10ffff}",
        "a:",
        "a://",
        "//",
        "/",
        "https://a.com:99999999999999999999",
        &long_host,
        &long_port,
        &many_dots,
    ];
    for input in inputs {
        if let Ok(origin) = Origin::parse(input) {
            assert_eq!(Origin::parse(&origin.to_string()), Ok(origin), "{input:?}");
        }
    }
}
