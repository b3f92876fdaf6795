//! `--confirm`: a finding proven in real headless Chromium. The exploit origin's page is
//! served by a local server that Chromium reaches through a PAC file routing only that
//! origin's scheme, host and port to it (the target is reached as usual); the page fetches
//! the target with `credentials: 'include'` and reports whether it could read the body.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use base64::Engine as _;
use corsair::{Origin, origin::Host};
use rcgen::PublicKeyData as _;
use serde_json::Value;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpListener,
    sync::mpsc,
};

use super::finding::Finding;
use crate::client::Resolve;

/// How long the page may take to load, fetch and report.
const WAIT: Duration = Duration::from_secs(30);
/// The largest request the exploit server reads (the page's report is small).
const MAX_REQUEST: usize = 64 * 1024;

/// How Chromium is started for the confirmations.
#[derive(Debug)]
pub(crate) struct Confirmer {
    binary: PathBuf,
    /// `--host-resolver-rules` from `--resolve`.
    resolver_rules: Option<String>,
    /// Chromium cannot be handed a CA file: with `--cacert` or `--insecure` it ignores
    /// certificate errors (the report says so).
    ignore_certificate_errors: bool,
}

impl Confirmer {
    /// Finds Chromium (`CORSAIR_CHROMIUM`, else `chromium` or `chromium-browser` on PATH).
    pub(crate) fn new(
        resolve: &[Resolve],
        ignore_certificate_errors: bool,
    ) -> Result<Self, String> {
        let binary = std::env::var_os("CORSAIR_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| {
                let path = std::env::var_os("PATH")?;
                std::env::split_paths(&path)
                    .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
                    .find(|candidate| candidate.is_file())
            })
            .ok_or_else(|| {
                "--confirm needs headless Chromium: install it (Debian: apt-get install chromium) or set CORSAIR_CHROMIUM to its binary".to_owned()
            })?;
        let rules: Vec<String> = resolve.iter().map(Resolve::host_rule).collect();
        Ok(Self {
            binary,
            resolver_rules: (!rules.is_empty()).then(|| rules.join(",")),
            ignore_certificate_errors,
        })
    }

    pub(crate) fn ignores_certificate_errors(&self) -> bool {
        self.ignore_certificate_errors
    }

    /// Whether Chromium, on a page at the finding's exploit origin, read the target's body
    /// with credentials included.
    pub(crate) async fn confirm(&self, finding: &Finding) -> Result<bool, String> {
        let claimed = Origin::parse(&finding.observed.origin)
            .map_err(|e| format!("{}: {e}", finding.observed.origin))?;
        // `null` is what a sandboxed frame sends: it is staged in one, inside a page on an
        // origin of the attacker's own.
        let opaque = claimed.scheme().is_none();
        let origin = if opaque {
            Origin::parse(OPAQUE_STAGE).map_err(|e| format!("{OPAQUE_STAGE}: {e}"))?
        } else {
            claimed
        };
        let (Some(scheme), Some(host)) = (origin.scheme(), origin.host()) else {
            return Err("an opaque origin cannot be staged".to_owned());
        };
        let host = match host {
            Host::Ipv6(address) => format!("[{address}]"),
            other => other.to_string(),
        };
        let port = origin
            .port()
            .or_else(|| corsair::origin::default_port(scheme))
            .unwrap_or(443);
        let key =
            rcgen::KeyPair::generate().map_err(|e| format!("a key for the exploit page: {e}"))?;
        let certificate =
            rcgen::CertificateParams::new(vec![host.trim_matches(['[', ']']).to_owned()])
                .and_then(|params| params.self_signed(&key))
                .map_err(|e| format!("a certificate for {host}: {e}"))?;
        let pin = base64::engine::general_purpose::STANDARD.encode(
            ring::digest::digest(&ring::digest::SHA256, &key.subject_public_key_info()).as_ref(),
        );
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder.with_no_client_auth().with_single_cert(
                vec![certificate.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
        })
        .map_err(|e| format!("TLS for the exploit page: {e}"))?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("a local server for the exploit page: {e}"))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("a local server for the exploit page: {e}"))?;
        let page_url = format!("{scheme}://{host}:{port}/");
        let site = Site {
            pac: pac(scheme, &host, port, local.port()),
            page: if opaque {
                SANDBOXED_PAGE.to_owned()
            } else {
                page(
                    &finding.scanned,
                    "fetch('/report', {method: 'POST', body: JSON.stringify(result)})",
                )
            },
            frame: page(&finding.scanned, "parent.postMessage(result, '*')"),
        };
        let (reports, mut reported) = mpsc::channel(1);
        let server =
            tokio::task::spawn_local(serve(listener, Arc::new(tls), Arc::new(site), reports));
        let profile = std::env::temp_dir().join(format!(
            "corsair-confirm-{}-{}",
            std::process::id(),
            local.port()
        ));
        let mut command = Command::new(&self.binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Local Network Access would block a proxied page from reaching a target on
                // loopback or a LAN: the confirmation is about CORS, not about that.
                "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,BlockInsecurePrivateNetworkRequests",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--proxy-pac-url=http://127.0.0.1:{}/proxy.pac", local.port()))
            .arg(format!("--ignore-certificate-errors-spki-list={pin}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(rules) = &self.resolver_rules {
            command.arg(format!("--host-resolver-rules={rules}"));
        }
        if self.ignore_certificate_errors {
            command.arg("--ignore-certificate-errors");
        }
        command.arg(&page_url);
        // Its own process group, so that its helpers (zygote, renderers) end with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.binary.display()))?;
        let browser = Browser { child, profile };
        let report = tokio::time::timeout(WAIT, reported.recv()).await;
        drop(browser);
        server.abort();
        match report {
            Ok(Some(report)) => Ok(report["readable"] == true),
            Ok(None) => Err("the exploit page's server stopped".to_owned()),
            Err(_) => Err(format!(
                "Chromium did not report within {}s (the page at {page_url} never ran its fetch)",
                WAIT.as_secs()
            )),
        }
    }
}

