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

/// A value corsair writes whatever the policy. An integration with header types of its own
/// maps each to its own constant ([`ResponseHeaders::append_fixed`]) instead of converting
/// the bytes on every answer. Exhaustive on purpose, as [`ResponseHeader`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedValue {
    /// `true`: `Access-Control-Allow-Credentials` and `-Allow-Private-Network`.
    True,
    /// `*`: `Access-Control-Allow-Origin` of a policy allowing any origin, and
    /// `Access-Control-Allow-Headers` of one allowing any header.
    Any,
    /// `Origin`: the `Vary` of an answer that is not a preflight's.
    Origin,
    /// `Origin, Access-Control-Request-Method, Access-Control-Request-Headers,
    /// Access-Control-Request-Private-Network`: the `Vary` of a preflight's answer.
    PreflightVary,
}

impl FixedValue {
    /// Every value, in declaration order (`ALL[value as usize] == value`).
    pub const ALL: [Self; 4] = [Self::True, Self::Any, Self::Origin, Self::PreflightVary];

    /// The value's text, for a framework's own constants.
    ///
    /// ```
    /// assert_eq!(corsair::FixedValue::True.as_str(), "true");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::True => "true",
            Self::Any => "*",
            Self::Origin => "Origin",
            Self::PreflightVary => {
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, \
                 Access-Control-Request-Private-Network"
            }
        }
    }

    /// The value as `http` writes it.
    ///
    /// ```
    /// assert_eq!(corsair::FixedValue::Origin.value(), "Origin");
    /// ```
    pub fn value(self) -> &'static HeaderValue {
        static VALUES: [HeaderValue; 4] = [
            HeaderValue::from_static(FixedValue::True.as_str()),
            HeaderValue::from_static(FixedValue::Any.as_str()),
            HeaderValue::from_static(FixedValue::Origin.as_str()),
            HeaderValue::from_static(FixedValue::PreflightVary.as_str()),
        ];
        &VALUES[self as usize]
    }
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

/// What [`ResponseHeaders::remove_access_control`] found in the application's response,
/// from the one pass over its names that the removal makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Existing {
    /// Some `Access-Control-*` header was set, and has been removed.
    pub access_control: bool,
    /// The response has a `Vary` header.
    pub vary: bool,
}

/// A response header map corsair writes into. Implemented for [`http::HeaderMap`];
/// integrations whose framework has its own header types (actix-web) implement it on a
/// wrapper, so every framework gets the same header logic.
pub trait ResponseHeaders {
    /// Removes every header whose name starts with `access-control-`; returns whether there
    /// was any, and whether the map has a `Vary` (so that an answer without one appends
    /// `Vary: Origin` without looking again).
    fn remove_access_control(&mut self) -> Existing;
    /// Replaces every value of `name` with `value`.
    fn insert(&mut self, name: ResponseHeader, value: &HeaderValue);
    /// Adds `value` after the existing values of `name`.
    fn append(&mut self, name: ResponseHeader, value: &HeaderValue);
    /// Adds one of the values every policy writes after the existing values of `name`. The
    /// default appends [`FixedValue::value`]; a map of another framework overrides it to
    /// write its own constant.
    fn append_fixed(&mut self, name: ResponseHeader, value: FixedValue) {
        self.append(name, value.value());
    }
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
    /// [`append_fixed`](Self::append_fixed); a map that can do both in one lookup overrides
    /// it.
    fn append_unless(
        &mut self,
        name: ResponseHeader,
        value: FixedValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        if !self.any_value(name, covered) {
            self.append_fixed(name, value);
        }
    }
}

impl ResponseHeaders for HeaderMap {
    fn remove_access_control(&mut self) -> Existing {
        let is_owned = |name: &HeaderName| name.as_str().starts_with("access-control-");
        let mut existing = Existing::default();
        for name in self.keys() {
            existing.access_control |= is_owned(name);
            existing.vary |= name == header::VARY;
        }
        // One pass when there is none (the usual case); no list of names to allocate.
        // Cloning a standard name (all of the `Access-Control-*` ones are) copies nothing.
        while existing.access_control
            && let Some(name) = self.keys().find(|name| is_owned(name)).cloned()
        {
            self.remove(name);
        }
        existing
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
        value: FixedValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        let value = value.value();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_value_is_indexed_by_itself_and_written_as_its_text() {
        for value in FixedValue::ALL {
            assert_eq!(FixedValue::ALL[value as usize], value);
            assert_eq!(value.value(), value.as_str());
        }
        let texts = FixedValue::ALL.map(FixedValue::as_str);
        assert!(
            texts
                .iter()
                .enumerate()
                .all(|(i, text)| !texts[..i].contains(text))
        );
    }

    #[test]
    fn the_removal_reports_the_cors_headers_it_removed_and_whether_vary_is_there() {
        let mut map = HeaderMap::new();
        for (name, value) in [
            ("access-control-allow-origin", "*"),
            ("content-type", "text/plain"),
            ("access-control-allow-origin", "https://a.example"),
            ("access-control-max-age", "600"),
            ("access-control-x-custom", "1"),
        ] {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let existing = map.remove_access_control();
        assert_eq!(
            existing,
            Existing {
                access_control: true,
                vary: false
            }
        );
        assert_eq!(map.keys().collect::<Vec<_>>(), ["content-type"]);
        assert_eq!(map.remove_access_control(), Existing::default());
        map.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        assert_eq!(
            map.remove_access_control(),
            Existing {
                access_control: false,
                vary: true
            }
        );
    }
}
