//! The browser-model half as a whole: origin A's page, origin B's scripted server, running
//! scenarios in Chromium and in the model, and shrinking disagreements.

use corsair::Origin;

use crate::{
    Error, Result,
    chromium::Chromium,
    generate::{Context, renamed, simplifications},
    scenario::{Observed, Scenario, ScriptedServer, model, reproducer},
};

/// Scenarios per `execute_async_script` call.
pub const BATCH: usize = 200;
/// Fetches the page runs at once (Chromium opens at most 6 connections per host anyway).
pub const CONCURRENCY: usize = 6;

/// Origin A and a scripted origin B.
#[derive(Debug)]
pub struct ModelHalf {
    server: ScriptedServer,
    page_origin: Origin,
}

/// One scenario's run on both sides.
#[derive(Clone, Debug)]
pub struct Run {
    /// The scenario.
    pub scenario: Scenario,
    /// What Chromium did.
    pub chromium: Observed,
    /// What the model predicts.
    pub model: Observed,
}

impl Run {
    /// Whether the model predicted Chromium exactly.
    pub fn agrees(&self) -> bool {
        self.chromium.agrees_with(&self.model)
    }
}

impl ModelHalf {
    /// Starts both servers.
    pub async fn start() -> Result<Self> {
        let server = ScriptedServer::start().await?;
        let page_origin = Origin::parse(&format!("http://127.0.0.1:{}", server.page_port()))
            .map_err(|e| Error::new(e.to_string()))?;
        Ok(Self {
            server,
            page_origin,
        })
    }

    /// What generated answers refer to.
    pub fn context(&self) -> Context {
        Context {
            page: self.page_origin.to_string(),
            page_port: self.server.page_port(),
            server_port: self.server.port(),
        }
    }

    /// The page's URL (origin A).
    pub fn page_url(&self) -> String {
        format!("{}/", self.page_origin)
    }

    /// Runs `scenarios` in Chromium (in batches, from one page) and in the model.
    pub async fn run(&self, chromium: &Chromium, scenarios: &[Scenario]) -> Result<Vec<Run>> {
        let port = self.server.port();
        let mut runs = Vec::with_capacity(scenarios.len());
        for batch in scenarios.chunks(BATCH) {
            for scenario in batch {
                self.server.register(scenario);
            }
            let json: Vec<_> = batch.iter().map(|s| s.to_json(port)).collect();
            let results = chromium.run(&self.page_url(), &json, CONCURRENCY).await?;
            for (scenario, fetches) in batch.iter().zip(results) {
                let chromium = Observed {
                    fetches,
                    arrivals: self.server.arrivals(&scenario.id),
                };
                let model = model(scenario, &self.page_origin, port)?;
                runs.push(Run {
                    scenario: scenario.clone(),
                    chromium,
                    model,
                });
            }
        }
        Ok(runs)
    }

    /// Runs each disagreeing scenario once more (under a new id, so nothing is cached) and
    /// splits them into those that disagree again and those that do not (a timing accident,
    /// such as a 5-second default max-age expiring between two fetches on a loaded machine).
    pub async fn confirm(
        &self,
        chromium: &Chromium,
        failing: Vec<Run>,
    ) -> Result<(Vec<Run>, Vec<Run>)> {
        let again: Vec<Scenario> = failing
            .iter()
            .map(|run| renamed(run.scenario.clone(), &format!("{}-again", run.scenario.id)))
            .collect();
        let reruns = self.run(chromium, &again).await?;
        let mut confirmed = Vec::new();
        let mut unconfirmed = Vec::new();
        for (first, rerun) in failing.into_iter().zip(reruns) {
            if rerun.agrees() {
                unconfirmed.push(first);
            } else {
                confirmed.push(rerun);
            }
        }
        Ok((confirmed, unconfirmed))
    }

    /// Shrinks a disagreement: repeatedly tries simpler variants in Chromium and keeps the
    /// first that still disagrees with the model, until none does.
    pub async fn shrink(&self, chromium: &Chromium, failing: Run) -> Result<Run> {
        let mut current = failing;
        for _round in 0..40 {
            let candidates = simplifications(&current.scenario);
            if candidates.is_empty() {
                break;
            }
            let runs = self.run(chromium, &candidates).await?;
            match runs.into_iter().find(|run| !run.agrees()) {
                Some(simpler) => current = simpler,
                None => break,
            }
        }
        Ok(current)
    }

    /// The reproducer text of `run`.
    pub fn reproducer(&self, run: &Run) -> String {
        reproducer(
            &run.scenario,
            &self.page_origin,
            self.server.port(),
            &run.chromium,
            &run.model,
        )
    }
}
