//! `corsair proxy` as a library: a CORS gateway in front of any API, owning the CORS headers
//! of everything it proxies with corsair's validated engine. HTTP/1.1 requests are served by
//! the gateway's own HTTP/1.1 path (the engine reads each request's fields in place and
//! writes its grants into the response head); HTTP/2, upgrades and anything unusual go to
//! hyper, through `corsair_tower::CorsLayer`. Both consult the same policy gate: one
//! engine, not a second implementation.
//!
//! * Preflights are answered at the gateway and never reach the upstream; an `OPTIONS` that
//!   is not a preflight is forwarded.
//! * On every proxied response the upstream's `Access-Control-*` headers are replaced by
//!   corsair's (none for a refused origin or a request without `Origin`), `Vary` is merged,
//!   and each such conflict is counted (`corsair_upstream_cors_conflicts_total`).
//! * Upstream `4xx`/`5xx` pass with the grants; an unreachable or slow upstream gives
//!   `502`/`504` with the grants, a body over the limit `413`, so pages see the real status.
//! * Bodies stream both ways with bounded memory; HTTP/1.1 and HTTP/2 (h2c, TLS with ALPN);
//!   hop-by-hop headers removed, `X-Forwarded-*` set; WebSocket handshakes from foreign
//!   origins refused with `403` before the upstream sees them, others spliced through.
//! * Shadow mode passes the upstream's answers untouched and counts what enforce mode would
//!   have refused; policy files are watched and reloaded, SIGHUP too.
//!
//! ```no_run
//! use std::sync::Arc;
//! use corsair_proxy::{Gateway, LogRejected, PathPrefix, PolicySource, Proxy, Route, Upstream};
//!
//! # async fn run(upstream_tls: rustls::ClientConfig) -> Result<(), Box<dyn std::error::Error>> {
//! let policy = corsair::Config::new().allow_origins(["http://localhost:5173"]);
//! let route = Route::new(PathPrefix::new("/")?, Upstream::parse("http://localhost:3000")?, PolicySource::Fixed(policy));
//! let proxy = Proxy::new(Gateway::new(vec![route])?, upstream_tls, Arc::new(LogRejected))?;
//! proxy.bind().await?.serve(corsair_proxy::shutdown_signal()).await;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod admin;
mod checked;
mod config;
mod drain;
mod fields;
mod forward;
mod framing;
mod h1;
mod lane;
mod observe;
mod ownership;
mod policy;
mod relay;
mod reload;
mod server;
mod tls;
mod websocket;

pub use admin::prometheus;
pub use config::{
    ConfigError, ConfigErrors, DEFAULT_LISTEN, Gateway, Limits, Mode, PathPrefix, PolicySource,
    Route, TlsFiles, Upstream,
};
pub use forward::{Body, BoxError};
pub use policy::{LogRejected, Problem, Rejected, ReportRejected};
pub use server::{Bound, Proxy, StartError, shutdown_signal};
pub use tls::TlsError;
