//! The cross-origin protections in a real browser: a server behind `corsair_tower::CorsLayer`
//! that records what each request sent (`Sec-Fetch-Site`, `Origin`) and whether its handler
//! ran, and a page whose script submits forms, `no-cors` fetches, beacons and WebSocket
//! handshakes to it.

use std::{
    convert::Infallible,
    sync::{Arc, Mutex, PoisonError},
};

use corsair::Policy;
use corsair_tower::CorsLayer;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tower::{Service, ServiceBuilder, ServiceExt};

use crate::{
    Result,
    http1::{RawResponse, Server, bind_loopback},
};

/// The page. `corsairRun(scenarios)` runs each scenario (`{action, url}`, where `action` is
/// `form-urlencoded`, `form-multipart`, `no-cors`, `beacon` or `websocket`) in order and
/// resolves with, per scenario, one result: `{ok: true, type: action, status: 0, headers: []}`
/// once the browser sent it (the page cannot read a foreign answer), or `{ok: false, error}`
/// when a WebSocket failed to open. `corsairSubmitTop(url)` submits a url-encoded form to
/// `url` in the page's own window, which navigates away from the page.
pub const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>corsair cross-origin protection</title>
<link rel="icon" href="data:,">
<script>
function corsairForm(url, enctype) {
  return new Promise((resolve) => {
    const frame = document.createElement('iframe');
    frame.name = 'f' + Math.random().toString(36).slice(2);
    document.body.appendChild(frame);
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = url;
    form.enctype = enctype;
    form.target = frame.name;
    const field = document.createElement('input');
    field.name = 'amount';
    field.value = '1000';
    form.appendChild(field);
    document.body.appendChild(form);
    frame.addEventListener('load', () => resolve(), { once: true });
    setTimeout(resolve, 3000);
    form.submit();
  });
}
function corsairSubmitTop(url) {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = url;
  const field = document.createElement('input');
  field.name = 'amount';
  field.value = '1000';
  form.appendChild(field);
  document.body.appendChild(form);
  setTimeout(() => form.submit(), 0);
  return true;
}
function corsairSocket(url) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'));
    socket.onopen = () => { socket.close(); resolve(null); };
    socket.onerror = () => resolve('the handshake failed');
    setTimeout(() => resolve('no answer'), 3000);
  });
}
async function corsairAction(s) {
  const sent = { ok: true, type: s.action, status: 0, headers: [] };
  switch (s.action) {
    case 'form-urlencoded': await corsairForm(s.url, 'application/x-www-form-urlencoded'); return sent;
    case 'form-multipart': await corsairForm(s.url, 'multipart/form-data'); return sent;
    case 'no-cors':
      try {
        await fetch(s.url, { method: 'POST', mode: 'no-cors', body: 'amount=1000',
                             headers: { 'Content-Type': 'text/plain' } });
      } catch (e) {}
      return sent;
    case 'beacon': navigator.sendBeacon(s.url, 'amount=1000'); return sent;
    case 'websocket': {
      const error = await corsairSocket(s.url);
      return error === null ? sent : { ok: false, error };
    }
  }
  return { ok: false, error: 'unknown action ' + s.action };
}
window.corsairRun = async function (scenarios) {
  const results = [];
  for (const s of scenarios) results.push([await corsairAction(s)]);
  return results;
};
</script>
<p>corsair</p>
"#;

/// One request the protected server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The request's path.
    pub path: String,
    /// Its method.
    pub method: String,
    /// Its `Sec-Fetch-Site`, if any.
    pub sec_fetch_site: Option<String>,
    /// Its `Sec-Fetch-Mode`, if any.
    pub sec_fetch_mode: Option<String>,
    /// Its `Sec-Fetch-Dest`, if any.
    pub sec_fetch_dest: Option<String>,
    /// Its `Origin`, if any.
    pub origin: Option<String>,
    /// Its `Accept`, if any.
    pub accept: Option<String>,
    /// Whether the handler behind the layer ran.
    pub handled: bool,
    /// The status the layer or the handler answered.
    pub status: u16,
}

