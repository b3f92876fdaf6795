//! `corsair explain`: a pasted console text explained, one failure at a time.

use std::{io::Read, process::ExitCode};

use corsair::browser::{
    BlockReason, Blocked, Finding, Initiator, OtherFailure, OtherKind, Recognized, recognize_all,
};
use serde_json::{Value, json};

use crate::shell;

/// What the explanation says where the text names no origin (Firefox never does), or only
/// `null` (a `file://` or sandboxed page), which `corsair check` refuses.
const ORIGIN_PLACEHOLDER: &str = "ORIGIN";
/// What it says where the text names no URL (a fragment).
const URL_PLACEHOLDER: &str = "URL";

pub(crate) fn run(message: Option<String>, json: bool) -> ExitCode {
    let message = match message.as_deref() {
        None | Some("-") => {
            let mut input = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut input) {
                eprintln!("corsair explain: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            input
        }
        Some(message) => message.to_owned(),
    };
    let found = recognize_all(&message);
    if found.is_empty() {
        if json {
            println!("{}", json!({ "recognized": false, "messages": [] }));
        }
        eprintln!(
            "corsair explain: this is not a CORS message of Chromium, Firefox or WebKit that corsair knows.\n\
             Paste the whole console line, e.g. \"Access to fetch at '...' from origin '...' has been blocked by CORS policy: ...\""
        );
        return ExitCode::from(1);
    }
    if json {
        // The first failure's keys at the top level (one failure's shape, as before), and
        // every failure in `messages`.
        let mut first = explanation_json(&found[0]);
        first["messages"] = found.iter().map(explanation_json).collect();
        println!("{first}");
    } else {
        let many = found.len() > 1;
        for (index, recognized) in found.iter().enumerate() {
            if many {
                println!("== {} of {} ==\n", index + 1, found.len());
            }
            print!("{}", crate::term::printable(&explanation_text(recognized)));
            if many && index + 1 < found.len() {
                println!();
            }
        }
    }
    ExitCode::SUCCESS
}

/// The finding with placeholders where the text names nothing, so that no sentence shows an
/// empty value.
fn shown(finding: &Finding) -> Finding {
    let mut finding = finding.clone();
    if let Finding::Blocked(blocked) = &mut finding {
        if known_origin(&blocked.origin).is_none() {
            blocked.origin = "<your page's origin>".to_owned();
        }
        match &mut blocked.reason {
            BlockReason::MethodNotAllowed { method } if method.is_empty() => {
                "<the request's method>".clone_into(method);
            }
            BlockReason::HeaderNotAllowed { name } if name.is_empty() => {
                "<the request's header>".clone_into(name);
            }
            BlockReason::AllowOriginMismatch { value }
            | BlockReason::InvalidAllowOriginValue { value }
            | BlockReason::MultipleAllowOriginValues { value }
                if value.is_empty() =>
            {
                "<the value the response sent>".clone_into(value);
            }
            _ => {}
        }
    }
    finding
}

/// `origin` when it is one `corsair check` accepts (and a policy may list): not `null`, nor
/// the `file://` an Electron page reports.
fn known_origin(origin: &str) -> Option<&str> {
    (!origin.is_empty() && origin != "null" && !origin.starts_with("file:")).then_some(origin)
}

fn cause(finding: &Finding) -> String {
    match finding {
        Finding::Blocked(blocked)
            if known_origin(&blocked.page_origin).is_none() && !blocked.page_origin.is_empty() =>
        {
            format!(
                "{} The page's own origin is `{}`: it was opened from file://, or runs in a sandboxed iframe or an app's WebView (Cordova, Capacitor, Electron). Granting it would grant every such page, so serve the page over http(s) (or an app scheme of its own) instead.",
                blocked.cause(),
                blocked.page_origin
            )
        }
        Finding::Blocked(blocked) => blocked.cause(),
        Finding::Other(other) => match schemeless(other) {
            Some((url, scheme)) => format!(
                "The page requested `{url}`, which has no `http://`: the browser reads `{scheme}:` as the URL's scheme, and sends cross-origin requests only over http and https. CORS headers will not fix this."
            ),
            None => other.kind.cause().to_owned(),
        },
        _ => String::new(),
    }
}

/// The URL and the scheme it was read with, when a text that says the request was not
/// http(s) names a URL written without `http://` (`localhost:5000/api`).
fn schemeless(other: &OtherFailure) -> Option<(&str, &str)> {
    let url = other.url.as_str();
    let (scheme, rest) = url.split_once(':')?;
    let host_like = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    (other.kind == OtherKind::RequestNotHttp
        && host_like
        && rest.starts_with(|c: char| c.is_ascii_digit()))
    .then_some((url, scheme))
}

fn likely_causes(finding: &Finding) -> &'static [&'static str] {
    match finding {
        Finding::Blocked(blocked) => blocked.reason.likely_causes(),
        Finding::Other(other) => other.kind.likely_causes(),
        _ => &[],
    }
}

