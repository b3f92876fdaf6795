//! Carrying headers across the `http` 0.2 (actix-web 4) / `http` 1.x (engine) gap, byte for
//! byte. Both versions accept exactly the same names and values, so no conversion fails in
//! practice; one that did would drop that header, and is logged.
//!
//! Neither version can hand its value's buffer to the other, so a value crosses the gap as a
//! copy; this module copies as little as it can. Of the request, only the headers the engine
//! reads, unless the policy has origin predicates (which may read anything). Of the response,
//! names are mapped to the other version's constants, values the engine echoed from the
//! request are the request's own, and the policy's fixed values are converted once per thread.

use std::cell::RefCell;

use actix_web::{
    dev::ServiceRequest,
    http::header::{self, HeaderMap, HeaderName, HeaderValue, InvalidHeaderValue},
};
use corsair::{RequestHead, ResponseHeaders};

/// The request headers the engine reads, under both versions' names.
static CORS_REQUEST_HEADERS: [(HeaderName, http::HeaderName); 4] = [
    (header::ORIGIN, http::header::ORIGIN),
    (
        header::ACCESS_CONTROL_REQUEST_METHOD,
        http::header::ACCESS_CONTROL_REQUEST_METHOD,
    ),
    (
        header::ACCESS_CONTROL_REQUEST_HEADERS,
        http::header::ACCESS_CONTROL_REQUEST_HEADERS,
    ),
    (
        HeaderName::from_static("access-control-request-private-network"),
        http::HeaderName::from_static("access-control-request-private-network"),
    ),
];

/// The request headers the cross-origin protections read, for every method.
static PROTECTION_REQUEST_HEADERS: [(HeaderName, http::HeaderName); 5] = [
    (
        HeaderName::from_static("sec-fetch-site"),
        http::HeaderName::from_static("sec-fetch-site"),
    ),
    (header::HOST, http::header::HOST),
    (header::UPGRADE, http::header::UPGRADE),
    // An HTTP/2 handshake (extended CONNECT) has no `Upgrade`, only this.
    (
        header::SEC_WEBSOCKET_VERSION,
        http::header::SEC_WEBSOCKET_VERSION,
    ),
    (
        HeaderName::from_static("x-forwarded-host"),
        http::HeaderName::from_static("x-forwarded-host"),
    ),
];

/// What of a request the engine needs carried over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reads {
    /// Everything: origin predicates may read any part of the request.
    pub(crate) whole: bool,
    /// The path, for write exemptions.
    pub(crate) path: bool,
}

impl Reads {
    pub(crate) const WHOLE: Self = Self {
        whole: true,
        path: true,
    };
}

/// The response headers the engine writes (but for debug answers' reason), both versions.
static CORS_RESPONSE_HEADERS: [(http::HeaderName, HeaderName); 8] = [
    (http::header::VARY, header::VARY),
    (
        http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
    ),
    (
        http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ),
    (
        http::header::ACCESS_CONTROL_ALLOW_METHODS,
        header::ACCESS_CONTROL_ALLOW_METHODS,
    ),
    (
        http::header::ACCESS_CONTROL_ALLOW_HEADERS,
        header::ACCESS_CONTROL_ALLOW_HEADERS,
    ),
    (
        http::header::ACCESS_CONTROL_MAX_AGE,
        header::ACCESS_CONTROL_MAX_AGE,
    ),
    (
        http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
    ),
    (
        http::HeaderName::from_static("access-control-allow-private-network"),
        HeaderName::from_static("access-control-allow-private-network"),
    ),
];

/// What the engine reads of an actix-web request, as `http` 1.x types: the method and the
/// headers of [`CORS_REQUEST_HEADERS`] (`Origin` alone unless the method is `OPTIONS`, as the
/// engine reads nothing else then), and the protections' headers; the URI when write
/// exemptions read the path, on HTTP/2 (`:authority`) and when decisions are logged (their
/// route); with `whole`, the URI and every header, for origin predicates. The header map is the caller's, reused from one request to the next.
#[derive(Debug)]
pub(crate) struct Carried {
    method: http::Method,
    uri: http::Uri,
    headers: http::HeaderMap,
    /// The request's own values of the headers an answer may echo.
    pub(crate) echoes: Echoes,
}

