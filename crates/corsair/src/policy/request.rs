//! The part of a request the policy reads, and how it classifies it.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};

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
        match classify(self) {
            Classified::NotCors => RequestKind::NotCors,
            Classified::Preflight { .. } => RequestKind::Preflight,
            Classified::Actual { .. } => RequestKind::Actual,
        }
    }
}

/// A request header the policy reads: the CORS request headers and those the cross-origin
/// protections read. No other header is ever looked up (origin predicates, which may read
/// anything, get a [`RequestHead`]). Exhaustive on purpose: a header the engine starts to
/// read is one every [`CorsRequest`] must be able to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestHeader {
    /// `Origin`.
    Origin,
    /// `Access-Control-Request-Method`.
    AccessControlRequestMethod,
    /// `Access-Control-Request-Headers`.
    AccessControlRequestHeaders,
    /// `Access-Control-Request-Private-Network`.
    AccessControlRequestPrivateNetwork,
    /// `Sec-Fetch-Site`.
    SecFetchSite,
    /// `Host`.
    Host,
    /// `Upgrade`.
    Upgrade,
    /// `Sec-WebSocket-Version`: with `CONNECT`, an HTTP/2 WebSocket handshake.
    SecWebSocketVersion,
    /// `X-Forwarded-Host`.
    XForwardedHost,
}

static REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

impl RequestHeader {
    /// The header's name (lowercase, as `http` spells it).
    ///
    /// ```
    /// assert_eq!(corsair::RequestHeader::SecFetchSite.name(), "sec-fetch-site");
    /// ```
    pub fn name(self) -> &'static HeaderName {
        match self {
            Self::Origin => &header::ORIGIN,
            Self::AccessControlRequestMethod => &header::ACCESS_CONTROL_REQUEST_METHOD,
            Self::AccessControlRequestHeaders => &header::ACCESS_CONTROL_REQUEST_HEADERS,
            Self::AccessControlRequestPrivateNetwork => &REQUEST_PRIVATE_NETWORK,
            Self::SecFetchSite => &SEC_FETCH_SITE,
            Self::Host => &header::HOST,
            Self::Upgrade => &header::UPGRADE,
            Self::SecWebSocketVersion => &header::SEC_WEBSOCKET_VERSION,
            Self::XForwardedHost => &X_FORWARDED_HOST,
        }
    }
}

/// What the policy reads of a request: its method, path and authority and the few headers
/// of [`RequestHeader`], read in place from whatever header map the framework has.
/// Implemented for [`RequestHead`] (`http` 1.x); an integration whose framework has its own
/// request types (actix-web) implements it on a view of its request, so the policy reads
/// that request without copying it. The mirror of [`ResponseHeaders`](crate::ResponseHeaders).
///
/// `'a` is how long the request's values are borrowed: an answer may keep them (an echoed
/// origin, method or header list) that long. A view whose values live longer implements the
/// trait for every shorter `'a` too, as [`RequestHead`] does.
pub trait CorsRequest<'a> {
    /// A header value as the framework holds it: cloned into a [`Refusal`](crate::Refusal)
    /// that names it, so a clone should share its buffer (`http`'s and actix-web's do).
    type Value: AsRef<[u8]> + Clone + 'a;

    /// The request method, case-sensitive.
    fn method(&self) -> &str;

    /// The request path, without query.
    fn path(&self) -> &str;

    /// The authority of the request target when it has one (HTTP/2's `:authority`, an
    /// absolute-form target), `user@` included.
    fn authority(&self) -> Option<&str>;

    /// Every value of `header`, in the order received.
    fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a Self::Value>;

    /// An `http` 1.x value with the bytes of `value`, for a grant that echoes it: borrowed
    /// when `Value` is one already, else a copy. (A refusal keeps `value` itself.)
    fn share(&self, value: &'a Self::Value) -> Cow<'a, HeaderValue>;

    /// The whole request as origin predicates see it, if this view has it. A view without
    /// one evaluates no predicate (integrations hand the policy a [`RequestHead`] when it has
    /// predicates: see [`Grants::predicates`](crate::Grants::predicates)).
    fn head(&self) -> Option<RequestHead<'_>>;
}

