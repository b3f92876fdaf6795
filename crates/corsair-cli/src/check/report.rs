//! What `check` prints: the exchanges as they happen, each origin's verdict with every
//! problem seen and its fix, a table for several origins; or the same as JSON.

use corsair::browser::{
    BlockReason, Blocked, Browser, Credentials, Exchange, Initiator, Outgoing, PageRequest,
    Readable, ResponseHead, ResponseType,
};
use serde_json::{Value, json};

use super::{End, Record, Run, diagnose::diagnose};
use crate::{
    fix_for::{Grant, Server},
    term::{Palette, printable},
};

/// The headers worth showing: those CORS and the protections against forged writes are
/// about.
fn is_cors_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "origin"
        || name.starts_with("access-control-")
        || name.starts_with("sec-fetch-")
        || name == "vary"
        || name == "location"
}

/// The first line of a run, and what the browser changes about the request.
pub(super) fn heading(
    browser: Browser,
    request: &PageRequest,
    dropped: &[String],
    insecure: bool,
    palette: Palette,
) -> String {
    let mut out = printable(&format!(
        "{} {} from origin {} ({browser}, {}mode {}, credentials {})\n",
        request.method,
        request.url,
        request.origin,
        match request.initiator {
            Initiator::Fetch => String::new(),
            other => format!("{other}, "),
        },
        request.mode,
        request.credentials
    ))
    .into_owned();
    if insecure {
        out.push_str(&palette.warn(
            "  warning: TLS certificates are NOT verified (--insecure); a browser would refuse an invalid one\n",
        ));
    }
    for name in dropped {
        out.push_str(&printable(&format!(
            "  note: the browser drops the forbidden request header `{name}`\n"
        )));
    }
    out
}

/// A request, as it leaves.
pub(super) fn outgoing_text(outgoing: &Outgoing) -> String {
    let mut out = format!(
        "\n> {}: {} {}\n",
        outgoing.exchange.as_str(),
        outgoing.method,
        outgoing.url
    );
    for (name, value) in outgoing.headers.iter().filter(|(n, _)| is_cors_header(n)) {
        out.push_str(&format!(">   {name}: {value}\n"));
    }
    if outgoing.with_credentials {
        out.push_str(">   (with the page's cookies / credentials)\n");
    }
    printable(&out).into_owned()
}

/// A response, as it arrives.
pub(super) fn response_text(response: &ResponseHead) -> String {
    let mut out = format!("< {}\n", response.status);
    for (name, value) in response.headers.iter().filter(|(n, _)| is_cors_header(n)) {
        out.push_str(&format!("<   {name}: {}\n", String::from_utf8_lossy(value)));
    }
    printable(&out).into_owned()
}