impl Carried {
    /// Carries `request` over into `headers`, an empty map.
    pub(crate) fn new(request: &ServiceRequest, reads: Reads, headers: http::HeaderMap) -> Self {
        let method = request.method();
        let mut carried = Self {
            method: http::Method::from_bytes(method.as_str().as_bytes()).unwrap_or_else(|error| {
                dropped("method", method.as_str(), &error);
                http::Method::default()
            }),
            uri: http::Uri::default(),
            headers,
            echoes: Echoes::default(),
        };
        if reads.whole {
            carried.carry_whole(request);
        } else {
            let read = if *method == actix_web::http::Method::OPTIONS {
                &CORS_REQUEST_HEADERS[..]
            } else {
                &CORS_REQUEST_HEADERS[..1]
            };
            for (actix, engine) in read.iter().chain(&PROTECTION_REQUEST_HEADERS) {
                for value in request.headers().get_all(actix) {
                    carried.carry(engine.clone(), value);
                }
            }
            // HTTP/2 carries the host in the URI (`:authority`), not in a `Host` header; and
            // a decision that is logged names its route.
            if reads.path
                || request.uri().authority().is_some()
                || tracing::enabled!(target: "corsair", tracing::Level::INFO)
            {
                carried.carry_uri(request);
            }
        }
        carried
    }

    fn carry_whole(&mut self, request: &ServiceRequest) {
        self.carry_uri(request);
        let source = request.headers();
        self.headers.reserve(source.len());
        // One name's values come out in the order they were received, which the engine
        // relies on (several `Access-Control-Request-Headers` lines are echoed in order).
        for (name, value) in source.iter() {
            match http::HeaderName::from_bytes(name.as_str().as_bytes()) {
                Ok(engine) => self.carry(engine, value),
                Err(error) => dropped("request header name", name.as_str(), &error),
            }
        }
    }

    fn carry_uri(&mut self, request: &ServiceRequest) {
        let uri = request.uri();
        let converted = match uri.path_and_query() {
            // The usual origin form (`/path?query`): no formatting needed.
            Some(path) if uri.scheme().is_none() => http::Uri::try_from(path.as_str()),
            _ => http::Uri::try_from(uri.to_string()),
        };
        match converted {
            Ok(converted) => self.uri = converted,
            Err(error) => dropped("URI", &uri.to_string(), &error),
        }
    }

    /// Copies one value over, and keeps it among the echoes if it may be echoed.
    fn carry(&mut self, name: http::HeaderName, value: &HeaderValue) {
        match http::HeaderValue::from_bytes(value.as_bytes()) {
            Ok(copy) => {
                self.echoes.remember(&name, value);
                self.headers.append(name, copy);
            }
            Err(error) => dropped("request header value", name.as_str(), &error),
        }
    }

    /// The engine's view.
    pub(crate) fn head(&self) -> RequestHead<'_> {
        RequestHead::new(&self.method, &self.uri, &self.headers)
    }

    /// The emptied header map, for the next request, and the echoes.
    pub(crate) fn recycle(mut self) -> (http::HeaderMap, Echoes) {
        self.headers.clear();
        (self.headers, self.echoes)
    }
}

/// The request's own values that an answer may echo (the first of `Origin`,
/// `Access-Control-Request-Method` and `Access-Control-Request-Headers`): a value the engine
/// writes with the same bytes is one of these, shared rather than copied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Echoes([Option<HeaderValue>; 3]);

/// The headers of [`Echoes`], in order.
static ECHOED: [http::HeaderName; 3] = [
    http::header::ORIGIN,
    http::header::ACCESS_CONTROL_REQUEST_METHOD,
    http::header::ACCESS_CONTROL_REQUEST_HEADERS,
];

