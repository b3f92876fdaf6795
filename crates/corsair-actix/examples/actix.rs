//! An actix-web server with corsair: `cargo run -p corsair-actix --example actix`, then
//! `curl -i -H 'Origin: https://app.example.com' http://127.0.0.1:8080/api/items`.

use actix_web::{App, HttpResponse, HttpServer, web};
use corsair_actix::Cors;

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = corsair::Config::new()
        .allow_origins(["https://app.example.com", "http://localhost:*"])
        .allow_methods(["GET", "POST", "DELETE"])
        .allow_headers(["content-type"])
        .build()?;
    let server = HttpServer::new(move || {
        App::new().wrap(Cors::new(policy.clone())).route(
            "/api/items",
            web::get().to(|| async { HttpResponse::Ok().json([1, 2, 3]) }),
        )
    })
    .bind(("127.0.0.1", 8080))?;
    println!("listening on http://127.0.0.1:8080/api/items");
    server.run().await?;
    Ok(())
}