/// The end of one origin's run: its verdict, every problem seen, and the fixes.
pub(super) fn verdict_text(
    browser: Browser,
    run: &Run,
    fix_for: &[Server],
    palette: Palette,
) -> String {
    let mut out = String::new();
    let mut line = |label: &str, text: &str| {
        out.push_str(&printable(&format!(
            "  {label:<8} {}\n",
            text.replace('\n', "\n           ")
        )));
    };
    let head = match &run.end {
        End::Network(network) => {
            if !run.records.is_empty() {
                line("note:", "the exchanges above did happen before the failure");
            }
            format!(
                "{} ({}): {}\n",
                palette.warn("ERROR"),
                network.kind,
                printable(&network.message)
            )
        }
        End::Outcome(outcome) => match &outcome.result {
            Ok(kind) => {
                let access = match (run.request.initiator.readable(), kind) {
                    _ if run.request.initiator == Initiator::Form => {
                        "a form submission is a navigation: CORS never blocks it, the server's answer decides"
                    }
                    (_, ResponseType::Opaque) => {
                        "allowed, but opaque: no-cors gives script no status, headers or body"
                    }
                    (_, ResponseType::Basic) => "allowed: same origin, CORS does not apply",
                    (Readable::Nothing, ResponseType::Cors) => {
                        "allowed: the element or event stream loads, script reads no headers"
                    }
                    (_, ResponseType::Cors) => "allowed: the page can read the response",
                };
                line(
                    "status:",
                    &outcome.status.map_or("-".to_owned(), |s| s.to_string()),
                );
                line(
                    "readable headers:",
                    &if outcome.readable_headers.is_empty() {
                        "none".to_owned()
                    } else {
                        outcome.readable_headers.join(", ")
                    },
                );
                format!("{} ({access})\n", palette.good("ALLOWED"))
            }
            Err(blocked) => {
                line("console:", &blocked.console_message(browser));
                line("why:", &blocked.cause());
                line("fix:", &blocked.fix());
                format!("{} by {browser}\n", palette.bad("BLOCKED"))
            }
        },
    };
    let diagnoses = diagnose(&run.records);
    let mut text = format!("\n{head}");
    text.push_str(&out);
    for diagnosis in &diagnoses {
        text.push_str(&printable(&format!("  also:    {}\n", diagnosis.message)));
    }
    for (server, snippet) in fixes(run, fix_for) {
        text.push_str(&printable(&format!(
            "\n  fix for {}:\n{}",
            server.name(),
            snippet
                .lines()
                .map(|line| format!("    {line}\n"))
                .collect::<String>()
        )));
    }
    text
}

