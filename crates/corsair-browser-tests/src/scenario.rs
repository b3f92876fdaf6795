//! Scenarios for the browser-model half: what the page asks for, what origin B answers (to
//! the preflight and to the actual request), what the engine did, and what the model predicts
//! for the same answers.

use std::{
    collections::HashMap,
    fmt::{self, Write as _},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use corsair::{
    Origin,
    browser::{
        Blocked, Browser, Credentials, Fetch, Mode, Outgoing, PageRequest, PreflightCache,
        ResponseHead, ResponseType, Url,
    },
};
use serde_json::{Value, json};

use crate::{
    Error, Result,
    generate::Context,
    http1::{RawRequest, RawResponse, Server, has_no_body},
    page::page_response,
    record::{Arrival, Kind, Records, id_from_path},
    result::FetchResult,
};

/// What the page passes to `fetch()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchInit {
    /// `method`, as the page writes it.
    pub method: String,
    /// `headers`, in order (names may repeat).
    pub headers: Vec<(String, String)>,
    /// `mode`.
    pub mode: Mode,
    /// `credentials`.
    pub credentials: Credentials,
}

impl FetchInit {
    /// A request with these fields (header names and values as given).
    pub fn new(
        method: &str,
        headers: &[(&str, &str)],
        mode: Mode,
        credentials: Credentials,
    ) -> Self {
        Self {
            method: method.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            mode,
            credentials,
        }
    }

    /// A `GET` in cors mode without credentials.
    pub fn get() -> Self {
        Self {
            method: "GET".into(),
            headers: Vec::new(),
            mode: Mode::Cors,
            credentials: Credentials::Omit,
        }
    }

    /// The `RequestInit` object for the page.
    pub fn to_json(&self) -> Value {
        let headers: Vec<Value> = self.headers.iter().map(|(n, v)| json!([n, v])).collect();
        json!({
            "method": self.method,
            "headers": headers,
            "mode": self.mode.to_string(),
            "credentials": self.credentials.to_string(),
        })
    }

    /// The same request for the browser model.
    pub fn page_request(&self, page: &Origin, url: &Url) -> PageRequest {
        let mut request = PageRequest::new(page.clone(), url.clone())
            .method(self.method.clone())
            .mode(self.mode)
            .credentials(self.credentials);
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        request
    }
}

impl fmt::Display for FetchInit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{method: {:?}, headers: [", self.method)?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}[{name:?}, {value:?}]")?;
        }
        write!(
            f,
            "], mode: \"{}\", credentials: \"{}\"}}",
            self.mode, self.credentials
        )
    }
}

/// Header lines for an [`Answer`] from name-value pairs.
pub fn header_lines(headers: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
        .collect()
}

/// One scripted response: status and header lines exactly as written on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines, in order, names in the case written, values as bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Answer {
    /// An answer with these lines plus a correct `Content-Length` (none for 204 and 304).
    ///
    /// Chromium's HTTP cache keeps 300, 301, 308 and 410 responses without being told to
    /// (permanent redirects), so a repeated fetch would never reach the server again; that is
    /// HTTP caching, not CORS, so such answers always get `Cache-Control: no-store` unless
    /// they set `Cache-Control` themselves.
    pub fn new(status: u16, headers: Vec<(String, Vec<u8>)>, body: &[u8]) -> Self {
        let mut headers = headers;
        if matches!(status, 300 | 301 | 308 | 410)
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("cache-control"))
        {
            headers.push(("Cache-Control".to_owned(), b"no-store".to_vec()));
        }
        let mut lines = Vec::with_capacity(headers.len() + 1);
        let body = if has_no_body(status) {
            Vec::new()
        } else {
            lines.push(("Content-Length".to_owned(), body.len().to_string().into()));
            body.to_vec()
        };
        lines.extend(headers);
        Self {
            status,
            headers: lines,
            body,
        }
    }

    /// What the server writes.
    pub fn raw(&self) -> RawResponse {
        RawResponse {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }

    /// The same response for the browser model: the same status and header lines, byte for
    /// byte.
    pub fn head(&self) -> ResponseHead {
        ResponseHead::new(self.status, self.headers.clone())
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{status: {}, headers: [", self.status)?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}[{name:?}, \"{}\"]", escape_bytes(value))?;
        }
        f.write_str("]}")
    }
}

