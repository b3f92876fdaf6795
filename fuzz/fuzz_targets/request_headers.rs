//! `Access-Control-Request-Headers` in preflights, as arbitrary bytes over several lines: never
//! a panic, and never a grant for a name the policy does not list.

#![no_main]

use std::sync::LazyLock;

use corsair::{Config, Evaluation, Policy, RequestHead};
use http::{HeaderMap, HeaderValue, Method, Uri, header};
use libfuzzer_sys::fuzz_target;

const LISTED: &[&str] = &["content-type", "x-api-key", "authorization"];

static POLICIES: LazyLock<[Policy; 2]> = LazyLock::new(|| {
    [
        Config::new()
            .allow_origins(["https://app.example"])
            .allow_methods(["PUT"])
            .allow_headers(LISTED.iter().copied())
            .allow_credentials(true)
            .build()
            .unwrap(),
        Config::new()
            .allow_origins(["*"])
            .allow_headers(["*"])
            .build()
            .unwrap(),
    ]
});

/// Whether every element of the lines is a name the first policy lists: split on `,`, spaces
/// and tabs around an element ignored, empty elements skipped.
fn all_listed(lines: &[&[u8]]) -> bool {
    lines.iter().all(|line| {
        line.split(|&b| b == b',').all(|element| {
            let element = element.trim_ascii();
            element.is_empty()
                || LISTED
                    .iter()
                    .any(|listed| listed.as_bytes().eq_ignore_ascii_case(element))
        })
    })
}

fuzz_target!(|data: &[u8]| {
    // A 0 byte splits header lines (it can be in no header value).
    let lines: Vec<&[u8]> = data.split(|&b| b == 0).take(8).collect();
    let mut headers = HeaderMap::new();
    headers.insert(header::ORIGIN, HeaderValue::from_static("https://app.example"));
    headers.insert(
        header::ACCESS_CONTROL_REQUEST_METHOD,
        HeaderValue::from_static("PUT"),
    );
    for line in &lines {
        let Ok(value) = HeaderValue::from_bytes(line) else {
            return;
        };
        headers.append(header::ACCESS_CONTROL_REQUEST_HEADERS, value);
    }
    let uri = Uri::from_static("/");
    let head = RequestHead::new(&Method::OPTIONS, &uri, &headers);
    for (index, policy) in POLICIES.iter().enumerate() {
        let Evaluation::Preflight(preflight) = policy.evaluate(&head) else {
            panic!("an OPTIONS with Origin and Access-Control-Request-Method is a preflight");
        };
        let mut answer = HeaderMap::new();
        preflight.write_headers(&mut answer);
        if index == 0 && preflight.is_allowed() {
            assert!(all_listed(&lines), "granted unlisted names in {lines:?}");
        }
    }
});
