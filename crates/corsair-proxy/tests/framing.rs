//! Request smuggling: ambiguous framing is refused with `400` before hyper reads the head, on
//! every request of a keep-alive connection, pipelined ones included.

mod support;

use std::time::Duration;

use support::*;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";
const WAIT: Duration = Duration::from_secs(5);

/// The status lines of every response in `answer`, in order.
fn statuses(answer: &str) -> Vec<&str> {
    answer
        .match_indices("HTTP/1.1 ")
        .map(|(at, _)| &answer[at + 9..at + 12])
        .collect()
}

#[tokio::test]
async fn both_framings_get_400_and_a_closed_connection_in_either_order() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    // The "body" by Content-Length holds a second request; by chunked framing it is one.
    let smuggled = "0\r\n\r\nGET /smuggled HTTP/1.1\r\nhost: a\r\n\r\n";
    for fields in [
        format!(
            "Content-Length: {}\r\nTransfer-Encoding: chunked",
            smuggled.len()
        ),
        format!(
            "transfer-encoding: chunked\r\ncontent-length: {}",
            smuggled.len()
        ),
    ] {
        let attempt = format!(
            "POST /upload HTTP/1.1\r\nhost: a\r\norigin: {APP}\r\n{fields}\r\n\r\n{smuggled}"
        );
        let started = std::time::Instant::now();
        let answer = raw(proxy.addr, attempt.as_bytes(), WAIT).await;
        assert!(started.elapsed() < WAIT, "the connection stayed open");
        assert_eq!(statuses(&answer), ["400"], "{answer}");
        assert!(answer.contains("connection: close\r\n"), "{answer}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        upstream.seen.paths().is_empty(),
        "{:?}",
        upstream.seen.paths()
    );
}

#[tokio::test]
async fn an_ambiguous_request_behind_good_ones_is_refused_in_its_turn() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    // A body that looks like an ambiguous head is a body: only real heads are checked.
    let lookalike =
        "POST /fake HTTP/1.1\r\ncontent-length: 1\r\ntransfer-encoding: chunked\r\n\r\n";
    let pipeline = format!(
        "GET /first HTTP/1.1\r\nhost: a\r\n\r\n\
         POST /upload HTTP/1.1\r\nhost: a\r\ncontent-length: {}\r\n\r\n{lookalike}\
         POST /upload HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{lookalike}\r\n0\r\n\r\n\
         POST /third HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n\
         GET /never HTTP/1.1\r\nhost: a\r\n\r\n",
        lookalike.len(),
        lookalike.len(),
    );
    let answer = raw(proxy.addr, pipeline.as_bytes(), WAIT).await;
    assert_eq!(statuses(&answer), ["200", "200", "200", "400"], "{answer}");
    let length = lookalike.len().to_string();
    assert_eq!(
        answer.matches(&format!("\r\n\r\n{length}")).count(),
        2,
        "{answer}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        upstream.seen.paths(),
        ["GET /first", "POST /upload", "POST /upload"]
    );
}

#[tokio::test]
async fn several_lengths_and_codings_other_than_chunked_get_400() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    for fields in [
        // Refused by hyper's own parser already.
        "content-length: 1\r\ncontent-length: 2",
        "transfer-encoding: gzip",
        // Accepted by hyper, refused by the gateway: it would strip the coding and forward
        // the coded bytes as if they were plain.
        "transfer-encoding: gzip, chunked",
        "transfer-encoding: chunked\r\ntransfer-encoding: chunked",
    ] {
        let attempt = format!("POST /upload HTTP/1.1\r\nhost: a\r\n{fields}\r\n\r\n0\r\n\r\n");
        let answer = raw(proxy.addr, attempt.as_bytes(), WAIT).await;
        assert_eq!(statuses(&answer), ["400"], "{fields}: {answer}");
    }
    // One length, even repeated, is one framing (RFC 9110, section 8.6).
    let attempt = "POST /upload HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi";
    let answer = raw(proxy.addr, attempt.as_bytes(), WAIT).await;
    assert_eq!(statuses(&answer), ["200"], "{answer}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(upstream.seen.paths(), ["POST /upload"]);
}

#[tokio::test]
async fn a_refused_upgrade_ends_its_connection() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    // Scanning stops at an upgrade request, so what follows it is never served unless the
    // connection switched: the refused handshake's response closes it.
    let pipeline = format!(
        "GET /ws HTTP/1.1\r\nhost: a\r\norigin: {EVIL}\r\nconnection: upgrade\r\nupgrade: websocket\r\n\
         sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n\
         POST /upload HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
    );
    let started = std::time::Instant::now();
    let answer = raw(proxy.addr, pipeline.as_bytes(), WAIT).await;
    assert!(started.elapsed() < WAIT, "the connection stayed open");
    assert_eq!(statuses(&answer), ["403"], "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    // An `Upgrade` the upstream does not take (here: no `Connection: upgrade`, so the gateway
    // forwards a plain request) ends the connection too.
    let pipeline = "GET /first HTTP/1.1\r\nhost: a\r\nupgrade: h2c\r\n\r\nGET /second HTTP/1.1\r\nhost: a\r\n\r\n";
    let answer = raw(proxy.addr, pipeline.as_bytes(), WAIT).await;
    assert_eq!(statuses(&answer), ["200"], "{answer}");
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(upstream.seen.paths(), ["GET /first"]);
}
