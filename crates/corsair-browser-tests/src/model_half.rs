//! The browser-model half as a whole: origin A's page, origin B's scripted server, running
//! scenarios in an engine and in the model, and shrinking disagreements.

use std::time::{Duration, Instant};

use corsair::Origin;

use crate::{
    Error, Result,
    engine::{ConsoleRun, Engine},
    generate::{Context, Rng, renamed, simplifications},
    record::Kind,
    result::FetchResult,
    scenario::{
        ModelOutcome, Observed, Scenario, ScriptedServer, model, model_outcomes, reproducer,
    },
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
    /// What the real browser did.
    pub engine: Observed,
    /// The model profile judged.
    pub browser: corsair::browser::Browser,
    /// What the model predicts.
    pub model: Observed,
}

impl Run {
    /// Whether the model predicted the engine exactly.
    pub fn agrees(&self) -> bool {
        self.engine.agrees_with(&self.model)
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

    /// Runs `scenarios` in `engine` (in batches, from one page) and in the model.
    pub async fn run(&self, engine: &impl Engine, scenarios: &[Scenario]) -> Result<Vec<Run>> {
        let ctx = self.context();
        let mut runs = Vec::with_capacity(scenarios.len());
        for batch in scenarios.chunks(BATCH) {
            for scenario in batch {
                self.server.register(scenario);
            }
            let json: Vec<_> = batch.iter().map(|s| s.to_json(&ctx)).collect();
            let results = engine.run(&self.page_url(), &json, CONCURRENCY).await?;
            for (scenario, fetches) in batch.iter().zip(results) {
                let observed = Observed {
                    fetches,
                    arrivals: self.server.arrivals(&scenario.id),
                };
                let browser = engine.profile();
                let model = model(browser, scenario, &self.page_origin, &ctx)?;
                runs.push(Run {
                    scenario: scenario.clone(),
                    engine: observed,
                    browser,
                    model,
                });
            }
        }
        Ok(runs)
    }

    /// Runs `scenario` alone in `engine` and returns what the page saw and what the engine
    /// printed to its console meanwhile.
    pub async fn run_logged(
        &self,
        engine: &impl Engine,
        scenario: &Scenario,
    ) -> Result<ConsoleRun> {
        self.server.register(scenario);
        engine
            .run_logged(&self.page_url(), &scenario.to_json(&self.context()))
            .await
    }

    /// Per fetch of `scenario`, what the page sees or why the model's `browser` profile
    /// blocks it.
    pub fn model_outcomes(
        &self,
        browser: corsair::browser::Browser,
        scenario: &Scenario,
    ) -> Result<Vec<ModelOutcome>> {
        model_outcomes(browser, scenario, &self.page_origin, &self.context())
            .map(|(outcomes, _)| outcomes)
    }

    /// Runs each disagreeing scenario once more (under a new id, so nothing is cached) and
    /// splits them into those that disagree again and those that do not (a timing accident,
    /// such as a 5-second default max-age expiring between two fetches on a loaded machine).
    pub async fn confirm(
        &self,
        engine: &impl Engine,
        failing: Vec<Run>,
    ) -> Result<(Vec<Run>, Vec<Run>)> {
        let again: Vec<Scenario> = failing
            .iter()
            .map(|run| renamed(run.scenario.clone(), &format!("{}-again", run.scenario.id)))
            .collect();
        let reruns = self.run(engine, &again).await?;
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

    /// Shrinks a disagreement: repeatedly tries simpler variants in `engine` and keeps the
    /// first that still disagrees with the model, until none does.
    pub async fn shrink(&self, engine: &impl Engine, failing: Run) -> Result<Run> {
        let mut current = failing;
        for _round in 0..40 {
            let candidates = simplifications(&current.scenario);
            if candidates.is_empty() {
                break;
            }
            let runs = self.run(engine, &candidates).await?;
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
            run.browser,
            &run.scenario,
            &self.page_origin,
            &self.context(),
            &run.engine,
            &run.model,
        )
    }
}

/// Disagreements shrunk to a minimal reproducer (each costs a few browser round trips).
const SHRUNK: usize = 3;

/// A scenario generator: [`crate::generate::scenario`] (fetches, redirects, caches) or
/// [`crate::generate::initiators::scenario`] (one answer through each initiator).
pub type Generator = fn(&mut Rng, &Context, String) -> Scenario;

/// Runs `count` scenarios that `generator` draws from `seed` in `engine` and in the model;
/// `Ok(summary)` when the model predicted every one (or the disagreements did not
/// reproduce), else the report with shrunk reproducers.
pub async fn judge(
    engine: &impl Engine,
    generator: Generator,
    seed: u64,
    count: usize,
) -> Result<String, String> {
    let started = Instant::now();
    let half = ModelHalf::start().await.map_err(|e| e.to_string())?;
    let context = half.context();
    let mut rng = Rng::new(seed);
    let scenarios: Vec<_> = (0..count)
        .map(|i| generator(&mut rng, &context, format!("{seed:x}-{i}")))
        .collect();
    let runs = half
        .run(engine, &scenarios)
        .await
        .map_err(|e| e.to_string())?;
    let summary = summarize(&runs, started.elapsed());
    let failing: Vec<Run> = runs.into_iter().filter(|run| !run.agrees()).collect();
    if failing.is_empty() {
        return Ok(summary);
    }
    let (failing, unconfirmed) = half
        .confirm(engine, failing)
        .await
        .map_err(|e| e.to_string())?;
    for run in &unconfirmed {
        eprintln!(
            "warning: this disagreement did not happen again on a second run (timing, or \
             an engine evicting preflight-cache entries once its cache is full):\n{}",
            half.reproducer(run)
        );
    }
    if failing.is_empty() {
        return Ok(format!(
            "{summary}; {} disagreement(s) did not reproduce",
            unconfirmed.len()
        ));
    }
    let mut report = format!(
        "{} of {count} scenarios disagree ({summary}); the first {} shrunk to a minimal reproducer:\n",
        failing.len(),
        SHRUNK.min(failing.len())
    );
    for run in failing.iter().take(SHRUNK) {
        report.push_str("\noriginal ");
        report.push_str(&half.reproducer(run));
        match half.shrink(engine, run.clone()).await {
            Ok(minimal) => {
                report.push_str("minimal ");
                report.push_str(&half.reproducer(&minimal));
            }
            Err(error) => report.push_str(&format!("(shrinking failed: {error})\n")),
        }
    }
    if failing.len() > SHRUNK {
        report.push_str("\nother disagreeing scenarios:\n");
        for run in &failing[SHRUNK..] {
            report.push('\n');
            report.push_str(&half.reproducer(run));
        }
    }
    Err(report)
}

/// One line on what `runs` covered.
pub fn summarize(runs: &[Run], elapsed: Duration) -> String {
    let fetches: Vec<&FetchResult> = runs.iter().flat_map(|r| &r.engine.fetches).collect();
    let allowed = fetches.iter().filter(|f| f.is_allowed()).count();
    let arrivals = runs.iter().flat_map(|r| &r.engine.arrivals);
    let (mut preflights, mut actual) = (0, 0);
    for arrival in arrivals {
        match arrival.kind {
            Kind::Preflight => preflights += 1,
            Kind::Actual => actual += 1,
        }
    }
    let agreeing = runs.iter().filter(|r| r.agrees()).count();
    let repeated = runs.iter().filter(|r| r.scenario.fetches.len() > 1).count();
    let redirecting = runs
        .iter()
        .filter(|r| !r.scenario.redirects.is_empty())
        .count();
    format!(
        "{agreeing}/{} scenarios agree ({repeated} with a second fetch, {redirecting} redirecting); \
         {} fetches ({allowed} allowed, {} blocked); {preflights} preflights and {actual} actual \
         requests reached the server; {:.1} s",
        runs.len(),
        fetches.len(),
        fetches.len() - allowed,
        elapsed.as_secs_f64()
    )
}

/// The generated-scenarios test for engine `E`: reads the seed (`CORSAIR_BROWSER_SEED`) and
/// the count (`CORSAIR_BROWSER_SCENARIOS`, else `default_count`), prints how to replay the
/// run, and fails the calling test unless the model's profile predicts every scenario that
/// `generator` draws.
pub async fn judge_generated<E: Engine>(generator: Generator, default_count: usize) {
    let seed = crate::generate::seed_from_env();
    let count = std::env::var("CORSAIR_BROWSER_SCENARIOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_count);
    eprintln!(
        "browser model vs {}: seed {seed:#x} (replay with CORSAIR_BROWSER_SEED={seed:#x}), {count} scenarios",
        E::NAME
    );
    crate::engine::judged::<E>(
        std::time::Duration::from_secs(600),
        &format!("seed {seed:#x}, "),
        async |engine| judge(engine, generator, seed, count).await,
    )
    .await;
}
