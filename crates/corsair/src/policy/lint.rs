//! A policy file linted: every error and warning at once, each with the span of the value
//! that caused it, in the order of the file.

use std::ops::Range;

use super::{ConfigError, ConfigErrors, Policy, file::Parsed};

/// How bad a [`Finding`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The policy does something its author did not mean; it still loads.
    Warning,
    /// The policy does not load.
    Error,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One problem in a policy file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// A stable snake_case kind ([`ConfigError::kind`], [`PolicyWarning::kind`](super::PolicyWarning::kind),
    /// or `syntax`, `unknown_key`, `wrong_type` for the file itself).
    pub kind: &'static str,
    /// What is wrong and how to fix it, naming values as the file writes them.
    pub message: String,
    /// The bytes of the file that caused it, when known.
    pub span: Option<Range<usize>>,
    /// 1-based line and column of the span's start (in characters), when known.
    pub position: Option<(usize, usize)>,
}

/// The result of [`Policy::lint_toml`]: every finding in file order, and the policy when it
/// loads (it does whenever there are no errors).
#[derive(Debug)]
#[non_exhaustive]
pub struct Lint {
    /// Errors and warnings, in the order of the file: at most [`ConfigErrors::LIMIT`] errors.
    pub findings: Vec<Finding>,
    /// How many more errors were found beyond [`ConfigErrors::LIMIT`]: counted, not listed.
    pub omitted: usize,
    /// The policy, when the file has no errors.
    pub policy: Option<Policy>,
}

impl Policy {
    /// Lints a policy file: unlike [`Policy::from_toml`], which stops at the first kind of
    /// problem, every syntax, unknown-key, type and policy error is reported together with
    /// the warnings of [`Config::warnings`](super::Config::warnings), each located in the file.
    ///
    /// ```
    /// let lint = corsair::Policy::lint_toml(
    ///     "allow_origins = [\"https://a.example\"]\ncolour = 1\nallow_headers = [\"Accept\"]\n",
    /// );
    /// let kinds: Vec<_> = lint.findings.iter().map(|f| (f.kind, f.position)).collect();
    /// assert_eq!(
    ///     kinds,
    ///     [
    ///         ("unknown_key", Some((2, 1))),
    ///         ("headers_without_methods", Some((3, 17))),
    ///         ("safelisted_request_header", Some((3, 18))),
    ///     ]
    /// );
    /// assert!(lint.policy.is_none());
    /// ```
    pub fn lint_toml(source: &str) -> Lint {
        let parsed = match Parsed::of(source) {
            Ok(parsed) => parsed,
            Err(error) => {
                return Lint {
                    findings: vec![Finding {
                        severity: Severity::Error,
                        kind: "syntax",
                        message: error.to_string(),
                        span: None,
                        position: match error {
                            super::PolicyFileError::Syntax {
                                line: Some(line), ..
                            } => Some((line, 1)),
                            _ => None,
                        },
                    }],
                    omitted: 0,
                    policy: None,
                };
            }
        };
        let mut findings = Vec::new();
        let mut add = |severity, kind, message: String, span: Option<Range<usize>>| {
            let position = span
                .as_ref()
                .map(|span| parsed.line_column(source, span.start));
            findings.push(Finding {
                severity,
                kind,
                message,
                span,
                position,
            });
        };
        for (key, span) in parsed.unknown.iter().zip(&parsed.unknown_spans) {
            let message = key.to_string();
            let message = message
                .split_once(": ")
                .map_or(message.clone(), |(_, rest)| rest.to_owned());
            add(Severity::Error, "unknown_key", message, Some(span.clone()));
        }
        for wrong in &parsed.misread {
            add(
                Severity::Error,
                "wrong_type",
                wrong.message.clone(),
                Some(wrong.at..wrong.at + 1),
            );
        }
        for error in &parsed.invalid {
            let (key, entry) = location(error);
            add(
                Severity::Error,
                error.kind(),
                error.to_string(),
                parsed.locate(key, entry),
            );
        }
        let built = parsed.config.clone().build();
        let mut omitted = built.as_ref().err().map_or(0, ConfigErrors::omitted);
        // The origins may be under a misspelt key (one that resembles `allow_origins`, or no
        // key at all) or of the wrong type: saying that none is allowed would then be false.
        let origins_unread = parsed
            .misread
            .iter()
            .any(|wrong| wrong.key == "allow_origins")
            || (parsed.config.origins.is_empty()
                && parsed
                    .unknown
                    .iter()
                    .any(|key| matches!(key.suggestion, None | Some("allow_origins"))));
        if let Err(errors) = &built {
            for error in errors
                .iter()
                .filter(|error| !(origins_unread && **error == ConfigError::NoOrigins))
            {
                let (key, entry) = location(error);
                add(
                    Severity::Error,
                    error.kind(),
                    error.to_string(),
                    parsed.locate(key, entry),
                );
            }
        }
        for warning in parsed.config.warnings() {
            let (key, entry) = warning.location();
            add(
                Severity::Warning,
                warning.kind(),
                warning.to_string(),
                parsed.locate(key, entry),
            );
        }
        findings.sort_by_key(|finding| finding.span.as_ref().map_or(0, |span| span.start));
        // The file's own errors and the policy's together are capped as the policy's alone
        // are, so a file of a million unknown keys is not a million findings.
        let mut errors = 0;
        findings.retain(|finding| {
            if finding.severity == Severity::Warning {
                return true;
            }
            errors += 1;
            errors <= ConfigErrors::LIMIT
        });
        omitted += errors.saturating_sub(ConfigErrors::LIMIT);
        let policy = match built {
            Ok(policy) if errors == 0 => Some(policy),
            _ => None,
        };
        Lint {
            findings,
            omitted,
            policy,
        }
    }

