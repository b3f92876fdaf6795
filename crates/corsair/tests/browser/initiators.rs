//! What each initiator derives and sends (the HTML and Fetch Standards), and where the
//! engines depart from it, as the real-browser suite `initiators` observed them.

use corsair::browser::{FetchSite, Initiator, Readable, Url, recognize};

use crate::support::*;

fn by(initiator: Initiator, url: &str) -> PageRequest {
    PageRequest::by(
        initiator,
        Origin::parse(PAGE).unwrap(),
        url.parse().unwrap(),
    )
}

/// A server that answers everything without any CORS header.
fn no_cors_headers(_: &Outgoing) -> ResponseHead {
    ResponseHead::new(200, [("Content-Type", "font/woff2")])
}

#[test]
fn webkit_2_50_loads_a_cross_origin_font_without_any_cors_check() {
    let (outcome, sent) = run(Browser::WebKit, by(Initiator::Font, API), no_cors_headers);
    assert!(outcome.result.is_ok(), "{outcome:?}");
    assert_eq!(header(&sent[0], "origin"), None, "{sent:?}");
    for browser in [Browser::Chromium, Browser::Firefox] {
        let (outcome, sent) = run(browser, by(Initiator::Font, API), no_cors_headers);
        let blocked = outcome.result.unwrap_err();
        assert_eq!(blocked.reason, BlockReason::MissingAllowOrigin);
        assert_eq!(header(&sent[0], "origin"), Some(PAGE), "{browser}");
    }
}

#[test]
fn chromium_156_and_webkit_2_50_send_origin_on_same_origin_element_loads() {
    let own = format!("{PAGE}/font.woff2");
    for (browser, origin) in [
        (Browser::Chromium, Some(PAGE)),
        (Browser::WebKit, Some(PAGE)),
        (Browser::Firefox, None),
    ] {
        let (_, sent) = run(browser, by(Initiator::ModuleScript, &own), permissive);
        assert_eq!(header(&sent[0], "origin"), origin, "{browser}");
        // fetch() and XMLHttpRequest send none to their own origin.
        let (_, sent) = run(browser, by(Initiator::Xhr, &own), permissive);
        assert_eq!(header(&sent[0], "origin"), None, "{browser}");
    }
    // An element without `crossorigin` is no-cors: no `Origin` on a GET.
    let image = by(Initiator::Image, &own).mode(Mode::NoCors);
    let (_, sent) = run(Browser::Chromium, image, permissive);
    assert_eq!(header(&sent[0], "origin"), None);
}

#[test]
fn firefox_153_combines_xhr_headers_as_set_request_header_does() {
    // Two `Range` lines are each safelisted; combined they are not, so XMLHttpRequest
    // preflights where Firefox's fetch(), which judges entries one by one, does not.
    let twice = |request: PageRequest| {
        request
            .header("Range", "bytes=0-1")
            .header("Range", "bytes=0-1")
    };
    let (_, fetched) = run(Browser::Firefox, twice(request(API)), permissive);
    assert!(preflights(&fetched).is_empty(), "{fetched:?}");
    let xhr = twice(by(Initiator::Xhr, API));
    let (_, sent) = run(Browser::Firefox, xhr, permissive);
    assert_eq!(
        header(preflights(&sent)[0], "access-control-request-headers"),
        Some("range")
    );
}

#[test]
fn firefox_153_refuses_a_list_of_content_types_without_a_preflight() {
    // Two safelisted values, combined by setRequestHeader into a list of types: safelisted
    // for the spec's MIME parser (and Chromium), not for Gecko's.
    let xhr = by(Initiator::Xhr, API)
        .method("POST")
        .header("Content-Type", "text/plain;charset=UTF-8")
        .header("Content-Type", "text/plain");
    for (browser, preflighted) in [(Browser::Firefox, true), (Browser::Chromium, false)] {
        let (_, sent) = run(browser, xhr.clone(), permissive);
        assert_eq!(
            !preflights(&sent).is_empty(),
            preflighted,
            "{browser}: {sent:?}"
        );
    }
}

