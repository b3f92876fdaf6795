//! The native path's upstream connection: HTTP/1.1 spoken directly, the request written as
//! bytes, the response head parsed by the parser hyper's client uses, and the body relayed
//! as it arrives by its own framing (a length, chunks with their trailers, or the end of the
//! connection), through buffers of bounded size.

use std::{
    io,
    mem::MaybeUninit,
    pin::Pin,
    task::{Context, Waker},
};

use bytes::{Bytes, BytesMut};
use http::{StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tower_service::Service;

use crate::{
    fields::{Head, Present},
    framing::{self, ChunkedEnd},
    h1::head::{self, FieldList, MAX_FIELDS, Span},
    lane::{Io, SendError, Target},
};

/// Most bytes read at once, from either side.
pub(crate) const READ_CHUNK: usize = 16 * 1024;

/// How much of what a client sends while its response is relayed is kept; beyond it the
/// client is not read until the response ends.
const MAX_PENDING: usize = 64 * 1024;

/// The largest response head accepted, as hyper's client bounds its read buffer.
const MAX_RESPONSE_HEAD: usize = 400 * 1024;

/// One upstream HTTP/1.1 connection, idle between exchanges.
pub(crate) struct Upstream {
    io: TokioIo<Io>,
    /// Bytes read from the upstream and not yet relayed.
    buffer: BytesMut,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream").finish_non_exhaustive()
    }
}

/// How a response's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delimited {
    /// No body: a response to `HEAD`, a `204` or a `304`.
    Empty,
    Length(u64),
    Chunked,
    /// By the end of the connection.
    Close,
}

/// A response head from the upstream.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) reason: Bytes,
    pub(crate) fields: FieldList,
    /// Which of the fields the gateway reads or edits the head carries.
    pub(crate) present: Present,
    pub(crate) body: Delimited,
    /// Whether the connection may carry another exchange once the body is read.
    pub(crate) reusable: bool,
}

/// Why an upstream's response cannot be relayed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Malformed {
    #[error("the upstream closed the connection before its response head")]
    Closed,
    #[error("the upstream's response head is larger than {MAX_RESPONSE_HEAD} bytes")]
    TooLarge,
    #[error("the upstream's response head is malformed: {0}")]
    Head(httparse::Error),
    #[error("the upstream's response head has an invalid Content-Length")]
    Length,
    #[error("the upstream's response uses a transfer coding other than chunked")]
    Coding,
    #[error("the upstream switched protocols unasked")]
    Switched,
}

impl Upstream {
    /// A new connection to the route's upstream (TCP within the connect timeout, then TLS
    /// for an `https` upstream).
    pub(crate) async fn connect(target: &Target) -> Result<Box<Self>, SendError> {
        let io = target
            .connector
            .clone()
            .call(target.origin.clone())
            .await
            .map_err(SendError::Connect)?;
        Ok(Box::new(Self {
            io: TokioIo::new(io),
            buffer: BytesMut::new(),
        }))
    }

    /// Whether an idle connection can carry a request: not closed by the upstream meanwhile
    /// (looked at without waiting), and with nothing unasked for to read.
    pub(crate) fn is_open(&mut self) -> bool {
        if !self.buffer.is_empty() {
            return false;
        }
        let mut probe = [0; 1];
        let mut probe = ReadBuf::new(&mut probe);
        let mut cx = Context::from_waker(Waker::noop());
        Pin::new(&mut self.io)
            .poll_read(&mut cx, &mut probe)
            .is_pending()
    }

    /// Writes a whole request.
    pub(crate) async fn send(&mut self, request: &[u8]) -> io::Result<()> {
        self.io.write_all(request).await?;
        self.io.flush().await
    }

    /// Reads the response head, past any `1xx` interim responses. `head_request` says the
    /// request was `HEAD`, whose response has no body whatever its fields say; `spans` is
    /// scratch room for the parse.
    pub(crate) async fn response(
        &mut self,
        head_request: bool,
        spans: &mut Vec<Span>,
    ) -> Result<Response, SendError> {
        loop {
            let scanned = loop {
                if let Some(scanned) = scan(&self.buffer, spans)? {
                    break scanned;
                }
                if self.buffer.len() > MAX_RESPONSE_HEAD {
                    return Err(exchange(Malformed::TooLarge));
                }
                if self
                    .read()
                    .await
                    .map_err(|error| SendError::Exchange(error.into()))?
                    == 0
                {
                    return Err(exchange(Malformed::Closed));
                }
            };
            let head = self.buffer.split_to(scanned.length).freeze();
            if let Some(response) = Response::new(&head, &scanned, spans, head_request)? {
                return Ok(response);
            }
        }
    }

    /// Reads more from the upstream into the buffer: how many bytes (0 at its end).
    async fn read(&mut self) -> io::Result<usize> {
        self.buffer.reserve(READ_CHUNK);
        self.io.read_buf(&mut self.buffer).await
    }

