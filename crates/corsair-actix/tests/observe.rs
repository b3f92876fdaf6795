//! What the middleware reports: `corsair_requests_total` for every decision and
//! `corsair_shadow_differences_total` where a shadow policy decides differently, while the
//! response stays the enforced policy's.

use actix_web::{App, HttpResponse, http::StatusCode, test, web};
use corsair::{Config, Policy};
use corsair_actix::Cors;
use corsair_conformance::{Events, assert_report_only_logged, assert_shadow_difference_logged};
use metrics_exporter_prometheus::PrometheusBuilder;

fn counter(rendered: &str, name_and_labels: &[&str]) -> u64 {
    rendered
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| name_and_labels.iter().all(|part| line.contains(part)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

fn policy(refuse_writes: bool, report_only: bool) -> Policy {
    Config::new()
        .allow_origins(["https://app.example"])
        .refuse_cross_origin_writes(refuse_writes)
        .report_only(report_only)
        .build()
        .unwrap()
}

fn write_from(origin: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/transfer")
        .insert_header(("host", "bank.example"))
        .insert_header(("origin", origin))
        .insert_header(("sec-fetch-site", "cross-site"))
}

// actix's test runtime is single-threaded: the thread's recorder sees every decision.
#[actix_web::test]
async fn shadow_differences_are_counted_and_the_enforced_policy_answers() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let events = Events::default();
    let _events = events.install();
    let app = test::init_service(
        App::new()
            .wrap(Cors::new(policy(false, false)).shadow(policy(true, false)))
            .route(
                "/transfer",
                web::post().to(|| async { HttpResponse::Ok().body("handled") }),
            ),
    )
    .await;

    let forged = test::call_service(&app, write_from("https://evil.example").to_request()).await;
    assert_eq!(
        forged.status(),
        StatusCode::OK,
        "the enforced policy answers"
    );
    let trusted = test::call_service(&app, write_from("https://app.example").to_request()).await;
    assert_eq!(trusted.status(), StatusCode::OK);

    let rendered = handle.render();
    assert_eq!(
        counter(&rendered, &["corsair_shadow_differences_total"]),
        1,
        "only the forged write is decided differently:\n{rendered}"
    );

    // One difference, logged with both decisions and the request it is about.
    assert_shadow_difference_logged(&events);
}

#[actix_web::test]
async fn report_only_counts_would_be_refusals_and_refuses_nothing() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let events = Events::default();
    let _events = events.install();
    let app = test::init_service(App::new().wrap(Cors::new(policy(true, true))).route(
        "/transfer",
        web::post().to(|| async { HttpResponse::Ok().body("handled") }),
    ))
    .await;

    let forged = test::call_service(&app, write_from("https://evil.example").to_request()).await;
    assert_eq!(forged.status(), StatusCode::OK);

    let rendered = handle.render();
    let would_refuse = [
        "corsair_requests_total",
        "kind=\"write\"",
        "decision=\"shadow_refused\"",
    ];
    assert_eq!(counter(&rendered, &would_refuse), 1, "{rendered}");
    assert_eq!(
        counter(&rendered, &["decision=\"refused\""]),
        0,
        "{rendered}"
    );
    assert_report_only_logged(&events);
}