impl Echoes {
    fn remember(&mut self, name: &http::HeaderName, value: &HeaderValue) {
        if let Some(index) = ECHOED.iter().position(|echoed| echoed == name) {
            self.0[index].get_or_insert_with(|| value.clone());
        }
    }

    fn find(&self, value: &http::HeaderValue) -> Option<HeaderValue> {
        self.0
            .iter()
            .flatten()
            .find(|echoed| echoed.as_bytes() == value.as_bytes())
            .cloned()
    }
}

/// Values converted for the engine's fixed values, by content, per thread; small and bounded.
const CONVERTED_LIMIT: usize = 32;

thread_local! {
    static CONVERTED: RefCell<Vec<(http::HeaderValue, HeaderValue)>> =
        const { RefCell::new(Vec::new()) };
}

/// The actix-web value with the bytes of `value`: the request's own if echoed, else converted
/// once per thread (the policy's values repeat on every answer) and shared.
fn actix_value(
    value: &http::HeaderValue,
    echoes: &Echoes,
) -> Result<HeaderValue, InvalidHeaderValue> {
    if let Some(echoed) = echoes.find(value) {
        return Ok(echoed);
    }
    let copy = || HeaderValue::from_bytes(value.as_bytes());
    CONVERTED
        .try_with(|converted| {
            let Ok(mut converted) = converted.try_borrow_mut() else {
                return copy();
            };
            if let Some((_, known)) = converted
                .iter()
                .find(|(known, _)| known.as_bytes() == value.as_bytes())
            {
                return Ok(known.clone());
            }
            let copied = copy()?;
            if converted.len() == CONVERTED_LIMIT {
                converted.clear();
            }
            converted.push((value.clone(), copied.clone()));
            Ok(copied)
        })
        .unwrap_or_else(|_| copy())
}

/// The actix-web name of an engine's header name.
fn actix_name(name: &http::HeaderName) -> Option<HeaderName> {
    if let Some((_, actix)) = CORS_RESPONSE_HEADERS
        .iter()
        .find(|(engine, _)| engine == name)
    {
        return Some(actix.clone());
    }
    HeaderName::from_bytes(name.as_str().as_bytes())
        .inspect_err(|error| dropped("response header name", name.as_str(), error))
        .ok()
}

/// The engine's view of an actix-web response header map.
pub(crate) struct ActixHeaders<'a> {
    headers: &'a mut HeaderMap,
    echoes: &'a Echoes,
}

impl<'a> ActixHeaders<'a> {
    pub(crate) fn new(headers: &'a mut HeaderMap, echoes: &'a Echoes) -> Self {
        Self { headers, echoes }
    }

    fn convert(
        &self,
        name: &http::HeaderName,
        value: &http::HeaderValue,
    ) -> Option<(HeaderName, HeaderValue)> {
        let value = actix_value(value, self.echoes)
            .inspect_err(|error| dropped("response header value", name.as_str(), error))
            .ok()?;
        Some((actix_name(name)?, value))
    }
}

