//! The HTTP client `check` sends the browser's requests with: HTTP/1.1 over TCP or rustls, one
//! connection per request, with connect and response timeouts.

use std::{fmt, path::Path, sync::Arc, time::Duration};

use corsair::{
    browser::{Outgoing, ResponseHead},
    origin::Host,
};
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio::net::TcpStream;

/// Why a request got no response: the network's fault, not CORS.
#[derive(Debug)]
pub(crate) struct NetworkError {
    /// `dns`, `connect`, `tls`, `timeout` or `http`.
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

pub(crate) struct Client {
    connect_timeout: Duration,
    response_timeout: Duration,
    tls: Arc<rustls::ClientConfig>,
}

impl Client {
    /// A client trusting the usual public roots, plus the CAs in `extra_roots` if given.
    pub(crate) fn new(
        connect_timeout: Duration,
        response_timeout: Duration,
        extra_roots: Option<&Path>,
    ) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = extra_roots {
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("CA file {} is not valid PEM: {e}", path.display()))?;
            if certificates.is_empty() {
                return Err(format!("CA file {} holds no certificate", path.display()));
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|e| format!("CA file {}: {e}", path.display()))?;
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self {
            connect_timeout,
            response_timeout,
            tls: Arc::new(tls),
        })
    }

    /// Sends one request and returns the response's status and headers.
    pub(crate) async fn send(&self, outgoing: &Outgoing) -> Result<ResponseHead, NetworkError> {
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

        let connect = async {
            let addresses: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host_name.as_str(), port))
                    .await
                    .map_err(|e| error("dns", format!("cannot resolve {host_name}: {e}")))?
                    .collect();
            let stream = TcpStream::connect(addresses.as_slice())
                .await
                .map_err(|e| error("connect", format!("cannot connect to {authority}: {e}")))?;
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
                    .map_err(|e| {
                        error("tls", format!("TLS handshake with {authority} failed: {e}"))
                    })?;
                Ok(Connection::Tls(Box::new(tls)))
            } else {
                Ok(Connection::Plain(stream))
            }
        };
        let connection = tokio::time::timeout(self.connect_timeout, connect)
            .await
            .map_err(|_| {
                error(
                    "timeout",
                    format!(
                        "no connection to {authority} within {:?}",
                        self.connect_timeout
                    ),
                )
            })??;

        let exchange = async {
            let mut request = http::Request::new(Empty::<Bytes>::new());
            *request.method_mut() = http::Method::from_bytes(outgoing.method.as_bytes())
                .map_err(|e| error("http", format!("invalid method {}: {e}", outgoing.method)))?;
            *request.uri_mut() =
                outgoing.url.path().parse().map_err(|e| {
                    error("http", format!("invalid path {}: {e}", outgoing.url.path()))
                })?;
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
            add("user-agent", concat!("corsair/", env!("CARGO_PKG_VERSION")))?;
            for (name, value) in &outgoing.headers {
                add(name, value)?;
            }
            let response = match connection {
                Connection::Plain(stream) => send_over(stream, request).await?,
                Connection::Tls(stream) => send_over(*stream, request).await?,
            };
            Ok::<_, NetworkError>(response)
        };
        tokio::time::timeout(self.response_timeout, exchange)
            .await
            .map_err(|_| {
                error(
                    "timeout",
                    format!(
                        "no response from {authority} within {:?}",
                        self.response_timeout
                    ),
                )
            })?
    }
}

enum Connection {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

async fn send_over<S>(
    stream: S,
    request: http::Request<Empty<Bytes>>,
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
