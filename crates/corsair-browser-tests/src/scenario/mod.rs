//! Scenarios for the browser-model half: what the page asks for, what origin B answers (to
//! the preflight and to the actual request), what the engine did, and what the model predicts
//! for the same answers.

mod answer;
mod observed;
mod request;
mod server;

pub use answer::{Answer, escape_bytes};
pub use observed::{ModelOutcome, Observed, arrival_of, model, model_outcomes, reproducer};
pub use request::{FetchInit, header_lines};
pub use server::ScriptedServer;

use std::time::Duration;

use serde_json::{Value, json};

use crate::{generate::Context, record::Kind};

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
