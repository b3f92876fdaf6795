//! WebSocket handshakes over HTTP/2 (RFC 8441 extended CONNECT: `:protocol = websocket`,
//! `Sec-WebSocket-Version`, no `Upgrade`), through the layer over a real HTTP/2 connection,
//! checked like HTTP/1.1 upgrades.

use std::{
    convert::Infallible,
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use corsair::Config;
use corsair_tower::CorsLayer;
use http::{Method, Request, Response, StatusCode, Version};
use http_body_util::Empty;
use hyper::{body::Bytes, ext::Protocol};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};

/// An HTTP/2 server that accepts extended CONNECT, behind the layer; it counts the
/// handshakes that reach it with `:protocol = websocket`.
async fn serve() -> (SocketAddr, Arc<AtomicUsize>) {
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .build()
        .unwrap();
    let reached = Arc::new(AtomicUsize::new(0));
    let counted = reached.clone();
    let service = tower::ServiceBuilder::new()
        .layer(CorsLayer::new(policy))
        .service_fn(move |request: Request<hyper::body::Incoming>| {
            let counted = counted.clone();
            async move {
                if request
                    .extensions()
                    .get::<Protocol>()
                    .is_some_and(|protocol| protocol.as_str() == "websocket")
                {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
            }
        });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .enable_connect_protocol()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    (address, reached)
}

#[tokio::test]
async fn extended_connect_handshakes_are_checked_over_http2() {
    let (address, reached) = serve().await;
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut send = |origin: Option<&str>, protocol: Option<&'static str>| {
        let mut builder = Request::builder()
            .method(if protocol.is_some() {
                Method::CONNECT
            } else {
                Method::GET
            })
            .version(Version::HTTP_2)
            .uri(format!("http://{address}/ws"))
            .header("sec-websocket-version", "13");
        if let Some(origin) = origin {
            builder = builder.header("origin", origin);
        }
        let mut request = builder.body(Empty::<Bytes>::new()).unwrap();
        if let Some(protocol) = protocol {
            request
                .extensions_mut()
                .insert(Protocol::from_static(protocol));
        }
        let response = sender.send_request(request);
        async move { response.await.unwrap().status() }
    };
    // A first request: the server's SETTINGS (extended CONNECT enabled) have arrived after it.
    assert_eq!(send(None, None).await, StatusCode::OK);
    assert_eq!(
        send(Some("https://evil.example"), Some("websocket")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "refused before the service"
    );
    assert_eq!(
        send(Some("https://app.example.com"), Some("websocket")).await,
        StatusCode::OK
    );
    assert_eq!(send(None, Some("websocket")).await, StatusCode::OK);
    let own = format!("http://{address}");
    assert_eq!(send(Some(&own), Some("websocket")).await, StatusCode::OK);
    assert_eq!(reached.load(Ordering::SeqCst), 3);
}
