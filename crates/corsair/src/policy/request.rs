//! The part of a request the policy reads, and how it classifies it.

use http::{HeaderMap, HeaderValue, Method, Uri, header};

/// A borrowed view of a request's method, URI and headers: all a [`Policy`](crate::Policy)
/// needs, and what origin predicates receive.
///
/// ```
/// use corsair::{RequestHead, RequestKind};
///
/// let request = http::Request::builder()
///     .method("OPTIONS")
///     .header("origin", "https://app.example.com")
///     .header("access-control-request-method", "PUT")
///     .body(())?;
/// assert_eq!(RequestHead::from(&request).kind(), RequestKind::Preflight);
/// # Ok::<(), http::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    method: &'a Method,
    uri: &'a Uri,
    headers: &'a HeaderMap,
}

/// How CORS sees a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// No `Origin` header: not a CORS request.
    NotCors,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`: answered by the policy,
    /// never by the application.
    Preflight,
    /// Any other request with `Origin`, including `OPTIONS` requests that are not preflights.
    Actual,
}

impl RequestKind {
    /// A stable name: `not-cors`, `preflight` or `actual`.
    ///
    /// ```
    /// assert_eq!(corsair::RequestKind::NotCors.as_str(), "not-cors");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotCors => "not-cors",
            Self::Preflight => "preflight",
            Self::Actual => "actual",
        }
    }
}

impl<'a> RequestHead<'a> {
    /// A view of the given parts, borrowed: nothing is copied. An integration whose
    /// framework has its own request types fills a header map with just the headers the
    /// policy reads (`Origin`, `Access-Control-Request-Method`, `-Headers` and
    /// `-Private-Network`), unless the policy has origin predicates, which may read any part
    /// of the request.
    ///
    /// ```
    /// use corsair::{RequestHead, RequestKind};
    /// use http::{HeaderMap, HeaderValue, Method, Uri, header};
    ///
    /// let mut headers = HeaderMap::with_capacity(2);
    /// headers.append(header::ORIGIN, HeaderValue::from_static("https://app.example.com"));
    /// headers.append(header::ACCESS_CONTROL_REQUEST_METHOD, HeaderValue::from_static("PUT"));
    /// let (method, uri) = (Method::OPTIONS, Uri::default());
    /// let head = RequestHead::new(&method, &uri, &headers);
    /// assert_eq!(head.kind(), RequestKind::Preflight);
    /// ```
    pub fn new(method: &'a Method, uri: &'a Uri, headers: &'a HeaderMap) -> Self {
        Self {
            method,
            uri,
            headers,
        }
    }

    /// The request method.
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The request URI.
    pub fn uri(&self) -> &'a Uri {
        self.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// Classifies the request (Fetch Standard, "CORS-preflight request").
    pub fn kind(&self) -> RequestKind {
        match self.classify() {
            Classified::NotCors => RequestKind::NotCors,
            Classified::Preflight { .. } => RequestKind::Preflight,
            Classified::Actual { .. } => RequestKind::Actual,
        }
    }

    /// Classifies the request and reads the headers that decide it, each looked up once.
    pub(crate) fn classify(&self) -> Classified<'a> {
        let Some(origin) = Occurrences::of(self.headers, &header::ORIGIN) else {
            return Classified::NotCors;
        };
        let method = if self.method == Method::OPTIONS {
            Occurrences::of(self.headers, &header::ACCESS_CONTROL_REQUEST_METHOD)
        } else {
            None
        };
        match method {
            Some(method) => Classified::Preflight {
                origin: origin.single(),
                method: method.single(),
            },
            None => Classified::Actual {
                origin: origin.single(),
            },
        }
    }
}

/// A request's kind and the values that decided it. A value is `None` when its header is
/// repeated, which makes the request malformed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Classified<'a> {
    NotCors,
    Preflight {
        origin: Option<&'a HeaderValue>,
        method: Option<&'a HeaderValue>,
    },
    Actual {
        origin: Option<&'a HeaderValue>,
    },
}

impl<'a> Classified<'a> {
    /// The request's `Origin`: `None` when absent, `Some(None)` when repeated.
    pub(crate) fn origin(&self) -> Option<Option<&'a HeaderValue>> {
        match *self {
            Self::NotCors => None,
            Self::Preflight { origin, .. } | Self::Actual { origin } => Some(origin),
        }
    }
}

/// The first value of a header that is present, and whether it is repeated.
#[derive(Debug, Clone, Copy)]
struct Occurrences<'a> {
    first: &'a HeaderValue,
    repeated: bool,
}

impl<'a> Occurrences<'a> {
    fn of(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<Self> {
        let mut values = headers.get_all(name).iter();
        let first = values.next()?;
        Some(Self {
            first,
            repeated: values.next().is_some(),
        })
    }

    /// The value of a header that must occur at most once.
    fn single(self) -> Option<&'a HeaderValue> {
        (!self.repeated).then_some(self.first)
    }
}

impl<'a, B> From<&'a http::Request<B>> for RequestHead<'a> {
    fn from(request: &'a http::Request<B>) -> Self {
        Self::new(request.method(), request.uri(), request.headers())
    }
}

impl<'a> From<&'a http::request::Parts> for RequestHead<'a> {
    fn from(parts: &'a http::request::Parts) -> Self {
        Self::new(&parts.method, &parts.uri, &parts.headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(method: &str, headers: &[(&str, &str)]) -> RequestKind {
        let mut builder = http::Request::builder().method(method);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(()).unwrap();
        RequestHead::from(&request).kind()
    }

    #[test]
    fn classification() {
        let origin = ("origin", "https://a.example");
        let acrm = ("access-control-request-method", "PUT");
        assert_eq!(kind("GET", &[]), RequestKind::NotCors);
        assert_eq!(kind("OPTIONS", &[acrm]), RequestKind::NotCors);
        assert_eq!(kind("OPTIONS", &[origin, acrm]), RequestKind::Preflight);
        // An OPTIONS request without Access-Control-Request-Method belongs to the application
        // (tower-http swallows it: its issue #497).
        assert_eq!(kind("OPTIONS", &[origin]), RequestKind::Actual);
        assert_eq!(kind("POST", &[origin, acrm]), RequestKind::Actual);
        // Repeated headers still classify; the policy then refuses them as malformed.
        assert_eq!(kind("GET", &[origin, origin]), RequestKind::Actual);
        assert_eq!(
            kind("OPTIONS", &[origin, acrm, acrm]),
            RequestKind::Preflight
        );
    }
}
