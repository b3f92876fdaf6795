//! The response side: the CORS check, the preflight check, and what script may read.

use std::collections::{BTreeSet, HashSet};

use super::{
    ResponseHead,
    blocked::BlockReason,
    profile::{AllowOriginRules, PreflightOrder, Profile},
    safelist::{SAFELISTED_RESPONSE_HEADERS, is_forbidden_response_header, is_safelisted_method},
};
use crate::grammar::{self, token::is_token};

/// Fetch "CORS check" with the engine's way of classifying a failure. `origin` is the request
/// origin as serialized in the request's `Origin` header (`null` when tainted or opaque).
pub(crate) fn cors_check(
    rules: &AllowOriginRules,
    origin: &str,
    credentials: bool,
    response: &ResponseHead,
) -> Result<(), BlockReason> {
    let lines = response.values("access-control-allow-origin").count();
    if rules.counts_lines && lines > 1 {
        return Err(BlockReason::MultipleAllowOriginValues {
            value: lossy(response.get("access-control-allow-origin")),
        });
    }
    let Some(allow_origin) = response.get("access-control-allow-origin") else {
        return Err(BlockReason::MissingAllowOrigin);
    };
    let value = String::from_utf8_lossy(&allow_origin).into_owned();
    if value == "*" {
        if credentials {
            return Err(BlockReason::WildcardOriginNotAllowed);
        }
        return Ok(());
    }
    if value != origin {
        return Err(if value.contains(rules.list_separators) {
            BlockReason::MultipleAllowOriginValues { value }
        } else if rules.tells_invalid_values && value != "null" && !looks_like_url(&value) {
            BlockReason::InvalidAllowOriginValue { value }
        } else {
            BlockReason::AllowOriginMismatch { value }
        });
    }
    if credentials {
        let allow_credentials = response.get("access-control-allow-credentials");
        if allow_credentials.as_deref() != Some(b"true") {
            return Err(BlockReason::InvalidAllowCredentials {
                value: lossy(allow_credentials),
            });
        }
    }
    Ok(())
}

/// What Chromium's `GURL` accepts as a URL, as far as telling an origin-like value from junk
/// goes: a scheme, `:`, and something after it.
fn looks_like_url(value: &str) -> bool {
    value.split_once(':').is_some_and(|(scheme, rest)| {
        grammar::scheme::is_valid(scheme.as_bytes()) && !rest.is_empty() && rest != "//"
    })
}

fn lossy(value: Option<Vec<u8>>) -> String {
    value
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

/// What a successful preflight allowed, to check the request and to cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PreflightGrant {
    /// `Access-Control-Allow-Methods` tokens, case kept.
    pub(crate) methods: HashSet<String>,
    /// `Access-Control-Allow-Headers` tokens, lowercase.
    pub(crate) headers: HashSet<String>,
}

/// Fetch "CORS-preflight fetch", steps after the response arrives, in the engine's order, up
/// to the parsed grant: the redirect, status and access checks, then
/// `Access-Control-Allow-Methods` and `-Headers` parsed. Whether the grant admits the request
/// is [`PreflightGrant::admits`].
pub(crate) fn preflight_grant(
    profile: &Profile,
    origin: &str,
    credentials: bool,
    response: &ResponseHead,
) -> Result<PreflightGrant, BlockReason> {
    if response.is_redirect() {
        return Err(BlockReason::PreflightDisallowedRedirect);
    }
    let status = || {
        if response.is_ok() {
            Ok(())
        } else {
            Err(BlockReason::PreflightInvalidStatus {
                status: response.status,
            })
        }
    };
    let access = || cors_check(&profile.allow_origin, origin, credentials, response);
    match profile.preflight_order {
        PreflightOrder::AccessThenStatus => {
            access()?;
            status()?;
        }
        PreflightOrder::StatusThenAccess => {
            status()?;
            access()?;
        }
    }
    // Sets, so a preflight of many names against an answer of many is linear work.
    let methods = parse_list(response, "access-control-allow-methods")
        .map_err(|token| BlockReason::InvalidAllowMethods { token })?
        .into_iter()
        .collect();
    let headers = parse_list(response, "access-control-allow-headers")
        .map_err(|token| BlockReason::InvalidAllowHeaders { token })?
        .into_iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    Ok(PreflightGrant { methods, headers })
}

