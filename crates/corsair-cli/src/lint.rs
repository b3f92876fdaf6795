//! `corsair lint`: a policy file's problems, or what it grants.

use std::{path::Path, process::ExitCode};

use corsair::{Policy, PolicyFileError};
use serde_json::json;

pub(crate) fn run(path: &Path, json: bool) -> ExitCode {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    json!({ "valid": false, "errors": [{ "kind": "io", "message": e.to_string() }] })
                );
            }
            eprintln!("corsair lint: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    match Policy::from_toml(&source) {
        Ok(policy) => {
            let grants = policy.grants();
            if json {
                println!(
                    "{}",
                    json!({
                        "valid": true,
                        "errors": [],
                        "grants": {
                            "origins": grants.origins,
                            "methods": grants.methods,
                            "headers": grants.headers,
                            "exposed_headers": grants.exposed_headers,
                            "credentials": grants.credentials,
                            "max_age": grants.max_age.as_str(),
                            "max_age_seconds": grants.max_age.seconds(),
                            "private_network": grants.private_network,
                            "preflight_status": grants.preflight_status,
                        },
                        "warnings": grants.protection_notes().iter()
                            .map(|note| json!({ "kind": note.kind(), "message": note.to_string() }))
                            .collect::<Vec<_>>(),
                    })
                );
            } else {
                println!("{} is valid. It grants:\n{grants}", path.display());
                for note in grants.protection_notes() {
                    println!("warning: {note}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            let problems = problems(&error);
            if json {
                let errors: Vec<_> = problems
                    .iter()
                    .map(|(kind, message)| json!({ "kind": kind, "message": message }))
                    .collect();
                println!("{}", json!({ "valid": false, "errors": errors }));
            } else {
                println!(
                    "{} has {} problem{}:",
                    path.display(),
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                );
                for (_, message) in &problems {
                    println!("  - {message}");
                }
            }
            ExitCode::from(1)
        }
    }
}

/// Each problem as (kind, message); the messages say how to fix them.
fn problems(error: &PolicyFileError) -> Vec<(&'static str, String)> {
    match error {
        PolicyFileError::Syntax { .. } => vec![("syntax", error.to_string())],
        PolicyFileError::UnknownKeys(keys) => keys
            .iter()
            .map(|key| ("unknown_key", key.to_string()))
            .collect(),
        PolicyFileError::Invalid(errors) => errors
            .iter()
            .map(|error| (error.kind(), error.to_string()))
            .collect(),
        other => vec![("invalid", other.to_string())],
    }
}
