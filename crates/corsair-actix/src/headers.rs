//! The engine reading actix-web requests, and writing actix-web responses, across the
//! `http` 0.2 (actix-web 4) / `http` 1.x (engine) gap. Both versions accept exactly the same
//! names and values, so no conversion fails in practice; one that did would drop that
//! header, and is logged.
//!
//! The engine reads a request in place through [`ActixRequest`]: nothing is copied, and a
//! refusal and an echoing grant (an origin, method or header list) hold actix-web's own
//! values. Only when the policy has origin predicates, which may read any part of the
//! request as `http` 1.x types, is the request copied for them ([`Carried`]). Of the
//! response, names are mapped to the other version's constants, echoed values (a listed
//! origin among them) are the request's own, the values every policy writes are constants,
//! and the policy's other values are converted once per thread.

use std::{any::Any, cell::RefCell};

use actix_web::{
    dev::ServiceRequest,
    http::{
        Method,
        header::{self, HeaderMap, HeaderName, HeaderValue},
    },
};
use corsair::{
    CorsRequest, Existing, FixedValue, RequestHead, RequestHeader, ResponseHeader, ResponseHeaders,
};

static REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// The actix-web name of a header the engine reads.
fn request_name(header: RequestHeader) -> &'static HeaderName {
    match header {
        RequestHeader::Origin => &header::ORIGIN,
        RequestHeader::AccessControlRequestMethod => &header::ACCESS_CONTROL_REQUEST_METHOD,
        RequestHeader::AccessControlRequestHeaders => &header::ACCESS_CONTROL_REQUEST_HEADERS,
        RequestHeader::AccessControlRequestPrivateNetwork => &REQUEST_PRIVATE_NETWORK,
        RequestHeader::SecFetchSite => &SEC_FETCH_SITE,
        RequestHeader::Host => &header::HOST,
        RequestHeader::Upgrade => &header::UPGRADE,
        RequestHeader::SecWebSocketVersion => &header::SEC_WEBSOCKET_VERSION,
        RequestHeader::XForwardedHost => &X_FORWARDED_HOST,
    }
}

/// The actix-web name of a header the engine writes.
fn response_name(header: ResponseHeader) -> &'static HeaderName {
    match header {
        ResponseHeader::Vary => &header::VARY,
        ResponseHeader::AccessControlAllowOrigin => &header::ACCESS_CONTROL_ALLOW_ORIGIN,
        ResponseHeader::AccessControlAllowCredentials => &header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        ResponseHeader::AccessControlAllowMethods => &header::ACCESS_CONTROL_ALLOW_METHODS,
        ResponseHeader::AccessControlAllowHeaders => &header::ACCESS_CONTROL_ALLOW_HEADERS,
        ResponseHeader::AccessControlMaxAge => &header::ACCESS_CONTROL_MAX_AGE,
        ResponseHeader::AccessControlExposeHeaders => &header::ACCESS_CONTROL_EXPOSE_HEADERS,
        ResponseHeader::AccessControlAllowPrivateNetwork => &ALLOW_PRIVATE_NETWORK,
        ResponseHeader::XCorsairRefusal => &REFUSAL,
    }
}

static ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");
static REFUSAL: HeaderName = HeaderName::from_static("x-corsair-refusal");

/// The actix-web value of each value the engine writes whatever the policy. Each is a
/// constant, copied where it is written: cloning a shared one calls through its buffer's
/// vtable.
fn fixed(value: FixedValue) -> HeaderValue {
    const TRUE: HeaderValue = HeaderValue::from_static(FixedValue::True.as_str());
    const ANY: HeaderValue = HeaderValue::from_static(FixedValue::Any.as_str());
    const ORIGIN: HeaderValue = HeaderValue::from_static(FixedValue::Origin.as_str());
    const PREFLIGHT_VARY: HeaderValue =
        HeaderValue::from_static(FixedValue::PreflightVary.as_str());
    match value {
        FixedValue::True => TRUE,
        FixedValue::Any => ANY,
        FixedValue::Origin => ORIGIN,
        FixedValue::PreflightVary => PREFLIGHT_VARY,
    }
}

