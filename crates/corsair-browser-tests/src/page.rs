//! Origin A: a tiny page whose script runs `fetch()`es for the harness and reports what
//! script could observe.

use std::sync::{Arc, Mutex, PoisonError};

use crate::{
    Result,
    http1::{RawResponse, Server},
};

/// The page. `corsairRun(scenarios, concurrency)` runs each scenario's fetches
/// (`{url, fetches: [init...], pauseMs}`, each made by `init.initiator`: `fetch()`,
/// `XMLHttpRequest`, an image, a stylesheet, a module script, a `FontFace`, an `EventSource`)
/// in order, `pauseMs` apart
/// (scenarios concurrently, `concurrency` at a time) and resolves with, per scenario, one
/// result per fetch: `{ok: true, type, status, headers}` where `headers` are the names
/// `response.headers` yields (for XHR: `getAllResponseHeaders`, and no type; for the others
/// nothing but that it loaded), or `{ok: false, error}` when the request failed.
///
/// Opened as `/#corsair=<scenarios, JSON, percent-encoded>` (by a browser without WebDriver),
/// it runs those scenarios one at a time and logs [`RESULTS_MARKER`] and the results as JSON
/// with `console.log`.
pub const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>corsair real-browser conformance</title>
<link rel="icon" href="data:,">
<script>
async function corsairFetch(url, init) {
  try {
    const response = await fetch(url, init);
    const headers = [];
    for (const [name] of response.headers) headers.push(name);
    try { await response.arrayBuffer(); } catch (e) {}
    return { ok: true, type: response.type, status: response.status, headers };
  } catch (e) {
    return corsairFailed(e);
  }
}
function corsairFailed(e) {
  return { ok: false, error: String(e && e.name) + ": " + String(e && e.message) };
}
// What script can see of an element or an EventSource: whether it loaded.
const corsairLoaded = { ok: true, type: "", status: 0, headers: [] };
function corsairXhr(url, init) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    try {
      xhr.open(init.method, url);
      xhr.withCredentials = init.credentials === "include";
      for (const [name, value] of init.headers) xhr.setRequestHeader(name, value);
    } catch (e) {
      resolve(corsairFailed(e));
      return;
    }
    xhr.onload = () => {
      const names = xhr.getAllResponseHeaders().split("\r\n")
        .filter((line) => line.includes(":"))
        .map((line) => line.slice(0, line.indexOf(":")).trim().toLowerCase());
      resolve({ ok: true, type: "", status: xhr.status, headers: [...new Set(names)].sort() });
    };
    xhr.onerror = () => resolve({ ok: false, error: "XMLHttpRequest: error event" });
    xhr.send();
  });
}
// `crossorigin` from the mode and credentials: none in no-cors mode.
function corsairCrossOrigin(element, init) {
  if (init.mode === "cors") {
    element.crossOrigin = init.credentials === "include" ? "use-credentials" : "anonymous";
  }
}
function corsairElement(element, init, attach) {
  return new Promise((resolve) => {
    corsairCrossOrigin(element, init);
    element.onload = () => { element.remove(); resolve(corsairLoaded); };
    element.onerror = () => {
      element.remove();
      resolve({ ok: false, error: element.localName + ": error event" });
    };
    attach(element);
  });
}
let corsairFonts = 0;
const corsairInitiators = {
  "fetch": corsairFetch,
  "xhr": corsairXhr,
  "image": (url, init) => corsairElement(new Image(), init, (img) => { img.src = url; }),
  "stylesheet": (url, init) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    return corsairElement(link, init, (link) => { link.href = url; document.head.append(link); });
  },
  "module-script": (url, init) => {
    const script = document.createElement("script");
    script.type = "module";
    return corsairElement(script, init, (script) => { script.src = url; document.head.append(script); });
  },
  "font": async (url) => {
    try {
      await new FontFace("corsair" + corsairFonts++, 'url("' + url + '")').load();
      return corsairLoaded;
    } catch (e) {
      return corsairFailed(e);
    }
  },
  "eventsource": (url, init) => new Promise((resolve) => {
    const source = new EventSource(url, { withCredentials: init.credentials === "include" });
    // Closed at once either way: an open stream would reconnect.
    source.onopen = () => { source.close(); resolve(corsairLoaded); };
    source.onerror = () => { source.close(); resolve({ ok: false, error: "EventSource: error event" }); };
  }),
};
function corsairFetchOnce(url, init) {
  return corsairInitiators[init.initiator || "fetch"](url, init);
}
async function corsairScenario(s) {
  const results = [];
  for (const init of s.fetches) {
    if (results.length > 0 && s.pauseMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, s.pauseMs));
    }
    results.push(await corsairFetchOnce(s.url, init));
  }
  return results;
}
window.corsairRun = async function (scenarios, concurrency) {
  const results = new Array(scenarios.length);
  let next = 0;
  async function worker() {
    while (next < scenarios.length) {
      const i = next++;
      results[i] = await corsairScenario(scenarios[i]);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return results;
};
if (location.hash.startsWith('#corsair=')) {
  window.corsairRun(JSON.parse(decodeURIComponent(location.hash.slice(9))), 1)
    .then(results => console.log('corsair-results ' + JSON.stringify(results)));
}
</script>
<p>corsair</p>
"#;

/// What the page logs before the results of scenarios it ran from its URL.
pub const RESULTS_MARKER: &str = "corsair-results ";

/// The response carrying [`PAGE`].
pub fn page_response() -> RawResponse {
    RawResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), b"text/html; charset=utf-8".to_vec()),
            ("Cache-Control".into(), b"no-store".to_vec()),
            ("Content-Length".into(), PAGE.len().to_string().into_bytes()),
        ],
        body: PAGE.as_bytes().to_vec(),
    }
}

/// Serves [`PAGE`] at `/` (and 404 elsewhere) on 127.0.0.1.
pub async fn serve_page() -> Result<Server> {
    Server::start(Arc::new(|request| {
        if request.path() == "/" {
            page_response()
        } else {
            RawResponse {
                status: 404,
                headers: vec![("Content-Length".into(), b"0".to_vec())],
                body: Vec::new(),
            }
        }
    }))
    .await
}

/// The page a browser was last sent to, so that scenarios run from the page it already shows
/// do not reload it.
#[derive(Debug, Default)]
pub(crate) struct CurrentPage(Mutex<Option<String>>);

impl CurrentPage {
    /// Runs `navigate` unless the browser is already at `url`.
    pub(crate) async fn open(
        &self,
        url: &str,
        navigate: impl AsyncFnOnce() -> Result<()>,
    ) -> Result<()> {
        let already = self.lock().as_deref() == Some(url);
        if !already {
            navigate().await?;
            *self.lock() = Some(url.to_owned());
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
