//! The cross-origin protections in a real browser: a policy with `refuse_cross_origin_writes`
//! that allows one origin, served by `corsair_tower::CorsLayer` on `http://127.0.0.1:S`. Pages
//! submit HTML forms (url-encoded and multipart, into a frame), a `no-cors` `text/plain`
//! fetch POST, a beacon, a WebSocket handshake and, last, a form to the page's own window
//! (which leaves the page) to it from four origins:
//!
//! * the server's own (`http://127.0.0.1:S`) and the allowed one (`http://127.0.0.1:A`, same
//!   site): every write and handshake reaches the handler;
//! * a foreign origin on the same site (`http://127.0.0.1:F`, `Sec-Fetch-Site: same-site`) and
//!   a cross-site one (`http://localhost:F`: another host, so another site): every one is
//!   refused with 403 and the handler never runs.
//!
//! The same policy in report-only mode lets everything through. What each engine sent
//! (`Sec-Fetch-*`, `Origin`, `Accept`) is printed, and for each form it must be what the
//! model's form submission (`Initiator::Form`) sends.

use std::time::Duration;

use corsair::{
    Config, Origin, Policy,
    browser::{Browser, Fetch, Initiator, PageRequest, PreflightCache, Step, Url},
};
use corsair_browser_tests::{
    engine::{Engine, judged},
    engine_tests,
    protection::{ProtectedServer, Sent, serve_page},
};
use serde_json::json;

const ACTIONS: &[&str] = &[
    "form-urlencoded",
    "form-multipart",
    "no-cors",
    "beacon",
    "websocket",
];

fn policy(allowed: &str, report_only: bool) -> Policy {
    match Config::new()
        .allow_origins([allowed.to_owned()])
        .refuse_cross_origin_writes(true)
        .report_only(report_only)
        .build()
    {
        Ok(policy) => policy,
        Err(errors) => panic!("test policy does not build: {errors}"),
    }
}

engine_tests!(refuses_foreign_writes_and_handshakes => judge);

async fn judge<E: Engine>() {
    judged::<E>(Duration::from_secs(240), "", async |engine| {
        check(engine).await
    })
    .await;
}