/// Bytes as a JSON-ish string body: printable ASCII kept, the rest as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02X}");
            }
        }
    }
    out
}

/// Where a scenario's fetches go first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Origin B (`http://localhost:PORT_B`): cross-origin from the first request.
    Server,
    /// The page's own origin: same-origin until a redirect leaves it, so a preflight may be
    /// needed only after the redirect.
    Page,
}

/// The page's requests to one URL (one after the other, so a second one probes the preflight
/// cache), and the answers to them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Unique id; the URL is `/s/<id>`.
    pub id: String,
    /// Which origin the URL is on.
    pub start: Start,
    /// The requests, in order (one or two).
    pub fetches: Vec<FetchInit>,
    /// How long the page waits between two fetches (to let a cached preflight expire).
    pub pause: Duration,
    /// The answer to every preflight.
    pub preflight: Answer,
    /// The answer to an actual request at `/s/<id>`.
    pub actual: Answer,
    /// A redirect chain's later answers: `redirects[n - 1]` answers an actual request at
    /// `/s/<id>` followed by `n` times [`REDIRECTED_SUFFIX`], on whichever origin it arrives.
    pub redirects: Vec<Answer>,
}

/// What each hop of a redirect chain appends to the scenario's path: hop `n` is at
/// `/s/<id>/r/r…` (`n` times `/r`).
pub const REDIRECTED_SUFFIX: &str = "/r";

impl Scenario {
    /// The URL the fetches go to.
    pub fn url(&self, ctx: &Context) -> String {
        match self.start {
            Start::Server => format!("http://localhost:{}/s/{}", ctx.server_port, self.id),
            Start::Page => format!("{}/s/{}", ctx.page, self.id),
        }
    }

    /// The path of hop `depth` of a redirect chain (`0`: the scenario's own path).
    pub fn hop_path(id: &str, depth: usize) -> String {
        format!("/s/{id}{}", REDIRECTED_SUFFIX.repeat(depth))
    }

