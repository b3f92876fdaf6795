//! `corsair demo`: a live CORS playground. Two origins on loopback: an API behind the corsair
//! tower middleware, and a page that sends real `fetch()` requests to it and shows, side by
//! side, what the browser did and what corsair's browser model predicted.

mod guard;
mod predict;
mod record;
mod serve;

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::Path,
    process::ExitCode,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use corsair::{Policy, PolicyHandle, browser::Initiator};
use corsair_tower::CorsLayer;
use serde::Deserialize;
use serde_json::json;

use crate::term::printable;
use guard::OwnPage;
use record::Recorder;

/// The demo runs every policy with corsair's debug switch on: a refused preflight is answered
/// with what did pass, so the browser's console names the precise reason.
///
/// The policy in force when none is given: lets the page's origin (any localhost port) in
/// with a few methods and headers, and disables preflight caching so every preflight shows.
pub(crate) const DEFAULT_POLICY: &str = r#"# The demo's built-in policy. Edit it in the page and apply it.
allow_origins = ["http://localhost:*"]
allow_methods = ["GET", "POST", "PUT", "DELETE"]
allow_headers = ["content-type", "x-requested-with"]
expose_headers = ["x-request-id"]
allow_credentials = true
max_age = -1
"#;

const PAGE: &str = include_str!("page.html");

/// The largest body a control request (a policy, a prediction) may have.
const CONTROL_BODY_BYTES: usize = 64 * 1024;
/// The largest body the API's echo reads.
const API_BODY_BYTES: usize = 1024 * 1024;

/// Headers the API's handler sets on every answer (also used by the model's prediction).
pub(crate) const ECHO_HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("x-request-id", "demo-42"),
    ("x-internal-trace", "not-exposed"),
];

#[derive(Clone)]
struct Shared {
    handle: PolicyHandle,
    source: Arc<Mutex<String>>,
    /// The policy the demo started with: a reloaded page starts from it again.
    initial_source: Arc<str>,
    recorder: Recorder,
    api_origin: String,
    /// The page's preflight cache, as the model sees it across requests.
    caches: predict::PageCaches,
}

