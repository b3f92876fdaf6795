//! The console half: for each way an engine blocks a fetch over loopback, what the engine
//! prints to its console, next to what the model's profile renders for the same answers
//! ([`Blocked::console_message`]), and what [`recognize`] (`corsair explain`) reads back from
//! the real text.

use corsair::browser::{
    BlockReason, Blocked, Browser, Credentials, Finding, Initiator, Mode, Url, recognize,
};

use crate::{
    engine::{ConsoleRun, Engine},
    generate::{Context, body::body},
    model_half::ModelHalf,
    result::FetchResult,
    scenario::{Answer, FetchInit, REDIRECTED_SUFFIX, Scenario, Start, header_lines as lines},
};

/// One way to get a fetch blocked.
#[derive(Clone, Debug)]
pub struct Case {
    /// What it shows, in a few words.
    pub name: &'static str,
    /// The scenario (one fetch).
    pub scenario: Scenario,
}

/// One row of [`cases`]: the request, and origin B's answers where they differ from an
/// allowing preflight (`PUT` allowed), an allowing response and no redirect target.
struct Row {
    name: &'static str,
    fetch: FetchInit,
    preflight: Option<Answer>,
    actual: Option<Answer>,
    redirected: Option<Answer>,
}

/// Where a row's `Location` points to its own scenario's paths.
const OWN: &str = "/s/ID";

