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
