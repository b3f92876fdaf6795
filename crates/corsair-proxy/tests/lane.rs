//! The upstream lane of a downstream HTTP/1 connection, over real sockets: one upstream
//! connection reused across the downstream connection's requests, a fresh one when the
//! upstream closed it between requests, `502` (never a resend) when it closed on a request
//! it had read, and HTTP/2 downstream connections still multiplexed.

mod support;

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use corsair_proxy::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use support::{empty, get, start};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

const ORIGIN: &str = "https://app.example.com";

/// An upstream speaking HTTP/1.1 by hand, so that each test decides exactly when a
/// connection closes. It numbers its connections and records `(connection, path)` per
/// request. Paths: `/close` answers and, a moment later, closes without having said so (as
/// an idle timeout does), `/drop` reads the request and closes unanswered, `/chunked` answers in chunks,
/// `/held` answers once released, `/partial` sends a head and one chunk, then records
/// `closed` when the gateway closes the connection; anything else answers with a length.
#[derive(Clone)]
struct Upstream {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<(usize, String)>>>,
    release: Arc<Notify>,
}

impl Upstream {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = Self {
            addr: listener.local_addr().unwrap(),
            seen: Arc::default(),
            release: Arc::new(Notify::new()),
        };
        let serving = upstream.clone();
        tokio::spawn(async move {
            for number in 1.. {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(serving.clone().serve(number, stream));
            }
        });
        upstream
    }

    async fn serve(self, number: usize, mut stream: TcpStream) {
        let mut buffer = Vec::new();
        loop {
            let Some(end) = read_head(&mut stream, &mut buffer).await else {
                return;
            };
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end);
            let path = head.split(' ').nth(1).unwrap_or("").to_owned();
            self.seen.lock().unwrap().push((number, path.clone()));
            let body = format!("connection {number}");
            let reply = match path.as_str() {
                "/drop" => return,
                "/chunked" => format!(
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                    body.len()
                ),
                _ => format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                ),
            };
            if path == "/partial" {
                let partial = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n";
                let _ = stream.write_all(partial.as_bytes()).await;
                let mut rest = [0; 64];
                while matches!(stream.read(&mut rest).await, Ok(n) if n > 0) {}
                self.seen
                    .lock()
                    .unwrap()
                    .push((number, "closed".to_owned()));
                return;
            }
            if path == "/held" {
                self.release.notified().await;
            }
            if stream.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            if path == "/close" {
                // Later than the gateway's read of the response, as an idle timeout would.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return;
            }
        }
    }

    /// The connection number of every request, in order.
    fn connections(&self) -> Vec<usize> {
        self.seen.lock().unwrap().iter().map(|(n, _)| *n).collect()
    }
}

