//! A deliberately small HTTP/1.1 server that writes exactly the bytes it is told to: header
//! names in any case, the same header twice, spaces around values, bytes a typed HTTP library
//! would refuse. Keep-alive, `Content-Length` bodies only (all `fetch()` sends here).

use std::{net::SocketAddr, sync::Arc};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::{Error, Result};

/// A request as it arrived: method, target and header lines (names as sent, values as bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRequest {
    /// The method, byte for byte.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Header lines in order.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl RawRequest {
    /// Every value of `name` joined with `, ` (as Fetch's "get" does), `None` when absent.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }
}

/// A response to write verbatim: the status line is `HTTP/1.1 {status} {reason}`, then each
/// header line as given, then the body (not for `HEAD`, 204 and 304).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Header lines, written in this order exactly.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Body.
    pub body: Vec<u8>,
}

/// What answers each request.
pub type Handler = Arc<dyn Fn(&RawRequest) -> RawResponse + Send + Sync>;

/// A running server; aborted when dropped.
#[derive(Debug)]
pub struct Server {
    address: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Serves `handler` on a fresh port of 127.0.0.1, and on the same port of `[::1]` when
    /// IPv6 is available (browsers may try either for `localhost`).
    pub async fn start(handler: Handler) -> Result<Self> {
        let listeners = bind_loopback().await?;
        let address = listeners
            .first()
            .map(TcpListener::local_addr)
            .transpose()?
            .ok_or_else(|| Error::new("no listener"))?;
        let tasks = listeners
            .into_iter()
            .map(|listener| tokio::spawn(accept_loop(listener, handler.clone())))
            .collect();
        Ok(Self { address, tasks })
    }

    /// The IPv4 address served.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The port served.
    pub fn port(&self) -> u16 {
        self.address.port()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Binds 127.0.0.1 on a free port, then `[::1]` on the same port if possible.
pub async fn bind_loopback() -> Result<Vec<TcpListener>> {
    let v4 = TcpListener::bind("127.0.0.1:0").await?;
    let port = v4.local_addr()?.port();
    let mut listeners = vec![v4];
    if let Ok(v6) = TcpListener::bind(("::1", port)).await {
        listeners.push(v6);
    }
    Ok(listeners)
}

async fn accept_loop(listener: TcpListener, handler: Handler) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let handler = handler.clone();
        tokio::spawn(async move {
            let _ = connection(stream, handler).await;
        });
    }
}

const MAX_HEAD: usize = 256 * 1024;

async fn connection(stream: TcpStream, handler: Handler) -> Result<()> {
    let _ = stream.set_nodelay(true);
    let mut stream = BufReader::new(stream);
    loop {
        let Some((request, close)) = read_request(&mut stream).await? else {
            return Ok(());
        };
        let response = handler(&request);
        let bytes = serialize(&request.method, &response);
        stream.get_mut().write_all(&bytes).await?;
        stream.get_mut().flush().await?;
        if close {
            return Ok(());
        }
    }
}

/// Reads one request; `None` at a clean end of the connection. The flag says whether the
/// connection must close afterwards.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Result<Option<(RawRequest, bool)>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut total = 0;
    loop {
        let mut line = Vec::new();
        let read = stream.read_until(b'\n', &mut line).await?;
        if read == 0 {
            return if lines.is_empty() {
                Ok(None)
            } else {
                Err(Error::new("connection closed inside a request head"))
            };
        }
        total += read;
        if total > MAX_HEAD {
            return Err(Error::new("request head too large"));
        }
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        if line.is_empty() {
            if lines.is_empty() {
                continue; // tolerated empty line between requests
            }
            break;
        }
        lines.push(line);
    }
    let request_line = String::from_utf8_lossy(&lines[0]).into_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let version = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    for line in &lines[1..] {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let name = String::from_utf8_lossy(&line[..colon]).trim().to_owned();
        let value = line[colon + 1..].trim_ascii().to_vec();
        headers.push((name, value));
    }
    let request = RawRequest {
        method,
        target,
        headers,
    };
    if request.header("transfer-encoding").is_some() {
        return Err(Error::new("chunked request bodies are not supported"));
    }
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await?;
    let close = version == "HTTP/1.0"
        || request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    Ok(Some((request, close)))
}

/// The bytes of `response` to a request with `method`.
pub fn serialize(method: &str, response: &RawResponse) -> Vec<u8> {
    let reason = http::StatusCode::from_u16(response.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Status");
    let mut bytes = format!("HTTP/1.1 {} {reason}\r\n", response.status).into_bytes();
    for (name, value) in &response.headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    if method != "HEAD" && !has_no_body(response.status) {
        bytes.extend_from_slice(&response.body);
    }
    bytes
}

/// Statuses that never carry a body.
pub fn has_no_body(status: u16) -> bool {
    matches!(status, 100..=199 | 204 | 304)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_are_written_byte_for_byte() {
        let response = RawResponse {
            status: 299,
            headers: vec![
                ("aCcEsS-CoNtRoL-AlLoW-OrIgIn".into(), b"  *  ".to_vec()),
                ("X-Latin".into(), vec![0xE9]),
                ("Content-Length".into(), b"2".to_vec()),
            ],
            body: b"ok".to_vec(),
        };
        let bytes = serialize("GET", &response);
        let mut expected =
            b"HTTP/1.1 299 Status\r\naCcEsS-CoNtRoL-AlLoW-OrIgIn:   *  \r\nX-Latin: ".to_vec();
        expected.extend_from_slice(&[0xE9]);
        expected.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\nok");
        assert_eq!(bytes, expected);
        assert!(serialize("HEAD", &response).ends_with(b"\r\n\r\n"));
    }
}