/// The Chromium process group, ended (its leader is this command's own child) and its
/// profile removed when dropped.
struct Browser {
    child: Child,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Helpers that were still writing into the profile may outlive the leader briefly.
        for _ in 0..20 {
            let _ = std::fs::remove_dir_all(&self.profile);
            if !self.profile.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The page that holds the sandboxed frame a `null` finding is staged in.
const OPAQUE_STAGE: &str = "https://null-stage.corsair-audit.net";

/// A page whose only content is a frame with an opaque origin (`sandbox` without
/// `allow-same-origin`) running the exploit, and which posts back what the frame reports.
const SANDBOXED_PAGE: &str = "<!doctype html><title>corsair audit --confirm</title><script>\naddEventListener('message', e => fetch('/report', {method: 'POST', body: JSON.stringify(e.data)}));\n</script><iframe sandbox=\"allow-scripts\" src=\"/frame\"></iframe>\n";

/// What the local server answers.
struct Site {
    pac: String,
    page: String,
    /// The exploit run inside the sandboxed frame (`/frame`).
    frame: String,
}

/// The PAC file: only the exploit origin goes to the local server. Chromium hands PAC
/// scripts https URLs stripped to the origin, so the comparison is on the origin.
fn pac(scheme: &str, host: &str, port: u16, local: u16) -> String {
    let host = serde_json::Value::from(host.to_ascii_lowercase());
    let scheme = serde_json::Value::from(format!("{scheme}:"));
    format!(
        "function FindProxyForURL(url, host) {{\n  var port = url.split('/')[2].split(':')[1] || (url.indexOf('https:') === 0 ? '443' : '80');\n  if (url.indexOf({scheme}) === 0 && host.toLowerCase() === {host} && port === '{port}') return 'PROXY 127.0.0.1:{local}';\n  return 'DIRECT';\n}}\n"
    )
}

/// The exploit page: a credentialed fetch of `target`, its outcome handed to `report`
/// (JavaScript of `result`).
fn page(target: &str, report: &str) -> String {
    let target = serde_json::Value::from(target);
    format!(
        "<!doctype html><title>corsair audit --confirm</title><script>\nfetch({target}, {{credentials: 'include'}})\n  .then(r => r.text().then(body => ({{readable: true, status: r.status, length: body.length}})), e => ({{readable: false, error: String(e)}}))\n  .then(result => {report});\n</script>\n"
    )
}

async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    site: Arc<Site>,
    reports: mpsc::Sender<Value>,
) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let (tls, site, reports) = (tls.clone(), site.clone(), reports.clone());
        tokio::task::spawn_local(async move {
            let Some((head, body)) = read_request(&mut stream).await else {
                return;
            };
            if head.starts_with("CONNECT ") {
                if stream
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let Ok(mut secure) = tokio_rustls::TlsAcceptor::from(tls).accept(stream).await
                else {
                    return;
                };
                // Chromium sends the page's report on the connection it loaded the page on.
                while let Some((head, body)) = read_request(&mut secure).await {
                    if !answer(&mut secure, &head, &body, &site, &reports).await {
                        return;
                    }
                }
            } else {
                answer(&mut stream, &head, &body, &site, &reports).await;
            }
        });
    }
}

/// Reads one request's head and body (by `Content-Length`), bounded.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > MAX_REQUEST {
            return None;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST);
    let mut body = buffer[end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some((head, body))
}

/// Answers one request; false when the connection is closed.
async fn answer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    head: &str,
    body: &[u8],
    site: &Site,
    reports: &mpsc::Sender<Value>,
) -> bool {
    let target = head.split(' ').nth(1).unwrap_or("/");
    // A proxied plain-http request names the whole URL; only its path matters here.
    let path = target
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|at| &rest[at..]))
        .unwrap_or(target);
    let (kind, content) = match path {
        "/proxy.pac" => ("application/x-ns-proxy-autoconfig", site.pac.as_str()),
        "/report" => {
            let report = serde_json::from_slice(body).unwrap_or(Value::Null);
            let _ = reports.try_send(report);
            ("text/plain", "")
        }
        "/frame" => ("text/html; charset=utf-8", site.frame.as_str()),
        _ => ("text/html; charset=utf-8", site.page.as_str()),
    };
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: keep-alive\r\n\r\n{content}",
        content.len()
    );
    stream.write_all(response.as_bytes()).await.is_ok() && stream.flush().await.is_ok()
}
