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

/// The safelisted methods, which need no listing.
const SAFELISTED: [&str; 3] = ["GET", "HEAD", "POST"];

/// Methods a preflight may ask for.
#[derive(Debug)]
pub(super) struct AllowMethods {
    /// `*`: any method token except the forbidden ones, echoed.
    any: bool,
    /// The safelisted methods, then (unless `any`) the listed ones in configuration order,
    /// each granted by the policy's own value.
    known: Known,
}

/// Methods in the order they were added (for [`Grants`](crate::Grants)), each with its grant
/// built once, so an answer carries the policy's value rather than a copy of the request's.
/// Up to [`Known::FEW`] they are compared as words; past that they are hashed, so neither
/// building nor a preflight's check grows with the length of the list.
#[derive(Debug, Default)]
struct Known {
    ordered: Vec<(Box<[u8]>, HeaderValue)>,
    /// Each of `ordered`'s methods as one word and its length (the word 0 past 8 bytes,
    /// which a method of at most 8 cannot match on its length).
    words: Vec<(u64, usize)>,
    /// Indexes into `ordered` by method, once there are more than [`Known::FEW`].
    index: HashMap<Box<[u8]>, usize, KeyedState>,
}

impl Known {
    /// Up to this many methods (the three safelisted and eight more), a check compares them
    /// directly: cheaper than hashing.
    const FEW: usize = 11;

    fn insert(&mut self, method: &str) {
        if self.grant(method.as_bytes()).is_some() {
            return;
        }
        // A method token is always a valid header value.
        let Ok(grant) = shared_value(method.to_owned()) else {
            return;
        };
        self.ordered.push((method.as_bytes().into(), grant));
        let bytes = method.as_bytes();
        self.words
            .push((byte_search::packed(bytes).unwrap_or(0), bytes.len()));
        let len = self.ordered.len();
        if len > Self::FEW {
            // Just past the few, every method is indexed; after that, each new one.
            let from = if len == Self::FEW + 1 { 0 } else { len - 1 };
            for at in from..len {
                self.index.insert(self.ordered[at].0.clone(), at);
            }
        }
    }

    #[inline]
    fn grant(&self, method: &[u8]) -> Option<&HeaderValue> {
        if self.ordered.len() > Self::FEW {
            return self.index.get(method).map(|&at| &self.ordered[at].1);
        }
        let at = match byte_search::packed(method) {
            Some(word) => self
                .words
                .iter()
                .position(|&known| known == (word, method.len())),
            None => self
                .ordered
                .iter()
                .position(|(known, _)| byte_search::equal(known, method)),
        }?;
        Some(&self.ordered[at].1)
    }
}

impl AllowMethods {
    /// Checks every method, appending each problem to `errors`.
    pub(super) fn validate(config: &Config, errors: &mut Vec<ConfigError>) -> Self {
        let mut known = Known::default();
        let mut listed = Vec::new();
        for method in SAFELISTED {
            known.insert(method);
        }
        let mut any = false;
        for value in &config.methods {
            if value == "*" {
                any = true;
            } else if !is_token(value.as_bytes()) {
                errors.push(
                    super::error::several_in_one("allow_methods", value, |word| {
                        is_token(word.as_bytes())
                    })
                    .unwrap_or_else(|| ConfigError::InvalidMethod {
                        value: value.clone(),
                    }),
                );
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
                listed.push(value);
            }
        }
        if !any {
            for method in listed {
                known.insert(method);
            }
        }
        Self { any, known }
    }

    /// The methods granted besides GET, HEAD and POST, for [`Grants`](crate::Grants).
    pub(super) fn grants(&self) -> Vec<String> {
        if self.any {
            return vec!["*".to_owned()];
        }
        self.known
            .ordered
            .iter()
            .map(|(m, _)| String::from_utf8_lossy(m).into_owned())
            .filter(|m| !grammar::method::is_safelisted(m.as_bytes()))
            .collect()
    }

    /// The grant of the requested method (`None` when `Access-Control-Request-Method` is
    /// repeated), if it is allowed: the method itself, the policy's own value when it has one.
    pub(super) fn check<'a, V: AsRef<[u8]> + Clone>(
        &'a self,
        requested: Option<&'a V>,
    ) -> Result<Grant<'a, V>, Refusal<V>> {
        let method = requested.ok_or(Refusal::MalformedMethod)?;
        let bytes = method.as_ref();
        // Every known method is a token, so only an unknown one needs the grammar.
        if let Some(grant) = self.known.grant(bytes) {
            return Ok(Grant::Policy(grant));
        }
        if !is_token(bytes) {
            return Err(Refusal::MalformedMethod);
        }
        if self.any && !grammar::method::is_forbidden(bytes) {
            return Ok(Grant::Echo(method));
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
        for count in [1, Known::FEW, Known::FEW + 1, 40] {
            let mut known = Known::default();
            // Short methods are compared as words, long ones as slices.
            let methods: Vec<String> = (0..count)
                .map(|i| {
                    if i % 2 == 0 {
                        format!("M{i}")
                    } else {
                        format!("EXTENSION{i}")
                    }
                })
                .collect();
            for method in &methods {
                known.insert(method);
                known.insert(method);
            }
            assert_eq!(known.ordered.len(), count, "{count} methods");
            for method in &methods {
                let grant = known.grant(method.as_bytes());
                assert_eq!(grant.map(HeaderValue::as_bytes), Some(method.as_bytes()));
            }
            for other in [
                "m0",
                "M",
                "M0\0",
                "\0M0",
                "PUT",
                "EXTENSION",
                &format!("M{count}"),
            ] {
                assert_eq!(known.grant(other.as_bytes()), None, "{other:?} of {count}");
            }
        }
    }

    #[test]
    fn known_methods_are_granted_before_the_grammar_and_others_after() {
        let methods = |listed: &[&str]| {
            let config = Config::new().allow_methods(listed.iter().copied());
            AllowMethods::validate(&config, &mut Vec::new())
        };
        let check = |allowed: &AllowMethods, method: &'static str| {
            allowed
                .check(Some(&HeaderValue::from_static(method)))
                .map(|grant| match grant {
                    Grant::Policy(value) => format!("policy {}", value.to_str().unwrap_or("?")),
                    Grant::Echo(value) => format!("echo {}", value.to_str().unwrap_or("?")),
                    Grant::Fixed(value) => format!("fixed {}", value.as_str()),
                })
                .map_err(|refusal| refusal.kind())
        };
        let listed = methods(&["PUT", "PROPFIND"]);
        let any = methods(&["*", "PUT"]);
        let cases = [
            (&listed, "GET", Ok("policy GET")),
            (&listed, "PUT", Ok("policy PUT")),
            (&listed, "PROPFIND", Ok("policy PROPFIND")),
            (&listed, "put", Err("method_not_allowed")),
            (&listed, "PU T", Err("malformed_method")),
            (&any, "POST", Ok("policy POST")),
            (&any, "PUT", Ok("echo PUT")),
            (&any, "TRACE", Err("method_not_allowed")),
            (&any, "P(T", Err("malformed_method")),
        ];
        for (allowed, method, expected) in cases {
            assert_eq!(
                check(allowed, method),
                expected.map(str::to_owned),
                "{method}"
            );
        }
    }
}
