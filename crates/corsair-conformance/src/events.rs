//! `tracing` events captured in a test with their fields, so that a test asserts what a
//! decision reports (kind, decision, reason, origin, method), not only that it was counted.

use std::{
    collections::BTreeMap,
    fmt,
    sync::{Arc, Mutex, PoisonError},
};

use tracing::{
    Event, Metadata, Subscriber,
    field::{Field, Visit},
    span,
    subscriber::DefaultGuard,
};

/// One event: its target, message and fields, each value as it would be displayed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captured {
    /// The event's target (`corsair` for every decision).
    pub target: String,
    /// Every field but the message, by name.
    pub fields: BTreeMap<String, String>,
    /// The message.
    pub message: String,
}

impl Captured {
    /// The value of field `name`, if the event has it.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// Fails the calling test unless each `(field, value)` is one of the event's.
    #[track_caller]
    pub fn assert_fields(&self, expected: &[(&str, &str)]) {
        for &(field, value) in expected {
            assert_eq!(self.field(field), Some(value), "{field}: {self:?}");
        }
    }
}

/// Every event emitted on this thread while installed ([`Events::install`]).
#[derive(Clone, Debug, Default)]
pub struct Events(Arc<Mutex<Vec<Captured>>>);

impl Events {
    /// Captures this thread's events until the guard is dropped (for a `current_thread`
    /// runtime or actix-web's test runtime, every poll of the request's future).
    pub fn install(&self) -> DefaultGuard {
        tracing::subscriber::set_default(self.clone())
    }

    /// The one event so far whose message is `message`; fails the calling test unless there
    /// is exactly one.
    #[track_caller]
    pub fn only(&self, message: &str) -> Captured {
        match &self.with_message(message)[..] {
            [event] => event.clone(),
            events => panic!("expected one {message:?} event, got {events:?}"),
        }
    }

    /// The events so far whose message is `message`, in order.
    pub fn with_message(&self, message: &str) -> Vec<Captured> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|event| event.message == message)
            .cloned()
            .collect()
    }
}

/// Fails the calling test unless `events` hold what both integrations log when a shadow
/// policy refusing forged writes watches an enforced one that does not: one difference, for
/// the forged `POST /transfer` from `https://evil.example`, with both decisions; and two
/// decisions, the second (from the trusted `https://app.example`) allowed.
#[track_caller]
pub fn assert_shadow_difference_logged(events: &Events) {
    let difference = events.only("the shadow policy decides differently");
    assert_eq!(difference.target, "corsair");
    difference.assert_fields(&[
        ("kind", "actual"),
        ("decision", "refused"),
        ("reason", "origin_not_allowed"),
        ("shadow_kind", "write"),
        ("shadow_decision", "refused"),
        ("shadow_reason", "cross_origin_write"),
        ("origin", "https://evil.example"),
        ("method", "POST"),
        ("route", "/transfer"),
    ]);
    let decisions = events.with_message("CORS decision");
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    decisions[1].assert_fields(&[
        ("origin", "https://app.example"),
        ("decision", "allowed"),
        ("reason", "none"),
    ]);
}

/// Fails the calling test unless `events` hold the one decision a report-only policy that
/// refuses forged writes logs for the forged `POST /transfer` from `https://evil.example`:
/// `shadow_refused`, as a write.
#[track_caller]
pub fn assert_report_only_logged(events: &Events) {
    events.only("CORS decision").assert_fields(&[
        ("kind", "write"),
        ("decision", "shadow_refused"),
        ("reason", "cross_origin_write"),
        ("origin", "https://evil.example"),
        ("method", "POST"),
        ("route", "/transfer"),
    ]);
}

impl Visit for Captured {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record(field, value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record(field, format!("{value:?}"));
    }
}

impl Captured {
    fn record(&mut self, field: &Field, value: String) {
        if field.name() == "message" {
            self.message = value;
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Subscriber for Events {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    // Spans are not what these tests read; every one gets the same id.
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut captured = Captured {
            target: event.metadata().target().to_owned(),
            ..Captured::default()
        };
        event.record(&mut captured);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(captured);
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}
