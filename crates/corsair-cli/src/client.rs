//! The HTTP client `check` sends the browser's requests with: HTTP/1.1 over TCP or rustls, one
//! connection per request, with connect and response timeouts, curl's `--resolve`, proxies
//! from the environment, and certificate problems in words.

mod proxy;
mod tls;

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use corsair::{
    browser::{Outgoing, ResponseHead},
    origin::Host,
};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

pub(crate) use proxy::Proxies;

/// The trust `check` uses (bundled roots, the system's, `--cacert`, `--insecure`), for the
/// gateway's https upstreams.
pub(crate) fn upstream_tls(
    extra: &[std::path::PathBuf],
    insecure: bool,
) -> Result<rustls::ClientConfig, String> {
    tls::config(extra, insecure)
}

/// Why a request got no response: the network's fault, not CORS.
#[derive(Debug)]
pub(crate) struct NetworkError {
    /// `dns`, `connect`, `tls`, `timeout`, `proxy` or `http`.
    pub(crate) kind: &'static str,
    pub(crate) message: String,
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn error(kind: &'static str, message: String) -> NetworkError {
    NetworkError { kind, message }
}

/// curl's `--resolve HOST:PORT:ADDR`: connect to ADDR whenever the URL names HOST:PORT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Resolve {
    host: String,
    port: u16,
    address: IpAddr,
}

impl std::str::FromStr for Resolve {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "--resolve {value:?}: expected HOST:PORT:ADDRESS, e.g. api.example.com:443:127.0.0.1"
            )
        };
        let (host, rest) = value.split_once(':').ok_or_else(bad)?;
        let (port, address) = rest.split_once(':').ok_or_else(bad)?;
        let address = address.trim_start_matches('[').trim_end_matches(']');
        Ok(Self {
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port: port.parse().map_err(|_| bad())?,
            address: address.parse().map_err(|_| bad())?,
        })
    }
}

/// The connection flags `check` and `audit` share: timeouts and trust.
#[derive(Debug, clap::Args)]
pub(crate) struct ConnectArgs {
    /// Seconds to wait for a connection (TCP, proxy tunnel and TLS).
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub(crate) connect_timeout: f64,
    /// Seconds to wait for each response's headers.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub(crate) timeout: f64,
    /// Also trust the certificate authorities in this PEM file (repeatable). The bundled
    /// public roots and the system's (`SSL_CERT_FILE`, else /etc/ssl/certs) are trusted too.
    #[arg(long, value_name = "PEM")]
    pub(crate) cacert: Vec<PathBuf>,
    /// Accept any TLS certificate (the output says so). For development servers only.
    #[arg(short = 'k', long)]
    pub(crate) insecure: bool,
    /// Connect to ADDRESS for HOST:PORT instead of asking DNS, as curl's --resolve.
    #[arg(long, value_name = "HOST:PORT:ADDRESS")]
    pub(crate) resolve: Vec<Resolve>,
}

impl ConnectArgs {
    /// The client these flags describe, proxies from the environment; `insecure` also when
    /// something besides the flag asks for it (a copied curl command's `-k`).
    pub(crate) fn client(&self, insecure: bool) -> Result<Client, String> {
        Client::new(ClientOptions {
            connect_timeout: crate::seconds(self.connect_timeout, "--connect-timeout")?,
            response_timeout: crate::seconds(self.timeout, "--timeout")?,
            extra_roots: self.cacert.clone(),
            insecure: self.insecure || insecure,
            resolve: self.resolve.clone(),
            proxies: Proxies::from_env()?,
        })
    }
}

impl Resolve {
    /// The same pin as a Chromium `--host-resolver-rules` entry.
    pub(crate) fn host_rule(&self) -> String {
        match self.address {
            IpAddr::V6(address) => format!("MAP {} [{address}]", self.host),
            IpAddr::V4(address) => format!("MAP {} {address}", self.host),
        }
    }
}

/// How the client connects: the small set of choices `check` (and any later scanner) makes.
#[derive(Clone, Debug)]
pub(crate) struct ClientOptions {
    /// Time for TCP, the proxy tunnel and TLS together.
    pub(crate) connect_timeout: Duration,
    /// Time for each response's headers once connected.
    pub(crate) response_timeout: Duration,
    /// PEM files of certificate authorities to trust besides the system's and the bundled ones.
    pub(crate) extra_roots: Vec<PathBuf>,
    /// Accept any certificate (`--insecure`).
    pub(crate) insecure: bool,
    /// Addresses that replace DNS for some host and port.
    pub(crate) resolve: Vec<Resolve>,
    /// The proxies to go through, by scheme.
    pub(crate) proxies: Proxies,
}

/// A client built from [`ClientOptions`].
#[derive(Debug)]
pub(crate) struct Client {
    options: ClientOptions,
    tls: Arc<rustls::ClientConfig>,
    extra_headers: Vec<(String, String)>,
}

impl Client {
    /// A client trusting the system's roots, the bundled public roots and the given CA files
    /// (or nothing, with `insecure`).
    pub(crate) fn new(options: ClientOptions) -> Result<Self, String> {
        let tls = tls::config(&options.extra_roots, options.insecure)?;
        Ok(Self {
            options,
            tls: Arc::new(tls),
            extra_headers: Vec::new(),
        })
    }