/// The engine's view of an actix-web request, read in place; with the whole request as
/// `http` 1.x types beside it when origin predicates need them ([`Carried`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActixRequest<'r> {
    request: &'r ServiceRequest,
    head: Option<RequestHead<'r>>,
}

impl<'r> ActixRequest<'r> {
    pub(crate) fn new(request: &'r ServiceRequest) -> Self {
        Self {
            request,
            head: None,
        }
    }

    /// The view of `request` whose predicates see `head`, its copy.
    pub(crate) fn with_head(request: &'r ServiceRequest, head: RequestHead<'r>) -> Self {
        Self {
            request,
            head: Some(head),
        }
    }
}

impl<'a, 'r: 'a> CorsRequest<'a> for ActixRequest<'r> {
    type Value = HeaderValue;

    // As `corsair::RequestHead` does: `Method::as_str` is a call from this crate, and the
    // methods a policy asks about are matched here, in line.
    #[inline]
    fn method(&self) -> &str {
        match *self.request.method() {
            Method::OPTIONS => "OPTIONS",
            Method::GET => "GET",
            Method::POST => "POST",
            ref other => other.as_str(),
        }
    }

    fn path(&self) -> &str {
        self.request.uri().path()
    }

    fn authority(&self) -> Option<&str> {
        self.request
            .uri()
            .authority()
            .map(|authority| authority.as_str())
    }

    fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a HeaderValue> {
        let request: &'r ServiceRequest = self.request;
        request.headers().get_all(request_name(header))
    }

    fn head(&self) -> Option<RequestHead<'_>> {
        self.head
    }
}

/// A whole actix-web request as `http` 1.x types, for origin predicates: the method, the URI
/// and every header. The header map is the caller's, reused from one request to the next.
#[derive(Debug)]
pub(crate) struct Carried {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
}

impl Carried {
    /// Copies `request` into `headers`, an empty map.
    pub(crate) fn new(request: &ServiceRequest, mut headers: http::HeaderMap) -> Self {
        let method = request.method();
        let source = request.headers();
        headers.reserve(source.len());
        // One name's values come out in the order they were received, which the engine
        // relies on (several `Access-Control-Request-Headers` lines are echoed in order).
        for (name, value) in source.iter() {
            let copy = http::HeaderName::from_bytes(name.as_str().as_bytes())
                .inspect_err(|error| dropped("request header name", name.as_str(), error))
                .ok()
                .zip(
                    http::HeaderValue::from_bytes(value.as_bytes())
                        .inspect_err(|error| {
                            dropped("request header value", name.as_str(), error);
                        })
                        .ok(),
                );
            if let Some((name, value)) = copy {
                headers.append(name, value);
            }
        }
        Self {
            method: http::Method::from_bytes(method.as_str().as_bytes()).unwrap_or_else(|error| {
                dropped("method", method.as_str(), &error);
                http::Method::default()
            }),
            uri: carry_uri(request),
            headers,
        }
    }

    /// The engine's view.
    pub(crate) fn head(&self) -> RequestHead<'_> {
        RequestHead::new(&self.method, &self.uri, &self.headers)
    }

    /// The emptied header map, for the next request.
    pub(crate) fn recycle(mut self) -> http::HeaderMap {
        self.headers.clear();
        self.headers
    }
}

fn carry_uri(request: &ServiceRequest) -> http::Uri {
    let uri = request.uri();
    let converted = match uri.path_and_query() {
        // The usual origin form (`/path?query`): no formatting needed.
        Some(path) if uri.scheme().is_none() => http::Uri::try_from(path.as_str()),
        _ => http::Uri::try_from(uri.to_string()),
    };
    converted.unwrap_or_else(|error| {
        dropped("URI", &uri.to_string(), &error);
        http::Uri::default()
    })
}

