//! Request handling allocates nothing for policies without predicates.
//!
//! A counting global allocator counts this thread's allocations while a request is evaluated
//! and its headers written into a response header map reserved beforehand (the map's own
//! growth belongs to the framework, not to the policy).
//!
//! Request header values are made shared before measuring, as a server's are: hyper slices
//! them out of its read buffer, so cloning one (to echo it) only bumps a reference count. A
//! value built from a `String` becomes shared on its first clone.

#![allow(unsafe_code)] // a global allocator cannot be written without it

#[path = "support/counting.rs"]
mod counting;

use corsair::{Config, Evaluation, Policy, RequestHead};
use counting::allocations_in;
use http::{HeaderMap, HeaderValue, Request};

/// Makes every header value shared, as values parsed by a server are.
fn as_received(mut request: Request<()>) -> Request<()> {
    for value in request.headers_mut().values_mut() {
        drop(value.clone());
    }
    request
}

fn request(method: &'static str, headers: &[(&'static str, &'static str)]) -> Request<()> {
    let mut request = Request::new(());
    *request.method_mut() = method.parse().unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .append(*name, HeaderValue::from_static(value));
    }
    request
}

/// Evaluates and writes the answer, as an integration does, into a reserved map.
fn handle(policy: &Policy, request: &Request<()>, response: &mut HeaderMap) {
    match policy.evaluate(&RequestHead::from(request)) {
        Evaluation::Preflight(answer) => {
            let _status = answer.status();
            answer.write_headers(response);
        }
        Evaluation::Actual(cors) => cors.apply(response),
        Evaluation::Forbidden(answer) => {
            let _status = answer.status();
            answer.write_headers(response);
        }
    }
}

fn static_policy() -> Policy {
    let many: Vec<String> = (0..1000)
        .map(|i| format!("https://site{i}.example"))
        .collect();
    Config::new()
        .allow_origins(many)
        .allow_origins([
            "https://app.example.com",
            "https://*.preview.example.com",
            "http://localhost:*",
        ])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .allow_credentials(true)
        .max_age(corsair::MaxAge::Seconds(600))
        .build()
        .unwrap()
}

#[test]
fn no_allocation_per_request() {
    let policy = static_policy();
    let cases = [
        request(
            "OPTIONS",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "content-type,x-api-key"),
            ],
        ),
        request(
            "OPTIONS",
            &[
                ("origin", "https://pr-1.preview.example.com"),
                ("access-control-request-method", "DELETE"),
            ],
        ),
        request(
            "OPTIONS",
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "PUT"),
            ],
        ),
        request(
            "OPTIONS",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-not-allowed"),
            ],
        ),
        request("GET", &[("origin", "https://site500.example")]),
        request("GET", &[("origin", "http://localhost:3000")]),
        request("GET", &[("origin", "https://evil.example")]),
        request("GET", &[]),
    ];
    for case in &cases {
        let mut response = HeaderMap::with_capacity(16);
        let count = allocations_in(|| handle(&policy, case, &mut response));
        assert_eq!(count, 0, "{case:?} allocated; wrote {response:?}");
        assert!(!response.is_empty());
    }
}

