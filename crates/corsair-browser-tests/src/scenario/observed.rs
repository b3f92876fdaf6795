//! What the engine and the model did with a scenario, compared, with a reproducer.

use std::fmt::{self, Write as _};

use corsair::{
    Origin,
    browser::{Blocked, Browser, Fetch, Outgoing, PreflightCache, Readable, ResponseType, Url},
};

use crate::{Error, Result, generate::Context, record::Arrival, result::FetchResult};

use super::Scenario;

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
            let arrival = arrival_of(browser, outgoing);
            let path = arrival.url.split('?').next().unwrap_or_default().to_owned();
            let answer = scenario.answer(arrival.kind, &path).head();
            arrivals.push(arrival);
            answer
        });
        let readable = init.initiator.readable();
        outcomes.push(outcome.result.map(|kind| {
            let status = match (kind, readable) {
                (ResponseType::Opaque, _) | (_, Readable::Nothing) => 0,
                _ => outcome.status.unwrap_or_default(),
            };
            FetchResult::Allowed {
                kind: match readable {
                    Readable::Response => kind.as_str(),
                    Readable::StatusAndHeaders | Readable::Nothing => "",
                }
                .to_owned(),
                status,
                headers: outcome.readable_headers,
            }
        }));
    }
    Ok((outcomes, arrivals))
}

/// What the server would record for a request the model sends.
pub fn arrival_of(browser: Browser, outgoing: &Outgoing) -> Arrival {
    let url = outgoing.url.to_string();
    let (host, target) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.find('/').map(|slash| rest.split_at(slash)))
        .unwrap_or(("", "/"));
    // The userinfo of `http://user:pw@host/` never reaches the server in `Host`.
    let host = host.rsplit('@').next().unwrap_or(host);
    // The model's values are the page's strings, which each engine encodes in its own way.
    let encoding = browser.facts().header_bytes;
    let lines: Vec<(&str, Vec<u8>)> = [("Host", host)]
        .into_iter()
        .chain(
            outgoing
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
        .map(|(name, value)| (name, encoding.encode(value)))
        .collect();
    Arrival::classify(
        &outgoing.method,
        target,
        lines.iter().map(|(n, v)| (*n, v.as_slice())),
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
            "  request {}: {:?} by {init}",
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
