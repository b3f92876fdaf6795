//! What the page's `fetch()`es gave it, as `corsairRun` reports them (see [`crate::page`]),
//! whichever engine ran them.

use serde_json::Value;

use crate::{Error, Result};

/// What one `fetch()` gave the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchResult {
    /// The promise resolved.
    Allowed {
        /// `response.type`: `cors`, `opaque` or `basic`.
        kind: String,
        /// `response.status` (0 for opaque responses).
        status: u16,
        /// The names `response.headers` yields, lowercase, sorted, once each.
        headers: Vec<String>,
    },
    /// The promise rejected (a `TypeError`: CORS failure, network error, refused request).
    Blocked {
        /// `name: message` of the error.
        error: String,
    },
}

impl FetchResult {
    /// One entry of the page's report: `{ok: true, type, status, headers}` or
    /// `{ok: false, error}`.
    fn from_json(value: &Value) -> Result<Self> {
        if value.get("ok").and_then(Value::as_bool) == Some(true) {
            let kind = value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let status = value
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| Error::new(format!("no status in {value}")))?;
            let headers = value
                .get("headers")
                .and_then(Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            Ok(Self::Allowed {
                kind,
                status,
                headers,
            })
        } else {
            Ok(Self::Blocked {
                error: value
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned(),
            })
        }
    }

    /// Whether the page got a response.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed { .. })
    }
}

/// The page's answer to `corsairRun` for `count` scenarios: per scenario, one result per fetch.
pub(crate) fn results_from_json(value: &Value, count: usize) -> Result<Vec<Vec<FetchResult>>> {
    let Some(results) = value.as_array() else {
        return Err(Error::new(format!("the page answered {value}")));
    };
    if results.len() != count {
        return Err(Error::new(format!(
            "{} results for {count} scenarios",
            results.len()
        )));
    }
    results
        .iter()
        .map(|fetches| {
            fetches
                .as_array()
                .ok_or_else(|| Error::new(format!("not a list of results: {fetches}")))?
                .iter()
                .map(FetchResult::from_json)
                .collect()
        })
        .collect()
}
