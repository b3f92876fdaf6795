//! The policy file: TOML, read by the CLI and the gateway.
//!
//! ```toml
//! allow_origins = ["https://app.example.com", "https://*.preview.example.com"]
//! allow_methods = ["GET", "POST", "DELETE"]
//! allow_headers = ["content-type", "authorization"]
//! expose_headers = ["x-request-id"]
//! allow_credentials = true
//! max_age = 600
//! allow_private_network = false
//! preflight_status = 204
//! dangerously_allow_insecure_origins = false
//! dangerously_allow_public_suffix_subdomains = false
//! dangerously_allow_null_origin = false
//! ```

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, de::IgnoredAny};
use toml::Spanned;

use super::{
    Config, ConfigError, ConfigErrors, MaxAge, Policy, PreflightStatus, build::MAX_AGE_LIMIT,
};

/// Every key a policy file may contain.
const KEYS: &[&str] = &[
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "expose_headers",
    "allow_credentials",
    "max_age",
    "allow_private_network",
    "preflight_status",
    "dangerously_allow_insecure_origins",
    "dangerously_allow_public_suffix_subdomains",
    "dangerously_allow_null_origin",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    allow_origins: Vec<String>,
    #[serde(default)]
    allow_methods: Vec<String>,
    #[serde(default)]
    allow_headers: Vec<String>,
    #[serde(default)]
    expose_headers: Vec<String>,
    #[serde(default)]
    allow_credentials: bool,
    max_age: Option<i64>,
    #[serde(default)]
    allow_private_network: bool,
    preflight_status: Option<i64>,
    #[serde(default)]
    dangerously_allow_insecure_origins: bool,
    #[serde(default)]
    dangerously_allow_public_suffix_subdomains: bool,
    #[serde(default)]
    dangerously_allow_null_origin: bool,
}

/// Why a policy file could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyFileError {
    /// Not TOML, or a key holds the wrong type of value.
    #[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Syntax {
        /// The parser's explanation.
        message: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
    },
    /// Keys that policy files do not have (typos, usually).
    #[error("{}", UnknownKeys(.0))]
    UnknownKeys(Vec<UnknownKey>),
    /// The file parses, but the policy it states is invalid.
    #[error(transparent)]
    Invalid(#[from] ConfigErrors),
}

/// A key a policy file does not have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownKey {
    /// The key as written.
    pub key: String,
    /// 1-based line.
    pub line: usize,
    /// The known key it most resembles.
    pub suggestion: Option<&'static str>,
}

impl fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: unknown key `{}`", self.line, self.key)?;
        match self.suggestion {
            Some(known) => write!(f, "; did you mean `{known}`?"),
            None => write!(f, "; known keys: {}", KEYS.join(", ")),
        }
    }
}

struct UnknownKeys<'a>(&'a [UnknownKey]);

impl fmt::Display for UnknownKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, key) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            key.fmt(f)?;
        }
        Ok(())
    }
}

impl Config {
    /// Reads a policy file (TOML; [the crate documentation](crate#policy-files) lists its
    /// keys). Validation happens in [`Config::build`]; an unsupported
    /// `preflight_status` is reported there with the other problems.
    ///
    /// ```
    /// let config = corsair::Config::from_toml(r#"
    ///     allow_origins = ["https://app.example.com"]
    ///     allow_methods = ["PUT"]
    /// "#)?;
    /// let policy = config.build()?;
    /// assert_eq!(policy.origins()[0].to_string(), "https://app.example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml(source: &str) -> Result<Self, PolicyFileError> {
        check_keys(source)?;
        let file: PolicyFile =
            toml::from_str(source).map_err(|error| syntax_error(source, &error))?;
        let mut config = Config::new()
            .allow_origins(file.allow_origins)
            .allow_methods(file.allow_methods)
            .allow_headers(file.allow_headers)
            .expose_headers(file.expose_headers)
            .allow_credentials(file.allow_credentials)
            .allow_private_network(file.allow_private_network)
            .dangerously_allow_insecure_origins(file.dangerously_allow_insecure_origins)
            .dangerously_allow_public_suffix_subdomains(
                file.dangerously_allow_public_suffix_subdomains,
            )
            .dangerously_allow_null_origin(file.dangerously_allow_null_origin);
        match file.max_age {
            None | Some(0) => {}
            Some(-1) => config.max_age = MaxAge::Disabled,
            Some(seconds) => match u32::try_from(seconds) {
                Ok(seconds) if seconds <= MAX_AGE_LIMIT => {
                    config.max_age = MaxAge::Seconds(seconds)
                }
                _ => config
                    .file_errors
                    .push(ConfigError::MaxAgeOutOfRange { value: seconds }),
            },
        }
        match file.preflight_status {
            None | Some(204) => {}
            Some(200) => config.preflight_status = PreflightStatus::Ok,
            Some(value) => config
                .file_errors
                .push(ConfigError::UnsupportedPreflightStatus { value }),
        }
        Ok(config)
    }
}

