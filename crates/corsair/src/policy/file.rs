//! The policy file: TOML, read by the CLI and the gateway. (Over 500 lines: 130 of them
//! are its unit tests.)
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

use std::{fmt, ops::Range};

use serde::Deserialize;
use toml::{
    Spanned,
    de::{DeTable, DeValue, ValueDeserializer},
};

use super::{
    Config, ConfigError, ConfigErrors, MaxAge, Policy, PreflightStatus, error::write_omitted,
    max_age::MAX_AGE_LIMIT,
};

/// A key a policy file may contain, and how its value goes into the configuration.
struct Key {
    name: &'static str,
    /// What its value must be, said to whoever wrote another type.
    expects: &'static str,
    read: fn(&mut Reading, Value<'_>) -> Result<(), Misread>,
}

const LIST: &str = "a list of strings, one entry each, e.g. `[\"https://app.example.com\"]`";
const BOOLEAN: &str = "`true` or `false`";

type Value<'a> = Spanned<DeValue<'a>>;

/// Every key a policy file may contain: the one list that reading, the unknown-key check and
/// the suggestions all use.
const KEYS: &[Key] = &[
    Key {
        name: "allow_origins",
        expects: LIST,
        read: |file, value| file.set(value, Config::allow_origins::<Vec<String>>),
    },
    Key {
        name: "allow_methods",
        expects: LIST,
        read: |file, value| file.set(value, Config::allow_methods::<Vec<String>>),
    },
    Key {
        name: "allow_headers",
        expects: LIST,
        read: |file, value| file.set(value, Config::allow_headers::<Vec<String>>),
    },
    Key {
        name: "expose_headers",
        expects: LIST,
        read: |file, value| file.set(value, Config::expose_headers::<Vec<String>>),
    },
    Key {
        name: "allow_credentials",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::allow_credentials),
    },
    Key {
        name: "max_age",
        expects: "a whole number of seconds, e.g. `600`",
        read: |file, value| file.set_converted(value, max_age, Config::max_age),
    },
    Key {
        name: "allow_private_network",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::allow_private_network),
    },
    Key {
        name: "preflight_status",
        expects: "`204` or `200`",
        read: |file, value| file.set_converted(value, preflight_status, Config::preflight_status),
    },
    Key {
        name: "dangerously_allow_insecure_origins",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::dangerously_allow_insecure_origins),
    },
    Key {
        name: "dangerously_allow_public_suffix_subdomains",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::dangerously_allow_public_suffix_subdomains),
    },
    Key {
        name: "dangerously_allow_null_origin",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::dangerously_allow_null_origin),
    },
    Key {
        name: "refuse_cross_origin_writes",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::refuse_cross_origin_writes),
    },
    Key {
        name: "cross_origin_write_exemptions",
        expects: "a list of `\"METHOD /path\"` strings, e.g. `[\"POST /webhooks/stripe\"]`",
        read: |file, value| file.set(value, Config::exempt_entries),
    },
    Key {
        name: "allow_cross_origin_websockets",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::allow_cross_origin_websockets),
    },
    Key {
        name: "trust_forwarded_host",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::trust_forwarded_host),
    },
    Key {
        name: "report_only",
        expects: BOOLEAN,
        read: |file, value| file.set(value, Config::report_only),
    },
];

/// A key whose value has the wrong type.
pub(super) struct WrongType {
    pub(super) key: &'static str,
    /// What the key expects, and what the file has.
    pub(super) message: String,
    /// Where the value is.
    pub(super) at: usize,
}

/// What `key` expects, and what the file has instead in the parser's words without its Rust
/// types (`invalid type: string "600", expected i64` says: a string, "600").
fn wrong_type(key: &Key, parser: &str) -> String {
    match parser
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected"))
    {
        // In TOML's words: an array, a table.
        Some((found, _)) => format!(
            "`{}` must be {}, not {}",
            key.name,
            key.expects,
            found.replace("sequence", "array").replace("map", "table")
        ),
        None => format!("`{}` must be {}: {parser}", key.name, key.expects),
    }
}

/// A policy file being read: the configuration so far, and the values it cannot hold.
#[derive(Default)]
struct Reading {
    config: Config,
    invalid: Vec<ConfigError>,
    /// Where each key's value and each of its string entries are, for locating problems.
    spans: Vec<KeySpan>,
}

