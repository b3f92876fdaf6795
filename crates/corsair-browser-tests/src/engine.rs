//! What the model half needs from a real browser, whichever engine it is.

use std::future::Future;

use corsair::browser::Browser;
use serde_json::Value;

use crate::{Result, chromium::Chromium, chromium::FetchResult, firefox::Firefox, webkit::WebKit};

/// A running browser that can run the page's scenarios, and the model profile it is judged
/// against.
pub trait Engine {
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
}

impl Engine for Chromium {
    fn profile(&self) -> Browser {
        Browser::Chromium
    }
    fn version(&self) -> &str {
        Chromium::version(self)
    }
    async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        Chromium::run(self, page_url, scenarios, concurrency).await
    }
}

impl Engine for Firefox {
    fn profile(&self) -> Browser {
        Browser::Firefox
    }
    fn version(&self) -> &str {
        Firefox::version(self)
    }
    async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        Firefox::run(self, page_url, scenarios, concurrency).await
    }
}

impl Engine for WebKit {
    fn profile(&self) -> Browser {
        Browser::WebKit
    }
    fn version(&self) -> &str {
        WebKit::version(self)
    }
    async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        WebKit::run(self, page_url, scenarios, concurrency).await
    }
}