impl Policy {
    /// Reads and builds a policy file in one step.
    ///
    /// ```
    /// let errors = corsair::Policy::from_toml(r#"allow_orgins = ["https://a.example"]"#)
    ///     .unwrap_err()
    ///     .to_string();
    /// assert_eq!(errors, "line 1: unknown key `allow_orgins`; did you mean `allow_origins`?");
    /// ```
    pub fn from_toml(source: &str) -> Result<Self, PolicyFileError> {
        Ok(Config::from_toml(source)?.build()?)
    }
}

fn check_keys(source: &str) -> Result<(), PolicyFileError> {
    let table: BTreeMap<Spanned<String>, IgnoredAny> =
        toml::from_str(source).map_err(|error| syntax_error(source, &error))?;
    let unknown: Vec<UnknownKey> = table
        .keys()
        .filter(|key| !KEYS.contains(&key.get_ref().as_str()))
        .map(|key| UnknownKey {
            key: key.get_ref().clone(),
            line: line_of(source, key.span().start),
            suggestion: suggest(key.get_ref()),
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(PolicyFileError::UnknownKeys(unknown))
    }
}

fn syntax_error(source: &str, error: &toml::de::Error) -> PolicyFileError {
    PolicyFileError::Syntax {
        message: error.message().trim_end().to_owned(),
        line: error.span().map(|span| line_of(source, span.start)),
    }
}

fn line_of(source: &str, offset: usize) -> usize {
    source
        .as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The known key closest to `key`: a small edit away, or containing it (`origins`).
fn suggest(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase().replace('-', "_");
    KEYS.iter()
        .map(|&known| (edit_distance(&key, known), known))
        .filter(|&(distance, known)| {
            distance <= (known.len() / 4).max(2) || (key.len() >= 4 && known.contains(&key))
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance, in bytes (keys are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != cb))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read() {
        let policy = Policy::from_toml(
            r#"
            allow_origins = ["https://app.example.com", "http://*.internal.test"]
            allow_methods = ["PUT"]
            allow_headers = ["X-Token"]
            expose_headers = ["x-request-id"]
            allow_credentials = true
            max_age = 600
            allow_private_network = true
            preflight_status = 200
            dangerously_allow_insecure_origins = true
            dangerously_allow_public_suffix_subdomains = true
            dangerously_allow_null_origin = true
            "#,
        )
        .unwrap();
        assert_eq!(policy.origins().len(), 2);
        assert!(policy.allows_credentials());
        let compiled = &*policy.compiled;
        assert_eq!(compiled.max_age.as_ref().unwrap(), "600");
        assert!(!compiled.headers.any);
        assert_eq!(compiled.expose.as_ref().unwrap(), "x-request-id");
        assert!(compiled.private_network);
        assert_eq!(compiled.preflight_status, 200);
        assert!(compiled.headers.listed.contains(b"x-token".as_slice()));
    }

    #[test]
    fn unknown_keys_are_all_reported_with_suggestions() {
        let error = Policy::from_toml(
            "allow_origins = [\"https://a.example\"]\nallowed_methods = [\"PUT\"]\norigins = []\ncolour = 1\n",
        )
        .unwrap_err();
        let PolicyFileError::UnknownKeys(keys) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            keys.iter()
                .map(|k| (k.key.as_str(), k.line, k.suggestion))
                .collect::<Vec<_>>(),
            [
                ("allowed_methods", 2, Some("allow_methods")),
                ("colour", 4, None),
                ("origins", 3, Some("allow_origins")),
            ]
        );
        assert!(error.to_string().contains("known keys: allow_origins"));
    }

    #[test]
    fn syntax_and_type_errors_name_the_line() {
        let error = Policy::from_toml("allow_origins = [\n\"https://a.example\",\n").unwrap_err();
        assert!(
            matches!(error, PolicyFileError::Syntax { line: Some(_), .. }),
            "{error:?}"
        );
        let error =
            Policy::from_toml("allow_origins = [\"https://a.example\"]\nmax_age = \"ten\"\n")
                .unwrap_err();
        assert!(
            matches!(error, PolicyFileError::Syntax { line: Some(2), .. }),
            "{error:?}"
        );
    }

    #[test]
    fn invalid_values_are_reported_together() {
        let error = Policy::from_toml(
            "allow_origins = [\"*\"]\nallow_credentials = true\npreflight_status = 201\nmax_age = 100000\n",
        )
        .unwrap_err();
        let PolicyFileError::Invalid(errors) = error else {
            panic!("{error:?}")
        };
        let errors: Vec<_> = errors.into_iter().collect();
        assert!(errors.contains(&ConfigError::AnyOriginWithCredentials));
        assert!(errors.contains(&ConfigError::UnsupportedPreflightStatus { value: 201 }));
        assert!(errors.contains(&ConfigError::MaxAgeOutOfRange { value: 100_000 }));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("allow-origins"), Some("allow_origins"));
        assert_eq!(suggest("credentials"), Some("allow_credentials"));
        assert_eq!(suggest("maxage"), Some("max_age"));
        assert_eq!(
            suggest("dangerously_allow_null"),
            Some("dangerously_allow_null_origin")
        );
        assert_eq!(suggest("zzz"), None);
    }
}
