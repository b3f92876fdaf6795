//! `corsair check` against real local servers with known behaviours: verdict, exit status, JSON.

mod support;

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
use support::on_a_terminal;

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
        "/error" if preflight => {
            status = 204;
            allow(&mut headers);
            headers.push(("access-control-allow-methods", "PUT".into()));
        }
        // An error handler that runs before CORS: no CORS headers on the error.
        "/error" => {
            status = 500;
            headers.push(("server", "nginx/1.22.1".into()));
        }
        "/slow-chain" => {
            status = 302;
            allow(&mut headers);
            headers.push(("location", "/slow-chain".into()));
        }
        // A server that refuses forged writes as Fetch Metadata tells them: a cross-site
        // POST navigation.
        "/write" => {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            let forged = header("sec-fetch-site") == "cross-site"
                && header("sec-fetch-mode") == "navigate"
                && request.method() == "POST"
                && header("content-type") == "application/x-www-form-urlencoded";
            status = if forged { 403 } else { 200 };
        }
        // An event stream, only to a request that asks for one.
        "/events" => {
            allow(&mut headers);
            let accept = request.headers().get("accept");
            if accept.is_none_or(|accept| accept != "text/event-stream") {
                status = 406;
            }
        }
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

/// A certificate for `localhost`, its server, and a CA file trusting it.
fn tls_server(is_ca: bool) -> (SocketAddr, PathBuf) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    if is_ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    let certificate = params.self_signed(&key).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let address = serve(Some(Arc::new(config)), false);
    let ca = std::env::temp_dir().join(format!("corsair-test-ca-{}.pem", address.port()));
    std::fs::write(&ca, certificate.pem()).unwrap();
    (address, ca)
}

#[test]
fn max_time_bounds_the_whole_run_across_redirect_hops() {
    let slow = serve(None, true);
    let started = std::time::Instant::now();
    let (code, json) = check(
        &format!("http://{slow}/slow-chain"),
        &["--timeout", "10", "--max-time", "1.5"],
    );
    assert_eq!(code, 2, "{json}");
    assert_eq!(json["error"]["kind"], "timeout");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-time"),
        "{json}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(
        json["response_type"],
        Value::Null,
        "the key is present: {json}"
    );
    let help = String::from_utf8(corsair(&["check", "--help"]).stdout).unwrap();
    assert!(
        help.contains("--max-time") && help.contains("[default: 60]"),
        "{help}"
    );
}

#[test]
fn every_documented_key_is_present_whatever_the_verdict() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let keys = [
        "verdict",
        "browser",
        "initiator",
        "origin",
        "insecure",
        "dropped_headers",
        "preflight",
        "actual",
        "readable_headers",
        "response_type",
        "error",
        "diagnoses",
        "fixes",
        "exchanges",
    ];
    let runs = [
        check(&url("/simple"), &[]).1,
        check(&url("/missing"), &[]).1,
        check(&format!("http://{closed}/"), &[]).1,
        serde_json::from_slice(&corsair(&["check", "ftp://x/", "--origin", PAGE, "--json"]).stdout)
            .unwrap(),
    ];
    for json in runs {
        for key in keys {
            assert!(json.get(key).is_some(), "{key} missing in {json}");
        }
    }
}

