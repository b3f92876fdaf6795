//! Redirects: taint, the CORS check on each hop, credentials in URLs, method and header changes, and the redirect chains the three real-browser suites generated.

use crate::support::*;

#[test]
fn cross_origin_redirect_taints_the_origin() {
    // Fetch "HTTP-redirect fetch" and "serializing a request origin": null after the hop.
    let (outcome, sent) = run(Browser::Chromium, request(API), |outgoing| {
        if outgoing.url.to_string() == API {
            redirect(302, "https://cdn.example/items")
        } else {
            ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")])
        }
    });
    assert_eq!(outcome.result, Ok(ResponseType::Cors));
    assert_eq!(header(&sent[1], "origin"), Some("null"));
    assert_eq!(outcome.requests, 2);
}

#[test]
fn preflight_origin_after_a_cross_origin_redirect_per_engine() {
    // Observed: Chromium 156 sends Origin: null on the following preflight, Firefox 153 the
    // real origin; WebKit 2.50.6 sends null too (see webkit_2_50_* in webkit.rs).
    for (browser, expected) in [
        (Browser::Chromium, "null"),
        (Browser::Firefox, PAGE),
        (Browser::WebKit, "null"),
    ] {
        let (_, sent) = run(browser, request(API).method("PUT"), |outgoing| {
            match (outgoing.exchange, outgoing.url.to_string().as_str()) {
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
                (Exchange::Actual, API) => redirect(307, "https://cdn.example/items"),
                _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")]),
            }
        });
        let preflights: Vec<&Outgoing> = sent
            .iter()
            .filter(|o| o.exchange == Exchange::Preflight)
            .collect();
        assert_eq!(
            preflights.len(),
            2,
            "{browser}: a new preflight after the redirect"
        );
        assert_eq!(header(preflights[1], "origin"), Some(expected), "{browser}");
    }
}

#[test]
fn redirect_responses_must_pass_the_cors_check_too() {
    let (outcome, sent) = run(Browser::Chromium, request(API), |_| {
        ResponseHead::new(302, [("Location", "https://api.example/next")])
    });
    assert_eq!(reason(&outcome), &BlockReason::MissingAllowOrigin);
    assert_eq!(sent.len(), 1);
}

#[test]
fn redirects_to_urls_with_credentials_are_refused() {
    let (outcome, _) = run(Browser::Chromium, request(API), |_| {
        redirect(302, "https://user:pw@cdn.example/")
    });
    assert!(matches!(
        reason(&outcome),
        BlockReason::RedirectContainsCredentials { .. }
    ));
}

#[test]
fn redirect_loops_end() {
    let (outcome, sent) = run(Browser::Chromium, request(API), |_| redirect(302, "/items"));
    assert_eq!(reason(&outcome), &BlockReason::TooManyRedirects);
    assert_eq!(sent.len(), 21);
}

#[test]
fn see_other_turns_post_into_get_and_webkit_keeps_content_type() {
    // Fetch: 303 -> GET, request-body headers removed. Observed in WebKit 2.50.6: it
    // still announces a non-safelisted Content-Type in the next preflight.
    for (browser, second_preflight) in [(Browser::Chromium, false), (Browser::WebKit, true)] {
        let page = request(API)
            .method("POST")
            .header("Content-Type", "application/json");
        let (outcome, sent) = run(browser, page, |outgoing| {
            match (outgoing.exchange, outgoing.url.to_string().as_str()) {
                (Exchange::Actual, API) => redirect(303, "https://api.example/done"),
                _ => permissive(outgoing),
            }
        });
        assert!(outcome.result.is_ok(), "{browser}");
        let last = sent.last().unwrap();
        assert_eq!(last.method, "GET");
        assert_eq!(
            outcome.preflights,
            if second_preflight { 2 } else { 1 },
            "{browser}"
        );
    }
}

