//! `Access-Control-Allow-Methods`: the methods a preflight may ask for, their validation, and
//! the check of `Access-Control-Request-Method`.

use std::{borrow::Cow, collections::HashSet};

use http::{HeaderValue, header};

use super::{Config, ConfigError, CorsRequest, Refusal, ResponseHeaders};
use crate::grammar::{self, token::is_token};
use crate::origin::KeyedState;

/// Methods a preflight may ask for.
#[derive(Debug)]
pub(super) enum AllowMethods {
    /// Any method token except the forbidden ones.
    Any,
    /// Exactly these (case-sensitive), besides the safelisted ones.
    Listed(Listed),
}

/// Listed methods: in configuration order for [`Grants`](crate::Grants), and hashed, so
/// neither building nor a preflight's check grows with the length of the list.
#[derive(Debug, Default)]
pub(super) struct Listed {
    ordered: Vec<Box<[u8]>>,
    set: HashSet<Box<[u8]>, KeyedState>,
}

impl Listed {
    fn insert(&mut self, method: &[u8]) {
        if self.set.insert(method.into()) {
            self.ordered.push(method.into());
        }
    }

    fn contains(&self, method: &[u8]) -> bool {
        self.set.contains(method)
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
                listed.insert(value.as_bytes());
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
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .filter(|m| !grammar::method::is_safelisted(m.as_bytes()))
                .collect(),
        }
    }

    /// The requested method (`None` when `Access-Control-Request-Method` is repeated), if it
    /// is allowed: it is echoed.
    pub(super) fn check<'a, R: CorsRequest<'a>>(
        &self,
        request: &R,
        requested: Option<&'a R::Value>,
    ) -> Result<Cow<'a, HeaderValue>, Refusal> {
        let method = requested
            .filter(|method| is_token(method.as_ref()))
            .ok_or(Refusal::MalformedMethod)?;
        if self.allows(method.as_ref()) {
            Ok(request.share(method))
        } else {
            Err(Refusal::MethodNotAllowed {
                method: request.share(method).into_owned(),
            })
        }
    }

    fn allows(&self, method: &[u8]) -> bool {
        grammar::method::is_safelisted(method)
            || match self {
                Self::Any => !grammar::method::is_forbidden(method),
                Self::Listed(listed) => listed.contains(method),
            }
    }
}

/// Grants the method a preflight asked for.
pub(super) fn write(method: &HeaderValue, headers: &mut impl ResponseHeaders) {
    headers.insert(&header::ACCESS_CONTROL_ALLOW_METHODS, method);
}
