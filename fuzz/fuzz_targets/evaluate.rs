//! `Policy::evaluate` with arbitrary request heads (method, path, header names and value
//! bytes) under every policy of the conformance table. Never a panic; no grant without an
//! `Origin`; a grant names `*` or the request's own origin, and `*` never with credentials.

#![no_main]

use std::sync::LazyLock;

use corsair::{Evaluation, Policy, RequestHead};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// The conformance table's policies, so the fuzzer covers what the adapters are held to.
static POLICIES: LazyLock<Vec<Policy>> = LazyLock::new(|| {
    let table: toml::Table = include_str!("../../crates/corsair-conformance/src/table.toml")
        .parse()
        .expect("the conformance table parses");
    table["policies"]
        .as_table()
        .expect("[policies]")
        .values()
        .map(|source| Policy::from_toml(source.as_str().expect("a policy source")).unwrap())
        .collect()
});

/// Names that steer the engine, so arbitrary bytes reach every branch.
const NAMES: &[&str] = &[
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "upgrade",
    "connection",
    "content-type",
    "sec-fetch-site",
    "sec-websocket-key",
    "host",
];

#[derive(Arbitrary, Debug)]
struct Input {
    method: Vec<u8>,
    path: Vec<u8>,
    headers: Vec<(Name, Vec<u8>)>,
}

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Raw(Vec<u8>),
}

fuzz_target!(|input: Input| {
    let method = Method::from_bytes(&input.method).unwrap_or(Method::GET);
    let uri = Uri::try_from(input.path.as_slice()).unwrap_or_else(|_| Uri::from_static("/"));
    let mut headers = HeaderMap::new();
    for (name, value) in input.headers.iter().take(24) {
        let name = match name {
            Name::Known(index) => HeaderName::from_static(NAMES[usize::from(*index) % NAMES.len()]),
            Name::Raw(bytes) => match HeaderName::from_bytes(bytes) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.append(name, value);
        }
    }
    let origins: Vec<&HeaderValue> = headers.get_all(header::ORIGIN).iter().collect();
    let head = RequestHead::new(&method, &uri, &headers);
    for policy in POLICIES.iter() {
        let mut answer = HeaderMap::new();
        match policy.evaluate(&head) {
            Evaluation::Preflight(preflight) => preflight.write_headers(&mut answer),
            Evaluation::Actual(actual) => actual.apply(&mut answer),
            Evaluation::Forbidden(forbidden) => forbidden.write_headers(&mut answer),
        }
        let Some(granted) = answer.get(header::ACCESS_CONTROL_ALLOW_ORIGIN) else {
            continue;
        };
        assert!(!origins.is_empty(), "a grant without Origin: {answer:?}");
        let credentials = answer.contains_key(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
        if granted == "*" {
            assert!(!credentials, "`*` with credentials");
        } else {
            assert_eq!(origins, [granted], "a grant for another origin");
        }
    }
});
