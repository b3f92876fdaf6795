//! Facts of Firefox 153.7.0esr, observed by the real-browser suite.

use crate::support::*;

#[test]
fn firefox_153_judges_each_appended_header_entry_on_its_own() {
    // `Content-Type: text/plain` appended twice: Chromium judges the combined
    // `text/plain, text/plain` (not safelisted), Firefox each entry (both safelisted).
    let twice = || {
        request(API)
            .header("Content-Type", "text/plain")
            .header("Content-Type", "text/plain")
    };
    let (_, sent) = run(Browser::Firefox, twice(), permissive);
    assert!(preflights(&sent).is_empty(), "{sent:?}");
    let (_, sent) = run(Browser::Chromium, twice(), permissive);
    assert_eq!(
        header(preflights(&sent)[0], "access-control-request-headers"),
        Some("content-type")
    );
    // Unsafe entries keep their duplicates in `Access-Control-Request-Headers`.
    let json = request(API)
        .header("Content-Type", "application/json")
        .header("content-type", "application/json")
        .header("Range", "bytes=0-");
    let (_, sent) = run(Browser::Firefox, json, permissive);
    assert_eq!(
        header(preflights(&sent)[0], "access-control-request-headers"),
        Some("content-type,content-type")
    );
}

#[test]
fn firefox_153_counts_bytes_above_0x7f_as_unsafe_in_accept_and_content_type() {
    // `é` is byte 0xE9; Gecko compares it as a signed char (< 0x20), so it is unsafe.
    let accept = || request(API).header("Accept", "é");
    let (_, sent) = run(Browser::Firefox, accept(), permissive);
    assert_eq!(
        header(preflights(&sent)[0], "access-control-request-headers"),
        Some("accept")
    );
    let (_, sent) = run(Browser::Chromium, accept(), permissive);
    assert!(preflights(&sent).is_empty(), "{sent:?}");
}

#[test]
fn firefox_153_forgets_cached_preflights_when_a_response_fails_the_cors_check() {
    let server = |outgoing: &Outgoing| {
        if outgoing.exchange == Exchange::Preflight {
            let mut head = permissive(outgoing);
            head = ResponseHead::new(
                head.status,
                head.headers
                    .into_iter()
                    .chain([("Access-Control-Max-Age".to_owned(), b"600".to_vec())]),
            );
            head
        } else {
            ResponseHead::new(200, [("Content-Length", "0")])
        }
    };
    for (browser, second_preflights) in [(Browser::Firefox, 1), (Browser::Chromium, 0)] {
        let mut cache = PreflightCache::new(browser);
        let mut server = server;
        let (first, _) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert!(first.result.is_err());
        let (_, sent) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert_eq!(preflights(&sent).len(), second_preflights, "{browser}");
    }
}

#[test]
fn firefox_153_and_webkit_2_50_preflight_every_hop_after_a_preflighted_one() {
    // A preflighted PATCH answered with a cross-origin 303: the GET that follows needs no
    // preflight by the spec (nor in Chromium), but Firefox sends one, with the page's origin,
    // and WebKit 2.50.6 too, with `Origin: null`.
    const CDN: &str = "https://cdn.example/r";
    let server = |outgoing: &Outgoing| {
        if outgoing.exchange == Exchange::Preflight {
            permissive(outgoing)
        } else if outgoing.url.to_string() == API {
            redirect(303, CDN)
        } else {
            ResponseHead::new(200, [("Access-Control-Allow-Origin", "null")])
        }
    };
    for (browser, expected) in [
        (Browser::Firefox, 2),
        (Browser::WebKit, 2),
        (Browser::Chromium, 1),
    ] {
        let (outcome, sent) = run(browser, request(API).method("PATCH"), server);
        // (WebKit's `Origin: null` preflight then fails: the answer names the page.)
        assert_eq!(
            outcome.result.is_ok(),
            browser != Browser::WebKit,
            "{browser}: {outcome:?}"
        );
        let preflights = preflights(&sent);
        assert_eq!(preflights.len(), expected, "{browser}: {sent:?}");
        if browser != Browser::Chromium {
            let last = preflights.last().unwrap();
            assert_eq!(last.url.to_string(), CDN);
            assert_eq!(header(last, "access-control-request-method"), Some("GET"));
            let origin = if browser == Browser::Firefox {
                PAGE
            } else {
                "null"
            };
            assert_eq!(header(last, "origin"), Some(origin), "{browser}");
        }
    }
}
