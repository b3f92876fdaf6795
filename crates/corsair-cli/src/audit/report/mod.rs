//! What the audit prints: a line per finding and a summary table (text), one JSON object, a
//! SARIF log or a markdown report; and the progress line on a terminal.

mod markdown;
mod sarif;

use std::io::{IsTerminal as _, Write as _};

use serde_json::{Value, json};

pub(crate) use markdown::report as markdown;
pub(crate) use sarif::log as sarif;

use super::{
    Run,
    baseline::fingerprint,
    class::Severity,
    finding::{Finding, Observation},
    judge::Stop,
    scan::{DEFAULT_BUDGET, Scanned},
};
use crate::term::{Palette, printable};

/// The SARIF `partialFingerprints` key that `--baseline` reads back.
pub(crate) const FINGERPRINT: &str = "corsair-audit/v1";

/// Every finding of the run, in URL order.
pub(crate) fn findings(run: &Run) -> impl Iterator<Item = &Finding> {
    run.scanned.iter().flat_map(|url| &url.findings)
}

/// The findings not in the baseline (all of them without one).
pub(crate) fn new_findings(run: &Run) -> impl Iterator<Item = &Finding> {
    findings(run).filter(|finding| {
        run.baseline
            .as_ref()
            .is_none_or(|known| !known.contains(&fingerprint(finding)))
    })
}

/// Prints text made printable piece by piece.
pub(crate) fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

pub(crate) fn stop_text(stop: &Stop) -> String {
    match stop {
        Stop::Network(error) => error.message.clone(),
        Stop::Budget(budget) => format!(
            "stopped after {budget} requests (the per-URL budget); the remaining probes were not sent"
        ),
    }
}

/// `URLs done, findings so far` on standard error, when it is a terminal.
pub(crate) struct Progress {
    total: usize,
    done: usize,
    findings: usize,
    shown: bool,
}

impl Progress {
    pub(crate) fn new(total: usize) -> Self {
        let mut progress = Self {
            total,
            done: 0,
            findings: 0,
            shown: std::io::stderr().is_terminal(),
        };
        progress.draw();
        progress
    }

    pub(crate) fn update(&mut self, scanned: &Scanned) {
        self.done += 1;
        self.findings += scanned.findings.len();
        self.draw();
    }

    fn draw(&mut self) {
        if self.shown {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(
                stderr,
                "\r\x1b[2Kaudit: {}/{} URLs, {} findings",
                self.done, self.total, self.findings
            );
            let _ = stderr.flush();
        }
    }

