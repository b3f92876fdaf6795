//! The browser's side of one `fetch()`, as a state machine: the caller does the I/O.

use std::{fmt, str::FromStr, time::Instant};

use super::{
    Browser, EmptyLocation, PreflightCache, ResponseHead, Url,
    blocked::{BlockReason, Blocked},
    check::{basic_readable_headers, cors_check, preflight_grant, readable_headers},
    safelist::{
        firefox_unsafe_request_header_names, header_value_bytes,
        is_no_cors_safelisted_request_header, is_safelisted_method,
        is_settable_request_header_value, normalize_header_value, normalize_method,
        unsafe_request_header_names,
    },
};
use crate::{
    Origin,
    headers::names::{FORBIDDEN_METHODS, is_token},
};

/// `RequestInit.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// `cors`: the default for `fetch()`.
    #[default]
    Cors,
    /// `no-cors`: an opaque response, no CORS headers needed, no access for script.
    NoCors,
    /// `same-origin`: cross-origin URLs fail.
    SameOrigin,
}

/// `RequestInit.credentials`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Credentials {
    /// `omit`: never send cookies or HTTP authentication.
    Omit,
    /// `same-origin`: only to the page's own origin (the default).
    #[default]
    SameOrigin,
    /// `include`: always, which CORS then checks strictly.
    Include,
}

/// A value of [`Mode`] or [`Credentials`] that `fetch()` does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what}: use {expected}")]
pub struct InvalidOption {
    value: String,
    what: &'static str,
    expected: &'static str,
}

impl FromStr for Mode {
    type Err = InvalidOption;

    fn from_str(value: &str) -> Result<Self, InvalidOption> {
        match value {
            "cors" => Ok(Self::Cors),
            "no-cors" => Ok(Self::NoCors),
            "same-origin" => Ok(Self::SameOrigin),
            _ => Err(InvalidOption {
                value: value.to_owned(),
                what: "request mode",
                expected: "cors, no-cors or same-origin",
            }),
        }
    }
}

impl FromStr for Credentials {
    type Err = InvalidOption;

    fn from_str(value: &str) -> Result<Self, InvalidOption> {
        match value {
            "omit" => Ok(Self::Omit),
            "same-origin" => Ok(Self::SameOrigin),
            "include" => Ok(Self::Include),
            _ => Err(InvalidOption {
                value: value.to_owned(),
                what: "credentials mode",
                expected: "omit, same-origin or include",
            }),
        }
    }
}

impl Mode {
    /// Every mode, in the order `fetch()` documents them.
    pub const ALL: [Mode; 3] = [Mode::Cors, Mode::NoCors, Mode::SameOrigin];

    /// The `RequestInit.mode` value, as [`FromStr`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cors => "cors",
            Self::NoCors => "no-cors",
            Self::SameOrigin => "same-origin",
        }
    }
}

impl Credentials {
    /// Every credentials mode, in the order `fetch()` documents them.
    pub const ALL: [Credentials; 3] = [
        Credentials::Omit,
        Credentials::SameOrigin,
        Credentials::Include,
    ];

    /// The `RequestInit.credentials` value, as [`FromStr`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Omit => "omit",
            Self::SameOrigin => "same-origin",
            Self::Include => "include",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a page asks for: `fetch(url, { method, headers, mode, credentials })` from a page at
/// `origin`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// The page's origin.
    pub origin: Origin,
    /// The URL fetched.
    pub url: Url,
    /// The method as the page wrote it.
    pub method: String,
    /// Headers the page sets, in order.
    pub headers: Vec<(String, String)>,
    /// `RequestInit.mode`.
    pub mode: Mode,
    /// `RequestInit.credentials`.
    pub credentials: Credentials,
}

impl PageRequest {
    /// A `GET` in `cors` mode with `same-origin` credentials, like `fetch(url)`.
    pub fn new(origin: Origin, url: Url) -> Self {
        Self {
            origin,
            url,
            method: "GET".to_owned(),
            headers: Vec::new(),
            mode: Mode::Cors,
            credentials: Credentials::SameOrigin,
        }
    }

