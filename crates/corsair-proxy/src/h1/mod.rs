//! The native HTTP/1.1 path: the gateway's own connection loop for the requests nearly all
//! traffic is made of (an HTTP/1.1 request in origin form, no body or a small one of known
//! length), with the upstream spoken to in HTTP/1.1 directly. No request or response map
//! is built: heads are parsed once, edited as field lists and written as bytes, and the
//! engine reads the request and writes its grants through its own traits.
//!
//! Everything else goes to hyper: at a request boundary, before anything of the request is
//! acted on, the connection is handed over with the bytes already read, for the rest of its
//! life (upgrades, `Expect: 100-continue`, `CONNECT`, HTTP/1.0 and HTTP/2, chunked or large
//! bodies, heads hyper's parser refuses or over the limits, which hyper answers). What both
//! paths do is written once: the route, the policy gate, the head edits, the failure
//! answers and the ownership count.

mod date;
mod head;
mod request;
mod upstream;

use std::time::Instant;

use bytes::BytesMut;
use corsair::Evaluation;
use corsair_middleware::Route;
use http::{StatusCode, header};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

use crate::{
    checked,
    config::Limits,
    drain::Watch,
    fields::Head,
    forward::{self, Peer, Settings},
    h1::{
        head::{FieldList, Lines, Span, Text},
        request::{Request, Scanned, View},
        upstream::{Delimited, READ_CHUNK, Upstream, write},
    },
    lane::SendError,
    ownership,
    server::RouteService,
};

/// The largest request body the native path reads before forwarding; a longer one goes to
/// hyper, which streams it.
const SMALL_BODY: u64 = 64 * 1024;

/// How a connection left the native path.
pub(crate) enum Ended<IO> {
    /// It is over.
    Closed,
    /// hyper serves the rest: `buffered` is what was read and not acted on.
    HandOff { io: IO, buffered: Vec<u8> },
}

/// What one request came to.
enum Next {
    /// The connection goes on to the next request.
    KeepAlive,
    Close,
    HandOff,
}

/// What forwarding one request needs beside the request itself.
struct Exchange<'a> {
    /// The route's slot among the connection's upstream connections.
    route: usize,
    settings: &'a Settings,
    /// The policy's grants for the response.
    cors: corsair::Actual<Text>,
    /// Whether the client asked to close the connection after this response.
    close: bool,
    /// When the request's head was read, for the duration metric.
    started: Instant,
}

/// A connection on the native path.
struct Connection<'a, IO> {
    io: IO,
    /// Read from the client, not yet acted on.
    buffer: BytesMut,
    /// What is written next: to the client, or a request to the upstream.
    out: Vec<u8>,
    routes: &'a [RouteService],
    peer: &'a Peer,
    /// An idle upstream connection per route.
    upstreams: Vec<Option<Box<Upstream>>>,
    /// Scratch room for parsing heads from either side.
    spans: Vec<Span>,
}

