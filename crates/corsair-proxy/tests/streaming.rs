//! Bodies through the gateway with bounded memory: alone in its process, so that the
//! resident memory measured is the gateway's.

mod support;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use support::*;

const APP: &str = "https://app.example.com";

#[tokio::test]
async fn bodies_stream_both_ways_with_bounded_memory() {
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy())).await;
    // A first pass warms allocator pools and connection buffers; the second is measured.
    through(proxy.addr, 16).await;
    let before = rss_kib();
    through(proxy.addr, 256).await;
    let grown = rss_kib().saturating_sub(before);
    // 512 MiB went through; a buffering gateway would have grown by at least 256 MiB.
    assert!(grown < 64 * 1024, "resident memory grew by {grown} KiB");
}

/// Uploads and downloads `mib` MiB through the gateway.
async fn through(addr: std::net::SocketAddr, mib: usize) {
    // Upload: produced as it is sent, counted by the upstream as it arrives.
    let chunk = Bytes::from(vec![b'u'; 1 << 20]);
    let frames =
        futures_util::stream::iter((0..mib).map(move |_| {
            Ok::<_, corsair_proxy::BoxError>(hyper::body::Frame::data(chunk.clone()))
        }));
    let upload = Request::post("/upload")
        .header("host", "api.example.com")
        .header("origin", APP)
        .body(http_body_util::StreamBody::new(frames).boxed_unsync())
        .unwrap();
    let (response, body) = send(addr, upload).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(body, (mib << 20).to_string());
    // Download: read as it arrives.
    let response = open(addr, get(&format!("/download?{mib}"), Some(APP))).await;
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
    let mut body = response.into_body();
    let mut total = 0;
    while let Some(frame) = body.frame().await {
        total += frame.unwrap().into_data().map_or(0, |d| d.len());
    }
    assert_eq!(total, mib << 20);
}
