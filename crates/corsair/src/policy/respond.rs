//! The answers: response headers for preflights and for actual responses.

use std::ops::ControlFlow;

use http::{
    HeaderMap, HeaderName, HeaderValue, Response, StatusCode,
    header::{self, GetAll, VARY},
};

use super::{AllowHeaders, Compiled, Refusal, RequestHead};
use crate::headers::acrh;

/// `Access-Control-Allow-Credentials: true`.
static TRUE: HeaderValue = HeaderValue::from_static("true");
/// `Access-Control-Allow-Headers: *`.
static ANY_HEADER: HeaderValue = HeaderValue::from_static("*");
/// What a preflight answer depends on, for caches.
static PREFLIGHT_VARY: HeaderValue = HeaderValue::from_static(
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
     Access-Control-Request-Private-Network",
);
static VARY_ORIGIN: HeaderValue = HeaderValue::from_static("Origin");

const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");
/// Carries the refusal reason in debug answers.
const REFUSAL_HEADER: HeaderName = HeaderName::from_static("x-corsair-refusal");

/// A response header map corsair writes into. Implemented for [`http::HeaderMap`];
/// integrations whose framework has its own header types (actix-web) implement it on a
/// wrapper, so every framework gets the same header logic.
pub trait ResponseHeaders {
    /// Removes every header whose name starts with `access-control-`; returns whether there
    /// was any.
    fn remove_access_control(&mut self) -> bool;
    /// Replaces every value of `name` with `value`.
    fn insert(&mut self, name: &HeaderName, value: &HeaderValue);
    /// Adds `value` after the existing values of `name`.
    fn append(&mut self, name: &HeaderName, value: &HeaderValue);
    /// Whether some value of `name` satisfies `predicate`.
    fn any_value(&self, name: &HeaderName, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool;
    /// Adds `value` after the existing values of `name`, unless one of them satisfies
    /// `covered`. The default asks [`any_value`](Self::any_value), then
    /// [`append`](Self::append); a map that can do both in one lookup overrides it.
    fn append_unless(
        &mut self,
        name: &HeaderName,
        value: &HeaderValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        if !self.any_value(name, covered) {
            self.append(name, value);
        }
    }
}

impl ResponseHeaders for HeaderMap {
    fn remove_access_control(&mut self) -> bool {
        let is_owned = |name: &&HeaderName| name.as_str().starts_with("access-control-");
        let mut removed = false;
        // One pass when there is none (the usual case); no list of names to allocate.
        // Cloning a standard name (all of the `Access-Control-*` ones are) copies nothing.
        while let Some(name) = self.keys().find(is_owned).cloned() {
            self.remove(name);
            removed = true;
        }
        removed
    }

    fn insert(&mut self, name: &HeaderName, value: &HeaderValue) {
        HeaderMap::insert(self, name.clone(), value.clone());
    }

    fn append(&mut self, name: &HeaderName, value: &HeaderValue) {
        HeaderMap::append(self, name.clone(), value.clone());
    }

    fn any_value(&self, name: &HeaderName, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.get_all(name)
            .iter()
            .any(|value| predicate(value.as_bytes()))
    }

    fn append_unless(
        &mut self,
        name: &HeaderName,
        value: &HeaderValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        match self.entry(name) {
            http::header::Entry::Occupied(mut entry) => {
                if !entry.iter().any(|existing| covered(existing.as_bytes())) {
                    entry.append(value.clone());
                }
            }
            http::header::Entry::Vacant(entry) => {
                entry.insert(value.clone());
            }
        }
    }
}

/// What the policy decided for one request.
#[derive(Debug)]
pub enum Evaluation<'a> {
    /// A preflight: answer it with [`Preflight::response`] (or [`Preflight::status`] and
    /// [`Preflight::write_headers`]) without calling the application.
    Preflight(Preflight<'a>),
    /// Any other request: call the application, then [`Actual::apply`] to its response,
    /// error responses included.
    Actual(Actual),
}

/// The answer to a preflight request.
#[derive(Debug)]
pub struct Preflight<'a> {
    policy: &'a Compiled,
    head: RequestHead<'a>,
    debug: bool,
    pub(super) allow_origin: Option<&'a HeaderValue>,
    pub(super) allow_method: Option<&'a HeaderValue>,
    pub(super) allow_headers: AllowHeaders,
    pub(super) allow_private_network: bool,
    /// The `Access-Control-Request-Headers` lines, once looked up.
    pub(super) requested: Option<GetAll<'a, HeaderValue>>,
    refusal: Option<Refusal>,
}

impl<'a> Preflight<'a> {
    pub(super) fn new(policy: &'a Compiled, head: RequestHead<'a>, debug: bool) -> Self {
        Self {
            policy,
            head,
            debug,
            allow_origin: None,
            allow_method: None,
            allow_headers: AllowHeaders::None,
            allow_private_network: false,
            requested: None,
            refusal: None,
        }
    }

    pub(super) fn refuse(&mut self, refusal: Option<Refusal>) {
        if let Some(refusal) = &refusal {
            tracing::debug!(target: "corsair", reason = %refusal, "CORS preflight refused");
        }
        self.refusal = refusal;
    }

    /// Whether the preflight is granted.
    pub fn is_allowed(&self) -> bool {
        self.refusal.is_none()
    }

