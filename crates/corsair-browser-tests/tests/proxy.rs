//! `corsair proxy` in real Chromium: an upstream that answers every origin with its own
//! `Access-Control-Allow-Origin: *` (which no browser accepts for a credentialed read) sits
//! behind the gateway, whose policy allows one page origin with credentials.
//!
//! * The allowed page (`http://127.0.0.1:A`) reads a response through the gateway with
//!   `credentials: 'include'`: corsair replaced the upstream's `*` with its own grant.
//! * A foreign page (`http://localhost:F`, another site) cannot read it.
//! * A WebSocket from the allowed page is spliced through to the upstream's echo; one from the
//!   foreign page is refused before the upstream sees the handshake.
//!
//! Never skips: without Chromium the test fails, saying how to install it.

// The gateway's own test upstream: it answers with `Access-Control-Allow-Origin: *` and
// echoes WebSocket messages.
#[path = "../../corsair-proxy/tests/support/mod.rs"]
mod support;

use std::{sync::Arc, time::Duration};

use corsair_browser_tests::{chromium::Chromium, engine::judged, page::serve_page};
use serde_json::{Value, json};

const FETCH: &str = r#"
const [url, done] = [arguments[0], arguments[arguments.length - 1]];
fetch(url, { credentials: 'include' })
  .then(r => r.text())
  .then(text => done('read ' + text), error => done('blocked ' + error.name));
"#;

const SOCKET: &str = r#"
const [url, done] = [arguments[0], arguments[arguments.length - 1]];
const socket = new WebSocket(url);
socket.onopen = () => socket.send('hi');
socket.onmessage = message => { done('message ' + message.data); socket.close(); };
socket.onerror = () => done('error');
"#;

#[tokio::test]
async fn chromium_reads_through_the_proxy_only_from_the_allowed_origin() {
    judged::<Chromium>(Duration::from_secs(120), "", async |chromium| {
        check(chromium).await
    })
    .await;
}

async fn check(chromium: &Chromium) -> Result<String, String> {
    let allowed = serve_page().await.map_err(|e| e.to_string())?;
    let foreign = serve_page().await.map_err(|e| e.to_string())?;
    let allowed_origin = format!("http://127.0.0.1:{}", allowed.port());
    let upstream = support::upstream().await;
    let handshakes = || {
        upstream
            .seen
            .paths()
            .iter()
            .filter(|p| *p == "GET /ws")
            .count()
    };
    let policy = corsair::Config::new()
        .allow_origins([allowed_origin.clone()])
        .allow_credentials(true);
    let route = corsair_proxy::Route::new(
        corsair_proxy::PathPrefix::new("/").map_err(|e| e.to_string())?,
        corsair_proxy::Upstream::parse(&format!("http://{}", upstream.addr))
            .map_err(|e| e.to_string())?,
        corsair_proxy::PolicySource::Fixed(policy),
    );
    let gateway = corsair_proxy::Gateway::new(vec![route])
        .map_err(|e| e.to_string())?
        .listen("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?);
    let tls = support::client_tls(rustls::RootCertStore::empty());
    let bound = corsair_proxy::Proxy::new(gateway, tls, Arc::new(corsair_proxy::LogRejected))
        .map_err(|e| e.to_string())?
        .bind()
        .await
        .map_err(|e| e.to_string())?;
    let port = bound.local_addr().map_err(|e| e.to_string())?.port();
    tokio::spawn(bound.serve(std::future::pending()));

    let data = json!(format!("http://127.0.0.1:{port}/data"));
    let socket = json!(format!("ws://127.0.0.1:{port}/ws"));
    let mut results = Vec::new();
    for (page, expected_read, expected_socket) in [
        (
            format!("{allowed_origin}/"),
            "read GET /data",
            "message echo: hi",
        ),
        (
            format!("http://localhost:{}/", foreign.port()),
            "blocked TypeError",
            "error",
        ),
    ] {
        chromium.open(&page).await.map_err(|e| e.to_string())?;
        let read = run(chromium, FETCH, &data).await?;
        let before = handshakes();
        let opened = run(chromium, SOCKET, &socket).await?;
        let reached = handshakes() - before;
        results.push(format!("{page}: fetch {read}, WebSocket {opened}"));
        if read != expected_read || opened != expected_socket {
            return Err(format!(
                "from {page}: expected fetch `{expected_read}` and WebSocket `{expected_socket}`, got `{read}` and `{opened}`"
            ));
        }
        let expected_reached = usize::from(expected_socket != "error");
        if reached != expected_reached {
            return Err(format!(
                "from {page}: the upstream saw {reached} WebSocket handshake(s), expected {expected_reached}"
            ));
        }
    }
    Ok(results.join("; "))
}

async fn run(chromium: &Chromium, script: &str, url: &Value) -> Result<String, String> {
    let value = chromium
        .execute_async(script, vec![url.clone()])
        .await
        .map_err(|e| e.to_string())?;
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the script returned {value}"))
}
