//! The part of a request the policy reads, and how it classifies it.

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
        match classify(self, false) {
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
    /// that names it, and echoed by a grant (see
    /// [`ResponseHeaders::append_echo`](crate::ResponseHeaders::append_echo)), so a clone
    /// should share its buffer (`http`'s and actix-web's do).
    type Value: AsRef<[u8]> + Clone + 'static;

    /// The request method, case-sensitive.
    fn method(&self) -> &str;

    /// The request path, without query.
    fn path(&self) -> &str;

    /// The authority of the request target when it has one (HTTP/2's `:authority`, an
    /// absolute-form target), `user@` included.
    fn authority(&self) -> Option<&str>;

    /// Every value of `header`, in the order received.
    fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a Self::Value>;

    /// The whole request as origin predicates see it, if this view has it. A view without
    /// one evaluates no predicate (integrations hand the policy a [`RequestHead`] when it has
    /// predicates: see [`Grants::predicates`](crate::Grants::predicates)).
    fn head(&self) -> Option<RequestHead<'_>>;

    /// The first value of each of `headers` the request has, and whether it has another:
    /// what a preflight reads, four headers at once. The default looks each up with
    /// [`values`](Self::values); a view that can find them all in one pass over its headers
    /// overrides it, as [`RequestHead`] does.
    ///
    /// ```
    /// use corsair::{CorsRequest, RequestHead, RequestHeader};
    ///
    /// let request = http::Request::builder()
    ///     .header("origin", "https://app.example.com")
    ///     .header("origin", "https://other.example")
    ///     .body(())?;
    /// let [origin, method] = RequestHead::from(&request)
    ///     .first_values([RequestHeader::Origin, RequestHeader::AccessControlRequestMethod]);
    /// let origin = origin.expect("present");
    /// assert_eq!(origin.value, "https://app.example.com");
    /// assert!(origin.repeated);
    /// assert!(method.is_none());
    /// # Ok::<(), http::Error>(())
    /// ```
    fn first_values<const N: usize>(
        &self,
        headers: [RequestHeader; N],
    ) -> [Option<FirstValue<'a, Self::Value>>; N] {
        headers.map(|header| first(self, header))
    }

    /// Whether [`first_values`](Self::first_values) finds several headers for less than
    /// looking each up: the policy then reads all four headers of a preflight at once, else
    /// each only when the checks before it have passed.
    const FINDS_TOGETHER: bool = false;
}

/// The first value of a request header, and whether the header occurs again (see
/// [`CorsRequest::first_values`]).
#[derive(Debug)]
pub struct FirstValue<'a, V> {
    /// The first value, in the order received.
    pub value: &'a V,
    /// Whether another value follows it.
    pub repeated: bool,
}

// Not derived: a derive would ask `V: Copy`, and header values are not.
impl<V> Clone for FirstValue<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for FirstValue<'_, V> {}

impl<'a, V> FirstValue<'a, V> {
    /// The first value of each of `N` headers in one pass over `entries` (a header map's
    /// names and values, each name's values in the order received), where `position` says
    /// which of the headers, if any, a name is: for views that override
    /// [`CorsRequest::first_values`].
    ///
    /// ```
    /// use corsair::FirstValue;
    ///
    /// let entries = [("origin", &1), ("host", &2), ("origin", &3)];
    /// let [origin, method] = FirstValue::find_all(entries, |name| {
    ///     ["origin", "access-control-request-method"].iter().position(|wanted| *wanted == name)
    /// });
    /// let origin = origin.expect("present");
    /// assert_eq!((*origin.value, origin.repeated), (1, true));
    /// assert!(method.is_none());
    /// ```
    // Always inlined: once per request, and whether LLVM inlined it otherwise turned on
    // unrelated changes around it, a call costing a preflight about 60 instructions.
    #[inline(always)]
    pub fn find_all<Name, const N: usize>(
        entries: impl IntoIterator<Item = (Name, &'a V)>,
        position: impl Fn(Name) -> Option<usize>,
    ) -> [Option<Self>; N] {
        let mut found = [None; N];
        for (name, value) in entries {
            if let Some(at) = position(name) {
                match &mut found[at] {
                    Some(FirstValue { repeated, .. }) => *repeated = true,
                    slot @ None => {
                        *slot = Some(FirstValue {
                            value,
                            repeated: false,
                        });
                    }
                }
            }
        }
        found
    }

    /// The value of a header that must occur at most once: `None` when repeated.
    pub(crate) fn single(self) -> Option<&'a V> {
        (!self.repeated).then_some(self.value)
    }
}