impl ResponseHeaders for ActixHeaders<'_> {
    fn remove_access_control(&mut self) -> bool {
        let before = self.headers.len();
        self.headers
            .retain(|name, _| !name.as_str().starts_with("access-control-"));
        self.headers.len() != before
    }

    fn insert(&mut self, name: &http::HeaderName, value: &http::HeaderValue) {
        if let Some((name, value)) = self.convert(name, value) {
            self.headers.insert(name, value);
        }
    }

    fn append(&mut self, name: &http::HeaderName, value: &http::HeaderValue) {
        if let Some((name, value)) = self.convert(name, value) {
            self.headers.append(name, value);
        }
    }

    fn any_value(&self, name: &http::HeaderName, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        actix_name(name).is_some_and(|name| {
            self.headers
                .get_all(name)
                .any(|value| predicate(value.as_bytes()))
        })
    }
}

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
    fn request_heads_keep_every_value_in_order() {
        for whole in [false, true] {
            let reads = Reads { whole, path: false };
            let carried = Carried::new(&preflight(), reads, http::HeaderMap::new());
            let head = carried.head();
            assert_eq!(head.method(), http::Method::OPTIONS);
            let lines: Vec<_> = head
                .headers()
                .get_all("access-control-request-headers")
                .iter()
                .collect();
            assert_eq!(lines, ["b", "a"]);
            assert_eq!(head.headers()["origin"], "https://a.example");
            assert_eq!(head.headers()["access-control-request-method"], "PUT");
            assert_eq!(
                head.headers()["access-control-request-private-network"],
                "true"
            );
        }
    }

    #[test]
    fn only_predicates_get_the_uri_and_other_headers() {
        let request = TestRequest::default()
            .uri("/items?page=2")
            .method(actix_web::http::Method::POST)
            .append_header(("origin", "https://a.example"))
            .append_header(("host", "api.example"))
            .append_header(("sec-fetch-site", "cross-site"))
            .append_header(("cookie", "a=b"))
            .to_srv_request();
        let neither = Reads {
            whole: false,
            path: false,
        };
        let carried = Carried::new(&request, neither, http::HeaderMap::new());
        assert_eq!(carried.head().uri(), "/");
        // The protections read `Host` and `Sec-Fetch-Site`; nothing else is copied.
        assert_eq!(carried.head().headers()["host"], "api.example");
        assert_eq!(carried.head().headers()["sec-fetch-site"], "cross-site");
        assert!(!carried.head().headers().contains_key("cookie"));
        let path = Reads {
            whole: false,
            path: true,
        };
        let carried = Carried::new(&request, path, http::HeaderMap::new());
        assert_eq!(carried.head().uri(), "/items?page=2");
        assert!(!carried.head().headers().contains_key("cookie"));
        let carried = Carried::new(&request, Reads::WHOLE, http::HeaderMap::new());
        assert_eq!(carried.head().uri(), "/items?page=2");
        assert_eq!(carried.head().headers()["cookie"], "a=b");
    }

    #[test]
    fn absolute_uris_are_kept_whole() {
        let request = TestRequest::default()
            .uri("http://api.example:8080/items")
            .to_srv_request();
        let carried = Carried::new(&request, Reads::WHOLE, http::HeaderMap::new());
        assert_eq!(carried.head().uri(), "http://api.example:8080/items");
    }

    #[test]
    fn echoed_values_are_the_requests_own() {
        let request = preflight();
        let reads = Reads {
            whole: false,
            path: false,
        };
        let (_, echoes) = Carried::new(&request, reads, http::HeaderMap::new()).recycle();
        let origin = actix_value(
            &http::HeaderValue::from_static("https://a.example"),
            &echoes,
        )
        .unwrap();
        let requested = &request.headers().get("origin").unwrap();
        assert_eq!(origin, **requested);
        assert_eq!(
            origin.as_bytes().as_ptr(),
            requested.as_bytes().as_ptr(),
            "shared, not copied"
        );
        // A fixed value is converted once, then shared.
        let fixed = http::HeaderValue::from_static("600");
        let first = actix_value(&fixed, &echoes).unwrap();
        let second = actix_value(&fixed, &Echoes::default()).unwrap();
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
        let echoes = Echoes::default();
        let mut headers = ActixHeaders::new(&mut map, &echoes);
        assert!(headers.remove_access_control());
        assert!(!headers.remove_access_control());
        let vary = http::header::VARY;
        headers.append(&vary, &http::HeaderValue::from_static("Origin"));
        headers.insert(
            &http::HeaderName::from_static("access-control-allow-private-network"),
            &http::HeaderValue::from_static("true"),
        );
        assert!(headers.any_value(&vary, &mut |value| value == b"Origin"));
        assert!(!headers.any_value(&vary, &mut |value| value == b"*"));
        let vary: Vec<_> = map.get_all("vary").collect();
        assert_eq!(vary, ["accept-encoding", "Origin"]);
        assert_eq!(
            map.get("access-control-allow-private-network").unwrap(),
            "true"
        );
        assert!(map.get("access-control-allow-origin").is_none());
    }
}