#[test]
fn no_allocation_per_request_with_the_protections_on() {
    let policy = Config::new()
        .allow_origins(["https://app.example.com", "https://*.preview.example.com"])
        .allow_methods(["PUT"])
        .refuse_cross_origin_writes(true)
        .exempt_cross_origin_write("POST", "/webhooks/stripe")
        .exempt_cross_origin_write("POST", "/webhooks/github")
        .trust_forwarded_host(true)
        .build()
        .unwrap();
    let cross_site = ("sec-fetch-site", "cross-site");
    let evil = ("origin", "https://evil.example");
    let host = ("host", "api.example.com");
    let mut exempt = request("POST", &[cross_site, evil]);
    *exempt.uri_mut() = http::Uri::from_static("/webhooks/github");
    let cases = [
        (request("POST", &[cross_site, evil]), true),
        (request("post", &[cross_site, evil]), true),
        (
            request(
                "DELETE",
                &[
                    ("sec-fetch-site", "same-site"),
                    ("origin", "https://blog.example.com"),
                ],
            ),
            true,
        ),
        (
            request(
                "POST",
                &[cross_site, ("origin", "https://pr-3.preview.example.com")],
            ),
            false,
        ),
        (
            request(
                "POST",
                &[
                    ("sec-fetch-site", "same-origin"),
                    ("origin", "https://api.example.com"),
                ],
            ),
            false,
        ),
        (request("POST", &[evil, host]), true),
        (request("POST", &[("origin", "null"), host]), true),
        (
            request("POST", &[("origin", "https://api.example.com"), host]),
            false,
        ),
        (
            request(
                "PUT",
                &[
                    ("origin", "https://api.example.com"),
                    ("host", "backend"),
                    ("x-forwarded-host", "api.example.com"),
                ],
            ),
            false,
        ),
        (
            request(
                "POST",
                &[("origin", "http://[::1]:8080"), ("host", "[::1]:8080")],
            ),
            false,
        ),
        (request("POST", &[]), false),
        (
            request("GET", &[("upgrade", "websocket"), evil, host]),
            true,
        ),
        (
            request(
                "GET",
                &[
                    ("upgrade", "websocket"),
                    ("origin", "https://api.example.com"),
                    host,
                ],
            ),
            false,
        ),
        (
            request(
                "GET",
                &[
                    ("upgrade", "websocket"),
                    ("origin", "https://app.example.com"),
                    host,
                ],
            ),
            false,
        ),
        (exempt, false),
    ];
    for (case, refused) in &cases {
        let mut response = HeaderMap::with_capacity(16);
        let mut forbidden = false;
        let count = allocations_in(|| {
            let evaluation = policy.evaluate(&RequestHead::from(case));
            forbidden = matches!(evaluation, Evaluation::Forbidden(_));
            let _reason = evaluation.verdict().reason();
            match evaluation {
                Evaluation::Preflight(answer) => answer.write_headers(&mut response),
                Evaluation::Actual(cors) => cors.apply(&mut response),
                Evaluation::Forbidden(answer) => answer.write_headers(&mut response),
            }
        });
        assert_eq!(count, 0, "{case:?} allocated; wrote {response:?}");
        assert_eq!(forbidden, *refused, "{case:?}");
    }
}

#[test]
fn a_granted_preflight_response_allocates_only_its_header_map() {
    let policy = static_policy();
    for requested in [
        &[][..],
        &[("access-control-request-headers", "content-type")],
    ] {
        let mut request = request(
            "OPTIONS",
            &[
                ("origin", "https://pr-1.preview.example.com"),
                ("access-control-request-method", "PUT"),
            ],
        );
        for (name, value) in requested {
            request
                .headers_mut()
                .append(*name, HeaderValue::from_static(value));
        }
        let request = as_received(request);
        let Evaluation::Preflight(answer) = policy.evaluate(&RequestHead::from(&request)) else {
            panic!("a preflight");
        };
        let mut response = None;
        // A header map allocates twice: its index table and its entries.
        let count = allocations_in(|| response = Some(answer.response::<()>()));
        assert_eq!(count, 2, "{response:?}");
        assert!(answer.is_allowed());
    }
}

#[test]
fn adversarial_request_headers_allocate_nothing() {
    // `*` allows every name, so all 10,000 are checked rather than the first refused.
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .allow_headers(["*"])
        .build()
        .unwrap();
    let commas = ",".repeat(1 << 20);
    let names = (0..10_000)
        .map(|i| format!("x-h{i}"))
        .collect::<Vec<_>>()
        .join(",");
    for value in [commas, names] {
        let mut request = request(
            "OPTIONS",
            &[
                ("origin", "https://app.example.com"),
                ("access-control-request-method", "PUT"),
            ],
        );
        request.headers_mut().insert(
            "access-control-request-headers",
            HeaderValue::from_str(&value).unwrap(),
        );
        let request = as_received(request);
        let mut response = HeaderMap::with_capacity(16);
        let count = allocations_in(|| handle(&policy, &request, &mut response));
        assert_eq!(count, 0);
        let granted = response.contains_key("access-control-allow-headers");
        assert_eq!(
            granted,
            value.starts_with('x'),
            "names granted, commas refused"
        );
    }
}