/// Serves [`PAGE`] at `/` on 127.0.0.1 (and `::1`), for the pages on other origins.
pub async fn serve_page() -> Result<Server> {
    Server::start(Arc::new(|request| {
        if request.path() == "/" {
            html(PAGE)
        } else {
            RawResponse {
                status: 404,
                headers: vec![("Content-Length".into(), b"0".to_vec())],
                body: Vec::new(),
            }
        }
    }))
    .await
}

fn html(page: &str) -> RawResponse {
    RawResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), b"text/html; charset=utf-8".to_vec()),
            ("Cache-Control".into(), b"no-store".to_vec()),
            ("Content-Length".into(), page.len().to_string().into_bytes()),
        ],
        body: page.as_bytes().to_vec(),
    }
}

type Log = Arc<Mutex<Vec<Sent>>>;

/// A policy served behind the tower layer, its handler answering writes with 200, WebSocket
/// handshakes with 101 and `/` with [`PAGE`]; aborted when dropped.
#[derive(Debug)]
pub struct ProtectedServer {
    port: u16,
    log: Log,
    tasks: Vec<JoinHandle<()>>,
}

fn header_value(request: &Request<Incoming>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

async fn handler(mut request: Request<Incoming>) -> Response<Full<Bytes>> {
    if request.uri().path() == "/" {
        return Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body(Full::new(Bytes::from_static(PAGE.as_bytes())))
            .unwrap_or_default();
    }
    let key = request.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
    if let Some(key) = key {
        let upgrade = hyper::upgrade::on(&mut request);
        // Keeps the connection open until the page closes it.
        tokio::spawn(async move {
            if let Ok(upgraded) = upgrade.await {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                drop(upgraded);
            }
        });
        return Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header(header::CONNECTION, "Upgrade")
            .header(header::UPGRADE, "websocket")
            .header(
                header::SEC_WEBSOCKET_ACCEPT,
                derive_accept_key(key.as_bytes()),
            )
            .body(Full::default())
            .unwrap_or_default();
    }
    Response::new(Full::new(Bytes::from_static(b"handled")))
}

impl ProtectedServer {
    /// Serves `policy` on a free loopback port.
    pub async fn start(policy: Policy) -> Result<Self> {
        let log = Log::default();
        let listeners = bind_loopback().await?;
        let port = listeners
            .first()
            .ok_or_else(|| crate::Error::new("no listener"))?
            .local_addr()?
            .port();
        let service = ServiceBuilder::new()
            .layer(CorsLayer::new(policy))
            .service_fn(|request: Request<Incoming>| async move {
                let mut response = handler(request).await;
                response
                    .headers_mut()
                    .insert("x-handled", http::HeaderValue::from_static("1"));
                Ok::<_, Infallible>(response)
            });
        let mut tasks = Vec::new();
        for listener in listeners {
            let service = service.clone();
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let service = service.clone();
                    let log = log.clone();
                    let recording =
                        hyper::service::service_fn(move |request: Request<Incoming>| {
                            let mut sent = Sent {
                                path: request.uri().path().to_owned(),
                                method: request.method().as_str().to_owned(),
                                sec_fetch_site: header_value(&request, "sec-fetch-site"),
                                sec_fetch_mode: header_value(&request, "sec-fetch-mode"),
                                sec_fetch_dest: header_value(&request, "sec-fetch-dest"),
                                origin: header_value(&request, "origin"),
                                accept: header_value(&request, "accept"),
                                handled: false,
                                status: 0,
                            };
                            let mut service = service.clone();
                            let log = log.clone();
                            async move {
                                let mut response = service.ready().await?.call(request).await?;
                                sent.handled = response.headers_mut().remove("x-handled").is_some();
                                sent.status = response.status().as_u16();
                                log.lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .push(sent);
                                Ok::<_, Infallible>(response)
                            }
                        });
                    tokio::spawn(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), recording)
                            .with_upgrades(),
                    );
                }
            }));
        }
        Ok(Self { port, log, tasks })
    }

    /// The port (the server's origin is `http://127.0.0.1:<port>`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// What arrived at `path`.
    pub fn sent_to(&self, path: &str) -> Vec<Sent> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for ProtectedServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
