//! SARIF 2.1.0 logs, as code scanning reads them: the envelope every command's log shares,
//! and `lint --format sarif`'s findings in it.

use corsair::{Lint, Severity};
use serde_json::{Value, json};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A log of one corsair run with these rules (`reportingDescriptor`s) and results.
pub(crate) fn envelope(rules: Vec<Value>, results: Vec<Value>) -> Value {
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "corsair",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/corsair-rs/corsair",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

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
    let mut log = envelope(
        rules
            .iter()
            .map(|rule| json!({ "id": rule, "shortDescription": { "text": rule.replace('_', " ") } }))
            .collect(),
        results,
    );
    // The errors beyond the cap are not results; the run says they exist.
    log["runs"][0]["invocations"] = json!([{
        "executionSuccessful": true,
        "toolExecutionNotifications": omitted_notification(lint.omitted),
    }]);
    log
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