/// Every case: each blocking reason the engines can be driven to over loopback, some in
/// both the preflight and the actual response.
pub(crate) fn cases(ctx: &Context) -> Vec<Case> {
    use Credentials::{Include, Omit};
    use Mode::{Cors, NoCors, SameOrigin};
    let init = FetchInit::new;
    let page = ctx.page.as_str();
    let grant = ("Access-Control-Allow-Origin", page);
    let answer =
        |status: u16, headers: &[(&str, &str)]| Some(Answer::new(status, lines(headers), b"body"));
    let redirect = |location: &str| answer(302, &[grant, ("Location", location)]);
    let row = |name, fetch, preflight, actual| Row {
        name,
        fetch,
        preflight,
        actual,
        redirected: None,
    };
    // Answered with the defaults: the request alone is what gets it blocked.
    let plain = |name, fetch| row(name, fetch, None, None);
    let cors = |method| init(method, &[], Cors, Omit);
    let get = || cors("GET");
    let put = || cors("PUT");
    let with_credentials = || init("GET", &[], Cors, Include);
    let port = ctx.server_port;
    let rows = vec![
        row(
            "no Access-Control-Allow-Origin",
            get(),
            None,
            answer(200, &[]),
        ),
        row(
            "no Access-Control-Allow-Origin on a 404",
            get(),
            None,
            answer(404, &[]),
        ),
        row(
            "another origin allowed",
            get(),
            None,
            answer(
                200,
                &[("Access-Control-Allow-Origin", "http://other.example")],
            ),
        ),
        row(
            "an allowed origin that is not an origin",
            get(),
            None,
            answer(200, &[("Access-Control-Allow-Origin", "other.example")]),
        ),
        row(
            "two Access-Control-Allow-Origin lines",
            get(),
            None,
            answer(200, &[grant, grant]),
        ),
        row(
            "a list of origins in one Access-Control-Allow-Origin",
            get(),
            None,
            answer(
                200,
                &[(
                    "Access-Control-Allow-Origin",
                    &format!("{page}, http://other.example"),
                )],
            ),
        ),
        row(
            "`*` with credentials",
            with_credentials(),
            None,
            answer(200, &[("Access-Control-Allow-Origin", "*")]),
        ),
        plain(
            "credentials without Access-Control-Allow-Credentials",
            with_credentials(),
        ),
        row(
            "credentials with Access-Control-Allow-Credentials: True",
            with_credentials(),
            None,
            answer(200, &[grant, ("Access-Control-Allow-Credentials", "True")]),
        ),
        row(
            "`*` with credentials on a preflight",
            init("PUT", &[], Cors, Include),
            answer(
                204,
                &[
                    ("Access-Control-Allow-Origin", "*"),
                    ("Access-Control-Allow-Methods", "PUT"),
                ],
            ),
            None,
        ),
        row(
            "two Access-Control-Allow-Origin lines on a preflight",
            put(),
            answer(
                204,
                &[grant, grant, ("Access-Control-Allow-Methods", "PUT")],
            ),
            None,
        ),
        row(
            "a preflight answered 404",
            put(),
            answer(404, &[grant]),
            None,
        ),
        row(
            "a preflight answered 404, with credentials",
            init("PUT", &[], Cors, Include),
            answer(404, &[grant]),
            None,
        ),
        row(
            "a redirected preflight",
            put(),
            redirect(&format!("{OWN}/elsewhere")),
            None,
        ),
        row(
            "a preflight without Access-Control-Allow-Origin",
            put(),
            answer(204, &[("Access-Control-Allow-Methods", "PUT")]),
            None,
        ),
        plain("a method the preflight does not allow", cors("PATCH")),
        plain(
            "a lowercase method the preflight does not allow",
            cors("patch"),
        ),
        plain(
            "a header the preflight does not allow",
            init("PUT", &[("X-Token", "1")], Cors, Omit),
        ),
        row(
            "an invalid token in Access-Control-Allow-Methods",
            put(),
            answer(
                204,
                &[grant, ("Access-Control-Allow-Methods", "PUT, (bad)")],
            ),
            None,
        ),
        row(
            "an invalid token in Access-Control-Allow-Headers",
            init("GET", &[("X-Token", "1")], Cors, Omit),
            answer(
                204,
                &[grant, ("Access-Control-Allow-Headers", "x-token, a b")],
            ),
            None,
        ),
        Row {
            redirected: answer(200, &[grant]),
            ..row(
                "a redirect to a URL with credentials",
                get(),
                None,
                redirect(&format!(
                    "http://user:secret@localhost:{port}{OWN}{REDIRECTED_SUFFIX}"
                )),
            )
        },
        Row {
            redirected: answer(200, &[grant]),
            ..row(
                "a redirect without Access-Control-Allow-Origin",
                get(),
                None,
                answer(302, &[("Location", &format!("{OWN}{REDIRECTED_SUFFIX}"))]),
            )
        },
        row("a redirect loop", get(), None, redirect(OWN)),
        row(
            "a redirect to a Location that does not parse",
            get(),
            None,
            redirect("http://[bad"),
        ),
        Row {
            redirected: answer(200, &[]),
            ..row(
                "a cross-origin redirect, then no Access-Control-Allow-Origin",
                get(),
                None,
                redirect(&format!("http://127.0.0.1:{port}{OWN}{REDIRECTED_SUFFIX}")),
            )
        },
        plain(
            "mode same-origin to another origin",
            init("GET", &[], SameOrigin, Omit),
        ),
        plain("a method that is not a token", cors("GE T")),
        plain("a forbidden method", cors("TRACE")),
        plain("PUT in no-cors mode", init("PUT", &[], NoCors, Omit)),
    ];
    let rows = rows.into_iter().chain(initiator_rows(page));
    let preflight_ok = Answer::new(
        204,
        lines(&[grant, ("Access-Control-Allow-Methods", "PUT")]),
        b"",
    );
    let ok = Answer::new(200, lines(&[grant]), b"body");
    rows.enumerate()
        .map(|(index, row)| {
            let id = format!("console-{index}");
            // `Location`s point to this scenario's own paths.
            let own = |mut answer: Answer| {
                for (header, value) in &mut answer.headers {
                    if header.eq_ignore_ascii_case("location") {
                        *value = String::from_utf8_lossy(value)
                            .replace(OWN, &format!("/s/{id}"))
                            .into_bytes();
                    }
                }
                answer
            };
            let scenario = Scenario {
                fetches: vec![row.fetch],
                preflight: own(row.preflight.unwrap_or_else(|| preflight_ok.clone())),
                actual: own(row.actual.unwrap_or_else(|| ok.clone())),
                redirects: row.redirected.into_iter().collect(),
                start: Start::Server,
                pause: std::time::Duration::ZERO,
                id,
            };
            Case {
                name: row.name,
                scenario,
            }
        })
        .collect()
}

