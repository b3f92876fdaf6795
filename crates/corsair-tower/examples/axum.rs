//! An axum API with CORS: `cargo run -p corsair-tower --example axum`, then from another
//! origin's page, `fetch("http://127.0.0.1:3000/api/items")`.

use axum::{Router, routing::get};
use corsair_tower::CorsLayer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = corsair::Config::new()
        .allow_origins(["http://localhost:*", "https://app.example.com"])
        .allow_methods(["GET", "POST", "DELETE"])
        .allow_headers(["content-type"])
        .build()?;

    let app = Router::new()
        .route("/api/items", get(|| async { "[]" }))
        .layer(CorsLayer::new(policy));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
