//! The console half: for each way an engine blocks a fetch over loopback, what the engine
//! prints to its console, next to what the model's profile renders for the same answers
//! ([`Blocked::console_message`]), and what [`recognize`] (`corsair explain`) reads back from
//! the real text.

use corsair::browser::{BlockReason, Blocked, Browser, Credentials, Mode, recognize};

use crate::{
    chromium::FetchResult,
    engine::{ConsoleRun, Engine},
    generate::Context,
    model_half::ModelHalf,
    scenario::{Answer, FetchInit, REDIRECTED_SUFFIX, Scenario},
};

/// One way to get a fetch blocked.
#[derive(Clone, Debug)]
pub struct Case {
    /// What it shows, in a few words.
    pub name: &'static str,
    /// The scenario (one fetch).
    pub scenario: Scenario,
}

fn lines(headers: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
        .collect()
}

fn init(method: &str, headers: &[(&str, &str)], mode: Mode, credentials: Credentials) -> FetchInit {
    FetchInit {
        method: method.to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        mode,
        credentials,
    }
}

/// Every case: each blocking reason the engines can be driven to over loopback, some in
/// both the preflight and the actual response.
pub fn cases(ctx: &Context) -> Vec<Case> {
    use Credentials::{Include, Omit};
    use Mode::{Cors, NoCors, SameOrigin};
    let page = ctx.page.as_str();
    let grant = [("Access-Control-Allow-Origin", page)];
    let get = init("GET", &[], Cors, Omit);
    let put = init("PUT", &[], Cors, Omit);
    let ok = Answer::new(200, lines(&grant), b"ok");
    let preflight_ok = Answer::new(
        204,
        lines(&[
            ("Access-Control-Allow-Origin", page),
            ("Access-Control-Allow-Methods", "PUT"),
        ]),
        b"",
    );
    let here = |path: &str| format!("http://localhost:{}{path}", ctx.server_port);
    let third = |path: &str| format!("http://127.0.0.1:{}{path}", ctx.server_port);
    let redirect = |location: String| {
        Answer::new(
            302,
            lines(&[
                ("Access-Control-Allow-Origin", page),
                ("Location", &location),
            ]),
            b"",
        )
    };
    let table: Vec<(&'static str, FetchInit, Answer, Answer, Option<Answer>)> = vec![
        (
            "no Access-Control-Allow-Origin",
            get.clone(),
            preflight_ok.clone(),
            Answer::new(200, vec![], b"ok"),
            None,
        ),
        (
            "no Access-Control-Allow-Origin on a 404",
            get.clone(),
            preflight_ok.clone(),
            Answer::new(404, vec![], b"no"),
            None,
        ),
        (
            "another origin allowed",
            get.clone(),
            preflight_ok.clone(),
            Answer::new(
                200,
                lines(&[("Access-Control-Allow-Origin", "http://other.example")]),
                b"ok",
            ),
            None,
        ),
        (
            "an allowed origin that is not an origin",
            get.clone(),
            preflight_ok.clone(),
            Answer::new(
                200,
                lines(&[("Access-Control-Allow-Origin", "other.example")]),
                b"ok",
            ),
            None,
        ),
        (
            "two Access-Control-Allow-Origin lines",
            get.clone(),
            preflight_ok.clone(),
            Answer::new(200, lines(&[grant[0], grant[0]]), b"ok"),
            None,
        ),
        (
            "a list of origins in one Access-Control-Allow-Origin",
            get.clone(),
            preflight_ok.clone(),
            Answer::new(
                200,
                lines(&[(
                    "Access-Control-Allow-Origin",
                    &format!("{page}, http://other.example"),
                )]),
                b"ok",
            ),
            None,
        ),
        (
            "`*` with credentials",
            init("GET", &[], Cors, Include),
            preflight_ok.clone(),
            Answer::new(200, lines(&[("Access-Control-Allow-Origin", "*")]), b"ok"),
            None,
        ),
        (
            "credentials without Access-Control-Allow-Credentials",
            init("GET", &[], Cors, Include),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
        (
            "credentials with Access-Control-Allow-Credentials: True",
            init("GET", &[], Cors, Include),
            preflight_ok.clone(),
            Answer::new(
                200,
                lines(&[grant[0], ("Access-Control-Allow-Credentials", "True")]),
                b"ok",
            ),
            None,
        ),
        (
            "a preflight answered 404",
            put.clone(),
            Answer::new(404, lines(&grant), b""),
            ok.clone(),
            None,
        ),
        (
            "a preflight answered 404, with credentials",
            init("PUT", &[], Cors, Include),
            Answer::new(404, lines(&grant), b""),
            ok.clone(),
            None,
        ),
        (
            "a redirected preflight",
            put.clone(),
            redirect(here("/elsewhere")),
            ok.clone(),
            None,
        ),
        (
            "a preflight without Access-Control-Allow-Origin",
            put.clone(),
            Answer::new(204, lines(&[("Access-Control-Allow-Methods", "PUT")]), b""),
            ok.clone(),
            None,
        ),
        (
            "a method the preflight does not allow",
            init("PATCH", &[], Cors, Omit),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
        (
            "a header the preflight does not allow",
            init("PUT", &[("X-Token", "1")], Cors, Omit),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
        (
            "an invalid token in Access-Control-Allow-Methods",
            put.clone(),
            Answer::new(
                204,
                lines(&[grant[0], ("Access-Control-Allow-Methods", "PUT, (bad)")]),
                b"",
            ),
            ok.clone(),
            None,
        ),
        (
            "an invalid token in Access-Control-Allow-Headers",
            init("GET", &[("X-Token", "1")], Cors, Omit),
            Answer::new(
                204,
                lines(&[grant[0], ("Access-Control-Allow-Headers", "x-token, a b")]),
                b"",
            ),
            ok.clone(),
            None,
        ),
        (
            "a redirect to a URL with credentials",
            get.clone(),
            preflight_ok.clone(),
            redirect(format!(
                "http://user:secret@localhost:{}/s/ID{REDIRECTED_SUFFIX}",
                ctx.server_port
            )),
            Some(ok.clone()),
        ),
        (
            "a redirect loop",
            get.clone(),
            preflight_ok.clone(),
            redirect(here("/s/ID")),
            None,
        ),
        (
            "a redirect to a Location that does not parse",
            get.clone(),
            preflight_ok.clone(),
            redirect("http://[bad".to_owned()),
            None,
        ),
        (
            "a cross-origin redirect, then no Access-Control-Allow-Origin",
            get.clone(),
            preflight_ok.clone(),
            redirect(third(&format!("/s/ID{REDIRECTED_SUFFIX}"))),
            Some(Answer::new(200, vec![], b"ok")),
        ),
        (
            "mode same-origin to another origin",
            init("GET", &[], SameOrigin, Omit),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
        (
            "a method that is not a token",
            init("GE T", &[], Cors, Omit),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
        (
            "a forbidden method",
            init("TRACE", &[], Cors, Omit),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
        (
            "PUT in no-cors mode",
            init("PUT", &[], NoCors, Omit),
            preflight_ok.clone(),
            ok.clone(),
            None,
        ),
    ];
    table
        .into_iter()
        .enumerate()
        .map(|(index, (name, fetch, preflight, actual, redirected))| {
            let id = format!("console-{index}");
            let with_id = |mut answer: Answer| {
                for (header, value) in &mut answer.headers {
                    if header.eq_ignore_ascii_case("location") {
                        *value = String::from_utf8_lossy(value)
                            .replace("/s/ID", &format!("/s/{id}"))
                            .into_bytes();
                    }
                }
                answer
            };
            Case {
                name,
                scenario: Scenario {
                    id: id.clone(),
                    fetches: vec![fetch],
                    preflight: with_id(preflight),
                    actual: with_id(actual),
                    redirected,
                },
            }
        })
        .collect()
}

/// `fetch()` refused these before any request: the console shows only the uncaught
/// rejection, `Uncaught (in promise) <name>: <message>`, so the page's error is the real text.
fn refused_by_fetch(reason: &BlockReason) -> bool {
    matches!(
        reason,
        BlockReason::InvalidMethod { .. }
            | BlockReason::ForbiddenMethod { .. }
            | BlockReason::NoCorsMethod { .. }
    )
}

/// The real text to compare with the model's message, and the model's message as it is
/// compared, normalised only where an engine's log differs from what its console shows.
fn texts(
    browser: Browser,
    case: &Case,
    page: &str,
    blocked: &Blocked,
    run: &ConsoleRun,
) -> (String, String) {
    let model = blocked.console_message(browser);
    if refused_by_fetch(&blocked.reason) {
        let error = match run.fetches.first() {
            Some(FetchResult::Blocked { error }) => error.clone(),
            _ => String::new(),
        };
        // Chromium's model text is the error's message; Firefox's and WebKit's start with
        // its name, as their consoles print it.
        let model = match browser {
            Browser::Chromium => format!("TypeError: {model}"),
            Browser::Firefox | Browser::WebKit => model,
        };
        return (error, model);
    }
    let real: Vec<&str> = run
        .lines
        .iter()
        .map(String::as_str)
        // Chromium follows every blocked fetch with a network entry for the failed load;
        // DevTools folds it into the CORS error, and the model does not render it.
        .filter(|line| !(browser == Browser::Chromium && *line == CHROMIUM_FAILED_LOAD))
        .collect();
    // For a load that failed below CORS, Chromium's log holds `Failed to load resource:
    // <error>` for the URL, which DevTools shows as `<method> <url> <error>`, the model's text.
    let model = match (browser, model.split_once(" net::")) {
        (Browser::Chromium, Some((_, error))) => format!("Failed to load resource: net::{error}"),
        // Chromium names the page's origin (the request's initiator) where the model renders
        // the `Origin` the request carried, `null` after a cross-origin redirect: the model's
        // `Blocked` does not keep the page's origin (see `Blocked::console_message`).
        (Browser::Chromium, None) => {
            model.replacen("from origin 'null'", &format!("from origin '{page}'"), 1)
        }
        // WebKit prints the whole header value where the model names the offending element
        // (see `Blocked::console_message`).
        (Browser::WebKit, _) => match &blocked.reason {
            BlockReason::InvalidAllowMethods { token }
            | BlockReason::InvalidAllowHeaders { token } => {
                let header = match blocked.reason {
                    BlockReason::InvalidAllowMethods { .. } => "access-control-allow-methods",
                    _ => "access-control-allow-headers",
                };
                let value = case
                    .scenario
                    .preflight
                    .head()
                    .get(header)
                    .unwrap_or_default();
                model.replacen(
                    &format!("invalid value: {token}"),
                    &format!("invalid value: {}", String::from_utf8_lossy(&value)),
                    1,
                )
            }
            _ => model,
        },
        _ => model,
    };
    (real.join("\n"), model)
}

/// The network entry Chromium logs after each blocked fetch.
const CHROMIUM_FAILED_LOAD: &str = "Failed to load resource: net::ERR_FAILED";

/// Whether `corsair explain` reads `text` as `blocked` of `browser`: the same reason, or one
/// the engine words the same way (re-rendered, it is the same text).
fn recognised(browser: Browser, blocked: &Blocked, text: &str) -> Result<(), String> {
    let Some(reading) = recognize(text) else {
        return Err("not recognised".to_owned());
    };
    if reading.browser != browser {
        return Err(format!("recognised as {}", reading.browser));
    }
    // Compared line for line as far as `text` goes: a first line pasted alone names no URL,
    // so the summary line WebKit prints after it cannot be rendered again.
    let rendered = reading.blocked.console_message(browser);
    let same_words = rendered == text || rendered.lines().next() == Some(text);
    if reading.blocked.reason.kind() == blocked.reason.kind() || same_words {
        Ok(())
    } else {
        Err(format!("recognised as {}", reading.blocked.reason.kind()))
    }
}

/// Runs every case in `engine`: fails with a report of each case where the engine did not
/// block, printed something else than the model renders, or printed what `corsair explain`
/// does not read back as the model's reason.
pub async fn check(engine: &impl Engine) -> Result<String, String> {
    let browser = engine.profile();
    let half = ModelHalf::start().await.map_err(|e| e.to_string())?;
    let context = half.context();
    let cases = cases(&context);
    let mut failures = Vec::new();
    let mut silent = Vec::new();
    for case in &cases {
        let run = half
            .run_logged(engine, &case.scenario)
            .await
            .map_err(|e| format!("{}: {e}", case.name))?;
        let model = half
            .model_outcomes(browser, &case.scenario)
            .map_err(|e| format!("{}: {e}", case.name))?;
        let Some(Err(blocked)) = model.into_iter().next() else {
            failures.push(format!("{}: the model does not block", case.name));
            continue;
        };
        if run.fetches.first().is_none_or(FetchResult::is_allowed) {
            failures.push(format!("{}: {browser} did not block", case.name));
            continue;
        }
        let (real, model) = texts(browser, case, &context.page, &blocked, &run);
        if real != model {
            failures.push(format!(
                "{} ({}):\n  {browser}: {real:?}\n  model:  {model:?}",
                case.name,
                blocked.reason.kind()
            ));
            continue;
        }
        if refused_by_fetch(&blocked.reason) {
            silent.push(case.name);
        }
        let first_line = real.lines().next().unwrap_or_default();
        for text in [real.as_str(), first_line] {
            if let Err(why) = recognised(browser, &blocked, text) {
                failures.push(format!(
                    "{} ({}): corsair explain: {why}: {text:?}",
                    case.name,
                    blocked.reason.kind()
                ));
            }
        }
    }
    if failures.is_empty() {
        Ok(format!(
            "{} cases: every console text is the model's and is recognised ({} print only the page's uncaught rejection: {})",
            cases.len(),
            silent.len(),
            silent.join(", ")
        ))
    } else {
        Err(failures.join("\n"))
    }
}

/// The console test for engine `E`: fails the calling test unless [`check`] passes.
pub async fn judge_console<E: Engine>() {
    crate::engine::judged::<E>(std::time::Duration::from_secs(300), "", async |engine| {
        check(engine).await
    })
    .await;
}
