//! The lab `corsair audit` is tested and benchmarked on: one HTTPS server for
//! `api.lab-target.com` (pin it to 127.0.0.1 with `--resolve`), one CORS flaw per endpoint
//! and the safe controls, with the findings each must give. Run alone it serves until
//! killed, printing one JSON line with its port, CA file and endpoints, then one line per
//! request (scripts/audit-compare reads them).

use std::{convert::Infallible, net::SocketAddr, path::PathBuf, sync::Arc};

use http::{Request, Response};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};

pub(crate) const HOST: &str = "api.lab-target.com";

/// A check of `origin` the way a flawed (or sound) server writes it.
pub(crate) fn trusted(path: &str, origin: &str, own: &str) -> bool {
    let host = origin
        .split_once("://")
        .map(|(_, rest)| rest.split(':').next().unwrap_or(rest))
        .unwrap_or("");
    match path {
        "/reflect" | "/reflect-public" | "/hop" => true,
        "/null" => origin == "null",
        "/prefix" | "/prefix-writes" => origin.starts_with("https://api.lab-target.com"),
        "/suffix" => origin.ends_with("lab-target.com"),
        "/substring" => origin.contains("lab-target.com"),
        // `^https://api.lab-target.com(:\d+)?$` with its dots unescaped.
        "/dot" => {
            let pattern = "https://api.lab-target.com";
            origin.len() >= pattern.len()
                && origin
                    .bytes()
                    .zip(pattern.bytes())
                    .all(|(o, p)| p == b'.' || o == p)
                && (origin.len() == pattern.len() || origin.as_bytes()[pattern.len()] == b':')
        }
        // Refuses `.` after the trusted name (the prefix attack) but nothing else.
        "/special" => origin
            .strip_prefix("https://api.lab-target.com")
            .is_some_and(|rest| !rest.starts_with('.')),
        // Also refuses `_`, `"`, letters and digits after it: only WebKit's `*` gets through.
        "/special-webkit" => origin
            .strip_prefix("https://api.lab-target.com")
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '_' | '"' | '-')),
        "/insecure" | "/insecure-hsts" => {
            origin == own
                || origin == "http://api.lab-target.com"
                || origin == "https://app.lab-target.com"
        }
        "/subdomain" => origin.starts_with("https://") && host.ends_with(".lab-target.com"),
        "/third-party" => {
            origin == own || (origin.starts_with("https://") && host.ends_with(".github.io"))
        }
        "/vary" | "/allow-list" => origin == own || origin == "https://app.lab-target.com",
        // `^https://(app|admin)\.lab-target\.com$`, correctly anchored and escaped.
        "/anchored" => matches!(
            origin,
            "https://app.lab-target.com" | "https://admin.lab-target.com"
        ),
        _ => false,
    }
}

pub(crate) fn answer(request: &Request<Incoming>, own: &str) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let preflight = request.method() == "OPTIONS";
    let origin = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut status = 200;
    let mut headers: Vec<(&str, String)> = vec![("content-type", "application/json".into())];
    let credentials = !matches!(path, "/reflect-public");
    let grant = |headers: &mut Vec<(&str, String)>| {
        headers.push(("access-control-allow-origin", origin.clone()));
        if credentials {
            headers.push(("access-control-allow-credentials", "true".into()));
        }
    };
    match path {
        "/preflight" if preflight => {
            status = 204;
            grant(&mut headers);
            headers.push(("access-control-allow-methods", "GET, PUT, DELETE".into()));
            headers.push((
                "access-control-allow-headers",
                "authorization, content-type".into(),
            ));
        }
        // The prefix check, on preflights too: PUT with Authorization goes through.
        "/prefix-writes" if preflight && trusted(path, &origin, own) => {
            status = 204;
            grant(&mut headers);
            headers.push(("access-control-allow-methods", "PUT".into()));
            headers.push((
                "access-control-allow-headers",
                "authorization, content-type".into(),
            ));
        }
        "/pna" if preflight => {
            status = 204;
            headers.push(("access-control-allow-origin", origin.clone()));
            headers.push(("access-control-allow-private-network", "true".into()));
        }
        "/wildcard" => headers.push(("access-control-allow-origin", "*".into())),
        "/wildcard-credentials" => {
            headers.push(("access-control-allow-origin", "*".into()));
            headers.push(("access-control-allow-credentials", "true".into()));
        }
        "/several" => headers.push((
            "access-control-allow-origin",
            "https://app.lab-target.com https://admin.lab-target.com".into(),
        )),
        "/pattern" => headers.push((
            "access-control-allow-origin",
            "https://*.lab-target.com".into(),
        )),
        // Safe: a fixed value with a trailing slash matches no origin at all.
        "/slash" => headers.push((
            "access-control-allow-origin",
            "https://app.lab-target.com/".into(),
        )),
        // Safe: a redirect without CORS headers, to a flawed URL.
        "/redirect-bare" => {
            status = 302;
            headers.push(("location", "/reflect".into()));
        }
        // A flawed redirect: the hop passes the check itself, so the finding is the target's.
        "/hop" => {
            status = 302;
            grant(&mut headers);
            headers.push(("location", "/reflect".into()));
        }
        "/none" => {}
        // A single front end, checked by prefix: every other origin (the API's own included)
        // is answered with the front end's, so only probes built from it find the flaw.
        "/granted-prefix" => {
            if origin.starts_with("https://app.lab-target.com") {
                grant(&mut headers);
            } else {
                headers.push((
                    "access-control-allow-origin",
                    "https://app.lab-target.com".into(),
                ));
            }
            headers.push(("vary", "Origin".into()));
        }
        _ if !origin.is_empty() && trusted(path, &origin, own) => {
            grant(&mut headers);
            if path != "/vary" {
                headers.push(("vary", "Origin".into()));
            }
        }
        _ => {
            if path != "/vary" {
                headers.push(("vary", "Origin".into()));
            }
        }
    }
    if path == "/insecure-hsts" {
        headers.push(("strict-transport-security", "max-age=31536000".into()));
    }
    if path == "/reflect" {
        headers.push((
            "set-cookie",
            "session=1; Secure; HttpOnly; SameSite=None".into(),
        ));
    }
    let mut response = Response::new(Full::new(Bytes::from_static(b"{\"secret\":42}")));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    for (name, value) in headers {
        response.headers_mut().append(name, value.parse().unwrap());
    }
    response
}

