//! The browser model against headless Firefox: at least 500 generated scenarios (seeded:
//! `CORSAIR_BROWSER_SEED` replays a run, `CORSAIR_BROWSER_SCENARIOS` changes the count), each
//! answered by origin B with scripted, often malformed CORS headers. For every scenario the
//! model's Firefox profile, fed exactly the same answers, must predict what Firefox did:
//! allowed or blocked, the preflights and actual requests that reached the server (method,
//! `Origin`, `Access-Control-Request-*`), the status and the readable header names.

use std::time::Duration;

use corsair_browser_tests::{engine::judged, firefox::Firefox, generate, model_half::judge};

const DEFAULT_SCENARIOS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_predicts_firefox_on_generated_scenarios() {
    let seed = generate::seed_from_env();
    let count = std::env::var("CORSAIR_BROWSER_SCENARIOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_SCENARIOS);
    eprintln!(
        "browser model vs Firefox: seed {seed:#x} (replay with CORSAIR_BROWSER_SEED={seed:#x}), {count} scenarios"
    );
    judged::<Firefox>(
        Duration::from_secs(600),
        &format!("seed {seed:#x}, "),
        async |engine| judge(engine, seed, count).await,
    )
    .await;
}
