//! Forwarding one request to its upstream: on the downstream connection's lane (HTTP/1) or
//! through the pooled client (HTTP/2 downstream connections, upgrades), hop-by-hop headers,
//! `X-Forwarded-*`, `Host`, the body limit and the upstream timeouts. Failures become
//! responses (`502`, `504`, `413`), so the CORS layer around this service gives them the
//! grant headers and the page sees the real status.

use std::{
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use corsair::PolicyHandle;
use http::{HeaderValue, Request, Response, StatusCode, Uri, header, uri::PathAndQuery};
use http_body_util::{BodyExt, Empty, Full, Limited, combinators::UnsyncBoxBody};
use hyper::body::Incoming;
use hyper_util::{
    client::legacy::{Client as Pool, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::{
    config::{Limits, Route, Upstream},
    fields::{self, Head, Present, Sender},
    lane::{Connector, Lane, SendError, Target},
    observe::{self, UpstreamError},
    ownership, websocket,
};

/// Errors of a streamed body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The body of every response the gateway sends, and of every request it forwards.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// Who sent a connection's requests, and its upstream lane: each connection's services carry
/// their own, so no request needs it attached.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    /// The peer's IP address as an `X-Forwarded-For` entry: formatted once per connection
    /// rather than once per request.
    ip: Option<HeaderValue>,
    pub(crate) tls: bool,
    /// The connection's upstream connections, used by its HTTP/1 requests.
    lane: Lane,
}

impl Peer {
    /// The peer of a new connection to a gateway with `routes` routes.
    pub(crate) fn new(addr: SocketAddr, tls: bool, routes: usize) -> Self {
        let ip = HeaderValue::try_from(addr.ip().to_string()).ok();
        Self {
            ip,
            tls,
            lane: Lane::new(routes),
        }
    }
}

/// How every route reaches its upstream: one connector (TCP with the connect timeout, TLS
/// with the upstream trust) for the lanes and the pool alike.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    connector: Connector,
    pool: Pool<Connector, Body>,
}

impl Clients {
    pub(crate) fn new(tls: rustls::ClientConfig, limits: &Limits) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(limits.connect_timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let pool = Pool::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(90))
            // `Host` is the client's (or --upstream-host), set here, never the upstream URL's.
            .set_host(false)
            .build(connector.clone());
        Self { connector, pool }
    }
}

/// How one route forwards, shared by every connection: [`RouteForward::on`] gives a
/// connection its service.
#[derive(Debug, Clone)]
pub(crate) struct RouteForward(Arc<Settings>);

/// The service the CORS layer wraps: sends a connection's requests to the route's upstream.
#[derive(Debug, Clone)]
pub(crate) struct Forward {
    settings: Arc<Settings>,
    peer: Peer,
}

/// How a route forwards: what both the hyper path and the native HTTP/1.1 path read.
#[derive(Debug)]
pub(crate) struct Settings {
    pool: Pool<Connector, Body>,
    pub(crate) target: Target,
    pub(crate) upstream: Upstream,
    upstream_host: Option<HeaderValue>,
    pub(crate) policy: PolicyHandle,
    pub(crate) max_body: Option<u64>,
    pub(crate) response_timeout: Duration,
    trust_forwarded: bool,
}

impl RouteForward {
    /// How the gateway's route number `index` forwards.
    pub(crate) fn new(
        clients: &Clients,
        index: usize,
        route: &Route,
        policy: PolicyHandle,
        limits: &Limits,
        trust_forwarded: bool,
    ) -> Self {
        Self(Arc::new(Settings {
            pool: clients.pool.clone(),
            target: Target {
                route: index,
                origin: route.upstream.origin(),
                connector: clients.connector.clone(),
            },
            upstream: route.upstream.clone(),
            upstream_host: route.upstream_host.clone(),
            policy,
            max_body: limits.max_body_bytes,
            response_timeout: limits.response_timeout,
            trust_forwarded,
        }))
    }

    /// How the route forwards.
    pub(crate) fn settings(&self) -> &Settings {
        &self.0
    }

    /// The route's service on the connection of `peer`.
    pub(crate) fn on(&self, peer: Peer) -> Forward {
        Forward {
            settings: self.0.clone(),
            peer,
        }
    }
}

impl tower_service::Service<Request<Incoming>> for Forward {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Incoming>) -> Self::Future {
        let Self { settings, peer } = self.clone();
        Box::pin(async move { Ok(settings.forward(request, &peer).await) })
    }
}

