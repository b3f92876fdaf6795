//! The CORS check of a response, and which of its headers script can read.

use crate::support::*;

fn actual_with(headers: &[(&str, &str)], credentials: Credentials, browser: Browser) -> Outcome {
    let owned: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    run(browser, request(API).credentials(credentials), move |_| {
        ResponseHead::new(200, owned.clone())
    })
    .0
}

#[test]
fn cors_check_rules() {
    // Fetch "CORS check".
    use Credentials::*;
    type Case<'a> = (&'a [(&'a str, &'a str)], Credentials, Option<BlockReason>);
    let cases: &[Case<'_>] = &[
        (&[], Omit, Some(BlockReason::MissingAllowOrigin)),
        (&[("Access-Control-Allow-Origin", "*")], Omit, None),
        (
            &[("Access-Control-Allow-Origin", "*")],
            Include,
            Some(BlockReason::WildcardOriginNotAllowed),
        ),
        (&[("Access-Control-Allow-Origin", PAGE)], Omit, None),
        (
            &[("Access-Control-Allow-Origin", "https://app.example/")],
            Omit,
            Some(BlockReason::AllowOriginMismatch {
                value: "https://app.example/".into(),
            }),
        ),
        (
            &[("Access-Control-Allow-Origin", PAGE)],
            Include,
            Some(BlockReason::InvalidAllowCredentials {
                value: String::new(),
            }),
        ),
        (
            &[
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Credentials", "True"),
            ],
            Include,
            Some(BlockReason::InvalidAllowCredentials {
                value: "True".into(),
            }),
        ),
        (
            &[
                ("Access-Control-Allow-Origin", PAGE),
                ("Access-Control-Allow-Credentials", "true"),
            ],
            Include,
            None,
        ),
    ];
    for (headers, credentials, expected) in cases {
        for browser in Browser::ALL {
            let outcome = actual_with(headers, *credentials, browser);
            let got = outcome.result.as_ref().err().map(|b| b.reason.clone());
            assert_eq!(&got, expected, "{browser} {headers:?} {credentials}");
        }
    }
}

#[test]
fn multiple_allow_origin_values_per_engine() {
    let two_lines = [
        ("Access-Control-Allow-Origin", PAGE),
        ("Access-Control-Allow-Origin", PAGE),
    ];
    let one_line = [(
        "Access-Control-Allow-Origin",
        "https://app.example, https://b.example",
    )];
    // Chromium joins lines with ", " and reports a value containing ',' or ' ' as multiple.
    let joined = format!("{PAGE}, {PAGE}");
    assert_eq!(
        reason(&actual_with(
            &two_lines,
            Credentials::Omit,
            Browser::Chromium
        )),
        &BlockReason::MultipleAllowOriginValues {
            value: joined.clone()
        }
    );
    assert!(matches!(
        reason(&actual_with(
            &one_line,
            Credentials::Omit,
            Browser::Chromium
        )),
        BlockReason::MultipleAllowOriginValues { .. }
    ));
    // Firefox counts header lines: one line with a list is a mismatch.
    assert!(matches!(
        reason(&actual_with(
            &two_lines,
            Credentials::Omit,
            Browser::Firefox
        )),
        BlockReason::MultipleAllowOriginValues { .. }
    ));
    assert!(matches!(
        reason(&actual_with(&one_line, Credentials::Omit, Browser::Firefox)),
        BlockReason::AllowOriginMismatch { .. }
    ));
    // WebKit: a ',' means more than one origin.
    assert!(matches!(
        reason(&actual_with(&one_line, Credentials::Omit, Browser::WebKit)),
        BlockReason::MultipleAllowOriginValues { .. }
    ));
    // Chromium: a value that is not a URL is invalid rather than a mismatch.
    assert!(matches!(
        reason(&actual_with(
            &[("Access-Control-Allow-Origin", "app.example")],
            Credentials::Omit,
            Browser::Chromium
        )),
        BlockReason::InvalidAllowOriginValue { .. }
    ));
}

#[test]
fn readable_headers_are_safelisted_plus_exposed() {
    // Fetch "CORS-safelisted response-header name" and Access-Control-Expose-Headers.
    let response = |expose: &'static str| {
        move |_: &Outgoing| {
            ResponseHead::new(
                200,
                [
                    ("Access-Control-Allow-Origin", PAGE),
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Access-Control-Expose-Headers", expose),
                    ("Content-Type", "application/json"),
                    ("X-Request-Id", "1"),
                    ("X-Other", "2"),
                    ("Set-Cookie", "a=b"),
                ],
            )
        }
    };
    let (outcome, _) = run(Browser::Chromium, request(API), response("X-Request-Id"));
    assert_eq!(outcome.readable_headers, ["content-type", "x-request-id"]);
    let (outcome, _) = run(Browser::Chromium, request(API), response("*"));
    assert_eq!(
        outcome.readable_headers,
        [
            "access-control-allow-credentials",
            "access-control-allow-origin",
            "access-control-expose-headers",
            "content-type",
            "x-other",
            "x-request-id"
        ]
    );
    let (outcome, _) = run(
        Browser::Chromium,
        request(API).credentials(Credentials::Include),
        response("*"),
    );
    assert_eq!(
        outcome.readable_headers,
        ["content-type"],
        "with credentials `*` is a literal name"
    );
}
