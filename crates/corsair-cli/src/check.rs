//! `corsair check`: the browser's exchanges, over the network, for one or several origins.

mod curl;
mod diagnose;
mod initiator;
mod report;

use std::{io::Write as _, process::ExitCode, time::Duration};

use corsair::{
    Origin,
    browser::{
        Browser, Credentials, Fetch, Outcome, Outgoing, PageRequest, PreflightCache, ResponseHead,
        Step, Url,
    },
};
use tokio::time::Instant;

use crate::{
    CheckArgs,
    client::{Client, NetworkError},
    fix_for::Server,
    seconds,
    term::{self, Palette},
};

/// One request sent and what came back.
pub(crate) struct Record {
    outgoing: Outgoing,
    response: ResponseHead,
}

/// What `check` will do: one page request per origin, and how to send them.
struct Plan {
    requests: Vec<PageRequest>,
    body: Option<Vec<u8>>,
    client: Client,
    insecure: bool,
    max_time: Duration,
    fix_for: Vec<Server>,
}

/// How one origin's fetch ended.
pub(crate) enum End {
    Outcome(Outcome),
    Network(NetworkError),
}

/// One origin's fetch: what the page asked, the exchanges that happened, how it ended.
pub(crate) struct Run {
    request: PageRequest,
    dropped: Vec<String>,
    records: Vec<Record>,
    end: End,
}

pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let palette = args.color.palette();
    let plan = match prepare(args) {
        Ok(plan) => plan,
        Err(message) => {
            if args.json {
                println!("{}", report::usage_json(args.browser, &message));
            }
            eprintln!("corsair check: {}", term::printable(&message));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("corsair check: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let show = !args.json;
    let deadline = Instant::now() + plan.max_time;
    let mut runs = Vec::new();
    for request in &plan.requests {
        let run = runtime.block_on(fetch(args.browser, request, &plan, deadline, show, palette));
        if show {
            print_out(&report::verdict_text(
                args.browser,
                &run,
                &plan.fix_for,
                palette,
            ));
        }
        runs.push(run);
    }
    if args.json {
        let mut objects: Vec<_> = runs
            .iter()
            .map(|run| report::run_json(args.browser, run, plan.insecure, &plan.fix_for))
            .collect();
        let json = match objects.len() {
            1 => objects.remove(0),
            _ => serde_json::Value::Array(objects),
        };
        println!("{json}");
    } else if runs.len() > 1 {
        print_out(&report::table(&runs, palette));
    }
    for run in &runs {
        if let End::Network(network) = &run.end {
            eprintln!("corsair check: {}", term::printable(&network.message));
        }
    }
    let code = runs
        .iter()
        .map(|run| match &run.end {
            End::Network(_) => 2,
            End::Outcome(outcome) if outcome.result.is_err() => 1,
            End::Outcome(_) => 0,
        })
        .max()
        .unwrap_or(0);
    ExitCode::from(code)
}

/// Prints text that was made printable piece by piece (it may hold colour codes).
fn print_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Runs one origin's fetch, printing each exchange as it happens when `show`.
async fn fetch(
    browser: Browser,
    request: &PageRequest,
    plan: &Plan,
    deadline: Instant,
    show: bool,
    palette: Palette,
) -> Run {
    let mut cache = PreflightCache::new(browser);
    let mut fetch = Fetch::new(browser, request.clone(), &mut cache);
    let dropped = fetch.dropped_headers().to_vec();
    if show {
        print_out(&report::heading(
            browser,
            request,
            &dropped,
            plan.insecure,
            palette,
        ));
    }
    let mut records = Vec::new();
    let end = loop {
        let outgoing = match fetch.step() {
            Step::Send(outgoing) => outgoing,
            Step::Done(outcome) => break End::Outcome(outcome),
        };
        if show {
            print_out(&report::outgoing_text(&outgoing));
        }
        // Preflights carry no body; only the request itself does.
        let body = match outgoing.exchange {
            corsair::browser::Exchange::Actual => plan.body.as_deref(),
            corsair::browser::Exchange::Preflight => None,
        };
        let waiting = format!("waiting for {} {}", outgoing.method, outgoing.url);
        let sent = tokio::time::timeout_at(
            deadline,
            term::with_progress(&waiting, plan.client.send(&outgoing, body)),
        )
        .await
        .unwrap_or_else(|_| {
            Err(NetworkError {
                kind: "timeout",
                message: format!(
                    "the check did not finish within {} (--max-time), after {} exchange(s)",
                    crate::client::seconds(plan.max_time),
                    records.len()
                ),
            })
        });
        match sent {
            Ok(response) => {
                if show {
                    print_out(&report::response_text(&response));
                }
                fetch.receive(response.clone());
                records.push(Record { outgoing, response });
            }
            Err(network) => break End::Network(network),
        }
    };
    Run {
        request: request.clone(),
        dropped,
        records,
        end,
    }
}

fn prepare(args: &CheckArgs) -> Result<Plan, String> {
    let copied = args.curl.as_deref().map(curl::parse).transpose()?;
    let copied = copied.unwrap_or_default();
    let url = args
        .url
        .clone()
        .or(copied.url)
        .ok_or("give the URL to check")?;
    let url = Url::parse(&url).map_err(|e| e.to_string())?;
    let origins: Vec<String> = if args.origin.is_empty() {
        copied.origin.into_iter().collect()
    } else {
        args.origin.clone()
    };
    if origins.is_empty() {
        return Err(
            "give the page's origin with --origin (e.g. --origin https://app.example.com)"
                .to_owned(),
        );
    }
    let data = args.data.clone().or(copied.body);
    let body = data.map(|data| match data.strip_prefix('@') {
        Some(path) => std::fs::read(path).map_err(|e| format!("--data @{path}: {e}")),
        None => Ok(data.into_bytes()),
    });
    let body = body.transpose()?;
    let method =
        args.method.clone().or(copied.method).unwrap_or_else(|| {
            initiator::default_method(args.initiator, body.is_some()).to_owned()
        });
    let copied_credentials = copied.credentials.then_some(Credentials::Include);
    let (mode, credentials) = initiator::modes(
        args.initiator,
        args.mode.or(copied.mode),
        args.credentials.or(copied_credentials),
    );
    let mut headers = copied.headers;
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(format!("-H {header:?}: expected 'Name: value'"));
        };
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    for (name, _) in &headers {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(format!("-H: {name:?} is not a header name"));
        }
    }
    let mut requests = Vec::new();
    for origin in &origins {
        let parsed = Origin::parse(origin).map_err(|e| format!("--origin {origin}: {e}"))?;
        if parsed.is_opaque() {
            return Err("--origin null: give the page's real origin; browsers send `null` themselves after cross-origin redirects".to_owned());
        }
        let mut request = PageRequest::by(args.initiator, parsed, url.clone())
            .method(method.clone())
            .mode(mode)
            .credentials(credentials);
        for (name, value) in &headers {
            request = request.header(name.clone(), value.clone());
        }
        initiator::refuse(&request, body.is_some())?;
        if let Some((name, value)) = initiator::form_encoding(&request, body.is_some()) {
            request = request.header(name, value);
        }
        requests.push(request);
    }
    let insecure = args.connect.insecure || copied.insecure;
    let client = args.connect.client(insecure)?;
    Ok(Plan {
        requests,
        body,
        client,
        insecure,
        max_time: seconds(args.max_time, "--max-time")?,
        fix_for: args.fix_for.clone(),
    })
}
