//! HTTPS: HTTP/2 by ALPN at the gateway, and https upstreams with SNI and the trust given.

mod support;

use std::sync::Arc;

use corsair_proxy::{Gateway, PathPrefix, PolicySource, Route, TlsFiles, Upstream};
use http::Request;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{CertificateDer, ServerName};
use support::*;

const APP: &str = "https://app.example.com";

fn roots(der: &CertificateDer<'static>) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.clone()).unwrap();
    roots
}

#[tokio::test]
async fn https_listener_speaks_http2_by_alpn() {
    let (cert, key, der) = certificate();
    let directory = std::env::temp_dir().join(format!("corsair-proxy-tls-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let files = TlsFiles {
        cert: directory.join("cert.pem"),
        key: directory.join("key.pem"),
    };
    std::fs::write(&files.cert, cert).unwrap();
    std::fs::write(&files.key, key).unwrap();
    let upstream = upstream().await;
    let proxy = start(gateway(upstream.addr, policy()).tls(files)).await;

    let mut config = client_tls(roots(&der));
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    let stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(connection);
    let request = Request::get("https://localhost/echo")
        .header("origin", APP)
        .body(empty())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.headers()["access-control-allow-origin"], APP);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let echoed = String::from_utf8(body.to_vec()).unwrap();
    assert!(echoed.contains("x-forwarded-proto: https\n"), "{echoed}");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[tokio::test]
async fn https_upstreams_get_sni_and_are_verified_against_the_trust_given() {
    let (_, key, der) = certificate();
    let chain = vec![der.clone()];
    let key = <rustls::pki_types::PrivateKeyDer<'static> as rustls::pki_types::pem::PemObject>::from_pem_slice(key.as_bytes()).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let sni = stream
                    .get_ref()
                    .1
                    .server_name()
                    .unwrap_or("none")
                    .to_owned();
                let service = hyper::service::service_fn(move |_request| {
                    let sni = sni.clone();
                    async move {
                        let mut response =
                            http::Response::new(http_body_util::Full::new(bytes::Bytes::from(sni)));
                        response
                            .headers_mut()
                            .insert("access-control-allow-origin", "*".parse().unwrap());
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let route = || {
        Route::new(
            PathPrefix::new("/").unwrap(),
            Upstream::parse(&format!("https://localhost:{port}")).unwrap(),
            PolicySource::Fixed(policy()),
        )
    };
    let trusting = start_with(
        Gateway::new(vec![route()]).unwrap(),
        client_tls(roots(&der)),
    )
    .await;
    let (response, body) = send(trusting.addr, get("/", Some(APP))).await;
    assert_eq!(response.status, http::StatusCode::OK);
    assert_eq!(body, "localhost");
    assert_eq!(response.headers["access-control-allow-origin"], APP);
    // Without the certificate's authority the handshake fails: 502, with the grants.
    let distrusting = start(Gateway::new(vec![route()]).unwrap()).await;
    let (response, _) = send(distrusting.addr, get("/", Some(APP))).await;
    assert_eq!(response.status, http::StatusCode::BAD_GATEWAY);
    assert_eq!(response.headers["access-control-allow-origin"], APP);
}