impl<'a, 'h: 'a> CorsRequest<'a> for RequestHead<'h> {
    type Value = HeaderValue;

    // `Method::as_str` is a call from this crate; the methods a policy asks about are
    // matched here, in line (8 to 22 instructions a request, callgrind).
    #[inline]
    fn method(&self) -> &str {
        match *self.method {
            Method::OPTIONS => "OPTIONS",
            Method::GET => "GET",
            Method::POST => "POST",
            ref other => other.as_str(),
        }
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

    fn head(&self) -> Option<RequestHead<'_>> {
        Some(*self)
    }

    /// One pass over the map's entries: a preflight's few headers cost a comparison of names
    /// per entry (for the map's own names, of their index), where looking each up would hash
    /// each, and finding `Access-Control-Request-Private-Network`, for which the map has no
    /// constant, takes such a pass anyway.
    #[inline(always)]
    fn first_values<const N: usize>(
        &self,
        headers: [RequestHeader; N],
    ) -> [Option<FirstValue<'a, HeaderValue>>; N] {
        let names = headers.map(RequestHeader::name);
        let map: &'a HeaderMap = self.headers;
        FirstValue::find_all(map, |name| names.iter().position(|wanted| *wanted == name))
    }

    const FINDS_TOGETHER: bool = true;
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

/// `Upgrade` as [`classify`] read it: `None` when it did not.
pub(crate) type ReadUpgrade<'a, V> = Option<Option<FirstValue<'a, V>>>;

/// Classifies the request and reads the headers that decide it, each looked up once: for
/// `OPTIONS`, with the other two a preflight reads, all in one go; for a `GET` whose
/// handshake the policy checks (`handshakes`), with `Upgrade`, if the view finds headers
/// together ([`CorsRequest::FINDS_TOGETHER`]).
// Inlined into its one caller: a few lookups, once per request.
#[inline]
pub(crate) fn classify<'a, R: CorsRequest<'a>>(
    request: &R,
    handshakes: bool,
) -> Classified<'a, R::Value> {
    if request.method() == "OPTIONS" {
        let (origin, method, rest) = if R::FINDS_TOGETHER {
            let [origin, method, headers, private_network] = request.first_values([
                RequestHeader::Origin,
                RequestHeader::AccessControlRequestMethod,
                RequestHeader::AccessControlRequestHeaders,
                RequestHeader::AccessControlRequestPrivateNetwork,
            ]);
            (origin, method, Some((headers, private_network)))
        } else {
            let [origin, method] = request.first_values([
                RequestHeader::Origin,
                RequestHeader::AccessControlRequestMethod,
            ]);
            (origin, method, None)
        };
        let Some(origin) = origin else {
            return Classified::NotCors;
        };
        return match method {
            Some(method) => Classified::Preflight(PreflightHeaders {
                origin: origin.single(),
                method: method.single(),
                rest,
            }),
            None => Classified::Actual {
                origin: origin.single(),
                upgrade: None,
            },
        };
    }
    // Every `GET` asks for `Upgrade` when handshakes are checked: two headers in one pass
    // cost less than two hashed lookups up to a few dozen entries, more than any browser
    // sends.
    let (origin, upgrade) = if R::FINDS_TOGETHER && handshakes && request.method() == "GET" {
        let [origin, upgrade] =
            request.first_values([RequestHeader::Origin, RequestHeader::Upgrade]);
        (origin, Some(upgrade))
    } else {
        (first(request, RequestHeader::Origin), None)
    };
    match origin {
        Some(origin) => Classified::Actual {
            origin: origin.single(),
            upgrade,
        },
        None => Classified::NotCors,
    }
}

