//! What corsair predicts for a request from the page: the browser model, answered in-process
//! by the policy in force and the API's handler, exactly as the real servers would answer.

use axum::{Json, extract::State};
use corsair::{
    Evaluation, Origin, Policy, RequestHead,
    browser::{
        Browser, Credentials, Exchange, Fetch, Initiator, Mode, Outgoing, PageRequest,
        PreflightCache, Readable, ResponseHead, Url,
    },
};
use serde::Deserialize;
use serde_json::{Value, json};

use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

use super::{ECHO_HEADERS, Shared};

/// The preflight cache of the page's browser, kept across predictions as the browser keeps
/// its own across fetches: one per engine, aged by the real time between requests.
#[derive(Clone, Default)]
pub(crate) struct PageCaches(Arc<Mutex<Vec<(Browser, PreflightCache, Instant)>>>);

impl PageCaches {
    /// Runs `use_cache` with the engine's cache, aged to now.
    fn with<T>(&self, browser: Browser, use_cache: impl FnOnce(&mut PreflightCache) -> T) -> T {
        let mut caches = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let index = match caches.iter().position(|(engine, ..)| *engine == browser) {
            Some(index) => index,
            None => {
                caches.push((browser, PreflightCache::new(browser), now));
                caches.len() - 1
            }
        };
        let (_, cache, last) = &mut caches[index];
        cache.age(now.duration_since(*last));
        *last = now;
        use_cache(cache)
    }
}

#[derive(Deserialize)]
pub(crate) struct Prediction {
    page_origin: String,
    url: String,
    method: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    credentials: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    browser: Option<String>,
    #[serde(default)]
    initiator: Option<String>,
}

pub(crate) async fn predict(
    State(shared): State<Shared>,
    Json(request): Json<Prediction>,
) -> Json<Value> {
    Json(
        match model(&shared.handle.load(), &shared.caches, request) {
            Ok(prediction) => prediction,
            Err(problem) => json!({ "error": problem }),
        },
    )
}

fn model(policy: &Policy, caches: &PageCaches, request: Prediction) -> Result<Value, String> {
    let browser: Browser = request
        .browser
        .as_deref()
        .unwrap_or("chromium")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let origin = Origin::parse(&request.page_origin).map_err(|e| e.to_string())?;
    let url = Url::parse(&request.url).map_err(|e| e.to_string())?;
    let credentials: Credentials = request
        .credentials
        .as_deref()
        .unwrap_or("same-origin")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mode: Mode = request
        .mode
        .as_deref()
        .unwrap_or("cors")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let initiator: Initiator = request
        .initiator
        .as_deref()
        .unwrap_or("fetch")
        .parse()
        .map_err(|e| format!("{e}"))?;
    let mut page = PageRequest::by(initiator, origin, url)
        .method(request.method)
        .credentials(credentials)
        .mode(mode);
    for (name, value) in request.headers {
        page = page.header(name, value);
    }
    page.validate().map_err(|e| e.to_string())?;
    let mut preflight = false;
    let mut reached = false;
    let outcome = caches.with(browser, |cache| {
        Fetch::new(browser, page, cache).run(|outgoing| {
            match outgoing.exchange {
                Exchange::Preflight => preflight = true,
                Exchange::Actual => reached = true,
            }
            answer(policy, outgoing)
        })
    });
    // What script cannot read is shown as unknown, as the page shows it.
    let status = outcome
        .status
        .filter(|_| initiator.readable() != Readable::Nothing);
    Ok(match outcome.result {
        Ok(_) => json!({
            "result": "allowed",
            "preflight": preflight,
            "reached": reached,
            "status": status,
            "readable_headers": outcome.readable_headers,
        }),
        Err(blocked) => json!({
            "result": "blocked",
            "preflight": preflight,
            "reached": reached,
            "status": outcome.status,
            "readable_headers": [],
            "kind": blocked.reason.kind(),
            "console": blocked.console_message(browser),
            "cause": blocked.cause(),
            "fix": blocked.fix(),
        }),
    })
}

/// What the demo's API answers to `outgoing`: corsair's preflight answer, or the handler's
/// response with corsair's headers (plus the headers the HTTP server itself adds).
fn answer(policy: &Policy, outgoing: &Outgoing) -> ResponseHead {
    let mut request = http::Request::new(());
    *request.method_mut() =
        http::Method::from_bytes(outgoing.method.as_bytes()).unwrap_or(http::Method::GET);
    *request.uri_mut() = outgoing.url.path().parse().unwrap_or_default();
    for (name, value) in &outgoing.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            request.headers_mut().append(name, value);
        }
    }
    let (status, headers) = match policy.evaluate(&RequestHead::from(&request)) {
        Evaluation::Preflight(answer) => {
            let response = answer.response::<()>();
            (response.status().as_u16(), response.headers().clone())
        }
        Evaluation::Actual(cors) => {
            let mut headers = http::HeaderMap::new();
            for (name, value) in ECHO_HEADERS
                .iter()
                .chain(&[("content-length", "0"), ("date", "now")])
            {
                if let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_str(value),
                ) {
                    headers.insert(name, value);
                }
            }
            cors.apply(&mut headers);
            (200, headers)
        }
        Evaluation::Forbidden(answer) => {
            let response = answer.response::<()>();
            (response.status().as_u16(), response.headers().clone())
        }
    };
    ResponseHead::new(
        status,
        headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put() -> Prediction {
        Prediction {
            page_origin: "http://localhost:8788".into(),
            url: "http://127.0.0.1:8787/api/items".into(),
            method: "PUT".into(),
            headers: Vec::new(),
            credentials: None,
            mode: None,
            browser: None,
            initiator: None,
        }
    }

    #[test]
    fn an_initiator_is_predicted_as_it_loads_and_refused_what_it_cannot_ask() {
        let policy = Policy::from_toml("allow_origins = [\"https://app.example\"]\n").unwrap();
        let caches = PageCaches::default();
        let image = |mode: &str, credentials: &str| Prediction {
            method: "GET".into(),
            initiator: Some("image".into()),
            mode: Some(mode.into()),
            credentials: Some(credentials.into()),
            ..put()
        };
        let loaded = model(&policy, &caches, image("no-cors", "include")).unwrap();
        assert_eq!(loaded["result"], "allowed", "{loaded}");
        assert_eq!(
            loaded["status"],
            Value::Null,
            "script reads no status: {loaded}"
        );
        let blocked = model(&policy, &caches, image("cors", "same-origin")).unwrap();
        assert_eq!(blocked["result"], "blocked", "{blocked}");
        assert!(
            blocked["console"]
                .as_str()
                .unwrap()
                .starts_with("Access to image at")
        );
        let put_image = Prediction {
            initiator: Some("image".into()),
            ..put()
        };
        assert!(model(&policy, &caches, put_image).is_err());
    }

    #[test]
    fn the_pages_preflight_cache_lasts_across_predictions() {
        let policy = Policy::from_toml(
            "allow_origins = [\"http://localhost:*\"]\nallow_methods = [\"PUT\"]\nmax_age = 0\n",
        )
        .unwrap();
        let caches = PageCaches::default();
        let first = model(&policy, &caches, put()).unwrap();
        assert_eq!(first["preflight"], true, "{first}");
        let second = model(&policy, &caches, put()).unwrap();
        assert_eq!(
            second["preflight"], false,
            "the browser default keeps it: {second}"
        );
        // A fresh cache (another engine) preflights again.
        let firefox = Prediction {
            browser: Some("firefox".into()),
            ..put()
        };
        assert_eq!(model(&policy, &caches, firefox).unwrap()["preflight"], true);
    }
}
