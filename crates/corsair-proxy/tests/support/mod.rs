//! An upstream written for the gateway's tests (it sets its own CORS headers, streams, fails
//! and speaks WebSocket), a gateway in front of it, and a client.
#![allow(dead_code, unreachable_pub)]

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use corsair_proxy::{Body, BoxError, Gateway, LogRejected, Proxy};
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::{net::TcpListener, sync::Notify};

/// What the upstream saw: method, path and headers of every request.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<(String, String, HeaderMap)>>>);

impl Seen {
    pub fn requests(&self) -> Vec<(String, String, HeaderMap)> {
        self.0.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }
}

pub struct Upstream {
    pub addr: SocketAddr,
    pub seen: Seen,
    /// Released by a test to let `/sse` send its second event.
    pub release: Arc<Notify>,
}

type UpBody = UnsyncBoxBody<Bytes, Infallible>;

fn full(text: impl Into<Bytes>) -> UpBody {
    Full::new(text.into()).boxed_unsync()
}

/// Starts the test upstream on loopback.
pub async fn upstream() -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Seen::default();
    let release = Arc::new(Notify::new());
    let (s, r) = (seen.clone(), release.clone());
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (seen, release) = (s.clone(), r.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    answer(request, seen.clone(), release.clone())
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    Upstream {
        addr,
        seen,
        release,
    }
}

async fn answer(
    mut request: Request<Incoming>,
    seen: Seen,
    release: Arc<Notify>,
) -> Result<Response<UpBody>, Infallible> {
    let path = request.uri().path().to_owned();
    seen.0.lock().unwrap().push((
        request.method().to_string(),
        request.uri().to_string(),
        request.headers().clone(),
    ));
    let mut response = match path.as_str() {
        // Echoes the request head: what reached the upstream.
        "/echo" => {
            let mut text = format!("{} {}\n", request.method(), request.uri());
            for (name, value) in request.headers() {
                text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
            }
            Response::new(full(text))
        }
        "/status/404" => status(StatusCode::NOT_FOUND),
        "/status/500" => status(StatusCode::INTERNAL_SERVER_ERROR),
        "/status/401" => status(StatusCode::UNAUTHORIZED),
        "/not-modified" => status(StatusCode::NOT_MODIFIED),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Response::new(full("late"))
        }
        // Counts the body as it streams, never holding it.
        "/upload" => {
            let mut body = request.into_body();
            let mut total = 0u64;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    total += data.len() as u64;
                }
            }
            Response::new(full(total.to_string()))
        }
        // `n` MiB, produced as it is read.
        "/download" => {
            let mib: usize = request.uri().query().unwrap_or("1").parse().unwrap();
            let chunk = Bytes::from(vec![b'x'; 1 << 20]);
            let stream = futures_util::stream::iter(
                (0..mib).map(move |_| Ok::<_, Infallible>(Frame::data(chunk.clone()))),
            );
            Response::new(StreamBody::new(stream).boxed_unsync())
        }
        // One event at once; the second only when the test has read the first.
        "/sse" => {
            let stream = futures_util::stream::unfold(0, move |state| {
                let release = release.clone();
                async move {
                    match state {
                        0 => Some((Ok(Frame::data(Bytes::from_static(b"data: one\n\n"))), 1)),
                        1 => {
                            release.notified().await;
                            Some((Ok(Frame::data(Bytes::from_static(b"data: two\n\n"))), 2))
                        }
                        _ => None,
                    }
                }
            });
            let mut response = Response::new(StreamBody::new(stream).boxed_unsync());
            response
                .headers_mut()
                .insert("content-type", "text/event-stream".parse().unwrap());
            response
        }
        "/trailers" => {
            let mut trailers = HeaderMap::new();
            trailers.insert("x-checksum", "abc".parse().unwrap());
            let frames = futures_util::stream::iter([
                Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"body"))),
                Ok(Frame::trailers(trailers)),
            ]);
            let mut response = Response::new(StreamBody::new(frames).boxed_unsync());
            response
                .headers_mut()
                .insert("trailer", "x-checksum".parse().unwrap());
            response
        }
        "/ws" => {
            let key = request.headers()["sec-websocket-key"].clone();
            let upgrade = hyper::upgrade::on(&mut request);
            tokio::spawn(async move {
                let upgraded = upgrade.await.unwrap();
                let mut socket = tokio_tungstenite::WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    tokio_tungstenite::tungstenite::protocol::Role::Server,
                    None,
                )
                .await;
                while let Some(Ok(message)) = socket.next().await {
                    if message.is_text() {
                        let echoed = format!("echo: {}", message.to_text().unwrap());
                        socket.send(echoed.into()).await.unwrap();
                    }
                }
            });
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            return Ok(Response::builder()
                .status(StatusCode::SWITCHING_PROTOCOLS)
                .header("connection", "upgrade")
                .header("upgrade", "websocket")
                .header("sec-websocket-accept", accept)
                .body(Empty::new().boxed_unsync())
                .unwrap());
        }
        _ => Response::new(full(format!("{} {path}", request.method()))),
    };
    // The upstream's own CORS, as APIs behind gateways often have: corsair must own these.
    let headers = response.headers_mut();
    headers.insert("access-control-allow-origin", "*".parse().unwrap());
    headers.insert(
        "access-control-allow-methods",
        "GET, POST, DELETE".parse().unwrap(),
    );
    headers.insert("access-control-max-age", "86400".parse().unwrap());
    headers.append("vary", "Accept-Encoding".parse().unwrap());
    headers.insert("x-upstream", "yes".parse().unwrap());
    Ok(response)
}

