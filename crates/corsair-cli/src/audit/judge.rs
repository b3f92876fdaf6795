//! Would a real browser let this origin read it? Each probe runs through the browser model
//! of every engine, credentialed and not, over one shared record of the network's answers:
//! what the server said is asked once, what each engine concludes is the model's.

use std::collections::HashMap;

use corsair::browser::{
    Browser, Credentials, Exchange, Fetch, Outgoing, PageRequest, PreflightCache, ResponseHead,
    Step,
};

use crate::client::NetworkError;

/// Why a URL's scan stopped.
#[derive(Debug)]
pub(crate) enum Stop {
    Network(NetworkError),
    /// The URL's request budget is spent.
    Budget(u32),
}

/// What the engines concluded for one probe.
#[derive(Clone, Debug, Default)]
pub(crate) struct Verdict {
    /// Engines that let the page read the answer (or, for an unsafe method, send it) with
    /// credentials included.
    pub(crate) with_credentials: Vec<Browser>,
    /// Engines that do so without credentials.
    pub(crate) without_credentials: Vec<Browser>,
    /// Chromium's credentialed exchanges, in order: the last one answered.
    pub(crate) exchanges: Vec<(Outgoing, ResponseHead)>,
}

impl Verdict {
    pub(crate) fn readable(&self) -> bool {
        !self.without_credentials.is_empty() || !self.with_credentials.is_empty()
    }

    /// Leaves out the engines `keep` refuses (those that cannot be at the origin at all).
    pub(crate) fn only(&mut self, keep: impl Fn(Browser) -> bool) {
        self.with_credentials.retain(|b| keep(*b));
        self.without_credentials.retain(|b| keep(*b));
    }

    /// The exchange that answered: the last hop of the redirect chain.
    pub(crate) fn answer(&self) -> Option<&(Outgoing, ResponseHead)> {
        self.exchanges.last()
    }

    /// The engines for the severity: credentialed readers when there are any.
    pub(crate) fn browsers(&self) -> &[Browser] {
        if self.with_credentials.is_empty() {
            &self.without_credentials
        } else {
            &self.with_credentials
        }
    }
}

/// The requests one URL's scan sent, each once, and what came back.
#[derive(Debug, Default)]
pub(crate) struct Record {
    answers: HashMap<String, ResponseHead>,
}

/// One request as the server sees it: the same for every engine that sends it alike.
pub(crate) fn key(outgoing: &Outgoing) -> String {
    let mut headers: Vec<(String, &str)> = outgoing
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.as_str()))
        .collect();
    headers.sort();
    format!("{} {} {headers:?}", outgoing.method, outgoing.url)
}

impl Record {
    pub(crate) fn get(&self, outgoing: &Outgoing) -> Option<&ResponseHead> {
        self.answers.get(&key(outgoing))
    }

    pub(crate) fn insert(&mut self, outgoing: &Outgoing, response: ResponseHead) {
        self.answers.insert(key(outgoing), response);
    }
}

/// Runs `request` in every engine, credentialed and not, getting each answer from `send`
/// (which asks the network only for requests not yet recorded). An unsafe method is never
/// sent: its verdict is whether the preflight let it through.
pub(crate) async fn judge<S>(request: &PageRequest, mut send: S) -> Result<Verdict, Stop>
where
    S: AsyncFnMut(&Outgoing) -> Result<ResponseHead, Stop>,
{
    let mut verdict = Verdict::default();
    for browser in Browser::ALL {
        for credentials in [Credentials::Include, Credentials::Omit] {
            let mut cache = PreflightCache::new(browser);
            let mut fetch = Fetch::new(
                browser,
                request.clone().credentials(credentials),
                &mut cache,
            );
            let keep = browser == Browser::Chromium && credentials == Credentials::Include;
            let readable = loop {
                let outgoing = match fetch.step() {
                    Step::Send(outgoing) => outgoing,
                    Step::Done(outcome) => break outcome.result.is_ok(),
                };
                if outgoing.exchange == Exchange::Actual
                    && !matches!(outgoing.method.as_str(), "GET" | "HEAD" | "POST")
                {
                    break true;
                }
                let response = send(&outgoing).await?;
                if keep {
                    verdict.exchanges.push((outgoing, response.clone()));
                }
                fetch.receive(response);
            };
            if readable {
                match credentials {
                    Credentials::Include => verdict.with_credentials.push(browser),
                    _ => verdict.without_credentials.push(browser),
                }
            }
        }
    }
    Ok(verdict)
}
