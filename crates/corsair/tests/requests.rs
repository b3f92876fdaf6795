//! How a built policy answers requests: classification, preflights, actual responses, `Vary`.

use corsair::{Config, Evaluation, MaxAge, Policy, Refusal, RequestHead};
use http::{HeaderMap, Request, Response, StatusCode};

const ORIGIN: &str = "https://app.example.com";

fn request(method: &str, headers: &[(&str, &str)]) -> Request<()> {
    let mut builder = Request::builder().method(method).uri("/resource");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap()
}

fn preflight_headers(origin: &str, method: &str, extra: &[(&str, &str)]) -> Request<()> {
    let mut headers = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    headers.extend_from_slice(extra);
    request("OPTIONS", &headers)
}

/// Answers a preflight: status and headers.
fn preflight(policy: &Policy, request: &Request<()>) -> Response<()> {
    match policy.evaluate(&RequestHead::from(request)) {
        Evaluation::Preflight(answer) => answer.response(),
        Evaluation::Actual(_) | Evaluation::Forbidden(_) => panic!("not classified as a preflight"),
    }
}

/// Runs an actual request through the policy around a handler that sets `handler_headers`.
fn actual(policy: &Policy, request: &Request<()>, handler_headers: &[(&str, &str)]) -> HeaderMap {
    let Evaluation::Actual(cors) = policy.evaluate(&RequestHead::from(request)) else {
        panic!("classified as a preflight");
    };
    let mut headers = HeaderMap::new();
    for (name, value) in handler_headers {
        headers.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    cors.apply(&mut headers);
    headers
}

fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn policy() -> Policy {
    Config::new()
        .allow_origins([
            ORIGIN,
            "https://*.preview.example.com",
            "http://localhost:*",
        ])
        .allow_methods(["PUT", "DELETE"])
        .allow_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id", "x-total-count"])
        .allow_credentials(true)
        .max_age(MaxAge::Seconds(600))
        .build()
        .unwrap()
}

#[test]
fn allowed_preflight_echoes_what_was_asked() {
    let response = preflight(
        &policy(),
        &preflight_headers(
            ORIGIN,
            "PUT",
            &[("access-control-request-headers", "content-type,x-api-key")],
        ),
    );
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let h = response.headers();
    assert_eq!(values(h, "access-control-allow-origin"), [ORIGIN]);
    assert_eq!(values(h, "access-control-allow-credentials"), ["true"]);
    assert_eq!(values(h, "access-control-allow-methods"), ["PUT"]);
    assert_eq!(
        values(h, "access-control-allow-headers"),
        ["content-type,x-api-key"]
    );
    assert_eq!(values(h, "access-control-max-age"), ["600"]);
    assert!(
        h.get("access-control-expose-headers").is_none(),
        "exposure is for actual responses"
    );
    assert!(values(h, "vary")[0].starts_with("Origin, Access-Control-Request-Method"));
}

#[test]
fn preflight_without_requested_headers_sends_no_allow_headers() {
    let response = preflight(&policy(), &preflight_headers(ORIGIN, "DELETE", &[]));
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        response
            .headers()
            .get("access-control-allow-headers")
            .is_none()
    );
}

#[test]
fn safelisted_methods_are_always_allowed_in_preflights() {
    // A GET is preflighted when it carries a non-safelisted header; CORS cannot stop a simple
    // GET anyway, so listing it is never required.
    let response = preflight(
        &policy(),
        &preflight_headers(
            ORIGIN,
            "GET",
            &[("access-control-request-headers", "x-api-key")],
        ),
    );
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[test]
fn refused_preflights_are_403_without_grants() {
    type Expectation = fn(&Refusal) -> bool;
    let cases: Vec<(Request<()>, Expectation)> = vec![
        (preflight_headers("https://evil.example", "PUT", &[]), |r| {
            matches!(r, Refusal::OriginNotAllowed { .. })
        }),
        (preflight_headers(ORIGIN, "PATCH", &[]), |r| {
            matches!(r, Refusal::MethodNotAllowed { .. })
        }),
        (preflight_headers(ORIGIN, "put", &[]), |r| {
            matches!(r, Refusal::MethodNotAllowed { .. })
        }),
        (preflight_headers(ORIGIN, "PU T", &[]), |r| {
            *r == Refusal::MalformedMethod
        }),
        (
            preflight_headers(
                ORIGIN,
                "PUT",
                &[("access-control-request-headers", "content-type,x-other")],
            ),
            |r| r.header_name() == Some(b"x-other".as_slice()),
        ),
        (
            preflight_headers(
                ORIGIN,
                "PUT",
                &[("access-control-request-private-network", "true")],
            ),
            |r| *r == Refusal::PrivateNetworkNotAllowed,
        ),
        (
            preflight_headers("https://app.example.com/", "PUT", &[]),
            |r| matches!(r, Refusal::OriginNotAllowed { .. }),
        ),
    ];
    let policy = policy();
    for (request, expected) in cases {
        let Evaluation::Preflight(answer) = policy.evaluate(&RequestHead::from(&request)) else {
            panic!("not a preflight");
        };
        let refusal = answer.refusal().expect("refused").clone();
        assert!(expected(&refusal), "{request:?}: {refusal}");
        let response = answer.response::<()>();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            response
                .headers()
                .keys()
                .all(|k| !k.as_str().starts_with("access-control-")),
            "{request:?} got grants: {:?}",
            response.headers()
        );
        assert!(response.headers().contains_key("vary"));
    }
}

