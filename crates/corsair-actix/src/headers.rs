//! Carrying headers across the `http` 0.2 (actix-web 4) / `http` 1.x (engine) gap, byte for
//! byte. Both versions accept exactly the same names and values, so no conversion fails in
//! practice; one that did would drop that header, and is logged.

use actix_web::{
    dev::ServiceRequest,
    http::header::{HeaderMap, HeaderName, HeaderValue},
};
use corsair::ResponseHeaders;

/// The request's method, URI and headers as an `http` 1.x request head, for the engine.
pub(crate) fn request_head(request: &ServiceRequest) -> http::Request<()> {
    let mut head = http::Request::new(());
    match http::Method::from_bytes(request.method().as_str().as_bytes()) {
        Ok(method) => *head.method_mut() = method,
        Err(error) => dropped("method", request.method().as_str(), &error),
    }
    let uri = request.uri();
    let converted = match uri.path_and_query() {
        // The usual origin form (`/path?query`): no formatting needed.
        Some(path) if uri.scheme().is_none() => http::Uri::try_from(path.as_str()),
        _ => http::Uri::try_from(uri.to_string()),
    };
    match converted {
        Ok(converted) => *head.uri_mut() = converted,
        Err(error) => dropped("URI", &uri.to_string(), &error),
    }
    let source = request.headers();
    let headers = head.headers_mut();
    headers.reserve(source.len());
    // One name's values come out in the order they were received, which the engine relies on
    // (several `Access-Control-Request-Headers` lines are echoed in order).
    for (name, value) in source.iter() {
        match (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            (Err(error), _) => dropped("request header name", name.as_str(), &error),
            (_, Err(error)) => dropped("request header value", name.as_str(), &error),
        }
    }
    head
}

/// The engine's view of an actix-web response header map.
pub(crate) struct ActixHeaders<'a>(&'a mut HeaderMap);

impl<'a> ActixHeaders<'a> {
    pub(crate) fn new(headers: &'a mut HeaderMap) -> Self {
        Self(headers)
    }
}

/// The engine's header as an actix-web header.
fn convert(
    name: &http::HeaderName,
    value: &http::HeaderValue,
) -> Option<(HeaderName, HeaderValue)> {
    match (
        HeaderName::from_bytes(name.as_str().as_bytes()),
        HeaderValue::from_bytes(value.as_bytes()),
    ) {
        (Ok(name), Ok(value)) => Some((name, value)),
        (Err(error), _) => {
            dropped("response header name", name.as_str(), &error);
            None
        }
        (_, Err(error)) => {
            dropped("response header value", name.as_str(), &error);
            None
        }
    }
}

impl ResponseHeaders for ActixHeaders<'_> {
    fn remove_access_control(&mut self) -> bool {
        let before = self.0.len();
        self.0
            .retain(|name, _| !name.as_str().starts_with("access-control-"));
        self.0.len() != before
    }

    fn insert(&mut self, name: &http::HeaderName, value: &http::HeaderValue) {
        if let Some((name, value)) = convert(name, value) {
            self.0.insert(name, value);
        }
    }

    fn append(&mut self, name: &http::HeaderName, value: &http::HeaderValue) {
        if let Some((name, value)) = convert(name, value) {
            self.0.append(name, value);
        }
    }

    fn any_value(&self, name: &http::HeaderName, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.0
            .get_all(name.as_str())
            .any(|value| predicate(value.as_bytes()))
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

    #[test]
    fn request_heads_keep_every_value_in_order() {
        let request = TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/items?page=2")
            .append_header(("access-control-request-headers", "b"))
            .append_header(("origin", "https://a.example"))
            .append_header(("access-control-request-headers", "a"))
            .to_srv_request();
        let head = request_head(&request);
        assert_eq!(head.method(), http::Method::OPTIONS);
        assert_eq!(head.uri(), "/items?page=2");
        let lines: Vec<_> = head
            .headers()
            .get_all("access-control-request-headers")
            .iter()
            .collect();
        assert_eq!(lines, ["b", "a"]);
        assert_eq!(head.headers()["origin"], "https://a.example");
    }

    #[test]
    fn absolute_uris_are_kept_whole() {
        let request = TestRequest::default()
            .uri("http://api.example:8080/items")
            .to_srv_request();
        assert_eq!(
            request_head(&request).uri(),
            "http://api.example:8080/items"
        );
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
