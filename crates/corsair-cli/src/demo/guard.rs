//! The playground's control endpoints (`/_demo/*`) answer its own page and nothing else.
//!
//! Any website the developer visits can send requests to loopback: a `no-cors` POST with a
//! `text/plain` body needs no preflight, and a DNS-rebinding host name reaches the playground
//! with a foreign `Host`. Either could otherwise rewrite the policy to grant itself credentials.
//! So a control request must name the playground in `Host`, come from the playground's own
//! origin when it says where it comes from, and send its body as JSON (which a foreign page
//! cannot do without a preflight that this server never grants).

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The host names the playground answers to, with its port.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OwnPage {
    pub(crate) port: u16,
}

impl OwnPage {
    /// Why `headers` do not come from the playground's own page, if they do not.
    fn refusal(self, method: &Method, headers: &HeaderMap) -> Option<(StatusCode, &'static str)> {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let Some(host) = header("host").filter(|host| self.is_own_host(host)) else {
            return Some((
                StatusCode::FORBIDDEN,
                "this playground answers only at its own address (the Host header names another)",
            ));
        };
        if header("origin").is_some_and(|origin| !is_origin_of(origin, host)) {
            return Some((
                StatusCode::FORBIDDEN,
                "the playground's controls answer only its own page (the Origin is foreign)",
            ));
        }
        if header("sec-fetch-site").is_some_and(|site| !matches!(site, "same-origin" | "none")) {
            return Some((
                StatusCode::FORBIDDEN,
                "the playground's controls answer only its own page (Sec-Fetch-Site)",
            ));
        }
        let json = header("content-type").is_some_and(is_json);
        if *method != Method::GET && *method != Method::HEAD && !json {
            return Some((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "the playground's controls take JSON bodies only",
            ));
        }
        None
    }

    fn is_own_host(self, host: &str) -> bool {
        let Some((name, port)) = host.rsplit_once(':') else {
            return false;
        };
        port.parse() == Ok(self.port)
            && (name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1")
    }
}

/// Whether `origin` is `http://` followed by `host` exactly (host names compared without case).
fn is_origin_of(origin: &str, host: &str) -> bool {
    origin
        .strip_prefix("http://")
        .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
}

/// `application/json`, with or without parameters.
fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Refuses control requests that do not come from the playground's own page.
pub(crate) async fn own_page_only(
    State(own): State<OwnPage>,
    request: Request,
    next: Next,
) -> Response {
    match own.refusal(request.method(), request.headers()) {
        Some((status, why)) => (status, why).into_response(),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(method: Method, headers: &[(&'static str, &'static str)]) -> Option<StatusCode> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, value.parse().unwrap());
        }
        OwnPage { port: 8000 }
            .refusal(&method, &map)
            .map(|(status, _)| status)
    }

    #[test]
    fn the_own_page_passes() {
        let json = ("content-type", "application/json; charset=utf-8");
        assert_eq!(refusal(Method::GET, &[("host", "localhost:8000")]), None);
        assert_eq!(refusal(Method::GET, &[("host", "127.0.0.1:8000")]), None);
        let own = [
            ("host", "LocalHost:8000"),
            ("origin", "http://localhost:8000"),
            ("sec-fetch-site", "same-origin"),
            json,
        ];
        assert_eq!(refusal(Method::POST, &own), None);
    }

    #[test]
    fn foreign_hosts_origins_and_bodies_are_refused() {
        let forbidden = Some(StatusCode::FORBIDDEN);
        // DNS rebinding: the right port under an attacker's name, or no port at all.
        assert_eq!(
            refusal(Method::GET, &[("host", "evil.example:8000")]),
            forbidden
        );
        assert_eq!(refusal(Method::GET, &[("host", "localhost")]), forbidden);
        assert_eq!(
            refusal(Method::GET, &[("host", "localhost:8001")]),
            forbidden
        );
        assert_eq!(refusal(Method::GET, &[]), forbidden);
        let host = ("host", "localhost:8000");
        let json = ("content-type", "application/json");
        for origin in [
            "https://evil.example",
            "null",
            "http://127.0.0.1:8000",
            "http://localhost:80001",
        ] {
            assert_eq!(
                refusal(Method::POST, &[host, json, ("origin", origin)]),
                forbidden,
                "{origin}"
            );
        }
        assert_eq!(
            refusal(
                Method::POST,
                &[host, json, ("sec-fetch-site", "cross-site")]
            ),
            forbidden
        );
        // A foreign page's no-cors POST can only send a CORS-safelisted content type.
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ] {
            assert_eq!(
                refusal(Method::POST, &[host, ("content-type", content_type)]),
                Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
                "{content_type}"
            );
        }
        assert_eq!(
            refusal(Method::POST, &[host]),
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
    }
}