    /// The object the page's `corsairRun` takes.
    pub fn to_json(&self, ctx: &Context) -> Value {
        let fetches: Vec<Value> = self.fetches.iter().map(FetchInit::to_json).collect();
        json!({
            "url": self.url(ctx),
            "fetches": fetches,
            "pauseMs": u64::try_from(self.pause.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// The scripted answer to one arriving request (`target`: its path, or its whole URL,
    /// without the query). A path deeper than the chain (a hop that redirects to itself) gets
    /// the last answer again.
    pub fn answer(&self, kind: Kind, target: &str) -> &Answer {
        if kind == Kind::Preflight {
            return &self.preflight;
        }
        let depth = target
            .split_once(&Self::hop_path(&self.id, 0))
            .map_or(0, |(_, rest)| rest.matches(REDIRECTED_SUFFIX).count());
        match depth.checked_sub(1) {
            None => &self.actual,
            Some(hop) => self
                .redirects
                .get(hop)
                .or(self.redirects.last())
                .unwrap_or(&self.actual),
        }
    }
}

/// Origins A and B for the model half. Origin A (`http://127.0.0.1:PORT_A`) serves the page
/// at `/`; origin B (`http://localhost:PORT_B`) answers each request of scenario `id` as that
/// scenario says. Redirects may also lead to `http://127.0.0.1:PORT_B` (a third origin) or
/// back to origin A, which answer scenario paths the same way. Every scenario request is
/// recorded.
#[derive(Debug)]
pub struct ScriptedServer {
    page: Server,
    server: Server,
    scenarios: Arc<Mutex<HashMap<String, Arc<Scenario>>>>,
    records: Records,
}

impl ScriptedServer {
    /// Starts both servers on free loopback ports.
    pub async fn start() -> Result<Self> {
        let scenarios: Arc<Mutex<HashMap<String, Arc<Scenario>>>> = Arc::default();
        let records = Records::new();
        let handler: crate::http1::Handler = {
            let scenarios = scenarios.clone();
            let records = records.clone();
            Arc::new(move |request: &RawRequest| {
                if request.path() == "/" {
                    return page_response();
                }
                let arrival = Arrival::classify(
                    &request.method,
                    &request.target,
                    request
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_slice())),
                );
                let scenario = id_from_path(request.path()).and_then(|id| {
                    scenarios
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get(id)
                        .cloned()
                });
                let Some(scenario) = scenario else {
                    return RawResponse {
                        status: 404,
                        headers: vec![("Content-Length".into(), b"0".to_vec())],
                        body: Vec::new(),
                    };
                };
                let response = scenario.answer(arrival.kind, request.path()).raw();
                records.push(&scenario.id, arrival);
                response
            })
        };
        Ok(Self {
            page: Server::start(handler.clone()).await?,
            server: Server::start(handler).await?,
            scenarios,
            records,
        })
    }

    /// Origin A's port (`http://127.0.0.1:<port>`).
    pub fn page_port(&self) -> u16 {
        self.page.port()
    }

    /// Origin B's port (`http://localhost:<port>`).
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// Makes the server answer for `scenario`.
    pub fn register(&self, scenario: &Scenario) {
        self.scenarios
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(scenario.id.clone(), Arc::new(scenario.clone()));
    }

    /// What arrived for `id`.
    pub fn arrivals(&self, id: &str) -> Vec<Arrival> {
        self.records.get(id)
    }
}

/// What one side (the engine or the model) did with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// Per fetch: what the page saw.
    pub fetches: Vec<FetchResult>,
    /// Every request that reached origin B, in order.
    pub arrivals: Vec<Arrival>,
}

impl Observed {
    /// Whether `self` and `other` agree on everything the suite checks: allowed or blocked,
    /// response type, status and readable names of each fetch, and the preflights and actual
    /// requests sent (method, `Origin`, `Access-Control-Request-*`). Error texts differ by
    /// nature (the page sees only "Failed to fetch") and are not compared.
    pub fn agrees_with(&self, other: &Observed) -> bool {
        let verdicts = |o: &Observed| -> Vec<Option<FetchResult>> {
            o.fetches
                .iter()
                .map(|f| f.is_allowed().then(|| f.clone()))
                .collect()
        };
        verdicts(self) == verdicts(other) && self.arrivals == other.arrivals
    }
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, fetch) in self.fetches.iter().enumerate() {
            match fetch {
                FetchResult::Allowed {
                    kind,
                    status,
                    headers,
                } => writeln!(
                    f,
                    "    fetch {}: allowed {{type: {kind:?}, status: {status}, readable: {headers:?}}}",
                    i + 1
                )?,
                FetchResult::Blocked { error } => {
                    writeln!(f, "    fetch {}: blocked ({error})", i + 1)?;
                }
            }
        }
        if self.arrivals.is_empty() {
            writeln!(f, "    reached the server: nothing")?;
        }
        for arrival in &self.arrivals {
            writeln!(f, "    reached the server: {arrival}")?;
        }
        Ok(())
    }
}

/// Runs `scenario` through the browser model's `browser` profile, answering each request
/// exactly as the scripted server does, with one [`PreflightCache`] across its fetches.
pub fn model(
    browser: Browser,
    scenario: &Scenario,
    page: &Origin,
    ctx: &Context,
) -> Result<Observed> {
    let (outcomes, arrivals) = model_outcomes(browser, scenario, page, ctx)?;
    let fetches = outcomes
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|blocked| FetchResult::Blocked {
                error: format!(
                    "{}: {}",
                    blocked.reason.kind(),
                    blocked.console_message(browser)
                ),
            })
        })
        .collect();
    Ok(Observed { fetches, arrivals })
}

