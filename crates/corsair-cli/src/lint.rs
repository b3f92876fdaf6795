//! `corsair lint`: a policy file's errors and warnings, each at its line and column with the
//! source line and a caret; or what the policy grants. Text, JSON or SARIF.

pub(crate) mod sarif;

use std::{path::Path, process::ExitCode};

use corsair::{ConfigErrors, Finding, Grants, Lint, Policy, Severity};
use serde_json::{Value, json};

use crate::term::{Palette, printable};

/// `--format`: how `lint` prints its findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people: file:line:column, the source line and a caret.
    #[default]
    Text,
    /// One JSON object.
    Json,
    /// SARIF 2.1.0, for code scanning (e.g. GitHub's).
    Sarif,
}

pub(crate) fn run(path: &Path, format: Format, deny_warnings: bool, palette: Palette) -> ExitCode {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = format!("cannot read {shown}: {e}");
            if format == Format::Json {
                println!(
                    "{}",
                    json!({ "valid": false, "errors": [{ "kind": "io", "severity": "error", "message": message, "line": null, "column": null }], "warnings": [], "grants": null })
                );
            }
            eprintln!("corsair lint: {}", printable(&message));
            return ExitCode::from(2);
        }
    };
    // A file that is not UTF-8 is a problem with the file, like any other (exit 1).
    let lint = Policy::lint_toml_bytes(&bytes);
    let source = String::from_utf8_lossy(&bytes);
    let errors = lint
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = lint.findings.len() - errors;
    match format {
        Format::Text => print!(
            "{}",
            text(
                &shown,
                &source,
                &lint.findings,
                lint.omitted,
                lint.policy.as_ref(),
                palette
            )
        ),
        Format::Json => println!("{}", report_json(&lint)),
        Format::Sarif => println!("{}", sarif::log(&shown, &lint)),
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The text report: every finding with its source line, the omitted count, the verdict.
pub(crate) fn text(
    path: &str,
    source: &str,
    findings: &[Finding],
    omitted: usize,
    policy: Option<&Policy>,
    palette: Palette,
) -> String {
    let mut out = String::new();
    for finding in findings {
        let label = format!("{}[{}]", finding.severity.as_str(), finding.kind);
        let label = match finding.severity {
            Severity::Error => palette.bad(&label),
            Severity::Warning => palette.warn(&label),
        };
        let at = match finding.position {
            Some((line, column)) => format!("{path}:{line}:{column}"),
            None => path.to_owned(),
        };
        out.push_str(&format!(
            "{}: {label}: {}\n",
            printable(&at),
            printable(&finding.message)
        ));
        if let (Some((line, column)), Some(span)) = (finding.position, &finding.span) {
            let text = source.lines().nth(line - 1).unwrap_or_default();
            let start = column - 1;
            let width = source
                .get(span.clone())
                .map_or(1, |spanned| {
                    spanned.lines().next().unwrap_or_default().chars().count()
                })
                .max(1);
            let number = line.to_string();
            let gutter = " ".repeat(number.len());
            // A long line is shown around the finding only, so one error in a megabyte-long
            // line is a few lines of output, not two megabytes.
            let (shown_from, cut_before) = match start.checked_sub(SNIPPET_CONTEXT) {
                Some(from) if from > 0 => (from, "…"),
                _ => (0, ""),
            };
            let width = width.min(SNIPPET_CONTEXT * 2);
            let shown_to = start + width + SNIPPET_CONTEXT;
            let cut_after = if text.chars().count() > shown_to {
                "…"
            } else {
                ""
            };
            // The caret sits under the escaped text, so it is measured on the escaped prefix.
            let before: String = text
                .chars()
                .skip(shown_from)
                .take(start - shown_from)
                .collect();
            let spanned: String = text.chars().skip(start).take(width).collect();
            let after: String = text
                .chars()
                .skip(start + width)
                .take(SNIPPET_CONTEXT)
                .collect();
            out.push_str(&format!(
                "{gutter} |\n{number} | {cut_before}{}{}{}{cut_after}\n{gutter} | {}{}\n",
                printable(&before),
                printable(&spanned),
                printable(&after),
                " ".repeat(printable(&before).chars().count() + cut_before.chars().count()),
                "^".repeat(printable(&spanned).chars().count().max(1))
            ));
        }
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if omitted > 0 {
        out.push_str(&format!(
            "{}: {}\n",
            printable(path),
            omitted_message(omitted)
        ));
    }
    match policy {
        Some(policy) => {
            if warnings > 0 {
                out.push_str(&format!("{}\n", plural(warnings, "warning")));
            }
            out.push_str(&format!(
                "{} is valid. It grants:\n{}\n",
                printable(path),
                printable(&policy.grants().to_string())
            ));
        }
        None => out.push_str(&format!(
            "{} has {} and {}\n",
            printable(path),
            plural(errors + omitted, "error"),
            plural(warnings, "warning")
        )),
    }
    out
}

fn finding_json(finding: &Finding) -> Value {
    json!({
        "kind": finding.kind,
        "severity": finding.severity.as_str(),
        "message": finding.message,
        "line": finding.position.map(|(line, _)| line),
        "column": finding.position.map(|(_, column)| column),
    })
}

fn grants_json(grants: &Grants) -> Value {
    let mut methods = vec!["GET".to_owned(), "HEAD".to_owned(), "POST".to_owned()];
    methods.extend(grants.methods.iter().cloned());
    json!({
        "origins": grants.origins,
        "methods": methods,
        "headers": grants.headers,
        "exposed_headers": grants.exposed_headers,
        "credentials": grants.credentials,
        "max_age": grants.max_age.as_str(),
        "max_age_seconds": grants.max_age.seconds(),
        "private_network": grants.private_network,
        "preflight_status": grants.preflight_status,
    })
}

/// The line that stands for the errors beyond the cap.
fn omitted_message(omitted: usize) -> String {
    format!(
        "and {omitted} more error{} beyond the first {}, not listed",
        if omitted == 1 { "" } else { "s" },
        ConfigErrors::LIMIT
    )
}

fn report_json(lint: &Lint) -> Value {
    let of = |severity| {
        lint.findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(finding_json)
            .collect::<Vec<_>>()
    };
    json!({
        "valid": lint.policy.is_some(),
        "errors": of(Severity::Error),
        "omitted_errors": lint.omitted,
        "warnings": of(Severity::Warning),
        "grants": lint.policy.as_ref().map(|policy| grants_json(policy.grants())),
    })
}

/// How many characters of a source line are shown on each side of a finding.
const SNIPPET_CONTEXT: usize = 80;