fn describe(sent: &[Sent]) -> String {
    sent.iter()
        .map(|s| {
            format!(
                "{} {} Sec-Fetch-Site={} Sec-Fetch-Mode={} Sec-Fetch-Dest={} Origin={} Accept={} -> {}{}",
                s.method,
                s.path,
                s.sec_fetch_site.as_deref().unwrap_or("(none)"),
                s.sec_fetch_mode.as_deref().unwrap_or("(none)"),
                s.sec_fetch_dest.as_deref().unwrap_or("(none)"),
                s.origin.as_deref().unwrap_or("(none)"),
                s.accept.as_deref().unwrap_or("(none)"),
                s.status,
                if s.handled { " (handled)" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The form the page submits to its own window, navigating away (after the other actions).
const TOP_FORM: &str = "form-top";

/// The `enctype` of a form action.
fn form_encoding(action: &str) -> Option<&'static str> {
    match action {
        "form-urlencoded" | TOP_FORM => Some("application/x-www-form-urlencoded"),
        "form-multipart" => Some("multipart/form-data"),
        _ => None,
    }
}

/// What the model's form submission from `page_url` to `url` sends: `Sec-Fetch-Site`,
/// `-Mode`, `-Dest`, `Origin` and `Accept`. The model's form is submitted to the page's own
/// window; for one submitted into a frame, `Sec-Fetch-Dest` is the engine's
/// `framed_form_dest` fact.
fn model_form(
    browser: Browser,
    page_url: &str,
    url: &str,
    action: &str,
) -> Result<[Option<String>; 5], String> {
    let enctype = form_encoding(action).ok_or("not a form")?;
    let page = Origin::parse(page_url.trim_end_matches('/')).map_err(|e| e.to_string())?;
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    let request = PageRequest::by(Initiator::Form, page, url)
        .method("POST")
        .header("Content-Type", enctype);
    request.validate().map_err(|e| e.to_string())?;
    let mut cache = PreflightCache::new(browser);
    let Step::Send(outgoing) = Fetch::new(browser, request, &mut cache).step() else {
        return Err("the model sends no form submission".to_owned());
    };
    let header = |name: &str| {
        outgoing
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut sent = [
        "sec-fetch-site",
        "sec-fetch-mode",
        "sec-fetch-dest",
        "origin",
        "accept",
    ]
    .map(header);
    if action != TOP_FORM {
        sent[2] = Some(browser.facts().fetch_metadata.framed_form_dest.to_owned());
    }
    Ok(sent)
}

async fn check(engine: &impl Engine) -> Result<String, String> {
    let allowed = serve_page().await.map_err(|e| e.to_string())?;
    let foreign = serve_page().await.map_err(|e| e.to_string())?;
    let allowed_origin = format!("http://127.0.0.1:{}", allowed.port());
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for report_only in [false, true] {
        let server = ProtectedServer::start(policy(&allowed_origin, report_only))
            .await
            .map_err(|e| e.to_string())?;
        let pages = [
            (
                "same-origin",
                format!("http://127.0.0.1:{}/", server.port()),
                true,
            ),
            ("allowed", format!("{allowed_origin}/"), true),
            (
                "same-site",
                format!("http://127.0.0.1:{}/", foreign.port()),
                false,
            ),
            (
                "cross-site",
                format!("http://localhost:{}/", foreign.port()),
                false,
            ),
        ];
        for (page, page_url, trusted) in &pages {
            let actions: Vec<&str> = ACTIONS.iter().copied().chain([TOP_FORM]).collect();
            let paths: Vec<String> = actions
                .iter()
                .map(|action| format!("/w/{page}-{action}"))
                .collect();
            let url_of = |path: &str| format!("http://127.0.0.1:{}{path}", server.port());
            let scenarios: Vec<_> = ACTIONS
                .iter()
                .zip(&paths)
                .map(|(action, path)| json!({ "action": action, "url": url_of(path) }))
                .collect();
            let mut results = engine
                .run(page_url, &scenarios, 1)
                .await
                .map_err(|e| e.to_string())?;
            // Last, as it leaves the page; what it sent is all the server can judge.
            let top = serde_json::to_string(&url_of(&format!("/w/{page}-{TOP_FORM}")))
                .map_err(|e| e.to_string())?;
            engine
                .evaluate(&format!("corsairSubmitTop({top})"))
                .await
                .map_err(|e| e.to_string())?;
            results.push(Vec::new());
            // A beacon is sent after the page queued it.
            for _ in 0..30 {
                if paths.iter().all(|p| !server.sent_to(p).is_empty()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let passes = *trusted || report_only;
            for ((action, path), result) in actions.iter().zip(&paths).zip(&results) {
                let sent = server.sent_to(path);
                let mode = if report_only {
                    "report-only"
                } else {
                    "enforced"
                };
                if !report_only {
                    seen.push(format!("  {page:<11} {action:<15} {}", describe(&sent)));
                }
                let ok = match sent.as_slice() {
                    [] => false,
                    all => all
                        .iter()
                        .all(|s| s.handled == passes && (passes || s.status == 403)),
                };
                let page_saw_open = !matches!(
                    result.first(),
                    Some(corsair_browser_tests::result::FetchResult::Blocked { .. })
                );
                let socket_ok = *action != "websocket" || page_saw_open == passes;
                if let (Some(_), Some(first)) = (form_encoding(action), sent.first()) {
                    let model = model_form(engine.profile(), page_url, &url_of(path), action)?;
                    let real = [
                        first.sec_fetch_site.clone(),
                        first.sec_fetch_mode.clone(),
                        first.sec_fetch_dest.clone(),
                        first.origin.clone(),
                        first.accept.clone(),
                    ];
                    if real != model {
                        failures.push(format!(
                            "{mode}, page {page_url}, {action}: the model's form sends {model:?}, {} sent {real:?}",
                            engine.profile()
                        ));
                    }
                }
                if !ok || !socket_ok {
                    failures.push(format!(
                        "{mode}, page {page_url}, {action}: intended {}, server saw [{}], page saw {result:?}",
                        if passes { "handled" } else { "refused with 403, handler not run" },
                        describe(&sent)
                    ));
                }
            }
        }
    }
    let report = format!("what {} sent:\n{}", engine.profile(), seen.join("\n"));
    if failures.is_empty() {
        Ok(format!(
            "every foreign write and handshake refused, trusted ones and report-only passed\n{report}"
        ))
    } else {
        Err(format!("{}\n\n{report}", failures.join("\n")))
    }
}
