//! WebSocket (and any HTTP/1.1 upgrade) proxying: the handshake is forwarded like a request
//! (its `Origin` was already checked by the CORS layer), and once the upstream answers
//! `101 Switching Protocols` both connections are spliced.

use http::Response;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

/// Copies bytes both ways between the client's and the upstream's upgraded connections,
/// until either side closes.
pub(crate) fn splice<B>(client: OnUpgrade, upstream: &mut Response<B>) {
    let upstream = hyper::upgrade::on(upstream);
    tokio::spawn(async move {
        let (client, upstream) = match tokio::try_join!(client, upstream) {
            Ok(pair) => pair,
            Err(error) => {
                tracing::debug!(target: "corsair::proxy", %error, "upgrade failed");
                return;
            }
        };
        let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
        if let Err(error) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
            tracing::debug!(target: "corsair::proxy", %error, "upgraded connection closed");
        }
    });
}
