//! A gRPC service reachable from browsers through gRPC-Web, with CORS:
//! `cargo run -p corsair-tower --example tonic`. (The health service stands in for yours.)

use corsair_tower::CorsLayer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = corsair::Config::new()
        .allow_origins(["http://localhost:*", "https://app.example.com"])
        .allow_methods(["POST"])
        .allow_headers(["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"])
        .expose_headers(["grpc-status", "grpc-message"])
        .build()?;
    let (_reporter, health) = tonic_health::server::health_reporter();

    let address = "127.0.0.1:50051".parse()?;
    println!("gRPC-Web on http://{address}");
    tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(CorsLayer::new(policy))
        .layer(tonic_web::GrpcWebLayer::new())
        .add_service(health)
        .serve(address)
        .await?;
    Ok(())
}
