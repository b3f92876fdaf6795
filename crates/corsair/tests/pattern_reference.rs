//! The compiled origin lookup agrees with a naive reference: each pattern checked on its own
//! with plain string operations, sharing no code with the library's matcher.

use corsair::{Config, Evaluation, Policy, RequestHead};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Port {
    Default,
    Explicit(u16),
    Any,
}

#[derive(Debug, Clone)]
struct Pattern {
    scheme: &'static str,
    host: String,
    subdomains: bool,
    port: Port,
}

impl Pattern {
    fn written(&self) -> String {
        let star = if self.subdomains { "*." } else { "" };
        let port = match self.port {
            Port::Default => String::new(),
            Port::Explicit(port) => format!(":{port}"),
            Port::Any => ":*".to_owned(),
        };
        format!("{}://{star}{}{port}", self.scheme, self.host)
    }

    /// The reference: does `origin` name this scheme, a covered host and a covered port, in
    /// the exact form browsers serialize?
    fn matches(&self, origin: &str) -> bool {
        let Some(authority) = origin.strip_prefix(&format!("{}://", self.scheme)) else {
            return false;
        };
        let (host, port) = split_port(authority);
        let host_ok = if self.subdomains {
            host.len() <= 253
                && host
                    .strip_suffix(&format!(".{}", self.host))
                    .is_some_and(|labels| {
                        labels.split('.').all(|label| {
                            !label.is_empty() && label.chars().all(is_canonical_host_char)
                        })
                    })
        } else {
            host == self.host
        };
        let port_ok = match (&self.port, port) {
            (Port::Default, None) => true,
            (Port::Explicit(expected), Some(digits)) => digits == expected.to_string(),
            (Port::Any, None) => true,
            (Port::Any, Some(digits)) => is_canonical_port(self.scheme, digits),
            _ => false,
        };
        host_ok && port_ok
    }
}

/// Splits `host[:port]`; a `:` inside IPv6 brackets is not a port separator.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => {
            (&authority[..colon], Some(&authority[colon + 1..]))
        }
        _ => (authority, None),
    }
}

fn is_canonical_host_char(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_uppercase() && !"#/:<>?@[\\]^|%".contains(c)
}

fn is_canonical_port(scheme: &str, digits: &str) -> bool {
    let default = if scheme == "https" { 443 } else { 80 };
    !digits.starts_with('0')
        && digits.len() <= 5
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits
            .parse::<u32>()
            .is_ok_and(|port| (1..=65535).contains(&port) && port != default)
}

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

fn allows(policy: &Policy, origin: &str) -> bool {
    let Ok(request) = http::Request::get("/").header("origin", origin).body(()) else {
        return false;
    };
    match policy.evaluate(&RequestHead::from(&request)) {
        Evaluation::Actual(cors) => cors.is_allowed(),
        Evaluation::Preflight(_) | Evaluation::Forbidden(_) => {
            unreachable!("GET is never a preflight, nor a write")
        }
    }
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
