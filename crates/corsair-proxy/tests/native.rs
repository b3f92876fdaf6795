//! The gateway's own HTTP/1.1 path over real sockets: a connection it hands to hyper
//! mid-way goes on where it left off, an idle connection ends at the drain, and upstream
//! responses of every framing reach the client intact, with the grants.

mod support;

use std::time::Duration;

use http::StatusCode;
use http_body_util::BodyExt;
use support::*;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const APP: &str = "https://app.example.com";

/// Splits what a connection received into its responses' status codes and bodies (each
/// response framed by `content-length`, as the test upstream frames them).
fn responses(mut raw: &str) -> Vec<(u16, String)> {
    let mut found = Vec::new();
    while let Some(end) = raw.find("\r\n\r\n") {
        let head = &raw[..end];
        let status = head[9..12].parse().unwrap();
        let length: usize = head
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .map_or(0, |length| length.trim().parse().unwrap());
        let body = &raw[end + 4..end + 4 + length];
        assert!(
            head.to_ascii_lowercase()
                .contains(&format!("access-control-allow-origin: {APP}")),
            "{head}"
        );
        found.push((status, body.to_owned()));
        raw = &raw[end + 4 + length..];
    }
    found
}

#[tokio::test]
async fn a_connection_handed_to_hyper_goes_on_where_the_native_path_left_it() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    // Pipelined on one connection: a GET (served natively), a chunked upload (which the
    // native path leaves to hyper, with the rest of the connection), and a last GET.
    let pipelined = format!(
        "GET /echo HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {APP}\r\n\r\n\
         POST /upload HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {APP}\r\n\
         Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n\
         GET /echo HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {APP}\r\nConnection: close\r\n\r\n"
    );
    let raw = raw(proxy.addr, pipelined.as_bytes(), Duration::from_secs(5)).await;
    let answered = responses(&raw);
    let statuses: Vec<u16> = answered.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 200], "{raw}");
    assert!(answered[0].1.starts_with("GET /echo"), "{raw}");
    assert_eq!(answered[1].1, "11");
    assert_eq!(
        upstream.seen.paths(),
        ["GET /echo", "POST /upload", "GET /echo"]
    );
}

#[tokio::test]
async fn an_idle_connection_ends_at_the_drain_without_waiting_for_its_deadline() {
    let upstream = upstream().await;
    let mut proxy = start(gateway(upstream.addr, policy())).await;
    let mut stream = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let request = format!("GET /echo HTTP/1.1\r\nHost: api.example.com\r\nOrigin: {APP}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = [0; 4096];
    let read = stream.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200 OK\r\n"));
    // Kept alive and idle when the drain starts: closed by the gateway at once (the drain
    // deadline is 30 s).
    proxy.stop();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.read(&mut answer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    });
    closed.await.expect("the idle connection stayed open");
    tokio::time::timeout(Duration::from_secs(5), &mut proxy.done)
        .await
        .expect("drained and returned")
        .unwrap();
}

/// An upstream answering from a script: each connection reads one request head and writes
/// the reply its path names, then closes.
async fn scripted() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let reply: &[u8] = match head.split(' ').nth(1).unwrap_or("") {
                    "/until-close" => b"HTTP/1.1 200 OK\r\nX-Kind: close\r\n\r\nhello, until the end",
                    "/both" => b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                    "/gzip" => b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxxxx",
                    "/hints" => b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                    "/cors" => b"HTTP/1.1 200 OK\r\nACCESS-CONTROL-ALLOW-ORIGIN: *\r\nVary: accept-encoding\r\nContent-Length: 2\r\n\r\nok",
                    _ => b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                };
                let _ = stream.write_all(reply).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn upstream_responses_of_every_framing_reach_the_client_with_the_grants() {
    let proxy = start(gateway(scripted().await, policy())).await;
    for (path, body) in [
        // Until the upstream closes: re-framed in chunks for the client.
        ("/until-close", "hello, until the end"),
        // Both a length and chunks: the chunks frame it.
        ("/both", "hello"),
        // An interim response is skipped.
        ("/hints", "ok"),
    ] {
        let (parts, got) = send(proxy.addr, get(path, Some(APP))).await;
        assert_eq!(parts.status, StatusCode::OK, "{path}");
        assert_eq!(got, body, "{path}");
        assert_eq!(parts.headers["access-control-allow-origin"], APP, "{path}");
        assert!(
            !parts.headers.contains_key("content-length") || path != "/both",
            "{path}"
        );
    }
    // The upstream's own grant goes in any case, its `Vary` is merged with corsair's.
    let (parts, _) = send(proxy.addr, get("/cors", Some(APP))).await;
    assert_eq!(all(&parts.headers, "access-control-allow-origin"), [APP]);
    assert_eq!(all(&parts.headers, "vary"), ["accept-encoding", "Origin"]);
    // A coding the gateway cannot frame is the upstream's failure, answered with the grants.
    let response = open(proxy.addr, get("/gzip", Some(APP))).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body, "upstream connection failed");
}
