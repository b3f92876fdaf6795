//! WebKit (WebKitGTK's `MiniBrowser --automation`) driven through `WebKitWebDriver`
//! (WebDriver classic, via fantoccini), on a private Xvfb display.
//!
//! The harness starts Xvfb and WebKitWebDriver in their own process groups; the driver starts
//! MiniBrowser and its web, network and GPU processes in its group. [`WebKit`]'s `Drop` ends
//! every group; a [`Watchdog`] does the same if the test process is killed.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, wd::TimeoutConfiguration};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::{
    Error, Result,
    chromium::FetchResult,
    process::{ProcessGuard, TempDir, Watchdog},
};

/// How to get WebKit when it is missing.
pub const INSTALL_HINT: &str = "the WebKit conformance suite needs Debian's WebKitGTK driver and Xvfb: \
     run `apt-get update && apt-get install -y --no-install-recommends webkit2gtk-driver xvfb` as root \
     (./scripts/test does this)";

/// Where Debian puts MiniBrowser.
const MINIBROWSER: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser",
];

/// A running MiniBrowser with a WebDriver session.
#[derive(Debug)]
pub struct WebKit {
    client: Option<Client>,
    version: String,
    current_page: std::sync::Mutex<Option<String>>,
    driver: Option<ProcessGuard>,
    display: Option<ProcessGuard>,
    watchdog: Option<Watchdog>,
    directory: Option<TempDir>,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|directory| directory.join(name))
        .find(|candidate| candidate.is_file())
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

impl WebKit {
    /// Starts Xvfb, WebKitWebDriver and MiniBrowser and opens a session. Fails with
    /// [`INSTALL_HINT`] when a binary is missing.
    pub async fn launch() -> Result<Self> {
        let missing = |what: &str| Error::new(format!("`{what}` not found; {INSTALL_HINT}"));
        let driver_binary = on_path("WebKitWebDriver").ok_or_else(|| missing("WebKitWebDriver"))?;
        let xvfb = on_path("Xvfb").ok_or_else(|| missing("Xvfb"))?;
        let minibrowser = MINIBROWSER
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .ok_or_else(|| missing("MiniBrowser"))?;
        let directory = TempDir::new("webkit")?;
        let dir = directory.path().to_path_buf();
        let mut webkit = Self {
            client: None,
            version: String::new(),
            current_page: std::sync::Mutex::new(None),
            driver: None,
            display: None,
            watchdog: None,
            directory: Some(directory),
        };

        // A display number nobody uses: the first without a lock file.
        let number = (90..200)
            .find(|n| !Path::new(&format!("/tmp/.X{n}-lock")).exists())
            .ok_or_else(|| Error::new("no free X display number"))?;
        let mut command = Command::new(&xvfb);
        command.args([
            format!(":{number}"),
            "-screen".into(),
            "0".into(),
            "1280x1024x24".into(),
            "-nolisten".into(),
            "tcp".into(),
        ]);
        let xvfb_log = dir.join("xvfb.log");
        webkit.display = Some(ProcessGuard::spawn("xvfb", command, &xvfb_log)?);
        webkit.start_watchdog()?;
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !socket.exists() {
            if let Some(guard) = webkit.display.as_mut()
                && let Some(status) = guard.exited()
            {
                return Err(Error::new(format!(
                    "Xvfb exited ({status}); log:\n{}",
                    log_tail(&xvfb_log)
                )));
            }
            if Instant::now() > deadline {
                return Err(Error::new("Xvfb did not start in 20 s"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let port = free_port()?;
        let mut command = Command::new(&driver_binary);
        command
            .arg(format!("--port={port}"))
            .env("DISPLAY", format!(":{number}"))
            .env("TMPDIR", &dir)
            .env("XDG_RUNTIME_DIR", &dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"));
        let driver_log = dir.join("webkitwebdriver.log");
        webkit.driver = Some(ProcessGuard::spawn(
            "WebKitWebDriver",
            command,
            &driver_log,
        )?);
        webkit.start_watchdog()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "WebKitWebDriver not listening after 30 s; log:\n{}",
                    log_tail(&driver_log)
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "webkitgtk:browserOptions".into(),
            json!({ "binary": minibrowser, "args": ["--automation"] }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| {
                Error::new(format!(
                    "WebDriver session: {e}; log:\n{}",
                    log_tail(&driver_log)
                ))
            })?;
        client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(300)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await?;
        webkit.version = client
            .capabilities()
            .and_then(|c| c.get("browserVersion"))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        webkit.client = Some(client);
        Ok(webkit)
    }

    fn start_watchdog(&mut self) -> Result<()> {
        let groups: Vec<u32> = [&self.display, &self.driver]
            .into_iter()
            .flatten()
            .map(ProcessGuard::pid)
            .collect();
        let directory = self
            .directory
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .ok_or_else(|| Error::new("directory already removed"))?;
        self.watchdog = Some(Watchdog::start(
            &groups,
            &directory,
            &directory.join("watchdog.log"),
        )?);
        Ok(())
    }

    /// The WebKitGTK version, e.g. `2.50.6`.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn client(&self) -> Result<&Client> {
        self.client
            .as_ref()
            .ok_or_else(|| Error::new("the WebDriver session is closed"))
    }

    /// Navigates to `url` unless the page is already there.
    pub async fn open(&self, url: &str) -> Result<()> {
        let already = self
            .current_page
            .lock()
            .map(|page| page.as_deref() == Some(url))
            .unwrap_or(false);
        if !already {
            self.client()?.goto(url).await?;
            if let Ok(mut page) = self.current_page.lock() {
                *page = Some(url.to_owned());
            }
        }
        Ok(())
    }

    /// Runs `scenarios` from the page at `page_url`; per scenario, one result per fetch.
    pub async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        self.open(page_url).await?;
        let script = "const [scenarios, concurrency, done] = arguments; \
                      window.corsairRun(scenarios, concurrency).then(done, e => done({error: String(e)}));";
        let value = self
            .client()?
            .execute_async(
                script,
                vec![Value::from(scenarios.to_vec()), concurrency.into()],
            )
            .await?;
        crate::chromium::results_from_json(&value, scenarios.len())
    }

    /// Ends the session, then every process; returns the ids of processes of its groups that
    /// still run afterwards.
    pub async fn shutdown(mut self) -> Vec<u32> {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
        }
        let groups: Vec<u32> = [&self.display, &self.driver]
            .into_iter()
            .flatten()
            .map(ProcessGuard::pid)
            .collect();
        self.stop();
        std::thread::sleep(Duration::from_millis(200));
        survivors_in_groups(&groups)
    }

    fn stop(&mut self) {
        self.client = None;
        self.driver = None;
        self.display = None;
        self.watchdog = None;
        self.directory = None;
    }
}

/// Live (not zombie) processes whose process group is one of `groups`.
fn survivors_in_groups(groups: &[u32]) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // After the `(comm)` field: state, ppid, pgrp.
            let rest = stat.rsplit(')').next().unwrap_or_default();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.first().is_some_and(|state| *state != "Z")
                && fields
                    .get(2)
                    .and_then(|g| g.parse::<u32>().ok())
                    .is_some_and(|g| groups.contains(&g))
        })
        .collect()
}

impl Drop for WebKit {
    fn drop(&mut self) {
        self.stop();
    }
}