    /// Sets the method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the credentials mode.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
}

/// Which of a fetch's requests this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exchange {
    /// The CORS preflight (`OPTIONS`).
    Preflight,
    /// The request the page asked for (possibly after redirects).
    Actual,
}

impl Exchange {
    /// A stable name: `preflight` or `request`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preflight => "preflight",
            Self::Actual => "request",
        }
    }
}

/// A request the browser sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Preflight or actual.
    pub exchange: Exchange,
    /// The method.
    pub method: String,
    /// The URL.
    pub url: Url,
    /// The headers the CORS protocol is about (`Origin`, `Access-Control-Request-*`) and
    /// those the page set, in order.
    pub headers: Vec<(String, String)>,
    /// Whether cookies and HTTP authentication go along.
    pub with_credentials: bool,
}

/// What the page gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    /// Same-origin: everything but `Set-Cookie` is readable.
    Basic,
    /// Cross-origin, allowed by CORS.
    Cors,
    /// `no-cors`: status 0, no headers, no body for script.
    Opaque,
}

impl ResponseType {
    /// The Fetch Standard's name of the type: `basic`, `cors` or `opaque`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Cors => "cors",
            Self::Opaque => "opaque",
        }
    }
}

/// How a fetch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The response type, or why the browser blocked the request.
    pub result: Result<ResponseType, Blocked>,
    /// The status of the last response received (the network's, even when script sees none).
    pub status: Option<u16>,
    /// Lowercase names of the response headers script can read.
    pub readable_headers: Vec<String>,
    /// Preflights sent.
    pub preflights: u32,
    /// Actual requests sent (more than one after redirects).
    pub requests: u32,
}

/// The next thing the browser does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this request, then pass its response to [`Fetch::receive`].
    Send(Outgoing),
    /// The fetch is over.
    Done(Outcome),
}

#[derive(Clone, Debug)]
enum State {
    /// About to decide the next request.
    Ready {
        preflighted: bool,
    },
    /// Waiting for the preflight's response.
    Preflight {
        outgoing: Outgoing,
        checked_names: Vec<String>,
    },
    /// Waiting for the actual request's response.
    Actual {
        outgoing: Outgoing,
        kind: ResponseType,
    },
    Done(Outcome),
}

/// The browser's side of one `fetch()`: decides each request to send and judges each
/// response, consulting and filling a [`PreflightCache`]. No I/O: the caller sends each
/// [`Outgoing`] and hands back the [`ResponseHead`].
///
/// ```
/// use corsair::{Origin, browser::{Browser, Exchange, Fetch, PageRequest, PreflightCache, ResponseHead, Step, Url}};
///
/// let page = Origin::parse("https://app.example")?;
/// let request = PageRequest::new(page, Url::parse("https://api.example/items")?)
///     .method("PUT")
///     .header("Content-Type", "application/json");
/// let mut cache = PreflightCache::new(Browser::Chromium);
/// let mut fetch = Fetch::new(Browser::Chromium, request, &mut cache);
///
/// let Step::Send(preflight) = fetch.step() else { unreachable!() };
/// assert_eq!(preflight.exchange, Exchange::Preflight);
/// assert!(preflight.headers.contains(&("Access-Control-Request-Headers".into(), "content-type".into())));
/// fetch.receive(ResponseHead::new(204, [
///     ("Access-Control-Allow-Origin", "https://app.example"),
///     ("Access-Control-Allow-Methods", "PUT"),
///     ("Access-Control-Allow-Headers", "content-type"),
/// ]));
///
/// let Step::Send(actual) = fetch.step() else { unreachable!() };
/// fetch.receive(ResponseHead::new(200, [("Access-Control-Allow-Origin", "https://app.example")]));
/// let Step::Done(outcome) = fetch.step() else { unreachable!() };
/// assert!(outcome.result.is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Fetch<'c> {
    browser: Browser,
    cache: &'c mut PreflightCache,
    origin: Origin,
    initial_url: Url,
    url: Url,
    method: String,
    headers: Vec<(String, String)>,
    /// The settable headers as the page appended them, one entry each (Firefox judges them so).
    entries: Vec<(String, String)>,
    /// Whether a hop of this fetch needed a preflight: Firefox and WebKit then preflight every
    /// later cross-origin hop too (see `Browser::preflights_every_hop_after_a_preflight`).
    needed_preflight: bool,
    /// Whether the last request of this fetch carried `Origin`, and the redirect after it
    /// stayed on that request's origin: WebKit then keeps `Origin` on the next request.
    keeps_origin: bool,
    dropped_headers: Vec<String>,
    mode: Mode,
    credentials: Credentials,
    /// A redirect between two origins, not from the page's own, happened: `Origin` is now
    /// `null` (Fetch "redirect-taint").
    tainted: bool,
    /// Once a request went cross-origin in cors mode, every later response is checked.
    cors_tainting: bool,
    /// The page's headers and entries as the fetch started, which Firefox starts again from
    /// on every redirect.
    page_headers: (HeaderLines, HeaderLines),
    /// A redirect's refusal that WebKit reports only when the request would be sent (after a
    /// preflight it needs), with the redirect's status.
    refused_when_sending: Option<(BlockReason, u16)>,
    redirects: u32,
    preflights: u32,
    requests: u32,
    last_status: Option<u16>,
    state: State,
}

