//! The gateway over real sockets, in front of an upstream that sets its own CORS headers.

mod support;

use std::time::Duration;

use bytes::Bytes;
use corsair_proxy::{Limits, Mode, PathPrefix, PolicySource, Route, Upstream};
use futures_util::{SinkExt, StreamExt};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use support::*;

const APP: &str = "https://app.example.com";
const EVIL: &str = "https://evil.example";

#[tokio::test]
async fn preflights_are_answered_at_the_gateway_and_never_reach_the_upstream() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let preflight = |origin: &str| {
        Request::options("/items")
            .header("host", "api.example.com")
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "x-token")
            .body(empty())
            .unwrap()
    };
    let (allowed, _) = send(proxy.addr, preflight(APP)).await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(all(&allowed.headers, "access-control-allow-origin"), [APP]);
    assert_eq!(allowed.headers["access-control-allow-credentials"], "true");
    // The upstream's `*` and `86400` never appear.
    assert!(!allowed.headers.contains_key("x-upstream"));
    let (refused, _) = send(proxy.addr, preflight(EVIL)).await;
    assert!(!refused.headers.contains_key("access-control-allow-origin"));
    assert!(
        upstream.seen.requests().is_empty(),
        "{:?}",
        upstream.seen.paths()
    );
    // An OPTIONS that is not a preflight goes through.
    let options = Request::options("/items")
        .header("host", "api.example.com")
        .header("origin", APP)
        .body(empty())
        .unwrap();
    let (forwarded, body) = send(proxy.addr, options).await;
    assert_eq!(body, "OPTIONS /items");
    assert_eq!(
        all(&forwarded.headers, "access-control-allow-origin"),
        [APP]
    );
    assert_eq!(upstream.seen.paths(), ["OPTIONS /items"]);
}

#[tokio::test]
async fn the_upstreams_cors_headers_are_replaced_and_vary_is_merged() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let (allowed, body) = send(proxy.addr, get("/hello", Some(APP))).await;
    assert_eq!(body, "GET /hello");
    assert_eq!(all(&allowed.headers, "access-control-allow-origin"), [APP]);
    assert_eq!(
        all(&allowed.headers, "access-control-expose-headers"),
        ["x-upstream"]
    );
    // The upstream's methods and max-age belong to preflights it never answers.
    assert!(!allowed.headers.contains_key("access-control-allow-methods"));
    assert!(!allowed.headers.contains_key("access-control-max-age"));
    assert_eq!(all(&allowed.headers, "vary"), ["Accept-Encoding", "Origin"]);
    for origin in [Some(EVIL), None] {
        let (response, _) = send(proxy.addr, get("/hello", origin)).await;
        let names: Vec<_> = response
            .headers
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .collect();
        assert!(names.is_empty(), "{origin:?}: {names:?}");
        assert_eq!(
            all(&response.headers, "vary"),
            ["Accept-Encoding", "Origin"]
        );
        assert_eq!(response.headers["x-upstream"], "yes");
    }
}

#[tokio::test]
async fn upstream_errors_pass_with_the_grants() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    for (path, status) in [
        ("/status/401", StatusCode::UNAUTHORIZED),
        ("/status/404", StatusCode::NOT_FOUND),
        ("/status/500", StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let (response, body) = send(proxy.addr, get(path, Some(APP))).await;
        assert_eq!(response.status, status);
        assert_eq!(body, status.as_str());
        assert_eq!(all(&response.headers, "access-control-allow-origin"), [APP]);
    }
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502_and_a_slow_one_a_504_with_the_grants() {
    // A port nothing listens on: bound, then closed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let proxy = start(gateway(closed, policy())).await;
    let (response, _) = send(proxy.addr, get("/x", Some(APP))).await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY);
    assert_eq!(all(&response.headers, "access-control-allow-origin"), [APP]);
    let (refused, _) = send(proxy.addr, get("/x", Some(EVIL))).await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY);
    assert!(!refused.headers.contains_key("access-control-allow-origin"));

    let upstream = upstream().await;
    let mut limits = Limits::default();
    limits.response_timeout = Duration::from_millis(300);
    let proxy = start(gateway(upstream.addr, policy()).limits(limits)).await;
    let (response, _) = send(proxy.addr, get("/slow", Some(APP))).await;
    assert_eq!(response.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(all(&response.headers, "access-control-allow-origin"), [APP]);
}

