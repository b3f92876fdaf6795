//! Whether a request's `Origin` is the server's own: its host and port against the host the
//! request was sent to, for browsers that do not send `Sec-Fetch-Site` and for WebSocket
//! handshakes.

use super::{CorsRequest, RequestHeader, request};

/// Whether `origin` (a serialized origin) names the host and port the request was sent to:
/// the URI's authority (HTTP/2's `:authority`, or an absolute-form target), else `Host`, or
/// with `trust_forwarded_host` the last `X-Forwarded-Host` value when there is one. A port
/// left out means the default port of the origin's scheme. Reads bytes only: nothing is
/// parsed into owned values.
pub(super) fn is_own_origin<'a>(
    origin: &[u8],
    request: &impl CorsRequest<'a>,
    trust_forwarded_host: bool,
) -> bool {
    let Some((scheme, authority)) = split_origin(origin) else {
        return false;
    };
    let Some(target) = target_authority(request, trust_forwarded_host) else {
        return false;
    };
    let default_port = default_port(scheme);
    let (Some((origin_host, origin_port)), Some((target_host, target_port))) =
        (split_authority(authority), split_authority(target))
    else {
        return false;
    };
    origin_host.eq_ignore_ascii_case(target_host)
        && origin_port.or(default_port) == target_port.or(default_port)
}

/// The scheme and the `host[:port]` of a serialized origin (which has no path).
fn split_origin(origin: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = origin.windows(3).position(|window| window == b"://")?;
    let authority = &origin[at + 3..];
    (!authority.is_empty() && !authority.contains(&b'/')).then_some((&origin[..at], authority))
}

/// The authority the request was addressed to.
///
/// Set by reverse proxies that rewrite `Host`, `X-Forwarded-Host` is read only when the
/// policy trusts it.
fn target_authority<'r, 'a: 'r, R: CorsRequest<'a>>(
    request: &'r R,
    trust_forwarded_host: bool,
) -> Option<&'r [u8]> {
    if trust_forwarded_host
        && let Some(forwarded) = request.values(RequestHeader::XForwardedHost).last()
    {
        // Proxies append to a client's value; the last one is the proxy's.
        let last = forwarded.as_ref().rsplit(|&b| b == b',').next()?;
        return Some(last.trim_ascii());
    }
    if let Some(authority) = request.authority() {
        let authority = authority.as_bytes();
        // `user@host`: the user information is no part of the origin.
        let host = match authority.iter().rposition(|&b| b == b'@') {
            Some(at) => &authority[at + 1..],
            None => authority,
        };
        return Some(host);
    }
    // Two `Host` lines make the request ambiguous: trust neither.
    let host = request::single(request, RequestHeader::Host)?;
    Some(host.as_ref().trim_ascii())
}

/// A host and its port, if written; IPv6 literals keep their brackets.
fn split_authority(authority: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let (host, port) = if authority.first() == Some(&b'[') {
        let end = authority.iter().position(|&b| b == b']')?;
        let (host, rest) = authority.split_at(end + 1);
        match rest {
            [] => (host, None),
            [b':', port @ ..] => (host, Some(port)),
            _ => return None,
        }
    } else {
        match authority.iter().rposition(|&b| b == b':') {
            Some(at) => (&authority[..at], Some(&authority[at + 1..])),
            None => (authority, None),
        }
    };
    let valid_port =
        port.is_none_or(|port| !port.is_empty() && port.iter().all(u8::is_ascii_digit));
    (!host.is_empty() && valid_port).then_some((host, port))
}

fn default_port(scheme: &[u8]) -> Option<&'static [u8]> {
    match scheme {
        b"https" | b"wss" => Some(b"443"),
        b"http" | b"ws" => Some(b"80"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RequestHead;
    use http::{HeaderName, HeaderValue, Method, Uri};

    fn own(origin: &str, uri: &str, headers: &[(&str, &str)], trust: bool) -> bool {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let (method, uri) = (Method::POST, uri.parse::<Uri>().unwrap());
        is_own_origin(
            origin.as_bytes(),
            &RequestHead::new(&method, &uri, &map),
            trust,
        )
    }

    #[test]
    fn host_and_port_must_match() {
        let host = |h| [("host", h)];
        assert!(own("https://app.example", "/", &host("app.example"), false));
        assert!(own("https://app.example", "/", &host("APP.example"), false));
        assert!(own(
            "https://app.example",
            "/",
            &host("app.example:443"),
            false
        ));
        assert!(own(
            "http://localhost:8080",
            "/",
            &host("localhost:8080"),
            false
        ));
        assert!(!own(
            "http://localhost:8081",
            "/",
            &host("localhost:8080"),
            false
        ));
        assert!(!own(
            "https://app.example",
            "/",
            &host("app.example:8443"),
            false
        ));
        assert!(!own(
            "https://app.example.evil",
            "/",
            &host("app.example"),
            false
        ));
        assert!(!own(
            "https://evil.example",
            "/",
            &host("app.example"),
            false
        ));
        assert!(!own("null", "/", &host("app.example"), false));
        // No host at all: nothing to be the same as.
        assert!(!own("https://app.example", "/", &[], false));
        // Two Host lines: ambiguous.
        assert!(!own(
            "https://app.example",
            "/",
            &[("host", "app.example"), ("host", "app.example")],
            false
        ));
    }

    #[test]
    fn ipv6_hosts_with_ports() {
        let host = |h| [("host", h)];
        assert!(own("http://[::1]:8080", "/", &host("[::1]:8080"), false));
        assert!(own(
            "https://[2001:db8::1]",
            "/",
            &host("[2001:db8::1]"),
            false
        ));
        assert!(own(
            "https://[2001:db8::1]",
            "/",
            &host("[2001:db8::1]:443"),
            false
        ));
        assert!(!own("http://[::1]:8080", "/", &host("[::1]:8081"), false));
        assert!(!own("http://[::1]:8080", "/", &host("[::2]:8080"), false));
        // The last colon of an IPv6 literal is not a port separator.
        assert!(!own("http://[::1]", "/", &host("[::1:80]"), false));
        assert!(!own("http://[::1]:8080", "/", &host("[::1]8080"), false));
    }

    #[test]
    fn the_uri_authority_is_h2s_authority_and_wins_over_host() {
        assert!(own(
            "https://app.example",
            "https://app.example/items",
            &[],
            false
        ));
        assert!(own(
            "https://app.example:8443",
            "https://app.example:8443/",
            &[],
            false
        ));
        assert!(!own(
            "https://app.example",
            "https://other.example/",
            &[("host", "app.example")],
            false
        ));
        assert!(own(
            "https://app.example",
            "https://user@app.example/",
            &[],
            false
        ));
    }

    #[test]
    fn forwarded_host_only_when_trusted() {
        let headers = [
            ("host", "backend:8080"),
            ("x-forwarded-host", "app.example"),
        ];
        assert!(!own("https://app.example", "/", &headers, false));
        assert!(own("https://app.example", "/", &headers, true));
        assert!(own("http://backend:8080", "/", &headers, false));
        assert!(!own("http://backend:8080", "/", &headers, true));
        // A client's value followed by the proxy's: the proxy's counts.
        let appended = [
            ("host", "backend"),
            ("x-forwarded-host", "evil.example, app.example"),
        ];
        assert!(own("https://app.example", "/", &appended, true));
        assert!(!own("https://evil.example", "/", &appended, true));
        // Trusted but absent: Host decides.
        assert!(own(
            "http://backend:8080",
            "/",
            &[("host", "backend:8080")],
            true
        ));
    }
}
