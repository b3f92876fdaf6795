//! The conformance table over real sockets: each policy behind the actix-web middleware,
//! served by `HttpServer` on 127.0.0.1, queried by a real HTTP client.

use std::{collections::BTreeMap, net::SocketAddr, sync::mpsc, thread};

use actix_web::{
    App, HttpRequest, HttpResponse, HttpServer,
    dev::ServerHandle,
    http::StatusCode,
    rt::{self, System},
    web,
};
use corsair_actix::Cors;
use corsair_conformance::{handler_response, run_over_sockets, table};

/// The table's test handler.
async fn answer(request: HttpRequest) -> HttpResponse {
    let (status, extra) = handler_response(
        request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes())),
    );
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    for (name, value) in extra {
        response.append_header((name, value));
    }
    response.body("handled")
}

/// Serves every policy on its own port from one actix system on its own thread; returns the
/// addresses by policy name, the handles that stop the servers, and the thread.
fn serve(
    policies: BTreeMap<String, corsair::Policy>,
) -> (
    BTreeMap<String, SocketAddr>,
    Vec<ServerHandle>,
    thread::JoinHandle<()>,
) {
    let (sender, receiver) = mpsc::channel();
    let thread = thread::spawn(move || {
        System::new().block_on(async move {
            let mut addresses = BTreeMap::new();
            let mut handles = Vec::new();
            let mut running = Vec::new();
            for (name, policy) in policies {
                let server = HttpServer::new(move || {
                    App::new()
                        .wrap(Cors::new(policy.clone()))
                        .default_service(web::to(answer))
                })
                .workers(1)
                .disable_signals()
                .bind(("127.0.0.1", 0))
                .unwrap();
                addresses.insert(name, server.addrs()[0]);
                let server = server.run();
                handles.push(server.handle());
                running.push(rt::spawn(server));
            }
            sender.send((addresses, handles)).unwrap();
            for server in running {
                server.await.unwrap().unwrap();
            }
        });
    });
    let (addresses, handles) = receiver.recv().unwrap();
    (addresses, handles, thread)
}

#[tokio::test]
async fn every_row_passes_through_actix_web() {
    let table = table();
    let (servers, handles, thread) = serve(table.policies());
    let failures = run_over_sockets(&table, &servers).await;
    for handle in handles {
        handle.stop(true).await;
    }
    thread.join().unwrap();
    table.assert_all_pass(&failures);
}
