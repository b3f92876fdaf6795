//! `corsair explain`: a pasted console message, explained.

use std::{io::Read, process::ExitCode};

use corsair::browser::{Recognized, recognize};
use serde_json::json;

use crate::shell;

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
    match recognize(&message) {
        Some(recognized) => {
            if json {
                println!("{}", explanation_json(&recognized));
            } else {
                print!("{}", crate::term::printable(&explanation_text(&recognized)));
            }
            ExitCode::SUCCESS
        }
        None => {
            if json {
                println!("{}", json!({ "recognized": false }));
            }
            eprintln!(
                "corsair explain: this is not a CORS message of Chromium, Firefox or WebKit that corsair knows.\n\
                 Paste the whole console line, e.g. \"Access to fetch at '...' from origin '...' has been blocked by CORS policy: ...\""
            );
            ExitCode::from(1)
        }
    }
}

fn explanation_text(recognized: &Recognized) -> String {
    let blocked = &recognized.blocked;
    let mut out = format!("{} blocked ", recognized.browser);
    out.push_str(if blocked.in_preflight {
        "the preflight (OPTIONS) of "
    } else {
        ""
    });
    out.push_str(&format!(
        "a request{}{}.\n\nWhat happened:\n  {}\n\nLikely causes:\n",
        if blocked.url.is_empty() {
            String::new()
        } else {
            format!(" to {}", blocked.url)
        },
        if blocked.origin.is_empty() {
            String::new()
        } else {
            format!(" from {}", blocked.origin)
        },
        blocked.cause()
    ));
    for cause in blocked.reason.likely_causes() {
        out.push_str(&format!("  - {cause}\n"));
    }
    out.push_str(&format!("\nFix:\n  {}\n", blocked.fix()));
    if !blocked.url.is_empty()
        && !blocked.origin.is_empty()
        && let Some(command) = shell::command([
            "corsair",
            "check",
            &blocked.initial_url,
            "--origin",
            &blocked.origin,
            "--browser",
            recognized.browser.name(),
        ])
    {
        out.push_str(&format!("\nCheck it as the browser does:\n  {command}\n"));
    }
    out
}

fn explanation_json(recognized: &Recognized) -> serde_json::Value {
    let blocked = &recognized.blocked;
    json!({
        "recognized": true,
        "browser": recognized.browser.name(),
        "kind": blocked.reason.kind(),
        "in_preflight": blocked.in_preflight,
        "url": blocked.url,
        "origin": blocked.origin,
        "cause": blocked.cause(),
        "likely_causes": blocked.reason.likely_causes(),
        "fix": blocked.fix(),
    })
}
