//! Headless Chromium driven through chromedriver (WebDriver classic, via fantoccini).
//!
//! The harness starts Chromium itself (own process group, fresh profile, the flags this
//! machine needs, DevTools on a free port) and then chromedriver on a free port, which
//! attaches to it (`goog:chromeOptions.debuggerAddress`). So both processes are the harness's
//! own children and [`Chromium`]'s `Drop` ends both, plus anything still mentioning the
//! profile directory; a [`Watchdog`] does the same if the test process is killed.

use std::{
    net::TcpStream,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use fantoccini::{
    Client, ClientBuilder,
    wd::{TimeoutConfiguration, WebDriverCompatibleCommand},
};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::{
    Error, Result,
    process::{ProcessGuard, TempDir, Watchdog, reap},
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

/// What one `fetch()` gave the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchResult {
    /// The promise resolved.
    Allowed {
        /// `response.type`: `cors`, `opaque` or `basic`.
        kind: String,
        /// `response.status` (0 for opaque responses).
        status: u16,
        /// The names `response.headers` yields, lowercase, sorted, once each.
        headers: Vec<String>,
    },
    /// The promise rejected (a `TypeError`: CORS failure, network error, refused request).
    Blocked {
        /// `name: message` of the error.
        error: String,
    },
}

impl FetchResult {
    fn from_json(value: &Value) -> Result<Self> {
        if value.get("ok").and_then(Value::as_bool) == Some(true) {
            let kind = value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let status = value
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(|| Error::new(format!("no status in {value}")))?;
            let headers = value
                .get("headers")
                .and_then(Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            Ok(Self::Allowed {
                kind,
                status,
                headers,
            })
        } else {
            Ok(Self::Blocked {
                error: value
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned(),
            })
        }
    }

    /// Whether the page got a response.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed { .. })
    }
}

/// A running headless Chromium with a WebDriver session.
#[derive(Debug)]
pub struct Chromium {
    session: Session,
    version: String,
    driver: Option<ProcessGuard>,
    browser: Option<ProcessGuard>,
    watchdog: Option<Watchdog>,
    directory: Option<TempDir>,
}

/// `CORSAIR_CHROMIUM` / `CORSAIR_CHROMEDRIVER`, else the first of `names` on `PATH`.
fn find_binary(variable: &str, names: &[&str]) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(variable) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::new(format!(
                "{variable}={} does not exist; {INSTALL_HINT}",
                path.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for directory in std::env::split_paths(&path) {
        for name in names {
            let candidate = directory.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(Error::new(format!(
        "`{}` not found on PATH; {INSTALL_HINT}",
        names.join("` or `")
    )))
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

impl Chromium {
    /// Starts Chromium and chromedriver and opens a session. Fails with [`INSTALL_HINT`] when
    /// either binary is missing.
    pub async fn launch() -> Result<Self> {
        let chromium_binary = find_binary("CORSAIR_CHROMIUM", &["chromium", "chromium-browser"])?;
        let driver_binary = find_binary("CORSAIR_CHROMEDRIVER", &["chromedriver"])?;
        let directory = TempDir::new("chromium")?;
        let profile = directory.path().join("profile");
        let mut chromium = Self {
            session: Session::default(),
            version: String::new(),
            driver: None,
            browser: None,
            watchdog: None,
            directory: Some(directory),
        };
        let directory = chromium.dir()?.to_path_buf();

        let mut command = Command::new(&chromium_binary);
        command
            .args(CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--remote-debugging-port=0")
            .arg("about:blank");
        let browser_log = directory.join("chromium.log");
        chromium.browser = Some(ProcessGuard::spawn("chromium", command, &browser_log)?);
        chromium.start_watchdog()?;
        let debugger = chromium
            .wait_for_devtools(&profile, &browser_log)
            .await
            .map_err(|e| e.context("starting headless Chromium"))?;

        let driver_port = free_port()?;
        let mut command = Command::new(&driver_binary);
        command.arg(format!("--port={driver_port}"));
        let driver_log = directory.join("chromedriver.log");
        chromium.driver = Some(ProcessGuard::spawn("chromedriver", command, &driver_log)?);
        chromium.start_watchdog()?;
        chromium
            .wait_for_port(driver_port, &driver_log)
            .await
            .map_err(|e| e.context("starting chromedriver"))?;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "debuggerAddress": debugger }),
        );
        // chromedriver keeps the console (and network errors) for `console_lines`.
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await?;
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(300)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await?;
        let version = client
            .capabilities()
            .and_then(|c| c.get("browserVersion"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        chromium.version = match version {
            Some(version) => version,
            None => chromium_version(&chromium_binary),
        };
        chromium.session = Session::new(client);
        Ok(chromium)
    }

    fn dir(&self) -> Result<&Path> {
        self.directory
            .as_ref()
            .map(TempDir::path)
            .ok_or_else(|| Error::new("profile directory already removed"))
    }

    /// (Re)starts the watchdog so that it covers every process started so far.
    fn start_watchdog(&mut self) -> Result<()> {
        let groups: Vec<u32> = [&self.browser, &self.driver]
            .into_iter()
            .flatten()
            .map(ProcessGuard::pid)
            .collect();
        let directory = self.dir()?.to_path_buf();
        let watchdog = Watchdog::start(&groups, &directory, &directory.join("watchdog.log"))?;
        // The old one (if any) is replaced and so stopped.
        self.watchdog = Some(watchdog);
        Ok(())
    }

    async fn wait_for_devtools(&mut self, profile: &Path, log: &Path) -> Result<String> {
        let file = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(text) = std::fs::read_to_string(&file)
                && let Some(port) = text
                    .lines()
                    .next()
                    .and_then(|l| l.trim().parse::<u16>().ok())
                && TcpStream::connect(("127.0.0.1", port)).is_ok()
            {
                return Ok(format!("127.0.0.1:{port}"));
            }
            self.check_alive("chromium", log)?;
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "no DevTools port after 60 s; log:\n{}",
                    log_tail(log)
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_for_port(&mut self, port: u16, log: &Path) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            self.check_alive("chromedriver", log)?;
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "not listening after 30 s; log:\n{}",
                    log_tail(log)
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn check_alive(&mut self, which: &str, log: &Path) -> Result<()> {
        let guard = if which == "chromium" {
            self.browser.as_mut()
        } else {
            self.driver.as_mut()
        };
        if let Some(guard) = guard
            && let Some(status) = guard.exited()
        {
            return Err(Error::new(format!(
                "{} exited ({status}); log:\n{}",
                guard.name(),
                log_tail(log)
            )));
        }
        Ok(())
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
        self.driver = None;
        self.browser = None;
        let survivors = reap(self.directory.as_ref(), self.watchdog.as_ref());
        self.watchdog = None;
        self.directory = None;
        survivors
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

/// The page's answer to `corsairRun` for `count` scenarios: per scenario, one result per fetch.
pub(crate) fn results_from_json(value: &Value, count: usize) -> Result<Vec<Vec<FetchResult>>> {
    let Some(results) = value.as_array() else {
        return Err(Error::new(format!("the page answered {value}")));
    };
    if results.len() != count {
        return Err(Error::new(format!(
            "{} results for {count} scenarios",
            results.len()
        )));
    }
    results
        .iter()
        .map(|fetches| {
            fetches
                .as_array()
                .ok_or_else(|| Error::new(format!("not a list of results: {fetches}")))?
                .iter()
                .map(FetchResult::from_json)
                .collect()
        })
        .collect()
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
