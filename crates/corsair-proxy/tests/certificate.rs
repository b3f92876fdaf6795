//! Certificate reload: new TLS connections see a replaced certificate; a broken replacement
//! keeps the last good one and is counted. Alone in its process: the metrics recorder is
//! process-wide and its counts are compared.

mod support;

use std::sync::Arc;

use corsair_proxy::TlsFiles;
use http::Request;
use rustls::pki_types::{CertificateDer, ServerName};
use support::*;

const ERRORS: &str = "corsair_policy_reloads_total{result=\"error\"}";

/// The certificate a new TLS connection to `addr` is shown.
async fn presented(addr: std::net::SocketAddr, trusted: &[&CertificateDer<'static>]) -> Vec<u8> {
    let mut roots = rustls::RootCertStore::empty();
    for der in trusted {
        roots.add((*der).clone()).unwrap();
    }
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_tls(roots)));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let stream = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    stream.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

async fn errors(admin: std::net::SocketAddr) -> f64 {
    let (_, body) = send(
        admin,
        Request::get("/metrics")
            .header("host", "admin")
            .body(empty())
            .unwrap(),
    )
    .await;
    String::from_utf8(body.to_vec())
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix(ERRORS)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_certificate_is_served_and_a_broken_one_keeps_the_last_good() {
    let directory =
        std::env::temp_dir().join(format!("corsair-proxy-certificate-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let files = TlsFiles {
        cert: directory.join("cert.pem"),
        key: directory.join("key.pem"),
    };
    let (first_cert, first_key, first) = certificate();
    std::fs::write(&files.cert, first_cert).unwrap();
    std::fs::write(&files.key, first_key).unwrap();
    let upstream = upstream().await;
    let gateway = gateway(upstream.addr, policy())
        .tls(files.clone())
        .admin("127.0.0.1:0".parse().unwrap());
    let proxy = start(gateway).await;
    let admin = proxy.admin.unwrap();
    assert_eq!(presented(proxy.addr, &[&first]).await, first.to_vec());

    let (second_cert, second_key, second) = certificate();
    // Replaced again on every try: the watch may not be registered yet when the test starts.
    until(async || {
        replace(&files.key, &second_key);
        replace(&files.cert, &second_cert);
        presented(proxy.addr, &[&first, &second]).await == second.to_vec()
    })
    .await;

    // Past the debounce, so that no reload of the good pair is still to come.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let before = errors(admin).await;
    until(async || {
        replace(
            &files.cert,
            "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n",
        );
        errors(admin).await > before
    })
    .await;
    assert_eq!(
        presented(proxy.addr, &[&first, &second]).await,
        second.to_vec()
    );
    std::fs::remove_dir_all(&directory).unwrap();
}