pub(crate) fn run(policy_path: Option<&Path>, api_port: u16, page_port: u16) -> ExitCode {
    let source = match policy_path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(source) => source,
            Err(e) => {
                complain(&format!("cannot read {}: {e}", path.display()));
                return ExitCode::from(2);
            }
        },
        None => DEFAULT_POLICY.to_owned(),
    };
    let policy = match Policy::from_toml(&source) {
        Ok(policy) => policy,
        Err(e) => {
            complain(&format!("the policy is invalid:\n{e}"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            complain(&format!("cannot start the runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve(policy, source, api_port, page_port)) {
        Ok(()) => {
            say("corsair demo: stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            complain(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints a failure to standard error, escaped: it quotes a path, a policy file's values and
/// a TOML parser's view of the file, which are anyone's text.
fn complain(message: &str) {
    eprintln!("corsair demo: {}", printable(message));
}

/// Prints a line; a closed standard output (the demo piped into `head`) is not an error.
fn say(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

async fn bind(port: u16, what: &str) -> Result<tokio::net::TcpListener, String> {
    let address = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address} for the {what}: {e} (choose another port with --{what}-port)"))
}

async fn serve(
    policy: Policy,
    source: String,
    api_port: u16,
    page_port: u16,
) -> Result<(), String> {
    let api_listener = bind(api_port, "api").await?;
    let page_listener = bind(page_port, "page").await?;
    let api_port = api_listener.local_addr().map_err(|e| e.to_string())?.port();
    let page_port = page_listener
        .local_addr()
        .map_err(|e| e.to_string())?
        .port();
    // Two different origins on one machine: the API on 127.0.0.1, the page on localhost.
    let api_origin = format!("http://127.0.0.1:{api_port}");
    let page_origin = format!("http://localhost:{page_port}");
    policy.debug_switch().set(true);
    let handle = PolicyHandle::new(policy);
    let shared = Shared {
        handle: handle.clone(),
        initial_source: source.as_str().into(),
        source: Arc::new(Mutex::new(source)),
        recorder: Recorder::default(),
        caches: predict::PageCaches::default(),
        api_origin: api_origin.clone(),
    };

    let api = Router::new()
        .route("/api", axum::routing::any(echo))
        .route("/api/{*path}", axum::routing::any(echo))
        .layer(CorsLayer::reloadable(handle))
        .layer(axum::middleware::from_fn_with_state(
            shared.recorder.clone(),
            record::record,
        ))
        .layer(DefaultBodyLimit::max(API_BODY_BYTES));
    let controls = Router::new()
        .route("/_demo/config", get(config))
        .route("/_demo/policy", get(current_policy).post(apply_policy))
        .route("/_demo/log", get(log))
        .route("/_demo/predict", post(predict::predict))
        .route_layer(axum::middleware::from_fn_with_state(
            OwnPage { port: page_port },
            guard::own_page_only,
        ))
        .layer(DefaultBodyLimit::max(CONTROL_BODY_BYTES));
    let page = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        // Browsers ask for it on their own; a 404 would be a console error on a page about
        // console errors.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .merge(controls)
        .with_state(shared);

    say(&format!(
        "corsair demo\n  API (through corsair): {api_origin}/api/\n  playground:            {page_origin}/\nOpen the playground in a browser. Ctrl-C stops both servers."
    ));

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let servers = tokio::spawn(async move {
        tokio::join!(
            serve::serve(api_listener, api, until_stopped(stopped.clone())),
            serve::serve(page_listener, page, until_stopped(stopped)),
        )
    });
    let _ = tokio::signal::ctrl_c().await;
    let _ = stop.send(true);
    servers
        .await
        .map(drop)
        .map_err(|e| format!("server task failed: {e}"))
}

/// What the API answers to a request made by an element or an `EventSource`, named in the
/// query as `corsair-demo-as=<initiator>`: a body that initiator can use, so that only CORS
/// decides whether it loads.
fn loadable(uri: &Uri) -> Option<(&'static str, &'static [u8])> {
    let wanted = uri
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("corsair-demo-as="))?;
    match wanted.parse().ok()? {
        Initiator::Font => Some(("font/ttf", include_bytes!("assets/corsair.ttf"))),
        Initiator::Image => Some(("image/png", include_bytes!("assets/pixel.png"))),
        Initiator::ModuleScript => Some(("text/javascript", b"export default 1;\n")),
        Initiator::Stylesheet => Some(("text/css", b"p { margin: 0; }\n")),
        Initiator::EventSource => Some(("text/event-stream", b"data: hello\n\n")),
        Initiator::Fetch | Initiator::Xhr | Initiator::Form => None,
    }
}

/// The API: a small JSON echo of what arrived, or what an element or event stream loads.
async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Some((content_type, content)) = loadable(&uri) {
        let mut response = content.into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(content_type),
        );
        return response;
    }
    let received: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.to_string(),
                json!(String::from_utf8_lossy(value.as_bytes())),
            )
        })
        .collect();
    let mut response = Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "headers": received,
        "body_bytes": body.len(),
    }))
    .into_response();
    for (name, value) in ECHO_HEADERS {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            header::HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn config(State(shared): State<Shared>) -> Json<serde_json::Value> {
    Json(json!({ "api_origin": shared.api_origin, "initial_policy": &*shared.initial_source }))
}

async fn current_policy(State(shared): State<Shared>) -> Json<serde_json::Value> {
    let source = shared.source.lock().map(|s| s.clone()).unwrap_or_default();
    Json(json!({ "source": source, "grants": shared.handle.load().grants().to_string() }))
}

/// A policy the page applies: its TOML source.
#[derive(Deserialize)]
struct PolicyUpdate {
    source: String,
}

/// Validates and applies a policy; on any error nothing changes.
async fn apply_policy(State(shared): State<Shared>, Json(update): Json<PolicyUpdate>) -> Response {
    let body = update.source;
    // Parsing and validating a large policy takes a while: off the async workers, so other
    // connections are still served meanwhile.
    let (body, parsed) = match tokio::task::spawn_blocking(move || {
        let parsed = Policy::from_toml(&body);
        (body, parsed)
    })
    .await
    {
        Ok(done) => done,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    match parsed {
        Ok(policy) => {
            let grants = policy.grants().to_string();
            policy.debug_switch().set(true);
            shared.handle.store(policy);
            if let Ok(mut source) = shared.source.lock() {
                *source = body;
            }
            Json(json!({ "applied": true, "grants": grants })).into_response()
        }
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "applied": false, "errors": error.to_string().lines().collect::<Vec<_>>() })),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct LogQuery {
    id: String,
}

async fn log(
    State(shared): State<Shared>,
    Query(query): Query<LogQuery>,
) -> Json<serde_json::Value> {
    Json(json!(shared.recorder.entries(&query.id)))
}
