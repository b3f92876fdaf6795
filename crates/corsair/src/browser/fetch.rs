//! The browser's side of one `fetch()`, as a state machine: the caller does the I/O.

use super::{
    Browser, Credentials, Exchange, Initiator, Mode, Outcome, Outgoing, PageRequest,
    PreflightCache, Readable, ResponseHead, ResponseType, Step, Url,
    blocked::{BlockReason, Blocked},
    check::{basic_readable_headers, cors_check, preflight_grant, readable_headers},
    profile::{EmptyLocation, Profile},
    request_headers::RequestHeaders,
    safelist::{is_safelisted_method, normalize_method},
    site::FetchSite,
};
use crate::{
    Origin,
    grammar::{self, token::is_token},
};

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
/// let chromium = Browser::default();
/// let mut cache = PreflightCache::new(chromium);
/// let mut fetch = Fetch::new(chromium, request, &mut cache);
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
    profile: &'static Profile,
    cache: &'c mut PreflightCache,
    initiator: Initiator,
    /// The farthest site a hop went to so far: a navigation's `Sec-Fetch-Site`.
    site: FetchSite,
    origin: Origin,
    initial_url: Url,
    mode: Mode,
    credentials: Credentials,
    /// The request as the current hop sends it.
    hop: Hop,
    /// A redirect's refusal that the engine reports only when the request would be sent
    /// (after a preflight it needs), with the redirect's status.
    refused_when_sending: Option<(BlockReason, u16)>,
    preflights: u32,
    requests: u32,
    last_status: Option<u16>,
    state: State,
}

/// The request as it stands at one hop of a fetch: what each redirect rewrites.
#[derive(Debug)]
pub(super) struct Hop {
    pub(super) url: Url,
    pub(super) method: String,
    pub(super) headers: RequestHeaders,
    pub(super) flags: Flags,
    /// Redirects followed so far.
    pub(super) redirects: u32,
}

/// What a fetch remembers from its earlier hops.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Flags {
    /// Whether a hop of this fetch needed a preflight: some engines then preflight every
    /// later cross-origin hop too.
    pub(super) needed_preflight: bool,
    /// Whether the last request carried `Origin` and the redirect after it stayed on that
    /// request's origin: some engines then keep `Origin` on the next request.
    pub(super) keeps_origin: bool,
    /// A redirect between two origins happened.
    pub(super) crossed_origins: bool,
    /// A redirect between two origins, not from the page's own, happened: `Origin` is now
    /// `null` (Fetch "redirect-taint").
    pub(super) tainted: bool,
    /// Once a request went cross-origin in cors mode, every later response is checked
    /// (Fetch "CORS tainting").
    pub(super) cors_tainting: bool,
}

impl<'c> Fetch<'c> {
    /// Starts a fetch. Header values lose their leading and trailing whitespace (as
    /// `Headers` normalizes them); forbidden request headers (`Cookie`, `Host`,
    /// `X-HTTP-Method-Override: TRACE`...) are dropped, as browsers do silently, and so is, in
    /// `no-cors` mode, every header that would not stay a no-CORS-safelisted one (Fetch's
    /// "request-no-cors" guard); same-named headers are combined with `, `.
    ///
    /// The request is run as given: [`PageRequest::validate`] tells whether its initiator
    /// can make it. The engine decides the mode of a font (see [`PageRequest::by`]).
    pub fn new(browser: Browser, request: PageRequest, cache: &'c mut PreflightCache) -> Self {
        let profile = browser.profile();
        let mode = match request.initiator {
            Initiator::Font => profile.initiators.font_mode,
            _ => request.mode,
        };
        Self {
            profile,
            cache,
            initiator: request.initiator,
            site: FetchSite::SameOrigin,
            origin: request.origin,
            initial_url: request.url.clone(),
            mode,
            credentials: request.credentials,
            hop: Hop {
                url: request.url,
                method: normalize_method(&request.method).to_owned(),
                headers: RequestHeaders::from_page(
                    request.headers,
                    mode,
                    request.initiator,
                    profile.unsafe_names,
                ),
                flags: Flags::default(),
                redirects: 0,
            },
            refused_when_sending: None,
            preflights: 0,
            requests: 0,
            last_status: None,
            state: State::Ready { preflighted: false },
        }
    }

