//! A WebDriver classic session (fantoccini), as the Chromium and WebKit harnesses drive it:
//! which page it is on, running scenarios from that page, and closing it.

use std::time::Duration;

use fantoccini::{Client, ClientBuilder, wd::TimeoutConfiguration};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Map, Value};

use crate::{
    Error, Result,
    page::CurrentPage,
    result::{FetchResult, results_from_json},
};

/// How `corsairRun` is called from WebDriver: its promise settles the script.
const RUN_SCRIPT: &str = "const [scenarios, concurrency, done] = arguments; \
     window.corsairRun(scenarios, concurrency).then(done, e => done({error: String(e)}));";

/// An open (or closed) WebDriver session and the page it was last sent to.
#[derive(Debug, Default)]
pub struct Session {
    client: Option<Client>,
    current_page: CurrentPage,
}

impl Session {
    /// A session on `client`, on no page yet.
    pub fn new(client: Client) -> Self {
        Self {
            client: Some(client),
            current_page: CurrentPage::default(),
        }
    }

    /// Opens a session with `capabilities` on the driver listening on loopback `port`; scripts
    /// may run 300 s, pages may load for 30 s.
    pub async fn connect(port: u16, capabilities: Map<String, Value>) -> Result<Self> {
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(300)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await?;
        Ok(Self::new(client))
    }

    /// The `browserVersion` the driver reported, if any.
    pub fn browser_version(&self) -> Option<String> {
        self.client
            .as_ref()?
            .capabilities()?
            .get("browserVersion")?
            .as_str()
            .map(str::to_owned)
    }

    /// The client, unless the session was closed.
    pub fn client(&self) -> Result<&Client> {
        self.client
            .as_ref()
            .ok_or_else(|| Error::new("the WebDriver session is closed"))
    }

    /// Navigates to `url` unless the page is already there.
    pub async fn open(&self, url: &str) -> Result<()> {
        self.current_page
            .open(url, async || Ok(self.client()?.goto(url).await?))
            .await
    }

    /// Runs `scenarios` (JSON objects `{url, fetches: [init...]}`) from the page at `page_url`,
    /// `concurrency` at a time; per scenario, one [`FetchResult`] per fetch.
    pub async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        self.open(page_url).await?;
        let value = self
            .client()?
            .execute_async(
                RUN_SCRIPT,
                vec![Value::from(scenarios.to_vec()), concurrency.into()],
            )
            .await?;
        results_from_json(&value, scenarios.len())
    }

    /// Ends the session politely (within 5 s).
    pub async fn close(&mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        }
    }

    /// Forgets the session without a word to the driver (which is about to be stopped).
    pub fn abandon(&mut self) {
        self.client = None;
    }
}