/// Where a key's value is in the file, and each string entry of it as written.
struct KeySpan {
    key: &'static str,
    value: Range<usize>,
    entries: Vec<(String, Range<usize>)>,
}

impl KeySpan {
    fn of(key: &'static str, value: &Value<'_>) -> Self {
        let entries = match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::String(text) => Some((text.to_string(), item.span())),
                    _ => None,
                })
                .collect(),
            DeValue::String(text) => vec![(text.to_string(), value.span())],
            _ => Vec::new(),
        };
        Self {
            key,
            value: value.span(),
            entries,
        }
    }
}

impl Reading {
    /// Reads a value of the key's type and hands it to the key's setter.
    fn set<'de, T: Deserialize<'de>>(
        &mut self,
        value: Value<'de>,
        setter: fn(Config, T) -> Config,
    ) -> Result<(), Misread> {
        self.set_converted(value, Ok, setter)
    }

    /// Like [`set`](Self::set), for a value that files state differently: `convert` turns
    /// it into the setter's type, or into the problem that it cannot be.
    fn set_converted<'de, T: Deserialize<'de>, U>(
        &mut self,
        value: Value<'de>,
        convert: fn(T) -> Result<U, ConfigError>,
        setter: fn(Config, U) -> Config,
    ) -> Result<(), Misread> {
        match convert(read(value)?) {
            Ok(converted) => self.config = setter(std::mem::take(&mut self.config), converted),
            Err(error) => self.invalid.push(error),
        }
        Ok(())
    }
}

/// A value of the wrong type, and the offset of the problem.
pub(super) struct Misread {
    pub(super) error: toml::de::Error,
    pub(super) at: usize,
}

fn read<'de, T: Deserialize<'de>>(value: Value<'de>) -> Result<T, Misread> {
    let at = value.span().start;
    T::deserialize(ValueDeserializer::from(value)).map_err(|error| Misread {
        at: error.span().map_or(at, |span| span.start),
        error,
    })
}

/// A file's `max_age`: seconds, `-1` to disable caching, `0` for the browser default.
fn max_age(seconds: i64) -> Result<MaxAge, ConfigError> {
    match seconds {
        0 => Ok(MaxAge::BrowserDefault),
        -1 => Ok(MaxAge::Disabled),
        _ => u32::try_from(seconds)
            .ok()
            .filter(|&seconds| seconds <= MAX_AGE_LIMIT)
            .map(MaxAge::Seconds)
            .ok_or(ConfigError::MaxAgeOutOfRange { value: seconds }),
    }
}

fn preflight_status(value: i64) -> Result<PreflightStatus, ConfigError> {
    match value {
        204 => Ok(PreflightStatus::NoContent),
        200 => Ok(PreflightStatus::Ok),
        _ => Err(ConfigError::UnsupportedPreflightStatus { value }),
    }
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
    /// The source is longer than [`PolicyFileError::SIZE_LIMIT`]: refused before parsing, so
    /// a hostile upload costs bounded time and memory.
    #[error(
        "the policy is {size} bytes long, over the limit of {limit} bytes; a policy lists \
         origins, methods and headers, which never take that much"
    )]
    TooLarge {
        /// The length of the source, in bytes.
        size: usize,
        /// The limit, [`PolicyFileError::SIZE_LIMIT`].
        limit: usize,
    },
}

impl PolicyFileError {
    /// The longest policy source accepted, in bytes: 1 MiB, a thousand times a large real
    /// policy.
    pub const SIZE_LIMIT: usize = 1 << 20;
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
            None => {
                f.write_str("; known keys: ")?;
                for (index, key) in KEYS.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(key.name)?;
                }
                Ok(())
            }
        }
    }
}

struct UnknownKeys<'a>(&'a [UnknownKey]);

impl fmt::Display for UnknownKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, key) in self.0.iter().take(ConfigErrors::LIMIT).enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            key.fmt(f)?;
        }
        write_omitted(f, self.0.len().saturating_sub(ConfigErrors::LIMIT), "\n")
    }
}

