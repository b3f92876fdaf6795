//! The playground's HTTP server: axum's router behind hyper with the limits a server on a
//! developer's machine still needs, since any page the developer visits can reach loopback.
//!
//! `axum::serve` sets no header-read timeout and accepts any number of connections, so a
//! slow client (slowloris) could hold the playground forever.

use std::{sync::Arc, time::Duration};

use axum::Router;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::{net::TcpListener, sync::Semaphore};

/// How long a client may take to send a request's headers (and to start the next one on a
/// kept-alive connection).
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; one more is closed as soon as it is accepted.
pub(crate) const MAX_CONNECTIONS: usize = 256;
/// How long in-flight requests may take to finish once the playground is stopped.
const DRAIN_DEADLINE: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `stopped` resolves, then drains open connections.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    stopped: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    tokio::pin!(stopped);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A failed accept (out of descriptors, a reset before accept) concerns that
                // one connection; the listener goes on.
                Err(_) => continue,
            },
            () = &mut stopped => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that breaks the protocol or times out ends its own connection only.
            let _ = connection.await;
            drop(permit);
        });
    }
    let _ = tokio::time::timeout(DRAIN_DEADLINE, graceful.shutdown()).await;
}
