//! `corsair demo` against what a hostile web page or client can send it: every other page the
//! developer has open can reach the playground on loopback.

mod support;

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use serde_json::Value;
use support::Demo;

/// The `host:port` of an `http://host:port/...` URL.
fn authority(url: &str) -> &str {
    let rest = url.strip_prefix("http://").unwrap();
    rest.split('/').next().unwrap()
}

/// Sends one raw HTTP/1.1 request and returns the status and body of the answer.
fn exchange(authority: &str, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(authority).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn post(authority: &str, path: &str, headers: &str, body: &str) -> (u16, String) {
    exchange(
        authority,
        &format!(
            "POST {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        ),
    )
}

fn policy_source(page: &str) -> String {
    let (status, body) = exchange(
        page,
        &format!("GET /_demo/policy HTTP/1.1\r\nHost: {page}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200, "{body}");
    let policy: Value = serde_json::from_str(&body).unwrap();
    policy["source"].as_str().unwrap().to_owned()
}

#[test]
fn the_controls_obey_only_the_playground_page() {
    let demo = Demo::start();
    let page = authority(&demo.page).to_owned();
    let port = page.rsplit_once(':').unwrap().1;
    let before = policy_source(&page);
    let takeover =
        r#"{"source": "allow_origins = [\"https://evil.example\"]\nallow_credentials = true"}"#;

    // A foreign page's no-cors POST: text/plain (no preflight), its own Origin.
    let (status, _) = post(
        &page,
        "/_demo/policy",
        &format!("Host: {page}\r\nOrigin: https://evil.example\r\nContent-Type: text/plain\r\n"),
        takeover,
    );
    assert_eq!(status, 403);
    // The same with a JSON type but a foreign Origin or Sec-Fetch-Site.
    for extra in [
        "Origin: https://evil.example",
        "Origin: null",
        "Sec-Fetch-Site: cross-site",
    ] {
        let (status, _) = post(
            &page,
            "/_demo/policy",
            &format!("Host: {page}\r\n{extra}\r\nContent-Type: application/json\r\n"),
            takeover,
        );
        assert_eq!(status, 403, "{extra}");
    }
    // Same origin, but not JSON: what a form on a rebinding host could send.
    let (status, _) = post(
        &page,
        "/_demo/policy",
        &format!("Host: {page}\r\nContent-Type: application/x-www-form-urlencoded\r\n"),
        takeover,
    );
    assert_eq!(status, 415);
    // DNS rebinding: the playground's port under another name, reading or writing.
    let rebound = format!("evil.example:{port}");
    let (status, _) = exchange(
        &page,
        &format!("GET /_demo/policy HTTP/1.1\r\nHost: {rebound}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 403);
    let (status, _) = post(
        &page,
        "/_demo/policy",
        &format!(
            "Host: {rebound}\r\nOrigin: http://{rebound}\r\nContent-Type: application/json\r\n"
        ),
        takeover,
    );
    assert_eq!(status, 403);
    assert_eq!(
        policy_source(&page),
        before,
        "no refused request changed the policy"
    );

    // The page itself still works.
    let own = r#"{"source": "allow_origins = [\"http://localhost:*\"]"}"#;
    let (status, body) = post(
        &page,
        "/_demo/policy",
        &format!(
            "Host: {page}\r\nOrigin: http://{page}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\n"
        ),
        own,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        policy_source(&page),
        "allow_origins = [\"http://localhost:*\"]"
    );
    // A body over the limit is refused before it is read whole.
    let huge = format!(r#"{{"source": "{}"}}"#, "#".repeat(200 * 1024));
    let (status, _) = post(
        &page,
        "/_demo/policy",
        &format!("Host: {page}\r\nContent-Type: application/json\r\n"),
        &huge,
    );
    assert_eq!(status, 413);
    assert!(demo.stop().success());
}

#[test]
fn the_request_log_stays_bounded() {
    let demo = Demo::start();
    let api = authority(&demo.api).to_owned();
    let page = authority(&demo.page).to_owned();
    let id = "0123456789abcdef0123456789abcdef";
    let long = "x".repeat(60 * 1024);
    for _ in 0..100 {
        let (status, _) = exchange(
            &api,
            &format!(
                "OPTIONS /api/items?corsair-demo-id={id} HTTP/1.1\r\nHost: {api}\r\nOrigin: http://localhost:1\r\n\
                 Access-Control-Request-Method: PUT\r\nAccess-Control-Request-Headers: {long}\r\nConnection: close\r\n\r\n"
            ),
        );
        assert_ne!(status, 0);
    }
    let (status, body) = exchange(
        &page,
        &format!("GET /_demo/log?id={id} HTTP/1.1\r\nHost: {page}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200);
    let log: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert!(
        !log.is_empty() && log.len() < 100,
        "{} entries kept",
        log.len()
    );
    assert!(
        body.len() < 64 * 1024,
        "one log read returned {} bytes",
        body.len()
    );
    for entry in &log {
        let headers = entry["request_headers"].as_str().unwrap();
        assert!(headers.len() <= 512 + '…'.len_utf8(), "{}", headers.len());
    }
    assert!(demo.stop().success());
}

#[test]
fn a_client_that_never_finishes_its_headers_is_dropped() {
    let demo = Demo::start();
    let page = authority(&demo.page).to_owned();
    let mut slow = TcpStream::connect(&page).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: ").unwrap();
    let mut rest = Vec::new();
    // The server closes the connection (perhaps after a 408), well before our 30 s.
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(15),
        "the connection stayed open for {waited:?}"
    );
    // Meanwhile, and afterwards, others are served.
    assert!(!policy_source(&page).is_empty());
    assert!(demo.stop().success());
}

#[test]
fn failures_on_standard_error_escape_terminal_controls() {
    let dir = std::env::temp_dir();
    let file = |name: &str, contents: &[u8]| {
        let path = dir.join(format!("corsair-demo-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    };
    // Raw controls are not TOML; escaped ones are, and the policy's errors name the value or
    // the key.
    let raw = file(
        "raw",
        b"allow_origins = [\"https://a\x1b]0;pwned\x07.example\"]\n",
    );
    let escaped = file(
        "escaped",
        b"allow_origins = [\"https://a\\u001b[2J.example\"]\n",
    );
    let key = file(
        "key",
        b"allow_origins = [\"https://a.example\"]\n\"colour\\u001b]8;;\" = 1\n",
    );
    let missing = dir.join("corsair-demo-\x1b[31m-missing.toml");
    for (path, expected) in [
        (&raw, "invalid basic string"),
        (&escaped, "\\x1b[2J"),
        (&key, "colour\\x1b]8;;"),
        (&missing, "cannot read"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
            .args(["demo", "--api-port", "0", "--page-port", "0", "--policy"])
            .arg(path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{path:?}: {stderr:?}");
        assert!(!stderr.contains('\x1b'), "{path:?}: {stderr:?}");
        assert!(!stderr.contains('\x07'), "{path:?}: {stderr:?}");
    }
    assert!(
        String::from_utf8_lossy(
            &std::process::Command::new(env!("CARGO_BIN_EXE_corsair"))
                .args(["demo", "--policy"])
                .arg(&missing)
                .output()
                .unwrap()
                .stderr
        )
        .contains("\\x1b[31m"),
        "the path itself is escaped"
    );
    for path in [raw, escaped, key] {
        let _ = std::fs::remove_file(path);
    }
}
