//! `lint --format sarif`: findings as a SARIF 2.1.0 log, as code scanning reads it.

use corsair::{Lint, Severity};
use serde_json::{Value, json};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// One run of corsair over the file at `path`.
pub(super) fn log(path: &str, lint: &Lint) -> Value {
    let findings = &lint.findings;
    let mut rules: Vec<&str> = findings.iter().map(|f| f.kind).collect();
    rules.sort_unstable();
    rules.dedup();
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let mut location = json!({ "artifactLocation": { "uri": path } });
            if let Some((line, column)) = finding.position {
                location["region"] = json!({ "startLine": line, "startColumn": column });
            }
            json!({
                "ruleId": finding.kind,
                "ruleIndex": rules.iter().position(|rule| *rule == finding.kind),
                "level": match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": { "text": finding.message },
                "locations": [{ "physicalLocation": location }],
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "corsair",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/corsair-rs/corsair",
                "rules": rules.iter().map(|rule| json!({ "id": rule, "shortDescription": { "text": rule.replace('_', " ") } })).collect::<Vec<_>>(),
            }},
            "results": results,
            // The errors beyond the cap are not results; the run says they exist.
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": omitted_notification(lint.omitted),
            }],
        }],
    })
}

fn omitted_notification(omitted: usize) -> Vec<Value> {
    if omitted == 0 {
        return Vec::new();
    }
    vec![json!({
        "level": "error",
        "message": { "text": super::omitted_message(omitted) },
        "properties": { "omittedErrors": omitted },
    })]
}