    /// Headers the page set that the browser silently dropped (forbidden request headers, and
    /// in `no-cors` mode those that are not no-CORS-safelisted).
    pub fn dropped_headers(&self) -> &[String] {
        self.hop.headers.dropped()
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
        let profile = self.profile;
        let same_origin = self.hop.url.origin() == &self.origin && !self.hop.flags.tainted;
        if same_origin && !self.hop.flags.cors_tainting {
            if self.mode == Mode::Cors
                && profile.redirects.flags_preflight_on_same_origin_hops
                && !self.hop.headers.unsafe_names(profile).is_empty()
            {
                self.hop.flags.needed_preflight = true;
            }
            return self.send_actual(ResponseType::Basic);
        }
        match self.mode {
            Mode::SameOrigin => self.block(BlockReason::DisallowedByMode, false, None),
            Mode::NoCors => self.send_actual(ResponseType::Opaque),
            Mode::Cors => {
                self.hop.flags.cors_tainting = true;
                let unsafe_names = self.hop.headers.unsafe_names(profile);
                let own_need = !is_safelisted_method(&self.hop.method) || !unsafe_names.is_empty();
                // A hop after one that needed a preflight may be preflighted too (a 303's GET
                // included).
                let inherited = !own_need
                    && profile.redirects.preflights_every_hop_after_a_preflight
                    && self.hop.flags.needed_preflight;
                let needs_preflight = own_need || inherited;
                if needs_preflight {
                    self.hop.flags.needed_preflight = true;
                }
                let origin = self.preflight_origin();
                let url = self.hop.url.to_string();
                let credentials = self.credentials == Credentials::Include;
                let consult = needs_preflight && !preflighted;
                let cached = consult
                    && self.cache.covers(
                        &origin,
                        &url,
                        credentials,
                        &self.hop.method,
                        &unsafe_names,
                    );
                if consult && !cached && profile.cache.drops_answers_that_miss {
                    self.cache.remove(&origin, &url);
                }
                if consult && !cached {
                    self.send_preflight(unsafe_names)
                } else {
                    self.send_actual(ResponseType::Cors)
                }
            }
        }
    }

    /// `fetch()`'s own checks of the method, before anything is sent (TypeErrors).
    fn method_error(&self) -> Option<BlockReason> {
        let method = self.hop.method.clone();
        if !is_token(method.as_bytes()) {
            Some(BlockReason::InvalidMethod { method })
        } else if grammar::method::is_forbidden(method.as_bytes()) {
            Some(BlockReason::ForbiddenMethod { method })
        } else if self.mode == Mode::NoCors && !is_safelisted_method(&method) {
            Some(BlockReason::NoCorsMethod { method })
        } else {
            None
        }
    }

    /// The request origin as serialized in `Origin`: `null` after a cross-origin redirect.
    fn request_origin(&self) -> String {
        if self.hop.flags.tainted {
            "null".to_owned()
        } else {
            self.origin.to_string()
        }
    }

