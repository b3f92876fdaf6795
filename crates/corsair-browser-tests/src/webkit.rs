//! WebKit (WebKitGTK's `MiniBrowser --automation`) driven through `WebKitWebDriver`
//! (WebDriver classic, via fantoccini), on a private Xvfb display.
//!
//! The harness starts Xvfb and WebKitWebDriver in their own process groups; the driver starts
//! MiniBrowser and its web, network and GPU processes in its group. [`WebKit`]'s `Drop` ends
//! every group; a [`Watchdog`] does the same if the test process is killed.
//!
//! WebKit prints nothing to its console log for pages under automation (WebKit 2.50:
//! `FrameConsoleClient::addMessage` writes messages out only for pages that do not use an
//! ephemeral session, and WebDriver sessions are ephemeral), so [`WebKit::run_logged`] runs
//! its scenario in a second MiniBrowser, without WebDriver, on the same display, with
//! `--enable-write-console-messages-to-stdout`, and reads both the page's results and the
//! console from its output.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use fantoccini::{ClientBuilder, wd::TimeoutConfiguration};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::{
    Error, Result,
    chromium::FetchResult,
    engine::{CONSOLE_SETTLE, ConsoleRun},
    page::RESULTS_MARKER,
    process::{ProcessGuard, TempDir, Watchdog},
    webdriver::Session,
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
    session: Session,
    version: String,
    minibrowser: PathBuf,
    display_number: u16,
    logged_runs: std::sync::atomic::AtomicU32,
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
            session: Session::default(),
            version: String::new(),
            minibrowser: minibrowser.clone(),
            display_number: 0,
            logged_runs: std::sync::atomic::AtomicU32::new(0),
            driver: None,
            display: None,
            watchdog: None,
            directory: Some(directory),
        };

        let number = (90..200).find(|n| display_is_free(*n)).ok_or_else(|| {
            Error::new("no free X display number between :90 and :199 (each has a live X server)")
        })?;
        webkit.display_number = number;
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
        let mut command = webkit.on_display(&driver_binary, &dir);
        command.arg(format!("--port={port}"));
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
        webkit.session = Session::new(client);
        Ok(webkit)
    }

    /// A command for `program` on the private display, with every directory it may write
    /// to under `dir`.
    fn on_display(&self, program: &Path, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env("DISPLAY", format!(":{}", self.display_number))
            .env("TMPDIR", dir)
            .env("XDG_RUNTIME_DIR", dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"));
        command
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

    /// Navigates to `url` unless the page is already there.
    pub async fn open(&self, url: &str) -> Result<()> {
        self.session.open(url).await
    }

    /// Runs `scenarios` from the page at `page_url`; per scenario, one result per fetch.
    pub async fn run(
        &self,
        page_url: &str,
        scenarios: &[Value],
        concurrency: usize,
    ) -> Result<Vec<Vec<FetchResult>>> {
        self.session.run(page_url, scenarios, concurrency).await
    }

    /// Runs `scenario` alone in a MiniBrowser of its own, without WebDriver, that prints its
    /// console to standard output: opens `page_url#corsair=<scenario>`, whose script runs it
    /// and prints the results (see [`crate::page::PAGE`]), then stops that MiniBrowser.
    pub async fn run_logged(&self, page_url: &str, scenario: &Value) -> Result<ConsoleRun> {
        let run = self
            .logged_runs
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = self
            .directory
            .as_ref()
            .map(|d| d.path().join(format!("console-{run}")))
            .ok_or_else(|| Error::new("directory already removed"))?;
        std::fs::create_dir_all(&dir)?;
        let scenarios = Value::from(vec![scenario.clone()]).to_string();
        let mut command = self.on_display(&self.minibrowser, &dir);
        command
            .arg("--enable-write-console-messages-to-stdout=true")
            .arg(format!("{page_url}#corsair={}", percent_encode(&scenarios)));
        let log = dir.join("minibrowser.log");
        let mut browser = ProcessGuard::spawn("MiniBrowser", command, &log)?;
        let _watchdog = Watchdog::start(&[browser.pid()], &dir, &dir.join("watchdog.log"))?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(RESULTS_MARKER)
            {
                tokio::time::sleep(CONSOLE_SETTLE).await;
                let text = std::fs::read_to_string(&log)?;
                let results = text
                    .lines()
                    .find_map(|line| line.split_once(RESULTS_MARKER).map(|(_, json)| json))
                    .unwrap_or_default();
                let results: Value = serde_json::from_str(results)
                    .map_err(|e| Error::new(format!("MiniBrowser printed {results}: {e}")))?;
                let mut fetches = crate::chromium::results_from_json(&results, 1)?;
                return Ok(ConsoleRun {
                    fetches: fetches.pop().unwrap_or_default(),
                    lines: text.lines().filter_map(console_message).collect(),
                });
            }
            if let Some(status) = browser.exited() {
                return Err(Error::new(format!(
                    "MiniBrowser exited ({status}); log:\n{}",
                    log_tail(&log)
                )));
            }
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "MiniBrowser printed no results in 60 s; log:\n{}",
                    log_tail(&log)
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session, then every process; returns the ids of processes of its groups that
    /// still run afterwards.
    pub async fn shutdown(mut self) -> Vec<u32> {
        self.session.close().await;
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
        self.session.abandon();
        self.driver = None;
        if self.display.take().is_some() {
            // Xvfb ended by a signal leaves its lock and socket behind.
            remove_display_files(self.display_number);
        }
        self.watchdog = None;
        self.directory = None;
    }
}

/// Whether X display `number` is free: no lock file, or a lock left by a process that is gone
/// (an Xvfb ended by SIGKILL never removes its own), which is then removed.
fn display_is_free(number: u16) -> bool {
    match std::fs::read_to_string(format!("/tmp/.X{number}-lock")) {
        Err(error) => error.kind() == std::io::ErrorKind::NotFound,
        Ok(text) => {
            let alive = text
                .trim()
                .parse::<u32>()
                .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !alive {
                remove_display_files(number);
            }
            !alive
        }
    }
}

/// Removes display `number`'s lock file and socket.
fn remove_display_files(number: u16) {
    let _ = std::fs::remove_file(format!("/tmp/.X{number}-lock"));
    let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{number}"));
}

/// The message of a line WebKit printed for a console message other than the page's own
/// `console.log`: `[<url>:<line>:<column>: ]CONSOLE [<source> ]<level> <message>`, e.g.
/// `CONSOLE SECURITY ERROR Origin http://a is not allowed by Access-Control-Allow-Origin.`
fn console_message(line: &str) -> Option<String> {
    const LEVELS: &[&str] = &["LOG", "INFO", "DEBUG", "WARN", "WARNING", "ERROR"];
    let (_, rest) = line.split_once("CONSOLE ")?;
    let (first, after_first) = rest.split_once(' ')?;
    let (level, message) = if LEVELS.contains(&first) {
        (first, after_first)
    } else {
        after_first.split_once(' ')?
    };
    (LEVELS.contains(&level) && level != "LOG").then(|| message.to_owned())
}

/// Every byte but ASCII letters and digits as `%XX`, for a URL fragment.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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
