//! What the suites need from a real browser, whichever engine it is, and how they judge one.

use std::{future::Future, time::Duration};

use corsair::browser::Browser;
use serde_json::Value;

use crate::{Result, chromium::Chromium, firefox::Firefox, result::FetchResult, webkit::WebKit};

/// How long an engine may take to print a failed fetch's console messages after the page saw
/// the failure (they travel apart from the promise's rejection).
pub(crate) const CONSOLE_SETTLE: Duration = Duration::from_millis(300);

/// One scenario run alone, with what the engine printed meanwhile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsoleRun {
    /// Per fetch, what the page saw.
    pub fetches: Vec<FetchResult>,
    /// The lines the engine printed to its console, in order, each without the source
    /// location the engine's log puts before it.
    pub lines: Vec<String>,
}

/// A running browser that can run the page's scenarios, and the model profile it is judged
/// against.
pub trait Engine: Sized {
    /// The engine's name in reports, e.g. `Chromium`.
    const NAME: &'static str;
    /// Starts the engine and opens a session.
    fn launch() -> impl Future<Output = Result<Self>>;
    /// Ends the session, then every process; returns the ids of processes still running.
    fn shutdown(self) -> impl Future<Output = Vec<u32>>;
    /// The model profile that must predict this engine.
    fn profile(&self) -> Browser;
    /// The engine's version.
    fn version(&self) -> &str;
    /// Runs `scenarios` from the page at `page_url`; per scenario, one result per fetch.
    fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> impl Future<Output = Result<Vec<Vec<FetchResult>>>>;
    /// Evaluates a JavaScript `expression` in the current page and returns its JSON value.
    fn evaluate(&self, expression: &str) -> impl Future<Output = Result<Value>>;
    /// Runs `scenario` alone from the page at `page_url` and returns what the page saw and
    /// what the engine printed to its console meanwhile.
    fn run_logged(
        &self,
        page_url: &str,
        scenario: &Value,
    ) -> impl Future<Output = Result<ConsoleRun>>;
}

/// [`Engine::run_logged`] for an engine that keeps its console for the harness: `drain`
/// returns the lines printed since it was last called.
async fn drained_around(
    engine: &impl Engine,
    page_url: &str,
    scenario: &Value,
    drain: impl AsyncFn() -> Result<Vec<String>>,
) -> Result<ConsoleRun> {
    // Open the page first, so what loading it prints is not taken for the scenario's. The
    // page names a `data:` icon: a favicon request would 404 at any moment, even after the
    // drain (it did on a slow machine).
    engine.run(page_url, &[], 1).await?;
    drain().await?;
    let mut results = engine
        .run(page_url, std::slice::from_ref(scenario), 1)
        .await?;
    tokio::time::sleep(CONSOLE_SETTLE).await;
    Ok(ConsoleRun {
        fetches: results.pop().unwrap_or_default(),
        lines: drain().await?,
    })
}

/// `impl Engine` for a harness whose inherent `launch`, `shutdown`, `version` and `run` are the
/// trait's, with the model profile it is judged against and how it captures its console.
macro_rules! engine {
    ($harness:ident, $profile:expr, |$engine:ident, $page_url:ident, $scenario:ident| $run_logged:expr) => {
        impl Engine for $harness {
            const NAME: &'static str = stringify!($harness);
            async fn launch() -> Result<Self> {
                $harness::launch().await
            }
            async fn shutdown(self) -> Vec<u32> {
                $harness::shutdown(self).await
            }
            fn profile(&self) -> Browser {
                $profile
            }
            fn version(&self) -> &str {
                $harness::version(self)
            }
            async fn run(
                &self,
                page_url: &str,
                scenarios: &[Value],
                concurrency: usize,
            ) -> Result<Vec<Vec<FetchResult>>> {
                $harness::run(self, page_url, scenarios, concurrency).await
            }
            async fn evaluate(&self, expression: &str) -> Result<Value> {
                $harness::evaluate(self, expression).await
            }
            async fn run_logged(&self, $page_url: &str, $scenario: &Value) -> Result<ConsoleRun> {
                let $engine = self;
                $run_logged
            }
        }
    };
}

engine!(Chromium, Browser::Chromium, |engine, page_url, scenario| {
    drained_around(engine, page_url, scenario, async || {
        engine.console_lines().await
    })
    .await
});
engine!(Firefox, Browser::Firefox, |engine, page_url, scenario| {
    drained_around(engine, page_url, scenario, async || {
        engine.console_lines().await
    })
    .await
});
// WebKit prints nothing under WebDriver: its own `run_logged` uses a MiniBrowser of its own.
engine!(WebKit, Browser::WebKit, |engine, page_url, scenario| {
    WebKit::run_logged(engine, page_url, scenario).await
});

/// Starts engine `E`, runs `check` against it within `limit`, then stops every process it
/// started; fails the calling test, with the engine's version, unless `check` passed and no
/// process survived. `label` prefixes every message (e.g. the seed to replay).
pub async fn judged<E: Engine>(
    limit: Duration,
    label: &str,
    check: impl AsyncFnOnce(&E) -> std::result::Result<String, String>,
) {
    let engine = match E::launch().await {
        Ok(engine) => engine,
        Err(error) => panic!("{label}cannot start headless {}: {error}", E::NAME),
    };
    let outcome = tokio::time::timeout(limit, check(&engine)).await;
    let version = engine.version().to_owned();
    let survivors = engine.shutdown().await;
    assert!(
        survivors.is_empty(),
        "processes the harness started still run after shutdown: {survivors:?}"
    );
    let name = E::NAME;
    match outcome {
        Err(_) => panic!("{label}timed out after {limit:?} ({name} {version})"),
        Ok(Err(report)) => panic!("{label}{name} {version}:\n{report}"),
        Ok(Ok(summary)) => eprintln!("{name} {version}: {summary}"),
    }
}

/// One `#[tokio::test]` per engine running `check::<E>()`, for a `check` generic over
/// [`Engine`] in the calling module: `test::chromium`, `test::firefox` and `test::webkit`.
/// The engine in each name is what `scripts/test` selects them by (`--skip firefox --skip
/// webkit`, or the filter `firefox` or `webkit`).
///
/// ```no_run
/// use corsair_browser_tests::engine::Engine;
///
/// async fn starts<E: Engine>() {
///     let engine = E::launch().await.unwrap();
///     assert!(engine.shutdown().await.is_empty());
/// }
///
/// corsair_browser_tests::engine_tests!(each_engine_starts => starts);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! engine_tests {
    ($(#[$attribute:meta])* $test:ident => $check:ident) => {
        $crate::engine_tests!(@engines $(#[$attribute])* $test => $check:
            chromium $crate::chromium::Chromium,
            firefox $crate::firefox::Firefox,
            webkit $crate::webkit::WebKit);
    };
    (@engines $(#[$attribute:meta])* $test:ident => $check:ident: $($name:ident $engine:ty),*) => {
        $(#[$attribute])*
        mod $test {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$check::<$engine>().await;
                }
            )*
        }
    };
}