#[test]
fn a_network_error_mid_chain_keeps_the_exchanges_that_happened() {
    let server = plain();
    // /redirect-away sends the browser to localhost:<port>; pinned to an address where nothing
    // listens, the second hop fails after the first one happened.
    let pin = format!("localhost:{}:127.0.0.2", server.port());
    let closed = std::net::TcpListener::bind("127.0.0.2:0");
    if closed.is_err() {
        return; // no 127.0.0.2 on this machine
    }
    let (code, json) = check(&url("/redirect-away"), &["--resolve", &pin]);
    assert_eq!(code, 2, "{json}");
    assert_eq!(json["error"]["kind"], "connect");
    assert_eq!(json["exchanges"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["exchanges"][0]["status"], 302);
    assert_eq!(json["response_type"], Value::Null);
    let output = corsair(&[
        "check",
        &url("/redirect-away"),
        "--origin",
        PAGE,
        "--resolve",
        &pin,
    ]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("< 302") && text.contains("ERROR (connect)"),
        "{text}"
    );
    assert!(text.contains("the exchanges above did happen"), "{text}");
}

#[test]
fn several_origins_give_a_table_and_an_array() {
    let output = corsair(&[
        "check",
        &url("/mismatch"),
        "--origin",
        PAGE,
        "--origin",
        "https://other.example",
    ]);
    assert_eq!(output.status.code(), Some(1), "one origin is blocked");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("origin") && text.contains("verdict"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("https://app.example ") && l.contains("blocked")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("https://other.example ") && l.contains("allowed")),
        "{text}"
    );
    let output = corsair(&[
        "check",
        &url("/mismatch"),
        "--origin",
        PAGE,
        "--origin",
        "https://other.example",
        "--json",
    ]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let runs = json.as_array().expect("an array");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["origin"], PAGE);
    assert_eq!(runs[0]["verdict"], "blocked");
    assert_eq!(runs[1]["verdict"], "allowed");
    // One origin keeps the single object.
    assert!(check(&url("/simple"), &[]).1.is_object());
}