#[test]
fn two_origin_headers_are_refused() {
    let mut twice = preflight_headers(ORIGIN, "PUT", &[]);
    twice
        .headers_mut()
        .append("origin", ORIGIN.parse().unwrap());
    let policy = policy();
    let Evaluation::Preflight(answer) = policy.evaluate(&RequestHead::from(&twice)) else {
        panic!()
    };
    assert_eq!(answer.refusal(), Some(&Refusal::MalformedOrigin));
    assert_eq!(
        answer.refusal().map(Refusal::kind),
        Some("malformed_origin")
    );
    let get = request("GET", &[("origin", ORIGIN), ("origin", ORIGIN)]);
    let Evaluation::Actual(cors) = policy.evaluate(&RequestHead::from(&get)) else {
        panic!()
    };
    assert_eq!(cors.refusal(), Some(&Refusal::MalformedOrigin));
}

#[test]
fn request_headers_tolerate_whitespace_case_and_several_lines() {
    let mut request = preflight_headers(
        ORIGIN,
        "PUT",
        &[("access-control-request-headers", " Content-Type ,")],
    );
    request.headers_mut().append(
        "access-control-request-headers",
        "X-API-KEY".parse().unwrap(),
    );
    let response = preflight(&policy(), &request);
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        values(response.headers(), "access-control-allow-headers"),
        [" Content-Type ,", "X-API-KEY"]
    );
}

#[test]
fn wildcard_headers_never_cover_authorization() {
    let star = Config::new()
        .allow_origins([ORIGIN])
        .allow_headers(["*"])
        .build()
        .unwrap();
    let response = preflight(
        &star,
        &preflight_headers(
            ORIGIN,
            "POST",
            &[("access-control-request-headers", "x-anything")],
        ),
    );
    assert_eq!(
        values(response.headers(), "access-control-allow-headers"),
        ["*"]
    );

    let request = preflight_headers(
        ORIGIN,
        "POST",
        &[("access-control-request-headers", "authorization,x-a")],
    );
    let Evaluation::Preflight(answer) = star.evaluate(&RequestHead::from(&request)) else {
        panic!()
    };
    assert!(matches!(
        answer.refusal(),
        Some(Refusal::HeaderNotAllowed {
            needs_explicit_listing: true,
            ..
        })
    ));
    assert!(
        answer
            .refusal()
            .unwrap()
            .to_string()
            .contains("list it by name")
    );

    let listed = Config::new()
        .allow_origins([ORIGIN])
        .allow_headers(["*", "authorization"])
        .build()
        .unwrap();
    let response = preflight(&listed, &request);
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    // `*` would not cover it in the browser either (Fetch: "CORS-preflight fetch"), so echo.
    assert_eq!(
        values(response.headers(), "access-control-allow-headers"),
        ["authorization,x-a"]
    );
}

