//! Facts of Chromium 156 (156.0.8078.108), observed by the real-browser suite where the model disagreed with it: the model now follows Chromium.

use crate::support::*;

#[test]
fn chromium_156_trims_spaces_around_response_header_values() {
    // Chromium 156: `Access-Control-Allow-Origin:   <origin>  ` and
    // `Access-Control-Allow-Credentials:  true ` pass (the HTTP parser drops the spaces).
    let spaced = format!("  {PAGE}  ");
    let (outcome, _) = run(
        Browser::Chromium,
        request(API).credentials(Credentials::Include),
        |_| {
            ResponseHead::new(
                200,
                [
                    ("Access-Control-Allow-Origin", spaced.as_str()),
                    ("Access-Control-Allow-Credentials", " true\t"),
                    ("Access-Control-Expose-Headers", " x-a "),
                    ("X-A", "1"),
                ],
            )
        },
    );
    assert_eq!(outcome.result, Ok(ResponseType::Cors));
    assert_eq!(outcome.readable_headers, ["x-a"]);
    // Spaces around `*` too, without credentials.
    let (outcome, _) = run(Browser::Chromium, request(API), |_| {
        ResponseHead::new(200, [("Access-Control-Allow-Origin", " * ")])
    });
    assert_eq!(outcome.result, Ok(ResponseType::Cors));
}

#[test]
fn chromium_156_drops_method_override_headers_that_name_forbidden_methods() {
    // Chromium 156 (Fetch "forbidden request-header"): `X-HTTP-Method-Override: TRACE` is
    // silently dropped, so it is neither sent nor announced; with `PUT` it is a normal header.
    let (_, sent) = run(
        Browser::Chromium,
        request(API)
            .method("PUT")
            .header("X-HTTP-Method-Override", "TRACE"),
        permissive,
    );
    assert_eq!(sent[0].exchange, Exchange::Preflight);
    assert_eq!(header(&sent[0], "access-control-request-headers"), None);
    assert_eq!(header(&sent[1], "x-http-method-override"), None);
    let (_, sent) = run(
        Browser::Chromium,
        request(API)
            .method("PUT")
            .header("X-HTTP-Method-Override", "PUT"),
        permissive,
    );
    assert_eq!(
        header(&sent[0], "access-control-request-headers"),
        Some("x-http-method-override")
    );
    let mut cache = PreflightCache::new(Browser::Chromium);
    let fetch = Fetch::new(
        Browser::Chromium,
        request(API).header("X-Method-Override", "get, connect"),
        &mut cache,
    );
    assert_eq!(fetch.dropped_headers(), ["x-method-override"]);
}

#[test]
fn chromium_156_normalizes_request_header_values_before_the_safelist() {
    // Chromium 156: `Headers` strips leading and trailing whitespace first, so 128 bytes plus
    // trailing spaces is still a safelisted `Accept`, and ` bytes=0-1` a safelisted `Range`.
    let accept = format!("{}  ", "a".repeat(128));
    let (outcome, sent) = run(
        Browser::Chromium,
        request(API)
            .header("Accept", accept.as_str())
            .header("Range", " bytes=0-1"),
        permissive,
    );
    assert_eq!(outcome.preflights, 0);
    assert_eq!(
        header(&sent[0], "accept").map(str::len),
        Some(128),
        "sent normalized"
    );
    let (_, sent) = run(
        Browser::Chromium,
        request(API)
            .method("DELETE")
            .header("Accept", accept.as_str()),
        permissive,
    );
    assert_eq!(header(&sent[0], "access-control-request-headers"), None);
}

#[test]
fn chromium_156_counts_latin1_header_values_one_byte_per_character() {
    // Chromium 156: header values are byte strings; `é` is the one byte 0xE9, so 100 of them
    // (200 bytes in UTF-8) are within the 128-byte limit of a safelisted `Accept`.
    let (outcome, _) = run(
        Browser::Chromium,
        request(API).header("Accept", "\u{e9}".repeat(100)),
        permissive,
    );
    assert_eq!(outcome.preflights, 0);
    let (_, sent) = run(
        Browser::Chromium,
        request(API).header("Accept", "\u{e9}".repeat(129)),
        permissive,
    );
    assert_eq!(
        header(&sent[0], "access-control-request-headers"),
        Some("accept")
    );
}

#[test]
fn chromium_156_sends_no_origin_on_a_no_cors_get() {
    // Chromium 156 (Fetch "append a request `Origin` header"): no `Origin` on a no-cors GET or
    // HEAD, the page's origin on a no-cors POST.
    for (method, origin) in [("GET", None), ("HEAD", None), ("POST", Some(PAGE))] {
        let (_, sent) = run(
            Browser::Chromium,
            request(API).mode(Mode::NoCors).method(method),
            permissive,
        );
        assert_eq!(header(&sent[0], "origin"), origin, "{method}");
    }
}

#[test]
fn chromium_156_taints_a_redirect_back_to_the_page_origin() {
    // Chromium 156 (Fetch "redirect-taint"): API -> page's own origin is a hop between two
    // origins that does not start at the page's origin, so `Origin` becomes `null` there, for
    // the preflight as for the request, and only `null` or `*` lets the page read the answer.
    let back = "https://app.example/back";
    let (outcome, sent) = run(
        Browser::Chromium,
        request(API).method("PUT"),
        |outgoing| match (outgoing.exchange, outgoing.url.to_string().as_str()) {
            (Exchange::Actual, API) => redirect(307, back),
            (Exchange::Preflight, _) => ResponseHead::new(
                204,
                [
                    (
                        "Access-Control-Allow-Origin",
                        header(outgoing, "origin").unwrap_or_default().to_owned(),
                    ),
                    ("Access-Control-Allow-Methods", "PUT".to_owned()),
                ],
            ),
            _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")]),
        },
    );
    assert_eq!(outcome.result, Ok(ResponseType::Cors));
    let to_page: Vec<&Outgoing> = sent.iter().filter(|o| o.url.to_string() == back).collect();
    assert_eq!(to_page.len(), 2, "a preflight and the request");
    assert!(to_page.iter().all(|o| header(o, "origin") == Some("null")));
    // Same-origin hops on the API keep the page's origin.
    let (_, sent) = run(Browser::Chromium, request(API), |outgoing| {
        if outgoing.url.to_string() == API {
            redirect(302, "https://api.example/next")
        } else {
            permissive(outgoing)
        }
    });
    assert_eq!(header(&sent[1], "origin"), Some(PAGE));
}

#[test]
fn chromium_156_refuses_credentials_in_a_no_cors_redirect() {
    // Chromium 156: a no-cors fetch redirected to `http://user:pw@...` of another origin fails
    // (the page gets a TypeError), although the spec refuses it only for CORS requests.
    let (outcome, sent) = run(Browser::Chromium, request(API).mode(Mode::NoCors), |_| {
        ResponseHead::new(302, [("Location", "https://user:pw@api.example/next")])
    });
    assert!(matches!(
        reason(&outcome),
        BlockReason::RedirectContainsCredentials { .. }
    ));
    assert_eq!(sent.len(), 1);
    // Firefox and WebKit keep the spec's rule in the model (not verified in those engines).
    let (outcome, _) = run(
        Browser::Firefox,
        request(API).mode(Mode::NoCors),
        |outgoing| {
            if outgoing.url.to_string() == API {
                ResponseHead::new(302, [("Location", "https://user:pw@api.example/next")])
            } else {
                ResponseHead::new(200, Vec::<(String, String)>::new())
            }
        },
    );
    assert_eq!(outcome.result, Ok(ResponseType::Opaque));
}