/// A running lab: its port on 127.0.0.1 and the PEM file of its certificate (for `HOST`).
pub(crate) struct Lab {
    pub(crate) port: u16,
    pub(crate) ca: PathBuf,
}

impl Lab {
    /// Serves the lab on a thread of its own until the process ends; `seen` is told each
    /// request's method, path and `Origin`.
    pub(crate) fn start(seen: fn(&str, &str, &str)) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let key = rcgen::KeyPair::generate().unwrap();
        let certificate = rcgen::CertificateParams::new(vec![HOST.to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder()
                .with_no_client_auth()
                .with_single_cert(
                    vec![certificate.der().clone()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
                )
                .unwrap(),
        );
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let address: SocketAddr = listener.local_addr().unwrap();
                let own: Arc<str> = format!("https://{HOST}:{}", address.port()).into();
                sender.send(address.port()).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let config = config.clone();
                    let own = own.clone();
                    tokio::spawn(async move {
                        let Ok(stream) =
                            tokio_rustls::TlsAcceptor::from(config).accept(stream).await
                        else {
                            return;
                        };
                        let service =
                            hyper::service::service_fn(move |request: Request<Incoming>| {
                                let own = own.clone();
                                let origin = request
                                    .headers()
                                    .get("origin")
                                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                                    .unwrap_or_default();
                                seen(request.method().as_str(), request.uri().path(), &origin);
                                async move { Ok::<_, Infallible>(answer(&request, &own)) }
                            });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        let port = receiver.recv().unwrap();
        let ca = std::env::temp_dir().join(format!("corsair-audit-lab-{}.pem", std::process::id()));
        std::fs::write(&ca, certificate.pem()).unwrap();
        Lab { port, ca }
    }
}

/// Each flawed endpoint and the (class, severity) of every finding it must give.
pub(crate) const FLAWED: [(&str, &[(&str, &str)]); 23] = [
    ("/reflect", &[("reflect-any", "high")]),
    ("/reflect-public", &[("reflect-any", "low")]),
    ("/null", &[("null-origin", "high")]),
    ("/prefix", &[("prefix-match", "high")]),
    ("/suffix", &[("suffix-match", "high")]),
    ("/substring", &[("substring-match", "high")]),
    ("/dot", &[("unescaped-dot", "high")]),
    ("/special", &[("special-char", "high")]),
    ("/special-webkit", &[("special-char", "medium")]),
    ("/insecure", &[("insecure-origin", "medium")]),
    ("/insecure-hsts", &[("insecure-origin", "low")]),
    ("/subdomain", &[("subdomain-trust", "medium")]),
    ("/third-party", &[("third-party-host", "high")]),
    ("/wildcard", &[("wildcard", "info")]),
    ("/wildcard-credentials", &[("wildcard-credentials", "info")]),
    ("/several", &[("invalid-acao", "info")]),
    ("/pattern", &[("invalid-acao", "info")]),
    ("/preflight", &[("preflight-any-origin", "high")]),
    ("/vary", &[("missing-vary", "low")]),
    ("/pna", &[("pna-any-origin", "low")]),
    ("/hop", &[("reflect-any", "high")]),
    ("/prefix-writes", &[("prefix-match", "high")]),
    ("/granted-prefix", &[("prefix-match", "high")]),
];

/// The safe controls: no finding at all.
pub(crate) const SAFE: [&str; 5] = [
    "/allow-list",
    "/anchored",
    "/none",
    "/slash",
    "/redirect-bare",
];

fn main() {
    let lab = Lab::start(|method, path, origin| {
        println!(
            "{}",
            serde_json::json!({ "method": method, "path": path, "origin": origin })
        );
    });
    let flawed: Vec<_> = FLAWED
        .iter()
        .map(|(path, expected)| serde_json::json!({ "path": path, "expected": expected }))
        .collect();
    println!(
        "{}",
        serde_json::json!({ "host": HOST, "port": lab.port, "ca": lab.ca, "flawed": flawed, "safe": SAFE })
    );
    loop {
        std::thread::park();
    }
}
