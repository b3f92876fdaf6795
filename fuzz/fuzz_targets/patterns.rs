//! The compiled origin lookup against the reference matcher of the property tests
//! (`crates/corsair/tests/reference`): any disagreement crashes, a wrong grant above all.

#![no_main]

use corsair::Config;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/corsair/tests/reference/mod.rs"]
mod reference;

use reference::{Pattern, Port, allows};

/// Labels of the reference's alphabet; none is numeric, so no domain reads as IPv4.
const LABELS: &[&str] = &["a", "b", "ab", "c-d", "a_b", "xn--bcher-kva", "1a", "zz"];
const IPS: &[&str] = &["127.0.0.1", "10.0.0.1", "[::1]", "[2001:db8::1]"];

#[derive(Arbitrary, Debug)]
struct Input {
    patterns: Vec<PatternSeed>,
    origins: Vec<OriginSeed>,
}

#[derive(Arbitrary, Debug)]
struct PatternSeed {
    https: bool,
    host: HostSeed,
    subdomains: bool,
    port: PortSeed,
}

#[derive(Arbitrary, Debug)]
enum HostSeed {
    Domain(Vec<u8>),
    Ip(u8),
}

#[derive(Arbitrary, Debug)]
enum PortSeed {
    Default,
    Explicit(u16),
    Any,
}

#[derive(Arbitrary, Debug)]
enum OriginSeed {
    /// Built from one of the patterns' parts, then perhaps misspelled.
    Near {
        pattern: u8,
        flip_scheme: bool,
        labels: Vec<u8>,
        port: Option<u16>,
        mutation: u8,
    },
    Raw(String),
}

fn domain(indices: &[u8]) -> String {
    let labels: Vec<&str> = indices
        .iter()
        .take(6)
        .map(|&i| LABELS[usize::from(i) % LABELS.len()])
        .collect();
    if labels.is_empty() {
        "a".to_owned()
    } else {
        labels.join(".")
    }
}

fn pattern(seed: &PatternSeed) -> Pattern {
    let scheme = if seed.https { "https" } else { "http" };
    let default = if seed.https { 443 } else { 80 };
    let (host, subdomains) = match &seed.host {
        HostSeed::Domain(indices) => (domain(indices), seed.subdomains),
        HostSeed::Ip(i) => (IPS[usize::from(*i) % IPS.len()].to_owned(), false),
    };
    let port = match seed.port {
        PortSeed::Explicit(port) if port != 0 && port != default => Port::Explicit(port),
        PortSeed::Default | PortSeed::Explicit(_) => Port::Default,
        PortSeed::Any => Port::Any,
    };
    Pattern {
        scheme,
        host,
        subdomains,
        port,
    }
}

fn origin(seed: &OriginSeed, patterns: &[Pattern]) -> String {
    let (pattern, flip_scheme, labels, port, mutation) = match seed {
        OriginSeed::Raw(raw) => return raw.clone(),
        OriginSeed::Near {
            pattern,
            flip_scheme,
            labels,
            port,
            mutation,
        } => (pattern, flip_scheme, labels, port, mutation),
    };
    let near = &patterns[usize::from(*pattern) % patterns.len()];
    let scheme = match (near.scheme, flip_scheme) {
        ("https", false) | ("http", true) => "https",
        _ => "http",
    };
    let host = if labels.is_empty() {
        near.host.clone()
    } else {
        format!("{}.{}", domain(labels), near.host)
    };
    let port = port.map(|port| format!(":{port}")).unwrap_or_default();
    let written = format!("{scheme}://{host}{port}");
    match mutation % 8 {
        0 | 1 | 2 => written,
        3 => written.to_uppercase(),
        4 => format!("{written}/"),
        5 => format!("{scheme}://{host}.{port}"),
        6 => format!("{scheme}://.{host}{port}"),
        _ => format!("{scheme}://{host}:0{}", port.trim_start_matches(':')),
    }
}

fuzz_target!(|input: Input| {
    let patterns: Vec<Pattern> = input.patterns.iter().take(8).map(pattern).collect();
    if patterns.is_empty() {
        return;
    }
    let written: Vec<String> = patterns.iter().map(Pattern::written).collect();
    let policy = Config::new()
        .allow_origins(written.iter().cloned())
        .build()
        .unwrap_or_else(|errors| panic!("{written:?} is refused: {errors}"));
    for seed in input.origins.iter().take(16) {
        let origin = origin(seed, &patterns);
        let expected = patterns.iter().any(|pattern| pattern.matches(&origin));
        assert_eq!(
            allows(&policy, &origin),
            expected,
            "{origin:?} against {written:?}: the compiled lookup disagrees with the reference"
        );
        let single = policy.origins().iter().any(|p| p.matches(&origin));
        assert_eq!(
            single, expected,
            "{origin:?} against {written:?}: OriginPattern::matches disagrees with the reference"
        );
    }
});