/// Values converted for the engine's other values (the policy's `Access-Control-Max-Age`
/// and `-Expose-Headers`), by content, per thread; small and bounded.
const CONVERTED_LIMIT: usize = 32;

thread_local! {
    static CONVERTED: RefCell<Vec<(http::HeaderValue, HeaderValue)>> =
        const { RefCell::new(Vec::new()) };
}

/// The actix-web value with the bytes of `value`, written as `header`; `None` (logged) if
/// actix-web refuses the bytes. Converted once per thread (the policy's values repeat on every
/// answer) and shared.
fn actix_value(header: ResponseHeader, value: &http::HeaderValue) -> Option<HeaderValue> {
    // The policy clones its values into every answer, so they share its buffers: a known
    // buffer is found by address (the cache holds it, so no other value can have it).
    let bytes = value.as_bytes();
    let shared = CONVERTED.try_with(|converted| {
        let converted = converted.try_borrow().ok()?;
        converted
            .iter()
            .find(|(known, _)| {
                known.as_bytes().as_ptr() == bytes.as_ptr() && known.len() == bytes.len()
            })
            .map(|(_, known)| known.clone())
    });
    match shared {
        Ok(Some(known)) => Some(known),
        _ => convert(header, value),
    }
}

/// The first conversion of a value on this thread, one with the bytes of a known value in
/// another buffer, or a refusal's reason (which differs from one refusal to the next: not
/// worth keeping).
#[cold]
fn convert(header: ResponseHeader, value: &http::HeaderValue) -> Option<HeaderValue> {
    let bytes = value.as_bytes();
    let remember = header != ResponseHeader::XCorsairRefusal;
    let converted = CONVERTED.try_with(|converted| {
        let mut converted = converted.try_borrow_mut().ok().filter(|_| remember)?;
        // The same bytes in a new buffer: a reloaded policy's value. Keyed by the new buffer
        // from now on, so that its answers find it by address and the old one is released.
        if let Some((key, known)) = converted
            .iter_mut()
            .find(|(known, _)| known.as_bytes() == bytes)
        {
            *key = value.clone();
            return Some(Ok(known.clone()));
        }
        let copied = HeaderValue::from_bytes(bytes);
        if let Ok(copied) = &copied {
            if converted.len() == CONVERTED_LIMIT {
                converted.clear();
            }
            converted.push((value.clone(), copied.clone()));
        }
        Some(copied)
    });
    converted
        .ok()
        .flatten()
        .unwrap_or_else(|| HeaderValue::from_bytes(bytes))
        .inspect_err(|error| dropped("response header value", header.name().as_str(), error))
        .ok()
}

/// The engine's view of an actix-web response header map.
pub(crate) struct ActixHeaders<'a> {
    headers: &'a mut HeaderMap,
}

impl<'a> ActixHeaders<'a> {
    pub(crate) fn new(headers: &'a mut HeaderMap) -> Self {
        Self { headers }
    }
}