/// Request header lines, names and values as the page wrote them (values trimmed).
type HeaderLines = Vec<(String, String)>;

/// Header lines with their values as the bytes that go on the wire.
fn on_the_wire(headers: &[(String, String)]) -> Vec<(&str, std::borrow::Cow<'_, [u8]>)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str(), header_value_bytes(value)))
        .collect()
}

/// Fetch "HTTP-redirect fetch": more than this many redirects is a network error.
const MAX_REDIRECTS: u32 = 20;

/// Headers describing a request body, dropped when a redirect turns the method into GET.
const BODY_HEADERS: &[&str] = &[
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

impl<'c> Fetch<'c> {
    /// Starts a fetch. Header values lose their leading and trailing whitespace (as
    /// `Headers` normalizes them); forbidden request headers (`Cookie`, `Host`,
    /// `X-HTTP-Method-Override: TRACE`...) are dropped, as browsers do silently, and so is, in
    /// `no-cors` mode, every header that would not stay a no-CORS-safelisted one (Fetch's
    /// "request-no-cors" guard); same-named headers are combined with `, `.
    pub fn new(browser: Browser, request: PageRequest, cache: &'c mut PreflightCache) -> Self {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut entries = Vec::new();
        let mut dropped_headers = Vec::new();
        for (name, value) in request.headers {
            let value = normalize_header_value(&value).to_owned();
            let known = headers
                .iter()
                .position(|(known, _)| known.eq_ignore_ascii_case(&name));
            let combined = match known {
                Some(i) => format!("{}, {value}", headers[i].1),
                None => value.clone(),
            };
            let guarded = request.mode == Mode::NoCors
                && !is_no_cors_safelisted_request_header(&name, combined.as_bytes());
            if guarded || !is_settable_request_header_value(&name, &value) {
                dropped_headers.push(name.to_ascii_lowercase());
                continue;
            }
            entries.push((name.clone(), value));
            match known {
                Some(i) => headers[i].1 = combined,
                None => headers.push((name, combined)),
            }
        }
        let url = request.url;
        let page_headers = (headers.clone(), entries.clone());
        Self {
            browser,
            cache,
            origin: request.origin,
            initial_url: url.clone(),
            url,
            method: normalize_method(&request.method).to_owned(),
            headers,
            entries,
            needed_preflight: false,
            keeps_origin: false,
            dropped_headers,
            mode: request.mode,
            credentials: request.credentials,
            tainted: false,
            cors_tainting: false,
            refused_when_sending: None,
            page_headers,
            redirects: 0,
            preflights: 0,
            requests: 0,
            last_status: None,
            state: State::Ready { preflighted: false },
        }
    }

    /// Headers the page set that the browser silently dropped (forbidden request headers, and
    /// in `no-cors` mode those that are not no-CORS-safelisted).
    pub fn dropped_headers(&self) -> &[String] {
        &self.dropped_headers
    }

    /// The next request to send, or the outcome.
    pub fn step(&mut self) -> Step {
        match &self.state {
            State::Ready { preflighted } => {
                let preflighted = *preflighted;
                self.start(preflighted)
            }
            State::Preflight { outgoing, .. } | State::Actual { outgoing, .. } => {
                Step::Send(outgoing.clone())
            }
            State::Done(outcome) => Step::Done(outcome.clone()),
        }
    }

    fn start(&mut self, preflighted: bool) -> Step {
        if let Some(reason) = self.method_error() {
            return self.block(reason, false, None);
        }
        let same_origin = self.url.origin() == &self.origin && !self.tainted;
        if same_origin && !self.cors_tainting {
            if self.mode == Mode::Cors
                && self.browser.flags_preflight_on_same_origin_hops()
                && !self.unsafe_names().is_empty()
            {
                self.needed_preflight = true;
            }
            return self.send_actual(ResponseType::Basic);
        }
        match self.mode {
            Mode::SameOrigin => self.block(BlockReason::DisallowedByMode, false, None),
            Mode::NoCors => self.send_actual(ResponseType::Opaque),
            Mode::Cors => {
                self.cors_tainting = true;
                let unsafe_names = self.unsafe_names();
                let own_need = self.needs_own_preflight(&unsafe_names);
                // Firefox and WebKit keep the preflight flag across redirects: a hop after one
                // that needed a preflight is preflighted too (a 303's GET included).
                let inherited = !own_need
                    && self.browser.preflights_every_hop_after_a_preflight()
                    && self.needed_preflight;
                let needs_preflight = own_need || inherited;
                if needs_preflight {
                    self.needed_preflight = true;
                }
                let origin = self.preflight_origin();
                let url = self.url.to_string();
                let credentials = self.credentials == Credentials::Include;
                let cached = needs_preflight
                    && !preflighted
                    && self.cache.covers(
                        &origin,
                        &url,
                        credentials,
                        &self.method,
                        &unsafe_names,
                        Instant::now(),
                    );
                // WebKit 2.50 drops the answer it consulted when that answer does not cover
                // the request (`CrossOriginPreflightResultCache::canSkipPreflight`), so a
                // failing preflight that follows leaves nothing cached for the URL.
                if needs_preflight && !preflighted && !cached && self.browser == Browser::WebKit {
                    self.cache.remove(&origin, &url);
                }
                if needs_preflight && !preflighted && !cached {
                    self.send_preflight(unsafe_names)
                } else {
                    self.send_actual(ResponseType::Cors)
                }
            }
        }
    }

    /// The request's header names a preflight must announce, as the engine counts them.
    fn unsafe_names(&self) -> Vec<String> {
        if self.browser == Browser::Firefox {
            // Firefox judges each appended entry, not the combined values.
            firefox_unsafe_request_header_names(&on_the_wire(&self.entries))
        } else {
            unsafe_request_header_names(&on_the_wire(&self.headers))
        }
    }

    /// Whether this hop needs a preflight by itself (not inherited from an earlier hop).
    fn needs_own_preflight(&self, unsafe_names: &[String]) -> bool {
        !is_safelisted_method(&self.method) || !unsafe_names.is_empty()
    }

    /// `fetch()`'s own checks of the method, before anything is sent (TypeErrors).
    fn method_error(&self) -> Option<BlockReason> {
        let method = self.method.clone();
        if !is_token(method.as_bytes()) {
            Some(BlockReason::InvalidMethod { method })
        } else if FORBIDDEN_METHODS
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&method))
        {
            Some(BlockReason::ForbiddenMethod { method })
        } else if self.mode == Mode::NoCors && !is_safelisted_method(&method) {
            Some(BlockReason::NoCorsMethod { method })
        } else {
            None
        }
    }

    /// The request origin as serialized in `Origin`: `null` after a cross-origin redirect.
    fn request_origin(&self) -> String {
        if self.tainted {
            "null".to_owned()
        } else {
            self.origin.to_string()
        }
    }

    /// The `Origin` of a preflight: only Chromium taints it after a cross-origin redirect.
    fn preflight_origin(&self) -> String {
        if self.tainted && self.browser.preflight_origin_null_after_redirect() {
            "null".to_owned()
        } else {
            self.origin.to_string()
        }
    }

    fn send_preflight(&mut self, unsafe_names: Vec<String>) -> Step {
        let mut headers = vec![
            ("Accept".to_owned(), "*/*".to_owned()),
            ("Origin".to_owned(), self.preflight_origin()),
            (
                "Access-Control-Request-Method".to_owned(),
                self.method.clone(),
            ),
        ];
        if !unsafe_names.is_empty() {
            headers.push((
                "Access-Control-Request-Headers".to_owned(),
                unsafe_names.join(","),
            ));
        }
        let outgoing = Outgoing {
            exchange: Exchange::Preflight,
            method: "OPTIONS".to_owned(),
            url: self.url.clone(),
            headers,
            with_credentials: false,
        };
        // Which name a failing header check reports: Firefox checks the sorted list, Chromium
        // and WebKit the request's order (WebKit prints the name as the page wrote it).
        let checked_names = match self.browser {
            Browser::Firefox => unsafe_names,
            Browser::Chromium | Browser::WebKit => {
                let mut ordered: Vec<String> = Vec::new();
                for (name, _) in &self.headers {
                    let lowercase = name.to_ascii_lowercase();
                    if unsafe_names.contains(&lowercase)
                        && !ordered.iter().any(|n| n.eq_ignore_ascii_case(name))
                    {
                        ordered.push(if self.browser == Browser::WebKit {
                            name.clone()
                        } else {
                            lowercase
                        });
                    }
                }
                ordered
            }
        };
        self.preflights += 1;
        self.state = State::Preflight {
            outgoing: outgoing.clone(),
            checked_names,
        };
        Step::Send(outgoing)
    }

    fn send_actual(&mut self, kind: ResponseType) -> Step {
        if let Some((reason, status)) = self.refused_when_sending.take() {
            return self.block(reason, false, Some(status));
        }
        let mut headers = Vec::new();
        // Fetch "append a request `Origin` header": always with CORS tainting, otherwise only
        // for methods other than GET and HEAD (Chromium 156 sends none on a no-cors GET).
        // WebKit 2.50.6 keeps the `Origin` it sent (`null` included) across a same-origin
        // redirect: a no-cors POST turned into GET by a redirect within one origin still
        // carries it; after a redirect to another origin it carries none (seed 0x34).
        let sends_origin = kind == ResponseType::Cors
            || !matches!(self.method.as_str(), "GET" | "HEAD")
            || (self.browser == Browser::WebKit && self.keeps_origin);
        self.keeps_origin = sends_origin;
        if sends_origin {
            headers.push(("Origin".to_owned(), self.request_origin()));
        }
        headers.extend(self.headers.iter().cloned());
        let with_credentials = match self.credentials {
            Credentials::Include => true,
            Credentials::SameOrigin => kind == ResponseType::Basic,
            Credentials::Omit => false,
        };
        let outgoing = Outgoing {
            exchange: Exchange::Actual,
            method: self.method.clone(),
            url: self.url.clone(),
            headers,
            with_credentials,
        };
        self.requests += 1;
        self.state = State::Actual {
            outgoing: outgoing.clone(),
            kind,
        };
        Step::Send(outgoing)
    }

    /// Runs the whole fetch with `respond` answering each request (a test server, a recorded
    /// exchange): for callers that need no asynchronous I/O.
    ///
    /// ```
    /// use corsair::{Origin, browser::{Browser, Fetch, PageRequest, PreflightCache, ResponseHead, Url}};
    ///
    /// let request = PageRequest::new(Origin::parse("https://app.example")?, Url::parse("https://api.example/")?);
    /// let mut cache = PreflightCache::new(Browser::Firefox);
    /// let outcome = Fetch::new(Browser::Firefox, request, &mut cache)
    ///     .run(|_request| ResponseHead::new(200, [("content-type", "text/plain")]));
    /// let blocked = outcome.result.unwrap_err();
    /// assert!(blocked.console_message(Browser::Firefox).ends_with(
    ///     "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(mut self, mut respond: impl FnMut(&Outgoing) -> ResponseHead) -> Outcome {
        loop {
            match self.step() {
                Step::Send(outgoing) => {
                    let response = respond(&outgoing);
                    self.receive(response);
                }
                Step::Done(outcome) => return outcome,
            }
        }
    }

    /// Hands the response to the request last returned by [`Fetch::step`].
    pub fn receive(&mut self, response: ResponseHead) {
        self.last_status = Some(response.status);
        match std::mem::replace(&mut self.state, State::Ready { preflighted: false }) {
            State::Preflight { checked_names, .. } => {
                self.receive_preflight(&response, &checked_names)
            }
            State::Actual { kind, .. } => self.receive_actual(&response, kind),
            // Nothing was asked: keep the state as it was.
            other => self.state = other,
        }
    }

    fn receive_preflight(&mut self, response: &ResponseHead, checked_names: &[String]) {
        let credentials = self.credentials == Credentials::Include;
        let origin = self.preflight_origin();
        let grant = match preflight_grant(self.browser, &origin, credentials, response) {
            Ok(grant) => grant,
            Err(reason) => {
                self.block(reason, true, Some(response.status));
                return;
            }
        };
        let admitted = grant.admits(self.browser, &self.method, checked_names, credentials);
        let max_age = response.get("access-control-max-age");
        let cacheable = (!self.tainted || self.browser.caches_preflights_after_taint())
            && (admitted.is_ok() || self.browser.caches_grants_that_refuse_the_request());
        if let Some(lifetime) = self
            .browser
            .preflight_lifetime(max_age.as_deref())
            .filter(|_| cacheable)
        {
            self.cache.store(
                &origin,
                &self.url.to_string(),
                credentials,
                grant,
                lifetime,
                Instant::now(),
            );
        }
        match admitted {
            Ok(()) => self.state = State::Ready { preflighted: true },
            Err(reason) => {
                self.block(reason, true, Some(response.status));
            }
        }
    }

    fn receive_actual(&mut self, response: &ResponseHead, kind: ResponseType) {
        let location = response
            .get("location")
            .filter(|_| response.is_redirect())
            .filter(|location| {
                !(location.is_empty() && self.browser.empty_location() == EmptyLocation::Ignored)
            });
        let credentials = self.credentials == Credentials::Include
            || (self.credentials == Credentials::SameOrigin
                && location.is_some()
                && self.initial_url.origin() == &self.origin
                && !self.needed_preflight
                && self.browser.checks_redirects_with_same_origin_credentials());
        if kind == ResponseType::Cors
            && let Err(reason) =
                cors_check(self.browser, &self.request_origin(), credentials, response)
        {
            self.block(reason, false, Some(response.status));
            return;
        }
        if let Some(location) = location {
            self.redirect(&String::from_utf8_lossy(&location), response.status);
            return;
        }
        let readable_headers = match kind {
            ResponseType::Basic => basic_readable_headers(response),
            ResponseType::Cors => readable_headers(response, credentials),
            ResponseType::Opaque => Vec::new(),
        };
        self.finish(Ok(kind), readable_headers);
    }

    /// Fetch "HTTP-redirect fetch", with each engine's departures.
    fn redirect(&mut self, location: &str, status: u16) {
        let block = |this: &mut Self, reason| {
            this.block(reason, false, Some(status));
        };
        self.redirects += 1;
        if self.redirects > MAX_REDIRECTS {
            return block(self, BlockReason::TooManyRedirects);
        }
        let refused_empty =
            location.is_empty() && self.browser.empty_location() == EmptyLocation::Refused;
        let Some(next) = self.url.join(location).ok().filter(|_| !refused_empty) else {
            return block(
                self,
                BlockReason::InvalidRedirectLocation {
                    location: location.to_owned(),
                },
            );
        };
        // Fetch refuses credentials in a cors-mode redirect when they lead to another origin
        // than the request's; the engines also when the request is already cross-origin.
        let cross_origin = self.cors_tainting || next.origin() != &self.origin;
        if next.has_credentials()
            && ((self.mode == Mode::Cors && cross_origin)
                || self.browser.refuses_credentials_in_any_redirect())
        {
            let reason = BlockReason::RedirectContainsCredentials {
                location: next.to_string(),
            };
            if !self.cors_tainting && self.browser.refuses_url_credentials_only_when_sending() {
                self.refused_when_sending = Some((reason, status));
            } else {
                return block(self, reason);
            }
        }
        if self.browser.rebuilds_headers_on_each_redirect() {
            (self.headers, self.entries) = self.page_headers.clone();
        }
        let to_get = (matches!(status, 301 | 302) && self.method == "POST")
            || (status == 303 && !matches!(self.method.as_str(), "GET" | "HEAD"));
        if to_get {
            self.method = "GET".to_owned();
            if self.browser.drops_body_headers_on_method_change() {
                self.headers.retain(|(name, _)| {
                    !BODY_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                });
                self.entries.retain(|(name, _)| {
                    !BODY_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                });
            }
        }
        if next.origin() != self.url.origin() {
            self.keeps_origin = false;
            if self.browser.drops_authorization_across_origins() {
                self.headers
                    .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
                self.entries
                    .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
            }
            if self.method == "DELETE" && self.browser.turns_delete_into_get_across_origins() {
                self.method = "GET".to_owned();
            }
            // Fetch "redirect-taint": a hop between two origins taints the request unless it
            // starts at the page's own origin. So a redirect from the API back to the page's
            // origin taints it too (Chromium 156 then sends `Origin: null`).
            if self.url.origin() != &self.origin
                || (self.mode == Mode::NoCors
                    && self.browser.taints_no_cors_on_any_cross_origin_hop())
            {
                self.tainted = true;
            }
        }
        self.url = next;
        self.state = State::Ready { preflighted: false };
    }

    fn block(&mut self, reason: BlockReason, in_preflight: bool, status: Option<u16>) -> Step {
        // Firefox 153 forgets the cached preflight answers for a URL whose response (final or
        // redirect) fails the CORS check, so the next fetch preflights again.
        if self.browser == Browser::Firefox && !in_preflight && status.is_some() {
            let origin = self.preflight_origin();
            self.cache.remove(&origin, &self.url.to_string());
        }
        let blocked = Blocked {
            reason,
            in_preflight,
            url: self.url.to_string(),
            initial_url: self.initial_url.to_string(),
            origin: if in_preflight {
                self.preflight_origin()
            } else {
                self.request_origin()
            },
            page_origin: self.origin.to_string(),
            status,
        };
        self.finish(Err(blocked), Vec::new())
    }

    fn finish(
        &mut self,
        result: Result<ResponseType, Blocked>,
        readable_headers: Vec<String>,
    ) -> Step {
        let outcome = Outcome {
            result,
            status: self.last_status,
            readable_headers,
            preflights: self.preflights,
            requests: self.requests,
        };
        self.state = State::Done(outcome.clone());
        Step::Done(outcome)
    }
}