/// Each initiator's own messages: every initiator refused for a missing
/// `Access-Control-Allow-Origin`, and the failures only some can meet (a preflight, a
/// credentialed load), each answered with a body the initiator can use.
fn initiator_rows(page: &str) -> Vec<Row> {
    use Credentials::{Include, SameOrigin};
    use Initiator::*;
    let by = |initiator, method: &str, headers: &[(&str, &str)], credentials| FetchInit {
        initiator,
        ..FetchInit::new(method, headers, Mode::Cors, credentials)
    };
    let typed = |initiator, headers: &[(&str, &str)]| {
        let (content_type, content) = body(initiator);
        let mut lines = lines(headers);
        lines.push(("Content-Type".to_owned(), content_type.as_bytes().to_vec()));
        Some(Answer::new(200, lines, &content))
    };
    let missing = |name, initiator, credentials| Row {
        name,
        fetch: by(initiator, "GET", &[], credentials),
        preflight: None,
        actual: typed(initiator, &[]),
        redirected: None,
    };
    let grant = ("Access-Control-Allow-Origin", page);
    vec![
        missing(
            "an XMLHttpRequest without Access-Control-Allow-Origin",
            Xhr,
            SameOrigin,
        ),
        missing(
            "a font without Access-Control-Allow-Origin",
            Font,
            SameOrigin,
        ),
        missing(
            "an image without Access-Control-Allow-Origin",
            Image,
            SameOrigin,
        ),
        missing(
            "a module script without Access-Control-Allow-Origin",
            ModuleScript,
            SameOrigin,
        ),
        missing(
            "a stylesheet without Access-Control-Allow-Origin",
            Stylesheet,
            SameOrigin,
        ),
        missing(
            "an EventSource without Access-Control-Allow-Origin",
            EventSource,
            SameOrigin,
        ),
        Row {
            actual: typed(Xhr, &[grant]),
            ..missing(
                "an XMLHttpRequest withCredentials without Access-Control-Allow-Credentials",
                Xhr,
                Include,
            )
        },
        Row {
            actual: typed(Image, &[("Access-Control-Allow-Origin", "*")]),
            ..missing("an image with use-credentials and `*`", Image, Include)
        },
        Row {
            actual: typed(EventSource, &[grant]),
            ..missing(
                "an EventSource withCredentials without Access-Control-Allow-Credentials",
                EventSource,
                Include,
            )
        },
        Row {
            fetch: by(Xhr, "PATCH", &[], SameOrigin),
            ..missing(
                "an XMLHttpRequest whose method the preflight does not allow",
                Xhr,
                SameOrigin,
            )
        },
        Row {
            fetch: by(Xhr, "GE T", &[], SameOrigin),
            ..missing(
                "an XMLHttpRequest with a method that is not a token",
                Xhr,
                SameOrigin,
            )
        },
        Row {
            fetch: by(Xhr, "TRACE", &[], SameOrigin),
            ..missing("an XMLHttpRequest with a forbidden method", Xhr, SameOrigin)
        },
        Row {
            fetch: by(Xhr, "GET", &[("X-Token", "1")], SameOrigin),
            preflight: Some(Answer::new(204, lines(&[]), b"")),
            ..missing(
                "an XMLHttpRequest preflight without Access-Control-Allow-Origin",
                Xhr,
                SameOrigin,
            )
        },
    ]
}

/// `fetch()` refused these before any request: the console shows only the uncaught
/// rejection, `Uncaught (in promise) <name>: <message>`, so the page's error is the real text.
pub(crate) fn refused_by_fetch(reason: &BlockReason) -> bool {
    matches!(
        reason,
        BlockReason::InvalidMethod { .. }
            | BlockReason::ForbiddenMethod { .. }
            | BlockReason::NoCorsMethod { .. }
    )
}

