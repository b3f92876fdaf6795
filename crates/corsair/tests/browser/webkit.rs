//! Facts of WebKitGTK 2.50.6 (MiniBrowser), observed by the real-browser suite.

use crate::support::*;

#[test]
fn webkit_2_50_sends_origin_null_on_a_preflight_after_a_cross_origin_redirect() {
    // A preflighted POST with an unsafe header, 308 to another origin: WebKit preflights the
    // new URL with `Origin: null`, so a preflight answer naming the page's origin fails there.
    let server = |outgoing: &Outgoing| match (outgoing.exchange, outgoing.url.to_string().as_str())
    {
        (Exchange::Preflight, _) => permissive(outgoing),
        (Exchange::Actual, API) => redirect(308, "https://cdn.example/items"),
        _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")]),
    };
    let (outcome, sent) = run(
        Browser::WebKit,
        request(API).method("POST").header("X-Token", "1"),
        server,
    );
    let preflights = preflights(&sent);
    assert_eq!(preflights.len(), 2, "{sent:?}");
    assert_eq!(header(preflights[1], "origin"), Some("null"));
    assert!(outcome.result.is_err(), "{outcome:?}");
    assert_eq!(
        sent.len(),
        3,
        "the redirected request is never sent: {sent:?}"
    );
}

#[test]
fn webkit_2_50_turns_delete_into_get_on_every_cross_origin_redirect() {
    // Observed in WebKit 2.50.6 on 301, 302, 307 and 308: after a cross-origin
    // redirect the DELETE becomes a GET, so the next preflight asks for GET. Chromium and
    // Firefox keep DELETE (only POST changes on 301 and 302).
    for status in [301, 302, 307, 308] {
        let server =
            |outgoing: &Outgoing| match (outgoing.exchange, outgoing.url.to_string().as_str()) {
                (Exchange::Preflight, _) => permissive(outgoing),
                (Exchange::Actual, API) => redirect(status, "https://cdn.example/items"),
                _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")]),
            };
        for (browser, method) in [
            (Browser::WebKit, "GET"),
            (Browser::Chromium, "DELETE"),
            (Browser::Firefox, "DELETE"),
        ] {
            let (_, sent) = run(browser, request(API).method("DELETE"), server);
            let second = preflights(&sent).get(1).map(|p| {
                header(p, "access-control-request-method")
                    .unwrap_or_default()
                    .to_owned()
            });
            assert_eq!(
                second.as_deref(),
                Some(method),
                "{browser} {status}: {sent:?}"
            );
        }
    }
}

#[test]
fn webkit_2_50_caches_a_preflight_answer_that_refused_the_method() {
    // Observed in WebKit 2.50.6: the preflight for `PROPFIND` is answered with the
    // page's origin and `Access-Control-Allow-Headers: content-language` but no methods, so
    // the fetch fails; WebKit has already cached the answer, so a following `POST` with
    // `Content-Language: de/DE` goes out without a preflight. Chromium and Firefox cache
    // only answers that allowed the request, so they preflight the `POST`.
    let server = |outgoing: &Outgoing| match outgoing.exchange {
        Exchange::Preflight => ResponseHead::new(
            204,
            [
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Headers", "content-language"),
            ],
        ),
        Exchange::Actual => ResponseHead::new(200, [("Access-Control-Allow-Origin", PAGE)]),
    };
    for (browser, preflights_for_post) in [
        (Browser::WebKit, 0),
        (Browser::Chromium, 1),
        (Browser::Firefox, 1),
    ] {
        let mut cache = PreflightCache::new(browser);
        let mut server = server;
        let (refused, _) = run_cached(
            browser,
            request(API).method("PROPFIND"),
            &mut cache,
            &mut server,
        );
        assert!(
            matches!(
                refused.result,
                Err(ref blocked) if matches!(blocked.reason, BlockReason::MethodNotAllowed { .. })
            ),
            "{browser}: {refused:?}"
        );
        let (allowed, sent) = run_cached(
            browser,
            request(API)
                .method("POST")
                .header("Content-Language", "de/DE"),
            &mut cache,
            &mut server,
        );
        assert!(allowed.result.is_ok(), "{browser}: {allowed:?}");
        assert_eq!(
            preflights(&sent).len(),
            preflights_for_post,
            "{browser}: {sent:?}"
        );
    }
}

#[test]
fn webkit_2_50_drops_a_cached_answer_that_did_not_cover_a_request() {
    // WebKit's `canSkipPreflight` removes the entry it consulted when the entry does not
    // cover the request: a PUT is cached for 10 minutes, a DELETE misses and its preflight
    // fails, and the next PUT preflights again. Chromium and Firefox keep the PUT's answer.
    let server = |outgoing: &Outgoing| match (
        outgoing.exchange,
        header(outgoing, "access-control-request-method"),
    ) {
        (Exchange::Preflight, Some("PUT")) => ResponseHead::new(
            204,
            [
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Max-Age", "600"),
            ],
        ),
        (Exchange::Preflight, _) => ResponseHead::new(403, [("Content-Length", "0")]),
        (Exchange::Actual, _) => ResponseHead::new(200, [("Access-Control-Allow-Origin", PAGE)]),
    };
    for (browser, third_preflights) in [
        (Browser::WebKit, 1),
        (Browser::Chromium, 0),
        (Browser::Firefox, 0),
    ] {
        let mut cache = PreflightCache::new(browser);
        let mut server = server;
        let (put, _) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert!(put.result.is_ok(), "{browser}: {put:?}");
        let (delete, _) = run_cached(
            browser,
            request(API).method("DELETE"),
            &mut cache,
            &mut server,
        );
        assert!(delete.result.is_err(), "{browser}: {delete:?}");
        let (_, sent) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert_eq!(
            preflights(&sent).len(),
            third_preflights,
            "{browser}: {sent:?}"
        );
    }
}

