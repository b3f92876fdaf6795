//! `Access-Control-Allow-Headers`: the request headers a preflight may ask for, their
//! validation, and the check of `Access-Control-Request-Headers`.

use std::{cell::Cell, ops::ControlFlow};

use http::{
    HeaderMap, HeaderValue,
    header::{self, GetAll},
};

use super::{Config, ConfigError, HeaderList, Refusal, RequestHeadersProblem, ResponseHeaders};
use crate::headers::{
    acrh::{self, Malformed},
    names::{HeaderNameSet, is_forbidden_request_header},
};

/// `Access-Control-Allow-Headers: *`.
static ANY_HEADER: HeaderValue = HeaderValue::from_static("*");

/// Request headers a preflight may ask for.
#[derive(Debug, Default)]
pub(super) struct AllowHeaders {
    /// `*`: every name but `authorization`.
    any: bool,
    /// Names listed explicitly.
    listed: HeaderNameSet,
}

/// What a granted preflight's `Access-Control-Allow-Headers` says.
#[derive(Debug)]
pub(super) enum HeadersGrant<'a> {
    /// Nothing was requested.
    None,
    /// `*`, legal only without credentials.
    Any,
    /// The requested lines, echoed.
    Echo(GetAll<'a, HeaderValue>),
}

impl AllowHeaders {
    /// Checks every name, appending each problem to `errors`.
    pub(super) fn validate(config: &Config, errors: &mut Vec<ConfigError>) -> Self {
        let mut allowed = Self::default();
        for value in &config.headers {
            if value == "*" {
                allowed.any = true;
                continue;
            }
            let Some(name) = HeaderList::AllowHeaders.name(value, errors) else {
                continue;
            };
            if is_forbidden_request_header(&name) {
                errors.push(ConfigError::ForbiddenRequestHeader {
                    name: value.clone(),
                });
            } else {
                allowed.listed.insert(&name);
            }
        }
        allowed
    }

    /// The names granted, lowercase, `*` first, for [`Grants`](crate::Grants).
    pub(super) fn grants(&self) -> Vec<String> {
        let mut names = self.listed.names();
        if self.any {
            names.insert(0, "*".to_owned());
        }
        names
    }

    /// Whether one requested name (as sent: browsers lowercase, proxies may not) is allowed.
    /// `Err(true)` when it is `authorization` under `*`, which must be listed by name.
    fn allows(&self, name: &[u8]) -> Result<(), bool> {
        let is_authorization = name.eq_ignore_ascii_case(b"authorization");
        if self.listed.contains(name) || (self.any && !is_authorization) {
            Ok(())
        } else {
            Err(self.any && is_authorization)
        }
    }

    /// Checks every requested header in one linear, allocation-free pass. With credentials,
    /// browsers read `*` as a header literally named `*`, so the answer echoes instead.
    pub(super) fn check<'a>(
        &self,
        request: &'a HeaderMap,
        credentials: bool,
    ) -> Result<HeadersGrant<'a>, Refusal> {
        let lines = request.get_all(header::ACCESS_CONTROL_REQUEST_HEADERS);
        let mut iter = lines.iter();
        let Some(first) = iter.next() else {
            return Ok(HeadersGrant::None);
        };
        // The line being scanned, so a refused name is reported by its place in it.
        let line = Cell::new(first);
        let mut requested = false;
        let mut authorization = false;
        let scanned = acrh::scan(
            std::iter::once(first).chain(iter).map(|current| {
                line.set(current);
                current.as_bytes()
            }),
            |element| {
                requested = true;
                authorization |= element.name.eq_ignore_ascii_case(b"authorization");
                match self.allows(element.name) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(needs_explicit_listing) => ControlFlow::Break(Refusal::HeaderNotAllowed {
                        line: line.get().clone(),
                        range: element.start..element.start + element.name.len(),
                        needs_explicit_listing,
                    }),
                }
            },
        );
        match scanned {
            Err(Malformed::TooManyEmptyElements) => Err(Refusal::MalformedRequestHeaders {
                problem: RequestHeadersProblem::TooManyEmptyElements,
            }),
            Err(Malformed::InvalidName) => Err(Refusal::MalformedRequestHeaders {
                problem: RequestHeadersProblem::InvalidName,
            }),
            Ok(Some(refusal)) => Err(refusal),
            Ok(None) if !requested => Ok(HeadersGrant::None),
            Ok(None) if self.any && !authorization && !credentials => Ok(HeadersGrant::Any),
            Ok(None) => Ok(HeadersGrant::Echo(lines)),
        }
    }

    /// The requested names this policy allows, joined, for a debug answer to a preflight
    /// refused for one of its headers: the browser then names the first that is not allowed.
    pub(super) fn allowed_of(&self, request: &HeaderMap) -> Option<HeaderValue> {
        let mut allowed = Vec::new();
        // The scan already succeeded once; the second pass cannot find anything new.
        let _ = acrh::scan::<()>(
            request
                .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .iter()
                .map(HeaderValue::as_bytes),
            |element| {
                if self.allows(element.name).is_ok() {
                    allowed.push(String::from_utf8_lossy(element.name));
                }
                ControlFlow::Continue(())
            },
        );
        HeaderValue::from_str(&allowed.join(",")).ok()
    }
}

impl HeadersGrant<'_> {
    pub(super) fn write(&self, headers: &mut impl ResponseHeaders) {
        match self {
            Self::None => {}
            Self::Any => headers.insert(&header::ACCESS_CONTROL_ALLOW_HEADERS, &ANY_HEADER),
            Self::Echo(lines) => {
                for line in lines {
                    headers.append(&header::ACCESS_CONTROL_ALLOW_HEADERS, line);
                }
            }
        }
    }
}
