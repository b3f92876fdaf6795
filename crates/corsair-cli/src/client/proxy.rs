//! Proxies from the environment, as curl reads them: `HTTPS_PROXY` (a CONNECT tunnel),
//! `HTTP_PROXY` (requests in absolute form), `NO_PROXY` (hosts that go direct).

use std::fmt;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::{NetworkError, error};

/// The largest proxy answer to a CONNECT read before giving up.
const MAX_CONNECT_RESPONSE: usize = 16 * 1024;

/// An HTTP proxy, `http://host:port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Proxy {
    host: String,
    port: u16,
}

impl Proxy {
    fn parse(variable: &str, value: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("{variable}={value:?}: {why}");
        let rest = match value.split_once("://") {
            Some(("http", rest)) => rest,
            Some((scheme, _)) => {
                return Err(bad(&format!(
                    "only http:// proxies are supported, not {scheme}://"
                )));
            }
            None => value,
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad("proxy credentials are not supported"));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (
                host,
                port.parse()
                    .map_err(|_| bad(&format!("{port:?} is not a port")))?,
            ),
            _ => (authority, 80),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }

    pub(super) fn host(&self) -> &str {
        &self.host
    }

    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// Asks the proxy for a tunnel to `host:port` over `stream`.
    pub(super) async fn tunnel(
        &self,
        mut stream: TcpStream,
        host: &str,
        port: u16,
    ) -> Result<TcpStream, NetworkError> {
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let failed = |why: String| error("proxy", format!("proxy {self}: {why}"));
        stream
            .write_all(format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").as_bytes())
            .await
            .map_err(|e| failed(format!("cannot send CONNECT: {e}")))?;
        let mut answer = Vec::new();
        let mut buffer = [0; 1024];
        // Byte by byte would be slow; the proxy sends nothing after its head until we speak TLS.
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = stream
                .read(&mut buffer)
                .await
                .map_err(|e| failed(format!("no answer to CONNECT: {e}")))?;
            if read == 0 {
                return Err(failed(
                    "closed the connection instead of answering CONNECT".into(),
                ));
            }
            answer.extend_from_slice(&buffer[..read]);
            if answer.len() > MAX_CONNECT_RESPONSE {
                return Err(failed("answered CONNECT with an endless head".into()));
            }
        }
        let status_line = String::from_utf8_lossy(&answer);
        let status_line = status_line.lines().next().unwrap_or_default();
        match status_line.split(' ').nth(1) {
            Some(status) if status.starts_with('2') => Ok(stream),
            _ => Err(failed(format!(
                "refused the tunnel to {target}: {status_line}"
            ))),
        }
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}:{}", self.host, self.port)
    }
}

/// The proxies the environment names, and the hosts that bypass them.
#[derive(Clone, Debug, Default)]
pub(crate) struct Proxies {
    https: Option<Proxy>,
    http: Option<Proxy>,
    no_proxy: Vec<String>,
}

impl Proxies {
    /// Reads `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` (and their lowercase spellings, which
    /// win, as in curl).
    pub(crate) fn from_env() -> Result<Self, String> {
        let read = |name: &str| {
            let lower = name.to_ascii_lowercase();
            std::env::var(&lower)
                .ok()
                .map(|value| (lower, value))
                .or_else(|| {
                    std::env::var(name)
                        .ok()
                        .map(|value| (name.to_owned(), value))
                })
                .filter(|(_, value)| !value.trim().is_empty())
        };
        let proxy = |name: &str| {
            read(name)
                .map(|(variable, value)| Proxy::parse(&variable, value.trim()))
                .transpose()
        };
        Ok(Self {
            https: proxy("HTTPS_PROXY")?,
            http: proxy("HTTP_PROXY")?,
            no_proxy: read("NO_PROXY")
                .map(|(_, value)| {
                    value
                        .split(',')
                        .map(|host| host.trim().trim_start_matches('.').to_ascii_lowercase())
                        .filter(|host| !host.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// The proxy a request to `scheme://host` goes through, if any.
    pub(super) fn for_url(&self, scheme: &str, host: &str) -> Option<&Proxy> {
        let host = host.to_ascii_lowercase();
        let bypass = self.no_proxy.iter().any(|entry| {
            entry == "*"
                || host == *entry
                || host
                    .strip_suffix(entry.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        });
        if bypass {
            return None;
        }
        match scheme {
            "https" => self.https.as_ref(),
            _ => self.http.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert_eq!(
            Proxy::parse("HTTPS_PROXY", "http://proxy.internal:3128/").unwrap(),
            Proxy {
                host: "proxy.internal".into(),
                port: 3128
            }
        );
        assert_eq!(Proxy::parse("HTTPS_PROXY", "proxy").unwrap().port, 80);
        assert!(Proxy::parse("HTTPS_PROXY", "socks5://p:1080").is_err());
        assert!(Proxy::parse("HTTPS_PROXY", "http://u:p@p:1").is_err());
    }

    #[test]
    fn no_proxy_matches_hosts_and_their_subdomains() {
        let proxies = Proxies {
            https: Some(Proxy {
                host: "p".into(),
                port: 1,
            }),
            http: None,
            no_proxy: vec!["internal.example".into(), "localhost".into()],
        };
        assert!(proxies.for_url("https", "api.example").is_some());
        assert!(proxies.for_url("https", "a.internal.example").is_none());
        assert!(proxies.for_url("https", "internal.example").is_none());
        assert!(proxies.for_url("https", "notinternal.example").is_some());
        assert!(proxies.for_url("http", "api.example").is_none());
    }
}
