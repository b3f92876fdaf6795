//! `Access-Control-Allow-Methods`: the methods a preflight may ask for, their validation, and
//! the check of `Access-Control-Request-Method`.

use std::collections::HashMap;

use http::HeaderValue;

use super::{Config, ConfigError, Refusal, ResponseHeader, ResponseHeaders, grant::Grant};
use crate::headers::shared::shared_value;
use crate::origin::KeyedState;
use crate::{
    byte_search,
    grammar::{self, token::is_token},
};

/// The safelisted methods' grants, which need no listing.
static SAFELISTED: [HeaderValue; 3] = [
    HeaderValue::from_static("GET"),
    HeaderValue::from_static("HEAD"),
    HeaderValue::from_static("POST"),
];

/// Methods a preflight may ask for.
#[derive(Debug)]
pub(super) enum AllowMethods {
    /// Any method token except the forbidden ones.
    Any,
    /// Exactly these (case-sensitive), besides the safelisted ones.
    Listed(Listed),
}

/// Listed methods in configuration order (for [`Grants`](crate::Grants)), each with its
/// grant built once, so an answer carries the policy's value rather than a copy of the
/// request's. Past [`Listed::FEW`] they are also hashed, so neither building nor a
/// preflight's check grows with the length of the list.
#[derive(Debug, Default)]
pub(super) struct Listed {
    ordered: Vec<(Box<[u8]>, HeaderValue)>,
    /// Indexes into `ordered` by method, once there are more than [`Listed::FEW`].
    index: HashMap<Box<[u8]>, usize, KeyedState>,
}

impl Listed {
    /// Up to this many methods, a check compares them directly: cheaper than hashing.
    const FEW: usize = 8;

    fn insert(&mut self, method: &str) {
        if self.grant(method.as_bytes()).is_some() {
            return;
        }
        // A method token is always a valid header value.
        let Ok(grant) = shared_value(method.to_owned()) else {
            return;
        };
        self.ordered.push((method.as_bytes().into(), grant));
        let len = self.ordered.len();
        if len > Self::FEW {
            // Just past the few, every method is indexed; after that, each new one.
            let from = if len == Self::FEW + 1 { 0 } else { len - 1 };
            for at in from..len {
                self.index.insert(self.ordered[at].0.clone(), at);
            }
        }
    }

    fn grant(&self, method: &[u8]) -> Option<&HeaderValue> {
        if self.ordered.len() <= Self::FEW {
            return self
                .ordered
                .iter()
                .find(|(known, _)| byte_search::equal(known, method))
                .map(|(_, grant)| grant);
        }
        self.index.get(method).map(|&at| &self.ordered[at].1)
    }
}

impl AllowMethods {
    /// Checks every method, appending each problem to `errors`.
    pub(super) fn validate(config: &Config, errors: &mut Vec<ConfigError>) -> Self {
        let mut listed = Listed::default();
        let mut any = false;
        for value in &config.methods {
            if value == "*" {
                any = true;
            } else if !is_token(value.as_bytes()) {
                errors.push(ConfigError::InvalidMethod {
                    value: value.clone(),
                });
            } else if grammar::method::is_forbidden(value.as_bytes()) {
                errors.push(ConfigError::ForbiddenMethod {
                    value: value.clone(),
                });
            } else if let Some(normalized) = grammar::method::normalized(value)
                && normalized != value
            {
                errors.push(ConfigError::MethodNotNormalized {
                    value: value.clone(),
                    normalized,
                });
            } else {
                listed.insert(value);
            }
        }
        if any { Self::Any } else { Self::Listed(listed) }
    }

    /// The methods granted besides GET, HEAD and POST, for [`Grants`](crate::Grants).
    pub(super) fn grants(&self) -> Vec<String> {
        match self {
            Self::Any => vec!["*".to_owned()],
            Self::Listed(listed) => listed
                .ordered
                .iter()
                .map(|(m, _)| String::from_utf8_lossy(m).into_owned())
                .filter(|m| !grammar::method::is_safelisted(m.as_bytes()))
                .collect(),
        }
    }

    /// The grant of the requested method (`None` when `Access-Control-Request-Method` is
    /// repeated), if it is allowed: the method itself, the policy's own value when it has one.
    pub(super) fn check<'a, V: AsRef<[u8]> + Clone>(
        &'a self,
        requested: Option<&'a V>,
    ) -> Result<Grant<'a, V>, Refusal<V>> {
        let method = requested
            .filter(|method| is_token(method.as_ref()))
            .ok_or(Refusal::MalformedMethod)?;
        let bytes = method.as_ref();
        if let Some(safelisted) = SAFELISTED
            .iter()
            .find(|grant| byte_search::equal(grant.as_bytes(), bytes))
        {
            return Ok(Grant::Policy(safelisted));
        }
        match self {
            Self::Listed(listed) => {
                if let Some(grant) = listed.grant(bytes) {
                    return Ok(Grant::Policy(grant));
                }
            }
            Self::Any if !grammar::method::is_forbidden(bytes) => {
                return Ok(Grant::Echo(method));
            }
            Self::Any => {}
        }
        Err(Refusal::MethodNotAllowed {
            method: method.clone(),
        })
    }
}

/// Grants the method a preflight asked for.
pub(super) fn write<V: AsRef<[u8]> + 'static>(
    method: Grant<'_, V>,
    headers: &mut impl ResponseHeaders,
) {
    method.write(ResponseHeader::AccessControlAllowMethods, headers);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_methods_and_many_are_granted_alike() {
        for count in [1, Listed::FEW, Listed::FEW + 1, 40] {
            let mut listed = Listed::default();
            let methods: Vec<String> = (0..count).map(|i| format!("M{i}")).collect();
            for method in &methods {
                listed.insert(method);
                listed.insert(method);
            }
            assert_eq!(listed.ordered.len(), count, "{count} methods");
            for method in &methods {
                let grant = listed.grant(method.as_bytes());
                assert_eq!(grant.map(HeaderValue::as_bytes), Some(method.as_bytes()));
            }
            for other in ["m0", "M", "PUT", &format!("M{count}")] {
                assert_eq!(listed.grant(other.as_bytes()), None, "{other} of {count}");
            }
        }
    }
}