#[test]
fn only_fetch_and_xhr_let_script_read_headers() {
    let exposing = |outgoing: &Outgoing| {
        let mut head = permissive(outgoing);
        head.headers.push(("X-Request-Id".into(), b"1".to_vec()));
        head.headers.push((
            "Access-Control-Expose-Headers".into(),
            b"x-request-id".to_vec(),
        ));
        head
    };
    for initiator in Initiator::ALL {
        let request = by(initiator, API);
        let (outcome, _) = run(Browser::Chromium, request, exposing);
        let readable = !outcome.readable_headers.is_empty();
        let expected = initiator.readable() != Readable::Nothing;
        assert_eq!(readable, expected, "{initiator}: {outcome:?}");
    }
}

#[test]
fn initiators_add_their_own_accept_and_never_preflight_as_elements() {
    let (_, sent) = run(
        Browser::Firefox,
        by(Initiator::EventSource, API),
        permissive,
    );
    assert_eq!(header(&sent[0], "accept"), Some("text/event-stream"));
    let (_, sent) = run(Browser::Firefox, by(Initiator::Stylesheet, API), permissive);
    assert_eq!(header(&sent[0], "accept"), Some("text/css,*/*;q=0.1"));
    assert!(preflights(&sent).is_empty());
    let (_, sent) = run(Browser::Firefox, request(API), permissive);
    assert_eq!(header(&sent[0], "accept"), Some("*/*"));
    let (_, sent) = run(
        Browser::Chromium,
        request(API).header("Accept", "a/b"),
        permissive,
    );
    assert_eq!(
        header(&sent[0], "accept"),
        Some("a/b"),
        "the page's own wins"
    );
}

#[test]
fn each_engine_asks_for_images_and_fonts_in_its_own_words() {
    let accept = |browser, initiator| {
        let (_, sent) = run(browser, by(initiator, API), permissive);
        header(&sent[0], "accept").map(str::to_owned)
    };
    // Observed in Chromium 156: JPEG XL first.
    assert!(
        accept(Browser::Chromium, Initiator::Image)
            .is_some_and(|value| value.starts_with("image/jxl,image/avif,"))
    );
    // Observed in WebKitGTK 2.50: video types too.
    assert!(
        accept(Browser::WebKit, Initiator::Image).is_some_and(|value| value.contains("video/*"))
    );
    // Observed in Firefox 153: WOFF2 and WOFF first; the others send */* for fonts.
    assert_eq!(
        accept(Browser::Firefox, Initiator::Font).as_deref(),
        Some("application/font-woff2;q=1.0,application/font-woff;q=0.9,*/*;q=0.8")
    );
    assert_eq!(
        accept(Browser::Chromium, Initiator::Font).as_deref(),
        Some("*/*")
    );
}

#[test]
fn an_event_source_announces_its_no_store_cache_mode() {
    for browser in Browser::ALL {
        let (_, sent) = run(browser, by(Initiator::EventSource, API), permissive);
        assert_eq!(header(&sent[0], "cache-control"), Some("no-cache"));
        assert_eq!(header(&sent[0], "pragma"), Some("no-cache"));
        let (_, sent) = run(browser, by(Initiator::Xhr, API), permissive);
        assert_eq!(header(&sent[0], "cache-control"), None);
    }
    // Observed in WebKitGTK 2.50: redirected to another origin, the request keeps only
    // `Cache-Control`; within one origin, both.
    // From the page's own origin to another is no taint, and `Pragma` goes all the same.
    let own = format!("{PAGE}/events");
    for (from, to, across) in [
        (API, "https://api.example/moved", false),
        (API, "https://cdn.example/moved", true),
        (own.as_str(), "https://cdn.example/moved", true),
    ] {
        let once = |outgoing: &Outgoing| {
            if outgoing.url.to_string() == from {
                redirect(307, to)
            } else {
                permissive(outgoing)
            }
        };
        for browser in Browser::ALL {
            let (_, sent) = run(browser, by(Initiator::EventSource, from), once);
            assert_eq!(sent.len(), 2, "{browser}");
            assert_eq!(header(&sent[1], "cache-control"), Some("no-cache"));
            let pragma = header(&sent[1], "pragma");
            assert_eq!(
                pragma.is_none(),
                across && browser == Browser::WebKit,
                "{browser} {from} -> {to}"
            );
        }
    }
}