    /// The `Origin` of a preflight: `null` after a cross-origin redirect only in the engines
    /// that send it so.
    fn preflight_origin(&self) -> String {
        if self.hop.flags.tainted && self.profile.facts.null_origin_in_redirected_preflights {
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
                self.hop.method.clone(),
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
            url: self.hop.url.clone(),
            headers,
            with_credentials: false,
        };
        let checked_names = self.hop.headers.checked_names(self.profile, unsafe_names);
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
        let sends_origin = kind == ResponseType::Cors
            || !matches!(self.hop.method.as_str(), "GET" | "HEAD")
            || (self.profile.redirects.keeps_origin_within_an_origin
                && self.hop.flags.keeps_origin)
            || (kind == ResponseType::Basic
                && self.mode == Mode::Cors
                && self.initiator.is_element()
                && self.profile.initiators.origin_on_same_origin_element_loads);
        self.hop.flags.keeps_origin = sends_origin;
        if sends_origin {
            headers.push(("Origin".to_owned(), self.request_origin()));
        }
        headers.extend(self.hop.headers.lines().iter().cloned());
        headers.extend(self.initiator_headers());
        let with_credentials = match self.credentials {
            Credentials::Include => true,
            Credentials::SameOrigin => kind == ResponseType::Basic,
            Credentials::Omit => false,
        };
        let outgoing = Outgoing {
            exchange: Exchange::Actual,
            method: self.hop.method.clone(),
            url: self.hop.url.clone(),
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

    /// The headers the initiator adds itself: its `Accept` (unless the page set one), an
    /// `EventSource`'s cache headers, and for a form's navigation the `Sec-Fetch-*` headers
    /// the protections against forged writes read.
    fn initiator_headers(&mut self) -> Vec<(String, String)> {
        let accept = self.profile.initiators.accept;
        let mut headers = Vec::new();
        let page_accept = self
            .hop
            .headers
            .lines()
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("accept"));
        if !page_accept {
            headers.push(("Accept".to_owned(), accept.of(self.initiator).to_owned()));
        }
        let drops_pragma = self.hop.flags.crossed_origins
            && self.profile.redirects.drops_added_pragma_across_origins;
        headers.extend(
            self.initiator
                .cache_headers()
                .iter()
                .filter(|(name, _)| !(drops_pragma && *name == "Pragma"))
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        );
        if self.initiator == Initiator::Form {
            let metadata = self.profile.facts.fetch_metadata;
            self.site = self
                .site
                .max(FetchSite::between(&self.origin, self.hop.url.origin()));
            headers.extend([
                ("Sec-Fetch-Site".to_owned(), self.site.as_str().to_owned()),
                ("Sec-Fetch-Mode".to_owned(), metadata.form_mode.to_owned()),
                ("Sec-Fetch-Dest".to_owned(), metadata.form_dest.to_owned()),
            ]);
        }
        headers
    }

    /// Runs the whole fetch with `respond` answering each request (a test server, a recorded
    /// exchange): for callers that need no asynchronous I/O.
    ///
    /// ```
    /// use corsair::{Origin, browser::{Browser, Fetch, PageRequest, PreflightCache, ResponseHead, Url}};
    ///
    /// let firefox: Browser = "firefox".parse()?;
    /// let request = PageRequest::new(Origin::parse("https://app.example")?, Url::parse("https://api.example/")?);
    /// let mut cache = PreflightCache::new(firefox);
    /// let outcome = Fetch::new(firefox, request, &mut cache)
    ///     .run(|_request| ResponseHead::new(200, [("content-type", "text/plain")]));
    /// let blocked = outcome.result.unwrap_err();
    /// assert!(blocked.console_message(firefox).ends_with(
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
        let profile = self.profile;
        let credentials = self.credentials == Credentials::Include;
        let origin = self.preflight_origin();
        let grant = match preflight_grant(profile, &origin, credentials, response) {
            Ok(grant) => grant,
            Err(reason) => {
                self.block(reason, true, Some(response.status));
                return;
            }
        };
        let admitted = grant.admits(&self.hop.method, checked_names, credentials);
        let max_age = response.get("access-control-max-age");
        let cacheable = (!self.hop.flags.tainted || profile.cache.stores_after_taint)
            && (admitted.is_ok() || profile.cache.stores_answers_that_refuse);
        if let Some(lifetime) = profile
            .preflight_lifetime(max_age.as_deref())
            .filter(|_| cacheable)
        {
            self.cache.store(
                &origin,
                &self.hop.url.to_string(),
                credentials,
                grant,
                lifetime,
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
        let rules = &self.profile.redirects;
        let location = response
            .get("location")
            .filter(|_| response.is_redirect())
            .filter(|location| {
                !(location.is_empty() && rules.empty_location == EmptyLocation::Ignored)
            });
        let credentials = self.credentials == Credentials::Include
            || (self.credentials == Credentials::SameOrigin
                && location.is_some()
                && self.initial_url.origin() == &self.origin
                && !self.hop.flags.needed_preflight
                && rules.checks_redirects_with_same_origin_credentials);
        if kind == ResponseType::Cors
            && let Err(reason) = cors_check(
                &self.profile.allow_origin,
                &self.request_origin(),
                credentials,
                response,
            )
        {
            self.block(reason, false, Some(response.status));
            return;
        }
        if let Some(location) = location {
            let location = String::from_utf8_lossy(&location);
            match self.hop.follow(
                self.profile,
                &self.origin,
                self.mode,
                &location,
                response.status,
            ) {
                Ok(refused_when_sending) => {
                    if let Some(reason) = refused_when_sending {
                        self.refused_when_sending = Some((reason, response.status));
                    }
                    self.state = State::Ready { preflighted: false };
                }
                Err(reason) => {
                    self.block(reason, false, Some(response.status));
                }
            }
            return;
        }
        let readable_headers = match (kind, self.initiator.readable()) {
            (_, Readable::Nothing) | (ResponseType::Opaque, _) => Vec::new(),
            (ResponseType::Basic, _) => basic_readable_headers(response),
            (ResponseType::Cors, _) => readable_headers(response, credentials),
        };
        self.finish(Ok(kind), readable_headers);
    }

    fn block(&mut self, reason: BlockReason, in_preflight: bool, status: Option<u16>) -> Step {
        // A response (final or redirect) that fails the CORS check.
        if self.profile.cache.forgets_on_failed_check && !in_preflight && status.is_some() {
            let origin = self.preflight_origin();
            self.cache.remove(&origin, &self.hop.url.to_string());
        }
        let blocked = Blocked {
            initiator: self.initiator,
            reason,
            in_preflight,
            url: self.hop.url.to_string(),
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