#[test]
fn webkit_2_50_keeps_a_null_origin_on_a_same_origin_hop_and_none_across_origins() {
    // Observed in WebKit 2.50.6, no-cors POSTs: API -> third origin (308, `Origin: null`) -> same
    // third origin (302, now a GET): WebKit still sends `Origin: null`. And the page's own
    // origin -> API (303, a GET): no `Origin` at all.
    let chain = |outgoing: &Outgoing| match outgoing.url.to_string().as_str() {
        API => ResponseHead::new(308, [("Location", "https://cdn.example/a")]),
        "https://cdn.example/a" => ResponseHead::new(302, [("Location", "/b")]),
        "https://app.example/start" => ResponseHead::new(303, [("Location", API)]),
        _ => ResponseHead::new(200, [("Content-Length", "0")]),
    };
    let no_cors_post = |page: PageRequest| page.method("POST").mode(Mode::NoCors);
    let (_, sent) = run(Browser::WebKit, no_cors_post(request(API)), chain);
    let origins: Vec<Option<&str>> = sent.iter().map(|o| header(o, "origin")).collect();
    assert_eq!(
        origins,
        [Some(PAGE), Some("null"), Some("null")],
        "{sent:?}"
    );
    assert_eq!(sent[2].method, "GET");
    let (_, sent) = run(Browser::WebKit, no_cors_post(same_origin_request()), chain);
    let origins: Vec<Option<&str>> = sent.iter().map(|o| header(o, "origin")).collect();
    assert_eq!(origins[..2], [Some(PAGE), None], "{sent:?}");
}

#[test]
fn webkit_2_50_keeps_origin_on_a_redirected_no_cors_post() {
    // A no-cors POST answered with a same-origin 303: the GET that follows carries no `Origin`
    // by the spec (nor in Chromium or Firefox), but WebKit keeps the one it sent (after a
    // cross-origin redirect it sends none).
    let server = |outgoing: &Outgoing| {
        if outgoing.url.to_string() == API {
            ResponseHead::new(303, [("Location", "/items/r")])
        } else {
            ResponseHead::new(200, [("Content-Length", "0")])
        }
    };
    for (browser, expected) in [
        (Browser::WebKit, Some(PAGE)),
        (Browser::Chromium, None),
        (Browser::Firefox, None),
    ] {
        let (outcome, sent) = run(
            browser,
            request(API).method("POST").mode(Mode::NoCors),
            server,
        );
        assert!(outcome.result.is_ok(), "{browser}: {outcome:?}");
        assert_eq!(sent.len(), 2, "{browser}: {sent:?}");
        assert_eq!(sent[1].method, "GET");
        assert_eq!(header(&sent[1], "origin"), expected, "{browser}");
    }
}

#[test]
fn chromium_156_and_webkit_2_50_do_not_reuse_a_preflight_sent_after_a_cross_origin_redirect() {
    // Observed in Chromium 156 and WebKit 2.50.6: the preflight that follows a cross-origin redirect carries
    // `Origin: null`, and its answer serves no later fetch: a second identical fetch
    // preflights the redirect target again. The first hop's answer (sent with the page's
    // origin) is still reused. (Firefox sends the page's origin there.)
    let cdn = "https://cdn.example/r";
    let server = |outgoing: &Outgoing| match (outgoing.exchange, outgoing.url.to_string().as_str())
    {
        (Exchange::Preflight, _) => ResponseHead::new(
            204,
            [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Headers", "content-type"),
            ],
        ),
        (Exchange::Actual, API) => ResponseHead::new(
            301,
            [("Location", cdn), ("Access-Control-Allow-Origin", PAGE)],
        ),
        _ => ResponseHead::new(200, [("Access-Control-Allow-Origin", "*")]),
    };
    for browser in [Browser::Chromium, Browser::WebKit] {
        let mut cache = PreflightCache::new(browser);
        let fetch = || {
            request(API)
                .method("HEAD")
                .header("Content-Type", "application/json")
        };
        let (outcome, first) = run_cached(browser, fetch(), &mut cache, &mut { server });
        assert_eq!(outcome.result, Ok(ResponseType::Cors), "{browser}");
        let preflights = |sent: &[Outgoing]| -> Vec<String> {
            sent.iter()
                .filter(|o| o.exchange == Exchange::Preflight)
                .map(|o| o.url.to_string())
                .collect()
        };
        assert_eq!(preflights(&first), [API, cdn], "{browser}");
        let (_, second) = run_cached(browser, fetch(), &mut cache, &mut { server });
        let again = preflights(&second);
        assert_eq!(again, [cdn], "{browser}");
    }
}
