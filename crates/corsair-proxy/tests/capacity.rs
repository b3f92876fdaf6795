//! Many connections at once, and hostile bytes: the gateway keeps serving. Alone in its
//! process, for its file descriptors.

mod support;

use std::time::Duration;

use http::StatusCode;
use support::*;

const APP: &str = "https://app.example.com";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections_are_all_served() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    // Every connection is open before any sends its request.
    let mut streams = Vec::new();
    for _ in 0..1000 {
        streams.push(tokio::net::TcpStream::connect(proxy.addr).await.unwrap());
    }
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|stream| {
            tokio::spawn(async move {
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await
                        .unwrap();
                tokio::spawn(connection);
                let response = sender.send_request(get("/hello", Some(APP))).await.unwrap();
                (
                    response.status(),
                    response
                        .headers()
                        .get("access-control-allow-origin")
                        .cloned(),
                )
            })
        })
        .collect();
    for task in tasks {
        let (status, grant) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(grant.unwrap(), APP);
    }
}

#[tokio::test]
async fn hostile_bytes_get_errors_and_the_gateway_keeps_serving() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let mut noise: Vec<Vec<u8>> = vec![
        b"\x00\xff\xfe garbage\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nhost: a\r\nx: \x01\x7f\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nhost: a\r\ncontent-length: -1\r\n\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nhost: a\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip\r\n\r\n".to_vec(),
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x09".to_vec(),
    ];
    noise.push(vec![b'a'; 200_000]);
    for bytes in &noise {
        let answer = raw(proxy.addr, bytes, Duration::from_secs(3)).await;
        assert!(
            !answer.contains(" 200 "),
            "{:?} -> {answer}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(60)])
        );
    }
    // An `Origin` that is not one is refused, without grants; the request still goes through.
    let answer = raw(
        proxy.addr,
        b"GET / HTTP/1.1\r\nhost: a\r\norigin: \xff\xfe\r\nconnection: close\r\n\r\n",
        Duration::from_secs(3),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(!answer.contains("access-control-"), "{answer}");
    let (response, _) = send(proxy.addr, get("/hello", Some(APP))).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers["access-control-allow-origin"], APP);
}
