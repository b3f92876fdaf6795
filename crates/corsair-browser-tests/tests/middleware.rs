//! The tower middleware in a real browser: each policy served by `corsair_tower::CorsLayer`
//! on origin B (`http://localhost:PORT_B`), a page on origin A (`http://127.0.0.1:PORT_A`, or
//! `http://app.localhost:PORT_A` for subdomain patterns) runs `fetch()`, and what each engine
//! (Chromium, Firefox, WebKit) lets the page do must be exactly what the policy intends:
//! allowed or blocked, how many preflights and actual requests reached the server, the status
//! and the readable headers.

use std::{collections::BTreeMap, time::Duration};

use corsair::{
    Config, MaxAge, Policy,
    browser::{Credentials, Mode},
};
use corsair_browser_tests::{
    engine::{Engine, judged},
    engine_tests,
    middleware::TowerServer,
    page::serve_page,
    record::Kind,
    result::FetchResult,
    scenario::FetchInit,
};
use serde_json::json;

/// What a policy means for one fetch.
#[derive(Clone, Debug)]
enum Intent {
    /// The page reads the response: status 200 and exactly these header names.
    Allowed(&'static [&'static str]),
    /// `no-cors`: an opaque response.
    Opaque,
    /// The page gets a `TypeError`.
    Blocked,
}

/// One row: a page, a policy, the page's fetches, and what the policy intends.
struct Case {
    name: &'static str,
    page: Page,
    policy: &'static str,
    fetches: Vec<FetchInit>,
    intents: Vec<Intent>,
    preflights: usize,
    actual: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Page {
    /// `http://127.0.0.1:PORT_A`
    Loopback,
    /// `http://app.localhost:PORT_A` (Chromium resolves `*.localhost` to loopback itself).
    Subdomain,
}

fn omit(method: &str, headers: &[(&str, &str)]) -> FetchInit {
    FetchInit::new(method, headers, Mode::Cors, Credentials::Omit)
}

fn include(method: &str, headers: &[(&str, &str)]) -> FetchInit {
    FetchInit::new(method, headers, Mode::Cors, Credentials::Include)
}

/// Safelisted names the handler's response carries, plus `x-request-id` when exposed.
const EXPOSED: &[&str] = &["content-length", "content-type", "x-request-id"];
/// Every name of the response: `Access-Control-Expose-Headers: *` without credentials.
const EVERYTHING: &[&str] = &[
    "access-control-allow-origin",
    "access-control-expose-headers",
    "content-length",
    "content-type",
    "date",
    "vary",
    "x-request-id",
    "x-secret",
];

fn policies(page_port: u16) -> BTreeMap<&'static str, Policy> {
    let page = format!("http://127.0.0.1:{page_port}");
    let build = |config: Config| match config.build() {
        Ok(policy) => policy,
        Err(errors) => panic!("test policy does not build: {errors}"),
    };
    BTreeMap::from([
        (
            "exact",
            build(
                Config::new()
                    .allow_origins([page.clone()])
                    .allow_methods(["PUT", "DELETE", "PATCH"])
                    .allow_headers(["content-type", "x-token", "authorization"])
                    .expose_headers(["x-request-id"])
                    .max_age(MaxAge::Seconds(600)),
            ),
        ),
        (
            "any-port",
            build(
                Config::new()
                    .allow_origins(["http://127.0.0.1:*"])
                    .allow_methods(["PUT"])
                    .allow_headers(["*"])
                    .expose_headers(["*"])
                    .max_age(MaxAge::Disabled),
            ),
        ),
        (
            "credentials",
            build(
                Config::new()
                    .allow_origins([page.clone()])
                    .allow_credentials(true)
                    .allow_methods(["PUT"])
                    .allow_headers(["x-token"])
                    .expose_headers(["x-request-id"]),
            ),
        ),
        (
            "subdomains",
            build(
                Config::new()
                    .allow_origins([format!("http://*.localhost:{page_port}")])
                    .allow_credentials(true)
                    .allow_methods(["PUT"])
                    .allow_headers(["x-token"])
                    .expose_headers(["x-request-id"]),
            ),
        ),
        (
            "refused",
            build(
                Config::new()
                    .allow_origins([
                        format!("http://localhost:{page_port}"),
                        "http://127.0.0.1:1".into(),
                    ])
                    .allow_methods(["PUT"]),
            ),
        ),
        (
            "private-network",
            build(
                Config::new()
                    .allow_origins([page])
                    .allow_methods(["PUT"])
                    .allow_private_network(true),
            ),
        ),
    ])
}