impl Config {
    /// Reads a policy file (TOML; [the crate documentation](crate#policy-files) lists its
    /// keys). Values a `Config` cannot hold (a `preflight_status` other than 204 and 200, a
    /// `max_age` out of range) are returned as [`PolicyFileError::Invalid`], all of them;
    /// the rest is validated by [`Config::build`]. [`Policy::from_toml`] does both and
    /// reports every problem together.
    ///
    /// ```
    /// let config = corsair::Config::from_toml(r#"
    ///     allow_origins = ["https://app.example.com"]
    ///     allow_methods = ["PUT"]
    /// "#)?;
    /// let policy = config.build()?;
    /// assert_eq!(policy.origins()[0].to_string(), "https://app.example.com");
    ///
    /// let error = corsair::Config::from_toml("preflight_status = 201").unwrap_err();
    /// assert!(matches!(error, corsair::PolicyFileError::Invalid(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml(source: &str) -> Result<Self, PolicyFileError> {
        let Reading {
            config, invalid, ..
        } = Reading::parse(source)?;
        match ConfigErrors::new(invalid) {
            Some(errors) => Err(PolicyFileError::Invalid(errors)),
            None => Ok(config),
        }
    }
}

impl Policy {
    /// Reads and builds a policy file in one step, reporting the file's problems and the
    /// policy's together.
    ///
    /// ```
    /// let errors = corsair::Policy::from_toml(r#"allow_orgins = ["https://a.example"]"#)
    ///     .unwrap_err()
    ///     .to_string();
    /// assert_eq!(errors, "line 1: unknown key `allow_orgins`; did you mean `allow_origins`?");
    /// ```
    pub fn from_toml(source: &str) -> Result<Self, PolicyFileError> {
        let Reading {
            config, invalid, ..
        } = Reading::parse(source)?;
        match (config.build(), ConfigErrors::new(invalid)) {
            (Ok(policy), None) => Ok(policy),
            (Ok(_), Some(errors)) => Err(PolicyFileError::Invalid(errors)),
            (Err(errors), invalid) => Err(PolicyFileError::Invalid(
                errors.followed_by(invalid.into_iter().flatten()),
            )),
        }
    }
}

/// Everything a policy file says, read in one pass: the configuration, and every problem the
/// file itself has (unknown keys, values of the wrong type, values a `Config` cannot hold).
pub(super) struct Parsed {
    pub(super) config: Config,
    pub(super) invalid: Vec<ConfigError>,
    pub(super) unknown: Vec<UnknownKey>,
    /// Unknown keys' spans, in the order of `unknown`.
    pub(super) unknown_spans: Vec<Range<usize>>,
    /// Values of the wrong type.
    pub(super) misread: Vec<WrongType>,
    spans: Vec<KeySpan>,
    pub(super) lines: Lines,
}

impl Parsed {
    /// Parses the file once and reads every key, collecting every problem; only a syntax
    /// error stops it.
    pub(super) fn of(source: &str) -> Result<Self, PolicyFileError> {
        if source.len() > PolicyFileError::SIZE_LIMIT {
            return Err(PolicyFileError::TooLarge {
                size: source.len(),
                limit: PolicyFileError::SIZE_LIMIT,
            });
        }
        let lines = Lines::of(source);
        let table = DeTable::parse(source).map_err(|error| PolicyFileError::Syntax {
            message: error.message().trim_end().to_owned(),
            line: error.span().map(|span| lines.line(span.start)),
        })?;
        let mut file = Reading::default();
        let mut unknown = Vec::new();
        let mut unknown_spans = Vec::new();
        let mut misread = Vec::new();
        for (key, value) in table.into_inner() {
            match KEYS.iter().find(|known| known.name == key.get_ref()) {
                Some(known) => {
                    file.spans.push(KeySpan::of(known.name, &value));
                    if let Err(Misread { error, at }) = (known.read)(&mut file, value) {
                        misread.push(WrongType {
                            key: known.name,
                            message: wrong_type(known, error.message().trim_end()),
                            at,
                        });
                    }
                }
                None => {
                    unknown.push(UnknownKey {
                        key: key.get_ref().to_string(),
                        line: lines.line(key.span().start),
                        suggestion: suggest(key.get_ref()),
                    });
                    unknown_spans.push(key.span());
                }
            }
        }
        Ok(Self {
            config: file.config,
            invalid: file.invalid,
            unknown,
            unknown_spans,
            misread,
            spans: file.spans,
            lines,
        })
    }

    /// Where the problem a policy key and entry name is: the entry as written (exactly, else
    /// ignoring case), else the key's whole value.
    pub(super) fn locate(&self, key: &str, entry: Option<&str>) -> Option<Range<usize>> {
        let spans = self.spans.iter().find(|spans| spans.key == key)?;
        let found = entry.and_then(|entry| {
            let exact = spans.entries.iter().find(|(text, _)| text == entry);
            exact
                .or_else(|| {
                    spans
                        .entries
                        .iter()
                        .find(|(text, _)| text.eq_ignore_ascii_case(entry))
                })
                .map(|(_, span)| span.clone())
        });
        Some(found.unwrap_or_else(|| spans.value.clone()))
    }

