//! gRPC-Web through tonic with the layer, over a real socket: the browser's preflight is
//! answered and the gRPC response carries the grant and exposes the gRPC trailers-as-headers.

use corsair_conformance::exchange;
use corsair_tower::CorsLayer;
use http::Request;
use tokio::net::TcpListener;

#[tokio::test]
async fn grpc_web_preflight_and_call() {
    let policy = corsair::Config::new()
        .allow_origins(["http://localhost:*"])
        .allow_methods(["POST"])
        .allow_headers(["content-type", "x-grpc-web"])
        .expose_headers(["grpc-status", "grpc-message"])
        .build()
        .unwrap();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .accept_http1(true)
            .layer(CorsLayer::new(policy))
            .layer(tonic_web::GrpcWebLayer::new())
            .add_service(health)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );

    let path = "/grpc.health.v1.Health/Check";
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri(path)
        .header("origin", "http://localhost:8080")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-grpc-web")
        .body(())
        .unwrap();
    let (status, headers) = exchange(address, &preflight).await.unwrap();
    let get = |headers: &[(String, String)], name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(status, 204);
    assert_eq!(
        get(&headers, "access-control-allow-origin").as_deref(),
        Some("http://localhost:8080")
    );
    assert_eq!(
        get(&headers, "access-control-allow-headers").as_deref(),
        Some("content-type,x-grpc-web")
    );

    let call = Request::builder()
        .method("POST")
        .uri(path)
        .header("origin", "http://localhost:8080")
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(())
        .unwrap();
    let (status, headers) = exchange(address, &call).await.unwrap();
    assert_eq!(status, 200);
    assert!(
        get(&headers, "grpc-status").is_some(),
        "a gRPC answer: {headers:?}"
    );
    assert_eq!(
        get(&headers, "access-control-allow-origin").as_deref(),
        Some("http://localhost:8080")
    );
    assert_eq!(
        get(&headers, "access-control-expose-headers").as_deref(),
        Some("grpc-status, grpc-message")
    );
}
