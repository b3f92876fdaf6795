//! Reading console messages back (`recognize`): every message the model prints, and nothing
//! else.

use corsair::browser::{BlockReason, Blocked, Browser, Finding, Initiator, recognize};

/// The model's reason a text was read as.
fn read_back(text: &str) -> Option<(Browser, Blocked)> {
    let recognized = recognize(text)?;
    match recognized.finding {
        Finding::Blocked(blocked) => Some((recognized.browser, blocked)),
        _ => None,
    }
}

fn example(reason: BlockReason, in_preflight: bool) -> Blocked {
    Blocked {
        initiator: Initiator::Fetch,
        reason,
        in_preflight,
        url: "https://api.example/items?x=1".into(),
        initial_url: "https://api.example/items?x=1".into(),
        origin: "https://app.example".into(),
        page_origin: "https://app.example".into(),
        status: Some(404),
    }
}

/// Renders a concrete failure and reads it back: the reason (up to the engines' own
/// ambiguities) and the values must survive.
#[test]
fn every_message_of_every_engine_is_recognised() {
    use BlockReason::*;
    let reasons = [
        MissingAllowOrigin,
        MultipleAllowOriginValues {
            value: "https://a.example, https://b.example".into(),
        },
        AllowOriginMismatch {
            value: "https://other.example".into(),
        },
        WildcardOriginNotAllowed,
        InvalidAllowCredentials {
            value: "True".into(),
        },
        PreflightInvalidStatus { status: 401 },
        PreflightDisallowedRedirect,
        InvalidAllowMethods {
            token: "(bad)".into(),
        },
        InvalidAllowHeaders {
            token: "x y".into(),
        },
        MethodNotAllowed {
            method: "PATCH".into(),
        },
        HeaderNotAllowed {
            name: "x-api-key".into(),
        },
        DisallowedByMode,
    ];
    for browser in Browser::ALL {
        for reason in &reasons {
            for in_preflight in [false, true] {
                let blocked = example(reason.clone(), in_preflight);
                let message = blocked.console_message(browser);
                let (read_as, recognized) = read_back(&format!("  [Error] {message}  "))
                    .unwrap_or_else(|| panic!("{browser}: not recognised: {message}"));
                assert_eq!(read_as, browser, "{message}");
                // What the message says, rendered again, is the message itself.
                assert_eq!(recognized.console_message(browser), message, "{browser}");
            }
        }
    }
}

#[test]
fn values_are_read_back() {
    let message = "Access to fetch at 'https://api.example/v2' (redirected from 'https://api.example/v1') from origin 'http://localhost:3000' has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.";
    let (_, recognized) = read_back(message).unwrap();
    assert_eq!(
        recognized.reason,
        BlockReason::HeaderNotAllowed {
            name: "x-api-key".into()
        }
    );
    assert_eq!(recognized.url, "https://api.example/v2");
    assert_eq!(recognized.initial_url, "https://api.example/v1");
    assert_eq!(recognized.origin, "http://localhost:3000");
}

#[test]
fn webkit_2_50_preflight_status_tells_a_redirect_from_a_failed_status() {
    let reading = |status: u16| {
        let text = format!("Preflight response is not successful. Status code: {status}");
        read_back(&text).map(|(browser, b)| (browser, b.reason))
    };
    assert_eq!(
        reading(404),
        Some((
            Browser::WebKit,
            BlockReason::PreflightInvalidStatus { status: 404 }
        ))
    );
    assert_eq!(
        reading(302),
        Some((Browser::WebKit, BlockReason::PreflightDisallowedRedirect))
    );
}

#[test]
fn chromium_156_log_wording_of_network_errors_is_recognised() {
    for (text, kind) in [
        (
            "Failed to load resource: net::ERR_TOO_MANY_REDIRECTS",
            "too_many_redirects",
        ),
        (
            "Failed to load resource: net::ERR_INVALID_REDIRECT",
            "invalid_redirect_location",
        ),
    ] {
        let (browser, reading) = read_back(text).unwrap();
        assert_eq!((browser, reading.reason.kind()), (Browser::Chromium, kind));
    }
}

