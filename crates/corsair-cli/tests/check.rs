//! `corsair check` against real local servers with known behaviours: verdict, exit status, JSON.

use std::{
    convert::Infallible,
    net::SocketAddr,
    path::PathBuf,
    process::{Command, Output},
    sync::{Arc, OnceLock},
    time::Duration,
};

use http::{Request, Response};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use serde_json::Value;

const PAGE: &str = "https://app.example";

/// What the scripted server answers, by path and method.
fn answer(request: &Request<Incoming>, base: &str) -> Response<Full<Bytes>> {
    let preflight = request.method() == "OPTIONS";
    let origin = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut status = 200;
    let mut headers: Vec<(&str, String)> = Vec::new();
    let allow = |headers: &mut Vec<(&str, String)>| {
        headers.push(("access-control-allow-origin", origin.clone()))
    };
    match request.uri().path() {
        "/simple" => allow(&mut headers),
        "/preflighted" if preflight => {
            status = 204;
            allow(&mut headers);
            headers.push(("access-control-allow-methods", "PUT".into()));
            headers.push(("access-control-allow-headers", "x-api-key".into()));
            headers.push(("access-control-max-age", "60".into()));
        }
        "/preflighted" => {
            allow(&mut headers);
            headers.push(("access-control-expose-headers", "x-request-id".into()));
            headers.push(("x-request-id", "42".into()));
            headers.push(("content-type", "application/json".into()));
        }
        "/missing" => {}
        "/mismatch" => headers.push((
            "access-control-allow-origin",
            "https://other.example".into(),
        )),
        "/multiple" => {
            allow(&mut headers);
            allow(&mut headers);
        }
        "/wildcard" => headers.push(("access-control-allow-origin", "*".into())),
        "/no-credentials" => allow(&mut headers),
        "/preflight-status" if preflight => {
            status = 401;
            allow(&mut headers);
        }
        "/preflight-redirect" if preflight => {
            status = 307;
            allow(&mut headers);
            headers.push(("location", "/elsewhere".into()));
        }
        "/method" if preflight => {
            status = 204;
            allow(&mut headers);
            headers.push(("access-control-allow-methods", "GET".into()));
        }
        "/header" if preflight => {
            status = 204;
            allow(&mut headers);
            headers.push(("access-control-allow-methods", "PUT".into()));
        }
        "/redirect" => {
            status = 302;
            allow(&mut headers);
            headers.push(("location", "/simple".into()));
        }
        "/redirect-away" => {
            status = 302;
            allow(&mut headers);
            headers.push(("location", format!("{base}/tainted")));
        }
        "/tainted" => headers.push(("access-control-allow-origin", origin.clone())),
        // The README's `check --browser` example: a JSON login that 303s to a profile on
        // another origin, whose server answers GET for anyone but refuses OPTIONS.
        "/login" if preflight => {
            status = 204;
            allow(&mut headers);
            headers.push(("access-control-allow-methods", "POST".into()));
            headers.push(("access-control-allow-headers", "content-type".into()));
        }
        "/login" => {
            status = 303;
            allow(&mut headers);
            headers.push(("location", format!("{base}/profile")));
        }
        "/profile" if preflight => status = 405,
        "/profile" => headers.push(("access-control-allow-origin", "*".into())),
        _ => status = 404,
    }
    let mut response = Response::new(Full::new(Bytes::from_static(b"{}")));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    for (name, value) in headers {
        response.headers_mut().append(name, value.parse().unwrap());
    }
    response
}

/// The runtime serving every test server, alive for the whole test binary.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// Serves the scripted server on 127.0.0.1; `tls` wraps it in TLS.
fn serve(tls: Option<Arc<rustls::ServerConfig>>, slow: bool) -> SocketAddr {
    runtime().block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        // Redirect targets use the other name of this host: another origin.
        let base: Arc<str> = format!("{scheme}://localhost:{}", address.port()).into();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let base = base.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        let base = base.clone();
                        async move {
                            if slow {
                                tokio::time::sleep(Duration::from_secs(5)).await;
                            }
                            Ok::<_, Infallible>(answer(&request, &base))
                        }
                    });
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(config) => {
                            if let Ok(stream) =
                                tokio_rustls::TlsAcceptor::from(config).accept(stream).await
                            {
                                let _ = builder
                                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                        None => {
                            let _ = builder
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                    }
                });
            }
        });
        address
    })
}

