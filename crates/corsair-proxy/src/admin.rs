//! The admin listener: `/healthz` (the process runs), `/readyz` (listening with valid
//! policies; `503` once shutting down) and `/metrics` (Prometheus text of everything counted
//! through the `metrics` facade: the middleware's decisions and the gateway's own series).

use std::{
    convert::Infallible,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, Ordering},
    },
};

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::observe::DURATION;

/// Seconds: from a locally answered preflight to a slow upstream.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process-wide Prometheus recorder, installed on first use: `metrics` has one global
/// recorder, so every gateway of the process exports the same counters.
pub fn prometheus() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = match builder.set_buckets_for_metric(Matcher::Full(DURATION.into()), BUCKETS) {
                Ok(builder) => builder,
                Err(error) => {
                    tracing::warn!(target: "corsair::proxy", %error, "histogram buckets");
                    PrometheusBuilder::new()
                }
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    target: "corsair::proxy",
                    "another metrics recorder is installed; /metrics shows only what reaches this one"
                );
            }
            handle
        })
        .clone()
}

/// Folds the request durations recorded since the last time into the histogram's buckets,
/// every second, whether or not anything scrapes `/metrics`: the exporter keeps every
/// sample until then, so a gateway nobody scrapes (no admin listener, the default) would
/// otherwise grow by eight bytes a request for as long as it runs. The fold runs on the
/// blocking pool: a second's samples at full load take milliseconds to fold, which on a
/// one-thread runtime would hold up every connection.
pub(crate) async fn upkeep(metrics: PrometheusHandle) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let metrics = metrics.clone();
        let _ = tokio::task::spawn_blocking(move || metrics.run_upkeep()).await;
    }
}

/// Whether the gateway is ready for traffic.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ready(Arc<AtomicBool>);

impl Ready {
    pub(crate) fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

pub(crate) fn answer(
    request: &Request<Incoming>,
    ready: &Ready,
    metrics: &PrometheusHandle,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // Probes and scrapers send neither; a browser page elsewhere (DNS rebinding included,
    // where the page is same-origin but its fetches say so) gets nothing.
    let from_a_page = request.headers().contains_key(header::ORIGIN)
        || request
            .headers()
            .get("sec-fetch-site")
            .is_some_and(|site| site != "none");
    let (status, content_type, body) = match request.uri().path() {
        _ if from_a_page => (
            StatusCode::FORBIDDEN,
            "text/plain",
            Bytes::from_static(b"the admin listener answers probes and scrapers, not pages\n"),
        ),
        "/healthz" => (StatusCode::OK, "text/plain", Bytes::from_static(b"ok\n")),
        "/readyz" if ready.get() => (StatusCode::OK, "text/plain", Bytes::from_static(b"ready\n")),
        "/readyz" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            Bytes::from_static(b"not ready\n"),
        ),
        "/metrics" => {
            metrics.run_upkeep();
            (
                StatusCode::OK,
                "text/plain; version=0.0.4",
                Bytes::from(metrics.render()),
            )
        }
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            Bytes::from_static(b"/healthz, /readyz or /metrics\n"),
        ),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    Ok(response)
}