fn fix(finding: &Finding) -> String {
    match finding {
        Finding::Blocked(blocked) => blocked.fix(),
        Finding::Other(other) => match schemeless(other) {
            Some((url, _)) => {
                format!("Write the scheme in the page's request: `http://{url}` (or https).")
            }
            None => other.kind.fix().to_owned(),
        },
        _ => String::new(),
    }
}

/// Whether CORS headers can fix it.
fn is_cors(finding: &Finding) -> bool {
    match finding {
        Finding::Other(other) => other.kind.is_cors(),
        _ => true,
    }
}

/// The method and header the text says the request carried, as `check` options.
fn request_options(finding: &Finding) -> Vec<String> {
    let Finding::Blocked(Blocked { reason, .. }) = finding else {
        return Vec::new();
    };
    match reason {
        BlockReason::MethodNotAllowed { method } if !method.is_empty() => {
            vec!["-X".to_owned(), method.clone()]
        }
        BlockReason::HeaderNotAllowed { name } if !name.is_empty() => {
            let value = if name.eq_ignore_ascii_case("content-type") {
                "application/json"
            } else {
                "VALUE"
            };
            // A non-safelisted header alone is enough for a preflight; POST is what pages
            // that set one most often send.
            vec![
                "-X".to_owned(),
                "POST".to_owned(),
                "-H".to_owned(),
                format!("{name}: {value}"),
            ]
        }
        _ => Vec::new(),
    }
}

/// The `corsair check` command that replays the request, quoted for POSIX shells, and a
/// note on each placeholder in it.
/// What made the request, where the text names another initiator than `fetch()` (Chromium's
/// `Access to font at`...).
fn initiator(finding: &Finding) -> Option<Initiator> {
    match finding {
        Finding::Blocked(blocked) if blocked.initiator != Initiator::Fetch => {
            Some(blocked.initiator)
        }
        _ => None,
    }
}

fn check_command(recognized: &Recognized) -> Option<(String, Vec<&'static str>)> {
    let finding = &recognized.finding;
    let mut notes = Vec::new();
    let url = match finding.initial_url() {
        "" => {
            notes.push("URL is the URL the page requested (the Network tab shows it)");
            URL_PLACEHOLDER
        }
        url => url,
    };
    let origin = known_origin(finding.origin()).unwrap_or_else(|| {
        notes.push(if finding.origin() == "null" {
            "ORIGIN is the http(s) origin to serve the page from (it has none now: opened from file:// or sandboxed), e.g. http://localhost:8000"
        } else {
            "ORIGIN is the origin of the page that made the request (scheme://host:port, e.g. https://app.example.com)"
        });
        ORIGIN_PLACEHOLDER
    });
    let options = request_options(finding);
    if options.iter().any(|option| option.ends_with(": VALUE")) {
        notes.push("VALUE is the header's value as the page sends it");
    }
    let mut words = vec!["corsair", "check", url, "--origin", origin];
    if let Some(initiator) = initiator(finding) {
        words.extend(["--initiator", initiator.as_str()]);
    }
    words.extend(options.iter().map(String::as_str));
    words.extend(["--browser", recognized.browser.name()]);
    Some((shell::command(words)?, notes))
}

fn explanation_text(recognized: &Recognized) -> String {
    let finding = shown(&recognized.finding);
    let mut out = format!("{} ", recognized.browser);
    out.push_str(if is_cors(&finding) {
        "blocked "
    } else {
        "blocked, and not for CORS, "
    });
    if finding.in_preflight() {
        out.push_str("the preflight (OPTIONS) of ");
    }
    out.push_str("a request");
    if !finding.url().is_empty() {
        out.push_str(&format!(" to {}", finding.url()));
    }
    let origin = finding.origin();
    if !origin.is_empty() && !origin.starts_with('<') {
        out.push_str(&format!(" from {origin}"));
    }
    out.push_str(&format!(".\n\nWhat happened:\n  {}\n", cause(&finding)));
    out.push_str("\nLikely causes:\n");
    for cause in likely_causes(&finding) {
        out.push_str(&format!("  - {cause}\n"));
    }
    out.push_str(&format!("\nFix:\n  {}\n", fix(&finding)));
    if is_cors(&finding)
        && let Some((command, notes)) = check_command(recognized)
    {
        out.push_str(&format!("\nCheck it as the browser does:\n  {command}\n"));
        for note in notes {
            out.push_str(&format!("  where {note}\n"));
        }
    }
    out
}

fn explanation_json(recognized: &Recognized) -> Value {
    let finding = &recognized.finding;
    let shown = shown(finding);
    let check = is_cors(finding)
        .then(|| check_command(recognized))
        .flatten()
        .map(|(command, _)| command);
    json!({
        "recognized": true,
        "browser": recognized.browser.name(),
        "kind": finding.kind(),
        "initiator": initiator(finding).map(Initiator::as_str),
        "cors": is_cors(finding),
        "in_preflight": finding.in_preflight(),
        "url": finding.url(),
        "origin": finding.origin(),
        "lines": recognized.lines,
        "cause": cause(&shown),
        "likely_causes": likely_causes(&shown),
        "fix": fix(&shown),
        "check": check,
    })
}