    /// Reads more of a body into the buffer while watching the client: a client that goes
    /// away ends the relay (and the upstream connection, which cannot carry another
    /// exchange), rather than it waiting on an upstream with nothing to say. What the client
    /// sends meanwhile (its next request) is kept in `pending`, up to a bound.
    async fn read_watching<C: AsyncRead + Unpin>(
        &mut self,
        client: &mut C,
        pending: &mut BytesMut,
    ) -> io::Result<usize> {
        self.buffer.reserve(READ_CHUNK);
        while pending.len() < MAX_PENDING {
            pending.reserve(1024);
            tokio::select! {
                biased;
                read = self.io.read_buf(&mut self.buffer) => return read,
                read = client.read_buf(pending) => {
                    if !matches!(read, Ok(1..)) {
                        return Err(io::ErrorKind::ConnectionAborted.into());
                    }
                }
            }
        }
        self.io.read_buf(&mut self.buffer).await
    }

    /// Relays the body of `response` to `client`, writing `out` (the response head, already
    /// built) first, with as much of the body as has arrived. A close-delimited body is
    /// written in chunks (the head says `Transfer-Encoding: chunked`). Returns once the body
    /// has been written whole; an error on either side ends both connections. `pending`
    /// holds what the client sent after its request.
    pub(crate) async fn relay<C: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        body: Delimited,
        out: &mut Vec<u8>,
        client: &mut C,
        pending: &mut BytesMut,
    ) -> io::Result<()> {
        match body {
            Delimited::Empty => write(client, out).await,
            Delimited::Length(length) => {
                let mut left = length;
                loop {
                    let taken = self
                        .buffer
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    out.extend_from_slice(&self.buffer.split_to(taken));
                    left -= taken as u64;
                    write(client, out).await?;
                    if left == 0 {
                        return Ok(());
                    }
                    if self.read_watching(client, pending).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
            Delimited::Chunked => {
                let mut chunks = ChunkedEnd::new();
                loop {
                    let followed = chunks.follow(&self.buffer).map_err(|malformed| {
                        io::Error::new(io::ErrorKind::InvalidData, malformed)
                    })?;
                    let taken = followed.unwrap_or(self.buffer.len());
                    out.extend_from_slice(&self.buffer.split_to(taken));
                    write(client, out).await?;
                    if followed.is_some() {
                        return Ok(());
                    }
                    if self.read_watching(client, pending).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
            }
            Delimited::Close => loop {
                if !self.buffer.is_empty() {
                    out.extend_from_slice(format!("{:x}\r\n", self.buffer.len()).as_bytes());
                    out.extend_from_slice(&self.buffer.split_to(self.buffer.len()));
                    out.extend_from_slice(b"\r\n");
                }
                write(client, out).await?;
                if self.read_watching(client, pending).await? == 0 {
                    out.extend_from_slice(b"0\r\n\r\n");
                    return write(client, out).await;
                }
            },
        }
    }
}

/// Writes `out` to the client and empties it.
pub(crate) async fn write<C: AsyncWrite + Unpin>(
    client: &mut C,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    client.write_all(out).await?;
    out.clear();
    client.flush().await
}

fn exchange(malformed: Malformed) -> SendError {
    SendError::Exchange(malformed.into())
}

/// A response head found at the start of the upstream's buffer, its fields' places in the
/// spans.
#[derive(Debug)]
struct Scanned {
    length: usize,
    status: StatusCode,
    reason: (usize, usize),
    http11: bool,
}

/// Scans the head at the start of `buffered` with the parser and configuration hyper's
/// client uses (so that both accept the same responses): `None` until it is whole.
fn scan(buffered: &[u8], spans: &mut Vec<Span>) -> Result<Option<Scanned>, SendError> {
    let mut parsed = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_FIELDS];
    let mut response = httparse::Response::new(&mut []);
    let status = httparse::ParserConfig::default()
        .parse_response_with_uninit_headers(&mut response, buffered, &mut parsed)
        .map_err(|error| exchange(Malformed::Head(error)))?;
    let httparse::Status::Complete(length) = status else {
        return Ok(None);
    };
    let status = response
        .code
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(exchange(Malformed::Head(httparse::Error::Status)))?;
    head::spans(buffered, response.headers, spans);
    Ok(Some(Scanned {
        length,
        status,
        reason: response
            .reason
            .map_or((0, 0), |reason| head::span(buffered, reason.as_bytes())),
        http11: response.version == Some(1),
    }))
}

impl Response {
    /// The response in `head`; `None` for an interim (`1xx`) response, which is skipped.
    fn new(
        head: &Bytes,
        scanned: &Scanned,
        spans: &[Span],
        head_request: bool,
    ) -> Result<Option<Self>, SendError> {
        let status = scanned.status;
        if status == StatusCode::SWITCHING_PROTOCOLS {
            return Err(exchange(Malformed::Switched));
        }
        if status.is_informational() {
            return Ok(None);
        }
        let mut fields = FieldList::from_spans(head, spans);
        let present = Present::of(&fields);
        let body = delimited(&fields, &present, status, head_request)?;
        if body == Delimited::Chunked && present.content_lengths > 0 {
            // The coding, not the length, frames the body (RFC 9112, section 6.3).
            fields.remove_where(|name| name.eq_ignore_ascii_case(b"content-length"));
        }
        let reusable = scanned.http11 && !present.asks_close(&fields) && body != Delimited::Close;
        Ok(Some(Self {
            status,
            reason: head.slice(scanned.reason.0..scanned.reason.1),
            fields,
            present,
            body,
            reusable,
        }))
    }
}

/// How the body of a response with `fields` and `status` is delimited (RFC 9112, 6.3).
fn delimited(
    fields: &FieldList,
    present: &Present,
    status: StatusCode,
    head_request: bool,
) -> Result<Delimited, SendError> {
    if head_request || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Ok(Delimited::Empty);
    }
    if present.transfer_encoding {
        let last = fields
            .values(&header::TRANSFER_ENCODING)
            .flat_map(|value| value.split(|&b| b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|coding| !coding.is_empty())
            .last();
        return match last {
            Some(coding) if coding.eq_ignore_ascii_case(b"chunked") => Ok(Delimited::Chunked),
            _ => Err(exchange(Malformed::Coding)),
        };
    }
    if present.content_lengths == 0 {
        return Ok(Delimited::Close);
    }
    let mut lengths = fields.values(&header::CONTENT_LENGTH);
    match lengths.next() {
        None => Ok(Delimited::Close),
        Some(first) => {
            let length = framing::digits(first.trim_ascii()).ok_or(exchange(Malformed::Length))?;
            // Repeated, every value must agree.
            if lengths.all(|other| framing::digits(other.trim_ascii()) == Some(length)) {
                Ok(Delimited::Length(length))
            } else {
                Err(exchange(Malformed::Length))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(head: &'static str, head_request: bool) -> Result<Option<Response>, SendError> {
        let mut spans = Vec::new();
        let scanned = scan(head.as_bytes(), &mut spans)?.expect("a whole head");
        let bytes = Bytes::from_static(&head.as_bytes()[..scanned.length]);
        Response::new(&bytes, &scanned, &spans, head_request)
    }

    fn body(head: &'static str) -> Delimited {
        response(head, false).unwrap().unwrap().body
    }

    #[test]
    fn each_framing_is_found() {
        assert_eq!(
            body("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            Delimited::Length(5)
        );
        assert_eq!(
            body("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"),
            Delimited::Length(5)
        );
        assert_eq!(
            body(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: 5\r\n\r\n"
            ),
            Delimited::Chunked
        );
        assert_eq!(body("HTTP/1.1 200 OK\r\n\r\n"), Delimited::Close);
        assert_eq!(
            body("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
            Delimited::Empty
        );
        assert_eq!(body("HTTP/1.1 304 Not Modified\r\n\r\n"), Delimited::Empty);
        let bare = response("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false);
        let bare = bare.unwrap().unwrap();
        assert_eq!((bare.status, &bare.reason[..]), (StatusCode::OK, &b""[..]));
        let head = response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true);
        assert_eq!(head.unwrap().unwrap().body, Delimited::Empty);
    }

    #[test]
    fn a_chunked_response_loses_its_length_and_a_closing_one_its_reuse() {
        let chunked = response(
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
            false,
        );
        let chunked = chunked.unwrap().unwrap();
        assert!(
            chunked
                .fields
                .values(&header::CONTENT_LENGTH)
                .next()
                .is_none()
        );
        assert!(chunked.reusable);
        for head in [
            "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\n",
        ] {
            assert!(!response(head, false).unwrap().unwrap().reusable, "{head}");
        }
    }

    #[test]
    fn interim_responses_are_skipped_and_bad_framing_refused() {
        assert!(
            response("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", false)
                .unwrap()
                .is_none()
        );
        for head in [
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
        ] {
            assert!(response(head, false).is_err(), "{head}");
        }
    }

    proptest::proptest! {
        /// Whatever an upstream sends, reading it is an answer or an error, never a panic.
        #[test]
        fn any_bytes_read_as_a_response_or_an_error(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            prefix in proptest::sample::select(vec![&b""[..], b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 103 Early\r\n\r\nHTTP/1.0 204 X\r\n"]),
        ) {
            let bytes = [prefix, &bytes].concat();
            let mut spans = Vec::new();
            if let Ok(Some(scanned)) = scan(&bytes, &mut spans) {
                let head = Bytes::copy_from_slice(&bytes[..scanned.length]);
                let _ = Response::new(&head, &scanned, &spans, false);
            }
        }
    }
}