impl<'a, 'h: 'a> CorsRequest<'a> for RequestHead<'h> {
    type Value = HeaderValue;

    fn method(&self) -> &str {
        self.method.as_str()
    }

    fn path(&self) -> &str {
        self.uri.path()
    }

    fn authority(&self) -> Option<&str> {
        self.uri.authority().map(http::uri::Authority::as_str)
    }

    fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a HeaderValue> {
        let headers: &'a HeaderMap = self.headers;
        match header {
            // Found by comparing the request's header names rather than by a map lookup:
            // the map hashes a name it has no constant for byte by byte, each step waiting
            // on the one before, and for these 38 bytes that takes longer than comparing the
            // dozen or so names a request carries (most fail on their length or kind at
            // once). The scan is bounded by the server's limit on request headers.
            RequestHeader::AccessControlRequestPrivateNetwork => Values::Scan(headers.iter()),
            header => Values::Map(headers.get_all(header.name()).iter()),
        }
    }

    fn share(&self, value: &'a HeaderValue) -> Cow<'a, HeaderValue> {
        Cow::Borrowed(value)
    }

    fn head(&self) -> Option<RequestHead<'_>> {
        Some(*self)
    }
}

/// The values of one header of an `http` 1.x map: looked up, or found by scanning names.
enum Values<'a> {
    Map(header::ValueIter<'a, HeaderValue>),
    Scan(header::Iter<'a, HeaderValue>),
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a HeaderValue;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Map(values) => values.next(),
            Self::Scan(entries) => entries
                .find(|(name, _)| **name == REQUEST_PRIVATE_NETWORK)
                .map(|(_, value)| value),
        }
    }
}

/// Classifies the request and reads the headers that decide it, each looked up once.
// Inlined into its one caller: a few lookups, once per request.
#[inline]
pub(crate) fn classify<'a, R: CorsRequest<'a>>(request: &R) -> Classified<'a, R::Value> {
    let Some(origin) = Occurrences::of(request, RequestHeader::Origin) else {
        return Classified::NotCors;
    };
    let method = if request.method() == "OPTIONS" {
        Occurrences::of(request, RequestHeader::AccessControlRequestMethod)
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

/// A request's kind and the values that decided it. A value is `None` when its header is
/// repeated, which makes the request malformed.
#[derive(Debug)]
pub(crate) enum Classified<'a, V> {
    NotCors,
    Preflight {
        origin: Option<&'a V>,
        method: Option<&'a V>,
    },
    Actual {
        origin: Option<&'a V>,
    },
}

impl<'a, V> Classified<'a, V> {
    /// The request's `Origin`: `None` when absent, `Some(None)` when repeated.
    pub(crate) fn origin(&self) -> Option<Option<&'a V>> {
        match *self {
            Self::NotCors => None,
            Self::Preflight { origin, .. } | Self::Actual { origin } => Some(origin),
        }
    }
}

/// The first value of a header that is present, and whether it is repeated.
struct Occurrences<'a, V> {
    first: &'a V,
    repeated: bool,
}

impl<'a, V> Occurrences<'a, V> {
    fn of<R: CorsRequest<'a, Value = V>>(request: &R, header: RequestHeader) -> Option<Self> {
        let mut values = request.values(header);
        let first = values.next()?;
        Some(Self {
            first,
            repeated: values.next().is_some(),
        })
    }

    /// The value of a header that must occur at most once.
    fn single(self) -> Option<&'a V> {
        (!self.repeated).then_some(self.first)
    }
}

/// The single value of a header that must occur at most once: `None` when absent or
/// repeated.
pub(crate) fn single<'a, R: CorsRequest<'a>>(
    request: &R,
    header: RequestHeader,
) -> Option<&'a R::Value> {
    Occurrences::of(request, header).and_then(Occurrences::single)
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
