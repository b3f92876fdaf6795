//! The browser model against WebKit (WebKitGTK's MiniBrowser on a private Xvfb display): at
//! least 500 generated scenarios (seeded: `CORSAIR_BROWSER_SEED` replays a run,
//! `CORSAIR_BROWSER_SCENARIOS` changes the count), each answered by origin B with scripted,
//! often malformed CORS headers. For every scenario the model's WebKit profile, fed exactly
//! the same answers, must predict what WebKit did: allowed or blocked, the preflights and
//! actual requests that reached the server (method, `Origin`, `Access-Control-Request-*`), the
//! status and the readable header names.

use corsair_browser_tests::{model_half::judge_generated, webkit::WebKit};

const DEFAULT_SCENARIOS: usize = 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_predicts_webkit_on_generated_scenarios() {
    judge_generated::<WebKit>(DEFAULT_SCENARIOS).await;
}
