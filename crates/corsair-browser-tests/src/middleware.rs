//! Origin B for the middleware half: `corsair_tower::CorsLayer` in front of a small handler,
//! served by hyper, with every arriving request recorded (outside the layer, so preflights
//! the layer answers are recorded too).

use std::{convert::Infallible, net::SocketAddr};

use corsair::Policy;
use corsair_tower::CorsLayer;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use tokio::task::JoinHandle;
use tower::{Service, ServiceBuilder, ServiceExt};

use crate::{
    Result,
    http1::bind_loopback,
    record::{Arrival, Records, id_from_path},
};

/// The handler's response headers besides `Content-Length` and `Date` (which hyper adds).
pub const HANDLER_HEADERS: &[(&str, &str)] = &[
    ("content-type", "text/plain"),
    ("x-request-id", "7"),
    ("x-secret", "s3cr3t"),
];

/// A policy served behind the tower layer; aborted when dropped.
#[derive(Debug)]
pub struct TowerServer {
    address: SocketAddr,
    records: Records,
    tasks: Vec<JoinHandle<()>>,
}

impl TowerServer {
    /// Serves `policy` on a free loopback port.
    pub async fn start(policy: Policy) -> Result<Self> {
        let records = Records::new();
        let listeners = bind_loopback().await?;
        let address = listeners
            .first()
            .ok_or_else(|| crate::Error::new("no listener"))?
            .local_addr()?;
        let service = ServiceBuilder::new()
            .layer(CorsLayer::new(policy))
            .service_fn(|_request: Request<Incoming>| async {
                let mut response = Response::builder();
                for (name, value) in HANDLER_HEADERS {
                    response = response.header(*name, *value);
                }
                Ok::<_, Infallible>(
                    response
                        .body(Full::new(Bytes::from_static(b"handled")))
                        .unwrap_or_default(),
                )
            });
        let mut tasks = Vec::new();
        for listener in listeners {
            let service = service.clone();
            let records = records.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let service = service.clone();
                    let records = records.clone();
                    let recording =
                        hyper::service::service_fn(move |request: Request<Incoming>| {
                            let headers: Vec<(&str, &[u8])> = request
                                .headers()
                                .iter()
                                .map(|(n, v)| (n.as_str(), v.as_bytes()))
                                .collect();
                            let target = request
                                .uri()
                                .path_and_query()
                                .map_or("/", |p| p.as_str())
                                .to_owned();
                            let arrival = Arrival::classify(
                                request.method().as_str(),
                                &target,
                                headers.iter().copied(),
                            );
                            if let Some(id) = id_from_path(request.uri().path()) {
                                records.push(id, arrival);
                            }
                            let mut service = service.clone();
                            async move { service.ready().await?.call(request).await }
                        });
                    tokio::spawn(
                        hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), recording),
                    );
                }
            }));
        }
        Ok(Self {
            address,
            records,
            tasks,
        })
    }

    /// The port (origin B is `http://localhost:<port>`).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// What arrived for `id`.
    pub fn arrivals(&self, id: &str) -> Vec<Arrival> {
        self.records.get(id)
    }
}

impl Drop for TowerServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
