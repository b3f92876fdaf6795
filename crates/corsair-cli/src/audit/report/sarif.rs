//! The audit as a SARIF 2.1.0 log: one rule per class (with its help), one result per
//! finding, the proving request and response in the result.

use serde_json::{Value, json};

use super::{FINGERPRINT, exchange_json};
use crate::{
    audit::{Run, baseline::fingerprint, class::Class},
    lint::sarif::envelope,
};

pub(crate) fn log(run: &Run) -> Value {
    let rules = Class::ALL
        .iter()
        .map(|class| {
            json!({
                "id": class.id(),
                "name": class.id(),
                "shortDescription": { "text": class.title() },
                "fullDescription": { "text": class.title() },
                "help": { "text": class.rule(), "markdown": class.rule() },
                "helpUri": format!("https://github.com/corsair-rs/corsair/blob/main/docs/AUDIT.md#{}", class.id()),
            })
        })
        .collect();
    let results = super::findings(run)
        .map(|finding| {
            let observed = &finding.observed;
            json!({
                "ruleId": observed.class.id(),
                "ruleIndex": Class::ALL.iter().position(|c| *c == observed.class),
                "level": finding.severity.sarif_level(),
                "message": { "text": format!(
                    "{}: {} reads it{} ({})",
                    observed.class.title(),
                    observed.origin,
                    if observed.credentials { " with the user's credentials" } else { "" },
                    finding.severity,
                ) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": finding.url } } }],
                "partialFingerprints": { FINGERPRINT: fingerprint(finding) },
                "properties": {
                    "severity": finding.severity.as_str(),
                    "exploit_origin": observed.origin,
                    "methods": observed.methods,
                    "implies": finding.implies.iter().map(|c| c.id()).collect::<Vec<_>>(),
                    "evidence": exchange_json(observed),
                    "fix": finding.fix.policy,
                },
            })
        })
        .collect();
    envelope(rules, results)
}