#[test]
fn authorization_across_origins() {
    // Fetch removes Authorization on a cross-origin hop; WebKit 2.50.6 keeps it (observed).
    for (browser, kept) in [
        (Browser::Chromium, false),
        (Browser::Firefox, false),
        (Browser::WebKit, true),
    ] {
        let page = request(API).header("Authorization", "Bearer t");
        let (_, sent) = run(browser, page, |outgoing| {
            match (outgoing.exchange, outgoing.url.to_string().as_str()) {
                (Exchange::Actual, API) => redirect(307, "https://cdn.example/items"),
                _ => ResponseHead::new(
                    if outgoing.exchange == Exchange::Preflight {
                        204
                    } else {
                        200
                    },
                    [
                        ("Access-Control-Allow-Origin", "*"),
                        ("Access-Control-Allow-Headers", "authorization"),
                    ],
                ),
            }
        });
        assert_eq!(
            header(sent.last().unwrap(), "authorization").is_some(),
            kept,
            "{browser}"
        );
    }
}

#[test]
fn all_three_refuse_credentials_in_a_cors_redirect_to_the_pages_own_origin() {
    // Chromium 156, Firefox 153 and WebKit 2.50.6 (observed): the API
    // redirects to `https://user@app.example/...`, the page's own origin. Fetch refuses
    // credentials only towards another origin than the request's; the engines refuse them
    // anyway, before anything is sent there.
    for browser in Browser::ALL {
        let (outcome, sent) = run(browser, request(API), |outgoing| {
            if outgoing.url.to_string() == API {
                redirect(301, "https://user@app.example/back")
            } else {
                ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")])
            }
        });
        assert!(refused_credentials(&outcome), "{browser}: {outcome:?}");
        assert_eq!(sent.len(), 1, "{browser}: {sent:?}");
    }
}

#[test]
fn only_chromium_156_refuses_credentials_in_a_same_origin_redirect() {
    // Observed: a same-origin PUT redirected by a 302 to
    // `https://user@app.example/...`. Firefox 153 and WebKit 2.50.6 follow it (a basic
    // response); Chromium fails the fetch.
    for (browser, followed) in [
        (Browser::Chromium, false),
        (Browser::Firefox, true),
        (Browser::WebKit, true),
    ] {
        let (outcome, sent) = run(browser, same_origin_request().method("PUT"), |outgoing| {
            if outgoing.url.path() == "/start" {
                ResponseHead::new(302, [("Location", "https://user@app.example/next")])
            } else {
                ResponseHead::new(200, [("Content-Length", "0")])
            }
        });
        assert_eq!(outcome.result.is_ok(), followed, "{browser}: {outcome:?}");
        assert_eq!(sent.len(), if followed { 2 } else { 1 }, "{browser}");
    }
}

#[test]
fn webkit_2_50_preflights_a_credentialed_redirect_target_before_refusing_it() {
    // Observed in WebKit 2.50.6: a same-origin PATCH, 307 to `http://user:pw@api.example/...`.
    // WebKit sends the preflight the new URL needs, then fails without the actual request;
    // Chromium and Firefox fail at the redirect.
    for (browser, expected) in [
        (Browser::WebKit, 1),
        (Browser::Chromium, 0),
        (Browser::Firefox, 0),
    ] {
        let (outcome, sent) =
            run(
                browser,
                same_origin_request().method("PATCH"),
                |outgoing| match outgoing.exchange {
                    Exchange::Preflight => ResponseHead::new(
                        204,
                        [
                            ("Access-Control-Allow-Origin", "*"),
                            ("Access-Control-Allow-Methods", "PATCH"),
                        ],
                    ),
                    Exchange::Actual => {
                        ResponseHead::new(307, [("Location", "https://user:pw@api.example/items")])
                    }
                },
            );
        assert!(refused_credentials(&outcome), "{browser}: {outcome:?}");
        assert_eq!(preflights(&sent).len(), expected, "{browser}: {sent:?}");
        assert_eq!(
            outcome.requests, 1,
            "{browser}: only the same-origin request"
        );
    }
}

