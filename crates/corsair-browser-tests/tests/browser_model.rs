//! The browser model against each engine (headless Chromium, headless Firefox, and WebKitGTK's
//! MiniBrowser on a private Xvfb display): at least 500 generated scenarios (seeded:
//! `CORSAIR_BROWSER_SEED` replays a run, `CORSAIR_BROWSER_SCENARIOS` changes the count), each
//! answered by origin B with scripted, often malformed CORS headers. For every scenario the
//! engine's profile in the model, fed exactly the same answers, must predict what the engine
//! did: allowed or blocked, the preflights and actual requests that reached the server
//! (method, `Origin`, `Access-Control-Request-*`), the status and the readable header names.

use corsair_browser_tests::{
    chromium::Chromium, engine::Engine, engine_tests, firefox::Firefox, generate,
    model_half::judge_generated, webkit::WebKit,
};

/// How many scenarios an engine runs unless `CORSAIR_BROWSER_SCENARIOS` says otherwise.
trait DefaultScenarios {
    const DEFAULT_SCENARIOS: usize;
}

impl DefaultScenarios for Chromium {
    const DEFAULT_SCENARIOS: usize = 2000;
}

impl DefaultScenarios for Firefox {
    const DEFAULT_SCENARIOS: usize = 1000;
}

impl DefaultScenarios for WebKit {
    const DEFAULT_SCENARIOS: usize = 1000;
}

engine_tests!(the_model_predicts_generated_scenarios => judge);

async fn judge<E: Engine + DefaultScenarios>() {
    judge_generated::<E>(generate::scenario, E::DEFAULT_SCENARIOS).await;
}