/// What the model predicts for one fetch: what the page sees, or why it is blocked.
pub type ModelOutcome = std::result::Result<FetchResult, Blocked>;

/// Per fetch, what the page sees or why the model's `browser` profile blocks it, and every
/// request the model sends: [`model`] before blocked fetches are reduced to their message.
pub fn model_outcomes(
    browser: Browser,
    scenario: &Scenario,
    page: &Origin,
    ctx: &Context,
) -> Result<(Vec<ModelOutcome>, Vec<Arrival>)> {
    let url = Url::parse(&scenario.url(ctx)).map_err(|e| Error::new(e.to_string()))?;
    let mut cache = PreflightCache::new(browser);
    let mut arrivals = Vec::new();
    let mut outcomes = Vec::new();
    for (i, init) in scenario.fetches.iter().enumerate() {
        if i > 0 {
            cache.age(scenario.pause);
        }
        let request = init.page_request(page, &url);
        let outcome = Fetch::new(browser, request, &mut cache).run(|outgoing| {
            let arrival = arrival_of(outgoing);
            let path = arrival.url.split('?').next().unwrap_or_default().to_owned();
            let answer = scenario.answer(arrival.kind, &path).head();
            arrivals.push(arrival);
            answer
        });
        outcomes.push(outcome.result.map(|kind| {
            FetchResult::Allowed {
                kind: match kind {
                    ResponseType::Basic => "basic",
                    ResponseType::Cors => "cors",
                    ResponseType::Opaque => "opaque",
                }
                .to_owned(),
                status: if kind == ResponseType::Opaque {
                    0
                } else {
                    outcome.status.unwrap_or_default()
                },
                headers: outcome.readable_headers,
            }
        }));
    }
    Ok((outcomes, arrivals))
}

/// What the server would record for a request the model sends.
pub fn arrival_of(outgoing: &Outgoing) -> Arrival {
    let url = outgoing.url.to_string();
    let (host, target) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.find('/').map(|slash| rest.split_at(slash)))
        .unwrap_or(("", "/"));
    // The userinfo of `http://user:pw@host/` never reaches the server in `Host`.
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = [("Host".to_owned(), host.to_owned())];
    Arrival::classify(
        &outgoing.method,
        target,
        host.iter()
            .chain(&outgoing.headers)
            .map(|(n, v)| (n.as_str(), v.as_bytes())),
    )
}

/// A reproducer: everything needed to replay a disagreement by hand.
pub fn reproducer(
    browser: Browser,
    scenario: &Scenario,
    page: &Origin,
    ctx: &Context,
    engine: &Observed,
    model: &Observed,
) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "scenario {}:", scenario.id);
    let _ = writeln!(text, "  page: {page}");
    for (i, init) in scenario.fetches.iter().enumerate() {
        let _ = writeln!(
            text,
            "  request {}: fetch({:?}, {init})",
            i + 1,
            scenario.url(ctx),
        );
    }
    if !scenario.pause.is_zero() {
        let _ = writeln!(text, "  pause between fetches: {:?}", scenario.pause);
    }
    let _ = writeln!(text, "  preflight answer: {}", scenario.preflight);
    let _ = writeln!(text, "  actual answer: {}", scenario.actual);
    for (hop, answer) in scenario.redirects.iter().enumerate() {
        let path = Scenario::hop_path(&scenario.id, hop + 1);
        let _ = writeln!(text, "  answer at {path}: {answer}");
    }
    let _ = write!(text, "  {browser}:\n{engine}");
    let _ = write!(
        text,
        "  model (corsair::browser, {browser} profile):\n{model}"
    );
    text
}