#[test]
fn webkit_2_50_redirect_that_fails_the_cors_check_names_the_page_origin() {
    let text = "Cross-origin redirection to http://localhost:33641/s/1/r denied by Cross-Origin Resource Sharing policy: Origin http://127.0.0.1:37655 is not allowed by Access-Control-Allow-Origin. Status code: 302\nFetch API cannot load http://localhost:33641/s/1 due to access control checks.";
    let (browser, reading) = read_back(text).unwrap();
    assert_eq!(browser, Browser::WebKit);
    assert_eq!(reading.origin, "http://127.0.0.1:37655");
    assert_eq!(reading.status, Some(302));
}

#[test]
fn webkit_2_50_summary_line_alone_is_not_a_same_origin_mode_failure() {
    let text = "Fetch API cannot load http://localhost:18081/x due to access control checks.";
    let reading = recognize(text).unwrap();
    assert_eq!(reading.finding.kind(), "unspecified");
    assert_eq!(reading.finding.url(), "http://localhost:18081/x");
}

#[test]
fn firefox_153_same_origin_mode_error_of_a_page_below_the_root() {
    let text = "Security Error: Content at http://127.0.0.1:18080/app/index.html may not load data from http://localhost:18081/items.";
    let (browser, reading) = read_back(text).unwrap();
    assert_eq!(
        (browser, reading.reason),
        (Browser::Firefox, BlockReason::DisallowedByMode)
    );
    assert_eq!(reading.origin, "http://127.0.0.1:18080");
    assert_eq!(reading.url, "http://localhost:18081/items");
}

#[test]
fn other_text_is_not_recognised() {
    for text in [
        "",
        "Uncaught TypeError: x is undefined",
        "Access to fetch at",
        "CORS",
    ] {
        assert_eq!(recognize(text), None, "{text}");
    }
}

/// Messages pasted wrapped over several lines (as in issue threads): read as one, with the
/// URL and origin their first line names.
#[test]
fn wrapped_messages_are_read_whole() {
    let wrapped = [
        // github.com/gptme/gptme/pull/2635
        (
            "Access to fetch at 'http://127.0.0.1:5700/api/v2' from origin\n'https://chat.gptme.org' has been blocked by CORS policy: Permission was\ndenied for this request to access the `loopback` address space.",
            "private_network_access",
            "http://127.0.0.1:5700/api/v2",
            "https://chat.gptme.org",
        ),
        // github.com/novosga/novosga/pull/397
        (
            "Access to XMLHttpRequest at 'http://domainx:port/api/distribui' from origin 'http://domainy:port'\nhas been blocked by CORS policy: Response to preflight request doesn't pass access control\ncheck: It does not have HTTP ok status.",
            "preflight_invalid_status",
            "http://domainx:port/api/distribui",
            "http://domainy:port",
        ),
        // github.com/api-platform/demo/issues/14
        (
            "Fetch API cannot load https://demo.api-platform.com/index.jsonld. Response to preflight request\ndoesn't pass access control check: The 'Access-Control-Allow-Origin' header contains the invalid\nvalue 'null'. Origin 'http://localhost:3000' is therefore not allowed access.",
            "invalid_allow_origin_value",
            "https://demo.api-platform.com/index.jsonld",
            "http://localhost:3000",
        ),
    ];
    for (text, kind, url, origin) in wrapped {
        let found = corsair::browser::recognize_all(text);
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].lines, 3, "{text}");
        let finding = &found[0].finding;
        assert_eq!(
            (finding.kind(), finding.url(), finding.origin()),
            (kind, url, origin),
            "{text}"
        );
    }
    // Two whole messages, one after the other, stay two, even when the first ends without
    // its full stop and the second starts with the console's lowercase source location.
    let two = "Access to fetch at 'https://a.example/x' from origin 'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource\nindex.html:1 Access to fetch at 'https://b.example/y' from origin 'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource";
    let found = corsair::browser::recognize_all(two);
    let urls: Vec<_> = found.iter().map(|r| r.finding.url()).collect();
    assert_eq!(urls, ["https://a.example/x", "https://b.example/y"]);
    // A network line, then a line naming another URL in a wording that is only a frame:
    // joined, they would pin one request's URL on the other's line.
    let two = "GET https://a.example/x net::ERR_FAILED\nindex.html:1 Failed to load https://b.example/y: Request requires preflight";
    let found = corsair::browser::recognize_all(two);
    assert_eq!(found[0].finding.url(), "https://a.example/x", "{found:?}");
}

