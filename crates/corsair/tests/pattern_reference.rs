//! The compiled origin lookup agrees with a naive scan of the patterns, one by one.

use corsair::{Config, Evaluation, OriginPattern, Policy, RequestHead};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    prop_oneof!["[a-c]", "[a-c]{2}", Just("xn--bcher-kva".to_owned())]
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|labels| labels.join("."))
}

fn scheme() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("http"), Just("https")]
}

fn port() -> impl Strategy<Value = Option<u16>> {
    prop_oneof![
        Just(None),
        Just(Some(8080)),
        Just(Some(3000)),
        Just(Some(443)),
        Just(Some(80))
    ]
}

fn port_suffix(scheme: &str, port: Option<u16>) -> String {
    match port {
        Some(port) if corsair::origin::default_port(scheme) != Some(port) => format!(":{port}"),
        _ => String::new(),
    }
}

fn pattern() -> impl Strategy<Value = String> {
    (scheme(), domain(), port(), 0..4u8).prop_map(|(scheme, domain, port, kind)| {
        let port = port_suffix(scheme, port);
        match kind {
            0 => format!("{scheme}://{domain}{port}"),
            1 => format!("{scheme}://*.{domain}{port}"),
            2 => format!("{scheme}://{domain}:*"),
            _ => format!("{scheme}://*.{domain}:*"),
        }
    })
}

/// Origins near the patterns (same small alphabet), plus malformed variants.
fn origin() -> impl Strategy<Value = String> {
    let canonical = (scheme(), domain(), port()).prop_map(|(scheme, domain, port)| {
        format!("{scheme}://{domain}{}", port_suffix(scheme, port))
    });
    prop_oneof![
        8 => canonical,
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{d}/")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{}", d.to_uppercase())),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://.{d}")),
        1 => (scheme(), domain()).prop_map(|(s, d)| format!("{s}://{d}:080")),
        1 => "\\PC{0,30}",
    ]
}

fn allows(policy: &Policy, origin: &str) -> bool {
    let Ok(request) = http::Request::get("/").header("origin", origin).body(()) else {
        return false;
    };
    match policy.evaluate(&RequestHead::from(&request)) {
        Evaluation::Actual(cors) => cors.is_allowed(),
        Evaluation::Preflight(_) => unreachable!("GET is never a preflight"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_lookup_matches_naive_scan(
        patterns in prop::collection::vec(pattern(), 1..8),
        origins in prop::collection::vec(origin(), 1..16),
    ) {
        let policy = Config::new().allow_origins(patterns.clone()).build().unwrap();
        let parsed: Vec<OriginPattern> =
            patterns.iter().map(|p| OriginPattern::parse(p).unwrap()).collect();
        for origin in &origins {
            let naive = parsed.iter().any(|pattern| pattern.matches(origin));
            prop_assert_eq!(allows(&policy, origin), naive, "origin {} patterns {:?}", origin, patterns);
        }
    }
}