/// Reads until a request head ends; its length, or `None` once the peer closed.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(at + 4);
        }
        let mut chunk = [0; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn gateway(upstream: SocketAddr) -> corsair_proxy::Gateway {
    support::gateway(upstream, support::policy())
}

/// One downstream HTTP/1.1 connection to the gateway, kept open across requests.
async fn downstream(addr: SocketAddr) -> SendRequest<Body> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

async fn call(sender: &mut SendRequest<Body>, request: Request<Body>) -> (StatusCode, Bytes) {
    sender.ready().await.unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let allowed = response
        .headers()
        .get("access-control-allow-origin")
        .cloned();
    assert_eq!(
        allowed.as_ref().map(|v| v.as_bytes()),
        Some(ORIGIN.as_bytes())
    );
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

#[tokio::test]
async fn one_upstream_connection_carries_every_request_of_a_downstream_connection() {
    let upstream = Upstream::start().await;
    let gateway = start(gateway(upstream.addr)).await;
    let mut first = downstream(gateway.addr).await;
    for path in ["/a", "/chunked", "/b", "/chunked", "/c"] {
        let (status, body) = call(&mut first, get(path, Some(ORIGIN))).await;
        assert_eq!((status, &body[..]), (StatusCode::OK, &b"connection 1"[..]));
    }
    // Another downstream connection gets an upstream connection of its own.
    let mut second = downstream(gateway.addr).await;
    let (_, body) = call(&mut second, get("/d", Some(ORIGIN))).await;
    assert_eq!(&body[..], b"connection 2");
    let (_, body) = call(&mut first, get("/e", Some(ORIGIN))).await;
    assert_eq!(&body[..], b"connection 1");
    assert_eq!(upstream.connections(), [1, 1, 1, 1, 1, 2, 1]);
}

#[tokio::test]
async fn each_route_keeps_its_own_upstream_connection_on_a_downstream_connection() {
    let upstream = Upstream::start().await;
    let url = format!("http://{}", upstream.addr);
    let route = |prefix: &str| {
        corsair_proxy::Route::new(
            corsair_proxy::PathPrefix::new(prefix).unwrap(),
            corsair_proxy::Upstream::parse(&url).unwrap(),
            corsair_proxy::PolicySource::Fixed(support::policy()),
        )
    };
    let gateway = corsair_proxy::Gateway::new(vec![route("/one"), route("/two")]).unwrap();
    let gateway = start(gateway).await;
    let mut sender = downstream(gateway.addr).await;
    for path in ["/one", "/two", "/one", "/two"] {
        let (status, _) = call(&mut sender, get(path, Some(ORIGIN))).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(upstream.connections(), [1, 2, 1, 2]);
}

#[tokio::test]
async fn a_connection_the_upstream_closed_while_idle_is_replaced_without_an_error() {
    let upstream = Upstream::start().await;
    let gateway = start(gateway(upstream.addr)).await;
    let mut sender = downstream(gateway.addr).await;
    let (status, body) = call(&mut sender, get("/close", Some(ORIGIN))).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"connection 1"[..]));
    // Let the upstream's close reach the gateway before the next request.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) = call(&mut sender, get("/after", Some(ORIGIN))).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"connection 2"[..]));
    assert_eq!(upstream.connections(), [1, 2]);
}

#[tokio::test]
async fn a_request_the_upstream_read_and_dropped_is_a_502_and_never_sent_twice() {
    let upstream = Upstream::start().await;
    let gateway = start(gateway(upstream.addr)).await;
    let mut sender = downstream(gateway.addr).await;
    let (status, _) = call(&mut sender, get("/a", Some(ORIGIN))).await;
    assert_eq!(status, StatusCode::OK);
    // On the reused connection, then on a fresh one: neither is retried.
    for _ in 0..2 {
        let (status, _) = call(&mut sender, get("/drop", Some(ORIGIN))).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY);
    }
    let (status, body) = call(&mut sender, get("/b", Some(ORIGIN))).await;
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"connection 3"[..]));
    let seen: Vec<_> = upstream.seen.lock().unwrap().clone();
    let paths: Vec<_> = seen.iter().map(|(n, p)| (*n, p.as_str())).collect();
    assert_eq!(paths, [(1, "/a"), (1, "/drop"), (2, "/drop"), (3, "/b")]);
}

#[tokio::test]
async fn a_response_abandoned_midway_closes_its_upstream_connection() {
    let upstream = Upstream::start().await;
    let gateway = start(gateway(upstream.addr)).await;
    let mut sender = downstream(gateway.addr).await;
    sender.ready().await.unwrap();
    let response = sender
        .send_request(get("/partial", Some(ORIGIN)))
        .await
        .unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(&first[..], b"first");
    // The client goes away in the middle of the body: the upstream connection, which cannot
    // carry another exchange, is closed rather than kept.
    drop((body, sender));
    let closed = async {
        while !upstream
            .seen
            .lock()
            .unwrap()
            .contains(&(1, "closed".to_owned()))
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the upstream connection stayed open");
}

#[tokio::test]
async fn http2_downstream_streams_stay_concurrent() {
    let upstream = Upstream::start().await;
    let gateway = start(gateway(upstream.addr)).await;
    let stream = TcpStream::connect(gateway.addr).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = |path: &str| {
        Request::get(format!("http://api.example.com{path}"))
            .header("origin", ORIGIN)
            .body(empty())
            .unwrap()
    };
    let mut held_sender = sender.clone();
    let held = tokio::spawn(held_sender.send_request(request("/held")));
    tokio::time::sleep(Duration::from_millis(100)).await;
    // While one stream waits on the upstream, another on the same connection is answered.
    let mut quick_sender = sender.clone();
    let quick = tokio::time::timeout(
        Duration::from_secs(5),
        quick_sender.send_request(request("/quick")),
    )
    .await
    .expect("the second stream waited for the first")
    .unwrap();
    assert_eq!(quick.status(), StatusCode::OK);
    assert_eq!(quick.headers()["access-control-allow-origin"], ORIGIN);
    upstream.release.notify_one();
    let held = held.await.unwrap().unwrap();
    assert_eq!(held.status(), StatusCode::OK);
    let body = held.into_body().collect().await.unwrap().to_bytes();
    assert!(body.starts_with(b"connection "), "{body:?}");
}