#[test]
fn an_empty_location_per_engine() {
    // Observed, a 307 with `Location:` empty: Chromium 156 hands the 307 to
    // the page; Firefox 153 resolves the empty reference to the same URL and loops until its
    // redirect limit; WebKit 2.50.6 fails at once.
    let server = |_: &Outgoing| {
        ResponseHead::new(
            307,
            [("Location", ""), ("Access-Control-Allow-Origin", PAGE)],
        )
    };
    let (outcome, _) = run(Browser::Chromium, request(API), server);
    assert_eq!(outcome.result, Ok(ResponseType::Cors));
    assert_eq!(outcome.status, Some(307));
    let (outcome, sent) = run(Browser::Firefox, request(API), server);
    assert_eq!(reason(&outcome), &BlockReason::TooManyRedirects);
    assert_eq!(sent.len(), 21);
    assert!(sent.iter().all(|o| o.url.to_string() == API));
    let (outcome, sent) = run(Browser::WebKit, request(API), server);
    assert!(
        matches!(
            reason(&outcome),
            BlockReason::InvalidRedirectLocation { .. }
        ),
        "{outcome:?}"
    );
    assert_eq!(sent.len(), 1);
}

#[test]
fn firefox_153_remembers_the_unsafe_headers_of_a_same_origin_hop() {
    // Observed in Firefox 153: a same-origin POST with a non-safelisted Content-Type,
    // 301 to another origin: the GET that follows carries no body headers, yet Firefox
    // preflights it. A same-origin PROPFIND turned into a GET by a 303 is not preflighted: only
    // headers are remembered. Chromium decides per hop.
    let server = |outgoing: &Outgoing| match (outgoing.exchange, outgoing.url.path()) {
        (Exchange::Preflight, _) => ResponseHead::new(
            204,
            [
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Methods", "GET"),
            ],
        ),
        (Exchange::Actual, "/start") => {
            let status = if outgoing.method == "POST" { 301 } else { 303 };
            ResponseHead::new(status, [("Location", API)])
        }
        _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", PAGE)]),
    };
    let post = || {
        same_origin_request()
            .method("POST")
            .header("Content-Type", "application/json")
    };
    for (browser, page, preflighted) in [
        (Browser::Firefox, post(), 1),
        (Browser::Chromium, post(), 0),
        (
            Browser::Firefox,
            same_origin_request().method("PROPFIND"),
            0,
        ),
    ] {
        let (outcome, sent) = run(browser, page, server);
        assert!(outcome.result.is_ok(), "{browser}: {outcome:?}");
        assert_eq!(preflights(&sent).len(), preflighted, "{browser}: {sent:?}");
        assert_eq!(sent.last().map(|o| o.method.as_str()), Some("GET"));
    }
}

#[test]
fn chromium_156_taints_a_no_cors_origin_on_any_cross_origin_hop() {
    // Observed in Chromium 156: a same-origin no-cors POST, 307 to another origin, arrives with
    // `Origin: null`; Fetch's redirect-taint (and Firefox's model) keeps the page's origin
    // because the hop leaves the page's own origin.
    let server = |outgoing: &Outgoing| {
        if outgoing.url.path() == "/start" {
            ResponseHead::new(307, [("Location", API)])
        } else {
            ResponseHead::new(200, [("Content-Length", "0")])
        }
    };
    for (browser, origin) in [(Browser::Chromium, "null"), (Browser::Firefox, PAGE)] {
        let (outcome, sent) = run(
            browser,
            same_origin_request().method("POST").mode(Mode::NoCors),
            server,
        );
        assert_eq!(outcome.result, Ok(ResponseType::Opaque), "{browser}");
        assert_eq!(header(&sent[1], "origin"), Some(origin), "{browser}");
    }
}