#[tokio::test]
async fn hop_by_hop_headers_go_and_forwarded_headers_are_set() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let request = Request::get("/echo?q=1")
        .header("host", "api.example.com")
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "secret")
        .header("keep-alive", "timeout=5")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-forwarded-host", "forged.example")
        .header("x-end-to-end", "kept")
        .body(empty())
        .unwrap();
    let (_, body) = send(proxy.addr, request).await;
    let echoed = String::from_utf8(body.to_vec()).unwrap();
    assert!(echoed.starts_with("GET /echo?q=1\n"), "{echoed}");
    assert!(echoed.contains("host: api.example.com\n"), "{echoed}");
    assert!(echoed.contains("x-end-to-end: kept\n"), "{echoed}");
    assert!(echoed.contains("x-forwarded-for: 127.0.0.1\n"), "{echoed}");
    assert!(echoed.contains("x-forwarded-proto: http\n"), "{echoed}");
    assert!(
        echoed.contains("x-forwarded-host: api.example.com\n"),
        "{echoed}"
    );
    for gone in ["x-hop", "keep-alive", "6.6.6.6", "forged"] {
        assert!(!echoed.contains(gone), "{gone}: {echoed}");
    }

    // Trusted, the chain grows; --upstream-host rewrites Host.
    let route = Route::new(
        PathPrefix::new("/").unwrap(),
        Upstream::parse(&format!("http://{}", upstream.addr)).unwrap(),
        PolicySource::Fixed(policy()),
    )
    .upstream_host("internal.svc:8080")
    .unwrap();
    let trusted = start(
        corsair_proxy::Gateway::new(vec![route])
            .unwrap()
            .trust_forwarded(true),
    )
    .await;
    let request = Request::get("/echo")
        .header("host", "api.example.com")
        .header("x-forwarded-for", "203.0.113.7")
        .header("x-forwarded-proto", "https")
        .body(empty())
        .unwrap();
    let (_, body) = send(trusted.addr, request).await;
    let echoed = String::from_utf8(body.to_vec()).unwrap();
    assert!(echoed.contains("host: internal.svc:8080\n"), "{echoed}");
    assert!(
        echoed.contains("x-forwarded-for: 203.0.113.7, 127.0.0.1\n"),
        "{echoed}"
    );
    assert!(echoed.contains("x-forwarded-proto: https\n"), "{echoed}");
    assert!(
        echoed.contains("x-forwarded-host: api.example.com\n"),
        "{echoed}"
    );
}

#[tokio::test]
async fn the_first_event_of_a_slow_stream_is_forwarded_at_once() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let response = open(proxy.addr, get("/sse", Some(APP))).await;
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    // The upstream sends the second event only after this one arrived: a buffering gateway
    // would never deliver it.
    let first = tokio::time::timeout(Duration::from_secs(10), body.frame())
        .await
        .expect("the first event arrives before the stream ends");
    assert_eq!(
        first.unwrap().unwrap().into_data().unwrap(),
        "data: one\n\n"
    );
    upstream.release.notify_one();
    let second = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert_eq!(second, "data: two\n\n");
}

#[tokio::test]
async fn trailers_head_and_304_pass() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let request = Request::get("/trailers")
        .header("host", "api.example.com")
        .header("te", "trailers")
        .body(empty())
        .unwrap();
    let response = open(proxy.addr, request).await;
    let collected = response.into_body().collect().await.unwrap();
    assert_eq!(collected.trailers().unwrap()["x-checksum"], "abc");
    assert_eq!(collected.to_bytes(), "body");

    let head = Request::head("/hello")
        .header("host", "api.example.com")
        .header("origin", APP)
        .body(empty())
        .unwrap();
    let (response, body) = send(proxy.addr, head).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(response.headers["content-length"], "11");
    assert_eq!(response.headers["access-control-allow-origin"], APP);

    let (response, body) = send(proxy.addr, get("/not-modified", Some(APP))).await;
    assert_eq!(response.status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
}

#[tokio::test]
async fn a_repeated_host_reaches_the_upstream_once() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let answer = raw(
        proxy.addr,
        b"GET /echo HTTP/1.1\r\nhost: api.example.com\r\nhost: evil.example\r\nconnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(answer.contains("host: api.example.com\n"), "{answer}");
    assert!(!answer.contains("host: evil.example\n"), "{answer}");
}