    pub(crate) fn finish(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// Names joined by `, `: classes, engines.
pub(crate) fn joined<T>(items: &[T], name: impl Fn(&T) -> &str) -> String {
    items.iter().map(name).collect::<Vec<_>>().join(", ")
}

fn paint(severity: Severity, palette: Palette) -> String {
    let label = severity.as_str().to_ascii_uppercase();
    match severity {
        Severity::High => palette.bad(&label),
        Severity::Medium | Severity::Low => palette.warn(&label),
        Severity::Info => label,
    }
}

/// One line per finding: severity, class, URL, exploit origin, what it reads.
pub(crate) fn finding_lines(findings: &[Finding], palette: Palette) -> String {
    let mut out = String::new();
    for finding in findings {
        let observed = &finding.observed;
        let implies = if finding.implies.is_empty() {
            String::new()
        } else {
            format!(" (implies {})", joined(&finding.implies, |c| c.id()))
        };
        out.push_str(&format!(
            "{} {} {} from {} [{}; {}{}]{}{}\n",
            paint(finding.severity, palette),
            observed.class,
            printable(&finding.url),
            printable(&observed.origin),
            observed.methods.join(", "),
            joined(&observed.browsers, |b| b.name()),
            if observed.credentials {
                "; with credentials"
            } else {
                ""
            },
            implies,
            match (finding.confirmed, &finding.confirm_error) {
                (Some(true), _) => " CONFIRMED in Chromium".to_owned(),
                (Some(false), _) => " not reproduced in Chromium".to_owned(),
                (None, Some(error)) => format!(" (not confirmed: {})", printable(error)),
                (None, None) => String::new(),
            },
        ));
    }
    out
}

/// The per-URL request budget, when options raised it above the default.
pub(crate) fn budget_note(run: &Run) -> Option<String> {
    (run.budget > DEFAULT_BUDGET).then(|| {
        format!(
            "at most {} requests per URL (the default {DEFAULT_BUDGET}, raised by --trusted or --probe-writes)",
            run.budget
        )
    })
}

/// The end of a text report: the findings again when they were not shown live, the
/// counts per severity, and what was scanned.
pub(crate) fn summary(run: &Run, with_findings: bool, palette: Palette) -> String {
    let mut out = String::new();
    if with_findings {
        for url in &run.scanned {
            out.push_str(&finding_lines(&url.findings, palette));
        }
    }
    if run.insecure {
        out.push_str("TLS certificates were NOT verified (--insecure)\n");
    }
    if run.chromium_ignored_certificate_errors {
        out.push_str(
            "--confirm: Chromium ignored certificate errors (it cannot be given --cacert)\n",
        );
    }
    out.push_str(
        "\nurl                                              requests  high  medium  low  info\n",
    );
    for url in &run.scanned {
        let count = |severity| {
            url.findings
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        out.push_str(&format!(
            "{:<48} {:>9} {:>5} {:>7} {:>4} {:>5}{}\n",
            printable(&url.url),
            url.requests,
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info),
            match &url.error {
                Some(stop) => format!("  ({})", printable(&stop_text(stop))),
                None => String::new(),
            }
        ));
    }
    if let Some(note) = budget_note(run) {
        out.push_str(&format!("{note}\n"));
    }
    for url in run.scanned.iter().take(1) {
        for skipped in &url.skipped {
            out.push_str(&format!("skipped: {skipped}\n"));
        }
    }
    if !run.suppressed.is_empty() {
        out.push_str(&format!("{} finding(s) suppressed\n", run.suppressed.len()));
    }
    out
}

/// The request that proves a finding and the response that answered it.
pub(crate) fn exchange_json(observed: &Observation) -> Value {
    let request = &observed.request;
    json!({
        "request": {
            "method": request.method,
            "url": request.url.to_string(),
            "headers": request.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        },
        "response": {
            "status": observed.response.status,
            "headers": observed.response.headers.iter()
                .map(|(n, v)| json!([n, String::from_utf8_lossy(v)]))
                .collect::<Vec<_>>(),
        },
    })
}

fn finding_json(finding: &Finding) -> Value {
    let observed = &finding.observed;
    let mut evidence = exchange_json(observed);
    evidence["credentials"] = json!(observed.credentials);
    evidence["impact"] = json!(finding.impact);
    json!({
        "url": finding.url,
        "scanned_url": finding.scanned,
        "class": observed.class.id(),
        "title": observed.class.title(),
        "severity": finding.severity.as_str(),
        "exploit_origin": observed.origin,
        "methods": observed.methods,
        "browsers": observed.browsers.iter().map(|b| b.name()).collect::<Vec<_>>(),
        "implies": finding.implies.iter().map(|c| c.id()).collect::<Vec<_>>(),
        "confirmed": finding.confirmed,
        "confirm_error": finding.confirm_error,
        "confirmable": finding.confirmable,
        "fingerprint": fingerprint(finding),
        "evidence": evidence,
        "fix": { "policy": finding.fix.policy, "rule": finding.fix.rule },
    })
}

pub(crate) fn json(run: &Run) -> Value {
    let new: Vec<String> = new_findings(run).map(fingerprint).collect();
    json!({
        "findings": findings(run).map(|finding| {
            let mut object = finding_json(finding);
            if run.baseline.is_some() {
                object["new"] = json!(new.contains(&fingerprint(finding)));
            }
            object
        }).collect::<Vec<_>>(),
        "scanned": run.scanned.iter().map(|url| json!({
            "url": url.url,
            "requests": url.requests,
            "findings": url.findings.len(),
            "skipped": url.skipped,
        })).collect::<Vec<_>>(),
        "errors": run.scanned.iter().filter_map(|url| url.error.as_ref().map(|stop| json!({
            "url": url.url,
            "kind": match stop { Stop::Network(e) => e.kind, Stop::Budget(_) => "budget" },
            "message": stop_text(stop),
        }))).collect::<Vec<_>>(),
        "suppressed": run.suppressed.iter().map(|(finding, reason)| json!({
            "url": finding.url,
            "class": finding.observed.class.id(),
            "reason": reason,
        })).collect::<Vec<_>>(),
        "insecure": run.insecure,
        "chromium_ignored_certificate_errors": run.chromium_ignored_certificate_errors,
        "request_budget_per_url": run.budget,
    })
}