/// The real text to compare with the model's message, and the model's message as it is
/// compared, normalised only where an engine's log differs from what its console shows.
pub(crate) fn texts(
    browser: Browser,
    case: &Case,
    blocked: &Blocked,
    run: &ConsoleRun,
) -> (String, String) {
    let model = blocked.console_message(browser);
    if refused_by_fetch(&blocked.reason) {
        let error = match run.fetches.first() {
            Some(FetchResult::Blocked { error }) => error.clone(),
            _ => String::new(),
        };
        // Chromium's model text is the error's message (a TypeError from fetch(), a
        // SyntaxError or SecurityError from XMLHttpRequest.open); Firefox's and WebKit's
        // start with its name, as their consoles print it.
        let error = match browser {
            Browser::Chromium => error
                .split_once(": ")
                .map_or(error.clone(), |(_, message)| message.to_owned()),
            Browser::Firefox | Browser::WebKit => error,
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
        // Firefox follows a blocked font with a line naming the page's font family, which
        // the model does not know (`corsair explain` reads that line on its own).
        .filter(|line| !(browser == Browser::Firefox && line.starts_with(FIREFOX_FONT_FAILED)))
        .collect();
    // For a load that failed below CORS, Chromium's log holds `Failed to load resource:
    // <error>` for the URL, which DevTools shows as `<method> <url> <error>`, the model's text.
    let model = match (browser, model.split_once(" net::")) {
        (Browser::Chromium, Some((_, error))) => format!("Failed to load resource: net::{error}"),
        // WebKit prints the whole header value where the model names the offending element,
        // and puts the redirect's `Location`, which the model does not know, before the
        // reason a redirect failed the CORS check for (see `Blocked::console_message`).
        (Browser::WebKit, _) => match &blocked.reason {
            // Those name the redirect themselves.
            BlockReason::RedirectContainsCredentials { .. }
            | BlockReason::TooManyRedirects
            | BlockReason::InvalidRedirectLocation { .. } => model,
            _ if !blocked.in_preflight
                && matches!(blocked.status, Some(301 | 302 | 303 | 307 | 308)) =>
            {
                // The redirect's target, resolved as WebKit prints it.
                let location = case
                    .scenario
                    .actual
                    .head()
                    .get("location")
                    .unwrap_or_default();
                let target = Url::parse(&blocked.url)
                    .and_then(|url| url.join(&String::from_utf8_lossy(&location)))
                    .map(|url| url.to_string())
                    .unwrap_or_default();
                format!(
                    "Cross-origin redirection to {target} denied by Cross-Origin Resource Sharing policy: {model}"
                )
            }
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

/// How the line Firefox prints after a blocked font starts.
const FIREFOX_FONT_FAILED: &str = "downloadable font: download failed";

/// The network entry Chromium logs after each blocked fetch.
const CHROMIUM_FAILED_LOAD: &str = "Failed to load resource: net::ERR_FAILED";

/// Whether `corsair explain` reads `text` as `blocked` of `browser`: the same reason, or one
/// the engine words the same way (in `blocked`'s place, it renders the same text).
pub(crate) fn recognised(browser: Browser, blocked: &Blocked, text: &str) -> Result<(), String> {
    let Some(reading) = recognize(text) else {
        // A generic text (a DOM exception the engine throws for many things) is left
        // unrecognised on purpose, for the model's own text too.
        return match recognize(&blocked.console_message(browser)) {
            None if text == blocked.console_message(browser) => Ok(()),
            _ => Err("not recognised".to_owned()),
        };
    };
    if reading.browser != browser {
        return Err(format!("recognised as {}", reading.browser));
    }
    let Finding::Blocked(read) = &reading.finding else {
        // A text the engine prints for several failures and for a network failure alike
        // (Firefox's "CORS request did not succeed" after a refused redirect) is explained
        // as the latter: right when the model's own text reads so too.
        let model = recognize(&blocked.console_message(browser));
        return match model {
            Some(model) if model.finding.kind() == reading.finding.kind() => Ok(()),
            _ => Err(format!("recognised as {}", reading.finding.kind())),
        };
    };
    let alike = Blocked {
        reason: read.reason.clone(),
        ..blocked.clone()
    };
    if read.reason.kind() == blocked.reason.kind()
        || alike.console_message(browser) == blocked.console_message(browser)
    {
        Ok(())
    } else {
        Err(format!("recognised as {}", read.reason.kind()))
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
    let mut loaded = Vec::new();
    for case in &cases {
        let run = half
            .run_logged(engine, &case.scenario)
            .await
            .map_err(|e| format!("{}: {e}", case.name))?;
        let model = half
            .model_outcomes(browser, &case.scenario)
            .map_err(|e| format!("{}: {e}", case.name))?;
        let Some(Err(blocked)) = model.into_iter().next() else {
            // An engine that does not check this initiator (WebKit's fonts) loads it, as
            // its profile says.
            if run.fetches.first().is_some_and(FetchResult::is_allowed) {
                loaded.push(case.name);
            } else {
                failures.push(format!("{}: the model does not block", case.name));
            }
            continue;
        };
        if run.fetches.first().is_none_or(FetchResult::is_allowed) {
            failures.push(format!("{}: {browser} did not block", case.name));
            continue;
        }
        let (real, model) = texts(browser, case, &blocked, &run);
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
            "{} cases: every console text is the model's and is recognised ({} print only the page's uncaught rejection: {}; {} load, as the model says: {})",
            cases.len(),
            silent.len(),
            silent.join(", "),
            loaded.len(),
            loaded.join(", ")
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
