//! WebKit (WebKitGTK's `MiniBrowser --automation`) driven through `WebKitWebDriver`
//! (WebDriver classic, via fantoccini), on a private Xvfb display.
//!
//! The harness starts Xvfb and WebKitWebDriver in their own process groups; the driver starts
//! MiniBrowser and its web, network and GPU processes in its group. [`WebKit`]'s `Drop` ends
//! every group; a [`Watchdog`](crate::process::Watchdog) does the same if the test process is
//! killed.
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
    time::Duration,
};

use serde_json::{Value, json};

use crate::{
    Error, Result,
    engine::{CONSOLE_SETTLE, ConsoleRun},
    page::RESULTS_MARKER,
    process::{Children, find_binary, free_port, log_tail},
    result::{FetchResult, results_from_json},
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
    /// The number of the private X display.
    display: u16,
    children: Children,
}

impl WebKit {
    /// Starts Xvfb, WebKitWebDriver and MiniBrowser and opens a session. Fails with
    /// [`INSTALL_HINT`] when a binary is missing.
    pub async fn launch() -> Result<Self> {
        let driver_binary = find_binary(None, &["WebKitWebDriver"], INSTALL_HINT)?;
        let xvfb = find_binary(None, &["Xvfb"], INSTALL_HINT)?;
        let minibrowser = find_binary(None, MINIBROWSER, INSTALL_HINT)?;
        let number = (90..200).find(|n| display_is_free(*n)).ok_or_else(|| {
            Error::new("no free X display number between :90 and :199 (each has a live X server)")
        })?;
        let mut webkit = Self {
            session: Session::default(),
            version: String::new(),
            minibrowser: minibrowser.clone(),
            display: number,
            children: Children::new("webkit")?,
        };
        let dir = webkit.children.path()?.to_path_buf();

        let mut command = Command::new(&xvfb);
        command.args([
            format!(":{number}"),
            "-screen".into(),
            "0".into(),
            "1280x1024x24".into(),
            "-nolisten".into(),
            "tcp".into(),
        ]);
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
        webkit
            .children
            .spawn("xvfb", command)?
            .wait_for("no X socket", Duration::from_secs(20), || {
                socket.exists().then_some(())
            })
            .await?;

        let port = free_port()?;
        let mut command = webkit.on_display(&driver_binary, &dir);
        command.arg(format!("--port={port}"));
        webkit
            .children
            .spawn("WebKitWebDriver", command)?
            .wait_for_port(port, Duration::from_secs(30))
            .await
            .map_err(|e| e.context("starting WebKitWebDriver"))?;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "webkitgtk:browserOptions".into(),
            json!({ "binary": minibrowser, "args": ["--automation"] }),
        );
        webkit.session = Session::connect(port, capabilities).await.map_err(|e| {
            let log = log_tail(&dir.join("WebKitWebDriver.log"));
            Error::new(format!("{e}; log:\n{log}"))
        })?;
        webkit.version = webkit
            .session
            .browser_version()
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(webkit)
    }

    /// A command for `program` on the private display, with every directory it may write
    /// to under `dir`.
    fn on_display(&self, program: &Path, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env("DISPLAY", format!(":{}", self.display))
            .env("TMPDIR", dir)
            .env("XDG_RUNTIME_DIR", dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"));
        command
    }

    /// The WebKitGTK version, e.g. `2.50.6`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Navigates to `url` unless the page is already there.
    pub async fn open(&self, url: &str) -> Result<()> {
        self.session.open(url).await
    }

    /// Evaluates a JavaScript `expression` in the current page and returns its value.
    pub async fn evaluate(&self, expression: &str) -> Result<Value> {
        Ok(self
            .session
            .client()?
            .execute(&format!("return ({expression});"), vec![])
            .await?)
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
        let mut children = Children::new("webkit-console")?;
        let dir = children.path()?.to_path_buf();
        let scenarios = Value::from(vec![scenario.clone()]).to_string();
        let mut command = self.on_display(&self.minibrowser, &dir);
        command
            .arg("--enable-write-console-messages-to-stdout=true")
            .arg(format!("{page_url}#corsair={}", percent_encode(&scenarios)));
        let log = dir.join("MiniBrowser.log");
        let printed = || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(RESULTS_MARKER)
                .then_some(())
        };
        children
            .spawn("MiniBrowser", command)?
            .wait_for(
                "MiniBrowser printed no results",
                Duration::from_secs(60),
                printed,
            )
            .await?;
        tokio::time::sleep(CONSOLE_SETTLE).await;
        let text = std::fs::read_to_string(&log)?;
        let results = text
            .lines()
            .find_map(|line| line.split_once(RESULTS_MARKER).map(|(_, json)| json))
            .unwrap_or_default();
        let results: Value = serde_json::from_str(results)
            .map_err(|e| Error::new(format!("MiniBrowser printed {results}: {e}")))?;
        let mut fetches = results_from_json(&results, 1)?;
        Ok(ConsoleRun {
            fetches: fetches.pop().unwrap_or_default(),
            lines: text.lines().filter_map(console_message).collect(),
        })
    }

    /// Ends the session, then every process; returns the ids of processes that still run
    /// afterwards (none, unless something escaped every kill).
    pub async fn shutdown(mut self) -> Vec<u32> {
        self.session.close().await;
        self.stop()
    }

    fn stop(&mut self) -> Vec<u32> {
        self.session.abandon();
        if self.children.path().is_err() {
            return Vec::new();
        }
        let survivors = self.children.stop();
        // Xvfb ended by a signal leaves its lock and socket behind.
        remove_display_files(self.display);
        survivors
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

impl Drop for WebKit {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
