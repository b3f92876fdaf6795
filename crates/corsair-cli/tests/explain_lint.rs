//! `corsair explain`: one test per recognised message; `corsair lint`: one per validation rule.

mod support;

use std::process::{Command, Output};

use corsair::browser::{BlockReason, Blocked, Browser};
use serde_json::Value;
use support::on_a_terminal;

fn corsair(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn explain_json(message: &str) -> (i32, Value) {
    let output = corsair(&["explain", "--json", message], None);
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), json)
}

/// Every failure the model knows, as it would be rendered.
fn every_failure() -> Vec<Blocked> {
    use BlockReason::*;
    let reasons = [
        InvalidMethod {
            method: "GE T".into(),
        },
        ForbiddenMethod {
            method: "TRACE".into(),
        },
        NoCorsMethod {
            method: "PUT".into(),
        },
        DisallowedByMode,
        MissingAllowOrigin,
        MultipleAllowOriginValues {
            value: "https://a.example, https://a.example".into(),
        },
        InvalidAllowOriginValue {
            value: "a.example".into(),
        },
        AllowOriginMismatch {
            value: "https://b.example".into(),
        },
        WildcardOriginNotAllowed,
        InvalidAllowCredentials {
            value: String::new(),
        },
        PreflightInvalidStatus { status: 405 },
        PreflightDisallowedRedirect,
        InvalidAllowMethods {
            token: "(x)".into(),
        },
        InvalidAllowHeaders {
            token: "a b".into(),
        },
        MethodNotAllowed {
            method: "DELETE".into(),
        },
        HeaderNotAllowed {
            name: "authorization".into(),
        },
        RedirectContainsCredentials {
            location: "https://u:p@b.example/".into(),
        },
        TooManyRedirects,
        InvalidRedirectLocation {
            location: "data:,".into(),
        },
    ];
    reasons
        .into_iter()
        .flat_map(|reason| {
            [false, true].map(|in_preflight| Blocked {
                initiator: corsair::browser::Initiator::Fetch,
                reason: reason.clone(),
                in_preflight,
                url: "https://api.example/v1/items".into(),
                initial_url: "https://api.example/v1/items".into(),
                origin: "https://app.example".into(),
                page_origin: "https://app.example".into(),
                status: Some(403),
            })
        })
        .collect()
}