/// A request's kind and the values that decided it. A value is `None` when its header is
/// repeated, which makes the request malformed.
#[derive(Debug)]
pub(crate) enum Classified<'a, V> {
    NotCors,
    Preflight(PreflightHeaders<'a, V>),
    Actual {
        origin: Option<&'a V>,
        upgrade: ReadUpgrade<'a, V>,
    },
}

/// The headers a preflight reads: `origin` and `method` are `None` when repeated, which
/// makes the preflight malformed.
#[derive(Debug)]
pub(crate) struct PreflightHeaders<'a, V> {
    pub(crate) origin: Option<&'a V>,
    pub(crate) method: Option<&'a V>,
    /// `Access-Control-Request-Headers` and `-Private-Network` (each `None` when absent),
    /// when they were read with the others ([`CorsRequest::FINDS_TOGETHER`]).
    rest: Option<RestOfPreflight<'a, V>>,
}

type RestOfPreflight<'a, V> = (Option<FirstValue<'a, V>>, Option<FirstValue<'a, V>>);

impl<'a, V> PreflightHeaders<'a, V> {
    /// The first value of `header`, one of the two read after the others: from what
    /// `classify` read, or looked up now.
    pub(crate) fn later<R: CorsRequest<'a, Value = V>>(
        &self,
        request: &R,
        header: RequestHeader,
    ) -> Option<FirstValue<'a, V>> {
        match (self.rest, header) {
            (Some((headers, _)), RequestHeader::AccessControlRequestHeaders) => headers,
            (Some((_, private_network)), RequestHeader::AccessControlRequestPrivateNetwork) => {
                private_network
            }
            _ => first(request, header),
        }
    }
}

impl<'a, V> Classified<'a, V> {
    /// The request's `Origin`: `None` when absent, `Some(None)` when repeated.
    pub(crate) fn origin(&self) -> Option<Option<&'a V>> {
        match self {
            Self::NotCors => None,
            Self::Preflight(preflight) => Some(preflight.origin),
            Self::Actual { origin, .. } => Some(*origin),
        }
    }

    /// `Upgrade`, if it was read with `Origin` (never for `OPTIONS`, not a handshake, nor
    /// without `Origin`, not a browser's).
    pub(crate) fn upgrade(&self) -> ReadUpgrade<'a, V> {
        match self {
            Self::Actual { upgrade, .. } => *upgrade,
            Self::NotCors | Self::Preflight(_) => None,
        }
    }
}

/// The first value of `header`, if the request has it.
fn first<'a, R: CorsRequest<'a> + ?Sized>(
    request: &R,
    header: RequestHeader,
) -> Option<FirstValue<'a, R::Value>> {
    let mut values = request.values(header);
    let value = values.next()?;
    Some(FirstValue {
        value,
        repeated: values.next().is_some(),
    })
}

