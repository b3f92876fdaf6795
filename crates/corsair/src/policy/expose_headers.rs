//! `Access-Control-Expose-Headers`: the response headers script may read, and their
//! validation.

use std::collections::HashSet;

use http::HeaderValue;

use super::{Config, ConfigError, HeaderList};
use crate::headers::names::unexposable_reason;
use crate::headers::shared::shared_value;

/// The precomputed `Access-Control-Expose-Headers` value, if any header is exposed.
#[derive(Debug)]
pub(super) struct ExposeHeaders(Option<HeaderValue>);

impl ExposeHeaders {
    /// Checks every name, appending each problem to `errors`.
    pub(super) fn validate(config: &Config, errors: &mut Vec<ConfigError>) -> Self {
        // In configuration order; `seen` keeps removing duplicates linear.
        let mut names: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let mut any = false;
        for value in &config.expose {
            if value == "*" {
                any = true;
                continue;
            }
            let Some(name) = HeaderList::ExposeHeaders.name(value, errors) else {
                continue;
            };
            if let Some(why) = unexposable_reason(&name) {
                errors.push(ConfigError::UnexposableHeader {
                    name: value.clone(),
                    why,
                });
            } else if seen.insert(name.clone()) {
                names.push(name);
            }
        }
        if any && config.credentials {
            errors.push(ConfigError::AnyExposedHeaderWithCredentials);
        }
        let joined = if any {
            "*".to_owned()
        } else {
            names.join(", ")
        };
        Self(
            (!joined.is_empty())
                .then(|| shared_value(joined).ok())
                .flatten(),
        )
    }

    /// The header value.
    pub(super) fn value(&self) -> Option<&HeaderValue> {
        self.0.as_ref()
    }

    /// The names exposed, for [`Grants`](crate::Grants).
    pub(super) fn grants(&self) -> Vec<String> {
        self.0
            .as_ref()
            .and_then(|value| value.to_str().ok())
            .map(|value| value.split(", ").map(str::to_owned).collect())
            .unwrap_or_default()
    }
}
