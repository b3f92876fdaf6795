//! Proxies from the environment, as curl reads them: `HTTPS_PROXY` (a CONNECT tunnel),
//! `HTTP_PROXY` (requests in absolute form), `NO_PROXY` (hosts that go direct); credentials in
//! the URL (`http://user:password@host:port`, percent-encoded) go in `Proxy-Authorization`,
//! and no message ever shows the password.

use std::fmt;

use base64::{Engine as _, prelude::BASE64_STANDARD};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use super::{NetworkError, error};

/// The largest proxy answer to a CONNECT read before giving up.
const MAX_CONNECT_RESPONSE: usize = 16 * 1024;

/// An HTTP proxy, `http://host:port` or `http://user:password@host:port`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    host: String,
    port: u16,
    credentials: Option<Credentials>,
}

/// A proxy's user and the `Proxy-Authorization` value that carries its password; neither
/// `Debug` nor `Display` shows the password.
#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    user: String,
    /// `Basic base64(user:password)` (RFC 7617).
    authorization: String,
}

impl Proxy {
    fn parse(variable: &str, value: &str) -> Result<Self, String> {
        let rest = match value.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(format!(
                    "{variable}={:?}: only http:// proxies are supported, not {scheme}://",
                    redacted(value)
                ));
            }
            None => value,
        };
        let bad = |why: &str| format!("{variable}={:?}: {why}", redacted(value));
        // The password may hold an unencoded `@` or `/`; the host never does.
        let (credentials, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => (Some(Credentials::parse(userinfo).map_err(bad)?), rest),
            None => (None, rest),
        };
        let authority = rest.split('/').next().unwrap_or_default();
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
            credentials,
        })
    }

    /// The `Proxy-Authorization` value every request to the proxy carries, if it has
    /// credentials.
    pub(super) fn authorization(&self) -> Option<&str> {
        self.credentials
            .as_ref()
            .map(|credentials| credentials.authorization.as_str())
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
        let authorization = self
            .authorization()
            .map(|value| format!("Proxy-Authorization: {value}\r\n"))
            .unwrap_or_default();
        stream
            .write_all(
                format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{authorization}\r\n")
                    .as_bytes(),
            )
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
            Some("407") => Err(failed(match &self.credentials {
                Some(credentials) => format!(
                    "refused the credentials of user {:?} for the tunnel to {target}: {status_line}",
                    credentials.user
                ),
                None => format!(
                    "wants credentials for the tunnel to {target} ({status_line}): give them in \
                     HTTPS_PROXY as http://user:password@host:port, percent-encoded"
                ),
            })),
            _ => Err(failed(format!(
                "refused the tunnel to {target}: {status_line}"
            ))),
        }
    }
}

impl Credentials {
    /// `user:password` as a URL carries it, percent-encoded (RFC 3986 userinfo).
    fn parse(userinfo: &str) -> Result<Self, &'static str> {
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let (user, password) = (percent_decoded(user)?, percent_decoded(password)?);
        if user.is_empty() {
            return Err("the credentials name no user");
        }
        // RFC 7617: the user-id is what comes before the first colon.
        if user.contains(&b':') {
            return Err("a proxy user cannot contain `:`");
        }
        let mut pair = user.clone();
        pair.push(b':');
        pair.extend_from_slice(&password);
        Ok(Self {
            user: String::from_utf8_lossy(&user).into_owned(),
            authorization: format!("Basic {}", BASE64_STANDARD.encode(pair)),
        })
    }
}

/// `text` with its `%XX` escapes decoded, as bytes (a password need not be UTF-8).
fn percent_decoded(text: &str) -> Result<Vec<u8>, &'static str> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or("the credentials have a `%` that is not followed by two hex digits")?;
            decoded.push(hex);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    Ok(decoded)
}

