//! What the layer reports: `corsair_requests_total` for every decision and
//! `corsair_shadow_differences_total` where a shadow policy decides differently, while the
//! response stays the enforced policy's.

use axum::{Router, body::Body, routing::post};
use corsair::Config;
use corsair_conformance::{Events, assert_report_only_logged, assert_shadow_difference_logged};
use corsair_tower::CorsLayer;
use http::{Request, StatusCode};
use metrics_exporter_prometheus::PrometheusBuilder;
use tower::ServiceExt;

fn counter(rendered: &str, name_and_labels: &[&str]) -> u64 {
    rendered
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| name_and_labels.iter().all(|part| line.contains(part)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

// current_thread: the recorder is the thread's, and every poll happens on this thread.
#[tokio::test(flavor = "current_thread")]
async fn shadow_differences_and_decisions_are_counted_and_the_enforced_policy_answers() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let events = Events::default();
    let _events = events.install();

    // Enforced: permissive about writes; candidate: refuses them.
    let enforced = Config::new()
        .allow_origins(["https://app.example"])
        .build()
        .unwrap();
    let candidate = Config::new()
        .allow_origins(["https://app.example"])
        .refuse_cross_origin_writes(true)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/transfer", post(|| async { "handled" }))
        .layer(CorsLayer::new(enforced).shadow(candidate));

    let forged = Request::post("http://bank.example/transfer")
        .header("host", "bank.example")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(forged).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the enforced policy answers"
    );
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let trusted = Request::post("http://bank.example/transfer")
        .header("host", "bank.example")
        .header("origin", "https://app.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(trusted).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let rendered = handle.render();
    assert_eq!(
        counter(&rendered, &["corsair_shadow_differences_total"]),
        1,
        "only the forged write is decided differently:\n{rendered}"
    );
    assert!(
        counter(
            &rendered,
            &["corsair_requests_total", "decision=\"allowed\""]
        ) >= 1,
        "{rendered}"
    );

    // One difference, logged with both decisions and the request it is about.
    assert_shadow_difference_logged(&events);
}

#[tokio::test(flavor = "current_thread")]
async fn report_only_counts_would_be_refusals_and_refuses_nothing() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let events = Events::default();
    let _events = events.install();

    let policy = Config::new()
        .allow_origins(["https://app.example"])
        .refuse_cross_origin_writes(true)
        .report_only(true)
        .build()
        .unwrap();
    let app = Router::new()
        .route("/transfer", post(|| async { "handled" }))
        .layer(CorsLayer::new(policy));
    let forged = Request::post("http://bank.example/transfer")
        .header("host", "bank.example")
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(forged).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let rendered = handle.render();
    assert_eq!(
        counter(
            &rendered,
            &[
                "corsair_requests_total",
                "kind=\"write\"",
                "decision=\"shadow_refused\""
            ]
        ),
        1,
        "{rendered}"
    );
    assert_eq!(
        counter(&rendered, &["decision=\"refused\""]),
        0,
        "{rendered}"
    );

    assert_report_only_logged(&events);
}

/// Counts the counters a recorder is asked for, and hands them out from a Prometheus one.
// The cache is the layer's `metrics` feature (the counts themselves are on in the tests).
#[cfg(feature = "metrics")]
struct Registrations {
    inner: metrics_exporter_prometheus::PrometheusRecorder,
    counters: std::sync::atomic::AtomicUsize,
}

#[cfg(feature = "metrics")]
impl metrics::Recorder for Registrations {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(
        &self,
        key: &metrics::Key,
        metadata: &metrics::Metadata<'_>,
    ) -> metrics::Counter {
        self.counters
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.register_counter(key, metadata)
    }
    fn register_gauge(
        &self,
        key: &metrics::Key,
        metadata: &metrics::Metadata<'_>,
    ) -> metrics::Gauge {
        self.inner.register_gauge(key, metadata)
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        metadata: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        self.inner.register_histogram(key, metadata)
    }
}

#[cfg(feature = "metrics")]
#[tokio::test(flavor = "current_thread")]
async fn a_counter_cache_asks_the_recorder_once_per_series_and_counts_every_decision() {
    for cached in [false, true] {
        let inner = PrometheusBuilder::new().build_recorder();
        let handle = inner.handle();
        let recorder = Registrations {
            inner,
            counters: Default::default(),
        };
        let _guard = metrics::set_default_local_recorder(&recorder);
        // A subscriber of this thread's, as in the other tests: decisions made with none
        // would race their events' interest.
        let events = Events::default();
        let _events = events.install();
        let policy = Config::new()
            .allow_origins(["https://app.example"])
            .build()
            .unwrap();
        let layer = CorsLayer::new(policy);
        let layer = if cached {
            layer.counter_cache(corsair_tower::CounterCache::new())
        } else {
            layer
        };
        let app = Router::new()
            .route("/", post(|| async { "handled" }))
            .layer(layer);
        for origin in [
            "https://app.example",
            "https://app.example",
            "https://evil.example",
            "https://app.example",
        ] {
            let request = Request::post("/")
                .header("origin", origin)
                .body(Body::empty())
                .unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        let rendered = handle.render();
        let allowed = counter(
            &rendered,
            &["corsair_requests_total", "decision=\"allowed\""],
        );
        let refused = counter(
            &rendered,
            &["corsair_requests_total", "decision=\"refused\""],
        );
        assert_eq!((allowed, refused), (3, 1), "cached: {cached}\n{rendered}");
        let asked = recorder.counters.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(asked, if cached { 2 } else { 4 }, "cached: {cached}");
    }
}
