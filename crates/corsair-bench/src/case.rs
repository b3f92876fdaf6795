//! The benchmarked requests, built once with shared header values.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, header};

use crate::{HEADERS, REFUSED_ORIGIN, Spec};

/// A benchmarked request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `OPTIONS` from an allowed origin asking for `PUT` with both allowed headers.
    PreflightAllowed,
    /// `OPTIONS` from an origin that is not allowed.
    PreflightRefused,
    /// `GET` from an allowed origin.
    ActualAllowed,
    /// `GET` from an origin that is not allowed.
    ActualRefused,
    /// `GET` without `Origin`.
    NotCors,
    /// A preflight whose `Access-Control-Request-Headers` is 1 MiB of commas.
    AdversarialCommas,
    /// A preflight whose `Access-Control-Request-Headers` lists 10,000 names (the two allowed
    /// ones, repeated), so every middleware that checks names must check them all.
    AdversarialNames,
}

impl Case {
    /// Every case.
    pub const ALL: [Self; 7] = [
        Self::PreflightAllowed,
        Self::PreflightRefused,
        Self::ActualAllowed,
        Self::ActualRefused,
        Self::NotCors,
        Self::AdversarialCommas,
        Self::AdversarialNames,
    ];

    /// The name used in benchmark output and on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::PreflightAllowed => "preflight_allowed",
            Self::PreflightRefused => "preflight_refused",
            Self::ActualAllowed => "actual_allowed",
            Self::ActualRefused => "actual_refused",
            Self::NotCors => "not_cors",
            Self::AdversarialCommas => "commas_1mib",
            Self::AdversarialNames => "names_10k",
        }
    }

    /// Whether the request is a preflight.
    pub fn is_preflight(self) -> bool {
        !matches!(
            self,
            Self::ActualAllowed | Self::ActualRefused | Self::NotCors
        )
    }

    /// Whether the request comes from an allowed origin.
    pub fn from_allowed_origin(self) -> bool {
        !matches!(
            self,
            Self::PreflightRefused | Self::ActualRefused | Self::NotCors
        )
    }
}

/// A request's method and headers, built once with shared header values (as a server's are:
/// hyper and actix-web slice them out of the read buffer), so that every copy is cheap and a
/// middleware echoing a value only bumps a reference count.
#[derive(Debug, Clone)]
pub struct Template {
    /// The method.
    pub method: Method,
    /// The headers, in order, values shared.
    pub headers: Vec<(HeaderName, Bytes)>,
}

impl Template {
    /// The request of `case` under `spec`.
    pub fn new(case: Case, spec: Spec) -> Self {
        let origin = if case.from_allowed_origin() {
            spec.origins.allowed_origin()
        } else {
            REFUSED_ORIGIN.to_owned()
        };
        let mut headers = vec![(header::HOST, Bytes::from_static(b"api.example.com"))];
        if case != Case::NotCors {
            headers.push((header::ORIGIN, Bytes::from(origin)));
        }
        if case.is_preflight() {
            headers.push((
                header::ACCESS_CONTROL_REQUEST_METHOD,
                Bytes::from_static(b"PUT"),
            ));
            let requested = match case {
                Case::AdversarialCommas => Bytes::from(",".repeat(1 << 20)),
                Case::AdversarialNames => repeated_names(10_000),
                Case::PreflightRefused => Bytes::from_static(b"content-type"),
                _ => Bytes::from(HEADERS.join(",")),
            };
            headers.push((header::ACCESS_CONTROL_REQUEST_HEADERS, requested));
        }
        let method = if case.is_preflight() {
            Method::OPTIONS
        } else {
            Method::GET
        };
        Self { method, headers }
    }

