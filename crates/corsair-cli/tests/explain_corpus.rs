//! Every console text of the corpus (tests/corpus/pasted.toml: texts pasted into public
//! issues, each with its source) through `corsair explain --json`.

use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    source: String,
    browser: String,
    kind: String,
    text: String,
}

fn explain_json(text: &str) -> (Option<i32>, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(["explain", "--json", text])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_default();
    (output.status.code(), json)
}

#[test]
fn every_pasted_text_of_the_corpus_is_recognised_with_its_kind() {
    let corpus: Corpus = toml::from_str(include_str!("corpus/pasted.toml")).unwrap();
    assert!(corpus.entry.len() >= 60, "{} entries", corpus.entry.len());
    let mut failures = Vec::new();
    for entry in &corpus.entry {
        assert!(entry.source.starts_with("https://"), "{}", entry.source);
        let (code, json) = explain_json(&entry.text);
        if code != Some(0) || json["kind"] != entry.kind || json["browser"] != entry.browser {
            failures.push(format!(
                "{}: expected {} {}, got exit {code:?} {} {}\n  {}",
                entry.source, entry.browser, entry.kind, json["browser"], json["kind"], entry.text
            ));
        }
        // No sentence shows an empty value, and no suggestion uses an origin `check` refuses.
        for key in ["cause", "fix"] {
            let text = json[key].as_str().unwrap_or_default();
            if text.contains("``") || text.contains("''") {
                failures.push(format!("{}: empty value in {key}: {text}", entry.source));
            }
        }
        if json["check"]
            .as_str()
            .is_some_and(|c| c.contains("--origin null"))
        {
            failures.push(format!("{}: suggests --origin null", entry.source));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} entries:\n{}",
        failures.len(),
        corpus.entry.len(),
        failures.join("\n")
    );
}