    /// Like [`lint_toml`](Self::lint_toml), for a file's bytes: bytes that are not UTF-8 are
    /// one error of kind `encoding` (TOML is UTF-8).
    pub fn lint_toml_bytes(bytes: &[u8]) -> Lint {
        match std::str::from_utf8(bytes) {
            Ok(source) => Self::lint_toml(source),
            Err(error) => Lint {
                findings: vec![Finding {
                    severity: Severity::Error,
                    kind: "encoding",
                    message: format!(
                        "the file is not UTF-8 (invalid bytes after byte {}); policy files are TOML, which is UTF-8",
                        error.valid_up_to()
                    ),
                    span: None,
                    position: None,
                }],
                omitted: 0,
                policy: None,
            },
        }
    }
}

/// The key an error is about, and the entry as written when it is about one.
fn location(error: &ConfigError) -> (&'static str, Option<&str>) {
    use ConfigError::*;
    match error {
        NoOrigins => ("allow_origins", None),
        InvalidOrigin { value, .. }
        | NonCanonicalOrigin { value, .. }
        | ForeignOriginPattern { value, .. }
        | FileOrigin { value } => ("allow_origins", Some(value)),
        AnyOriginWithCredentials => ("allow_origins", Some("*")),
        AnyOriginWithOthers { other } => ("allow_origins", Some(other)),
        NullOrigin => ("allow_origins", Some("null")),
        SchemeNeverSent { origin, .. } | InsecureOriginWithCredentials { origin } => {
            ("allow_origins", Some(origin))
        }
        PublicSuffixSubdomains { pattern, .. } => ("allow_origins", Some(pattern)),
        SeveralInOneEntry { key, value, .. } => (key, Some(value)),
        InvalidMethod { value } | ForbiddenMethod { value } | MethodNotNormalized { value, .. } => {
            ("allow_methods", Some(value))
        }
        InvalidHeaderName { value, list } => (list.key(), Some(value)),
        ForbiddenRequestHeader { name } => ("allow_headers", Some(name)),
        UnexposableHeader { name, .. } => ("expose_headers", Some(name)),
        AnyExposedHeaderWithCredentials => ("expose_headers", Some("*")),
        MaxAgeOutOfRange { .. } => ("max_age", None),
        UnsupportedPreflightStatus { .. } => ("preflight_status", None),
        InvalidWriteExemption { .. } => ("cross_origin_write_exemptions", None),
    }
}
