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
const REMEMBERED: usize = 500;

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
        entries.entry(id).or_default().push(entry);
    }
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
                .map(str::to_owned)
        })
    });
    // Everything is copied out of the request before it moves on (its body is not `Sync`, so
    // no borrow of it may live across the `await`).
    let (kind, method, origin, request_method, request_headers) = {
        let headers = request.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let kind = RequestHead::new(request.method(), request.uri(), headers)
            .kind()
            .as_str();
        (
            kind,
            request.method().to_string(),
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
            .map(|(name, value)| {
                (
                    name.to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
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
