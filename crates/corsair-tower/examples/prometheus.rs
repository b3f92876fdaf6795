//! corsair's decisions as Prometheus metrics, from axum:
//! `cargo run -p corsair-tower --features metrics --example prometheus`, then send a forged
//! write (`curl -X POST -H 'sec-fetch-site: cross-site' -H 'origin: https://evil.example'
//! http://127.0.0.1:3000/api/items`) and read `http://127.0.0.1:3000/metrics`:
//! `corsair_requests_total{kind="write",decision="refused",reason="cross_origin_write"} 1`.
//! A stricter candidate runs as a shadow, counted in `corsair_shadow_differences_total`.

use axum::{
    Router,
    routing::{get, post},
};
use corsair_tower::CorsLayer;
use metrics_exporter_prometheus::PrometheusBuilder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The recorder behind the `metrics` facade; the handle renders the exposition format.
    let metrics = PrometheusBuilder::new().install_recorder()?;

    let enforced = corsair::Config::new()
        .allow_origins(["http://localhost:*", "https://app.example.com"])
        .allow_methods(["GET", "POST", "DELETE"])
        .refuse_cross_origin_writes(true)
        .build()?;
    let candidate = corsair::Config::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["GET", "POST"])
        .refuse_cross_origin_writes(true)
        .build()?;

    let api = Router::new()
        .route(
            "/api/items",
            get(|| async { "[]" }).post(|| async { "created" }),
        )
        .route("/api/items/{id}", post(|| async { "updated" }))
        .layer(CorsLayer::new(enforced).shadow(candidate));
    // The metrics endpoint sits outside the CORS layer: scrapers are not browsers.
    let app = api.route("/metrics", get(move || async move { metrics.render() }));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
