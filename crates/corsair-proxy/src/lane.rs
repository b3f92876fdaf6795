//! The upstream lane of one downstream HTTP/1 connection: per route, at most one upstream
//! HTTP/1 connection, reused from request to request and driven inside the downstream
//! connection's own task. HTTP/1 serves one request at a time, so the lane never needs
//! more, and driving the upstream connection where its response is consumed spares the
//! pooled client's checkout, its connection task and the wake-ups between the two.

use std::{
    future::{Future, poll_fn},
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll, ready},
};

use http::{Request, Response, Uri};
use hyper::{
    body::{Body as _, Frame, Incoming, SizeHint},
    client::conn::{TrySendError, http1},
};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::{client::legacy::connect::HttpConnector, rt::TokioIo};
use tokio::net::TcpStream;
use tower_service::Service;

use crate::{
    forward::{Body, BoxError},
    relay::Relay,
};

/// How an upstream is reached: TCP, then TLS for `https` upstreams.
pub(crate) type Connector = HttpsConnector<HttpConnector>;

pub(crate) type Io = MaybeHttpsStream<TokioIo<TcpStream>>;

/// Why a request sent to an upstream got no response, through a lane or the pool.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// No connection to the upstream could be made.
    #[error("cannot connect to the upstream: {0}")]
    Connect(#[source] BoxError),
    /// The connection failed while the request was sent or its response awaited.
    #[error("the upstream connection failed: {0}")]
    Exchange(#[source] BoxError),
}

/// The lane of one downstream connection: an idle upstream connection per route, or none.
/// Connections are boxed: their state (TLS included) runs to kilobytes, which every move
/// between the lane, the request's future and the response's body would otherwise copy.
#[derive(Debug, Clone)]
pub(crate) struct Lane(Arc<Mutex<Slots>>);

/// A slot per route, indexed by [`Target::route`].
type Slots = Box<[Option<Box<Connection>>]>;

impl Lane {
    /// A lane for a gateway with `routes` routes, every slot empty until a request needs it.
    pub(crate) fn new(routes: usize) -> Self {
        Self(Arc::new(Mutex::new(
            std::iter::repeat_with(|| None).take(routes).collect(),
        )))
    }

    fn take(&self, route: usize) -> Option<Box<Connection>> {
        self.slots().get_mut(route).and_then(Option::take)
    }

    fn put(&self, route: usize, connection: Box<Connection>) {
        if let Some(slot) = self.slots().get_mut(route) {
            *slot = Some(connection);
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        // A slot holds a whole connection or nothing, so a panic elsewhere cannot leave one
        // half-written.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a route's requests go to through a lane.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The route's slot in every lane.
    pub(crate) route: usize,
    /// The upstream's scheme and authority: what the connector dials.
    pub(crate) origin: Uri,
    pub(crate) connector: Connector,
}

impl Target {
    /// Sends `request` (its target in origin form) on the lane's connection for this route,
    /// or on a new one. A reused connection that turns out closed before the request was
    /// written is replaced once by a fresh connection; any later failure is the caller's to
    /// answer. The response's body keeps the connection and gives it back to the lane once
    /// it has been read to its end.
    pub(crate) async fn send(
        &self,
        lane: &Lane,
        request: Request<Body>,
    ) -> Result<Response<Body>, SendError> {
        let mut request = request;
        let mut reused = lane.take(self.route);
        loop {
            let fresh = reused.is_none();
            let mut connection = match reused.take() {
                Some(connection) => connection,
                None => self.connect().await?,
            };
            match connection.exchange(request).await {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    let body = Driven {
                        body,
                        connection: Some(connection),
                        ended: false,
                        lane: lane.clone(),
                        route: self.route,
                    };
                    return Ok(Response::from_parts(parts, Body::new(body)));
                }
                Err(mut error) => match error.take_message() {
                    Some(unsent) if !fresh => request = unsent,
                    _ => return Err(SendError::Exchange(error.into_error().into())),
                },
            }
        }
    }

    async fn connect(&self) -> Result<Box<Connection>, SendError> {
        let io = self
            .connector
            .clone()
            .call(self.origin.clone())
            .await
            .map_err(SendError::Connect)?;
        let (sender, driver) = http1::Builder::new()
            .handshake(io)
            .await
            .map_err(|error| SendError::Connect(error.into()))?;
        Ok(Box::new(Connection {
            sender,
            driver: Some(driver),
            relay: Relay::new(),
        }))
    }
}

/// One upstream HTTP/1 connection: the handle requests are sent on, and the future that
/// reads and writes the socket, polled by whoever waits on the connection.
pub(crate) struct Connection {
    sender: http1::SendRequest<Body>,
    /// `None` once it finished: the upstream closed, or the connection failed.
    driver: Option<http1::Connection<Io, Body>>,
    /// Everything polled on this connection is polled through it: the driver and hyper's
    /// channels wake each other constantly, all within the downstream connection's task.
    relay: Relay,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("open", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Makes progress on the socket. A finished driver is dropped at once: that hands back
    /// requests still queued (never written) and fails the ones in flight.
    fn drive(driver: &mut Option<http1::Connection<Io, Body>>, cx: &mut Context<'_>) {
        if let Some(connection) = driver
            && let Poll::Ready(result) = Pin::new(connection).poll(cx)
        {
            if let Err(error) = result {
                tracing::debug!(target: "corsair::proxy", %error, "upstream connection failed");
            }
            *driver = None;
        }
    }

    async fn exchange(
        &mut self,
        request: Request<Body>,
    ) -> Result<Response<Incoming>, TrySendError<Request<Body>>> {
        let Self {
            sender,
            driver,
            relay,
        } = self;
        // Readiness first: the previous exchange's end is read off the socket here, and so is
        // an upstream's close while the connection was idle. An error means it closed: sending
        // then hands the request back unwritten, which is what the caller retries on.
        let _closed = poll_fn(|cx| {
            relay.poll(cx, |cx| {
                Self::drive(driver, cx);
                sender.poll_ready(cx)
            })
        })
        .await;
        // Queuing the request wakes the driver, which the poll right after drives anyway.
        relay.park();
        let mut response = std::pin::pin!(sender.try_send_request(request));
        // Driving first writes the request; the response can only come out of driving (or
        // out of the driver's end, which settles the request's outcome).
        poll_fn(|cx| {
            relay.poll(cx, |cx| {
                Self::drive(driver, cx);
                response.as_mut().poll(cx)
            })
        })
        .await
    }
}

/// A response body from a lane connection: reading it drives the connection, and once it has
/// been read to its end the connection goes back to the lane for the next request. A body
/// dropped before its end closes the connection, which could not carry another exchange.
struct Driven {
    body: Incoming,
    connection: Option<Box<Connection>>,
    ended: bool,
    lane: Lane,
    route: usize,
}

impl hyper::body::Body for Driven {
    type Data = bytes::Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let body = &mut this.body;
        let frame = match &mut this.connection {
            Some(connection) => {
                let Connection { driver, relay, .. } = &mut **connection;
                ready!(relay.poll(cx, |cx| {
                    Connection::drive(driver, cx);
                    Pin::new(&mut *body).poll_frame(cx)
                }))
            }
            None => ready!(Pin::new(&mut *body).poll_frame(cx)),
        };
        // Trailers are a message's last frame.
        this.ended = match &frame {
            None => true,
            Some(Ok(frame)) => frame.is_trailers() || this.body.is_end_stream(),
            Some(Err(_)) => false,
        };
        Poll::Ready(frame.map(|frame| frame.map_err(BoxError::from)))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Driven {
    fn drop(&mut self) {
        let complete = self.ended || self.body.is_end_stream();
        if let Some(connection) = self.connection.take()
            && complete
            && connection.driver.is_some()
        {
            // Idle in the lane, the connection is polled again only by its next exchange
            // (dropping this body already wakes it once).
            connection.relay.park();
            self.lane.put(self.route, connection);
        }
    }
}
