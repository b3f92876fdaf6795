//! The cross-origin protections: forged writes and WebSocket handshakes refused before the
//! application, and the policy-file keys that configure them.

use corsair::{
    Check, Config, CrossOriginSignal, Evaluation, Outcome, Policy, Refusal, RequestHead,
};

fn writes_policy() -> Config {
    Config::new()
        .allow_origins(["https://app.example.com", "https://*.preview.example.com"])
        .refuse_cross_origin_writes(true)
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> http::Request<()> {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap()
}

/// The refusal, if the request is refused before the application.
fn forbidden(policy: &Policy, request: &http::Request<()>) -> Option<Refusal> {
    match policy.evaluate(&RequestHead::from(request)) {
        Evaluation::Forbidden(answer) => {
            assert_eq!(answer.response::<()>().status(), 403);
            Some(answer.refusal().clone())
        }
        Evaluation::Preflight(_) | Evaluation::Actual(_) => None,
    }
}

fn signal(policy: &Policy, request: &http::Request<()>) -> Option<CrossOriginSignal> {
    match forbidden(policy, request)? {
        Refusal::CrossOriginWrite { signal, .. } => Some(signal),
        other => panic!("unexpected refusal {other:?}"),
    }
}

const EVIL: (&str, &str) = ("origin", "https://evil.example");
const CROSS_SITE: (&str, &str) = ("sec-fetch-site", "cross-site");
const HOST: (&str, &str) = ("host", "api.example.com");

#[test]
fn fetch_site_decides_for_modern_browsers() {
    let policy = writes_policy().build().unwrap();
    let post = |site: &str, origin: &str| {
        request(
            "POST",
            "/",
            &[("sec-fetch-site", site), ("origin", origin), HOST],
        )
    };
    assert_eq!(
        signal(&policy, &post("cross-site", "https://evil.example")),
        Some(CrossOriginSignal::CrossSite)
    );
    assert_eq!(
        signal(&policy, &post("same-site", "https://blog.example.com")),
        Some(CrossOriginSignal::SameSite)
    );
    assert_eq!(
        signal(&policy, &post("same-origin", "https://api.example.com")),
        None
    );
    assert_eq!(signal(&policy, &post("none", "https://evil.example")), None);
    assert_eq!(
        signal(&policy, &post("bogus", "https://evil.example")),
        Some(CrossOriginSignal::UnrecognizedFetchSite)
    );
    // `Sec-Fetch-Site` values are lowercase tokens; another spelling is no browser's.
    assert_eq!(
        signal(&policy, &post("Same-Origin", "https://api.example.com")),
        Some(CrossOriginSignal::UnrecognizedFetchSite)
    );
    let twice = request(
        "POST",
        "/",
        &[
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-site", "same-origin"),
            EVIL,
        ],
    );
    assert_eq!(
        signal(&policy, &twice),
        Some(CrossOriginSignal::UnrecognizedFetchSite)
    );
    // Cross-site without `Origin` is still refused.
    assert_eq!(
        signal(&policy, &request("POST", "/", &[CROSS_SITE])),
        Some(CrossOriginSignal::CrossSite)
    );
}

#[test]
fn the_origins_cors_trusts_may_write() {
    let policy = writes_policy().build().unwrap();
    for origin in [
        "https://app.example.com",
        "https://pr-7.preview.example.com",
    ] {
        assert_eq!(
            forbidden(
                &policy,
                &request("POST", "/", &[CROSS_SITE, ("origin", origin)])
            ),
            None,
            "{origin}"
        );
    }
    let predicate = Config::new()
        .allow_origin_predicate(|origin, _| origin == "https://tenant.example.net")
        .refuse_cross_origin_writes(true)
        .build()
        .unwrap();
    let tenant = request(
        "PUT",
        "/",
        &[CROSS_SITE, ("origin", "https://tenant.example.net")],
    );
    assert_eq!(forbidden(&predicate, &tenant), None);
    assert!(forbidden(&predicate, &request("PUT", "/", &[CROSS_SITE, EVIL])).is_some());
    // A resolver's answer counts like a predicate's.
    let listed = writes_policy().build().unwrap();
    let resolved = |origin: &str| origin == "https://evil.example";
    let forged = request("DELETE", "/", &[CROSS_SITE, EVIL]);
    assert!(matches!(
        listed.evaluate_with(&RequestHead::from(&forged), Some(&resolved)),
        Evaluation::Actual(_)
    ));
}

#[test]
fn any_origin_trusts_no_one_to_write() {
    let config = Config::new()
        .allow_origins(["*"])
        .refuse_cross_origin_writes(true);
    let policy = config.build().unwrap();
    assert_eq!(
        signal(&policy, &request("POST", "/", &[CROSS_SITE, EVIL])),
        Some(CrossOriginSignal::CrossSite)
    );
    let warnings = config.warnings();
    assert_eq!(
        warnings.iter().map(|w| w.kind()).collect::<Vec<_>>(),
        ["any_origin_writes_refused"]
    );
}

#[test]
fn older_browsers_are_judged_by_origin_against_host() {
    let policy = writes_policy().build().unwrap();
    let post = |headers: &[(&str, &str)]| signal(&policy, &request("POST", "/", headers));
    assert_eq!(post(&[("origin", "https://api.example.com"), HOST]), None);
    assert_eq!(post(&[EVIL, HOST]), Some(CrossOriginSignal::HostMismatch));
    assert_eq!(
        post(&[("origin", "null"), HOST]),
        Some(CrossOriginSignal::NullOrigin)
    );
    assert_eq!(
        post(&[("origin", "https://api.example.com:8443"), HOST]),
        Some(CrossOriginSignal::HostMismatch)
    );
    assert_eq!(
        post(&[("origin", "http://[::1]:8080"), ("host", "[::1]:8080")]),
        None
    );
    assert_eq!(
        post(&[("origin", "http://[::1]:8081"), ("host", "[::1]:8080")]),
        Some(CrossOriginSignal::HostMismatch)
    );
    // A trusted origin may write from anywhere.
    assert_eq!(post(&[("origin", "https://app.example.com"), HOST]), None);
    // Neither header: not a browser.
    assert_eq!(post(&[HOST]), None);
    assert_eq!(post(&[]), None);
    // No Host to compare with.
    assert_eq!(post(&[EVIL]), Some(CrossOriginSignal::HostMismatch));
}

#[test]
fn h2_authority_stands_for_host() {
    let policy = writes_policy().build().unwrap();
    let h2 = |origin: &str| {
        request(
            "POST",
            "https://api.example.com/items",
            &[("origin", origin)],
        )
    };
    assert_eq!(signal(&policy, &h2("https://api.example.com")), None);
    assert_eq!(
        signal(&policy, &h2("https://evil.example")),
        Some(CrossOriginSignal::HostMismatch)
    );
    let ipv6 = request(
        "POST",
        "https://[2001:db8::1]:8443/",
        &[("origin", "https://[2001:db8::1]:8443")],
    );
    assert_eq!(signal(&policy, &ipv6), None);
}

#[test]
fn x_forwarded_host_only_when_trusted() {
    let behind_proxy = [
        ("origin", "https://api.example.com"),
        ("host", "backend:8080"),
        ("x-forwarded-host", "api.example.com"),
    ];
    let untrusting = writes_policy().build().unwrap();
    assert_eq!(
        signal(&untrusting, &request("POST", "/", &behind_proxy)),
        Some(CrossOriginSignal::HostMismatch)
    );
    let trusting = writes_policy().trust_forwarded_host(true).build().unwrap();
    assert_eq!(
        signal(&trusting, &request("POST", "/", &behind_proxy)),
        None
    );
    let forged = [
        EVIL,
        ("host", "backend:8080"),
        ("x-forwarded-host", "evil.example"),
    ];
    assert_eq!(
        signal(&untrusting, &request("POST", "/", &forged)),
        Some(CrossOriginSignal::HostMismatch)
    );
}

#[test]
fn only_get_head_and_options_are_safe_byte_for_byte() {
    let policy = writes_policy().build().unwrap();
    for method in ["GET", "HEAD", "OPTIONS"] {
        assert_eq!(
            forbidden(&policy, &request(method, "/", &[CROSS_SITE, EVIL])),
            None,
            "{method}"
        );
    }
    // Methods are case-sensitive: `post` is a write like `POST`, and `get` is not `GET`.
    for method in [
        "POST", "post", "PUT", "PATCH", "patch", "DELETE", "get", "PROPFIND",
    ] {
        assert!(
            forbidden(&policy, &request(method, "/", &[CROSS_SITE, EVIL])).is_some(),
            "{method}"
        );
    }
}

#[test]
fn exemptions_match_exactly_and_never_their_neighbours() {
    let config = writes_policy().exempt_cross_origin_write("POST", "/webhooks/stripe");
    let policy = config.build().unwrap();
    let forged =
        |method: &str, uri: &str| forbidden(&policy, &request(method, uri, &[CROSS_SITE, EVIL]));
    assert_eq!(forged("POST", "/webhooks/stripe"), None);
    assert_eq!(
        forged("POST", "/webhooks/stripe?id=1"),
        None,
        "the query is no part of the path"
    );
    for neighbour in [
        "/webhooks/stripe/",
        "/webhooks/stripe/x",
        "/webhooks/stripe2",
        "/webhooks/Stripe",
        "/WEBHOOKS/stripe",
        "/webhooks/strip%65",
        "/webhooks%2Fstripe",
        "/webhooks//stripe",
        "//webhooks/stripe",
        "/webhooks/./stripe",
        "/webhooks/stripe/..",
        "/webhooks",
        "/",
    ] {
        assert!(
            forged("POST", neighbour).is_some(),
            "{neighbour} must not be exempt"
        );
    }
    assert!(forged("PUT", "/webhooks/stripe").is_some());
    assert!(forged("post", "/webhooks/stripe").is_some());
    assert_eq!(
        config.warnings()[0].to_string(),
        "`POST /webhooks/stripe` is exempt from refuse_cross_origin_writes: any site can send it \
         with the user's cookies; authenticate it otherwise (a signature)"
    );
}

#[test]
fn exemptions_that_could_never_match_are_errors() {
    for (method, path) in [
        ("post", "/hook"),
        ("GET", "/hook"),
        ("PO ST", "/hook"),
        ("POST", "hook"),
        ("POST", "/hook?x=1"),
        ("POST", "/hooks/*"),
        ("POST", "/hook space"),
    ] {
        let errors = writes_policy()
            .exempt_cross_origin_write(method, path)
            .build()
            .unwrap_err();
        let kinds: Vec<_> = errors.iter().map(|e| e.kind()).collect();
        assert_eq!(kinds, ["invalid_write_exemption"], "{method} {path}");
    }
}

#[test]
fn writes_pass_when_the_protection_is_off() {
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .build()
        .unwrap();
    assert_eq!(
        forbidden(&policy, &request("POST", "/", &[CROSS_SITE, EVIL])),
        None
    );
}

#[test]
fn websocket_handshakes_are_checked_by_default() {
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .build()
        .unwrap();
    let handshake = |origin: Option<&str>, upgrade: &str| {
        let mut headers = vec![("upgrade", upgrade), ("connection", "Upgrade"), HOST];
        headers.extend(origin.map(|origin| ("origin", origin)));
        forbidden(&policy, &request("GET", "/ws", &headers))
    };
    assert_eq!(
        handshake(Some("https://evil.example"), "websocket"),
        Some(Refusal::WebSocketOriginNotAllowed {
            origin: "https://evil.example".parse().unwrap()
        })
    );
    assert!(handshake(Some("https://evil.example"), "WebSocket").is_some());
    assert!(handshake(Some("https://evil.example"), "h2c, websocket").is_some());
    assert!(handshake(Some("null"), "websocket").is_some());
    assert_eq!(
        handshake(Some("https://app.example.com"), "websocket"),
        None
    );
    assert_eq!(
        handshake(Some("https://api.example.com"), "websocket"),
        None,
        "the server's own origin"
    );
    assert_eq!(handshake(None, "websocket"), None, "not a browser");
    assert_eq!(
        handshake(Some("https://evil.example"), "h2c"),
        None,
        "not a WebSocket"
    );
    // RFC 6455 allows no other method than GET, and WebSocket servers refuse any other.
    let post = request("POST", "/ws", &[("upgrade", "websocket"), EVIL, HOST]);
    assert_eq!(forbidden(&policy, &post), None, "not a handshake");
    let twice = request("GET", "/ws", &[("upgrade", "websocket"), EVIL, EVIL]);
    assert_eq!(forbidden(&policy, &twice), Some(Refusal::MalformedOrigin));
    // A handshake that passes is reported as one, allowed whatever CORS would grant.
    let own = request(
        "GET",
        "/ws",
        &[
            ("upgrade", "websocket"),
            ("origin", "https://api.example.com"),
            HOST,
        ],
    );
    let evaluation = policy.evaluate(&RequestHead::from(&own));
    let verdict = evaluation.verdict();
    assert_eq!(
        (verdict.check, verdict.outcome),
        (Check::WebSocket, Outcome::Allowed)
    );
    // Without `Origin` (a non-browser client) nothing is checked: not CORS, like any other
    // request without it.
    let client = request("GET", "/ws", &[("upgrade", "websocket"), HOST]);
    let evaluation = policy.evaluate(&RequestHead::from(&client));
    let verdict = evaluation.verdict();
    assert_eq!(
        (verdict.check, verdict.outcome),
        (Check::NotCors, Outcome::Allowed)
    );
}

/// RFC 8441: over HTTP/2 a handshake is `CONNECT` with `:protocol = websocket` (kept by the
/// server outside the headers) and `Sec-WebSocket-Version`, without `Upgrade`.
#[test]
fn http2_extended_connect_handshakes_are_checked_like_upgrades() {
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .build()
        .unwrap();
    let connect = |origin: Option<&str>, version: bool| {
        let mut builder = http::Request::builder()
            .method("CONNECT")
            .version(http::Version::HTTP_2)
            .uri("https://api.example.com/ws");
        if version {
            builder = builder.header("sec-websocket-version", "13");
        }
        if let Some(origin) = origin {
            builder = builder.header("origin", origin);
        }
        builder.body(()).unwrap()
    };
    assert_eq!(
        forbidden(&policy, &connect(Some("https://evil.example"), true)),
        Some(Refusal::WebSocketOriginNotAllowed {
            origin: "https://evil.example".parse().unwrap()
        })
    );
    assert!(forbidden(&policy, &connect(Some("null"), true)).is_some());
    for origin in [None, Some("https://app.example.com")] {
        assert_eq!(
            forbidden(&policy, &connect(origin, true)),
            None,
            "{origin:?}"
        );
    }
    // The server's own origin, from `:authority`, as for any HTTP/2 request.
    let own = connect(Some("https://api.example.com"), true);
    let evaluation = policy.evaluate(&RequestHead::from(&own));
    let verdict = evaluation.verdict();
    assert_eq!(
        (verdict.check, verdict.outcome),
        (Check::WebSocket, Outcome::Allowed)
    );
    // A proxy tunnel's `CONNECT` is no handshake: CORS alone decides it.
    let tunnel = connect(Some("https://evil.example"), false);
    assert_eq!(forbidden(&policy, &tunnel), None);
    let evaluation = policy.evaluate(&RequestHead::from(&tunnel));
    assert_ne!(evaluation.verdict().check, Check::WebSocket);
}

#[test]
fn any_origin_lets_every_handshake_through_and_the_switch_turns_the_check_off() {
    let any = Config::new().allow_origins(["*"]).build().unwrap();
    let handshake = request("GET", "/ws", &[("upgrade", "websocket"), EVIL, HOST]);
    assert_eq!(forbidden(&any, &handshake), None);
    let off_config = Config::new()
        .allow_origins(["https://app.example.com"])
        .allow_cross_origin_websockets(true);
    let off = off_config.build().unwrap();
    assert_eq!(forbidden(&off, &handshake), None);
    assert_eq!(off_config.warnings()[0].kind(), "cross_origin_websockets");
}

#[test]
fn refusals_display_and_debug_answers_name_the_reason() {
    let policy = writes_policy().build().unwrap();
    let forged = request("POST", "/", &[CROSS_SITE, EVIL]);
    let refusal = forbidden(&policy, &forged).unwrap();
    assert_eq!(refusal.kind(), "cross_origin_write");
    assert_eq!(
        refusal.to_string(),
        "cross-origin write refused: the browser sent `Sec-Fetch-Site: cross-site` and origin \
         `https://evil.example` is not allowed by the policy"
    );
    let Evaluation::Forbidden(answer) = policy.evaluate(&RequestHead::from(&forged)) else {
        panic!()
    };
    assert!(answer.response::<()>().headers().is_empty());
    policy.debug_switch().set(true);
    let Evaluation::Forbidden(answer) = policy.evaluate(&RequestHead::from(&forged)) else {
        panic!()
    };
    assert_eq!(
        answer.response::<()>().headers()["x-corsair-refusal"],
        refusal.to_string()
    );
    let handshake = forbidden(
        &policy,
        &request("GET", "/", &[("upgrade", "websocket"), EVIL, HOST]),
    )
    .unwrap();
    assert_eq!(
        handshake.to_string(),
        "WebSocket handshake refused: origin `https://evil.example` is neither allowed by the \
         policy nor the server's own"
    );
}

#[cfg(feature = "toml")]
#[test]
fn policy_files_configure_the_protections() {
    let policy = Policy::from_toml(
        r#"
        allow_origins = ["https://app.example.com"]
        refuse_cross_origin_writes = true
        cross_origin_write_exemptions = [{ method = "POST", path = "/webhooks/stripe" }]
        allow_cross_origin_websockets = true
        trust_forwarded_host = true
        report_only = true
        "#,
    )
    .unwrap();
    let grants = policy.grants();
    assert!(grants.refuses_cross_origin_writes && grants.allows_cross_origin_websockets);
    assert!(grants.trusts_forwarded_host && grants.report_only);
    assert_eq!(
        grants.write_exemptions,
        [("POST".to_owned(), "/webhooks/stripe".to_owned())]
    );
    assert!(grants.to_string().ends_with(
        "forged writes:    refused\n                  except POST /webhooks/stripe\n\
         websockets:       any origin\nhost:             X-Forwarded-Host trusted\n\
         enforcement:      report-only"
    ));
    let typo = Policy::from_toml(
        "allow_origins = [\"https://a.example\"]\ncross_origin_write_exemptions = [{ method = \"POST\", pth = \"/x\" }]",
    )
    .unwrap_err();
    assert!(typo.to_string().contains("pth"), "{typo}");
}
