//! Where corsair writes its answers: any response header map.

use http::{HeaderMap, HeaderName, HeaderValue, header};

/// A response header corsair writes: the CORS response headers, `Vary`, and the reason of a
/// debug answer. No other header is ever written, so an integration with header types of
/// its own maps each to its constant rather than converting names. Exhaustive on purpose,
/// as [`RequestHeader`](crate::RequestHeader) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseHeader {
    /// `Vary`.
    Vary,
    /// `Access-Control-Allow-Origin`.
    AccessControlAllowOrigin,
    /// `Access-Control-Allow-Credentials`.
    AccessControlAllowCredentials,
    /// `Access-Control-Allow-Methods`.
    AccessControlAllowMethods,
    /// `Access-Control-Allow-Headers`.
    AccessControlAllowHeaders,
    /// `Access-Control-Max-Age`.
    AccessControlMaxAge,
    /// `Access-Control-Expose-Headers`.
    AccessControlExposeHeaders,
    /// `Access-Control-Allow-Private-Network`.
    AccessControlAllowPrivateNetwork,
    /// `X-Corsair-Refusal`: why a debug answer refused (see [`DebugSwitch`](crate::DebugSwitch)).
    XCorsairRefusal,
}

static ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");
static REFUSAL: HeaderName = HeaderName::from_static("x-corsair-refusal");

impl ResponseHeader {
    /// The header's name (lowercase, as `http` spells it).
    ///
    /// ```
    /// assert_eq!(corsair::ResponseHeader::XCorsairRefusal.name(), "x-corsair-refusal");
    /// ```
    pub fn name(self) -> &'static HeaderName {
        match self {
            Self::Vary => &header::VARY,
            Self::AccessControlAllowOrigin => &header::ACCESS_CONTROL_ALLOW_ORIGIN,
            Self::AccessControlAllowCredentials => &header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            Self::AccessControlAllowMethods => &header::ACCESS_CONTROL_ALLOW_METHODS,
            Self::AccessControlAllowHeaders => &header::ACCESS_CONTROL_ALLOW_HEADERS,
            Self::AccessControlMaxAge => &header::ACCESS_CONTROL_MAX_AGE,
            Self::AccessControlExposeHeaders => &header::ACCESS_CONTROL_EXPOSE_HEADERS,
            Self::AccessControlAllowPrivateNetwork => &ALLOW_PRIVATE_NETWORK,
            Self::XCorsairRefusal => &REFUSAL,
        }
    }
}

/// A response header map corsair writes into. Implemented for [`http::HeaderMap`];
/// integrations whose framework has its own header types (actix-web) implement it on a
/// wrapper, so every framework gets the same header logic.
pub trait ResponseHeaders {
    /// Removes every header whose name starts with `access-control-`; returns whether there
    /// was any.
    fn remove_access_control(&mut self) -> bool;
    /// Replaces every value of `name` with `value`.
    fn insert(&mut self, name: ResponseHeader, value: &HeaderValue);
    /// Adds `value` after the existing values of `name`.
    fn append(&mut self, name: ResponseHeader, value: &HeaderValue);
    /// Adds a value of the request (an echoed origin, method or header list) after the
    /// existing values of `name`. `V` is the request's value type
    /// ([`CorsRequest::Value`](crate::CorsRequest::Value)): the default appends an `http` 1.x
    /// value as it is, sharing its buffer, and a copy of any other; a map of another
    /// framework overrides it to share that framework's values in turn.
    fn append_echo<V: AsRef<[u8]> + 'static>(&mut self, name: ResponseHeader, value: &V)
    where
        Self: Sized,
    {
        match (value as &dyn std::any::Any).downcast_ref::<HeaderValue>() {
            Some(value) => self.append(name, value),
            // The request's framework accepted these bytes, and `http` accepts the same.
            None => {
                if let Ok(copy) = HeaderValue::from_bytes(value.as_ref()) {
                    self.append(name, &copy);
                }
            }
        }
    }
    /// Whether some value of `name` satisfies `predicate`.
    fn any_value(&self, name: ResponseHeader, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool;
    /// Adds `value` after the existing values of `name`, unless one of them satisfies
    /// `covered`. The default asks [`any_value`](Self::any_value), then
    /// [`append`](Self::append); a map that can do both in one lookup overrides it.
    fn append_unless(
        &mut self,
        name: ResponseHeader,
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

    fn insert(&mut self, name: ResponseHeader, value: &HeaderValue) {
        HeaderMap::insert(self, name.name().clone(), value.clone());
    }

    fn append(&mut self, name: ResponseHeader, value: &HeaderValue) {
        HeaderMap::append(self, name.name().clone(), value.clone());
    }

    fn any_value(&self, name: ResponseHeader, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.get_all(name.name())
            .iter()
            .any(|value| predicate(value.as_bytes()))
    }

    fn append_unless(
        &mut self,
        name: ResponseHeader,
        value: &HeaderValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        match self.entry(name.name()) {
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
