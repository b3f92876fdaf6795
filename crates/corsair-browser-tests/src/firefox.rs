//! Headless Firefox driven over WebDriver BiDi, which Firefox serves itself
//! (`--remote-debugging-port=0`); Debian packages no geckodriver.
//!
//! The harness starts Firefox (own process group, fresh profile with quiet prefs in
//! `user.js`), reads the BiDi WebSocket address from its log, opens a session and runs the
//! page's `window.corsairRun` with `script.callFunction`. [`Firefox`]'s `Drop` ends the
//! process group plus anything still mentioning the profile directory; a
//! [`Watchdog`](crate::process::Watchdog) does the same if the test process is killed.

use std::{
    process::Command,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::Mutex};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

use crate::{
    Error, Result,
    page::CurrentPage,
    process::{Children, find_binary},
    result::{FetchResult, results_from_json},
};

/// How to get Firefox when it is missing.
pub const INSTALL_HINT: &str = "the Firefox conformance suite needs Debian's Firefox ESR: \
     run `apt-get update && apt-get install -y --no-install-recommends firefox-esr` as root \
     (./scripts/test does this), or point CORSAIR_FIREFOX at the binary";

/// Preferences for a quiet, loopback-only Firefox: no updates, telemetry, studies, safe
/// browsing, captive-portal or connectivity probes, speculative connections or prefetching.
pub const USER_JS: &str = r#"user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("app.update.checkInstallTime", false);
user_pref("app.normandy.enabled", false);
user_pref("app.shield.optoutstudies.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.startup.page", 0);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.safebrowsing.blockedURIs.enabled", false);
user_pref("browser.search.update", false);
user_pref("browser.ping-centre.telemetry", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("toolkit.telemetry.server", "");
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
user_pref("extensions.blocklist.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("messaging-system.rsexperimentloader.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.dns.disablePrefetch", true);
user_pref("network.prefetch-next", false);
user_pref("network.http.speculative-parallel-limit", 0);
user_pref("network.proxy.type", 0);
user_pref("dom.disable_open_during_load", false);
"#;

/// Starts Firefox once on `profile` and lets it exit: a fresh profile installs the langpacks
/// on its first start, after the locale was chosen, so only a second start is localised.
fn install_langpacks(binary: &std::path::Path, profile: &std::path::Path) -> Result<()> {
    let mut first_run = Command::new(binary)
        .arg("--headless")
        .arg("-no-remote")
        .arg("-profile")
        .arg(profile)
        .arg("--screenshot")
        .arg(profile.join("first-run.png"))
        .arg("about:blank")
        .env("MOZ_CRASHREPORTER_DISABLE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while first_run.try_wait()?.is_none() {
        if std::time::Instant::now() > deadline {
            let _ = first_run.kill();
            let _ = first_run.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// A running headless Firefox with a WebDriver BiDi session.
#[derive(Debug)]
pub struct Firefox {
    socket: Mutex<Option<WebSocketStream<MaybeTlsStream<TcpStream>>>>,
    next_id: AtomicU64,
    context: String,
    version: String,
    current_page: CurrentPage,
    /// The texts of `log.entryAdded` events not yet taken by `console_lines`.
    console: std::sync::Mutex<Vec<String>>,
    children: Children,
}

impl Firefox {
    /// Starts Firefox and opens a BiDi session. Fails with [`INSTALL_HINT`] when the binary
    /// is missing.
    pub async fn launch() -> Result<Self> {
        Self::launch_in(None).await
    }

    /// [`Firefox::launch`] with its user interface (console messages included) in `locale`
    /// (`intl.locale.requested`), from the langpack Debian's `firefox-esr-l10n-<locale>`
    /// installs.
    pub async fn launch_in(locale: Option<&str>) -> Result<Self> {
        let binary = find_binary(
            Some("CORSAIR_FIREFOX"),
            &["firefox-esr", "firefox"],
            INSTALL_HINT,
        )?;
        let mut children = Children::new("firefox")?;
        let profile = children.path()?.join("profile");
        std::fs::create_dir_all(&profile)?;
        let mut prefs = USER_JS.to_owned();
        if let Some(locale) = locale {
            // The langpack is an application-scope extension, which must not wait for the
            // user to enable it.
            prefs.push_str(&format!(
                "user_pref(\"intl.locale.requested\", \"{locale}\");\nuser_pref(\"extensions.autoDisableScopes\", 0);\nuser_pref(\"extensions.enabledScopes\", 15);\nuser_pref(\"extensions.startupScanScopes\", 15);\nuser_pref(\"intl.multilingual.enabled\", true);\n"
            ));
        }
        std::fs::write(profile.join("user.js"), prefs)?;
        if locale.is_some() {
            install_langpacks(&binary, &profile)?;
        }
        let log = children.path()?.join("firefox.log");
        let mut command = Command::new(&binary);
        command
            .arg("--headless")
            .arg("-no-remote")
            .arg("-profile")
            .arg(&profile)
            .arg("--remote-debugging-port=0")
            .arg("about:blank")
            .env("MOZ_CRASHREPORTER_DISABLE", "1");
        let address = children
            .spawn("firefox", command)?
            .wait_for("no WebDriver BiDi address", Duration::from_secs(60), || {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let rest = text.split("WebDriver BiDi listening on ").nth(1)?;
                rest.split_whitespace().next().map(str::to_owned)
            })
            .await
            .map_err(|e| e.context("starting headless Firefox"))?;
        let mut firefox = Self {
            socket: Mutex::new(None),
            next_id: AtomicU64::new(1),
            context: String::new(),
            version: String::new(),
            current_page: CurrentPage::default(),
            console: std::sync::Mutex::new(Vec::new()),
            children,
        };
        let (socket, _) = tokio_tungstenite::connect_async(format!("{address}/session"))
            .await
            .map_err(|e| Error::new(format!("connecting to {address}/session: {e}")))?;
        *firefox.socket.get_mut() = Some(socket);
        let session = firefox
            .command("session.new", json!({ "capabilities": {} }))
            .await?;
        firefox.version = session
            .pointer("/capabilities/browserVersion")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        // Console messages, CORS errors included (Firefox reports those as script errors).
        firefox
            .command("session.subscribe", json!({ "events": ["log.entryAdded"] }))
            .await?;
        let tree = firefox
            .command("browsingContext.getTree", json!({}))
            .await?;
        firefox.context = tree
            .pointer("/contexts/0/context")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::new(format!("no browsing context in {tree}")))?
            .to_owned();
        Ok(firefox)
    }

    /// Sends one BiDi command and waits (at most 300 s) for its answer, keeping the text of
    /// `log.entryAdded` events for [`Firefox::console_lines`] and skipping other events.
    async fn command(&self, method: &str, params: Value) -> Result<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut guard = self.socket.lock().await;
        let socket = guard
            .as_mut()
            .ok_or_else(|| Error::new("the BiDi session is closed"))?;
        let text = json!({ "id": id, "method": method, "params": params }).to_string();
        socket
            .send(Message::text(text))
            .await
            .map_err(|e| Error::new(format!("BiDi {method}: {e}")))?;
        let answer = tokio::time::timeout(Duration::from_secs(300), async {
            while let Some(message) = socket.next().await {
                let message = message.map_err(|e| Error::new(format!("BiDi {method}: {e}")))?;
                let Message::Text(text) = message else {
                    continue;
                };
                let value: Value = serde_json::from_str(text.as_str())
                    .map_err(|e| Error::new(format!("BiDi {method}: bad JSON: {e}")))?;
                if value.get("id").and_then(Value::as_u64) == Some(id) {
                    return Ok(value);
                }
                if value.get("method").and_then(Value::as_str) == Some("log.entryAdded")
                    && let Some(text) = value.pointer("/params/text").and_then(Value::as_str)
                {
                    self.console
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(text.to_owned());
                }
            }
            Err(Error::new(format!("BiDi {method}: the connection closed")))
        })
        .await
        .map_err(|_| Error::new(format!("BiDi {method}: no answer after 300 s")))??;
        if answer.get("type").and_then(Value::as_str) == Some("error") {
            return Err(Error::new(format!("BiDi {method} failed: {answer}")));
        }
        Ok(answer.get("result").cloned().unwrap_or(Value::Null))
    }

    /// The browser's version, e.g. `153.7.0`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The console lines printed since the last call: the `log.entryAdded` events received
    /// so far (a `session.status` round trip first reads those already sent).
    pub async fn console_lines(&self) -> Result<Vec<String>> {
        self.command("session.status", json!({})).await?;
        Ok(std::mem::take(
            &mut *self
                .console
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        ))
    }

    /// Navigates to `url` unless the page is already there.
    pub async fn open(&self, url: &str) -> Result<()> {
        self.current_page
            .open(url, async || {
                self.command(
                    "browsingContext.navigate",
                    json!({ "context": self.context, "url": url, "wait": "complete" }),
                )
                .await
                .map(drop)
            })
            .await
    }

    /// Evaluates a JavaScript `expression` in the current page and returns its value.
    pub async fn evaluate(&self, expression: &str) -> Result<Value> {
        self.call(&format!("() => ({expression})"), &[]).await
    }

    /// Calls `function` (a JavaScript function expression; it may return a promise) with the
    /// JSON `arguments` in the current page and returns its result, passed through
    /// `JSON.stringify`.
    pub async fn call(&self, function: &str, arguments: &[Value]) -> Result<Value> {
        let arguments =
            serde_json::to_string(arguments).map_err(|e| Error::new(format!("arguments: {e}")))?;
        let declaration = format!(
            "async () => {{ const f = ({function}); \
             const v = await f(...{arguments}); \
             return JSON.stringify(v === undefined ? null : v); }}"
        );
        let answer = self
            .command(
                "script.callFunction",
                json!({
                    "functionDeclaration": declaration,
                    "awaitPromise": true,
                    "target": { "context": self.context },
                }),
            )
            .await?;
        if answer.get("type").and_then(Value::as_str) != Some("success") {
            return Err(Error::new(format!("the page threw: {answer}")));
        }
        let text = answer
            .pointer("/result/value")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::new(format!("the page answered {answer}")))?;
        serde_json::from_str(text).map_err(|e| Error::new(format!("the page answered {text}: {e}")))
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
            .call(
                "(scenarios, concurrency) => window.corsairRun(scenarios, concurrency)",
                &[Value::from(scenarios.to_vec()), concurrency.into()],
            )
            .await?;
        results_from_json(&value, scenarios.len())
    }

    /// Ends the session, then every process; returns the ids of processes that still run
    /// afterwards (none, unless something escaped every kill).
    pub async fn shutdown(mut self) -> Vec<u32> {
        let _ = tokio::time::timeout(
            Duration::from_secs(5),
            self.command("session.end", json!({})),
        )
        .await;
        self.stop()
    }

    fn stop(&mut self) -> Vec<u32> {
        self.socket.get_mut().take();
        self.children.stop()
    }
}

impl Drop for Firefox {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