/// A proxy variable's value with its password replaced by `***`, for messages.
fn redacted(value: &str) -> String {
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), value),
    };
    // As `Proxy::parse` reads it: everything before the last `@` is the user information.
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}{user}:***@{host}")
        }
        None => value.to_owned(),
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.credentials {
            Some(credentials) => write!(
                f,
                "http://{}:***@{}:{}",
                credentials.user, self.host, self.port
            ),
            None => write!(f, "http://{}:{}", self.host, self.port),
        }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
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
                port: 3128,
                credentials: None,
            }
        );
        assert_eq!(Proxy::parse("HTTPS_PROXY", "proxy").unwrap().port, 80);
        assert_eq!(
            Proxy::parse("HTTPS_PROXY", "HTTP://[::1]:8080")
                .unwrap()
                .host,
            "::1"
        );
        assert!(Proxy::parse("HTTPS_PROXY", "socks5://p:1080").is_err());
        assert_eq!(
            Proxy::parse("HTTPS_PROXY", "p").unwrap().authorization(),
            None
        );
    }

    #[test]
    fn credentials_become_basic_authorization_percent_decoded() {
        let basic = |value: &str| {
            Proxy::parse("HTTPS_PROXY", value)
                .unwrap()
                .authorization()
                .map(str::to_owned)
        };
        // RFC 7617's example: `Aladdin:open sesame`.
        assert_eq!(
            basic("http://Aladdin:open%20sesame@proxy:3128").as_deref(),
            Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
        );
        // `user@corp`, `p@ss:word/`: an encoded `@`, a raw one, a colon in the password.
        let encoded = basic("http://user%40corp:p%40ss:word%2F@proxy:3128/").unwrap();
        let raw = basic("http://user%40corp:p@ss:word%2F@proxy:3128").unwrap();
        assert_eq!(encoded, raw);
        assert_eq!(
            encoded,
            format!("Basic {}", BASE64_STANDARD.encode("user@corp:p@ss:word/"))
        );
        assert_eq!(
            basic("http://user@proxy:3128").as_deref(),
            Some("Basic dXNlcjo="),
            "no password: an empty one"
        );
        let proxy = Proxy::parse("HTTPS_PROXY", "http://user@proxy:3128").unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy", 3128));
        for bad in [
            "http://:secret@proxy:1",
            "http://us%3Aer:secret@proxy:1",
            "http://user:secret%zz@proxy:1",
            "http://user:secret%4@proxy:1",
        ] {
            let error = Proxy::parse("HTTPS_PROXY", bad).unwrap_err();
            assert!(!error.contains("secret"), "{error}");
            assert!(error.contains(":***@proxy:1"), "{error}");
        }
    }

    #[test]
    fn no_message_shows_the_password() {
        let proxy = Proxy::parse("HTTPS_PROXY", "http://alice:s3cr%65t@proxy:3128").unwrap();
        for shown in [proxy.to_string(), format!("{proxy:?}")] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("alice:***@proxy:3128"), "{shown}");
        }
        for value in [
            "http://alice:s3cret@proxy:nope",
            "http://alice:s3cret@",
            "socks5://alice:s3cret@proxy:1080",
        ] {
            let error = Proxy::parse("HTTPS_PROXY", value).unwrap_err();
            assert!(!error.contains("s3cret"), "{error}");
        }
        assert_eq!(redacted("http://proxy:1/x"), "http://proxy:1/x");
        assert_eq!(redacted("a:b/c@proxy:1/"), "a:***@proxy:1/");
        let slash = Proxy::parse("HTTPS_PROXY", "http://a:b/c@proxy:1").unwrap();
        assert_eq!(
            slash.authorization(),
            Some(format!("Basic {}", BASE64_STANDARD.encode("a:b/c")).as_str())
        );
    }

    #[test]
    fn no_proxy_matches_hosts_and_their_subdomains() {
        let proxies = Proxies {
            https: Some(Proxy {
                host: "p".into(),
                port: 1,
                credentials: None,
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