impl ResponseHeaders for ActixHeaders<'_> {
    fn remove_access_control(&mut self) -> Existing {
        let is_owned = |name: &HeaderName| name.as_str().starts_with("access-control-");
        // Looked for first: there is none as a rule, and looking costs less than rebuilding.
        let mut existing = Existing::default();
        for name in self.headers.keys() {
            existing.access_control |= is_owned(name);
            existing.vary |= *name == header::VARY;
        }
        if existing.access_control {
            self.headers.retain(|name, _| !is_owned(name));
        }
        existing
    }

    fn insert(&mut self, header: ResponseHeader, value: &http::HeaderValue) {
        if let Some(value) = actix_value(header, value) {
            self.headers.insert(response_name(header).clone(), value);
        }
    }

    fn append(&mut self, header: ResponseHeader, value: &http::HeaderValue) {
        if let Some(value) = actix_value(header, value) {
            self.headers.append(response_name(header).clone(), value);
        }
    }

    fn append_fixed(&mut self, header: ResponseHeader, value: FixedValue) {
        self.headers
            .append(response_name(header).clone(), fixed(value));
    }

    /// The request's own value, shared: the engine echoes what it read through
    /// [`ActixRequest`], whose values are actix-web's.
    fn append_echo<V: AsRef<[u8]> + 'static>(&mut self, header: ResponseHeader, value: &V) {
        match (value as &dyn Any).downcast_ref::<HeaderValue>() {
            Some(value) => {
                self.headers
                    .append(response_name(header).clone(), value.clone());
            }
            None => match http::HeaderValue::from_bytes(value.as_ref()) {
                Ok(value) => self.append(header, &value),
                Err(error) => dropped("response header value", header.name().as_str(), &error),
            },
        }
    }

    fn any_value(&self, header: ResponseHeader, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.headers
            .get_all(response_name(header))
            .any(|value| predicate(value.as_bytes()))
    }
}

