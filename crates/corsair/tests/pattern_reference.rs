//! The compiled origin lookup agrees with a naive reference: each pattern checked on its own
//! with plain string operations, sharing no code with the library's matcher.

use corsair::Config;
use proptest::prelude::*;

mod reference;

use reference::{Pattern, Port, allows};

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]",
        "[a-c]{2}",
        Just("xn--bcher-kva".to_owned()),
        Just("a_b".to_owned())
    ]
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|labels| labels.join("."))
}

fn ip() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["127.0.0.1", "10.0.0.1", "[::1]", "[2001:db8::1]"])
        .prop_map(str::to_owned)
}

fn scheme() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["http", "https"])
}

fn explicit_port(scheme: &'static str) -> impl Strategy<Value = u16> {
    prop::sample::select(vec![8080u16, 3000, 443, 80, 65535])
        .prop_filter("not the default port", move |port| {
            *port != if scheme == "https" { 443 } else { 80 }
        })
}

fn pattern() -> impl Strategy<Value = Pattern> {
    scheme().prop_flat_map(|scheme| {
        let port = prop_oneof![
            Just(Port::Default),
            explicit_port(scheme).prop_map(Port::Explicit),
            Just(Port::Any),
        ];
        let host = prop_oneof![
            3 => (domain(), any::<bool>()),
            1 => (ip(), Just(false)),
        ];
        (host, port).prop_map(move |((host, subdomains), port)| Pattern {
            scheme,
            host,
            subdomains,
            port,
        })
    })
}

/// Origins near the patterns (same alphabet), and variants no browser sends.
fn origin() -> impl Strategy<Value = String> {
    let canonical = scheme().prop_flat_map(|scheme| {
        let host = prop_oneof![3 => domain(), 1 => ip()];
        let port = prop_oneof![
            Just(String::new()),
            explicit_port(scheme).prop_map(|port| format!(":{port}")),
        ];
        (host, port).prop_map(move |(host, port)| format!("{scheme}://{host}{port}"))
    });
    prop_oneof![
        10 => canonical,
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{d}/")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{d}.")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{}", d.to_uppercase())),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://.{d}")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://a..{d}")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{d}:080")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{d}:443")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://x!{d}")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{}{d}", "a.".repeat(130))),
        1 => "\\PC{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_lookup_matches_naive_scan(
        patterns in prop::collection::vec(pattern(), 1..8),
        origins in prop::collection::vec(origin(), 1..16),
    ) {
        let written: Vec<String> = patterns.iter().map(Pattern::written).collect();
        let policy = Config::new().allow_origins(written.clone()).build().unwrap();
        for origin in &origins {
            let naive = patterns.iter().any(|pattern| pattern.matches(origin));
            prop_assert_eq!(allows(&policy, origin), naive, "origin {} patterns {:?}", origin, written);
            // The library's own single-pattern check agrees too.
            let single = policy.origins().iter().any(|p| p.matches(origin));
            prop_assert_eq!(single, naive, "OriginPattern::matches on {}", origin);
        }
    }
}