    /// Why it was refused, if it was.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// The response status: the configured success status, or `403 Forbidden` for a
    /// refusal (the success status in debug mode, so the browser reports the real reason).
    pub fn status(&self) -> StatusCode {
        if self.refusal.is_some() && !self.debug {
            StatusCode::FORBIDDEN
        } else {
            self.policy.preflight_status
        }
    }

    /// Writes the answer's headers into a new response's header map.
    ///
    /// A refusal carries no grant at all (outside debug mode), only `Vary`.
    pub fn write_headers(&self, headers: &mut impl ResponseHeaders) {
        headers.append(&VARY, &PREFLIGHT_VARY);
        if self.refusal.is_some() && !self.debug {
            return;
        }
        let Some(allow_origin) = self.allow_origin else {
            return self.write_refusal_reason(headers);
        };
        headers.insert(&header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        if self.policy.credentials {
            headers.insert(&header::ACCESS_CONTROL_ALLOW_CREDENTIALS, &TRUE);
        }
        if let Some(method) = self.allow_method {
            headers.insert(&header::ACCESS_CONTROL_ALLOW_METHODS, method);
            match self.allow_headers {
                AllowHeaders::None => {}
                AllowHeaders::Any => {
                    headers.insert(&header::ACCESS_CONTROL_ALLOW_HEADERS, &ANY_HEADER);
                }
                AllowHeaders::Echo => {
                    for line in self.requested_headers() {
                        headers.append(&header::ACCESS_CONTROL_ALLOW_HEADERS, line);
                    }
                }
            }
        }
        if self.allow_private_network {
            headers.insert(&ALLOW_PRIVATE_NETWORK, &TRUE);
        }
        if self.refusal.is_none() {
            if let Some(max_age) = &self.policy.max_age {
                headers.insert(&header::ACCESS_CONTROL_MAX_AGE, max_age);
            }
        } else {
            self.write_refusal_reason(headers);
        }
    }

    /// Debug mode only: the reason in a header, and for a refused request header, the
    /// requested headers that are allowed, so the browser names the first one that is not.
    fn write_refusal_reason(&self, headers: &mut impl ResponseHeaders) {
        let Some(refusal) = &self.refusal else {
            return;
        };
        if let Ok(reason) = HeaderValue::from_str(&refusal.to_string()) {
            headers.insert(&REFUSAL_HEADER, &reason);
        }
        if matches!(refusal, Refusal::HeaderNotAllowed { .. }) {
            let mut allowed = Vec::new();
            // The scan already succeeded once; the second pass cannot find anything new.
            let _ = acrh::scan::<()>(
                self.requested_headers().map(HeaderValue::as_bytes),
                |element| {
                    if self.policy.headers.allows(element.name).is_ok() {
                        allowed.push(String::from_utf8_lossy(element.name));
                    }
                    ControlFlow::Continue(())
                },
            );
            if let Ok(value) = HeaderValue::from_str(&allowed.join(",")) {
                headers.insert(&header::ACCESS_CONTROL_ALLOW_HEADERS, &value);
            }
        }
    }

    fn requested_headers(&self) -> http::header::ValueIter<'a, HeaderValue> {
        match &self.requested {
            Some(lines) => lines.iter(),
            None => self
                .head
                .headers()
                .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .iter(),
        }
    }

    /// The whole answer as a response with an empty body.
    pub fn response<B: Default>(&self) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = self.status();
        self.write_headers(response.headers_mut());
        response
    }
}

/// The CORS headers for the application's response to a request that is not a preflight.
///
/// Owns everything it needs (no borrow of the request or the policy), so it can be held while
/// the application runs.
#[derive(Debug, Clone)]
pub struct Actual {
    pub(super) allow_origin: Option<HeaderValue>,
    pub(super) allow_credentials: bool,
    pub(super) expose: Option<HeaderValue>,
    pub(super) vary_by_origin: bool,
    pub(super) refusal: Option<Refusal>,
}

impl Actual {
    /// Whether the response will let the page read it (`false` for requests without
    /// `Origin`, which need no grant).
    pub fn is_allowed(&self) -> bool {
        self.allow_origin.is_some()
    }

    /// Why the origin was refused, if it was.
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_ref()
    }

    /// Adds the CORS headers to the application's response headers.
    ///
    /// corsair owns the `Access-Control-*` response headers: any the application set are
    /// replaced (or removed, for a refused origin), since two `Access-Control-Allow-Origin`
    /// values make every browser fail. `Vary: Origin` is added unless `Vary` already covers
    /// it; existing `Vary` values are kept.
    pub fn apply(&self, headers: &mut impl ResponseHeaders) {
        if headers.remove_access_control() {
            tracing::debug!(
                target: "corsair",
                "replaced Access-Control-* headers set by the application"
            );
        }
        if let Some(allow_origin) = &self.allow_origin {
            headers.insert(&header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
            if self.allow_credentials {
                headers.insert(&header::ACCESS_CONTROL_ALLOW_CREDENTIALS, &TRUE);
            }
            if let Some(expose) = &self.expose {
                headers.insert(&header::ACCESS_CONTROL_EXPOSE_HEADERS, expose);
            }
        }
        // Append `Vary: Origin` unless a `Vary` value already lists `Origin` or `*`.
        if self.vary_by_origin {
            headers.append_unless(&VARY, &VARY_ORIGIN, &mut |value| {
                value.split(|&b| b == b',').any(|token| {
                    let token = token.trim_ascii();
                    token == b"*" || token.eq_ignore_ascii_case(b"origin")
                })
            });
        }
    }
}
