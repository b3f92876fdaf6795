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

use std::{
    convert::Infallible,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use corsair_browser_tests::{chromium::Chromium, engine::judged, page::serve_page};
use futures_util::{SinkExt, StreamExt};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full, combinators::UnsyncBoxBody};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// The upstream: `/data` answers with its own permissive CORS, `/ws` echoes; counts the
/// WebSocket handshakes it saw.
async fn upstream(handshakes: Arc<AtomicUsize>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handshakes = handshakes.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request| answer(request, handshakes.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

async fn answer(
    mut request: Request<Incoming>,
    handshakes: Arc<AtomicUsize>,
) -> Result<Response<Body>, Infallible> {
    if request.uri().path() != "/ws" {
        let mut response = Response::new(Full::new(Bytes::from_static(b"secret")).boxed_unsync());
        response
            .headers_mut()
            .insert("access-control-allow-origin", "*".parse().unwrap());
        return Ok(response);
    }
    handshakes.fetch_add(1, Ordering::SeqCst);
    let Some(key) = request.headers().get("sec-websocket-key").cloned() else {
        let mut response = Response::new(Empty::new().boxed_unsync());
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(response);
    };
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let mut socket = tokio_tungstenite::WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            tokio_tungstenite::tungstenite::protocol::Role::Server,
            None,
        )
        .await;
        while let Some(Ok(message)) = socket.next().await {
            if message.is_text() {
                let echoed = format!("echo {}", message.to_text().unwrap_or_default());
                if socket.send(echoed.into()).await.is_err() {
                    break;
                }
            }
        }
    });
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    Ok(Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-accept", accept)
        .body(Empty::new().boxed_unsync())
        .unwrap())
}

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
    let handshakes = Arc::new(AtomicUsize::new(0));
    let upstream = upstream(handshakes.clone()).await;
    let policy = corsair::Config::new()
        .allow_origins([allowed_origin.clone()])
        .allow_credentials(true);
    let route = corsair_proxy::Route::new(
        corsair_proxy::PathPrefix::new("/").map_err(|e| e.to_string())?,
        corsair_proxy::Upstream::parse(&format!("http://{upstream}")).map_err(|e| e.to_string())?,
        corsair_proxy::PolicySource::Fixed(policy),
    );
    let gateway = corsair_proxy::Gateway::new(vec![route])
        .map_err(|e| e.to_string())?
        .listen("127.0.0.1:0".parse().map_err(|e| format!("{e}"))?);
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
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
            "read secret",
            "message echo hi",
        ),
        (
            format!("http://localhost:{}/", foreign.port()),
            "blocked TypeError",
            "error",
        ),
    ] {
        chromium.open(&page).await.map_err(|e| e.to_string())?;
        let read = run(chromium, FETCH, &data).await?;
        let before = handshakes.load(Ordering::SeqCst);
        let opened = run(chromium, SOCKET, &socket).await?;
        let reached = handshakes.load(Ordering::SeqCst) - before;
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
