//! The admin listener, the metrics it exports and hot reload: one test, alone in its
//! process, because the metrics recorder is process-wide and its counts are compared.

mod support;

use std::time::Duration;

use corsair_proxy::{Gateway, Mode, PathPrefix, PolicySource, Route, Upstream};
use http::{Request, StatusCode};
use support::*;

const APP: &str = "https://app.example.com";
const NEXT: &str = "https://next.example.com";

/// The value of one series in Prometheus text (0 when absent).
fn value(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

async fn scrape(admin: std::net::SocketAddr, path: &str) -> (StatusCode, String) {
    let (parts, body) = send(
        admin,
        Request::get(path)
            .header("host", "admin")
            .body(empty())
            .unwrap(),
    )
    .await;
    (parts.status, String::from_utf8(body.to_vec()).unwrap())
}

/// Waits until `series` reaches `expected` on the admin listener.
async fn until_counted(admin: std::net::SocketAddr, series: &str, expected: f64) {
    until(async || value(&scrape(admin, "/metrics").await.1, series) == expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_metrics_and_hot_reload() {
    let directory =
        std::env::temp_dir().join(format!("corsair-proxy-admin-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("policy.toml");
    std::fs::write(&file, format!("allow_origins = [\"{APP}\"]\n")).unwrap();
    let upstream = upstream().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let route_to = |prefix: &str, to: std::net::SocketAddr, policy, mode| {
        Route::new(
            PathPrefix::new(prefix).unwrap(),
            Upstream::parse(&format!("http://{to}")).unwrap(),
            policy,
        )
        .mode(mode)
    };
    let route = |prefix: &str, policy, mode| route_to(prefix, upstream.addr, policy, mode);
    let gateway = Gateway::new(vec![
        route("/", PolicySource::File(file.clone()), Mode::Enforce),
        route(
            "/shadow",
            PolicySource::Fixed(corsair::Config::new().allow_origins([APP])),
            Mode::Shadow,
        ),
        route_to(
            "/down",
            closed,
            PolicySource::Fixed(corsair::Config::new().allow_origins([APP])),
            Mode::Enforce,
        ),
    ])
    .unwrap()
    .admin("127.0.0.1:0".parse().unwrap());
    let mut proxy = start(gateway).await;
    let admin = proxy.admin.unwrap();

    assert_eq!(scrape(admin, "/healthz").await.0, StatusCode::OK);
    // A page's fetch, cross-origin or by a rebound name, is refused.
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "same-origin"),
    ] {
        let (parts, _) = send(
            admin,
            Request::get("/metrics")
                .header("host", "admin")
                .header(name, value)
                .body(empty())
                .unwrap(),
        )
        .await;
        assert_eq!(parts.status, StatusCode::FORBIDDEN, "{name}");
    }
    assert_eq!(scrape(admin, "/readyz").await.0, StatusCode::OK);
    let (_, before) = scrape(admin, "/metrics").await;
    assert!(
        before.contains("corsair_upstream_cors_conflicts_total 0"),
        "{before}"
    );
    assert!(
        before.contains("corsair_policy_reloads_total{result=\"error\"} 0"),
        "{before}"
    );

    // Allowed reads (one to an unreachable upstream; the other's upstream sets its own CORS: a conflict), a refused one, a
    // preflight, a request without Origin, a foreign WebSocket handshake, a shadow refusal.
    send(proxy.addr, get("/a", Some(APP))).await;
    send(proxy.addr, get("/a", Some("https://evil.example"))).await;
    let preflight = Request::options("/a")
        .header("host", "api.example.com")
        .header("origin", APP)
        .header("access-control-request-method", "GET")
        .body(empty())
        .unwrap();
    send(proxy.addr, preflight).await;
    send(proxy.addr, get("/a", None)).await;
    let handshake = Request::get("/ws")
        .header("host", "api.example.com")
        .header("origin", "https://evil.example")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .body(empty())
        .unwrap();
    assert_eq!(
        send(proxy.addr, handshake).await.0.status,
        StatusCode::FORBIDDEN
    );
    let (shadowed, _) = send(proxy.addr, get("/shadow/x", Some("https://evil.example"))).await;
    assert_eq!(shadowed.headers["access-control-allow-origin"], "*");
    let (down, _) = send(proxy.addr, get("/down", Some(APP))).await;
    assert_eq!(down.status, StatusCode::BAD_GATEWAY);
    let (_, after) = scrape(admin, "/metrics").await;
    let delta = |series: &str| value(&after, series) - value(&before, series);
    // Conflicts: three upstream responses on the enforced route carried Access-Control-*; the
    // shadow route's do not count, corsair does not own it.
    for (series, expected) in [
        (
            r#"corsair_requests_total{kind="actual",decision="allowed",reason="none"}"#,
            2.0,
        ),
        (
            r#"corsair_requests_total{kind="actual",decision="refused",reason="origin_not_allowed"}"#,
            1.0,
        ),
        (
            r#"corsair_requests_total{kind="preflight",decision="allowed",reason="none"}"#,
            1.0,
        ),
        (
            r#"corsair_requests_total{kind="not_cors",decision="allowed",reason="none"}"#,
            1.0,
        ),
        (
            r#"corsair_requests_total{kind="websocket",decision="refused",reason="websocket_origin_not_allowed"}"#,
            1.0,
        ),
        (
            r#"corsair_requests_total{kind="actual",decision="shadow_refused",reason="origin_not_allowed"}"#,
            1.0,
        ),
        ("corsair_upstream_cors_conflicts_total", 3.0),
        (r#"corsair_upstream_errors_total{kind="connect"}"#, 1.0),
    ] {
        assert_eq!(delta(series), expected, "{series} in:\n{after}");
    }
    assert!(
        delta("corsair_request_duration_seconds_count") >= 7.0,
        "{after}"
    );

    // Reload by rename: the new origin is allowed, the old one no longer.
    replace(&file, &format!("allow_origins = [\"{NEXT}\"]\n"));
    until(async || {
        let (response, _) = send(proxy.addr, get("/a", Some(NEXT))).await;
        response.headers.contains_key("access-control-allow-origin")
    })
    .await;
    let (response, _) = send(proxy.addr, get("/a", Some(APP))).await;
    assert!(!response.headers.contains_key("access-control-allow-origin"));
    // Counted just after the swap.
    until_counted(admin, r#"corsair_policy_reloads_total{result="ok"}"#, 1.0).await;

    // A broken policy keeps the last good one, and is counted.
    replace(&file, "allow_orgins = [\"https://x.example\"]\n");
    until_counted(
        admin,
        r#"corsair_policy_reloads_total{result="error"}"#,
        1.0,
    )
    .await;
    let (response, _) = send(proxy.addr, get("/a", Some(NEXT))).await;
    assert_eq!(response.headers["access-control-allow-origin"], NEXT);

    // SIGHUP reloads even what did not change on disk.
    replace(&file, &format!("allow_origins = [\"{APP}\"]\n"));
    until_counted(admin, r#"corsair_policy_reloads_total{result="ok"}"#, 2.0).await;
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    until_counted(admin, r#"corsair_policy_reloads_total{result="ok"}"#, 3.0).await;

    // Shutting down: not ready any more, then gone.
    proxy.stop();
    tokio::time::timeout(Duration::from_secs(5), &mut proxy.done)
        .await
        .unwrap()
        .unwrap();
    std::fs::remove_dir_all(&directory).unwrap();
}
