//! `Access-Control-Allow-Headers`: the request headers a preflight may ask for, their
//! validation, and the check of `Access-Control-Request-Headers`.

use std::{cell::Cell, ops::ControlFlow};

use http::HeaderValue;

use super::{
    Config, ConfigError, CorsRequest, FirstValue, FixedValue, HeaderList, Refusal, RequestHeader,
    RequestHeadersProblem, ResponseHeader, ResponseHeaders,
};
use crate::headers::{
    acrh::{self, Malformed},
    names::{HeaderNameSet, is_forbidden_request_header},
};

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
pub(super) enum HeadersGrant<'a, V> {
    /// Nothing was requested.
    None,
    /// `*`, legal only without credentials.
    Any,
    /// The requested lines, echoed in order: the first, and any others (a list only when
    /// a proxy split the header, so the usual answer allocates nothing).
    Echo(&'a V, Vec<&'a V>),
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
    // Out of line, it costs an allowed preflight about 100 instructions more (callgrind).
    #[inline]
    fn allows(&self, name: &[u8]) -> Result<(), bool> {
        if self.listed.contains(name) {
            Ok(())
        } else if !self.any {
            Err(false)
        } else if is_authorization(name) {
            Err(true)
        } else {
            Ok(())
        }
    }

    /// Checks every requested header in one linear, allocation-free pass. With credentials,
    /// browsers read `*` as a header literally named `*`, so the answer echoes instead.
    /// `first_line` is the request's first `Access-Control-Request-Headers`; the others are
    /// read from `request` only if it has more.
    pub(super) fn check<'a, R: CorsRequest<'a>>(
        &self,
        request: &R,
        first_line: Option<FirstValue<'a, R::Value>>,
        credentials: bool,
    ) -> Result<HeadersGrant<'a, R::Value>, Refusal<R::Value>> {
        let Some(FirstValue {
            value: first,
            repeated,
        }) = first_line
        else {
            return Ok(HeadersGrant::None);
        };
        // A browser's line of listed names holds only tokens (every listed name is one), so
        // the scan would grant it as it is: no need to run it.
        if !repeated
            && !self.any
            && acrh::each_joined_name(first.as_ref(), |name| self.listed.contains(name))
        {
            return Ok(HeadersGrant::Echo(first, Vec::new()));
        }
        self.scan(request, first, repeated, credentials)
    }

    /// The whole check of the lines of `Access-Control-Request-Headers`, `first` and, when
    /// `repeated`, the request's others.
    fn scan<'a, R: CorsRequest<'a>>(
        &self,
        request: &R,
        first: &'a R::Value,
        repeated: bool,
        credentials: bool,
    ) -> Result<HeadersGrant<'a, R::Value>, Refusal<R::Value>> {
        let lines = repeated
            .then(|| {
                request
                    .values(RequestHeader::AccessControlRequestHeaders)
                    .skip(1)
            })
            .into_iter()
            .flatten();
        // The line being scanned, so a refused name is reported by its place in it; the
        // lines after the first, kept for the echo (there are none unless a proxy split the
        // header, so this allocates nothing as a rule).
        let line = Cell::new(first);
        let mut rest = Vec::new();
        let mut requested = false;
        let mut authorization = false;
        let scanned = acrh::scan(
            std::iter::once(first)
                .chain(lines.inspect(|next| rest.push(*next)))
                .map(|current| {
                    line.set(current);
                    current.as_ref()
                }),
            |element| {
                requested = true;
                // Only `*` treats `authorization` apart.
                authorization |= self.any && is_authorization(element.name);
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
            Ok(None) => Ok(HeadersGrant::Echo(first, rest)),
        }
    }

    /// The requested names this policy allows, joined, for a debug answer to a preflight
    /// refused for one of its headers: the browser then names the first that is not allowed.
    pub(super) fn allowed_of<'a>(&self, request: &impl CorsRequest<'a>) -> Option<HeaderValue> {
        let mut allowed = Vec::new();
        // The scan already succeeded once; the second pass cannot find anything new.
        let _ = acrh::scan::<()>(
            request
                .values(RequestHeader::AccessControlRequestHeaders)
                .map(AsRef::as_ref),
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

fn is_authorization(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"authorization")
}

impl<V: AsRef<[u8]> + 'static> HeadersGrant<'_, V> {
    pub(super) fn write(&self, headers: &mut impl ResponseHeaders) {
        match self {
            Self::None => {}
            Self::Any => {
                headers.append_fixed(ResponseHeader::AccessControlAllowHeaders, FixedValue::Any);
            }
            Self::Echo(first, rest) => {
                for line in std::iter::once(first).chain(rest) {
                    headers.append_echo(ResponseHeader::AccessControlAllowHeaders, *line);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, Method, Uri};
    use proptest::prelude::*;

    use super::*;
    use crate::RequestHead;

    fn allowed(headers: &[&str]) -> AllowHeaders {
        let config = Config::new().allow_headers(headers.iter().copied());
        let mut errors = Vec::new();
        let allowed = AllowHeaders::validate(&config, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        allowed
    }

    /// Lines of the pieces browsers, proxies and attackers put there: listed names in two
    /// cases, unlisted ones, whitespace, empty elements and bytes that are no token's.
    fn line() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop::sample::select(vec![
            "content-type",
            "Content-Type",
            "x-api-key",
            "x-h11",
            "x-other",
            "authorization",
            ",",
            ", ",
            " ",
            "\t",
            "x y",
            "\u{e9}",
            ";",
            "",
        ]);
        prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat().into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The shortcut for a browser's line answers exactly as the whole scan, for a few
        /// listed names (compared in turn), many (hashed) and `*`.
        #[test]
        fn the_browser_form_shortcut_answers_as_the_scan(line in line(), credentials: bool) {
            let many: Vec<String> = (0..12).map(|i| format!("x-h{i}")).collect();
            let many: Vec<&str> = many.iter().map(String::as_str).chain(["x-api-key"]).collect();
            let (method, uri, headers) = (Method::OPTIONS, Uri::from_static("/"), HeaderMap::new());
            let request = RequestHead::new(&method, &uri, &headers);
            let value = HeaderValue::from_bytes(&line).expect("no control bytes");
            let first = FirstValue { value: &value, repeated: false };
            for policy in [
                allowed(&["content-type", "x-api-key"]),
                allowed(&many),
                allowed(&["*", "x-api-key"]),
            ] {
                let checked = policy.check(&request, Some(first), credentials);
                let scanned = policy.scan(&request, &value, false, credentials);
                prop_assert_eq!(format!("{checked:?}"), format!("{scanned:?}"));
            }
        }
    }

    #[test]
    fn a_browser_line_of_listed_names_is_echoed_and_any_other_is_scanned() {
        let policy = allowed(&["content-type", "x-api-key"]);
        let (method, uri, headers) = (Method::OPTIONS, Uri::from_static("/"), HeaderMap::new());
        let request = RequestHead::new(&method, &uri, &headers);
        let check = |line: &'static str| {
            let value = HeaderValue::from_static(line);
            let first = FirstValue {
                value: &value,
                repeated: false,
            };
            format!("{:?}", policy.check(&request, Some(first), false))
        };
        assert!(check("content-type,x-api-key").starts_with("Ok(Echo("));
        assert!(check("x-api-key").starts_with("Ok(Echo("));
        assert!(check("content-type,x-other").contains("HeaderNotAllowed"));
        assert!(check("content-type,").starts_with("Ok(Echo("));
        assert!(check("content-type x-api-key").contains("InvalidName"));
    }
}