impl Settings {
    async fn forward(&self, mut request: Request<Incoming>, peer: &Peer) -> Response<Body> {
        let present = Present::of(request.headers());
        if let Some(limit) = self.max_body
            && present.content_lengths > 0
            && fields::content_length(request.headers()).is_some_and(|length| length > limit)
        {
            return local(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
        }
        let upgrade = present.asks_upgrade(request.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));
        let version = request.version();
        let (mut parts, body) = request.into_parts();
        // An HTTP/2 connection's requests run concurrently, each in its own task, and an
        // upgrade takes its upstream connection away for good: both go through the pool.
        let lane = (!upgrade && version < http::Version::HTTP_2).then(|| peer.lane.clone());
        let root = PathAndQuery::from_static("/");
        let target = self
            .upstream
            .path_for(parts.uri.path_and_query().unwrap_or(&root))
            .ok()
            .and_then(|path| match lane {
                // On a connection of its own the target goes in origin form.
                Some(_) => Some(Uri::from(path)),
                None => self.upstream.uri_for(path).ok(),
            });
        let Some(target) = target else {
            let (status, text) = BAD_TARGET;
            return local(status, text);
        };
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });
        // The client's own single `Host` is there already. One from the authority is not,
        // and repeated ones (some field repeats: `Host` may be among them) become the first.
        let repeats = parts.headers.len() != parts.headers.keys_len();
        let set_host = present.hosts == 0 || repeats;
        self.edit_head(
            &mut parts.headers,
            &present,
            peer,
            host.as_ref(),
            set_host,
            upgrade,
        );
        // The client's target stays for the log of a conflict: a move, not a copy.
        let original = std::mem::replace(&mut parts.uri, target);
        parts.version = http::Version::HTTP_11;
        let body: Body = match (upgrade, self.max_body) {
            (true, _) => Empty::new().map_err(BoxError::from).boxed_unsync(),
            (false, Some(limit)) => {
                Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX)).boxed_unsync()
            }
            (false, None) => body.map_err(BoxError::from).boxed_unsync(),
        };
        let request = Request::from_parts(parts, body);
        let sent = match lane {
            Some(lane) => {
                let send = self.target.send(&lane, request);
                tokio::time::timeout(self.response_timeout, send).await
            }
            None => {
                let send = self.pool.request(request);
                tokio::time::timeout(self.response_timeout, async {
                    let response = send.await.map_err(SendError::from)?;
                    Ok(response.map(|body| body.map_err(BoxError::from).boxed_unsync()))
                })
                .await
            }
        };
        let mut response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => {
                let (status, text) = failure(&error);
                return local(status, text);
            }
            Err(elapsed) => {
                let (status, text) = timed_out(&elapsed);
                return local(status, text);
            }
        };
        ownership::check(&self.policy, response.headers(), original.path());
        if let Some(client) = client_upgrade
            && response.status() == StatusCode::SWITCHING_PROTOCOLS
        {
            websocket::splice(client, &mut response);
            return response.map(|_| Empty::new().map_err(BoxError::from).boxed_unsync());
        }
        Present::of(response.headers()).remove_hop_by_hop(response.headers_mut(), false);
        // The client's connection speaks its own version, whatever the upstream spoke.
        *response.version_mut() = version;
        response
    }

    /// The edits every forwarded request head gets, on either path: hop-by-hop fields
    /// removed (`Connection: upgrade` kept for an upgrade), `Expect` removed (the gateway
    /// answers `100 Continue` itself), `TE: trailers` kept when the client takes trailers,
    /// the forwarding fields, and `Host`: `--upstream-host`, or `host` when `set_host` says
    /// the head lacks it as the client's own single field.
    pub(crate) fn edit_head(
        &self,
        head: &mut impl Head,
        present: &Present,
        peer: &Peer,
        host: Option<&HeaderValue>,
        set_host: bool,
        upgrade: bool,
    ) {
        let wants_trailers = present.accepts_trailers(head);
        present.remove_hop_by_hop(head, upgrade);
        if present.expect {
            head.remove_where(|name| name.eq_ignore_ascii_case(b"expect"));
        }
        if wants_trailers {
            head.insert(header::TE, HeaderValue::from_static("trailers"));
        }
        let sender = Sender {
            ip: peer.ip.as_ref(),
            tls: peer.tls,
            host,
        };
        fields::set_forwarded(head, sender, self.trust_forwarded, present.forwarded);
        let host = match &self.upstream_host {
            Some(host) => Some(host),
            None => host.filter(|_| set_host),
        };
        if let Some(host) = host {
            head.insert(header::HOST, host.clone());
        }
    }
}

/// The answer to a request whose target cannot be put under the upstream's base path.
pub(crate) const BAD_TARGET: (StatusCode, &str) = (
    StatusCode::BAD_REQUEST,
    "request target cannot be forwarded",
);

/// The answer to a request the upstream did not answer, counted by kind: `413` for a body
/// over the limit, `504` for a connection that timed out, `502` otherwise.
pub(crate) fn failure(error: &SendError) -> (StatusCode, &'static str) {
    if source_is::<http_body_util::LengthLimitError>(error) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
    }
    let timed_out = source_chain(error).any(|source| {
        source
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
    });
    let connect = matches!(error, SendError::Connect(_));
    let (kind, status, text) = match (connect, timed_out) {
        (true, true) => (
            UpstreamError::ConnectTimeout,
            StatusCode::GATEWAY_TIMEOUT,
            "upstream connection timed out",
        ),
        (true, false) => (
            UpstreamError::Connect,
            StatusCode::BAD_GATEWAY,
            "upstream unreachable",
        ),
        (false, _) => (
            UpstreamError::Protocol,
            StatusCode::BAD_GATEWAY,
            "upstream connection failed",
        ),
    };
    observe::upstream_error(kind, error);
    (status, text)
}

/// The answer to a request whose upstream did not start its response in time, counted.
pub(crate) fn timed_out(elapsed: &tokio::time::error::Elapsed) -> (StatusCode, &'static str) {
    observe::upstream_error(UpstreamError::Timeout, elapsed);
    (StatusCode::GATEWAY_TIMEOUT, "upstream timed out")
}

impl From<hyper_util::client::legacy::Error> for SendError {
    fn from(error: hyper_util::client::legacy::Error) -> Self {
        if error.is_connect() {
            Self::Connect(error.into())
        } else {
            Self::Exchange(error.into())
        }
    }
}

/// A response the gateway makes itself; the CORS layer adds the grants.
pub(crate) fn local(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from_static(text.as_bytes()))
            .map_err(BoxError::from)
            .boxed_unsync(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn source_chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |error| error.source())
}

fn source_is<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    source_chain(error).any(|source| source.is::<E>())
}