    /// The 1-based line and column of a byte offset.
    pub(super) fn line_column(&self, source: &str, offset: usize) -> (usize, usize) {
        let line = self.lines.line(offset);
        let start = match line {
            1 => 0,
            _ => self.lines.0[line - 2] + 1,
        };
        let column = source
            .get(start..offset.min(source.len()))
            .map_or(1, |before| before.chars().count() + 1);
        (line, column)
    }
}

impl Reading {
    /// Parses the file once, then reads each key: a syntax error stops at once; otherwise
    /// every unknown key is reported, and failing that the first value of the wrong type.
    fn parse(source: &str) -> Result<Self, PolicyFileError> {
        let parsed = Parsed::of(source)?;
        if !parsed.unknown.is_empty() {
            return Err(PolicyFileError::UnknownKeys(parsed.unknown));
        }
        match parsed.misread.into_iter().next() {
            Some(WrongType { message, at, .. }) => Err(PolicyFileError::Syntax {
                message,
                line: Some(parsed.lines.line(at)),
            }),
            None => Ok(Self {
                config: parsed.config,
                invalid: parsed.invalid,
                spans: Vec::new(),
            }),
        }
    }
}

/// Where each line of a source starts, found in one pass, so any offset's line is a binary
/// search away.
pub(super) struct Lines(Vec<usize>);

impl Lines {
    fn of(source: &str) -> Self {
        Self(
            source
                .bytes()
                .enumerate()
                .filter(|&(_, byte)| byte == b'\n')
                .map(|(offset, _)| offset)
                .collect(),
        )
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&newline| newline < offset) + 1
    }
}

/// The known key closest to `key`: a small edit away, or containing it (`origins`).
fn suggest(key: &str) -> Option<&'static str> {
    closest_key(key, KEYS.iter().map(|known| known.name))
}

/// The name among `known` that `key` most likely misspells: a small edit away (ignoring case,
/// and `-` for `_`), or containing `key` (`origins` for `allow_origins`). What policy files
/// suggest for unknown keys, for other TOML formats built around them (the gateway's).
///
/// ```
/// let known = ["upstream", "prefix", "policy"];
/// assert_eq!(corsair::closest_key("upstrem", known), Some("upstream"));
/// assert_eq!(corsair::closest_key("colour", known), None);
/// ```
pub fn closest_key(
    key: &str,
    known: impl IntoIterator<Item = &'static str>,
) -> Option<&'static str> {
    let key = key.to_ascii_lowercase().replace('-', "_");
    known
        .into_iter()
        .map(|known| (edit_distance(&key, known), known))
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
        let grants = policy.grants();
        assert_eq!(grants.methods, ["PUT"]);
        assert_eq!(grants.headers, ["x-token"]);
        assert_eq!(grants.exposed_headers, ["x-request-id"]);
        assert_eq!(grants.max_age, MaxAge::Seconds(600));
        assert!(grants.private_network);
        assert_eq!(grants.preflight_status, 200);
        assert_eq!(policy.compiled.max_age.as_ref().unwrap(), "600");
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
    fn config_from_toml_returns_every_value_it_cannot_hold() {
        let error = Config::from_toml("preflight_status = 201\nmax_age = -2\n").unwrap_err();
        let PolicyFileError::Invalid(errors) = error else {
            panic!("{error:?}")
        };
        assert_eq!(
            errors.into_iter().collect::<Vec<_>>(),
            [
                ConfigError::MaxAgeOutOfRange { value: -2 },
                ConfigError::UnsupportedPreflightStatus { value: 201 },
            ]
        );
    }

    #[test]
    fn unknown_keys_come_before_values_of_the_wrong_type() {
        let error = Policy::from_toml("max_age = \"ten\"\ncolour = 1\n").unwrap_err();
        assert!(
            matches!(&error, PolicyFileError::UnknownKeys(keys) if keys.len() == 1),
            "{error:?}"
        );
    }

    #[test]
    fn lines() {
        let lines = Lines::of("a\nb\n\nc");
        assert_eq!(
            (0..6).map(|at| lines.line(at)).collect::<Vec<_>>(),
            [1, 1, 2, 2, 3, 4]
        );
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
