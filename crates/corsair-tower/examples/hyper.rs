//! Plain hyper 1.x with CORS, no framework: `cargo run -p corsair-tower --example hyper`.

use std::convert::Infallible;

use corsair_tower::CorsLayer;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = corsair::Config::new()
        .allow_origins(["http://localhost:*"])
        .allow_methods(["PUT"])
        .build()?;
    let service = tower::ServiceBuilder::new()
        .layer(CorsLayer::new(policy))
        .service_fn(|_: Request<Incoming>| async {
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello"))))
        });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = hyper_util::service::TowerToHyperService::new(service.clone());
        tokio::spawn(
            hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
        );
    }
}
