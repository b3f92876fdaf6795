//! The listener: HTTP/1.1 and HTTP/2 (h2c, or TLS with ALPN) on one port, the header limits
//! and read timeout, routing by path prefix into each route's CORS layer, and graceful
//! shutdown that drains in-flight requests under a deadline.

use std::{
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Instant,
};

use corsair::PolicyHandle;
use corsair_middleware::PolicyGate;
use corsair_tower::{Cors, CorsLayer, CounterCache};
use http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::{TcpListener, TcpStream},
};
use tower_layer::Layer;
use tower_service::Service;

use crate::{
    admin::{self, Ready},
    checked::{self, Checked},
    config::{Gateway, Limits, PathPrefix, PolicySource},
    drain::{Drain, Watch},
    forward::{self, Body, Forward, Peer, RouteForward},
    framing,
    h1::{self, Ended},
    policy::{self, Rejected, ReportRejected},
    reload::{Reloader, Watched},
    tls::{self, Certificates, TlsError},
};

/// Why the gateway cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A route's policy does not load.
    #[error("{0}")]
    Policy(Box<Rejected>),
    /// The certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    /// A listener cannot be bound.
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: io::Error,
    },
}

/// A route as every connection starts from it: the native path reads its parts,
/// [`RouteService::on`] gives a hyper connection its own service, which carries the
/// connection's peer and upstream lane. Both consult the same policy gate.
pub(crate) struct RouteService {
    pub(crate) prefix: PathPrefix,
    pub(crate) gate: PolicyGate,
    cors: CorsLayer,
    pub(crate) forward: RouteForward,
}

impl RouteService {
    fn on(&self, peer: &Peer) -> Cors<Forward> {
        self.cors.layer(self.forward.on(peer.clone()))
    }
}

/// A gateway ready to bind: every policy loaded and valid.
pub struct Proxy {
    gateway: Gateway,
    routes: Arc<[RouteService]>,
    reloader: Arc<Reloader>,
    certificates: Option<Certificates>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Loads every route's policy and the certificate; `upstream_tls` is the trust used for
    /// `https` upstreams, `report` hears of policy files that fail to reload later.
    pub fn new(
        gateway: Gateway,
        upstream_tls: rustls::ClientConfig,
        report: Arc<dyn ReportRejected>,
    ) -> Result<Self, StartError> {
        let clients = forward::Clients::new(upstream_tls, &gateway.limits);
        let mut routes = Vec::new();
        let mut watched = Vec::new();
        for (index, route) in gateway.routes.iter().enumerate() {
            let loaded = policy::load(&route.policy, route.mode)
                .map_err(|rejected| StartError::Policy(Box::new(rejected)))?;
            let handle = PolicyHandle::new(loaded);
            if let PolicySource::File(path) = &route.policy {
                watched.push(Watched {
                    path: path.clone(),
                    mode: route.mode,
                    handle: handle.clone(),
                    last: Mutex::new(std::fs::read(path).unwrap_or_default()),
                });
            }
            let forward = RouteForward::new(
                &clients,
                index,
                route,
                handle.clone(),
                &gateway.limits,
                gateway.trust_forwarded,
            );
            // The gateway's recorder is global (`admin::prometheus`): handles can be kept.
            let gate = PolicyGate::reloadable(handle).with_counter_cache(CounterCache::new());
            routes.push(RouteService {
                prefix: route.prefix.clone(),
                cors: CorsLayer::from(gate.clone()),
                gate,
                forward,
            });
        }
        let certificates = match &gateway.tls {
            Some(files) => Some(Arc::new(arc_swap::ArcSwap::from_pointee(tls::load(files)?))),
            None => None,
        };
        let reloader = Arc::new(Reloader {
            policies: watched,
            tls: gateway.tls.clone().zip(certificates.clone()),
            report,
        });
        Ok(Self {
            gateway,
            routes: routes.into(),
            reloader,
            certificates,
        })
    }

    /// Binds the listener (and the admin listener, if configured).
    pub async fn bind(self) -> Result<Bound, StartError> {
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|error| StartError::Bind { addr, error })
        };
        let listener = bind(self.gateway.listen).await?;
        let admin = match self.gateway.admin {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        Ok(Bound {
            proxy: self,
            listener,
            admin,
        })
    }
}

/// A gateway with its listeners bound: [`serve`](Bound::serve) runs it.
pub struct Bound {
    proxy: Proxy,
    listener: TcpListener,
    admin: Option<TcpListener>,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("listener", &self.listener)
            .field("admin", &self.admin)
            .finish_non_exhaustive()
    }
}