#[tokio::test]
async fn expect_100_continue_gets_its_continue_and_the_body_goes_through() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let answer = raw(
        proxy.addr,
        b"POST /upload HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\nexpect: 100-continue\r\nconnection: close\r\n\r\nhello",
        Duration::from_secs(5),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 100 Continue\r\n"), "{answer}");
    assert!(
        answer.contains("HTTP/1.1 200 OK\r\n") && answer.ends_with("\r\n\r\n5"),
        "{answer}"
    );
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let request = Request::get("http://api.example.com/echo")
        .header("origin", APP)
        .version(http::Version::HTTP_2)
        .body(empty())
        .unwrap();
    let (response, body) = send_h2(proxy.addr, request).await;
    assert_eq!(response.version, http::Version::HTTP_2);
    assert_eq!(all(&response.headers, "access-control-allow-origin"), [APP]);
    let echoed = String::from_utf8(body.to_vec()).unwrap();
    // The upstream speaks HTTP/1.1 and gets the authority as Host.
    assert!(echoed.contains("host: api.example.com\n"), "{echoed}");
}

#[tokio::test]
async fn the_body_limit_answers_413_with_the_grants_before_or_while_streaming() {
    let upstream = upstream().await;
    let mut limits = Limits::default();
    limits.max_body_bytes = Some(1024);
    let proxy = start(gateway(upstream.addr, policy()).limits(limits)).await;
    let declared = Request::post("/upload")
        .header("host", "api.example.com")
        .header("origin", APP)
        .header("content-length", "4096")
        .body(
            http_body_util::Full::new(Bytes::from(vec![0; 4096]))
                .map_err(Into::into)
                .boxed_unsync(),
        )
        .unwrap();
    let (response, _) = send(proxy.addr, declared).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(all(&response.headers, "access-control-allow-origin"), [APP]);
    assert!(upstream.seen.requests().is_empty());
    // Chunked, so the size is only known while it streams.
    let answer = raw(
        proxy.addr,
        format!(
            "POST /upload HTTP/1.1\r\nhost: a\r\norigin: {APP}\r\ntransfer-encoding: chunked\r\n\r\n800\r\n{}\r\n800\r\n{}\r\n0\r\n\r\n",
            "a".repeat(0x800),
            "b".repeat(0x800)
        )
        .as_bytes(),
        Duration::from_secs(5),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains(&format!("access-control-allow-origin: {APP}")),
        "{answer}"
    );
    let small = Request::post("/upload")
        .header("host", "api.example.com")
        .body(text("small"))
        .unwrap();
    assert_eq!(send(proxy.addr, small).await.1, "5");
}

#[tokio::test]
async fn oversized_heads_are_431_and_slow_heads_are_cut_off() {
    let upstream = upstream().await;
    let mut limits = Limits::default();
    limits.max_headers = 20;
    limits.max_header_bytes = 8192;
    limits.header_read_timeout = Duration::from_millis(500);
    let proxy = start(gateway(upstream.addr, policy()).limits(limits)).await;
    let many: String = (0..40).map(|i| format!("x-h{i}: v\r\n")).collect();
    let answer = raw(
        proxy.addr,
        format!("GET / HTTP/1.1\r\nhost: a\r\n{many}\r\n").as_bytes(),
        Duration::from_secs(5),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let huge = format!(
        "GET / HTTP/1.1\r\nhost: a\r\nx-big: {}\r\n\r\n",
        "b".repeat(20_000)
    );
    let answer = raw(proxy.addr, huge.as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // Slowloris: half a head, then silence; the gateway closes the connection.
    let started = std::time::Instant::now();
    let answer = raw(
        proxy.addr,
        b"GET / HTTP/1.1\r\nhost: a\r\n",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the connection stayed open"
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(upstream.seen.requests().is_empty());
}

#[tokio::test]
async fn the_default_field_limit_holds_without_being_named_to_hyper() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let head = |fields: usize| {
        let extra: String = (1..fields).map(|i| format!("x-h{i}: v\r\n")).collect();
        format!("GET / HTTP/1.1\r\nhost: a\r\n{extra}connection: close\r\n\r\n")
    };
    // `head(n)` has n + 1 fields, `host` and `connection` included. The test upstream allows
    // 100 too, and the gateway adds three `X-Forwarded-*`: 97 reach it.
    let answer = raw(proxy.addr, head(96).as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // 101 are refused by the gateway's parser: its own 431, without the CORS layer's `Vary`
    // that a forwarded refusal from the upstream would carry.
    let answer = raw(proxy.addr, head(100).as_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("vary"), "{answer}");
}

#[tokio::test]
async fn websockets_from_allowed_origins_are_spliced_and_foreign_ones_refused() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    let handshake = |origin: &str| {
        let mut request =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                "ws://api.example.com/ws",
            )
            .unwrap();
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
        request
    };
    let stream = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let (mut socket, response) = tokio_tungstenite::client_async(handshake(APP), stream)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    socket.send("hi".into()).await.unwrap();
    let echoed = socket.next().await.unwrap().unwrap();
    assert_eq!(echoed.to_text().unwrap(), "echo: hi");
    socket.close(None).await.unwrap();

    let seen_before = upstream.seen.requests().len();
    let stream = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let refused = tokio_tungstenite::client_async(handshake(EVIL), stream).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), StatusCode::FORBIDDEN)
        }
        other => panic!("expected 403, got {other:?}"),
    }
    assert_eq!(
        upstream.seen.requests().len(),
        seen_before,
        "the upstream saw the foreign handshake"
    );
}