/// Serves a connection's HTTP/1.1 requests until it closes, drains, or meets a request the
/// native path leaves to hyper.
pub(crate) async fn serve<IO: AsyncRead + AsyncWrite + Unpin>(
    io: IO,
    routes: &[RouteService],
    peer: &Peer,
    limits: &Limits,
    drain: &Watch,
) -> Ended<IO> {
    let mut connection = Connection {
        io,
        buffer: BytesMut::with_capacity(READ_CHUNK),
        out: Vec::with_capacity(1024),
        routes,
        peer,
        upstreams: std::iter::repeat_with(|| None).take(routes.len()).collect(),
        spans: Vec::new(),
    };
    let head_limit = checked::head_limit(limits);
    // The first head is timed from the connection's start, any later one from its first byte.
    let mut deadline = Some(Instant::now() + limits.header_read_timeout);
    loop {
        let scanned = loop {
            let window = &connection.buffer[..connection.buffer.len().min(head_limit)];
            match request::scan(window, limits.max_headers, &mut connection.spans) {
                // hyper answers `431`.
                Scanned::Partial if window.len() >= head_limit => {
                    return connection.hand_off(&[]);
                }
                Scanned::Partial => {}
                scanned => break scanned,
            }
            let idle = connection.buffer.is_empty() && deadline.is_none();
            // An empty buffer starts over at its allocation's start, so a connection's reads
            // keep landing in the same few cache lines instead of walking the whole chunk.
            if connection.buffer.is_empty()
                || connection.buffer.capacity() - connection.buffer.len() < 1024
            {
                connection.buffer.reserve(READ_CHUNK);
            }
            let read = if idle {
                let read = connection.io.read_buf(&mut connection.buffer);
                match drain.unless_draining(read).await {
                    Some(read) => read,
                    None => return Ended::Closed,
                }
            } else {
                let deadline =
                    *deadline.get_or_insert_with(|| Instant::now() + limits.header_read_timeout);
                let read = connection.io.read_buf(&mut connection.buffer);
                match tokio::time::timeout_at(deadline.into(), read).await {
                    Ok(read) => read,
                    Err(_) => return Ended::Closed,
                }
            };
            if !matches!(read, Ok(1..)) {
                return Ended::Closed;
            }
        };
        deadline = None;
        let Scanned::Head {
            length,
            method,
            target,
        } = scanned
        else {
            return connection.hand_off(&[]);
        };
        let head = connection.buffer.split_to(length).freeze();
        let request = Request::new(&head, method, target, &connection.spans);
        let next = match request {
            Some(request) => connection.request(request).await,
            None => Next::HandOff,
        };
        match next {
            Next::KeepAlive if !drain.draining() => {}
            Next::KeepAlive | Next::Close => return Ended::Closed,
            Next::HandOff => return connection.hand_off(&head),
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Connection<'_, IO> {
    /// Gives hyper the connection, `head` (a head taken off the buffer, not acted on) first.
    fn hand_off(self, head: &[u8]) -> Ended<IO> {
        let mut buffered = Vec::with_capacity(head.len() + self.buffer.len());
        buffered.extend_from_slice(head);
        buffered.extend_from_slice(&self.buffer);
        Ended::HandOff {
            io: self.io,
            buffered,
        }
    }

    /// Serves `request`, or says it is hyper's.
    async fn request(&mut self, request: Request) -> Next {
        let routes = self.routes;
        let Some((index, route)) = routes
            .iter()
            .enumerate()
            .find(|(_, route)| route.prefix.matches(request.target.path()))
        else {
            return Next::HandOff;
        };
        let settings = route.forward.settings();
        if request.body > SMALL_BODY || settings.max_body.is_some_and(|limit| request.body > limit)
        {
            return Next::HandOff;
        }
        let policy = route.gate.current();
        if route.gate.reads_whole_request(&policy) {
            return Next::HandOff;
        }
        let started = Instant::now();
        let close = request.present.asks_close(&request.fields);
        let out = &mut self.out;
        let decided =
            route
                .gate
                .route_under(&policy, &View(&request), |evaluation| match evaluation {
                    Evaluation::Preflight(answer) => {
                        answered(out, answer.status(), close, started, |fields| {
                            answer.write_headers(fields)
                        });
                        None
                    }
                    Evaluation::Forbidden(answer) => {
                        answered(out, answer.status(), close, started, |fields| {
                            answer.write_headers(fields)
                        });
                        None
                    }
                    Evaluation::Actual(cors) => Some(cors),
                });
        let cors = match decided {
            // The gateway has no resolver; should one be added, hyper's path awaits it.
            Route::Resolve(_) => return Next::HandOff,
            Route::Decided(None) => {
                drop(policy);
                return match write(&mut self.io, &mut self.out).await {
                    Ok(()) if !close => Next::KeepAlive,
                    _ => Next::Close,
                };
            }
            Route::Decided(Some(cors)) => cors,
        };
        drop(policy);
        let mut request = request;
        // A body still to come is bounded in time as the upstream's answer is: a client
        // trickling it cannot hold the connection longer than an upstream could.
        if (self.buffer.len() as u64) < request.body {
            let body = self.read_body(request.body);
            if !matches!(
                tokio::time::timeout(settings.response_timeout, body).await,
                Ok(Ok(()))
            ) {
                return Next::Close;
            }
        }
        let exchange = Exchange {
            route: index,
            settings,
            cors,
            close,
            started,
        };
        let next = self.forward(&mut request, &exchange).await;
        match next {
            Ok(()) if !close => Next::KeepAlive,
            _ => Next::Close,
        }
    }

    /// Reads until the buffer holds a body of `length` bytes (at most [`SMALL_BODY`]).
    async fn read_body(&mut self, length: u64) -> std::io::Result<()> {
        let length = usize::try_from(length).unwrap_or(usize::MAX);
        while self.buffer.len() < length {
            self.buffer.reserve(length - self.buffer.len());
            if self.io.read_buf(&mut self.buffer).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
        }
        Ok(())
    }

    /// Forwards the request (its body at the buffer's start) on the route's upstream
    /// connection, and relays the response with `cors` applied; a failure is answered with
    /// the gateway's own response, with the grants. An error means the connection must close.
    async fn forward(
        &mut self,
        request: &mut Request,
        exchange: &Exchange<'_>,
    ) -> std::io::Result<()> {
        let settings = exchange.settings;
        let body = self
            .buffer
            .split_to(usize::try_from(request.body).unwrap_or(usize::MAX));
        let Ok(target) = settings.upstream.path_for(&request.target) else {
            let (status, text) = forward::BAD_TARGET;
            return self.local(status, text, exchange).await;
        };
        let host = request.host();
        let present = request.present;
        settings.edit_head(
            &mut request.fields,
            &present,
            self.peer,
            host.as_ref(),
            false,
            false,
        );
        self.out.clear();
        self.out
            .extend_from_slice(request.method.as_str().as_bytes());
        self.out.push(b' ');
        self.out.extend_from_slice(target.as_str().as_bytes());
        self.out.extend_from_slice(b" HTTP/1.1\r\n");
        request.fields.write(&mut self.out);
        self.out.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(&body);
        let head_request = request.method == http::Method::HEAD;
        let slot = &mut self.upstreams[exchange.route];
        let out = &self.out;
        let spans = &mut self.spans;
        let sent = async {
            let idle = slot
                .take()
                .and_then(|mut idle| idle.is_open().then_some(idle));
            let mut upstream = match idle {
                Some(idle) => idle,
                None => Upstream::connect(&settings.target).await?,
            };
            upstream
                .send(out)
                .await
                .map_err(|error| SendError::Exchange(error.into()))?;
            let response = upstream.response(head_request, spans).await?;
            Ok::<_, SendError>((upstream, response))
        };
        let (mut upstream, response) =
            match tokio::time::timeout(settings.response_timeout, sent).await {
                Ok(Ok(exchanged)) => exchanged,
                Ok(Err(error)) => {
                    let (status, text) = forward::failure(&error);
                    return self.local(status, text, exchange).await;
                }
                Err(elapsed) => {
                    let (status, text) = forward::timed_out(&elapsed);
                    return self.local(status, text, exchange).await;
                }
            };
        let upstream::Response {
            status,
            reason,
            mut fields,
            present,
            body,
            reusable,
        } = response;
        ownership::check(&settings.policy, &fields, request.target.path());
        present.remove_hop_by_hop(&mut fields, false);
        exchange.cors.apply(&mut fields);
        self.out.clear();
        head::status_line(&mut self.out, status, &reason);
        fields.write(&mut self.out);
        let now = Instant::now();
        if !present.date {
            head::date(&mut self.out, now);
        }
        if matches!(body, Delimited::Chunked | Delimited::Close) {
            self.out
                .extend_from_slice(b"transfer-encoding: chunked\r\n");
        }
        if exchange.close {
            self.out.extend_from_slice(b"connection: close\r\n");
        }
        self.out.extend_from_slice(b"\r\n");
        crate::observe::duration(now - exchange.started);
        upstream
            .relay(body, &mut self.out, &mut self.io, &mut self.buffer)
            .await?;
        if reusable {
            self.upstreams[exchange.route] = Some(upstream);
        }
        Ok(())
    }

    /// Answers with the gateway's own response, the exchange's grants added.
    async fn local(
        &mut self,
        status: StatusCode,
        text: &'static str,
        exchange: &Exchange<'_>,
    ) -> std::io::Result<()> {
        self.out.clear();
        let mut fields = FieldList::default();
        Head::append(
            &mut fields,
            header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        exchange.cors.apply(&mut fields);
        head::status_line(&mut self.out, status, reason(status));
        fields.write(&mut self.out);
        head::content_length(&mut self.out, text.len() as u64);
        let now = Instant::now();
        head::date(&mut self.out, now);
        if exchange.close {
            self.out.extend_from_slice(b"connection: close\r\n");
        }
        self.out.extend_from_slice(b"\r\n");
        self.out.extend_from_slice(text.as_bytes());
        crate::observe::duration(now - exchange.started);
        write(&mut self.io, &mut self.out).await
    }
}

/// Writes the policy's own answer (a preflight's, or a refused write's or handshake's) with
/// an empty body into `out`, and records its duration from `started`.
fn answered(
    out: &mut Vec<u8>,
    status: StatusCode,
    close: bool,
    started: Instant,
    write_headers: impl FnOnce(&mut Lines<'_>),
) {
    out.clear();
    head::status_line(out, status, reason(status));
    write_headers(&mut Lines::new(out));
    head::content_length(out, 0);
    let now = Instant::now();
    head::date(out, now);
    crate::observe::duration(now - started);
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

fn reason(status: StatusCode) -> &'static [u8] {
    status.canonical_reason().unwrap_or("").as_bytes()
}