#[test]
fn a_form_is_a_navigation_with_fetch_metadata_and_no_cors_check() {
    let form = by(Initiator::Form, "https://api.app.example/write")
        .method("POST")
        .header("Content-Type", "multipart/form-data");
    assert_eq!(form.validate(), Ok(()));
    let (outcome, sent) = run(Browser::Chromium, form.clone(), no_cors_headers);
    assert!(outcome.result.is_ok(), "{outcome:?}");
    let actual = &sent[0];
    assert_eq!(header(actual, "origin"), Some(PAGE));
    assert_eq!(header(actual, "sec-fetch-site"), Some("same-site"));
    assert_eq!(header(actual, "sec-fetch-mode"), Some("navigate"));
    // Submitted to the page's own window; one submitted into a frame says `iframe`.
    assert_eq!(header(actual, "sec-fetch-dest"), Some("document"));
    // A redirect through another site makes the rest of the chain cross-site.
    let chain = |outgoing: &Outgoing| match outgoing.url.to_string().as_str() {
        "https://api.app.example/write" => redirect(307, "https://elsewhere.test/hop"),
        "https://elsewhere.test/hop" => redirect(307, "https://app.example/done"),
        _ => ResponseHead::new(200, [("Content-Type", "text/html")]),
    };
    let (_, sent) = run(Browser::Firefox, form.clone(), chain);
    let sites: Vec<_> = sent.iter().map(|o| header(o, "sec-fetch-site")).collect();
    assert_eq!(
        sites,
        [Some("same-site"), Some("cross-site"), Some("cross-site")]
    );
    assert!(form.method("PUT").validate().is_err());
    let page = Origin::parse(PAGE).unwrap();
    let url = Url::parse("https://app.example/x").unwrap();
    assert_eq!(
        FetchSite::between(&page, url.origin()),
        FetchSite::SameOrigin
    );
}

#[test]
fn each_engine_names_the_initiator_in_its_message_and_explain_reads_it_back() {
    let cases = [
        (Browser::Chromium, Initiator::Font, "Access to font at "),
        (
            Browser::Chromium,
            Initiator::Xhr,
            "Access to XMLHttpRequest at ",
        ),
        (Browser::Chromium, Initiator::Image, "Access to image at "),
        (
            Browser::Chromium,
            Initiator::ModuleScript,
            "Access to script at ",
        ),
        (
            Browser::Chromium,
            Initiator::Stylesheet,
            "Access to CSS stylesheet at ",
        ),
        (
            Browser::Chromium,
            Initiator::EventSource,
            "Access to resource at ",
        ),
        (
            Browser::WebKit,
            Initiator::Xhr,
            "\nXMLHttpRequest cannot load ",
        ),
        (Browser::WebKit, Initiator::Image, "\nCannot load image "),
        (
            Browser::WebKit,
            Initiator::EventSource,
            "\nEventSource cannot load ",
        ),
        (
            Browser::Firefox,
            Initiator::EventSource,
            "\nFirefox can’t establish a connection to the server at ",
        ),
    ];
    for (browser, initiator, wording) in cases {
        let (outcome, _) = run(browser, by(initiator, API), |_| {
            ResponseHead::new(200, [("a", "b")])
        });
        let blocked = outcome.result.unwrap_err();
        let message = blocked.console_message(browser);
        assert!(
            message.contains(wording),
            "{browser} {initiator}: {message}"
        );
        let read = recognize(&message).unwrap();
        assert_eq!(read.browser, browser, "{message}");
        assert_eq!(read.finding.kind(), "missing_allow_origin", "{message}");
    }
    // WebKit prints no summary line for module scripts and stylesheets.
    for initiator in [Initiator::ModuleScript, Initiator::Stylesheet] {
        let (outcome, _) = run(Browser::WebKit, by(initiator, API), |_| {
            ResponseHead::new(200, [("a", "b")])
        });
        let message = outcome.result.unwrap_err().console_message(Browser::WebKit);
        assert_eq!(message.lines().count(), 1, "{message}");
    }
}