#[tokio::test]
async fn shadow_mode_passes_the_upstreams_answers_untouched() {
    let upstream = upstream().await;
    let route = Route::new(
        PathPrefix::new("/").unwrap(),
        Upstream::parse(&format!("http://{}", upstream.addr)).unwrap(),
        PolicySource::Fixed(policy()),
    )
    .mode(Mode::Shadow);
    let proxy = start(corsair_proxy::Gateway::new(vec![route]).unwrap()).await;
    let preflight = Request::options("/items")
        .header("host", "api.example.com")
        .header("origin", EVIL)
        .header("access-control-request-method", "DELETE")
        .body(empty())
        .unwrap();
    let (response, body) = send(proxy.addr, preflight).await;
    assert_eq!(body, "OPTIONS /items");
    assert_eq!(all(&response.headers, "access-control-allow-origin"), ["*"]);
    assert_eq!(all(&response.headers, "access-control-max-age"), ["86400"]);
    let (response, _) = send(proxy.addr, get("/hello", Some(EVIL))).await;
    assert_eq!(all(&response.headers, "access-control-allow-origin"), ["*"]);
    assert_eq!(all(&response.headers, "vary"), ["Accept-Encoding"]);
}

#[tokio::test]
async fn routes_pick_the_longest_prefix_and_unknown_paths_are_404() {
    let api = upstream().await;
    let web = upstream().await;
    let route = |prefix: &str, addr: std::net::SocketAddr, origin: &str| {
        Route::new(
            PathPrefix::new(prefix).unwrap(),
            Upstream::parse(&format!("http://{addr}")).unwrap(),
            PolicySource::Fixed(corsair::Config::new().allow_origins([origin])),
        )
    };
    let proxy = start(
        corsair_proxy::Gateway::new(vec![
            route("/web", web.addr, "https://web.example"),
            route("/api", api.addr, APP),
        ])
        .unwrap(),
    )
    .await;
    let (response, _) = send(proxy.addr, get("/api/items", Some(APP))).await;
    assert_eq!(all(&response.headers, "access-control-allow-origin"), [APP]);
    let (response, _) = send(proxy.addr, get("/web/page", Some(APP))).await;
    assert!(!response.headers.contains_key("access-control-allow-origin"));
    let (response, _) = send(proxy.addr, get("/other", Some(APP))).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(api.seen.paths(), ["GET /api/items"]);
    assert_eq!(web.seen.paths(), ["GET /web/page"]);
}

#[tokio::test]
async fn shutdown_drains_in_flight_streams_then_returns() {
    let upstream = upstream().await;
    let mut proxy = start(gateway(upstream.addr, policy())).await;
    let response = open(proxy.addr, get("/sse", Some(APP))).await;
    let mut body = response.into_body();
    assert_eq!(
        body.frame().await.unwrap().unwrap().into_data().unwrap(),
        "data: one\n\n"
    );
    proxy.stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // No new connections...
    assert!(tokio::net::TcpStream::connect(proxy.addr).await.is_err());
    assert!(
        !proxy.done.is_finished(),
        "returned before the stream finished"
    );
    // ...while the one in flight completes.
    upstream.release.notify_one();
    assert_eq!(
        body.frame().await.unwrap().unwrap().into_data().unwrap(),
        "data: two\n\n"
    );
    tokio::time::timeout(Duration::from_secs(5), &mut proxy.done)
        .await
        .expect("drained and returned")
        .unwrap();
}