#[test]
fn no_cors_requests_keep_only_no_cors_safelisted_headers() {
    // Fetch "request-no-cors" guard: `Range`, `X-Token` and a JSON `Content-Type` are dropped
    // silently; `Accept` and `Content-Language` (checked on the combined value) stay.
    let page = request(API)
        .method("POST")
        .mode(Mode::NoCors)
        .header("Accept", "text/html")
        .header("X-Token", "1")
        .header("Content-Type", "application/json")
        .header("Range", "bytes=0-1")
        .header("Content-Language", "en")
        .header("Content-Language", "de");
    let mut cache = PreflightCache::new(Browser::Chromium);
    let fetch = Fetch::new(Browser::Chromium, page, &mut cache);
    assert_eq!(
        fetch.dropped_headers(),
        ["x-token", "content-type", "range"]
    );
    let (outcome, sent) = run(
        Browser::Chromium,
        request(API)
            .method("POST")
            .mode(Mode::NoCors)
            .header("X-Token", "1")
            .header("Accept", "text/html"),
        |_| ResponseHead::new(200, [("Content-Length", "0")]),
    );
    assert_eq!(outcome.result, Ok(ResponseType::Opaque));
    assert_eq!(header(&sent[0], "accept"), Some("text/html"));
    assert_eq!(header(&sent[0], "x-token"), None);
    // In cors mode the same header is kept (and preflighted).
    let (_, sent) = run(
        Browser::Chromium,
        request(API).header("X-Token", "1"),
        permissive,
    );
    assert_eq!(header(&sent[1], "x-token"), Some("1"));
}

#[test]
fn webkit_2_50_checks_a_cross_origin_redirect_with_same_origin_credentials() {
    // Observed in WebKit 2.50.6: a same-origin GET with credentials `same-origin`, 302 to another
    // origin, whose own 302 carries `Access-Control-Allow-Origin: <page>` but no
    // `Access-Control-Allow-Credentials`. WebKit refuses that redirect as if credentials were
    // included; Chromium and Firefox follow it. The final response is checked without
    // credentials everywhere.
    let cdn = "https://cdn.example/hop";
    let server = |outgoing: &Outgoing| match outgoing.url.to_string().as_str() {
        "https://app.example/start" => ResponseHead::new(302, [("Location", cdn)]),
        url if url == cdn => ResponseHead::new(
            302,
            [
                ("Location", "https://app.example/end"),
                ("Access-Control-Allow-Origin", PAGE),
            ],
        ),
        _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "*")]),
    };
    for (browser, followed) in [
        (Browser::WebKit, false),
        (Browser::Chromium, true),
        (Browser::Firefox, true),
    ] {
        let (outcome, sent) = run(browser, same_origin_request(), server);
        assert_eq!(outcome.result.is_ok(), followed, "{browser}: {outcome:?}");
        assert_eq!(sent.len(), if followed { 3 } else { 2 }, "{browser}");
    }
    // With credentials omitted WebKit follows it too, and so it does once a hop was
    // preflighted (a non-safelisted header here; observed too).
    let (outcome, _) = run(
        Browser::WebKit,
        same_origin_request().credentials(Credentials::Omit),
        server,
    );
    assert!(outcome.result.is_ok(), "{outcome:?}");
    let (outcome, sent) = run(
        Browser::WebKit,
        same_origin_request().header("X-Token", "1"),
        |outgoing: &Outgoing| match outgoing.exchange {
            Exchange::Preflight => ResponseHead::new(
                204,
                [
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Headers", "x-token"),
                ],
            ),
            Exchange::Actual => server(outgoing),
        },
    );
    assert!(outcome.result.is_ok(), "{outcome:?}");
    assert_eq!(preflights(&sent).len(), 2, "{sent:?}");
}