#[cold]
fn dropped(what: &str, value: &str, error: &dyn std::error::Error) {
    tracing::warn!(
        target: "corsair",
        what,
        value,
        %error,
        "not carried between actix-web and corsair"
    );
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn preflight() -> ServiceRequest {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/items?page=2")
            .append_header(("access-control-request-headers", "b"))
            .append_header(("origin", "https://a.example"))
            .append_header(("host", "api.example"))
            .append_header(("access-control-request-method", "PUT"))
            .append_header(("access-control-request-private-network", "true"))
            .append_header(("access-control-request-headers", "a"))
            .to_srv_request()
    }

    #[test]
    fn the_engine_reads_every_value_in_place_and_in_order() {
        let request = preflight();
        let view = ActixRequest::new(&request);
        assert_eq!(CorsRequest::method(&view), "OPTIONS");
        assert_eq!(view.path(), "/items");
        assert_eq!(view.authority(), None);
        let lines: Vec<_> = view
            .values(RequestHeader::AccessControlRequestHeaders)
            .collect();
        assert_eq!(lines, ["b", "a"]);
        let origin = view.values(RequestHeader::Origin).next().unwrap();
        assert_eq!(
            origin.as_bytes().as_ptr(),
            request.headers().get("origin").unwrap().as_bytes().as_ptr(),
            "read in place, not copied"
        );
        for (header, value) in [
            (RequestHeader::AccessControlRequestMethod, "PUT"),
            (RequestHeader::AccessControlRequestPrivateNetwork, "true"),
            (RequestHeader::Host, "api.example"),
        ] {
            let values: Vec<_> = view.values(header).collect();
            assert_eq!(values, [value], "{header:?}");
        }
        assert_eq!(view.values(RequestHeader::SecFetchSite).count(), 0);
        assert!(view.head().is_none(), "no head: predicates get a copy");
    }

    #[test]
    fn an_echo_is_the_request_s_own_value_and_others_are_copied() {
        let request = preflight();
        let origin = request.headers().get("origin").unwrap();
        let mut response = HeaderMap::new();
        let mut headers = ActixHeaders::new(&mut response);
        headers.append_echo(ResponseHeader::AccessControlAllowOrigin, origin);
        let other = http::HeaderValue::from_static("x-echoed");
        headers.append_echo(ResponseHeader::AccessControlAllowHeaders, &other);
        let written = response.get("access-control-allow-origin").unwrap();
        assert_eq!(written, "https://a.example");
        assert_eq!(
            written.as_bytes().as_ptr(),
            origin.as_bytes().as_ptr(),
            "shared, not copied"
        );
        assert_eq!(
            response.get("access-control-allow-headers").unwrap(),
            "x-echoed"
        );
    }

    #[test]
    fn predicates_get_the_whole_request_in_order() {
        let carried = Carried::new(&preflight(), http::HeaderMap::new());
        let head = carried.head();
        assert_eq!(head.method(), http::Method::OPTIONS);
        assert_eq!(head.uri(), "/items?page=2");
        let lines: Vec<_> = head
            .headers()
            .get_all("access-control-request-headers")
            .iter()
            .collect();
        assert_eq!(lines, ["b", "a"]);
        assert_eq!(head.headers()["origin"], "https://a.example");
        assert_eq!(head.headers()["host"], "api.example");
        assert_eq!(
            head.headers()["access-control-request-private-network"],
            "true"
        );
        assert!(carried.recycle().is_empty());
    }

    #[test]
    fn absolute_uris_are_kept_whole() {
        let request = TestRequest::default()
            .uri("http://api.example:8080/items")
            .to_srv_request();
        let carried = Carried::new(&request, http::HeaderMap::new());
        assert_eq!(carried.head().uri(), "http://api.example:8080/items");
        let view = ActixRequest::new(&request);
        assert_eq!(view.authority(), Some("api.example:8080"));
    }

    #[test]
    fn a_listed_origin_is_granted_as_the_request_s_own_value() {
        let policy = corsair::Config::new()
            .allow_origins(["https://a.example", "https://*.b.example"])
            .build()
            .unwrap();
        for origin in ["https://a.example", "https://x.b.example"] {
            let request = TestRequest::default()
                .append_header(("origin", origin))
                .to_srv_request();
            let corsair::Evaluation::Actual(cors) = policy.evaluate(&ActixRequest::new(&request))
            else {
                unreachable!("not a preflight")
            };
            let mut response = HeaderMap::new();
            cors.apply(&mut ActixHeaders::new(&mut response));
            let written = response.get("access-control-allow-origin").unwrap();
            let sent = request.headers().get("origin").unwrap();
            assert_eq!(written, sent);
            assert_eq!(
                written.as_bytes().as_ptr(),
                sent.as_bytes().as_ptr(),
                "{origin}: shared, not copied"
            );
        }
    }

    #[test]
    fn a_converted_value_is_found_by_its_buffer_or_its_bytes() {
        const TEXT: &str = "x-converted-once";
        let policy_value = http::HeaderValue::from_static(TEXT);
        let header = ResponseHeader::AccessControlExposeHeaders;
        let first = actix_value(header, &policy_value).unwrap();
        let again = actix_value(header, &policy_value.clone()).unwrap();
        assert_eq!(first.as_bytes().as_ptr(), again.as_bytes().as_ptr());
        // Equal bytes in another buffer find the same conversion.
        let elsewhere = http::HeaderValue::from_bytes(TEXT.as_bytes()).unwrap();
        assert_ne!(
            elsewhere.as_bytes().as_ptr(),
            policy_value.as_bytes().as_ptr()
        );
        let by_bytes = actix_value(header, &elsewhere).unwrap();
        assert_eq!(by_bytes.as_bytes().as_ptr(), first.as_bytes().as_ptr());
        // ...and key it from then on, as a reloaded policy's value.
        let keyed_by = |value: &http::HeaderValue| {
            CONVERTED.with_borrow(|converted| {
                converted
                    .iter()
                    .any(|(known, _)| known.as_bytes().as_ptr() == value.as_bytes().as_ptr())
            })
        };
        assert!(keyed_by(&elsewhere));
        assert!(!keyed_by(&policy_value));
        // The start of a known buffer is not the whole value.
        let prefix = http::HeaderValue::from_static(&TEXT[..11]);
        assert_eq!(prefix.as_bytes().as_ptr(), policy_value.as_bytes().as_ptr());
        assert_eq!(actix_value(header, &prefix).unwrap(), "x-converted");
    }

    #[test]
    fn every_fixed_value_has_the_engine_s_bytes() {
        for value in FixedValue::ALL {
            assert_eq!(
                fixed(value).as_bytes(),
                value.value().as_bytes(),
                "{value:?}"
            );
        }
    }

    #[test]
    fn fixed_values_are_written_without_conversion() {
        // What the engine writes under every policy: the answers of a policy allowing `*`.
        let policy = corsair::Config::new()
            .allow_origins(["*"])
            .allow_headers(["*"])
            .build()
            .unwrap();
        let preflight = http::Request::options("/")
            .header("origin", "https://a.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-a")
            .body(())
            .unwrap();
        let corsair::Evaluation::Preflight(answer) =
            policy.evaluate(&RequestHead::from(&preflight))
        else {
            unreachable!("a preflight")
        };
        let mut map = HeaderMap::new();
        answer.write_headers(&mut ActixHeaders::new(&mut map));
        let credentials = corsair::Config::new()
            .allow_origins(["https://a.example"])
            .allow_credentials(true)
            .build()
            .unwrap();
        let get = http::Request::get("/")
            .header("origin", "https://a.example")
            .body(())
            .unwrap();
        let corsair::Evaluation::Actual(cors) = credentials.evaluate(&RequestHead::from(&get))
        else {
            unreachable!("not a preflight")
        };
        let mut actual = HeaderMap::new();
        cors.apply(&mut ActixHeaders::new(&mut actual));
        for (map, name) in [
            (&map, "vary"),
            (&map, "access-control-allow-origin"),
            (&map, "access-control-allow-headers"),
            (&actual, "vary"),
            (&actual, "access-control-allow-credentials"),
        ] {
            let written = map.get(name).unwrap();
            assert!(
                FixedValue::ALL
                    .map(fixed)
                    .iter()
                    .any(|fixed| fixed.as_bytes().as_ptr() == written.as_bytes().as_ptr()),
                "{name}: {written:?} converted"
            );
        }
        // Any other value is converted once per thread, then shared.
        let max_age = http::HeaderValue::from_static("600");
        let first = actix_value(ResponseHeader::AccessControlMaxAge, &max_age).unwrap();
        let second = actix_value(ResponseHeader::AccessControlMaxAge, &max_age).unwrap();
        assert_eq!(first, "600");
        assert_eq!(first.as_bytes().as_ptr(), second.as_bytes().as_ptr());
    }

    #[test]
    fn response_headers_are_written_through() {
        let mut map = HeaderMap::new();
        map.append(
            HeaderName::from_static("access-control-allow-origin"),
            HeaderValue::from_static("*"),
        );
        map.append(
            HeaderName::from_static("vary"),
            HeaderValue::from_static("accept-encoding"),
        );
        let mut headers = ActixHeaders::new(&mut map);
        let vary_only = Existing {
            access_control: false,
            vary: true,
        };
        assert_eq!(
            headers.remove_access_control(),
            Existing {
                access_control: true,
                ..vary_only
            }
        );
        assert_eq!(headers.remove_access_control(), vary_only);
        let vary = ResponseHeader::Vary;
        headers.append(vary, &http::HeaderValue::from_static("Origin"));
        headers.insert(
            ResponseHeader::AccessControlAllowPrivateNetwork,
            &http::HeaderValue::from_static("true"),
        );
        assert!(headers.any_value(vary, &mut |value| value == b"Origin"));
        assert!(!headers.any_value(vary, &mut |value| value == b"*"));
        let vary: Vec<_> = map.get_all("vary").collect();
        assert_eq!(vary, ["accept-encoding", "Origin"]);
        assert_eq!(
            map.get("access-control-allow-private-network").unwrap(),
            "true"
        );
        assert!(map.get("access-control-allow-origin").is_none());
    }

    #[test]
    fn a_response_without_vary_or_cors_headers_is_reported_as_such() {
        let mut map = HeaderMap::new();
        map.append(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("text/plain"),
        );
        let mut headers = ActixHeaders::new(&mut map);
        assert_eq!(headers.remove_access_control(), Existing::default());
        assert_eq!(map.len(), 1);
    }
}