impl Bound {
    /// The address the gateway listens on (with the port picked, for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The admin listener's address.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().and_then(|a| a.local_addr().ok())
    }

    /// Serves until `shutdown` completes, then stops accepting, drains in-flight requests
    /// and streams for at most the drain timeout, and returns.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let Bound {
            proxy,
            listener,
            admin,
        } = self;
        let limits = proxy.gateway.limits.clone();
        let builder = Arc::new(connection_builder(&limits));
        let ready = Ready::default();
        let metrics = admin::prometheus();
        crate::observe::register();
        let upkeep = tokio::spawn(admin::upkeep(metrics.clone()));
        let reloader = tokio::spawn(proxy.reloader.clone().run());
        let admin =
            admin.map(|listener| tokio::spawn(serve_admin(listener, ready.clone(), metrics)));
        let drain = Drain::new();
        ready.set(true);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, addr) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of descriptors, usually: wait instead of spinning.
                        tracing::warn!(target: "corsair::proxy", %error, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(
                stream,
                addr,
                proxy.routes.clone(),
                proxy.certificates.clone(),
                builder.clone(),
                drain.watch(),
                limits.clone(),
            ));
        }
        ready.set(false);
        drop(listener);
        tracing::info!(target: "corsair::proxy", "draining in-flight requests");
        if tokio::time::timeout(limits.drain_timeout, drain.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(target: "corsair::proxy", "drain deadline passed; closing the rest");
        }
        reloader.abort();
        upkeep.abort();
        if let Some(admin) = admin {
            admin.abort();
        }
    }
}

/// The field count hyper's HTTP/1 parser allows unless told otherwise.
const HYPER_MAX_HEADERS: usize = 100;

fn connection_builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    let mut http1 = builder.http1();
    http1
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(checked::head_limit(limits));
    // hyper's own limit is 100 fields, kept in an uninitialised array; any limit named, even
    // 100, has it fill an array of that many entries for every head it parses.
    if limits.max_headers != HYPER_MAX_HEADERS {
        http1.max_headers(limits.max_headers);
    }
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    builder
}

async fn connection(
    stream: TcpStream,
    addr: SocketAddr,
    routes: Arc<[RouteService]>,
    certificates: Option<Certificates>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    watch: Watch,
    limits: Limits,
) {
    let serving = Serving {
        peer: Peer::new(addr, certificates.is_some(), routes.len()),
        routes,
        builder,
        watch,
        limits,
    };
    let Some(certificates) = certificates else {
        return serving.native_then_hyper(stream).await;
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(certificates.load_full());
    let handshake =
        tokio::time::timeout(serving.limits.header_read_timeout, acceptor.accept(stream));
    let stream = match handshake.await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            tracing::debug!(target: "corsair::proxy", %error, "TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
        let stream = Checked::new(stream, &serving.limits);
        serving.hyper(stream).await;
    } else {
        serving.native_then_hyper(stream).await;
    }
}

/// What serving one client connection takes, on either path.
struct Serving {
    routes: Arc<[RouteService]>,
    peer: Peer,
    builder: Arc<auto::Builder<TokioExecutor>>,
    watch: Watch,
    limits: Limits,
}

impl Serving {
    /// An HTTP/1 connection (or one that may turn out HTTP/2 by its preface): on the native
    /// path, then hyper's for the rest if the native path hands it over.
    async fn native_then_hyper<IO>(self, io: IO)
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let ended = h1::serve(io, &self.routes, &self.peer, &self.limits, &self.watch).await;
        if let Ended::HandOff { io, buffered } = ended {
            let io = Checked::resumed(io, &self.limits, buffered);
            self.hyper(io).await;
        }
    }

    /// A connection served by hyper to its end: HTTP/2, or HTTP/1 from a request on that
    /// the native path left to it.
    async fn hyper<IO>(self, io: Checked<IO>)
    where
        IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let services: Arc<[(PathPrefix, Cors<Forward>)]> = self
            .routes
            .iter()
            .map(|route| (route.prefix.clone(), route.on(&self.peer)))
            .collect();
        let service = hyper::service::service_fn(move |request| handle(&services, request));
        let connection = self
            .builder
            .serve_connection_with_upgrades(TokioIo::new(io), service);
        let served = self
            .watch
            .hyper(connection.into_owned(), |connection| {
                connection.graceful_shutdown()
            })
            .await;
        if let Err(error) = served {
            tracing::debug!(target: "corsair::proxy", %error, "connection closed with an error");
        }
    }
}

fn handle(
    services: &[(PathPrefix, Cors<Forward>)],
    request: Request<Incoming>,
) -> impl Future<Output = Result<Response<Body>, Infallible>> + use<> {
    let started = Instant::now();
    let may_switch = request.version() < http::Version::HTTP_2
        && framing::may_switch(
            request.method().as_str(),
            request
                .headers()
                .keys()
                .map(|name| name.as_str().as_bytes()),
        );
    let cors = services
        .iter()
        .find(|(prefix, _)| prefix.matches(request.uri().path()))
        .map(|(_, cors)| cors.clone());
    async move {
        let response = match cors {
            Some(mut cors) => {
                let Ok(response) = cors.call(request).await;
                crate::observe::duration(started.elapsed());
                response
            }
            None => forward::local(StatusCode::NOT_FOUND, "no route for this path"),
        };
        Ok(framing::close_unless_switched(may_switch, response))
    }
}

async fn serve_admin(
    listener: TcpListener,
    ready: Ready,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let (ready, metrics) = (ready.clone(), metrics.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                std::future::ready(admin::answer(&request, &ready, &metrics))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Completes on SIGTERM or Ctrl-C (SIGINT): what `corsair proxy` drains on.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