fn status(code: StatusCode) -> Response<UpBody> {
    let mut response = Response::new(full(code.as_str().to_owned()));
    *response.status_mut() = code;
    response
}

/// A client TLS configuration trusting nothing but `roots`.
pub fn client_tls(roots: rustls::RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

pub struct Running {
    pub addr: SocketAddr,
    pub admin: Option<SocketAddr>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pub done: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Asks the gateway to drain and stop.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts `gateway` (on a free port) in the background.
pub async fn start(gateway: Gateway) -> Running {
    start_with(gateway, client_tls(rustls::RootCertStore::empty())).await
}

pub async fn start_with(gateway: Gateway, tls: rustls::ClientConfig) -> Running {
    let gateway = gateway.listen("127.0.0.1:0".parse().unwrap());
    let bound = Proxy::new(gateway, tls, Arc::new(LogRejected))
        .unwrap()
        .bind()
        .await
        .unwrap();
    let addr = bound.local_addr().unwrap();
    let admin = bound.admin_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let done = tokio::spawn(bound.serve(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        admin,
        stop: Some(stop),
        done,
    }
}

/// The policy most tests use.
pub fn policy() -> corsair::Config {
    corsair::Config::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["GET", "POST", "PUT", "DELETE"])
        .allow_headers(["content-type", "x-token"])
        .expose_headers(["x-upstream"])
        .allow_credentials(true)
}

/// A gateway with one route, `/`, to `upstream` under `policy`.
pub fn gateway(upstream: SocketAddr, policy: corsair::Config) -> Gateway {
    let route = corsair_proxy::Route::new(
        corsair_proxy::PathPrefix::new("/").unwrap(),
        corsair_proxy::Upstream::parse(&format!("http://{upstream}")).unwrap(),
        corsair_proxy::PolicySource::Fixed(policy),
    );
    Gateway::new(vec![route]).unwrap()
}

/// One HTTP/1.1 request on a new connection; the whole response.
pub async fn send(addr: SocketAddr, request: Request<Body>) -> (http::response::Parts, Bytes) {
    let response = open(addr, request).await;
    let (parts, body) = response.into_parts();
    (parts, body.collect().await.unwrap().to_bytes())
}

/// One HTTP/1.1 request on a new connection; the response, its body unread.
pub async fn open(addr: SocketAddr, request: Request<Body>) -> Response<Incoming> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender.send_request(request).await.unwrap()
}

/// One HTTP/2 (prior knowledge, h2c) request.
pub async fn send_h2(addr: SocketAddr, request: Request<Body>) -> (http::response::Parts, Bytes) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts, body.collect().await.unwrap().to_bytes())
}

pub fn empty() -> Body {
    Empty::new().map_err(BoxError::from).boxed_unsync()
}

pub fn text(body: &'static str) -> Body {
    Full::new(Bytes::from_static(body.as_bytes()))
        .map_err(BoxError::from)
        .boxed_unsync()
}

pub fn get(path: &str, origin: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path).header("host", "api.example.com");
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.body(empty()).unwrap()
}

/// Every value of `name`, joined as one list.
pub fn all(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// Writes raw bytes and reads until the server closes or `limit` passes.
pub async fn raw(addr: SocketAddr, bytes: &[u8], limit: Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// This process's resident memory, in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A self-signed certificate for `localhost`: (certificate PEM, key PEM, DER for trust).
pub fn certificate() -> (String, String, rustls::pki_types::CertificateDer<'static>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.pem(), key.serialize_pem(), cert.der().clone())
}

/// Replaces `path` by rename, as editors, ConfigMaps and secret managers do.
pub fn replace(path: &std::path::Path, text: &str) {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

/// Polls `condition` every 50 ms until it holds, for at most 5 s.
pub async fn until(mut condition: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting");
}
