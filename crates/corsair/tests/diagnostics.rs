//! Every refusal is logged through `tracing` at debug level, with its reason.

use std::sync::{Arc, Mutex};

use corsair::{Config, Evaluation, RequestHead};
use tracing::{
    Event, Level, Metadata, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id, Record},
};

/// Records (level, target, `reason` field) of every event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<(Level, String, String)>>>);

struct Reason<'a>(&'a mut String);

impl Visit for Reason<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "reason" {
            *self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut reason = String::new();
        event.record(&mut Reason(&mut reason));
        let metadata = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((*metadata.level(), metadata.target().to_owned(), reason));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn logged_for(method: &str, headers: &[(&str, &str)]) -> Vec<(Level, String, String)> {
    let policy = Config::new()
        .allow_origins(["https://app.example.com"])
        .allow_methods(["PUT"])
        .build()
        .unwrap();
    let mut builder = http::Request::builder().method(method);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(()).unwrap();
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), || {
        match policy.evaluate(&RequestHead::from(&request)) {
            Evaluation::Preflight(answer) => drop(answer.response::<()>()),
            Evaluation::Actual(cors) => cors.apply(&mut http::HeaderMap::new()),
            Evaluation::Forbidden(answer) => drop(answer.response::<()>()),
        }
    });
    capture.0.lock().unwrap().clone()
}

#[test]
fn refused_preflight_is_logged_with_its_reason() {
    let events = logged_for(
        "OPTIONS",
        &[
            ("origin", "https://app.example.com"),
            ("access-control-request-method", "PATCH"),
        ],
    );
    assert_eq!(
        events,
        [(
            Level::DEBUG,
            "corsair".to_owned(),
            "method `PATCH` is not allowed by the policy".to_owned()
        )]
    );
}

#[test]
fn refused_origin_is_logged_with_its_reason() {
    let events = logged_for("GET", &[("origin", "https://evil.example")]);
    assert_eq!(
        events,
        [(
            Level::DEBUG,
            "corsair".to_owned(),
            "origin `https://evil.example` is not allowed by the policy".to_owned()
        )]
    );
}

#[test]
fn allowed_requests_log_nothing() {
    assert!(logged_for("GET", &[("origin", "https://app.example.com")]).is_empty());
    assert!(logged_for("GET", &[]).is_empty());
}