#[test]
fn a_copied_curl_command_is_replayed_as_the_browser_sent_it() {
    let curl = format!(
        "curl '{}' -X PUT -H 'accept: */*' -H 'origin: {PAGE}' -H 'x-api-key: 1' \\\n  -H 'sec-fetch-mode: cors' -H 'user-agent: Mozilla/5.0' --data-raw '{{}}' --compressed",
        url("/preflighted")
    );
    let output = corsair(&["check", "--curl", &curl, "--json"]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{json}");
    assert_eq!(json["origin"], PAGE);
    let preflight = &json["exchanges"][0];
    assert_eq!(preflight["kind"], "preflight");
    assert!(
        preflight["request_headers"]
            .to_string()
            .contains("x-api-key"),
        "{preflight}"
    );
    assert_eq!(json["exchanges"][1]["method"], "PUT");
    // Cookies mean credentials include.
    let curl = format!(
        "curl '{}' -H 'origin: {PAGE}' -b 'session=1'",
        url("/no-credentials")
    );
    let (code, json) = {
        let output = corsair(&["check", "--curl", &curl, "--json"]);
        (
            output.status.code(),
            serde_json::from_slice::<Value>(&output.stdout).unwrap(),
        )
    };
    assert_eq!(code, Some(1));
    assert_eq!(json["error"]["kind"], "invalid_allow_credentials", "{json}");
    let output = corsair(&["check", "--curl", "curl 'https://a.example"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("never closed"));
}

#[test]
fn every_problem_is_diagnosed_with_fixes_for_the_server() {
    let (code, json) = check(&url("/error"), &["-X", "PUT"]);
    assert_eq!(code, 1);
    assert_eq!(json["error"]["kind"], "missing_allow_origin");
    assert_eq!(
        json["diagnoses"][0]["kind"], "error_without_cors_headers",
        "{json}"
    );
    // `Server: nginx` chooses the nginx snippet by default.
    assert_eq!(json["fixes"][0]["server"], "nginx", "{json}");
    assert!(
        json["fixes"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("PUT")
    );
    let (_, json) = check(
        &url("/error"),
        &["-X", "PUT", "--fix-for", "express,django"],
    );
    let servers: Vec<_> = json["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["server"].clone())
        .collect();
    assert_eq!(
        servers,
        ["Express (cors package)", "Django (django-cors-headers)"]
    );

    let (_, json) = check(&url("/preflight-status"), &["-X", "PUT"]);
    let cause = json["error"]["cause"].as_str().unwrap();
    assert!(
        cause.contains("401") && cause.contains("before CORS"),
        "{cause}"
    );
    let (_, json) = check(&url("/wildcard"), &["--credentials", "include"]);
    let fix = json["error"]["fix"].as_str().unwrap();
    assert!(
        fix.contains("Access-Control-Allow-Origin: https://app.example")
            && fix.contains("Access-Control-Allow-Credentials: true"),
        "{fix}"
    );
    let (_, json) = check(&url("/no-credentials"), &["--credentials", "include"]);
    let cause = json["error"]["cause"].as_str().unwrap();
    assert!(
        cause.contains("the response's Access-Control-Allow-Credentials is missing"),
        "{cause}"
    );
}

#[test]
fn data_is_sent_as_the_body_and_implies_post() {
    let (code, json) = check(&url("/simple"), &["-d", "a=1"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["exchanges"][0]["method"], "POST");
}

#[test]
fn resolve_pins_a_host_to_an_address() {
    let server = plain();
    let (code, json) = check(
        &format!("http://api.corsair.invalid:{}/simple", server.port()),
        &[
            "--resolve",
            &format!("api.corsair.invalid:{}:127.0.0.1", server.port()),
        ],
    );
    assert_eq!(code, 0, "{json}");
    let output = corsair(&[
        "check",
        &url("/simple"),
        "--origin",
        PAGE,
        "--resolve",
        "nonsense",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn tls_errors_in_words_and_insecure_is_reported() {
    let (address, ca) = tls_server(true);
    let target = format!("https://localhost:{}/simple", address.port());
    let (code, json) = check(&target, &["--cacert", ca.to_str().unwrap()]);
    assert_eq!(code, 2);
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("self-signed") && !message.contains("CaUsedAsEndEntity"),
        "{message}"
    );
    let (plain_address, plain_ca) = tls_server(false);
    let _ = std::fs::remove_file(plain_ca);
    let untrusted = format!("https://localhost:{}/simple", plain_address.port());
    let (code, json) = check(&untrusted, &[]);
    assert_eq!(code, 2);
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not trust"),
        "{json}"
    );
    let (code, json) = check(&target, &["-k"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["insecure"], true);
    let output = corsair(&["check", &target, "--origin", PAGE, "--insecure"]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("NOT verified"));
    let _ = std::fs::remove_file(ca);
}

/// An HTTP proxy on loopback: CONNECT tunnels and absolute-form requests, each counted once
/// passed on. With `required`, only requests whose `Proxy-Authorization` is that value pass;
/// the others get 407.
fn test_proxy(required: Option<&'static str>) -> (SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let passed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = passed.clone();
    let address = runtime().block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let counted = counted.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut byte).await.unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let mut lines = head.split("\r\n");
                    let request_line = lines.next().unwrap_or_default().to_owned();
                    let (mut authorization, mut others) = (None, String::new());
                    for line in lines.filter(|line| !line.is_empty()) {
                        match line.split_once(':') {
                            Some((name, value)) if name.eq_ignore_ascii_case("proxy-authorization") => {
                                authorization = Some(value.trim().to_owned());
                            }
                            _ => others.push_str(&format!("{line}\r\n")),
                        }
                    }
                    if required.is_some() && authorization.as_deref() != required {
                        let _ = client
                            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                            .await;
                        return;
                    }
                    let mut parts = request_line.split(' ');
                    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
                    let (upstream_address, forwarded) = if method == "CONNECT" {
                        (target.to_owned(), None)
                    } else {
                        // `http://host:port/path`: the origin server gets `/path`.
                        let rest = target.strip_prefix("http://").unwrap_or_default();
                        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                        (authority.to_owned(), Some(format!("{method} {path} HTTP/1.1\r\n{others}\r\n")))
                    };
                    let Ok(mut upstream) =
                        tokio::net::TcpStream::connect(upstream_address.replace("localhost", "127.0.0.1"))
                            .await
                    else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                        return;
                    };
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let _ = match forwarded {
                        Some(head) => upstream.write_all(head.as_bytes()).await,
                        None => client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await,
                    };
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                });
            }
        });
        address
    });
    (address, passed)
}

