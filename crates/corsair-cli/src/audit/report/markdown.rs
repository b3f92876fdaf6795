//! The audit as a markdown report for people: what was scanned, the findings by severity,
//! each with its evidence and fix.

use super::{budget_note, findings, joined, stop_text};
use crate::audit::{Run, class::Severity};

/// Text from a server, made safe inside a markdown code span.
fn code(text: &str) -> String {
    format!("`{}`", crate::term::printable(text).replace('`', "'"))
}

pub(crate) fn report(run: &Run) -> String {
    let mut out = String::from(
        "# corsair audit\n\n## Scanned\n\n| URL | requests | findings |\n| --- | ---: | ---: |\n",
    );
    for url in &run.scanned {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            code(&url.url),
            url.requests,
            match &url.error {
                Some(stop) => format!(
                    "{} (stopped: {})",
                    url.findings.len(),
                    stop_text(stop).replace('|', "\\|")
                ),
                None => url.findings.len().to_string(),
            }
        ));
    }
    if run.insecure {
        out.push_str("\n**TLS certificates were not verified (`--insecure`).**\n");
    }
    if let Some(note) = budget_note(run) {
        out.push_str(&format!("\n{note}.\n"));
    }
    if let Some(skipped) = run.scanned.first().map(|url| &url.skipped) {
        for skipped in skipped {
            out.push_str(&format!("\nSkipped: {skipped}.\n"));
        }
    }
    for severity in Severity::ALL {
        let of: Vec<_> = findings(run).filter(|f| f.severity == severity).collect();
        if of.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {} ({})\n",
            severity.as_str().to_ascii_uppercase(),
            of.len()
        ));
        for finding in of {
            let observed = &finding.observed;
            out.push_str(&format!(
                "\n### {}: {}\n\n{}.\n\n- exploit origin: {}\n- methods: {}\n- browsers: {}\n- credentials: {}\n",
                observed.class,
                code(&finding.url),
                observed.class.title(),
                code(&observed.origin),
                observed.methods.join(", "),
                joined(&observed.browsers, |b| b.name()),
                if observed.credentials { "included" } else { "not needed" },
            ));
            if !finding.implies.is_empty() {
                out.push_str(&format!(
                    "- implies: {}\n",
                    joined(&finding.implies, |c| c.id())
                ));
            }
            for note in &finding.impact {
                out.push_str(&format!("- impact: {note}\n"));
            }
            out.push_str(&format!(
                "\nRequest `{} {}`, answered {} with:\n\n```\n",
                observed.request.method,
                crate::term::printable(&observed.request.url.to_string()).replace('`', "'"),
                observed.response.status
            ));
            for (name, value) in &observed.response.headers {
                if name.starts_with("access-control-") || name == "vary" {
                    out.push_str(&format!(
                        "{name}: {}\n",
                        crate::term::printable(&String::from_utf8_lossy(value))
                            .replace("```", "'''")
                    ));
                }
            }
            out.push_str(&format!(
                "```\n\n**Fix.** {}\n\n```toml\n{}```\n",
                finding.fix.rule, finding.fix.policy
            ));
        }
    }
    if findings(run).next().is_none() {
        out.push_str("\nNo findings.\n");
    }
    out
}
