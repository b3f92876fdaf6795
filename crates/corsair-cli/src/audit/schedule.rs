//! Politeness: one global request rate (`--rate`), a number of requests in flight per host
//! (`--concurrency`), and the request log (`--log`).

use std::{
    collections::HashMap,
    io::Write as _,
    sync::{Arc, Mutex},
    time::Duration,
};

use corsair::browser::{Outgoing, ResponseHead};
use serde_json::json;
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Instant,
};

/// Shared by every URL's scan.
#[derive(Debug)]
pub(crate) struct Schedule {
    interval: Option<Duration>,
    next: tokio::sync::Mutex<Instant>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    log: Option<Mutex<std::fs::File>>,
}

impl Schedule {
    /// `rate` requests per second at most (none: unlimited), `per_host` in flight per host.
    pub(crate) fn new(rate: Option<f64>, per_host: usize, log: Option<std::fs::File>) -> Self {
        Self {
            interval: rate.map(|rate| Duration::from_secs_f64(1.0 / rate)),
            next: tokio::sync::Mutex::new(Instant::now()),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
            log: log.map(Mutex::new),
        }
    }

    /// Waits for a slot to send to `host`; the permit is held until the response is in.
    pub(crate) async fn slot(&self, host: &str) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        let permit = semaphore
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        if let Some(interval) = self.interval {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep_until(*next).await;
            }
            *next = (*next).max(now) + interval;
        }
        permit
    }

    /// Appends one line of JSON for a request and its answer (or why there was none).
    pub(crate) fn log(&self, outgoing: &Outgoing, answer: Result<&ResponseHead, &str>) {
        let Some(log) = &self.log else { return };
        let mut line = json!({
            "method": outgoing.method,
            "url": outgoing.url.to_string(),
            "headers": outgoing.headers,
        });
        match answer {
            Ok(response) => {
                line["status"] = json!(response.status);
                line["response_headers"] = json!(
                    response
                        .headers
                        .iter()
                        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
                        .collect::<Vec<_>>()
                );
            }
            Err(error) => line["error"] = json!(error),
        }
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(file, "{line}");
    }
}