#[test]
fn every_chromium_and_firefox_message_is_recognised() {
    // Each message is its own case: the loop reports every one that fails.
    let mut failures = Vec::new();
    for browser in [Browser::Chromium, Browser::Firefox] {
        for blocked in every_failure() {
            let message = blocked.console_message(browser);
            let (code, json) = explain_json(&message);
            // The reading must say the same thing again: re-rendered, it is the message. (Where
            // an engine words two reasons alike, e.g. Firefox's origin mismatch and invalid
            // value, either reading is right.)
            let reading = corsair::browser::recognize(&message).and_then(|r| match r.finding {
                corsair::browser::Finding::Blocked(blocked) => Some(blocked),
                _ => None,
            });
            let faithful = reading.as_ref().is_some_and(|r| {
                r.console_message(browser) == message && json["kind"] == r.reason.kind()
            });
            let expected_kind = json["kind"] == blocked.reason.kind()
                || reading.is_some_and(|r| r.reason.kind() != blocked.reason.kind());
            // Firefox reports a refused redirect only as "CORS request did not succeed", which
            // is what a network failure prints too: that is how it is explained.
            let network_failure = browser == Browser::Firefox
                && json["kind"] == "network_failure"
                && matches!(
                    blocked.reason,
                    BlockReason::RedirectContainsCredentials { .. }
                        | BlockReason::TooManyRedirects
                        | BlockReason::InvalidRedirectLocation { .. }
                );
            if code != 0
                || json["browser"] != browser.name()
                || !(network_failure || faithful && expected_kind)
            {
                failures.push(format!(
                    "{browser} {}: exit {code}, {json}\n  {message}",
                    blocked.reason.kind()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Console texts the real engines printed (Firefox 153.7.0 over WebDriver BiDi, WebKitGTK
/// 2.50.6's MiniBrowser on standard output), pasted as they were, with the reasons
/// `corsair explain` must give (several where the engine words them alike).
const REAL_TEXTS: &[(&str, &[&str], &str)] = &[
    (
        "firefox",
        &["missing_allow_origin"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/missing. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200.",
    ),
    (
        "firefox",
        &["allow_origin_mismatch", "invalid_allow_origin_value"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/mismatch. (Reason: CORS header ‘Access-Control-Allow-Origin’ does not match ‘http://other.example’).",
    ),
    (
        "firefox",
        &["multiple_allow_origin_values"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/multi. (Reason: Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).",
    ),
    (
        "firefox",
        &["wildcard_origin_not_allowed"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘http://localhost:18081/wildcard’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
    ),
    (
        "firefox",
        &["invalid_allow_credentials"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/acacbad. (Reason: expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).",
    ),
    (
        "firefox",
        &["preflight_invalid_status"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/pfstatus. (Reason: CORS preflight response did not succeed). Status code: 404.\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/pfstatus. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        &["preflight_disallowed_redirect"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/pfredirect. (Reason: CORS request external redirect not allowed).\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/pfredirect. (Reason: CORS preflight response did not succeed). Status code: 302.\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/pfredirect. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        &["method_not_allowed"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/method. (Reason: Did not find method in CORS header ‘Access-Control-Allow-Methods’).\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/method. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        &["header_not_allowed"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/header. (Reason: header ‘x-foo’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/header. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        &["invalid_allow_methods"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/badacam. (Reason: invalid token ‘(bad)’ in CORS header ‘Access-Control-Allow-Methods’).\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/badacam. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        // A redirect refused, as Firefox reports it, reads as the network failure it also is.
        &["network_failure"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:18081/loop. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        &["missing_allow_origin"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:35015/s/console-21. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 302.\nCross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at http://localhost:35015/s/console-21. (Reason: CORS request did not succeed). Status code: (null).",
    ),
    (
        "firefox",
        &["disallowed_by_mode"],
        "Security Error: Content at http://127.0.0.1:18080/ may not load data from http://localhost:18081/missing.",
    ),
    (
        "webkit",
        &[
            "missing_allow_origin",
            "allow_origin_mismatch",
            "invalid_allow_origin_value",
        ],
        "Origin http://127.0.0.1:18080 is not allowed by Access-Control-Allow-Origin. Status code: 200\nFetch API cannot load http://localhost:18081/missing due to access control checks.",
    ),
    (
        "webkit",
        &["multiple_allow_origin_values"],
        "Access-Control-Allow-Origin cannot contain more than one origin.\nFetch API cannot load http://localhost:18081/multi due to access control checks.",
    ),
    (
        "webkit",
        &["wildcard_origin_not_allowed"],
        "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.\nFetch API cannot load http://localhost:18081/wildcard due to access control checks.",
    ),
    (
        "webkit",
        &["invalid_allow_credentials"],
        "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".\nFetch API cannot load http://localhost:18081/acacmissing due to access control checks.",
    ),
    (
        "webkit",
        &["preflight_invalid_status"],
        "Preflight response is not successful. Status code: 404\nFetch API cannot load http://localhost:18081/pfstatus due to access control checks.",
    ),
    (
        "webkit",
        &["preflight_disallowed_redirect"],
        "Preflight response is not successful. Status code: 302\nFetch API cannot load http://localhost:18081/pfredirect due to access control checks.",
    ),
    (
        "webkit",
        &["method_not_allowed"],
        "Method PUT is not allowed by Access-Control-Allow-Methods.\nFetch API cannot load http://localhost:18081/method due to access control checks.",
    ),
    (
        "webkit",
        &["header_not_allowed"],
        "Request header field X-Foo is not allowed by Access-Control-Allow-Headers.\nFetch API cannot load http://localhost:18081/header due to access control checks.",
    ),
    (
        "webkit",
        &["invalid_allow_methods"],
        "Header Access-Control-Allow-Methods has an invalid value: PUT, (bad)\nFetch API cannot load http://localhost:18081/badacam due to access control checks.",
    ),
    (
        "webkit",
        &["invalid_allow_headers"],
        "Header Access-Control-Allow-Headers has an invalid value: x-foo, a b\nFetch API cannot load http://localhost:18081/badacah due to access control checks.",
    ),
    (
        "webkit",
        &["redirect_contains_credentials"],
        "Cross-origin redirection to http://localhost:18081/ok denied by Cross-Origin Resource Sharing policy: redirection URL http://u:p@localhost:18081/ok has credentials\nFetch API cannot load http://localhost:18081/redircreds due to access control checks.",
    ),
    (
        "webkit",
        &["too_many_redirects"],
        "Load cannot follow more than 20 redirections\nFetch API cannot load http://localhost:18081/loop due to access control checks.",
    ),
    (
        "webkit",
        &["invalid_redirect_location"],
        "Cross-origin redirection to http://[bad denied by Cross-Origin Resource Sharing policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme\nFetch API cannot load http://localhost:18081/badloc due to access control checks.",
    ),
    (
        "webkit",
        &["disallowed_by_mode"],
        "Fetch API cannot load http://localhost:18081/missing.",
    ),
    (
        "webkit",
        &[
            "missing_allow_origin",
            "allow_origin_mismatch",
            "invalid_allow_origin_value",
        ],
        "Cross-origin redirection to http://localhost:33641/s/console-21/r denied by Cross-Origin Resource Sharing policy: Origin http://127.0.0.1:37655 is not allowed by Access-Control-Allow-Origin. Status code: 302\nFetch API cannot load http://localhost:33641/s/console-21 due to access control checks.",
    ),
    // As MiniBrowser writes its console to standard output.
    (
        "webkit",
        &[
            "missing_allow_origin",
            "allow_origin_mismatch",
            "invalid_allow_origin_value",
        ],
        "CONSOLE SECURITY ERROR Origin null is not allowed by Access-Control-Allow-Origin. Status code: 200\nCONSOLE JS ERROR Fetch API cannot load http://127.0.0.1:18081/missing due to access control checks.",
    ),
];

#[test]
fn real_firefox_and_webkit_console_texts_are_explained() {
    let mut failures = Vec::new();
    for (browser, kinds, text) in REAL_TEXTS {
        let (code, json) = explain_json(text);
        let kind = json["kind"].as_str().unwrap_or_default();
        if code != 0 || json["browser"] != *browser || !kinds.contains(&kind) {
            failures.push(format!("{browser}: exit {code}, {json}\n  {text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_explanation_names_the_cause_the_likely_causes_and_the_fix() {
    let message = "Access to fetch at 'https://api.example/items' from origin 'http://localhost:5173' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.";
    let output = corsair(&["explain"], Some(message));
    assert_eq!(output.status.code(), Some(0), "read from standard input");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("chromium blocked the preflight (OPTIONS) of a request to https://api.example/items from http://localhost:5173."), "{text}");
    assert!(
        text.contains("Likely causes:\n  - authentication required on OPTIONS requests"),
        "{text}"
    );
    assert!(
        text.contains("Fix:\n  Answer OPTIONS preflights with 204"),
        "{text}"
    );
    assert!(text.contains("corsair check https://api.example/items --origin http://localhost:5173 --browser chromium"), "{text}");
}

/// github.com/bradtraversy/microposts_fullstack_vue/issues/4: a URL written without
/// `http://` is read with its host as the scheme.
#[test]
fn a_url_without_its_scheme_is_named() {
    let (code, json) = explain_json(
        "Access to XMLHttpRequest at 'localhost:5000/api/histories' from origin 'http://localhost:8080' has been blocked by CORS policy: Cross origin requests are only supported for protocol schemes: http, data, chrome, chrome-extension, https.",
    );
    assert_eq!((code, json["kind"].as_str()), (0, Some("request_not_http")));
    let cause = json["cause"].as_str().unwrap();
    assert!(
        cause.contains("reads `localhost:` as the URL's scheme"),
        "{cause}"
    );
    let fix = json["fix"].as_str().unwrap();
    assert!(
        fix.contains("`http://localhost:5000/api/histories`"),
        "{fix}"
    );
    // A page opened from a file is still told to use a web server.
    let (_, json) = explain_json(
        "Access to fetch at 'file:///C:/site/data.json' from origin 'null' has been blocked by CORS policy: Cross origin requests are only supported for protocol schemes: http, data, chrome, chrome-extension, https.",
    );
    assert!(
        json["fix"].as_str().unwrap().contains("web server"),
        "{json}"
    );
}

/// A value the paste leaves out (as a freeCodeCamp article quotes Chromium's mismatch
/// message, and as Firefox words several origins) shows as a placeholder, never as ``.
#[test]
fn a_value_the_text_leaves_out_shows_as_a_placeholder() {
    for message in [
        "Access to fetch at 'http://somesite.com' from origin 'http://yoursite.com' has been blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value that is not equal to the supplied origin",
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://a.example/x. (Reason: Multiple CORS header 'Access-Control-Allow-Origin' not allowed).",
    ] {
        let (code, json) = explain_json(message);
        let cause = json["cause"].as_str().unwrap_or_default();
        assert_eq!(code, 0, "{message}");
        assert!(cause.contains("`<the value the response sent>`"), "{cause}");
    }
}

/// A page whose origin is `null` (file://, a sandboxed iframe, an app's WebView) is told so:
/// granting `null` is not the fix (github.com/faye/faye/issues/133,
/// github.com/wangduanduan/wangduanduan.github.io/issues/115).
#[test]
fn a_page_whose_origin_is_null_is_told_why() {
    for message in [
        "Origin null is not allowed by Access-Control-Allow-Origin.",
        "Failed to load http://localhost:3000/api: Response to preflight request doesn't pass access control check: The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin. Origin 'null' is therefore not allowed access.",
    ] {
        let (code, json) = explain_json(message);
        let cause = json["cause"].as_str().unwrap_or_default();
        assert_eq!(code, 0, "{message}");
        assert!(cause.contains("The page's own origin is `null`"), "{cause}");
    }
    // An Electron page's `file://`: neither granted in the fix nor passed to `check`, which
    // refuses it (github.com/electron/electron/issues/1990).
    let (_, json) = explain_json(
        "Fetch API cannot load https://foobar.com/YadaYada. No 'Access-Control-Allow-Origin' header is present on the requested resource. Origin 'file://' is therefore not allowed access.",
    );
    assert!(
        json["cause"].as_str().unwrap().contains("`file://`"),
        "{json}"
    );
    assert!(!json["fix"].as_str().unwrap().contains("file://"), "{json}");
    assert!(
        json["check"].as_str().unwrap().contains("--origin ORIGIN"),
        "{json}"
    );
    let (_, json) =
        explain_json("Origin https://app.example is not allowed by Access-Control-Allow-Origin.");
    assert!(
        !json["cause"].as_str().unwrap().contains("`null`"),
        "{json}"
    );
}

#[test]
fn unknown_text_is_not_explained() {
    let output = corsair(&["explain", "TypeError: Failed to fetch"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("not a CORS message")
    );
}

fn lint(policy: &str) -> (i32, Value) {
    let path = std::env::temp_dir().join(format!(
        "corsair-lint-{}-{}.toml",
        std::process::id(),
        policy.len() ^ policy.bytes().map(usize::from).sum::<usize>()
    ));
    std::fs::write(&path, policy).unwrap();
    let output = corsair(&["lint", "--json", path.to_str().unwrap()], None);
    let _ = std::fs::remove_file(&path);
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn lint_reports_each_validation_rule_with_its_fix() {
    let rules: &[(&str, &str)] = &[
        ("allow_methods = [\"PUT\"]", "no_origins"),
        (
            "allow_origins = [\"https://a.example/x\"]",
            "invalid_origin",
        ),
        (
            "allow_origins = [\"HTTPS://A.example\"]",
            "non_canonical_origin",
        ),
        (
            "allow_origins = [\"*.example.com\"]",
            "foreign_origin_pattern",
        ),
        (
            "allow_origins = [\"*\"]\nallow_credentials = true",
            "any_origin_with_credentials",
        ),
        (
            "allow_origins = [\"*\", \"https://a.example\"]",
            "any_origin_with_others",
        ),
        ("allow_origins = [\"null\"]", "null_origin"),
        ("allow_origins = [\"file:///x\"]", "file_origin"),
        ("allow_origins = [\"wss://a.example\"]", "scheme_never_sent"),
        (
            "allow_origins = [\"http://a.example\"]\nallow_credentials = true",
            "insecure_origin_with_credentials",
        ),
        (
            "allow_origins = [\"https://*.github.io\"]\nallow_credentials = true",
            "public_suffix_subdomains",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nallow_methods = [\"GET(POST\"]",
            "invalid_method",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nallow_methods = [\"GET, POST\"]",
            "several_in_one_entry",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nallow_methods = [\"TRACE\"]",
            "forbidden_method",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nallow_methods = [\"delete\"]",
            "method_not_normalized",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nallow_headers = [\"x(y\"]",
            "invalid_header_name",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nallow_headers = [\"Cookie\"]",
            "forbidden_request_header",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nexpose_headers = [\"Set-Cookie\"]",
            "unexposable_header",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nexpose_headers = [\"*\"]\nallow_credentials = true",
            "any_exposed_header_with_credentials",
        ),
        (
            "allow_origins = [\"https://a.example\"]\nmax_age = 90000",
            "max_age_out_of_range",
        ),
        (
            "allow_origins = [\"https://a.example\"]\npreflight_status = 201",
            "unsupported_preflight_status",
        ),
        ("allow_orgins = [\"https://a.example\"]", "unknown_key"),
        ("allow_origins = [", "syntax"),
    ];
    for (policy, kind) in rules {
        let (code, json) = lint(policy);
        assert_eq!(code, 1, "{kind}: {json}");
        assert_eq!(json["valid"], false);
        let errors = json["errors"].as_array().unwrap();
        assert!(
            errors.iter().any(|e| e["kind"] == *kind),
            "{kind} not in {json}"
        );
        assert!(
            errors
                .iter()
                .all(|e| !e["message"].as_str().unwrap().is_empty())
        );
    }
}

#[test]
fn lint_summarises_a_valid_policy() {
    let (code, json) = lint(
        "allow_origins = [\"https://a.example\", \"http://localhost:*\"]\nallow_methods = [\"PUT\"]\nallow_credentials = true\nmax_age = 600",
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        json["grants"]["origins"],
        serde_json::json!(["https://a.example", "http://localhost:*"])
    );
    assert_eq!(
        json["grants"]["methods"],
        serde_json::json!(["GET", "HEAD", "POST", "PUT"])
    );
    assert_eq!(json["grants"]["credentials"], true);
    assert_eq!(json["grants"]["max_age"], "seconds");
    assert_eq!(json["grants"]["max_age_seconds"], 600);
    let output = corsair(&["lint", "/definitely/not/here.toml"], None);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn completions_and_help() {
    let output = corsair(&["completions", "bash"], None);
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("corsair")
    );
    for command in ["check", "explain", "lint", "completions"] {
        let output = corsair(&[command, "--help"], None);
        assert_eq!(output.status.code(), Some(0), "{command}");
    }
}

fn lint_file(name: &str, contents: &[u8], args: &[&str]) -> (i32, String) {
    let path =
        std::env::temp_dir().join(format!("corsair-lint-{}-{name}.toml", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    all.push(path.to_str().unwrap());
    let output = corsair(&all, None);
    let _ = std::fs::remove_file(&path);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn lint_reports_every_problem_at_its_line_and_column_with_a_caret() {
    let source = b"allow_origins = [\"https://a.example\"]\ncolour = 1\nmax_age = \"ten\"\nallow_methods = [1]\npreflight_status = \"x\"\nallow_headers = [\"Cookie\"]\n";
    let (code, text) = lint_file("all", source, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(":2:1: error[unknown_key]"), "{text}");
    let wrong: Vec<_> = text
        .lines()
        .filter(|l| l.contains("error[wrong_type]"))
        .collect();
    assert_eq!(wrong.len(), 3, "three wrong types, three errors: {text}");
    assert!(
        wrong[0].contains(":3:11:") && wrong[1].contains(":4:18:") && wrong[2].contains(":5:20:")
    );
    assert!(
        text.contains("error[forbidden_request_header]"),
        "the unknown key hides nothing: {text}"
    );
    assert!(
        text.contains("request header `Cookie` is forbidden"),
        "as written: {text}"
    );
    assert!(
        text.contains("6 | allow_headers = [\"Cookie\"]\n  |                  ^^^^^^^^"),
        "{text}"
    );
    let (_, json) = lint_file("all", source, &["--json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["errors"][0]["kind"], "unknown_key");
    assert_eq!(json["errors"][0]["line"], 2);
    assert_eq!(json["errors"][0]["column"], 1);
}

#[test]
fn lint_warnings_pass_unless_denied() {
    let source = b"allow_origins = [\"https://a.example\"]\nallow_headers = [\"Accept\", \"X-Token\"]\nexpose_headers = [\"Content-Type\"]\nallow_methods = [\"*\", \"PUT\"]\nmax_age = 86400\n";
    let (code, text) = lint_file("warn", source, &[]);
    assert_eq!(code, 0, "{text}");
    for kind in [
        "safelisted_request_header",
        "safelisted_exposed_header",
        "redundant_wildcard",
        "max_age_beyond_browsers",
    ] {
        assert!(text.contains(&format!("warning[{kind}]")), "{kind}: {text}");
    }
    assert!(text.contains("is valid"), "{text}");
    let (code, _) = lint_file("warn", source, &["--deny-warnings"]);
    assert_eq!(code, 1);
    let (_, json) = lint_file("warn", source, &["--json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["warnings"].as_array().unwrap().len(), 4, "{json}");
    assert_eq!(json["grants"]["methods"][0], "GET");
}

#[test]
fn lint_colours_its_labels_on_a_terminal_only() {
    let file = |name: &str, contents: &str| {
        let path = std::env::temp_dir().join(format!(
            "corsair-lint-tty-{}-{name}.toml",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        path
    };
    let warned = file(
        "warned",
        "allow_origins = [\"https://a.example\"]\nallow_methods = [\"PUT\"]\nallow_headers = [\"Accept\"]\n",
    );
    let wrong = file(
        "wrong",
        "allow_origins = [\"https://a.example\"]\ncolour = 1\n",
    );
    let (warned, wrong) = (warned.to_str().unwrap(), wrong.to_str().unwrap());
    const WARNING: &str = "\x1b[1;33mwarning[safelisted_request_header]\x1b[0m";
    const ERROR: &str = "\x1b[1;31merror[unknown_key]\x1b[0m";

    assert!(on_a_terminal(&["lint", warned], &[]).contains(WARNING));
    assert!(on_a_terminal(&["lint", wrong], &[]).contains(ERROR));
    for (args, env) in [
        (&["lint", warned][..], &[("NO_COLOR", "1")][..]),
        (&["lint", "--color", "never", warned], &[]),
        (&["lint", "--color", "never", wrong], &[]),
    ] {
        let plain = on_a_terminal(args, env);
        assert!(
            plain.contains("warning[safelisted_request_header]")
                || plain.contains("error[unknown_key]"),
            "{args:?}: {plain:?}"
        );
        assert!(!plain.contains('\x1b'), "{args:?} {env:?}: {plain:?}");
    }
    for path in [warned, wrong] {
        let piped = String::from_utf8(corsair(&["lint", path], None).stdout).unwrap();
        assert!(
            piped.contains("]: ") && !piped.contains('\x1b'),
            "{piped:?}"
        );
    }
    let always = corsair(&["lint", "--color", "always", warned], None);
    assert!(String::from_utf8_lossy(&always.stdout).contains(WARNING));
    for path in [warned, wrong] {
        let _ = std::fs::remove_file(path);
    }
}

#[test]
fn lint_sarif_and_hostile_bytes() {
    let (code, sarif) = lint_file(
        "sarif",
        b"allow_origins = [\"http://a.example\"]\nallow_credentials = true\n",
        &["--format", "sarif"],
    );
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    // An origin holding OSC and clear-screen sequences (TOML escapes) reaches no terminal raw.
    let (code, text) = lint_file(
        "osc",
        b"allow_origins = [\"https://a\\u001b]0;pwned\\u0007.example\\u001b[2J\"]\n",
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("\\x1b]0;pwned\\x07"), "{text}");
    let (code, text) = lint_file("binary", b"allow_origins = [\"\xff\"]\n", &["--json"]);
    assert_eq!(code, 1, "not UTF-8 is a problem with the file");
    assert!(text.contains("\"encoding\""), "{text}");
}

#[test]
fn lint_sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let capped = capped_source();
    for (name, source) in [
        ("capped", capped.as_bytes()),
        (
            "errors",
            &b"allow_origins = [\"http://a.example\", \"*\"]\ncolour = 1\nmax_age = \"x\"\n"[..],
        ),
        (
            "warnings",
            b"allow_origins = [\"https://a.example\"]\nallow_headers = [\"Accept\"]\n",
        ),
        ("clean", b"allow_origins = [\"https://a.example\"]\n"),
        ("binary", b"\xff\xfe"),
    ] {
        let (_, sarif) = lint_file(&format!("schema-{name}"), source, &["--format", "sarif"]);
        let log = std::env::temp_dir().join(format!("corsair-{}-{name}.sarif", std::process::id()));
        std::fs::write(&log, &sarif).unwrap();
        support::assert_valid_sarif(&log);
        let _ = std::fs::remove_file(&log);
    }
}

#[test]
fn a_message_that_names_its_initiator_is_checked_with_it() {
    let font = "Access to font at 'https://cdn.example/a.woff2' from origin 'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
    let (code, json) = explain_json(font);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["initiator"], "font");
    let check = json["check"].as_str().unwrap();
    assert!(check.contains("--initiator font"), "{check}");
    let fetch = font.replace("Access to font at", "Access to fetch at");
    let (_, json) = explain_json(&fetch);
    assert_eq!(json["initiator"], Value::Null);
    assert!(!json["check"].as_str().unwrap().contains("--initiator"));
}

/// 700 invalid origins and 700 unknown keys: 1,400 errors, more than the 1,000 listed.
fn capped_source() -> String {
    let mut source = String::from("allow_origins = [");
    for n in 0..700 {
        source.push_str(&format!("\"https://{n}.example/path\", "));
    }
    source.push_str("]\n");
    for n in 0..700 {
        source.push_str(&format!("colour_{n} = 1\n"));
    }
    source
}

#[test]
fn lint_counts_the_errors_beyond_the_cap_in_every_format() {
    let source = capped_source();
    let cap = corsair::ConfigErrors::LIMIT;
    let (code, text) = lint_file("capped", source.as_bytes(), &[]);
    assert_eq!(code, 1);
    let listed = text
        .lines()
        .filter(|line| line.contains(": error["))
        .count();
    assert_eq!(listed, cap, "{}", &text[text.len().saturating_sub(500)..]);
    assert!(
        text.contains(&format!(
            "and 400 more errors beyond the first {cap}, not listed"
        )),
        "{}",
        &text[text.len().saturating_sub(500)..]
    );
    assert!(
        text.contains("has 1400 errors and 0 warnings"),
        "{}",
        &text[text.len() - 300..]
    );

    let (_, json) = lint_file("capped", source.as_bytes(), &["--json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["errors"].as_array().unwrap().len(), cap);
    assert_eq!(json["omitted_errors"], 400);

    let (_, sarif) = lint_file("capped", source.as_bytes(), &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), cap);
    let notification = &run["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(notification["properties"]["omittedErrors"], 400);
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .contains("400 more errors")
    );

    // Below the cap nothing is said to be omitted.
    let (_, json) = lint_file("uncapped", b"colour = 1\n", &["--json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["omitted_errors"], 0);
}

/// Configurations carried over from other servers, as users write them.
#[test]
fn lint_reads_policies_written_for_other_servers() {
    let kinds = |json: &Value, tier: &str| -> Vec<String> {
        json[tier]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|f| f["kind"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // github.com/Notifuse/notifuse/issues/9: `*` leaves Authorization out, so listing it
    // beside `*` is needed, not redundant.
    let (code, json) = lint(
        "allow_origins = [\"*\"]\nallow_methods = [\"GET\", \"PUT\"]\nallow_headers = [\"*\", \"Authorization\"]\n",
    );
    assert_eq!(code, 0, "{json}");
    assert!(
        !kinds(&json, "warnings").contains(&"redundant_wildcard".to_owned()),
        "{json}"
    );
    // A string where a list goes, and a misspelt key: said once each, and no claim that no
    // origin is allowed.
    let (_, json) = lint("allow_origins = \"http://localhost\"\nmax_age = \"600\"\n");
    assert_eq!(
        kinds(&json, "errors"),
        ["wrong_type", "wrong_type"],
        "{json}"
    );
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("`allow_origins` must be a list of strings"),
        "{message}"
    );
    let (_, json) = lint("AllowedOrigins = [\"https://a.example\"]\n");
    assert_eq!(kinds(&json, "errors"), ["unknown_key"], "{json}");
    // A misspelt key that is not where origins would be hides nothing.
    let (_, json) = lint("allow_origins = []\nmax_agee = 600\n");
    assert_eq!(
        kinds(&json, "errors"),
        ["no_origins", "unknown_key"],
        "{json}"
    );
    // rack-cors' lowercase methods: `patch` is sent as written, and pages write PATCH.
    let (_, json) = lint("allow_origins = [\"https://a.example\"]\nallow_methods = [\"patch\"]\n");
    assert_eq!(kinds(&json, "warnings"), ["lowercase_method"], "{json}");
}

/// One bad entry at the end of a very long line is shown around the entry, not with the
/// whole line.
#[test]
fn a_finding_on_a_long_line_shows_only_its_surroundings() {
    let origins: Vec<String> = (0..20_000)
        .map(|i| format!("\"https://app{i}.example\""))
        .collect();
    let policy = format!(
        "allow_origins = [{}, \"https://bad.example/x\"]\n",
        origins.join(", ")
    );
    let (code, text) = lint_file("long-line", policy.as_bytes(), &[]);
    assert_eq!(code, 1, "{}", &text[..text.len().min(500)]);
    assert!(text.len() < 2_000, "{} bytes of output", text.len());
    assert!(text.contains("1 | …"), "{text}");
    assert!(
        text.contains("\"https://app19999.example\", \"https://bad.example/x\"]\n"),
        "{text}"
    );
}
