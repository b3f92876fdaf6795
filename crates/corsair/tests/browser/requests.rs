//! The request side: same-origin, modes, credentials, methods, the names a preflight announces, the safelist limits.

use crate::support::*;

#[test]
fn same_origin_requests_are_not_cors() {
    // Fetch "main fetch": same origin and basic tainting -> no CORS; GET carries no Origin.
    let (outcome, sent) = run(
        Browser::Chromium,
        request("https://app.example/me").header("X-Custom", "1"),
        |_| ResponseHead::new(200, [("X-Secret", "1"), ("Set-Cookie", "a=b")]),
    );
    assert_eq!(outcome.result, Ok(ResponseType::Basic));
    assert_eq!(sent.len(), 1);
    assert_eq!(header(&sent[0], "origin"), None);
    assert!(
        sent[0].with_credentials,
        "same-origin credentials mode sends cookies to the same origin"
    );
    assert_eq!(
        outcome.readable_headers,
        ["x-secret"],
        "Set-Cookie is never readable"
    );
}

#[test]
fn simple_cross_origin_get_sends_no_preflight() {
    let (outcome, sent) = run(Browser::Chromium, request(API), permissive);
    assert_eq!(outcome.result, Ok(ResponseType::Cors));
    assert_eq!(outcome.preflights, 0);
    assert_eq!(header(&sent[0], "origin"), Some(PAGE));
    assert!(
        !sent[0].with_credentials,
        "same-origin credentials are not sent cross-origin"
    );
}

#[test]
fn credentials_mode_decides_what_is_sent() {
    for (credentials, sent_with) in [
        (Credentials::Omit, false),
        (Credentials::SameOrigin, false),
        (Credentials::Include, true),
    ] {
        let (_, sent) = run(
            Browser::Chromium,
            request(API).credentials(credentials),
            permissive,
        );
        assert_eq!(sent[0].with_credentials, sent_with, "{credentials}");
    }
}

#[test]
fn mode_same_origin_refuses_other_origins_without_sending() {
    let (outcome, sent) = run(
        Browser::Chromium,
        request(API).mode(Mode::SameOrigin),
        permissive,
    );
    assert_eq!(reason(&outcome), &BlockReason::DisallowedByMode);
    assert!(sent.is_empty());
}

#[test]
fn no_cors_is_opaque_and_limited_to_safelisted_methods() {
    // Fetch "main fetch" (no-cors -> opaque filtered response) and the Request constructor.
    let (outcome, sent) = run(Browser::Chromium, request(API).mode(Mode::NoCors), |_| {
        ResponseHead::new(200, [("X-A", "1")])
    });
    assert_eq!(outcome.result, Ok(ResponseType::Opaque));
    assert!(outcome.readable_headers.is_empty());
    assert_eq!(sent.len(), 1);
    let (outcome, sent) = run(
        Browser::Chromium,
        request(API).mode(Mode::NoCors).method("PUT"),
        permissive,
    );
    assert_eq!(
        reason(&outcome),
        &BlockReason::NoCorsMethod {
            method: "PUT".into()
        }
    );
    assert!(sent.is_empty());
}

#[test]
fn methods_are_normalized_validated_and_forbidden_ones_refused() {
    // Fetch "normalize a method": delete -> DELETE, patch stays patch.
    let (_, sent) = run(Browser::Chromium, request(API).method("delete"), permissive);
    assert_eq!(
        header(&sent[0], "access-control-request-method"),
        Some("DELETE")
    );
    let (_, sent) = run(Browser::Chromium, request(API).method("patch"), permissive);
    assert_eq!(
        header(&sent[0], "access-control-request-method"),
        Some("patch")
    );
    // Fetch "forbidden method" and the method token rule: TypeErrors, nothing sent.
    let (outcome, sent) = run(Browser::Chromium, request(API).method("trace"), permissive);
    assert_eq!(
        reason(&outcome),
        &BlockReason::ForbiddenMethod {
            method: "trace".into()
        }
    );
    assert!(sent.is_empty());
    let (outcome, _) = run(Browser::Chromium, request(API).method("GE T"), permissive);
    assert!(matches!(
        reason(&outcome),
        BlockReason::InvalidMethod { .. }
    ));
}

#[test]
fn the_preflight_request_announces_unsafe_names_sorted_lowercase_deduplicated() {
    // Fetch "CORS-preflight fetch" and "CORS-unsafe request-header names".
    let page = request(API)
        .method("POST")
        .header("X-Trace", "1")
        .header("Content-Type", "application/json")
        .header("x-trace", "2")
        .header("Accept", "text/html")
        .header("Cookie", "stolen=1");
    let mut cache = PreflightCache::new(Browser::Chromium);
    let fetch = Fetch::new(Browser::Chromium, page, &mut cache);
    assert_eq!(
        fetch.dropped_headers(),
        ["cookie"],
        "forbidden headers are dropped silently"
    );
    let mut sent = Vec::new();
    fetch.run(|outgoing| {
        sent.push(outgoing.clone());
        permissive(outgoing)
    });
    let preflight = &sent[0];
    assert_eq!(preflight.exchange, Exchange::Preflight);
    assert_eq!(preflight.method, "OPTIONS");
    assert!(
        !preflight.with_credentials,
        "preflights never carry credentials"
    );
    assert_eq!(header(preflight, "accept"), Some("*/*"));
    assert_eq!(
        header(preflight, "access-control-request-method"),
        Some("POST")
    );
    assert_eq!(
        header(preflight, "access-control-request-headers"),
        Some("content-type,x-trace")
    );
    assert_eq!(
        header(&sent[1], "x-trace"),
        Some("1, 2"),
        "same-named headers are combined"
    );
    assert_eq!(header(&sent[1], "cookie"), None);
}

#[test]
fn safelisted_requests_need_no_preflight_until_1024_bytes() {
    let (outcome, _) = run(
        Browser::Chromium,
        request(API)
            .method("POST")
            .header("Content-Type", "text/plain;charset=UTF-8"),
        permissive,
    );
    assert_eq!(outcome.preflights, 0);
    let value = "a".repeat(120);
    let mut big = request(API);
    for i in 0..9 {
        big = big.header(
            if i % 2 == 0 {
                "Accept"
            } else {
                "Accept-Language"
            },
            value.clone(),
        );
    }
    let (outcome, sent) = run(Browser::Chromium, big, permissive);
    assert_eq!(
        outcome.preflights, 1,
        "more than 1024 bytes of safelisted values"
    );
    assert_eq!(
        header(&sent[0], "access-control-request-headers"),
        Some("accept,accept-language")
    );
}