    /// The same client, adding these headers (a scanner's `-H`, say) to every request.
    pub(crate) fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.extra_headers = headers;
        self
    }

    /// Sends one request (with `body`, when given) and returns the response's status and
    /// headers.
    pub(crate) async fn send(
        &self,
        outgoing: &Outgoing,
        body: Option<&[u8]>,
    ) -> Result<ResponseHead, NetworkError> {
        let origin = outgoing.url.origin();
        let (Some(scheme), Some(host)) = (origin.scheme(), origin.host()) else {
            return Err(error("http", format!("{} has no host", outgoing.url)));
        };
        let port = origin
            .port()
            .or_else(|| corsair::origin::default_port(scheme))
            .unwrap_or(80);
        let host_name = match host {
            Host::Ipv6(address) => address.to_string(),
            other => other.to_string(),
        };
        let authority = match origin.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let proxy = self.options.proxies.for_url(scheme, &host_name);
        let connect_timeout = self.options.connect_timeout;

        let connect = async {
            let stream = match proxy {
                Some(proxy) => {
                    let stream = self
                        .tcp(proxy.host(), proxy.port(), &proxy.to_string())
                        .await?;
                    if scheme == "https" {
                        proxy.tunnel(stream, &host_name, port).await?
                    } else {
                        stream
                    }
                }
                None => self.tcp(&host_name, port, &authority).await?,
            };
            if scheme == "https" {
                let name = ServerName::try_from(host_name.clone()).map_err(|e| {
                    error(
                        "tls",
                        format!("{host_name} is not a valid TLS server name: {e}"),
                    )
                })?;
                let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
                    .connect(name, stream)
                    .await
                    .map_err(|e| error("tls", tls::explain(&authority, &e)))?;
                Ok(Connection::Tls(Box::new(tls)))
            } else {
                Ok(Connection::Plain(stream))
            }
        };
        let connection = tokio::time::timeout(connect_timeout, connect)
            .await
            .map_err(|_| {
                error(
                    "timeout",
                    format!(
                        "no connection to {authority} within {} (--connect-timeout)",
                        seconds(connect_timeout)
                    ),
                )
            })??;

        let exchange = async {
            let mut request =
                http::Request::new(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())));
            *request.method_mut() = http::Method::from_bytes(outgoing.method.as_bytes())
                .map_err(|e| error("http", format!("invalid method {}: {e}", outgoing.method)))?;
            // Through a proxy, plain http goes in absolute form, as the proxy must see where.
            let target = if proxy.is_some() && scheme == "http" {
                outgoing.url.to_string()
            } else {
                outgoing.url.path().to_owned()
            };
            *request.uri_mut() = target
                .parse()
                .map_err(|e| error("http", format!("invalid path {target}: {e}")))?;
            let headers = request.headers_mut();
            let mut add = |name: &str, value: &str| -> Result<(), NetworkError> {
                let name = http::HeaderName::from_bytes(name.as_bytes())
                    .map_err(|e| error("http", format!("invalid header name {name}: {e}")))?;
                let value = http::HeaderValue::from_str(value)
                    .map_err(|e| error("http", format!("invalid value for {name}: {e}")))?;
                headers.append(name, value);
                Ok(())
            };
            add("host", &authority)?;
            // Plain http speaks to the proxy itself; a tunnel carried this on its CONNECT.
            if scheme == "http"
                && let Some(authorization) = proxy.and_then(|proxy| proxy.authorization())
            {
                add("proxy-authorization", authorization)?;
            }
            add("user-agent", concat!("corsair/", env!("CARGO_PKG_VERSION")))?;
            for (name, value) in outgoing.headers.iter().chain(&self.extra_headers) {
                add(name, value)?;
            }
            let response = match connection {
                Connection::Plain(stream) => send_over(stream, request).await?,
                Connection::Tls(stream) => send_over(*stream, request).await?,
            };
            Ok::<_, NetworkError>(response)
        };
        tokio::time::timeout(self.options.response_timeout, exchange)
            .await
            .map_err(|_| {
                error(
                    "timeout",
                    format!(
                        "no response from {authority} within {} (--timeout)",
                        seconds(self.options.response_timeout)
                    ),
                )
            })?
    }

    /// A TCP connection to `host:port`, or to the `--resolve` address that replaces it.
    async fn tcp(&self, host: &str, port: u16, shown: &str) -> Result<TcpStream, NetworkError> {
        let pinned = self
            .options
            .resolve
            .iter()
            .find(|resolve| resolve.port == port && resolve.host.eq_ignore_ascii_case(host));
        let addresses: Vec<SocketAddr> = match pinned {
            Some(resolve) => vec![SocketAddr::new(resolve.address, port)],
            None => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| error("dns", format!("cannot resolve {host}: {e}")))?
                .collect(),
        };
        TcpStream::connect(addresses.as_slice())
            .await
            .map_err(|e| error("connect", format!("cannot connect to {shown}: {e}")))
    }
}

/// A duration as people write it: `2s`, `0.5s`.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}

enum Connection {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

async fn send_over<S>(
    stream: S,
    request: http::Request<Full<Bytes>>,
) -> Result<ResponseHead, NetworkError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| error("http", format!("HTTP handshake failed: {e}")))?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await.map_err(|e| {
        error(
            "http",
            format!("the server closed the connection without a valid response: {e}"),
        )
    })?;
    driver.abort();
    Ok(ResponseHead {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_parses_like_curl() {
        let resolve: Resolve = "API.example.com:443:127.0.0.1".parse().unwrap();
        assert_eq!(resolve.host, "api.example.com");
        assert_eq!(resolve.port, 443);
        let v6: Resolve = "a.example:8443:[::1]".parse().unwrap();
        assert_eq!(v6.address, "::1".parse::<IpAddr>().unwrap());
        for bad in ["a.example", "a.example:x:127.0.0.1", "a.example:80:nope"] {
            assert!(bad.parse::<Resolve>().is_err(), "{bad}");
        }
    }
}