/// `corsair check URL --json` with only the given proxy variables set.
fn check_through(url: &str, extra: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_corsair"));
    command
        .args(["check", url, "--origin", PAGE, "--json"])
        .args(extra);
    for name in [
        "http_proxy",
        "https_proxy",
        "no_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn https_proxy_tunnels_with_connect_and_no_proxy_bypasses_it() {
    let (address, ca) = tls_server(false);
    let (proxy, tunnels) = test_proxy(None);
    let target = format!("https://localhost:{}/simple", address.port());
    let run = |no_proxy: &str| {
        check_through(
            &target,
            &["--cacert", ca.to_str().unwrap()],
            &[
                ("HTTPS_PROXY", format!("http://{proxy}")),
                ("NO_PROXY", no_proxy.to_owned()),
            ],
        )
    };
    let output = run("");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);
    let output = run("localhost");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        tunnels.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "NO_PROXY went direct"
    );
    let _ = std::fs::remove_file(ca);
}

#[test]
fn proxy_credentials_go_in_proxy_authorization_and_are_never_shown() {
    // `us@r` and `p@ss word`, percent-encoded as a URL must carry them.
    let (proxy, passed) = test_proxy(Some("Basic dXNAcjpwQHNzIHdvcmQ="));
    let with = |password: &str| format!("http://us%40r:{password}@{proxy}");
    let count = || passed.load(std::sync::atomic::Ordering::SeqCst);
    let (address, ca) = tls_server(false);
    let https = format!("https://localhost:{}/simple", address.port());
    let cacert = ["--cacert", ca.to_str().unwrap()];

    let tunnelled = check_through(&https, &cacert, &[("HTTPS_PROXY", with("p%40ss%20word"))]);
    let stdout = String::from_utf8_lossy(&tunnelled.stdout);
    assert_eq!(tunnelled.status.code(), Some(0), "{stdout}");
    assert_eq!(count(), 1);
    let forwarded = check_through(
        &url("/simple"),
        &[],
        &[("HTTP_PROXY", with("p%40ss%20word"))],
    );
    let stdout = String::from_utf8_lossy(&forwarded.stdout);
    assert_eq!(forwarded.status.code(), Some(0), "{stdout}");
    assert_eq!(count(), 2, "plain http goes through the proxy too");

    // Refused: the message names the user and the 407, never the password.
    for (variable, value, target) in [
        ("HTTPS_PROXY", with("wr0ng-s3cret"), &https),
        ("HTTP_PROXY", with("wr0ng-s3cret"), &url("/simple")),
    ] {
        let output = check_through(target, &cacert, &[(variable, value)]);
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_ne!(output.status.code(), Some(0), "{shown}");
        assert!(shown.contains("407"), "{variable}: {shown}");
        assert!(!shown.contains("s3cret"), "{variable}: {shown}");
    }
    let tunnel = check_through(&https, &cacert, &[("HTTPS_PROXY", with("wr0ng-s3cret"))]);
    let shown = String::from_utf8_lossy(&tunnel.stdout);
    assert!(shown.contains("refused the credentials of user"), "{shown}");
    assert!(shown.contains("us@r:***@127.0.0.1"), "{shown}");
    let anonymous = check_through(
        &https,
        &cacert,
        &[("HTTPS_PROXY", format!("http://{proxy}"))],
    );
    let shown = String::from_utf8_lossy(&anonymous.stdout);
    assert!(shown.contains("wants credentials"), "{shown}");
    // A bad variable is reported without its password as well.
    let bad = check_through(
        &https,
        &cacert,
        &[("HTTPS_PROXY", format!("http://us%4:s3cret@{proxy}"))],
    );
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert_eq!(bad.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("HTTPS_PROXY") && !shown.contains("s3cret"),
        "{shown}"
    );
    assert_eq!(count(), 2, "nothing refused was passed on");
    let _ = std::fs::remove_file(ca);
}