impl PreflightGrant {
    /// Whether this grant admits `method` and the `unsafe_names` announced in
    /// `Access-Control-Request-Headers` (in the order the engine checks them).
    pub(crate) fn admits(
        &self,
        method: &str,
        unsafe_names: &[String],
        credentials: bool,
    ) -> Result<(), BlockReason> {
        if !self.allows_method(method, credentials) {
            return Err(BlockReason::MethodNotAllowed {
                method: method.to_owned(),
            });
        }
        match unsafe_names
            .iter()
            .find(|name| !self.allows_header(name, credentials))
        {
            Some(name) => Err(BlockReason::HeaderNotAllowed { name: name.clone() }),
            None => Ok(()),
        }
    }

    /// Fetch: a safelisted method, a listed one (byte-exact), or `*` without credentials.
    pub(crate) fn allows_method(&self, method: &str, credentials: bool) -> bool {
        is_safelisted_method(method)
            || self.methods.contains(method)
            || (!credentials && self.methods.contains("*"))
    }

    /// Fetch: a listed name (case-insensitive), or `*` without credentials. The spec keeps
    /// `Authorization` out of `*`; all three engines let it through in a fresh answer
    /// (Chromium keeps the spec's rule behind a disabled feature, Firefox behind a pref that
    /// defaults to covering it, with a console warning).
    pub(crate) fn allows_header(&self, name: &str, credentials: bool) -> bool {
        self.lists_header(name) || (!credentials && self.headers.contains("*"))
    }

    /// Whether `name` is listed (case-insensitive).
    pub(crate) fn lists_header(&self, name: &str) -> bool {
        self.headers.contains(&name.to_ascii_lowercase())
    }
}

/// Fetch "extract header list values" for a comma-separated token list: empty elements are
/// skipped; a non-token element is a failure (returned).
fn parse_list(response: &ResponseHead, name: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    for line in response.values(name) {
        for element in line.split(|&b| b == b',') {
            let element = element.trim_ascii();
            if element.is_empty() {
                continue;
            }
            if !is_token(element) {
                return Err(String::from_utf8_lossy(element).into_owned());
            }
            tokens.push(String::from_utf8_lossy(element).into_owned());
        }
    }
    Ok(tokens)
}

/// The response-header names script can read on a CORS response (Fetch "main fetch", CORS
/// filtered response): the safelisted ones, those `Access-Control-Expose-Headers` lists, or
/// all with `*` when credentials are not included; never `Set-Cookie`. Lowercase, sorted,
/// only names the response has.
pub(crate) fn readable_headers(response: &ResponseHead, credentials: bool) -> Vec<String> {
    let exposed: HashSet<String> = parse_list(response, "access-control-expose-headers")
        .unwrap_or_default()
        .into_iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    let everything = !credentials && exposed.contains("*");
    response
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| !is_forbidden_response_header(name))
        .filter(|name| {
            everything
                || SAFELISTED_RESPONSE_HEADERS.contains(&name.as_str())
                || exposed.contains(name)
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The names script can read on a same-origin (basic) response: all but `Set-Cookie`.
pub(crate) fn basic_readable_headers(response: &ResponseHead) -> Vec<String> {
    response
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .filter(|name| !is_forbidden_response_header(name))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl super::Browser {
    /// The CORS check this engine runs on a response to a request from `origin` (as its
    /// `Origin` header carried it, `null` included): byte-equal `Access-Control-Allow-Origin`
    /// (or `*` without credentials), several values refused, and with credentials
    /// `Access-Control-Allow-Credentials` exactly `true`. For a scanner judging an answer
    /// the model did not request itself, such as a Private Network Access preflight.
    ///
    /// ```
    /// use corsair::browser::{BlockReason, Browser, ResponseHead};
    ///
    /// let answer = ResponseHead::new(
    ///     204,
    ///     [("access-control-allow-origin", "https://a.example"), ("access-control-allow-credentials", "True")],
    /// );
    /// assert_eq!(Browser::Chromium.cors_check("https://a.example", false, &answer), Ok(()));
    /// assert!(matches!(
    ///     Browser::Chromium.cors_check("https://a.example", true, &answer),
    ///     Err(BlockReason::InvalidAllowCredentials { .. })
    /// ));
    /// ```
    pub fn cors_check(
        self,
        origin: &str,
        credentials: bool,
        response: &ResponseHead,
    ) -> Result<(), BlockReason> {
        cors_check(&self.profile().allow_origin, origin, credentials, response)
    }
}
