//! CI filters: a previous SARIF report whose findings are not new (`--baseline`), and a file
//! of suppressions, each for one URL and class, with the reason.

use std::path::Path;

use serde::Deserialize;

use super::{class::Class, finding::Finding};

/// How a finding is recognised across runs: its class and the URL that answered.
pub(crate) fn fingerprint(finding: &Finding) -> String {
    format!("{} {}", finding.observed.class, finding.url)
}

/// The fingerprints in an earlier SARIF report of the audit.
pub(crate) fn read(path: &Path) -> Result<Vec<String>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("--baseline {shown}: {e}"))?;
    let log: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("--baseline {shown}: not JSON: {e}"))?;
    let runs = log["runs"]
        .as_array()
        .ok_or_else(|| format!("--baseline {shown}: not a SARIF log (no runs)"))?;
    Ok(runs
        .iter()
        .filter_map(|run| run["results"].as_array())
        .flatten()
        .filter_map(|result| result["partialFingerprints"][super::report::FINGERPRINT].as_str())
        .map(str::to_owned)
        .collect())
}

/// `--suppressions FILE`.
#[derive(Debug, Default)]
pub(crate) struct Suppressions(Vec<Suppression>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Suppression {
    url: String,
    class: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<Suppression>,
}

impl Suppressions {
    pub(crate) fn read(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("--suppressions {shown}: {e}"))?;
        let file: File =
            toml::from_str(&text).map_err(|e| format!("--suppressions {shown}: {e}"))?;
        for entry in &file.suppress {
            if Class::from_id(&entry.class).is_none() {
                return Err(format!(
                    "--suppressions {shown}: unknown class {:?}; the classes are {}",
                    entry.class,
                    Class::ALL.map(Class::id).join(", ")
                ));
            }
            if entry.reason.trim().is_empty() {
                return Err(format!(
                    "--suppressions {shown}: the suppression of {} at {} needs a reason",
                    entry.class, entry.url
                ));
            }
        }
        Ok(Self(file.suppress))
    }

    /// Why `finding` is suppressed, when it is: an entry for its class and the URL it was
    /// found at or the URL that was scanned.
    pub(crate) fn reason(&self, finding: &Finding) -> Option<String> {
        self.0
            .iter()
            .find(|entry| {
                entry.class == finding.observed.class.id()
                    && (entry.url == finding.url || entry.url == finding.scanned)
            })
            .map(|entry| entry.reason.clone())
    }
}