/// The single value of a header that must occur at most once: `None` when absent or
/// repeated.
pub(crate) fn single<'a, R: CorsRequest<'a>>(
    request: &R,
    header: RequestHeader,
) -> Option<&'a R::Value> {
    first(request, header).and_then(FirstValue::single)
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

    /// A view that only looks headers up, so `first_values` is the trait's default.
    struct LookupsOnly<'h>(RequestHead<'h>);

    impl<'a, 'h: 'a> CorsRequest<'a> for LookupsOnly<'h> {
        type Value = HeaderValue;

        fn method(&self) -> &str {
            CorsRequest::method(&self.0)
        }

        fn path(&self) -> &str {
            CorsRequest::path(&self.0)
        }

        fn authority(&self) -> Option<&str> {
            CorsRequest::authority(&self.0)
        }

        fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a HeaderValue> {
            CorsRequest::values(&self.0, header)
        }

        fn head(&self) -> Option<RequestHead<'_>> {
            Some(self.0)
        }
    }

    const NAMES: [&str; 7] = [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
        "access-control-request-private-network",
        "host",
        "x-origin",
        "access-control-request-private-networks",
    ];

    const GET_HEADERS: [&str; 5] = [
        "origin",
        "upgrade",
        "connection",
        "host",
        "sec-websocket-version",
    ];

    const GET_VALUES: [&str; 6] = [
        "https://a.example",
        "https://evil.example",
        "websocket",
        "h2c, WebSocket",
        "Upgrade",
        "websockets",
    ];

    proptest::proptest! {
        /// The one pass finds what looking each header up finds: the first value in the
        /// order received, and whether another follows, whatever the order and repeats.
        #[test]
        fn one_pass_agrees_with_lookups(
            entries in proptest::collection::vec((0..NAMES.len(), 0..4u8), 0..12)
        ) {
            let mut headers = HeaderMap::new();
            for (at, (name, value)) in entries.iter().enumerate() {
                let value = HeaderValue::from_str(&format!("{value}-{at}")).unwrap();
                headers.append(HeaderName::from_static(NAMES[*name]), value);
            }
            let (method, uri) = (Method::OPTIONS, Uri::default());
            let head = RequestHead::new(&method, &uri, &headers);
            let wanted = [
                RequestHeader::AccessControlRequestPrivateNetwork,
                RequestHeader::Origin,
                RequestHeader::AccessControlRequestHeaders,
                RequestHeader::AccessControlRequestMethod,
                RequestHeader::Host,
            ];
            let seen = |found: [Option<FirstValue<'_, HeaderValue>>; 5]| {
                found.map(|first| first.map(|first| (first.value.clone(), first.repeated)))
            };
            let one_pass = seen(head.first_values(wanted));
            proptest::prop_assert_eq!(&one_pass, &seen(LookupsOnly(head).first_values(wanted)));
            for (header, found) in wanted.iter().zip(&one_pass) {
                let all: Vec<_> = headers.get_all(header.name()).iter().cloned().collect();
                let expected = all.first().map(|first| (first.clone(), all.len() > 1));
                proptest::prop_assert_eq!(found, &expected);
            }
        }

        /// A `GET` read in one pass (`Origin` with `Upgrade`) is decided as one read by
        /// lookups: a WebSocket handshake is told apart whatever the order, case and
        /// repeats of its `Upgrade` lines, and the `Origin` it is checked against is the same.
        #[test]
        fn a_get_read_in_one_pass_is_decided_as_by_lookups(
            method in proptest::sample::select(vec!["GET", "CONNECT", "POST"]),
            entries in proptest::collection::vec((0..GET_HEADERS.len(), 0..GET_VALUES.len()), 0..8)
        ) {
            let mut headers = HeaderMap::new();
            for (name, value) in &entries {
                headers.append(
                    HeaderName::from_static(GET_HEADERS[*name]),
                    HeaderValue::from_static(GET_VALUES[*value]),
                );
            }
            let (method, uri) = (Method::from_bytes(method.as_bytes()).unwrap(), Uri::default());
            let head = RequestHead::new(&method, &uri, &headers);
            let policy = crate::Config::new()
                .allow_origins(["https://a.example"])
                .build()
                .unwrap();
            let (one_pass, lookups) = (policy.evaluate(&head), policy.evaluate(&LookupsOnly(head)));
            proptest::prop_assert_eq!(one_pass.verdict(), lookups.verdict());
            let handshake = method == Method::GET
                && headers.get_all("upgrade").iter().any(|value| {
                    value.to_str().unwrap().split(',').any(|protocol| {
                        protocol.trim().eq_ignore_ascii_case("websocket")
                    })
                });
            // Only a browser's handshake (with `Origin`) is checked as one.
            proptest::prop_assert_eq!(
                one_pass.verdict().check == crate::Check::WebSocket,
                headers.contains_key("origin")
                    && (handshake
                        || (method == Method::CONNECT && headers.contains_key("sec-websocket-version")))
            );
        }
    }
}
