//! `corsair check`: the browser's exchanges, over the network.

use std::process::ExitCode;

use corsair::{
    Origin,
    browser::{
        Browser, Exchange, Fetch, Outcome, Outgoing, PageRequest, PreflightCache, ResponseHead,
        ResponseType, Step, Url,
    },
};
use serde_json::{Value, json};

use crate::{CheckArgs, client::Client, seconds};

/// One request sent and what came back.
struct Record {
    outgoing: Outgoing,
    response: ResponseHead,
}

pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let browser = args.browser;
    let (request, client) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(message) => return usage_error(args.json, browser, &message),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return usage_error(
                args.json,
                browser,
                &format!("cannot start the runtime: {e}"),
            );
        }
    };
    let mut cache = PreflightCache::new(browser);
    let mut fetch = Fetch::new(browser, request.clone(), &mut cache);
    let dropped = fetch.dropped_headers().to_vec();
    let mut records = Vec::new();
    let outcome = loop {
        match fetch.step() {
            Step::Send(outgoing) => match runtime.block_on(client.send(&outgoing)) {
                Ok(response) => {
                    fetch.receive(response.clone());
                    records.push(Record { outgoing, response });
                }
                Err(network) => {
                    return network_error(
                        args.json,
                        browser,
                        &records,
                        network.kind,
                        &network.message,
                    );
                }
            },
            Step::Done(outcome) => break outcome,
        }
    };
    if args.json {
        println!("{}", report_json(browser, &records, &outcome));
    } else {
        print!(
            "{}",
            report_text(browser, &request, &dropped, &records, &outcome)
        );
    }
    if outcome.result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn prepare(args: &CheckArgs) -> Result<(PageRequest, Client), String> {
    let origin =
        Origin::parse(&args.origin).map_err(|e| format!("--origin {}: {e}", args.origin))?;
    if origin.is_opaque() {
        return Err("--origin null: give the page's real origin; browsers send `null` themselves after cross-origin redirects".to_owned());
    }
    let url = Url::parse(&args.url).map_err(|e| e.to_string())?;
    let mut request = PageRequest::new(origin, url)
        .method(args.method.clone())
        .mode(args.mode)
        .credentials(args.credentials);
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(format!("-H {header:?}: expected 'Name: value'"));
        };
        let name = name.trim();
        if !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') || name.is_empty() {
            return Err(format!("-H {header:?}: {name:?} is not a header name"));
        }
        request = request.header(name, value.trim());
    }
    let client = Client::new(
        seconds(args.connect_timeout, "--connect-timeout")?,
        seconds(args.timeout, "--timeout")?,
        args.cacert.as_deref(),
    )?;
    Ok((request, client))
}

fn usage_error(json: bool, browser: Browser, message: &str) -> ExitCode {
    if json {
        println!("{}", error_json(browser, &[], "usage", message));
    }
    eprintln!("corsair check: {message}");
    ExitCode::from(2)
}

fn network_error(
    json: bool,
    browser: Browser,
    records: &[Record],
    kind: &str,
    message: &str,
) -> ExitCode {
    if json {
        println!("{}", error_json(browser, records, kind, message));
    }
    eprintln!("corsair check: {message}");
    ExitCode::from(2)
}

/// The headers worth showing: those CORS is about.
fn is_cors_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "origin" || name.starts_with("access-control-") || name == "vary" || name == "location"
}

fn report_text(
    browser: Browser,
    request: &PageRequest,
    dropped: &[String],
    records: &[Record],
    outcome: &Outcome,
) -> String {
    let mut out = format!(
        "{} {} from origin {} ({browser}, mode {}, credentials {})\n",
        request.method, request.url, request.origin, request.mode, request.credentials
    );
    for name in dropped {
        out.push_str(&format!(
            "  note: the browser drops the forbidden request header `{name}`\n"
        ));
    }
    for record in records {
        let what = record.outgoing.exchange.as_str();
        out.push_str(&format!(
            "\n> {what}: {} {}\n",
            record.outgoing.method, record.outgoing.url
        ));
        for (name, value) in record.outgoing.headers.iter().filter(|(n, _)| {
            is_cors_header(n) || n.eq_ignore_ascii_case("access-control-request-headers")
        }) {
            out.push_str(&format!(">   {name}: {value}\n"));
        }
        if record.outgoing.with_credentials {
            out.push_str(">   (with the page's cookies / credentials)\n");
        }
        out.push_str(&format!("< {}\n", record.response.status));
        for (name, value) in record
            .response
            .headers
            .iter()
            .filter(|(n, _)| is_cors_header(n))
        {
            out.push_str(&format!("<   {name}: {}\n", String::from_utf8_lossy(value)));
        }
    }
    out.push('\n');
    match &outcome.result {
        Ok(kind) => {
            let access = match kind {
                ResponseType::Opaque => {
                    "allowed, but opaque: no-cors gives script no status, headers or body"
                        .to_owned()
                }
                ResponseType::Basic => "allowed: same origin, CORS does not apply".to_owned(),
                ResponseType::Cors => "allowed: the page can read the response".to_owned(),
            };
            out.push_str(&format!("ALLOWED ({access})\n"));
            out.push_str(&format!(
                "  status: {}\n",
                outcome.status.map_or("-".to_owned(), |s| s.to_string())
            ));
            out.push_str(&format!(
                "  readable headers: {}\n",
                if outcome.readable_headers.is_empty() {
                    "none".to_owned()
                } else {
                    outcome.readable_headers.join(", ")
                }
            ));
        }
        Err(blocked) => {
            out.push_str(&format!("BLOCKED by {browser}\n"));
            out.push_str(&format!(
                "  console: {}\n",
                blocked
                    .console_message(browser)
                    .replace('\n', "\n           ")
            ));
            out.push_str(&format!("  why:     {}\n", blocked.cause()));
            out.push_str(&format!("  fix:     {}\n", blocked.fix()));
        }
    }
    out
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

fn report_json(browser: Browser, records: &[Record], outcome: &Outcome) -> Value {
    let (verdict, error) = match &outcome.result {
        Ok(_) => ("allowed", Value::Null),
        Err(blocked) => (
            "blocked",
            json!({
                "kind": blocked.reason.kind(),
                "message": blocked.console_message(browser),
                "in_preflight": blocked.in_preflight,
                "cause": blocked.cause(),
                "fix": blocked.fix(),
            }),
        ),
    };
    json!({
        "verdict": verdict,
        "browser": browser.name(),
        "preflight": exchange_json(records, Exchange::Preflight),
        "actual": exchange_json(records, Exchange::Actual),
        "readable_headers": outcome.readable_headers,
        "response_type": outcome.result.as_ref().ok().map(|kind| kind.as_str()),
        "error": error,
        "exchanges": exchanges_json(records),
    })
}

fn error_json(browser: Browser, records: &[Record], kind: &str, message: &str) -> Value {
    json!({
        "verdict": "error",
        "browser": browser.name(),
        "preflight": exchange_json(records, Exchange::Preflight),
        "actual": exchange_json(records, Exchange::Actual),
        "readable_headers": [],
        "error": { "kind": kind, "message": message },
        "exchanges": exchanges_json(records),
    })
}
