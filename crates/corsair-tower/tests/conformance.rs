//! The conformance table over real sockets: each policy behind the tower layer, served by
//! axum and by plain hyper on 127.0.0.1, queried by a real HTTP client.

use std::{collections::BTreeMap, convert::Infallible, net::SocketAddr};

use corsair_conformance::{handler_response, run_over_sockets, table};
use corsair_tower::CorsLayer;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tokio::net::TcpListener;

/// The table's test handler as a plain function over headers.
fn answer(headers: &HeaderMap) -> Response<String> {
    let (status, extra) = handler_response(
        headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    );
    let mut response = Response::new(String::from("handled"));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in extra {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(&value).unwrap(),
        );
    }
    response
}

async fn serve_axum(policy: corsair::Policy) -> SocketAddr {
    let router = axum::Router::new()
        .fallback(|headers: HeaderMap| async move { answer(&headers) })
        .layer(CorsLayer::new(policy));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

async fn serve_hyper(policy: corsair::Policy) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = tower::ServiceBuilder::new()
        .layer(CorsLayer::new(policy))
        .service_fn(|request: Request<hyper::body::Incoming>| async move {
            let response = answer(request.headers())
                .map(|body| http_body_util::Full::new(hyper::body::Bytes::from(body)));
            Ok::<_, Infallible>(response)
        });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    address
}

#[tokio::test]
async fn every_row_passes_through_axum() {
    let table = table();
    let mut servers = BTreeMap::new();
    for (name, policy) in table.policies() {
        servers.insert(name, serve_axum(policy).await);
    }
    let failures = run_over_sockets(&table, &servers).await;
    table.assert_all_pass(&failures);
}

#[tokio::test]
async fn every_row_passes_through_plain_hyper() {
    let table = table();
    let mut servers = BTreeMap::new();
    for (name, policy) in table.policies() {
        servers.insert(name, serve_hyper(policy).await);
    }
    let failures = run_over_sockets(&table, &servers).await;
    table.assert_all_pass(&failures);
}
