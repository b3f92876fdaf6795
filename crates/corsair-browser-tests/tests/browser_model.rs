//! The browser model against headless Chromium: at least 500 generated scenarios (seeded:
//! `CORSAIR_BROWSER_SEED` replays a run, `CORSAIR_BROWSER_SCENARIOS` changes the count), each
//! answered by origin B with scripted, often malformed CORS headers. For every scenario the
//! model's Chromium profile, fed exactly the same answers, must predict what Chromium did:
//! allowed or blocked, the preflights and actual requests that reached the server (method,
//! `Origin`, `Access-Control-Request-*`), the status and the readable header names.

use std::time::{Duration, Instant};

use corsair_browser_tests::{
    chromium::{Chromium, FetchResult},
    generate::{self, Rng},
    model_half::{ModelHalf, Run},
    record::Kind,
};

const DEFAULT_SCENARIOS: usize = 2000;
/// Disagreements shrunk to a minimal reproducer (each costs a few browser round trips).
const SHRUNK: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_predicts_chromium_on_generated_scenarios() {
    let seed = generate::seed_from_env();
    let count = std::env::var("CORSAIR_BROWSER_SCENARIOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_SCENARIOS);
    eprintln!(
        "browser model vs Chromium: seed {seed:#x} (replay with CORSAIR_BROWSER_SEED={seed:#x}), {count} scenarios"
    );
    let chromium = match Chromium::launch().await {
        Ok(chromium) => chromium,
        Err(error) => panic!("cannot start headless Chromium: {error}"),
    };
    let outcome =
        tokio::time::timeout(Duration::from_secs(600), check(&chromium, seed, count)).await;
    let version = chromium.version().to_owned();
    let survivors = chromium.shutdown().await;
    assert!(
        survivors.is_empty(),
        "processes the harness started still run after shutdown: {survivors:?}"
    );
    match outcome {
        Err(_) => panic!("seed {seed:#x}: timed out after 600 s (Chromium {version})"),
        Ok(Err(report)) => panic!("seed {seed:#x}, Chromium {version}:\n{report}"),
        Ok(Ok(summary)) => eprintln!("Chromium {version}: {summary}"),
    }
}

async fn check(chromium: &Chromium, seed: u64, count: usize) -> Result<String, String> {
    let started = Instant::now();
    let half = ModelHalf::start().await.map_err(|e| e.to_string())?;
    let context = half.context();
    let mut rng = Rng::new(seed);
    let scenarios: Vec<_> = (0..count)
        .map(|i| generate::scenario(&mut rng, &context, format!("{seed:x}-{i}")))
        .collect();
    let runs = half
        .run(chromium, &scenarios)
        .await
        .map_err(|e| e.to_string())?;
    let summary = summarize(&runs, started.elapsed());
    let failing: Vec<Run> = runs.into_iter().filter(|run| !run.agrees()).collect();
    if failing.is_empty() {
        return Ok(summary);
    }
    let (failing, unconfirmed) = half
        .confirm(chromium, failing)
        .await
        .map_err(|e| e.to_string())?;
    for run in &unconfirmed {
        eprintln!(
            "warning: this disagreement did not happen again on a second run (timing, or \
             Chromium evicting preflight-cache entries at random once it holds 1024):\n{}",
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
        match half.shrink(chromium, run.clone()).await {
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

fn summarize(runs: &[Run], elapsed: Duration) -> String {
    let fetches: Vec<&FetchResult> = runs.iter().flat_map(|r| &r.chromium.fetches).collect();
    let allowed = fetches.iter().filter(|f| f.is_allowed()).count();
    let arrivals = runs.iter().flat_map(|r| &r.chromium.arrivals);
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
        .filter(|r| r.scenario.redirected.is_some())
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
