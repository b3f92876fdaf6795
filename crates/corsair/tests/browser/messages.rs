//! Console messages, causes and fixes.

use crate::support::*;

fn blocked_message(
    browser: Browser,
    page: PageRequest,
    server: impl FnMut(&Outgoing) -> ResponseHead,
) -> String {
    run(browser, page, server)
        .0
        .result
        .unwrap_err()
        .console_message(browser)
}

#[test]
fn chromium_messages() {
    let prefix = format!(
        "Access to fetch at '{API}' from origin '{PAGE}' has been blocked by CORS policy: "
    );
    assert_eq!(
        blocked_message(Browser::Chromium, request(API), |_| ResponseHead::new(
            200,
            [("Access-Control-Allow-Origin", "https://other.example")]
        )),
        format!(
            "{prefix}The 'Access-Control-Allow-Origin' header has a value 'https://other.example' that is not equal to the supplied origin. Have the server send the header with a valid value."
        )
    );
    // Preflight access failures carry the preflight prefix; method failures do not.
    assert_eq!(
        blocked_message(Browser::Chromium, request(API).method("PUT"), |_| {
            ResponseHead::new(500, [ORIGIN_OK])
        }),
        format!(
            "{prefix}Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
        )
    );
    assert_eq!(
        blocked_message(Browser::Chromium, request(API).method("PUT"), |_| {
            ResponseHead::new(204, [ORIGIN_OK])
        }),
        format!(
            "{prefix}Method PUT is not allowed by Access-Control-Allow-Methods in preflight response."
        )
    );
    // After a redirect, both URLs are named.
    let message = blocked_message(Browser::Chromium, request(API), |outgoing| {
        if outgoing.url.to_string() == API {
            redirect(302, "https://api.example/v2")
        } else {
            ResponseHead::new(200, Vec::<(String, String)>::new())
        }
    });
    assert!(message.starts_with(&format!("Access to fetch at 'https://api.example/v2' (redirected from '{API}') from origin '{PAGE}'")), "{message}");
    // Non-ASCII in hints is escaped (EncodeHint).
    let message = blocked_message(Browser::Chromium, request(API), |_| {
        ResponseHead::new(
            200,
            [("Access-Control-Allow-Origin", "https://bücher.example")],
        )
    });
    assert!(
        message.contains("'https://b\\u00FCcher.example'"),
        "{message}"
    );
}

#[test]
fn firefox_messages() {
    let base = format!(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {API}. (Reason: "
    );
    assert_eq!(
        blocked_message(Browser::Firefox, request(API), |_| ResponseHead::new(
            404,
            Vec::<(String, String)>::new()
        )),
        format!("{base}CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 404.")
    );
    assert_eq!(
        blocked_message(
            Browser::Firefox,
            request(API).credentials(Credentials::Include),
            |_| ResponseHead::new(200, [("Access-Control-Allow-Origin", "*")])
        ),
        format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{API}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’)."
        )
    );
    assert_eq!(
        blocked_message(Browser::Firefox, request(API).header("X-A", "1"), |_| {
            ResponseHead::new(204, [ORIGIN_OK])
        }),
        // Firefox 153 follows a failed preflight with the failure of the request itself.
        format!(
            "{base}header ‘x-a’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).\n{base}CORS request did not succeed). Status code: (null)."
        )
    );
}

#[test]
fn webkit_messages_have_a_reason_line_and_a_summary_line() {
    assert_eq!(
        blocked_message(Browser::WebKit, request(API).method("PUT"), |_| {
            ResponseHead::new(403, [ORIGIN_OK])
        }),
        format!(
            "Preflight response is not successful. Status code: 403\nFetch API cannot load {API} due to access control checks."
        )
    );
    assert_eq!(
        blocked_message(Browser::WebKit, request(API), |_| ResponseHead::new(
            200,
            Vec::<(String, String)>::new()
        )),
        format!(
            "Origin {PAGE} is not allowed by Access-Control-Allow-Origin. Status code: 200\nFetch API cannot load {API} due to access control checks."
        )
    );
}

#[test]
fn every_block_explains_itself_and_names_the_fix() {
    let (outcome, _) = run(
        Browser::Chromium,
        request(API).header("X-Api-Key", "k"),
        |_| ResponseHead::new(204, [ORIGIN_OK]),
    );
    let blocked = outcome.result.unwrap_err();
    assert!(blocked.cause().contains("x-api-key"), "{}", blocked.cause());
    assert!(
        blocked
            .fix()
            .contains("Access-Control-Allow-Headers: x-api-key"),
        "{}",
        blocked.fix()
    );
    assert!(
        blocked.fix().contains("allow_headers"),
        "and as a corsair policy change"
    );
    assert_eq!(blocked.reason.kind(), "header_not_allowed");
}
