//! Arbitrary request bytes never panic the policy, and a grant only ever goes to an origin
//! the policy lists, byte for byte.

use corsair::{Config, Evaluation, Policy, RequestHead};
use http::{HeaderMap, HeaderValue, Request};
use proptest::prelude::*;

fn policy() -> Policy {
    Config::new()
        .allow_origins([
            "https://app.example.com",
            "https://*.example.org",
            "http://localhost:*",
        ])
        .allow_methods(["*"])
        .allow_headers(["*"])
        .expose_headers(["x-a"])
        .allow_private_network(true)
        .build()
        .unwrap()
}

/// Header-value bytes: anything `http` accepts (visible ASCII, space, tab, obs-text).
fn value() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"abcxyz.-:/*,[] \t0123456789".to_vec()),
        1 => 0x80u8..=0xff,
        1 => 0x21u8..=0x7e,
    ];
    prop::collection::vec(byte, 0..48)
}

fn near_origin() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        value(),
        (
            "[a-z.]{0,12}",
            prop::sample::select(vec!["https://", "http://", "HTTPS://", ""]),
            prop::sample::select(vec![
                "example.org",
                "example.com",
                "localhost",
                "app.example.com"
            ]),
            prop::sample::select(vec!["", ":0", ":80", ":443", ":8080", ":65536", "/", ":"])
        )
            .prop_map(
                |(sub, scheme, base, port)| format!("{scheme}{sub}{base}{port}").into_bytes()
            ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn no_panic_and_grants_only_matching_origins(
        method in prop::sample::select(vec!["OPTIONS", "GET", "POST", "PATCH", "options"]),
        origins in prop::collection::vec(near_origin(), 0..3),
        acrm in prop::option::of(value()),
        acrh in prop::collection::vec(value(), 0..3),
        pna in prop::option::of(value()),
    ) {
        let policy = policy();
        let mut request = Request::new(());
        *request.method_mut() = method.parse().unwrap();
        let headers = request.headers_mut();
        for origin in &origins {
            headers.append("origin", HeaderValue::from_bytes(origin).unwrap());
        }
        if let Some(acrm) = &acrm {
            headers.append("access-control-request-method", HeaderValue::from_bytes(acrm).unwrap());
        }
        for line in &acrh {
            headers.append("access-control-request-headers", HeaderValue::from_bytes(line).unwrap());
        }
        if let Some(pna) = &pna {
            headers.append("access-control-request-private-network", HeaderValue::from_bytes(pna).unwrap());
        }
        let mut response = HeaderMap::new();
        match policy.evaluate(&RequestHead::from(&request)) {
            Evaluation::Preflight(answer) => {
                let _ = answer.status();
                answer.write_headers(&mut response);
            }
            Evaluation::Actual(cors) => cors.apply(&mut response),
            Evaluation::Forbidden(answer) => answer.write_headers(&mut response),
        }
        if let Some(granted) = response.get("access-control-allow-origin") {
            prop_assert_eq!(origins.len(), 1);
            prop_assert_eq!(granted.as_bytes(), origins[0].as_slice());
            let granted = granted.to_str().unwrap();
            prop_assert!(policy.origins().iter().any(|p| p.matches(granted)), "{}", granted);
        }
    }
}