/// A table of verdicts, one row per origin.
pub(super) fn table(runs: &[Run], palette: Palette) -> String {
    let width = runs
        .iter()
        .map(|run| run.request.origin.to_string().len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = format!("\n{:<width$}  verdict  reason\n", "origin");
    for run in runs {
        let (verdict, reason) = match &run.end {
            End::Network(network) => (palette.warn("error  "), network.kind.to_owned()),
            End::Outcome(outcome) => match &outcome.result {
                Ok(kind) => (palette.good("allowed"), kind.as_str().to_owned()),
                Err(blocked) => (palette.bad("blocked"), blocked.reason.kind().to_owned()),
            },
        };
        out.push_str(&format!(
            "{:<width$}  {verdict}  {reason}\n",
            printable(&run.request.origin.to_string())
        ));
    }
    out
}

/// Whether the block is the server's grant falling short, so a grant fixes it.
fn grant_fixes(blocked: &Blocked) -> bool {
    use BlockReason::*;
    matches!(
        blocked.reason,
        MissingAllowOrigin
            | MultipleAllowOriginValues { .. }
            | InvalidAllowOriginValue { .. }
            | AllowOriginMismatch { .. }
            | WildcardOriginNotAllowed
            | InvalidAllowCredentials { .. }
            | PreflightInvalidStatus { .. }
            | InvalidAllowMethods { .. }
            | InvalidAllowHeaders { .. }
            | MethodNotAllowed { .. }
            | HeaderNotAllowed { .. }
    )
}

/// The servers to write a fix for: those asked for, else the one the response names.
fn fixes(run: &Run, asked: &[Server]) -> Vec<(Server, String)> {
    let End::Outcome(outcome) = &run.end else {
        return Vec::new();
    };
    let Err(blocked) = &outcome.result else {
        return Vec::new();
    };
    if !grant_fixes(blocked) {
        return Vec::new();
    }
    let servers: Vec<Server> = if asked.is_empty() {
        let header = |name: &str| {
            run.records.last().and_then(|record| {
                record
                    .response
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
            })
        };
        Server::from_response(
            header("server").as_deref(),
            header("x-powered-by").as_deref(),
        )
        .into_iter()
        .collect()
    } else {
        asked.to_vec()
    };
    let grant = grant(run);
    servers
        .into_iter()
        .map(|server| (server, grant.snippet(server)))
        .collect()
}

/// What the server must grant for this run's request.
fn grant(run: &Run) -> Grant {
    let preflight = run
        .records
        .iter()
        .find(|record| record.outgoing.exchange == Exchange::Preflight);
    let asked = |name: &str| {
        preflight.and_then(|record| {
            record
                .outgoing
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
        })
    };
    let method =
        asked("access-control-request-method").unwrap_or_else(|| run.request.method.clone());
    Grant {
        origin: run.request.origin.to_string(),
        methods: if matches!(method.as_str(), "GET" | "HEAD" | "POST") {
            Vec::new()
        } else {
            vec![method]
        },
        headers: asked("access-control-request-headers")
            .map(|names| {
                names
                    .split(',')
                    .map(|name| name.trim().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
        credentials: run.request.credentials == Credentials::Include,
    }
}

fn exchange_json(records: &[Record], exchange: Exchange) -> Value {
    records
        .iter()
        .rev()
        .find(|record| record.outgoing.exchange == exchange)
        .map_or(Value::Null, |record| match exchange {
            Exchange::Preflight => {
                json!({ "status": record.response.status, "ok": record.response.is_ok() })
            }
            Exchange::Actual => json!({ "status": record.response.status }),
        })
}

fn exchanges_json(records: &[Record]) -> Value {
    Value::Array(
        records
            .iter()
            .map(|record| {
                json!({
                    "kind": record.outgoing.exchange.as_str(),
                    "method": record.outgoing.method,
                    "url": record.outgoing.url.to_string(),
                    "request_headers": record.outgoing.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                    "status": record.response.status,
                    "response_headers": record.response.headers.iter().filter(|(n, _)| is_cors_header(n)).map(|(n, v)| json!([n, String::from_utf8_lossy(v)])).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// One origin's run as JSON; every key is present whatever the verdict.
pub(super) fn run_json(browser: Browser, run: &Run, insecure: bool, fix_for: &[Server]) -> Value {
    let (verdict, readable, response_type, error) = match &run.end {
        End::Network(network) => (
            "error",
            Vec::new(),
            Value::Null,
            json!({ "kind": network.kind, "message": network.message }),
        ),
        End::Outcome(outcome) => match &outcome.result {
            Ok(kind) => (
                "allowed",
                outcome.readable_headers.clone(),
                json!(kind.as_str()),
                Value::Null,
            ),
            Err(blocked) => (
                "blocked",
                Vec::new(),
                Value::Null,
                json!({
                    "kind": blocked.reason.kind(),
                    "message": blocked.console_message(browser),
                    "in_preflight": blocked.in_preflight,
                    "cause": blocked.cause(),
                    "fix": blocked.fix(),
                }),
            ),
        },
    };
    json!({
        "verdict": verdict,
        "browser": browser.name(),
        "initiator": run.request.initiator.as_str(),
        "origin": run.request.origin.to_string(),
        "insecure": insecure,
        "dropped_headers": run.dropped,
        "preflight": exchange_json(&run.records, Exchange::Preflight),
        "actual": exchange_json(&run.records, Exchange::Actual),
        "readable_headers": readable,
        "response_type": response_type,
        "error": error,
        "diagnoses": diagnose(&run.records).iter().map(|d| json!({ "kind": d.kind, "message": d.message })).collect::<Vec<_>>(),
        "fixes": fixes(run, fix_for).iter().map(|(server, snippet)| json!({ "server": server.name(), "snippet": snippet })).collect::<Vec<_>>(),
        "exchanges": exchanges_json(&run.records),
    })
}

/// A usage error as JSON, with the same keys as a run.
pub(super) fn usage_json(browser: Browser, message: &str) -> Value {
    json!({
        "verdict": "error",
        "browser": browser.name(),
        "initiator": Value::Null,
        "origin": Value::Null,
        "insecure": false,
        "dropped_headers": [],
        "preflight": Value::Null,
        "actual": Value::Null,
        "readable_headers": [],
        "response_type": Value::Null,
        "error": { "kind": "usage", "message": message },
        "diagnoses": [],
        "fixes": [],
        "exchanges": [],
    })
}