    /// The same request with the other headers Chromium sends on a cross-origin `fetch()`
    /// and its preflight: thirteen headers on a preflight, where the benchmarks' own requests
    /// carry only `Host` besides the CORS ones. How a middleware finds the few headers it
    /// reads (one pass over them all, or a hashed lookup each) costs differently with each.
    pub fn with_browser_headers(mut self) -> Self {
        // Without `Origin`, the request is the page's own `fetch()` from the server's origin.
        let origin = self
            .headers
            .iter()
            .find(|(name, _)| name == header::ORIGIN)
            .map(|(_, origin)| origin.clone());
        let site: &'static [u8] = if origin.is_some() {
            b"cross-site"
        } else {
            b"same-origin"
        };
        let page = origin.unwrap_or(Bytes::from_static(b"https://api.example.com"));
        let user_agent: &'static [u8] = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 \
            (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        let others: [(HeaderName, &'static [u8]); 6] = [
            (header::CONNECTION, b"keep-alive"),
            (header::ACCEPT, b"*/*"),
            (header::USER_AGENT, user_agent),
            (HeaderName::from_static("sec-fetch-mode"), b"cors"),
            (HeaderName::from_static("sec-fetch-site"), site),
            (HeaderName::from_static("sec-fetch-dest"), b"empty"),
        ];
        let last: [(HeaderName, &'static [u8]); 2] = [
            (header::ACCEPT_ENCODING, b"gzip, deflate, br, zstd"),
            (header::ACCEPT_LANGUAGE, b"en-US,en;q=0.9"),
        ];
        let fixed = |(name, value): (HeaderName, &'static [u8])| (name, Bytes::from_static(value));
        self.headers.extend(others.into_iter().map(fixed));
        self.headers
            .push((header::REFERER, Bytes::from([page.as_ref(), b"/"].concat())));
        self.headers.extend(last.into_iter().map(fixed));
        self
    }

    /// A preflight from an allowed origin asking for `PUT` and the given
    /// `Access-Control-Request-Headers` value (for the scaling benchmarks).
    pub fn preflight_requesting(spec: Spec, requested: Bytes) -> Self {
        let mut template = Self::new(Case::PreflightAllowed, spec);
        for (name, value) in &mut template.headers {
            if *name == header::ACCESS_CONTROL_REQUEST_HEADERS {
                *value = requested.clone();
            }
        }
        template
    }

    /// As an `http` request for tower services.
    pub fn http(&self) -> Request<()> {
        let mut request = Request::new(());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = http::Uri::from_static("/");
        let headers = request.headers_mut();
        headers.reserve(self.headers.len());
        for (name, value) in &self.headers {
            headers.append(
                name.clone(),
                HeaderValue::from_maybe_shared(value.clone()).expect("valid header value"),
            );
        }
        request
    }

    /// As an actix-web service request.
    pub fn actix(&self) -> actix_web::dev::ServiceRequest {
        use actix_web::http::header::{HeaderName as ActixName, HeaderValue as ActixValue};
        let mut request = actix_web::test::TestRequest::default()
            .method(
                actix_web::http::Method::from_bytes(self.method.as_str().as_bytes())
                    .expect("method"),
            )
            .uri("/")
            .to_srv_request();
        let headers = request.headers_mut();
        for (name, value) in &self.headers {
            headers.append(
                ActixName::from_bytes(name.as_str().as_bytes()).expect("name"),
                ActixValue::from_maybe_shared(value.clone()).expect("value"),
            );
        }
        request
    }
}

/// `n` allowed header names (`content-type,x-api-key,content-type,...`) in one line.
pub fn repeated_names(n: usize) -> Bytes {
    let names: Vec<&str> = HEADERS.iter().copied().cycle().take(n).collect();
    Bytes::from(names.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origins;

    #[test]
    fn a_browsers_preflight_carries_thirteen_distinct_headers() {
        let spec = Spec::new(Origins::Exact(1));
        let preflight = Template::new(Case::PreflightAllowed, spec).with_browser_headers();
        let names: std::collections::BTreeSet<_> = preflight
            .headers
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!((preflight.headers.len(), names.len()), (13, 13));
        let referer = preflight
            .headers
            .iter()
            .find(|(name, _)| name == header::REFERER);
        let origin = spec.origins.allowed_origin();
        assert_eq!(
            referer.map(|(_, value)| value.as_ref()),
            Some(format!("{origin}/").as_bytes())
        );
        let same_origin = Template::new(Case::NotCors, spec).with_browser_headers();
        assert!(same_origin.headers.iter().any(|(name, value)| {
            name.as_str() == "sec-fetch-site" && value.as_ref() == b"same-origin"
        }));
    }
}
