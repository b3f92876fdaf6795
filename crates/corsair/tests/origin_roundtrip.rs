//! Property tests: canonical origins survive serialize/parse round trips,
//! lenient spellings canonicalize to the same value, and no input panics.

use std::net::{Ipv4Addr, Ipv6Addr};

use corsair::origin::{Host, Origin, TupleOrigin, default_port};
use proptest::prelude::*;

fn scheme() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "http",
            "https",
            "ws",
            "wss",
            "ftp",
            "chrome-extension"
        ])
        .prop_map(str::to_owned),
        "[a-z][a-z0-9+.-]{0,10}".prop_filter("file origins are opaque", |s| s != "file"),
    ]
}

/// Whether WHATWG would read this last label as a number (and the host as
/// IPv4): all digits, or `0x` followed by hex digits.
fn numeric_label(label: &str) -> bool {
    label.bytes().all(|b| b.is_ascii_digit())
        || label
            .strip_prefix("0x")
            .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn ldh_domain() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?", 1..5)
        .prop_filter("the last label must not be a number", |labels| {
            labels.last().is_some_and(|label| !numeric_label(label))
        })
        .prop_filter("`xn--` labels must be valid punycode", |labels| {
            labels.iter().all(|label| !label.starts_with("xn--"))
        })
        .prop_map(|labels| labels.join("."))
}

fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    prop_oneof![
        any::<[u16; 8]>().prop_map(Ipv6Addr::from),
        // Zero runs of every length and position exercise `::` placement.
        (any::<[u16; 8]>(), 0..8_usize, 0..=8_usize).prop_map(|(mut pieces, start, len)| {
            for piece in pieces.iter_mut().skip(start).take(len) {
                *piece = 0;
            }
            Ipv6Addr::from(pieces)
        }),
        any::<[u16; 8]>().prop_map(|pieces| Ipv6Addr::from(pieces.map(|p| p % 2))),
        any::<[u8; 4]>().prop_map(|octets| Ipv4Addr::from(octets).to_ipv6_mapped()),
        any::<[u8; 4]>().prop_map(|octets| Ipv4Addr::from(octets).to_ipv6_compatible()),
        Just(Ipv6Addr::LOCALHOST),
        Just(Ipv6Addr::UNSPECIFIED),
    ]
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        4 => ldh_domain().prop_map(Host::Domain),
        1 => prop::sample::select(vec!["localhost", "app.localhost", "example.com."])
            .prop_map(|d| Host::Domain(d.to_owned())),
        // Unicode names reach the canonical form through IDNA.
        1 => "[a-zäöüéñßαβж]{1,8}\\.(de|com|рф)"
            .prop_filter_map("IDNA may reject a label", |d| Host::parse(&d).ok()),
        2 => any::<[u8; 4]>().prop_map(|octets| Host::Ipv4(Ipv4Addr::from(octets))),
        2 => ipv6().prop_map(Host::Ipv6),
    ]
}

fn port() -> impl Strategy<Value = Option<u16>> {
    prop_oneof![
        Just(None),
        (1..=u16::MAX).prop_map(Some),
        prop::sample::select(vec![21_u16, 80, 443]).prop_map(Some),
    ]
}

fn tuple_origin() -> impl Strategy<Value = TupleOrigin> {
    (scheme(), host(), port()).prop_map(|(scheme, host, port)| {
        TupleOrigin::new(&scheme, host, port).expect("generated parts are valid")
    })
}

/// The canonical serialization, written independently of the crate: IPv6
/// via `Ipv6Addr`'s RFC 5952 `Display`, which agrees with WHATWG except for
/// the dotted tail it gives IPv4-mapped addresses.
fn reference_serialization(scheme: &str, host: &Host, port: Option<u16>) -> String {
    let host = match host {
        Host::Domain(domain) => domain.clone(),
        Host::Ipv4(address) => address.to_string(),
        Host::Ipv6(address) => match address.to_ipv4_mapped() {
            Some(v4) => {
                let [a, b, c, d] = v4.octets();
                format!(
                    "[::ffff:{:x}:{:x}]",
                    u16::from_be_bytes([a, b]),
                    u16::from_be_bytes([c, d])
                )
            }
            None => format!("[{address}]"),
        },
    };
    match port.filter(|&port| default_port(scheme) != Some(port)) {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

fn flip_case(s: &str, upper: &[bool]) -> String {
    s.chars()
        .zip(upper.iter().cycle())
        .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn structured_origins_round_trip(tuple in tuple_origin()) {
        let origin = Origin::from(tuple);
        let serialized = origin.to_string();
        let reparsed = Origin::parse(&serialized);
        prop_assert_eq!(reparsed.as_ref(), Ok(&origin), "{}", serialized);
        prop_assert_eq!(reparsed.map(|o| o.to_string()), Ok(serialized));
    }

    #[test]
    fn canonical_strings_are_fixed_points(scheme in scheme(), host in host(), port in port()) {
        let canonical = reference_serialization(&scheme, &host, port);
        let parsed = Origin::parse(&canonical).map(|o| o.to_string());
        prop_assert_eq!(parsed, Ok(canonical));
    }

    #[test]
    fn lenient_spellings_canonicalize(
        tuple in tuple_origin(),
        upper in prop::collection::vec(any::<bool>(), 1..8),
        explicit_default_port in any::<bool>(),
        leading_zeros in 0..3_usize,
        trailing_slash in any::<bool>(),
    ) {
        let scheme = flip_case(tuple.scheme(), &upper);
        let host = flip_case(&tuple.host().to_string(), &upper);
        let port = tuple.port().or(default_port(tuple.scheme()).filter(|_| explicit_default_port));
        let port = port.map(|p| format!(":{}{p}", "0".repeat(leading_zeros))).unwrap_or_default();
        let slash = if trailing_slash { "/" } else { "" };
        let spelling = format!("{scheme}://{host}{port}{slash}");
        prop_assert_eq!(Origin::parse(&spelling), Ok(Origin::from(tuple)), "{}", spelling);
    }

    #[test]
    fn printable_strings_never_panic_and_are_idempotent(input in "\\PC*") {
        if let Ok(origin) = Origin::parse(&input) {
            prop_assert_eq!(Origin::parse(&origin.to_string()), Ok(origin));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_are_idempotent(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let input = String::from_utf8_lossy(&bytes);
        if let Ok(origin) = Origin::parse(&input) {
            prop_assert_eq!(Origin::parse(&origin.to_string()), Ok(origin));
        }
    }

    #[test]
    fn origin_like_strings_never_panic_and_are_idempotent(
        input in "(null|[a-zA-Z][a-zA-Z0-9+.-]{0,6}:(//)?)[a-zA-Z0-9.:\\[\\]%@/?#\\\\ü_-]{0,24}",
    ) {
        if let Ok(origin) = Origin::parse(&input) {
            prop_assert_eq!(Origin::parse(&origin.to_string()), Ok(origin));
        }
    }
}