fn cases() -> Vec<Case> {
    use Intent::*;
    use Page::*;
    let json = ("Content-Type", "application/json");
    let case =
        |name, page, policy, fetches: Vec<FetchInit>, intents: Vec<Intent>, preflights, actual| {
            Case {
                name,
                page,
                policy,
                fetches,
                intents,
                preflights,
                actual,
            }
        };
    vec![
        // Exact origin.
        case(
            "exact: simple GET",
            Loopback,
            "exact",
            vec![omit("GET", &[])],
            vec![Allowed(EXPOSED)],
            0,
            1,
        ),
        case(
            "exact: simple POST",
            Loopback,
            "exact",
            vec![omit("POST", &[("Content-Type", "text/plain")])],
            vec![Allowed(EXPOSED)],
            0,
            1,
        ),
        case(
            "exact: PUT with allowed headers",
            Loopback,
            "exact",
            vec![omit("PUT", &[("X-Token", "1"), json])],
            vec![Allowed(EXPOSED)],
            1,
            1,
        ),
        case(
            "exact: DELETE with Authorization listed",
            Loopback,
            "exact",
            vec![omit("DELETE", &[("Authorization", "Bearer t")])],
            vec![Allowed(EXPOSED)],
            1,
            1,
        ),
        case(
            "exact: PATCH",
            Loopback,
            "exact",
            vec![omit("PATCH", &[])],
            vec![Allowed(EXPOSED)],
            1,
            1,
        ),
        case(
            "exact: `patch` is not `PATCH` (methods are case-sensitive)",
            Loopback,
            "exact",
            vec![omit("patch", &[])],
            vec![Blocked],
            1,
            0,
        ),
        case(
            "exact: a header not allowed",
            Loopback,
            "exact",
            vec![omit("PUT", &[("X-Other", "1")])],
            vec![Blocked],
            1,
            0,
        ),
        case(
            "exact: a method not allowed",
            Loopback,
            "exact",
            vec![omit("PROPFIND", &[])],
            vec![Blocked],
            1,
            0,
        ),
        case(
            "exact: credentials not allowed",
            Loopback,
            "exact",
            vec![include("GET", &[])],
            vec![Blocked],
            0,
            1,
        ),
        case(
            "exact: max-age 600 spares the second preflight",
            Loopback,
            "exact",
            vec![
                omit("PUT", &[("X-Token", "1")]),
                omit("PUT", &[("X-Token", "2")]),
            ],
            vec![Allowed(EXPOSED), Allowed(EXPOSED)],
            1,
            2,
        ),
        // Any port of 127.0.0.1; `*` for headers and exposed headers.
        case(
            "any port: GET reads every header (`*` exposed)",
            Loopback,
            "any-port",
            vec![omit("GET", &[])],
            vec![Allowed(EVERYTHING)],
            0,
            1,
        ),
        case(
            "any port: any header",
            Loopback,
            "any-port",
            vec![omit("PUT", &[("X-Anything", "1"), json])],
            vec![Allowed(EVERYTHING)],
            1,
            1,
        ),
        case(
            "any port: `*` never covers Authorization",
            Loopback,
            "any-port",
            vec![omit("PUT", &[("Authorization", "Bearer t")])],
            vec![Blocked],
            1,
            0,
        ),
        case(
            "any port: a method not allowed",
            Loopback,
            "any-port",
            vec![omit("DELETE", &[])],
            vec![Blocked],
            1,
            0,
        ),
        case(
            "any port: max-age 0 preflights every time",
            Loopback,
            "any-port",
            vec![omit("PUT", &[]), omit("PUT", &[])],
            vec![Allowed(EVERYTHING), Allowed(EVERYTHING)],
            2,
            2,
        ),
        // Credentials.
        case(
            "credentials: GET with cookies",
            Loopback,
            "credentials",
            vec![include("GET", &[])],
            vec![Allowed(EXPOSED)],
            0,
            1,
        ),
        case(
            "credentials: preflighted PUT with cookies",
            Loopback,
            "credentials",
            vec![include("PUT", &[("X-Token", "1")])],
            vec![Allowed(EXPOSED)],
            1,
            1,
        ),
        case(
            "credentials: without cookies too",
            Loopback,
            "credentials",
            vec![omit("GET", &[])],
            vec![Allowed(EXPOSED)],
            0,
            1,
        ),
        case(
            "credentials: Authorization not listed",
            Loopback,
            "credentials",
            vec![include("PUT", &[("Authorization", "Bearer t")])],
            vec![Blocked],
            1,
            0,
        ),
        // Subdomain pattern.
        case(
            "subdomains: a subdomain of localhost",
            Subdomain,
            "subdomains",
            vec![include("PUT", &[("X-Token", "1")])],
            vec![Allowed(EXPOSED)],
            1,
            1,
        ),
        case(
            "subdomains: GET from a subdomain",
            Subdomain,
            "subdomains",
            vec![include("GET", &[])],
            vec![Allowed(EXPOSED)],
            0,
            1,
        ),
        case(
            "subdomains: 127.0.0.1 is not a subdomain",
            Loopback,
            "subdomains",
            vec![include("PUT", &[("X-Token", "1")])],
            vec![Blocked],
            1,
            0,
        ),
        // A refused origin.
        case(
            "refused: simple GET reaches the server, the page cannot read it",
            Loopback,
            "refused",
            vec![omit("GET", &[])],
            vec![Blocked],
            0,
            1,
        ),
        case(
            "refused: PUT never reaches the server",
            Loopback,
            "refused",
            vec![omit("PUT", &[])],
            vec![Blocked],
            1,
            0,
        ),
        case(
            "refused: no-cors gets an opaque response",
            Loopback,
            "refused",
            vec![FetchInit {
                mode: Mode::NoCors,
                ..omit("GET", &[])
            }],
            vec![Opaque],
            0,
            1,
        ),
        // Private Network Access: 127.0.0.1 -> localhost stays in the loopback address space.
        case(
            "private network: loopback to loopback is not a private-network request",
            Loopback,
            "private-network",
            vec![omit("PUT", &[])],
            vec![Allowed(&["content-length", "content-type"])],
            1,
            1,
        ),
    ]
}