#[test]
fn chromium_156_tells_an_xhr_where_its_credentials_mode_comes_from() {
    let wildcard = |_: &Outgoing| ResponseHead::new(200, [("Access-Control-Allow-Origin", "*")]);
    let xhr = by(Initiator::Xhr, API).credentials(Credentials::Include);
    let (outcome, _) = run(Browser::Chromium, xhr, wildcard);
    let message = outcome
        .result
        .unwrap_err()
        .console_message(Browser::Chromium);
    assert!(
        message.ends_with("The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."),
        "{message}"
    );
    let (outcome, _) = run(
        Browser::Chromium,
        request(API).credentials(Credentials::Include),
        wildcard,
    );
    let message = outcome
        .result
        .unwrap_err()
        .console_message(Browser::Chromium);
    assert!(!message.contains("withCredentials"), "{message}");
}

#[test]
fn xhr_open_refuses_methods_with_each_engines_dom_exception() {
    let cases = [
        (
            Browser::Chromium,
            "GE T",
            "Failed to execute 'open' on 'XMLHttpRequest': 'GE T' is not a valid HTTP method.",
        ),
        (
            Browser::Chromium,
            "TRACE",
            "Failed to execute 'open' on 'XMLHttpRequest': 'TRACE' HTTP method is unsupported.",
        ),
        (
            Browser::Firefox,
            "GE T",
            "SyntaxError: An invalid or illegal string was specified",
        ),
        (
            Browser::Firefox,
            "TRACE",
            "SecurityError: The operation is insecure.",
        ),
        (
            Browser::WebKit,
            "GE T",
            "SyntaxError: The string did not match the expected pattern.",
        ),
        (
            Browser::WebKit,
            "TRACE",
            "SecurityError: The operation is insecure.",
        ),
    ];
    for (browser, method, text) in cases {
        let (outcome, sent) = run(browser, by(Initiator::Xhr, API).method(method), permissive);
        assert!(sent.is_empty(), "{browser} {method}: {sent:?}");
        assert_eq!(outcome.result.unwrap_err().console_message(browser), text);
    }
}

#[test]
fn generic_dom_exceptions_are_never_read_as_a_cors_reason() {
    // Safari prints this one for a failed `response.json()` too, Firefox its own for a bad
    // selector: a method error is only one of their causes.
    for text in [
        "SyntaxError: The string did not match the expected pattern.",
        "SyntaxError: An invalid or illegal string was specified",
        "SecurityError: The operation is insecure.",
    ] {
        assert!(recognize(text).is_none(), "{text}");
    }
    let chromium =
        "Failed to execute 'open' on 'XMLHttpRequest': 'GE T' is not a valid HTTP method.";
    assert_eq!(
        recognize(chromium).unwrap().finding.kind(),
        "invalid_method"
    );
}

#[test]
fn no_cors_keeps_a_high_byte_accept_except_in_firefox() {
    // `é` is one byte of a ByteString however the engine encodes it on the wire (WebKitGTK
    // 2.50 sends UTF-8): 100 of them stay within the 128-byte limit. Firefox 153 finds any
    // byte of 0x80 or more in `Accept` unsafe, and its `no-cors` guard drops the header.
    let accept = "é".repeat(100);
    for browser in Browser::ALL {
        let request = request(API)
            .mode(Mode::NoCors)
            .header("Accept", accept.clone());
        let (_, sent) = run(browser, request, no_cors_headers);
        let expected = match browser {
            Browser::Firefox => "*/*",
            _ => accept.as_str(),
        };
        assert_eq!(header(&sent[0], "accept"), Some(expected), "{browser}");
    }
}
