//! A route's policy: loaded from its source under the route's mode, and what is reported when
//! a policy file does not load.

use std::{fmt, path::Path};

use corsair::{Finding, Policy};

use crate::config::{Mode, PolicySource};

/// A policy that did not load.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The file, or `<inline>`.
    pub path: String,
    /// What is wrong.
    pub problem: Problem,
}

/// Why a policy did not load.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Problem {
    /// The file cannot be read.
    Unreadable(String),
    /// The file has errors: its text (lossily decoded) and every finding as `corsair lint`
    /// has them, so the caller can print them as `corsair lint` does.
    Invalid {
        /// The file's text, for the source lines of the findings.
        source: String,
        /// Errors and warnings, in file order; at least one error.
        findings: Vec<Finding>,
        /// How many more errors were found beyond those listed.
        omitted: usize,
    },
    /// A policy given whole (flags, inline table) that does not build.
    Config(corsair::ConfigErrors),
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.problem {
            Problem::Unreadable(error) => writeln!(f, "cannot read {path}: {error}"),
            Problem::Config(errors) => writeln!(f, "{path}: {errors}"),
            Problem::Invalid { findings, .. } => {
                for finding in findings {
                    match finding.position {
                        Some((line, column)) => write!(f, "{path}:{line}:{column}: ")?,
                        None => write!(f, "{path}: ")?,
                    }
                    writeln!(
                        f,
                        "{}[{}]: {}",
                        finding.severity.as_str(),
                        finding.kind,
                        finding.message
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// How the gateway reports policy files that fail to (re)load. The CLI prints them exactly as
/// `corsair lint` does; the default logs them.
pub trait ReportRejected: Send + Sync + 'static {
    /// Called once per rejected file.
    fn rejected(&self, rejected: &Rejected);
}

/// Logs rejected policies at error level.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogRejected;

impl ReportRejected for LogRejected {
    fn rejected(&self, rejected: &Rejected) {
        tracing::error!(target: "corsair::proxy", "policy not loaded:\n{rejected}");
    }
}

/// Builds the policy `source` states, under `mode` (shadow forces report-only).
pub(crate) fn load(source: &PolicySource, mode: Mode) -> Result<Policy, Rejected> {
    match source {
        PolicySource::File(path) => {
            let bytes = std::fs::read(path).map_err(|error| unreadable(path, &error))?;
            from_bytes(&path.display().to_string(), &bytes, mode)
        }
        PolicySource::Fixed(config) => {
            let config = config.clone();
            let config = match mode {
                Mode::Shadow => config.report_only(true),
                Mode::Enforce => config,
            };
            config.build().map_err(|errors| Rejected {
                path: "<inline>".to_owned(),
                problem: Problem::Config(errors),
            })
        }
    }
}

pub(crate) fn from_bytes(path: &str, bytes: &[u8], mode: Mode) -> Result<Policy, Rejected> {
    let lint = Policy::lint_toml_bytes(bytes);
    let rejected = || Rejected {
        path: path.to_owned(),
        problem: Problem::Invalid {
            source: String::from_utf8_lossy(bytes).into_owned(),
            findings: lint.findings.clone(),
            omitted: lint.omitted,
        },
    };
    let policy = lint.policy.clone().ok_or_else(rejected)?;
    match mode {
        Mode::Enforce => Ok(policy),
        // The file loaded, so reading it again as a configuration succeeds too.
        Mode::Shadow => std::str::from_utf8(bytes)
            .ok()
            .and_then(|source| corsair::Config::from_toml(source).ok())
            .and_then(|config| config.report_only(true).build().ok())
            .ok_or_else(rejected),
    }
}

fn unreadable(path: &Path, error: &std::io::Error) -> Rejected {
    Rejected {
        path: path.display().to_string(),
        problem: Problem::Unreadable(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadow_forces_report_only_and_enforce_honours_the_file() {
        let source = b"allow_origins = [\"https://a.example\"]\n";
        assert!(
            !from_bytes("p", source, Mode::Enforce)
                .unwrap()
                .grants()
                .report_only
        );
        assert!(
            from_bytes("p", source, Mode::Shadow)
                .unwrap()
                .grants()
                .report_only
        );
        let reporting = b"allow_origins = [\"https://a.example\"]\nreport_only = true\n";
        assert!(
            from_bytes("p", reporting, Mode::Enforce)
                .unwrap()
                .grants()
                .report_only
        );
    }

    #[test]
    fn a_broken_file_is_rejected_with_every_finding_located() {
        let rejected = from_bytes(
            "p.toml",
            b"allow_orgins = [\"https://a.example\"]\nmax_age = -1\n",
            Mode::Enforce,
        )
        .unwrap_err();
        let text = rejected.to_string();
        assert!(text.starts_with("p.toml:1:1: error[unknown_key]"), "{text}");
        assert!(
            // The misspelt key holds the origins: no `no_origins` beside it.
            matches!(&rejected.problem, Problem::Invalid { findings, .. } if findings.len() == 1),
            "{text}"
        );
    }
}
