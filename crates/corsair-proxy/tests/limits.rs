//! Limits not exercised elsewhere: the upstream connect timeout, and HTTP/2's header-list
//! limit.

mod support;

use std::time::{Duration, Instant};

use corsair_proxy::Limits;
use http::{Request, StatusCode};
use support::*;

const APP: &str = "https://app.example.com";

/// A loopback address whose TCP handshake never completes: a listener that never accepts,
/// its accept queue filled, so the kernel drops further SYNs.
fn blackhole() -> (
    tokio::net::TcpListener,
    Vec<std::net::TcpStream>,
    std::net::SocketAddr,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    loop {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(stream) => queued.push(stream),
            Err(error) => {
                assert_eq!(error.kind(), std::io::ErrorKind::TimedOut, "{error}");
                break;
            }
        }
        assert!(queued.len() < 64, "the accept queue never filled");
    }
    (listener, queued, addr)
}

#[tokio::test]
async fn an_upstream_that_never_completes_the_handshake_gives_504_with_the_grants() {
    let (_listener, _queued, addr) = blackhole();
    let mut limits = Limits::default();
    limits.connect_timeout = Duration::from_millis(400);
    let proxy = start(gateway(addr, policy()).limits(limits)).await;
    let started = Instant::now();
    let (response, body) = send(proxy.addr, get("/", Some(APP))).await;
    let waited = started.elapsed();
    assert_eq!(response.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(body, "upstream connection timed out");
    assert_eq!(response.headers["access-control-allow-origin"], APP);
    assert_eq!(response.headers["access-control-allow-credentials"], "true");
    // The connect timeout, not the response timeout (60 s), gave up.
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // A refused origin gets the 504 without grants.
    let (response, _) = send(proxy.addr, get("/", Some("https://evil.example"))).await;
    assert_eq!(response.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(!response.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn an_http2_header_list_over_the_limit_gets_431() {
    let upstream = upstream().await;
    let mut limits = Limits::default();
    limits.max_header_bytes = 16 * 1024;
    let proxy = start(gateway(upstream.addr, policy()).limits(limits)).await;
    let request = |size: usize| {
        Request::get(format!("http://{}/echo", proxy.addr))
            .header("origin", APP)
            .header("x-big", "b".repeat(size))
            .body(empty())
            .unwrap()
    };
    // One connection for both: the refusal ends the stream, not the connection.
    let stream = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    // h2's own answer, before any service: a bare `431` (no body, no CORS headers), as
    // hyper's HTTP/1 parser gives.
    let response = sender.send_request(request(20 * 1024)).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    assert!(response.headers().is_empty(), "{:?}", response.headers());
    assert!(upstream.seen.requests().is_empty());
    let response = sender.send_request(request(8 * 1024)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
}

#[tokio::test]
async fn silent_and_trickling_clients_are_cut_off_at_the_header_read_timeout() {
    let upstream = upstream().await;
    let mut limits = Limits::default();
    limits.header_read_timeout = Duration::from_millis(500);
    let proxy = start(gateway(upstream.addr, policy()).limits(limits)).await;
    for sent in [
        // Nothing at all.
        &b""[..],
        // Half a first head.
        b"GET / HTTP/1.1\r\nhost: a\r\n",
        // A whole request, then half of the next one.
        b"GET /first HTTP/1.1\r\nhost: a\r\n\r\nGET /second HTTP/1.1\r\nhost: a\r\n",
    ] {
        let started = Instant::now();
        let answer = raw(proxy.addr, sent, Duration::from_secs(10)).await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(400) && waited < Duration::from_secs(5),
            "{waited:?}"
        );
        assert_eq!(
            answer.matches("HTTP/1.1 200").count(),
            usize::from(sent.len() > 40),
            "{answer}"
        );
    }
    assert_eq!(upstream.seen.paths(), ["GET /first"]);
}