#[test]
fn firefox_153_puts_authorization_back_on_a_same_origin_hop() {
    // Observed in Firefox 153: API -> page's origin -> API -> API. Firefox drops `Authorization`
    // on each hop between two origins but rebuilds the headers from the page's request, so
    // the last, same-origin hop announces it again. Chromium drops it for good.
    let server = |outgoing: &Outgoing| {
        let url = outgoing.url.to_string();
        match (outgoing.exchange, url.as_str()) {
            (Exchange::Preflight, _) => ResponseHead::new(
                204,
                [
                    (
                        "Access-Control-Allow-Origin",
                        header(outgoing, "origin").unwrap_or_default().to_owned(),
                    ),
                    ("Access-Control-Allow-Methods", "PUT".to_owned()),
                    ("Access-Control-Allow-Headers", "authorization".to_owned()),
                ],
            ),
            (_, API) => redirect(307, "https://app.example/one"),
            (_, "https://app.example/one") => ResponseHead::new(
                307,
                [
                    ("Location", "https://api.example/two"),
                    ("Access-Control-Allow-Origin", "null"),
                ],
            ),
            (_, "https://api.example/two") => ResponseHead::new(
                307,
                [
                    ("Location", "https://api.example/three"),
                    ("Access-Control-Allow-Origin", "null"),
                ],
            ),
            _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")]),
        }
    };
    for (browser, last_announces) in [(Browser::Firefox, true), (Browser::Chromium, false)] {
        let (_, sent) = run(
            browser,
            request(API)
                .method("PUT")
                .header("Authorization", "Bearer t"),
            server,
        );
        let announced: Vec<bool> = preflights(&sent)
            .iter()
            .map(|p| header(p, "access-control-request-headers") == Some("authorization"))
            .collect();
        assert_eq!(announced.len(), 4, "{browser}: {sent:?}");
        assert_eq!(announced[..3], [true, false, false], "{browser}");
        assert_eq!(announced[3], last_announces, "{browser}");
    }
}

#[test]
fn a_redirect_status_without_location_is_the_response() {
    // A 303 with no `Location` is the final response in every engine (WebKit 2.50.6 then checks
    // it without credentials, observed).
    let server = |outgoing: &Outgoing| {
        if outgoing.url.path() == "/start" {
            ResponseHead::new(302, [("Location", "https://cdn.example/hop")])
        } else {
            ResponseHead::new(303, [("Access-Control-Allow-Origin", PAGE)])
        }
    };
    for browser in Browser::ALL {
        let (outcome, sent) = run(browser, same_origin_request(), server);
        assert_eq!(outcome.result, Ok(ResponseType::Cors), "{browser}");
        assert_eq!(outcome.status, Some(303), "{browser}");
        assert_eq!(sent.len(), 2, "{browser}");
    }
}

#[test]
fn firefox_153_restores_body_headers_after_the_hop_that_dropped_them() {
    // Observed in Firefox 153: a PUT with an unsafe `Content-Type`, 303 to another origin (a GET
    // without body headers), then 307 within that origin: Firefox rebuilds the request from
    // the page's headers, so the last preflight announces `content-type` again. Chromium does
    // not.
    let server = |outgoing: &Outgoing| match (outgoing.exchange, outgoing.url.to_string().as_str())
    {
        (Exchange::Preflight, _) => permissive(outgoing),
        (_, API) => redirect(303, "https://cdn.example/a"),
        (_, "https://cdn.example/a") => ResponseHead::new(
            307,
            [("Location", "/b"), ("Access-Control-Allow-Origin", "*")],
        ),
        _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "*")]),
    };
    for (browser, announced) in [
        (Browser::Firefox, vec![None, Some("content-type")]),
        (Browser::Chromium, vec![]),
    ] {
        let (_, sent) = run(
            browser,
            request(API)
                .method("PUT")
                .header("Content-Type", "text/plain; charset=\"utf-8\""),
            server,
        );
        let after_the_redirect: Vec<Option<&str>> = preflights(&sent)[1..]
            .iter()
            .map(|p| header(p, "access-control-request-headers"))
            .collect();
        assert_eq!(after_the_redirect, announced, "{browser}: {sent:?}");
    }
}