fn plain() -> SocketAddr {
    static SERVER: OnceLock<SocketAddr> = OnceLock::new();
    *SERVER.get_or_init(|| serve(None, false))
}

fn corsair(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `check --json` and returns (exit code, JSON).
fn check(url: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", url, "--origin", PAGE, "--json"];
    args.extend_from_slice(extra);
    let output = corsair(&args);
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

fn url(path: &str) -> String {
    format!("http://{}{path}", plain())
}

#[test]
fn allowed_simple_request() {
    let (code, json) = check(&url("/simple"), &[]);
    assert_eq!(code, 0);
    assert_eq!(json["verdict"], "allowed");
    assert_eq!(json["browser"], "chromium");
    assert_eq!(json["preflight"], Value::Null);
    assert_eq!(json["actual"]["status"], 200);
    assert_eq!(json["error"], Value::Null);
}

#[test]
fn allowed_preflighted_request_with_readable_headers() {
    let (code, json) = check(&url("/preflighted"), &["-X", "PUT", "-H", "X-Api-Key: k"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["preflight"]["status"], 204);
    assert_eq!(json["preflight"]["ok"], true);
    assert_eq!(json["actual"]["status"], 200);
    assert_eq!(
        json["readable_headers"],
        serde_json::json!(["content-length", "content-type", "x-request-id"])
    );
    let exchanges = json["exchanges"].as_array().unwrap();
    assert_eq!(exchanges[0]["kind"], "preflight");
    assert!(
        exchanges[0]["request_headers"]
            .to_string()
            .contains("x-api-key")
    );
}

#[test]
fn each_blocking_reason() {
    let cases: &[(&str, &[&str], &str, bool)] = &[
        ("/missing", &[], "missing_allow_origin", false),
        ("/mismatch", &[], "allow_origin_mismatch", false),
        ("/multiple", &[], "multiple_allow_origin_values", false),
        (
            "/wildcard",
            &["--credentials", "include"],
            "wildcard_origin_not_allowed",
            false,
        ),
        (
            "/no-credentials",
            &["--credentials", "include"],
            "invalid_allow_credentials",
            false,
        ),
        (
            "/preflight-status",
            &["-X", "DELETE"],
            "preflight_invalid_status",
            true,
        ),
        (
            "/preflight-redirect",
            &["-X", "DELETE"],
            "preflight_disallowed_redirect",
            true,
        ),
        ("/method", &["-X", "PUT"], "method_not_allowed", true),
        (
            "/header",
            &["-X", "PUT", "-H", "X-Trace: 1"],
            "header_not_allowed",
            true,
        ),
    ];
    for (path, extra, kind, in_preflight) in cases {
        let (code, json) = check(&url(path), extra);
        assert_eq!(code, 1, "{path}: {json}");
        assert_eq!(json["verdict"], "blocked", "{path}");
        assert_eq!(json["error"]["kind"], *kind, "{path}");
        assert_eq!(json["error"]["in_preflight"], *in_preflight, "{path}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("Access to fetch at"),
            "{path}: {message}"
        );
        assert!(!json["error"]["fix"].as_str().unwrap().is_empty());
        if *in_preflight {
            assert_eq!(
                json["actual"],
                Value::Null,
                "{path}: the browser never sends the request"
            );
        }
    }
}

#[test]
fn the_chosen_browser_words_the_error() {
    let (_, json) = check(&url("/missing"), &["--browser", "firefox"]);
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Cross-Origin Request Blocked:"),
        "{message}"
    );
    assert!(
        message.ends_with(
            "(Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 200."
        ),
        "{message}"
    );
}

#[test]
fn redirects_are_followed_as_the_browser_does() {
    let (code, json) = check(&url("/redirect"), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["exchanges"].as_array().unwrap().len(), 2);
    // A redirect to another origin taints the Origin: the next request sends `null`, which
    // this server echoes, so the browser allows it.
    let (code, json) = check(&url("/redirect-away"), &[]);
    assert_eq!(code, 0, "{json}");
    let second = &json["exchanges"][1];
    assert!(
        second["request_headers"]
            .to_string()
            .contains(r#"["Origin","null"]"#),
        "{second}"
    );
}

#[test]
fn the_readme_example_where_the_engines_differ() {
    // Chromium decides per hop: the GET after the 303 needs no preflight. Firefox and WebKit
    // keep the fetch's preflight flag, so they preflight the profile URL, which answers 405.
    let login = url("/login");
    let args = ["-X", "POST", "-H", "Content-Type: application/json"];
    for (browser, code, preflights) in [("chromium", 0, 1), ("firefox", 1, 2), ("webkit", 1, 2)] {
        let mut extra = args.to_vec();
        extra.extend(["--browser", browser]);
        let (status, json) = check(&login, &extra);
        assert_eq!(status, code, "{browser}: {json}");
        let exchanges = json["exchanges"].as_array().unwrap();
        let sent = exchanges
            .iter()
            .filter(|e| e["kind"] == "preflight")
            .count();
        assert_eq!(sent, preflights, "{browser}: {json}");
        if code == 1 {
            let last = exchanges.last().unwrap();
            assert_eq!(last["kind"], "preflight", "{browser}");
            assert!(last["url"].as_str().unwrap().ends_with("/profile"));
            assert_eq!(last["status"], 405, "{browser}");
        }
    }
}

#[test]
fn human_output_shows_the_timeline_verdict_message_and_fix() {
    let output = corsair(&[
        "check",
        &url("/header"),
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "-H",
        "X-Trace: 1",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("> preflight: OPTIONS"), "{text}");
    assert!(
        text.contains(">   Access-Control-Request-Headers: x-trace"),
        "{text}"
    );
    assert!(text.contains("BLOCKED by chromium"), "{text}");
    assert!(
        text.contains("Request header field x-trace is not allowed"),
        "{text}"
    );
    assert!(
        text.contains("Access-Control-Allow-Headers: x-trace"),
        "the fix names the header: {text}"
    );
}

#[test]
fn timeouts_and_unreachable_servers_are_network_errors() {
    let slow = serve(None, true);
    let started = std::time::Instant::now();
    let (code, json) = check(&format!("http://{slow}/simple"), &["--timeout", "0.5"]);
    assert_eq!(code, 2);
    assert_eq!(json["verdict"], "error");
    assert_eq!(json["error"]["kind"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(4));

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, json) = check(&format!("http://{closed}/"), &[]);
    assert_eq!(code, 2);
    assert_eq!(json["error"]["kind"], "connect");

    let (code, json) = check("http://no-such-host.invalid/", &[]);
    assert_eq!(code, 2);
    assert_eq!(json["error"]["kind"], "dns");
}

#[test]
fn usage_errors_exit_2_with_a_clear_line() {
    for args in [
        vec!["check", "http://127.0.0.1/", "--origin", "not an origin"],
        vec!["check", "ftp://example.com/", "--origin", PAGE],
        vec![
            "check",
            "http://127.0.0.1/",
            "--origin",
            PAGE,
            "-H",
            "no colon",
        ],
        vec![
            "check",
            "http://127.0.0.1/",
            "--origin",
            PAGE,
            "--timeout=0",
        ],
    ] {
        let output = corsair(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with("corsair check: ") && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn tls_with_a_self_signed_certificate_and_a_trusted_ca_file() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let address = serve(Some(Arc::new(config)), false);
    let ca: PathBuf = std::env::temp_dir().join(format!("corsair-test-ca-{}.pem", address.port()));
    std::fs::write(&ca, certificate.pem()).unwrap();
    let target = format!("https://localhost:{}/simple", address.port());

    let (code, json) = check(&target, &[]);
    assert_eq!(code, 2, "untrusted: {json}");
    assert_eq!(json["error"]["kind"], "tls");
    let (code, json) = check(&target, &["--cacert", ca.to_str().unwrap()]);
    assert_eq!(code, 0, "trusted: {json}");
    assert_eq!(json["verdict"], "allowed");
    let _ = std::fs::remove_file(ca);
}