#[test]
fn colour_on_a_terminal_plain_when_piped_or_with_no_color() {
    let target = url("/missing");
    let tty = on_a_terminal(&["check", &target, "--origin", PAGE], &[]);
    assert!(tty.contains("\x1b[1;31mBLOCKED\x1b[0m"), "{tty:?}");
    let no_color = on_a_terminal(&["check", &target, "--origin", PAGE], &[("NO_COLOR", "1")]);
    assert!(
        no_color.contains("BLOCKED") && !no_color.contains("\x1b[1;31m"),
        "{no_color:?}"
    );
    let never = on_a_terminal(
        &["check", &target, "--origin", PAGE, "--color", "never"],
        &[],
    );
    assert!(!never.contains("\x1b[1;31m"), "{never:?}");
    let piped = corsair(&["check", &target, "--origin", PAGE]);
    let piped = String::from_utf8(piped.stdout).unwrap();
    assert!(
        piped.contains("BLOCKED") && !piped.contains('\x1b'),
        "{piped:?}"
    );
    let always = corsair(&["check", &target, "--origin", PAGE, "--color", "always"]);
    assert!(String::from_utf8_lossy(&always.stdout).contains("\x1b[1;31mBLOCKED"));
}

#[test]
fn a_spinner_shows_on_a_terminal_while_waiting_and_is_erased() {
    let slow = serve(None, true);
    let tty = on_a_terminal(
        &[
            "check",
            &format!("http://{slow}/simple"),
            "--origin",
            PAGE,
            "--timeout",
            "1",
        ],
        &[],
    );
    assert!(tty.contains("waiting for GET"), "{tty:?}");
    assert!(tty.contains("\r\x1b[2K"), "the line is erased: {tty:?}");
}

#[test]
fn the_readme_shows_a_real_check_curl_run() {
    let port = plain().port().to_string();
    let curl = format!(
        "curl 'http://127.0.0.1:{port}/preflighted' -X PUT -H 'origin: https://app.example' -H 'x-api-key: 1' -H 'accept: */*' --compressed"
    );
    let output = corsair(&["check", "--curl", &curl]);
    let shown = format!(
        "$ corsair check --curl \"curl 'http://127.0.0.1:8701/preflighted' -X PUT -H 'origin: https://app.example' -H 'x-api-key: 1' -H 'accept: */*' --compressed\"\n{}",
        String::from_utf8(output.stdout)
            .unwrap()
            .replace(&port, "8701")
    );
    assert_eq!(
        shown,
        support::readme_block("<!-- readme: check --curl -->"),
        "update the README with:\n{shown}"
    );
}