#[test]
fn wildcard_headers_with_credentials_are_echoed() {
    let policy = Config::new()
        .allow_origins([ORIGIN])
        .allow_headers(["*"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let response = preflight(
        &policy,
        &preflight_headers(
            ORIGIN,
            "POST",
            &[("access-control-request-headers", "x-a,x-b")],
        ),
    );
    // With credentials, browsers read `*` as a header literally named `*`.
    assert_eq!(
        values(response.headers(), "access-control-allow-headers"),
        ["x-a,x-b"]
    );
}

#[test]
fn any_method_allows_any_token_but_the_forbidden_ones() {
    let policy = Config::new()
        .allow_origins([ORIGIN])
        .allow_methods(["*"])
        .build()
        .unwrap();
    for (method, allowed) in [
        ("PROPFIND", true),
        ("patch", true),
        ("TRACE", false),
        ("connect", false),
    ] {
        let request = preflight_headers(ORIGIN, method, &[]);
        let Evaluation::Preflight(answer) = policy.evaluate(&RequestHead::from(&request)) else {
            panic!()
        };
        assert_eq!(answer.is_allowed(), allowed, "{method}");
    }
}

#[test]
fn private_network_access() {
    let policy = Config::new()
        .allow_origins([ORIGIN])
        .allow_private_network(true)
        .build()
        .unwrap();
    let response = preflight(
        &policy,
        &preflight_headers(
            ORIGIN,
            "GET",
            &[("access-control-request-private-network", "true")],
        ),
    );
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        values(response.headers(), "access-control-allow-private-network"),
        ["true"]
    );
    let response = preflight(&policy, &preflight_headers(ORIGIN, "GET", &[]));
    assert!(
        response
            .headers()
            .get("access-control-allow-private-network")
            .is_none()
    );
}

#[test]
fn preflight_status_200_and_max_age_forms() {
    let policy = Config::new()
        .allow_origins([ORIGIN])
        .preflight_status(corsair::PreflightStatus::Ok)
        .max_age(MaxAge::Disabled)
        .build()
        .unwrap();
    let response = preflight(&policy, &preflight_headers(ORIGIN, "GET", &[]));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(values(response.headers(), "access-control-max-age"), ["0"]);
    let default_age = Config::new()
        .allow_origins([ORIGIN])
        .max_age(MaxAge::BrowserDefault)
        .build()
        .unwrap();
    let response = preflight(&default_age, &preflight_headers(ORIGIN, "GET", &[]));
    assert!(response.headers().get("access-control-max-age").is_none());
}

#[test]
fn options_without_request_method_reaches_the_application() {
    let request = request("OPTIONS", &[("origin", ORIGIN)]);
    assert!(matches!(
        policy().evaluate(&RequestHead::from(&request)),
        Evaluation::Actual(_)
    ));
}

#[test]
fn actual_allowed() {
    for origin in [
        ORIGIN,
        "https://pr-7.preview.example.com",
        "http://localhost:5173",
    ] {
        let headers = actual(&policy(), &request("GET", &[("origin", origin)]), &[]);
        assert_eq!(values(&headers, "access-control-allow-origin"), [origin]);
        assert_eq!(
            values(&headers, "access-control-allow-credentials"),
            ["true"]
        );
        assert_eq!(
            values(&headers, "access-control-expose-headers"),
            ["x-request-id, x-total-count"]
        );
        assert_eq!(values(&headers, "vary"), ["Origin"]);
        assert!(headers.get("access-control-allow-methods").is_none());
    }
}

#[test]
fn actual_refused_and_not_cors_get_vary_but_no_grant() {
    for request in [
        request("GET", &[("origin", "https://evil.example")]),
        request("GET", &[("origin", "https://preview.example.com")]),
        request("GET", &[("origin", "null")]),
        request("GET", &[]),
    ] {
        let headers = actual(&policy(), &request, &[]);
        assert_eq!(values(&headers, "vary"), ["Origin"], "{request:?}");
        assert_eq!(headers.len(), 1, "{request:?}: {headers:?}");
    }
}

#[test]
fn vary_is_merged_never_overwritten_nor_duplicated() {
    let request = request("GET", &[("origin", ORIGIN)]);
    let headers = actual(&policy(), &request, &[("vary", "Accept-Encoding")]);
    assert_eq!(values(&headers, "vary"), ["Accept-Encoding", "Origin"]);
    let headers = actual(&policy(), &request, &[("vary", "accept-encoding, origin")]);
    assert_eq!(values(&headers, "vary"), ["accept-encoding, origin"]);
    let headers = actual(&policy(), &request, &[("vary", "*")]);
    assert_eq!(values(&headers, "vary"), ["*"]);
}

#[test]
fn application_set_cors_headers_are_replaced() {
    let set_by_app = [
        ("access-control-allow-origin", "*"),
        ("access-control-allow-origin", "https://other.example"),
        ("access-control-allow-methods", "*"),
        ("x-request-id", "42"),
    ];
    let headers = actual(
        &policy(),
        &request("GET", &[("origin", ORIGIN)]),
        &set_by_app,
    );
    assert_eq!(values(&headers, "access-control-allow-origin"), [ORIGIN]);
    assert!(headers.get("access-control-allow-methods").is_none());
    assert_eq!(values(&headers, "x-request-id"), ["42"]);

    let headers = actual(
        &policy(),
        &request("GET", &[("origin", "https://evil.example")]),
        &set_by_app,
    );
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[test]
fn any_origin_answers_star_and_varies_on_origins_presence() {
    let policy = Config::new().allow_origins(["*"]).build().unwrap();
    // Every origin gets the same answer...
    assert!(!policy.varies_by_origin());
    let headers = actual(
        &policy,
        &request("GET", &[("origin", "https://whoever.example")]),
        &[],
    );
    assert_eq!(values(&headers, "access-control-allow-origin"), ["*"]);
    assert!(headers.get("access-control-allow-credentials").is_none());
    // ...but a request without `Origin` gets none, so caches must key on its presence.
    assert_eq!(values(&headers, "vary"), ["Origin"]);
    let headers = actual(&policy, &request("GET", &[]), &[]);
    assert!(headers.get("access-control-allow-origin").is_none());
    assert_eq!(values(&headers, "vary"), ["Origin"]);
}

#[test]
fn predicates_see_origin_and_request_head() {
    let policy = Config::new()
        .allow_origins([ORIGIN])
        .allow_origin_predicate(|origin, head| {
            origin.ends_with(".tenants.example") && head.uri().path().starts_with("/public")
        })
        .build()
        .unwrap();
    let tenant = "https://acme.tenants.example";
    let mut allowed = request("GET", &[("origin", tenant)]);
    *allowed.uri_mut() = "/public/x".parse().unwrap();
    assert_eq!(
        values(
            &actual(&policy, &allowed, &[]),
            "access-control-allow-origin"
        ),
        [tenant]
    );
    let elsewhere = request("GET", &[("origin", tenant)]);
    assert!(
        actual(&policy, &elsewhere, &[])
            .get("access-control-allow-origin")
            .is_none()
    );
    // Malformed values never reach a predicate.
    let mut spoofed = request(
        "GET",
        &[("origin", "https://evil.example/.tenants.example")],
    );
    *spoofed.uri_mut() = "/public/x".parse().unwrap();
    assert!(
        actual(&policy, &spoofed, &[])
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[test]
fn predicates_never_see_non_canonical_origins() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    let policy = Config::new()
        .allow_origin_predicate(move |origin, _| {
            record.lock().unwrap().push(origin.to_owned());
            true
        })
        .build()
        .unwrap();
    for origin in [
        "http://0x7f.1",
        "https://1.2.3.999",
        "http://[0:0::1]",
        "https://xn--a.com",
        "https://A.example",
        "https://a.example:443",
        "null",
    ] {
        let headers = actual(&policy, &request("GET", &[("origin", origin)]), &[]);
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    let headers = actual(
        &policy,
        &request("GET", &[("origin", "http://127.0.0.1")]),
        &[],
    );
    assert_eq!(
        values(&headers, "access-control-allow-origin"),
        ["http://127.0.0.1"]
    );
}

#[test]
fn predicates_cannot_grant_insecure_origins_credentials_without_the_opt_in() {
    let permissive = || {
        Config::new()
            .allow_origin_predicate(|_, _| true)
            .allow_credentials(true)
    };
    let policy = permissive().build().unwrap();
    for (origin, granted) in [
        ("http://evil.example", false),
        ("https://fine.example", true),
        ("http://localhost:3000", true),
    ] {
        let headers = actual(&policy, &request("GET", &[("origin", origin)]), &[]);
        assert_eq!(
            headers.contains_key("access-control-allow-origin"),
            granted,
            "{origin}"
        );
    }
    let opted_in = permissive()
        .dangerously_allow_insecure_origins(true)
        .build()
        .unwrap();
    let headers = actual(
        &opted_in,
        &request("GET", &[("origin", "http://evil.example")]),
        &[],
    );
    assert_eq!(
        values(&headers, "access-control-allow-origin"),
        ["http://evil.example"]
    );
}

#[test]
fn null_origin_with_its_opt_in() {
    let policy = Config::new()
        .allow_origins(["null"])
        .dangerously_allow_null_origin(true)
        .build()
        .unwrap();
    let headers = actual(&policy, &request("GET", &[("origin", "null")]), &[]);
    assert_eq!(values(&headers, "access-control-allow-origin"), ["null"]);
}

#[test]
fn odd_bytes_in_origin_are_refused_not_panicked_on() {
    let policy = policy();
    let mut request = request("GET", &[]);
    request.headers_mut().insert(
        "origin",
        http::HeaderValue::from_bytes(b"https://\xff\xfe.example.com").unwrap(),
    );
    let headers = actual(&policy, &request, &[]);
    assert!(headers.get("access-control-allow-origin").is_none());
}

mod debug_mode {
    use super::*;

    fn debug_policy() -> Policy {
        let policy = policy();
        policy.debug_switch().set(true);
        policy
    }

    #[test]
    fn refused_method_keeps_the_origin_grant_and_an_ok_status() {
        let response = preflight(&debug_policy(), &preflight_headers(ORIGIN, "PATCH", &[]));
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let h = response.headers();
        assert_eq!(values(h, "access-control-allow-origin"), [ORIGIN]);
        assert!(h.get("access-control-allow-methods").is_none());
        assert!(
            h.get("access-control-max-age").is_none(),
            "a refusal must not be cached"
        );
        assert_eq!(
            values(h, "x-corsair-refusal"),
            ["method `PATCH` is not allowed by the policy"]
        );
    }

    #[test]
    fn refused_header_lists_only_the_allowed_ones() {
        let response = preflight(
            &debug_policy(),
            &preflight_headers(
                ORIGIN,
                "PUT",
                &[(
                    "access-control-request-headers",
                    "content-type,x-nope,x-api-key",
                )],
            ),
        );
        let h = response.headers();
        assert_eq!(values(h, "access-control-allow-methods"), ["PUT"]);
        assert_eq!(
            values(h, "access-control-allow-headers"),
            ["content-type,x-api-key"]
        );
    }

    #[test]
    fn refused_private_network_keeps_every_other_grant() {
        let response = preflight(
            &debug_policy(),
            &preflight_headers(
                ORIGIN,
                "PUT",
                &[
                    ("access-control-request-headers", "content-type"),
                    ("access-control-request-private-network", "true"),
                ],
            ),
        );
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let h = response.headers();
        assert_eq!(values(h, "access-control-allow-origin"), [ORIGIN]);
        assert_eq!(values(h, "access-control-allow-credentials"), ["true"]);
        assert_eq!(values(h, "access-control-allow-methods"), ["PUT"]);
        assert_eq!(values(h, "access-control-allow-headers"), ["content-type"]);
        assert!(h.get("access-control-allow-private-network").is_none());
        assert!(h.get("access-control-max-age").is_none());
        assert_eq!(
            values(h, "x-corsair-refusal"),
            [<Refusal>::PrivateNetworkNotAllowed.to_string()]
        );
    }

    #[test]
    fn refused_origin_gets_no_grant() {
        let response = preflight(
            &debug_policy(),
            &preflight_headers("https://evil.example", "PUT", &[]),
        );
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        assert!(response.headers().contains_key("x-corsair-refusal"));
    }

    #[test]
    fn switching_off_restores_403() {
        let policy = debug_policy();
        policy.debug_switch().set(false);
        let response = preflight(&policy, &preflight_headers(ORIGIN, "PATCH", &[]));
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
}

#[test]
fn policy_is_send_sync_and_clones_share_one_compilation() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Policy>();
    assert_send_sync::<corsair::Actual>();
    // Clones share state: the debug switch set through one is seen by the other.
    let policy = policy();
    let clone = policy.clone();
    policy.debug_switch().set(true);
    assert!(clone.debug_switch().is_enabled());
}

#[test]
fn resolved_origins_follow_the_predicate_rules() {
    let policy = Config::new()
        .allow_origins([ORIGIN])
        .allow_methods(["PUT"])
        .allow_credentials(true)
        .build()
        .unwrap();
    let asked = std::cell::RefCell::new(Vec::new());
    let resolver = |origin: &str| {
        asked.borrow_mut().push(origin.to_owned());
        true
    };
    let tenant = "https://tenant.example.net";
    let preflight_request = preflight_headers(tenant, "PUT", &[]);
    let Evaluation::Preflight(answer) =
        policy.evaluate_with(&RequestHead::from(&preflight_request), Some(&resolver))
    else {
        panic!("not a preflight")
    };
    assert!(answer.is_allowed());
    assert_eq!(
        values(
            answer.response::<()>().headers(),
            "access-control-allow-origin"
        ),
        [tenant]
    );
    // Listed origins never reach the resolver; junk and (with credentials) insecure ones
    // neither, and are refused whatever it would say.
    for origin in [
        ORIGIN,
        "https://Tenant.example.net",
        "http://tenant.example.net",
        "null",
    ] {
        let request = request("GET", &[("origin", origin)]);
        let Evaluation::Actual(cors) =
            policy.evaluate_with(&RequestHead::from(&request), Some(&resolver))
        else {
            panic!()
        };
        assert_eq!(cors.is_allowed(), origin == ORIGIN, "{origin}");
        assert_eq!(policy.may_resolve(origin), origin == ORIGIN, "{origin}");
    }
    assert_eq!(*asked.borrow(), [tenant]);
    assert!(policy.may_resolve(tenant));
}
