//! Headless Chromium driven through chromedriver (WebDriver classic, via fantoccini).
//!
//! The harness starts Chromium itself (own process group, fresh profile, the flags this
//! machine needs, DevTools on a free port) and then chromedriver on a free port, which
//! attaches to it (`goog:chromeOptions.debuggerAddress`). So both processes are the harness's
//! own children and [`Chromium`]'s `Drop` ends both, plus anything still mentioning the
//! profile directory; a [`Watchdog`](crate::process::Watchdog) does the same if the test
//! process is killed.

use std::{net::TcpStream, path::Path, process::Command, time::Duration};

use fantoccini::{Client, wd::WebDriverCompatibleCommand};
use serde_json::{Value, json};

use crate::{
    Result,
    process::{Children, find_binary, free_port},
    result::FetchResult,
    webdriver::Session,
};

/// The flags headless Chromium needs on this machine (root, no network beyond loopback).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
];

/// How to get Chromium when it is missing.
pub const INSTALL_HINT: &str = "the real-browser conformance suite needs Debian's Chromium and ChromeDriver: \
     run `apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver` as root \
     (./scripts/test does this), or point CORSAIR_CHROMIUM and CORSAIR_CHROMEDRIVER at the binaries";

/// A running headless Chromium with a WebDriver session.
#[derive(Debug)]
pub struct Chromium {
    session: Session,
    version: String,
    children: Children,
}

impl Chromium {
    /// Starts Chromium and chromedriver and opens a session. Fails with [`INSTALL_HINT`] when
    /// either binary is missing.
    pub async fn launch() -> Result<Self> {
        let chromium_binary = find_binary(
            Some("CORSAIR_CHROMIUM"),
            &["chromium", "chromium-browser"],
            INSTALL_HINT,
        )?;
        let driver_binary = find_binary(
            Some("CORSAIR_CHROMEDRIVER"),
            &["chromedriver"],
            INSTALL_HINT,
        )?;
        let mut children = Children::new("chromium")?;
        let profile = children.path()?.join("profile");

        let mut command = Command::new(&chromium_binary);
        command
            .args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--remote-debugging-port=0")
            .arg("about:blank");
        let debugger = children
            .spawn("chromium", command)?
            .wait_for("no DevTools port", Duration::from_secs(60), || {
                devtools_address(&profile)
            })
            .await
            .map_err(|e| e.context("starting headless Chromium"))?;

        let driver_port = free_port()?;
        let mut command = Command::new(&driver_binary);
        command.arg(format!("--port={driver_port}"));
        children
            .spawn("chromedriver", command)?
            .wait_for_port(driver_port, Duration::from_secs(30))
            .await
            .map_err(|e| e.context("starting chromedriver"))?;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "debuggerAddress": debugger }),
        );
        // chromedriver keeps the console (and network errors) for `console_lines`.
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let session = Session::connect(driver_port, capabilities).await?;
        let version = session
            .browser_version()
            .unwrap_or_else(|| chromium_version(&chromium_binary));
        Ok(Self {
            session,
            version,
            children,
        })
    }

    /// The browser's version, e.g. `156.0.8078.108`.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn client(&self) -> Result<&Client> {
        self.session.client()
    }

    /// Navigates to `url` unless the page is already there.
    pub async fn open(&self, url: &str) -> Result<()> {
        self.session.open(url).await
    }

    /// Runs `scenarios` (JSON objects `{url, fetches: [init...]}`) from the page at `page_url`,
    /// `concurrency` at a time; per scenario, one [`FetchResult`] per fetch.
    pub async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        self.session.run(page_url, scenarios, concurrency).await
    }

    /// The console lines printed since the last call: chromedriver's browser log, each entry
    /// without the source location chromedriver puts before it.
    pub async fn console_lines(&self) -> Result<Vec<String>> {
        let log = self.client()?.issue_cmd(BrowserLog).await?;
        Ok(log
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("message").and_then(Value::as_str))
            .map(|message| without_source(message).to_owned())
            .collect())
    }

    /// Runs an asynchronous script in the current page (`arguments[last]` is its callback) and
    /// returns what it passed back.
    pub async fn execute_async(&self, script: &str, arguments: Vec<Value>) -> Result<Value> {
        Ok(self.client()?.execute_async(script, arguments).await?)
    }

    /// Runs a script in the current page and returns its value.
    pub async fn execute(&self, script: &str, arguments: Vec<Value>) -> Result<Value> {
        Ok(self.client()?.execute(script, arguments).await?)
    }

    /// Evaluates a JavaScript `expression` in the current page and returns its value.
    pub async fn evaluate(&self, expression: &str) -> Result<Value> {
        self.execute(&format!("return ({expression});"), vec![])
            .await
    }

    /// A PNG of the current page's viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        Ok(self.client()?.screenshot().await?)
    }

    /// Ends the session, then every process; returns the ids of processes that still run
    /// afterwards (none, unless something escaped every kill).
    pub async fn shutdown(mut self) -> Vec<u32> {
        self.session.close().await;
        self.stop()
    }

    fn stop(&mut self) -> Vec<u32> {
        self.session.abandon();
        self.children.stop()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// chromedriver's legacy log endpoint, which reads (and empties) the browser log.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// A browser-log message without the source chromedriver puts first: `<url> - ` for network
/// and security entries, `<url> <line>:<column> ` or `<url> <line> ` for script ones (DevTools
/// shows that source at the right of the line, not in the message).
fn without_source(message: &str) -> &str {
    let Some((_source, rest)) = message.split_once(' ') else {
        return message;
    };
    if let Some(text) = rest.strip_prefix("- ") {
        return text;
    }
    match rest.split_once(' ') {
        Some((location, text))
            if !location.is_empty() && location.chars().all(|c| c.is_ascii_digit() || c == ':') =>
        {
            text
        }
        _ => message,
    }
}

/// The DevTools address Chromium wrote to `DevToolsActivePort` in `profile`, once it accepts
/// connections.
fn devtools_address(profile: &Path) -> Option<String> {
    let text = std::fs::read_to_string(profile.join("DevToolsActivePort")).ok()?;
    let port = text.lines().next()?.trim().parse::<u16>().ok()?;
    TcpStream::connect(("127.0.0.1", port))
        .is_ok()
        .then(|| format!("127.0.0.1:{port}"))
}

/// `chromium --version`, e.g. `Chromium 156.0.8078.108 built on Debian...` -> `156.0.8078.108`.
fn chromium_version(binary: &Path) -> String {
    Command::new(binary)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