#[test]
fn the_readme_shows_a_real_lint_run() {
    let dir = std::env::temp_dir().join(format!("corsair-readme-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        "allow_origins = [\"https://app.example.com\", \"https://App.example.com/\"]\nallow_headers = [\"Accept\", \"X-Token\"]\nmax_age = \"600\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_corsair"))
        .args(["lint", "policy.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let shown = format!(
        "$ corsair lint policy.toml\n{}",
        String::from_utf8(output.stdout).unwrap()
    );
    assert_eq!(
        shown,
        support::readme_block("<!-- readme: lint -->"),
        "update the README with:\n{shown}"
    );
}

/// Starts Debian's nginx in `dir` on `port` with `location` as the only location's body.
fn nginx(dir: &std::path::Path, port: u16, location: &str) -> std::process::Child {
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off;\nmaster_process off;\npid {pid};\nerror_log stderr;\nevents {{}}\nhttp {{\n  access_log off;\n  client_body_temp_path {tmp};\n  server {{\n    listen 127.0.0.1:{port};\n    location / {{\n{location}\n      return 200 \"{{}}\";\n    }}\n  }}\n}}\n",
            pid = dir.join("nginx.pid").display(),
            tmp = dir.join("body").display(),
        ),
    )
    .unwrap();
    let child = Command::new("nginx")
        .args([
            "-p",
            dir.to_str().unwrap(),
            "-c",
            dir.join("nginx.conf").to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nginx (scripts/test installs Debian's nginx-light)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

#[test]
fn the_nginx_fix_that_check_prints_fixes_the_request() {
    let dir = std::env::temp_dir().join(format!("corsair-nginx-{}", std::process::id()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}/items");
    let args = [
        "-X",
        "PUT",
        "-H",
        "X-Api-Key: 1",
        "--credentials",
        "include",
        "--fix-for",
        "nginx",
    ];

    let mut server = nginx(&dir, port, "");
    let (code, json) = check(&target, &args);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(code, 1, "without CORS headers: {json}");
    let snippet = json["fixes"][0]["snippet"].as_str().unwrap().to_owned();

    let mut server = nginx(&dir, port, &snippet);
    let (code, json) = check(&target, &args);
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        code, 0,
        "the printed nginx fix makes it pass:\n{snippet}\n{json}"
    );
}

#[test]
fn each_initiator_is_judged_as_it_would_be() {
    let (code, json) = check(&url("/missing"), &["--initiator", "font"]);
    assert_eq!(
        (code, &json["initiator"]),
        (1, &Value::from("font")),
        "{json}"
    );
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("Access to font at "), "{message}");
    // WebKit loads a font without any CORS check: no `Origin` goes out.
    let (code, json) = check(
        &url("/missing"),
        &["--initiator", "font", "--browser", "webkit"],
    );
    assert_eq!(
        (code, &json["verdict"]),
        (0, &Value::from("allowed")),
        "{json}"
    );
    assert!(
        !json["exchanges"].to_string().contains("\"Origin\""),
        "{json}"
    );
    // An image without `crossorigin` is no-cors: it loads, opaque to script.
    let (code, json) = check(
        &url("/missing"),
        &["--initiator", "image", "--mode", "no-cors"],
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["response_type"], "opaque");
    // XHR reads the exposed headers through getResponseHeader.
    let (code, json) = check(
        &url("/preflighted"),
        &["--initiator", "xhr", "-X", "PUT", "-H", "X-Api-Key: k"],
    );
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["preflight"]["status"], 204);
    assert!(
        json["readable_headers"]
            .to_string()
            .contains("x-request-id")
    );
    // The server sees the Accept an EventSource sends, and script reads no header.
    let (code, json) = check(&url("/events"), &["--initiator", "eventsource"]);
    assert_eq!(
        (code, &json["actual"]["status"]),
        (0, &Value::from(200)),
        "{json}"
    );
    assert_eq!(json["readable_headers"], serde_json::json!([]));
    let (_, json) = check(&url("/events"), &[]);
    assert_eq!(json["actual"]["status"], 406);
}

#[test]
fn a_form_is_sent_as_a_navigation_with_fetch_metadata() {
    let (code, json) = check(&url("/write"), &["--initiator", "form", "-d", "a=1"]);
    assert_eq!(code, 0, "a navigation is never blocked by CORS: {json}");
    assert_eq!(
        json["actual"]["status"], 403,
        "the server saw a forged write: {json}"
    );
    let sent = json["exchanges"][0]["request_headers"].to_string();
    for header in [
        r#"["Origin","https://app.example"]"#,
        r#"["Sec-Fetch-Site","cross-site"]"#,
        r#"["Sec-Fetch-Mode","navigate"]"#,
        r#"["Sec-Fetch-Dest","document"]"#,
    ] {
        assert!(sent.contains(header), "{header} in {sent}");
    }
    // From the server's own origin the same form is same-origin.
    let own = format!("http://{}", plain());
    let output = corsair(&[
        "check",
        &url("/write"),
        "--origin",
        &own,
        "--initiator",
        "form",
        "-d",
        "a=1",
        "--json",
    ]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["actual"]["status"], 200, "{json}");
    assert!(
        json["exchanges"]
            .to_string()
            .contains(r#"["Sec-Fetch-Site","same-origin"]"#)
    );
}

#[test]
fn options_an_initiator_cannot_have_are_refused() {
    let cases: [(&[&str], &str); 5] = [
        (&["--initiator", "image", "-X", "PUT"], "-X"),
        (&["--initiator", "stylesheet", "-H", "X-Token: 1"], "-H"),
        (
            &["--initiator", "xhr", "--credentials", "omit"],
            "--credentials",
        ),
        (&["--initiator", "font", "--mode", "no-cors"], "--mode"),
        (&["--initiator", "eventsource", "-d", "x"], "--data"),
    ];
    for (extra, option) in cases {
        let mut args = vec!["check", "http://127.0.0.1:1/", "--origin", PAGE];
        args.extend_from_slice(extra);
        let output = corsair(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with("corsair check: --initiator ") && stderr.contains(option),
            "{args:?}: {stderr}"
        );
    }
}
