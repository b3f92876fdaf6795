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
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Uri, header, uri::PathAndQuery};
use http_body_util::{BodyExt, Empty, Full, Limited, combinators::UnsyncBoxBody};
use hyper::body::Incoming;
use hyper_util::{
    client::legacy::{Client as Pool, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::{
    config::{Limits, Route, Upstream},
    fields::{self, FORWARDED_FOR, FORWARDED_HOST, FORWARDED_PROTO, Present},
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
    tls: bool,
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

#[derive(Debug)]
struct Settings {
    pool: Pool<Connector, Body>,
    target: Target,
    upstream: Upstream,
    upstream_host: Option<HeaderValue>,
    policy: PolicyHandle,
    max_body: Option<u64>,
    response_timeout: Duration,
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
            && present.content_length
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
            return local(
                StatusCode::BAD_REQUEST,
                "request target cannot be forwarded",
            );
        };
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            parts
                .uri
                .authority()
                .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        });
        let wants_trailers = present.accepts_trailers(&parts.headers);
        present.remove_hop_by_hop(&mut parts.headers, upgrade);
        // The gateway answers `100 Continue` itself, as soon as the body is read.
        if present.expect {
            parts.headers.remove(header::EXPECT);
        }
        if wants_trailers {
            parts
                .headers
                .insert(header::TE, HeaderValue::from_static("trailers"));
        }
        self.set_forwarded(&mut parts.headers, peer, host.as_ref(), present.forwarded);
        // The client's own single `Host` is there already. One from the authority is not,
        // and repeated ones (some field repeats: `Host` may be among them) become the first.
        let repeats = parts.headers.len() != parts.headers.keys_len();
        let host = match &self.upstream_host {
            Some(host) => Some(host.clone()),
            None => host.filter(|_| !present.host || repeats),
        };
        if let Some(host) = host {
            parts.headers.insert(header::HOST, host);
        }
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
            Ok(Err(error)) => return self.failed(&error),
            Err(elapsed) => {
                observe::upstream_error(UpstreamError::Timeout, &elapsed);
                return local(StatusCode::GATEWAY_TIMEOUT, "upstream timed out");
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

    fn failed(&self, error: &SendError) -> Response<Body> {
        if source_is::<http_body_util::LengthLimitError>(error) {
            return local(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
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
        local(status, text)
    }

    /// `X-Forwarded-For`, `-Proto` and `-Host`: replaced, unless the gateway trusts what
    /// the proxy in front of it set (then the peer is appended to `-For`, and the others are
    /// set only when absent). `present` says whether the request carries any of them.
    fn set_forwarded(
        &self,
        headers: &mut HeaderMap,
        peer: &Peer,
        host: Option<&HeaderValue>,
        present: bool,
    ) {
        let proto = HeaderValue::from_static(if peer.tls { "https" } else { "http" });
        if self.trust_forwarded && present {
            let chain = match (
                headers.get(&FORWARDED_FOR).and_then(|v| v.to_str().ok()),
                peer.ip.clone(),
            ) {
                (Some(earlier), Some(ip)) => ip
                    .to_str()
                    .ok()
                    .and_then(|ip| HeaderValue::try_from(format!("{earlier}, {ip}")).ok()),
                (None, ip) => ip,
                (Some(_), None) => None,
            };
            if let Some(chain) = chain {
                headers.insert(FORWARDED_FOR, chain);
            }
            headers.entry(FORWARDED_PROTO).or_insert(proto);
            if let Some(host) = host {
                headers.entry(FORWARDED_HOST).or_insert(host.clone());
            }
            return;
        }
        if present {
            fields::remove_where(headers, fields::is_forwarding);
        }
        // None of them is left: each is a new field.
        if let Some(ip) = &peer.ip {
            headers.append(FORWARDED_FOR, ip.clone());
        }
        headers.append(FORWARDED_PROTO, proto);
        if let Some(host) = host {
            headers.append(FORWARDED_HOST, host.clone());
        }
    }
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