engine_tests!(does_what_each_policy_intends => judge);

async fn judge<E: Engine>() {
    judged::<E>(Duration::from_secs(240), "", async |engine| {
        check(engine).await
    })
    .await;
}

async fn check(engine: &impl Engine) -> Result<String, String> {
    let profile = engine.profile();
    let page = serve_page().await.map_err(|e| e.to_string())?;
    let mut servers = BTreeMap::new();
    for (name, policy) in policies(page.port()) {
        servers.insert(
            name,
            TowerServer::start(policy)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let cases = cases();
    let mut failures = Vec::new();
    for which in [Page::Loopback, Page::Subdomain] {
        let host = match which {
            Page::Loopback => "127.0.0.1",
            Page::Subdomain => "app.localhost",
        };
        let page_url = format!("http://{host}:{}/", page.port());
        let batch: Vec<(usize, &Case)> = cases
            .iter()
            .enumerate()
            .filter(|(_, c)| c.page == which)
            .collect();
        let json: Vec<_> = batch
            .iter()
            .map(|(i, case)| {
                let port = servers[case.policy].port();
                let fetches: Vec<_> = case.fetches.iter().map(FetchInit::to_json).collect();
                json!({ "url": format!("http://localhost:{port}/m/{i}"), "fetches": fetches })
            })
            .collect();
        let results = engine
            .run(&page_url, &json, 6)
            .await
            .map_err(|e| e.to_string())?;
        for ((i, case), fetches) in batch.into_iter().zip(results) {
            let arrivals = servers[case.policy].arrivals(&i.to_string());
            let preflights = arrivals
                .iter()
                .filter(|a| a.kind == Kind::Preflight)
                .count();
            let actual = arrivals.len() - preflights;
            let mut problems = Vec::new();
            for (n, (result, intent)) in fetches.iter().zip(&case.intents).enumerate() {
                let ok = match (intent, result) {
                    (Intent::Blocked, FetchResult::Blocked { .. }) => true,
                    (
                        Intent::Opaque,
                        FetchResult::Allowed {
                            kind,
                            status,
                            headers,
                        },
                    ) => kind == "opaque" && *status == 0 && headers.is_empty(),
                    (
                        Intent::Allowed(names),
                        FetchResult::Allowed {
                            kind,
                            status,
                            headers,
                        },
                    ) => kind == "cors" && *status == 200 && headers == names,
                    _ => false,
                };
                if !ok {
                    problems.push(format!(
                        "fetch {}: intended {intent:?}, {profile} gave {result:?}",
                        n + 1
                    ));
                }
            }
            if fetches.len() != case.intents.len() {
                problems.push(format!(
                    "{} results for {} fetches",
                    fetches.len(),
                    case.intents.len()
                ));
            }
            if (preflights, actual) != (case.preflights, case.actual) {
                problems.push(format!(
                    "intended {} preflight(s) and {} actual request(s), the server saw {preflights} and {actual}",
                    case.preflights, case.actual
                ));
            }
            if let Some(arrival) = arrivals.iter().find(|a| !a.other_cors_headers.is_empty()) {
                problems.push(format!(
                    "{profile} sent {:?}: Private Network Access applies after all (update the README)",
                    arrival.other_cors_headers
                ));
            }
            if !problems.is_empty() {
                let arrivals: Vec<String> = arrivals.iter().map(ToString::to_string).collect();
                failures.push(format!(
                    "{} (policy `{}`, page {page_url}):\n  request: {}\n  {}\n  server saw: {}",
                    case.name,
                    case.policy,
                    case.fetches
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" then "),
                    problems.join("\n  "),
                    arrivals.join(", ")
                ));
            }
        }
    }
    if failures.is_empty() {
        Ok(format!(
            "all {} middleware cases do what their policy intends",
            cases.len()
        ))
    } else {
        Err(format!(
            "{} of {} cases differ from the policy's intent:\n\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n\n")
        ))
    }
}
