//! What the API received, per demo request, so the page can show the preflight that script
//! itself never sees.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use corsair::RequestHead;
use serde::Serialize;

/// How many demo requests are remembered (oldest forgotten first).
const REMEMBERED: usize = 200;
/// How many exchanges one demo request keeps: a fetch sends at most a preflight and a request
/// per redirect hop, so more than this is somebody writing into the log on purpose.
const ENTRIES_PER_ID: usize = 48;
/// The longest header value kept, in bytes; a longer one is cut and marked with `…`.
const VALUE_BYTES: usize = 512;
/// The longest id recorded. The page's ids are 32 hex digits drawn at random, so nobody can
/// guess another page's id and write into its log.
const ID_BYTES: usize = 64;

/// The query parameter carrying a demo request's id.
pub(crate) const ID_PARAMETER: &str = "corsair-demo-id";

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Entry {
    kind: &'static str,
    method: String,
    origin: Option<String>,
    request_method: Option<String>,
    request_headers: Option<String>,
    status: u16,
    cors_headers: Vec<(String, String)>,
}

/// Entries by demo id, and the ids in arrival order (to forget the oldest).
#[derive(Default)]
struct Log {
    entries: HashMap<String, Vec<Entry>>,
    order: VecDeque<String>,
}

#[derive(Clone, Default)]
pub(crate) struct Recorder {
    log: Arc<Mutex<Log>>,
}

impl Recorder {
    pub(crate) fn entries(&self, id: &str) -> Vec<Entry> {
        self.log
            .lock()
            .map(|log| log.entries.get(id).cloned().unwrap_or_default())
            .unwrap_or_default()
    }

    fn push(&self, id: String, entry: Entry) {
        let Ok(mut log) = self.log.lock() else { return };
        let Log { entries, order } = &mut *log;
        if !entries.contains_key(&id) {
            order.push_back(id.clone());
            if order.len() > REMEMBERED
                && let Some(oldest) = order.pop_front()
            {
                entries.remove(&oldest);
            }
        }
        let kept = entries.entry(id).or_default();
        if kept.len() < ENTRIES_PER_ID {
            kept.push(entry);
        }
    }
}

/// `value` as text, cut to at most [`VALUE_BYTES`] bytes (on a character boundary).
fn bounded(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    if text.len() <= VALUE_BYTES {
        return text.into_owned();
    }
    let mut end = VALUE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Whether `id` can be one the page made (and is short enough to store).
fn is_demo_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= ID_BYTES
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Records each request that carries a demo id, with the answer corsair gave it.
pub(crate) async fn record(
    State(recorder): State<Recorder>,
    request: Request,
    next: Next,
) -> Response {
    let id = request.uri().query().and_then(|query| {
        query.split('&').find_map(|pair| {
            pair.strip_prefix(ID_PARAMETER)?
                .strip_prefix('=')
                .filter(|id| is_demo_id(id))
                .map(str::to_owned)
        })
    });
    // Everything is copied out of the request before it moves on (its body is not `Sync`, so
    // no borrow of it may live across the `await`).
    let (kind, method, origin, request_method, request_headers) = {
        let headers = request.headers();
        let header = |name: &str| headers.get(name).map(|v| bounded(v.as_bytes()));
        let kind = RequestHead::new(request.method(), request.uri(), headers)
            .kind()
            .as_str();
        (
            kind,
            bounded(request.method().as_str().as_bytes()),
            header("origin"),
            header("access-control-request-method"),
            header("access-control-request-headers"),
        )
    };
    let response = next.run(request).await;
    if let Some(id) = id {
        let cors_headers = response
            .headers()
            .iter()
            .filter(|(name, _)| {
                name.as_str().starts_with("access-control-") || name.as_str() == "vary"
            })
            .map(|(name, value)| (name.to_string(), bounded(value.as_bytes())))
            .collect();
        recorder.push(
            id,
            Entry {
                kind,
                method,
                origin,
                request_method,
                request_headers,
                status: response.status().as_u16(),
                cors_headers,
            },
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            kind: "preflight",
            method: "OPTIONS".to_owned(),
            origin: None,
            request_method: None,
            request_headers: None,
            status: 204,
            cors_headers: Vec::new(),
        }
    }

    #[test]
    fn one_id_keeps_a_bounded_number_of_entries() {
        let recorder = Recorder::default();
        for _ in 0..ENTRIES_PER_ID * 10 {
            recorder.push("a".to_owned(), entry());
        }
        assert_eq!(recorder.entries("a").len(), ENTRIES_PER_ID);
    }

    #[test]
    fn the_oldest_ids_are_forgotten() {
        let recorder = Recorder::default();
        for id in 0..REMEMBERED + 5 {
            recorder.push(id.to_string(), entry());
        }
        assert!(recorder.entries("0").is_empty());
        assert!(recorder.entries("4").is_empty());
        assert_eq!(recorder.entries("5").len(), 1);
        assert_eq!(recorder.entries(&(REMEMBERED + 4).to_string()).len(), 1);
    }

    #[test]
    fn long_values_are_cut() {
        assert_eq!(bounded(b"content-type"), "content-type");
        let long = "é".repeat(VALUE_BYTES);
        let cut = bounded(long.as_bytes());
        assert!(cut.len() <= VALUE_BYTES + '…'.len_utf8(), "{}", cut.len());
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn ids_are_short_and_plain() {
        assert!(is_demo_id("0f3a9c2e5b7d41a68e0c9d2b3a4f5e6d"));
        assert!(!is_demo_id(""));
        assert!(!is_demo_id(&"a".repeat(ID_BYTES + 1)));
        assert!(!is_demo_id("a%20b"));
    }
}