/// A Firefox line cut before its reason still tells that Firefox blocked the response, and
/// a reason on the line outranks that, however short its wording.
#[test]
fn a_firefox_line_without_its_reason_is_a_block_with_no_reason() {
    let cut = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x";
    let recognized = recognize(cut).expect("recognised");
    assert_eq!(recognized.browser, Browser::Firefox);
    assert_eq!(recognized.finding.kind(), "unspecified");
    assert_eq!(recognized.finding.url(), "https://api.example/x");
    let disabled = format!("{cut}. (Reason: CORS disabled).");
    assert_eq!(
        recognize(&disabled).unwrap().finding.kind(),
        "cors_disabled"
    );
}

/// What a reason's value shows it stands for, and what a response's error status adds.
#[test]
fn explanations_read_the_values_the_text_gives() {
    let explained = |text: &str| {
        let (_, blocked) = read_back(text).expect("recognised");
        (blocked.cause(), blocked.fix())
    };
    // github.com/JakeChampion/fetch/issues/277: Firefox before 52 on `*` with credentials.
    let (cause, fix) = explained(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x. (Reason: CORS header 'Access-Control-Allow-Origin' does not match '*').",
    );
    assert!(cause.contains("credentials"), "{cause}");
    assert!(fix.contains("instead of `*`"), "{fix}");
    // github.com/monsur/enable-cors.org/issues/169: the header sent twice.
    let (cause, fix) = explained(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://demo4.spmpltech.com/api/home/Getlist. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘*, *’).",
    );
    assert!(cause.contains("several origins (`*, *`)"), "{cause}");
    assert!(fix.contains("exactly one"), "{fix}");
    // github.com/ichard26/next-pr-number/issues/7: the status is the first problem.
    let (cause, _) = explained(
        "Failed to load resource: Origin https://ichard26.github.io is not allowed by Access-Control-Allow-Origin. Status code: 421",
    );
    assert!(cause.contains("It is a 421"), "{cause}");
    let (cause, _) = explained(
        "Access to fetch at 'https://api.example/x' from origin 'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.",
    );
    assert!(!cause.contains("It is a"), "{cause}");
    // A preflight's status tells which layer answered OPTIONS (Firefox names the missing
    // header first, then that the request did not succeed).
    let (cause, _) = explained(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x. (Reason: CORS header 'Access-Control-Allow-Origin' missing). Status code: 405.\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x. (Reason: CORS request did not succeed). Status code: (null).",
    );
    assert!(
        cause.contains("It is a 405 (routing runs before CORS"),
        "{cause}"
    );
    // A value with a path is one (wrong) origin, not a list.
    let (cause, _) = explained(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.example/x. (Reason: CORS header 'Access-Control-Allow-Origin' does not match 'https://app.example/a,b').",
    );
    assert!(
        cause.contains("allows origin `https://app.example/a,b`"),
        "{cause}"
    );
    // A preflight status the text does not give is not shown as 0.
    let (_, fix) = explained(
        "Access to XMLHttpRequest at 'https://api.example/x' from origin 'https://app.example' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status",
    );
    assert!(fix.contains("the error status comes from"), "{fix}");
}

/// github.com/samdutton/simpl/issues/113: the older sentence names the URL first requested,
/// then the redirect whose target's response failed.
#[test]
fn a_redirects_target_is_the_url_that_failed() {
    let (_, blocked) = read_back(
        "Failed to load https://sse.now.sh/: Redirect from 'https://sse.now.sh/' to 'https://zeit.co/hemanth/sse-now/vhtqsczurm?redirect=1' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'https://simpl.info' is therefore not allowed access.",
    )
    .expect("recognised");
    assert_eq!(
        (blocked.initial_url.as_str(), blocked.url.as_str()),
        (
            "https://sse.now.sh/",
            "https://zeit.co/hemanth/sse-now/vhtqsczurm?redirect=1"
        )
    );
}
