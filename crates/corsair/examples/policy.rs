//! Loads a policy file (the embedded example by default), then shows how it answers a set of
//! typical requests: `cargo run -p corsair --features toml --example policy [-- POLICY.toml]`.

use std::process::ExitCode;

use corsair::{Evaluation, Policy, RequestHead};
use http::Request;

const EXAMPLE: &str = include_str!("policy.toml");

fn main() -> ExitCode {
    let (name, source) = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(source) => (path, source),
            Err(error) => {
                eprintln!("cannot read {path}: {error}");
                return ExitCode::from(2);
            }
        },
        None => ("the embedded example policy".to_owned(), EXAMPLE.to_owned()),
    };
    let policy = match Policy::from_toml(&source) {
        Ok(policy) => policy,
        Err(error) => {
            eprintln!("{name} is invalid:\n{error}");
            return ExitCode::FAILURE;
        }
    };
    println!("Loaded {name}:\n{}\n", source.trim_end());
    for (what, request) in requests() {
        println!("{what}\n  {}", describe(&policy, &request));
    }
    ExitCode::SUCCESS
}

fn requests() -> Vec<(&'static str, Request<()>)> {
    let preflight = |origin: &str, method: &str, headers: &str| {
        let mut builder = Request::builder()
            .method("OPTIONS")
            .uri("/api/items")
            .header("origin", origin)
            .header("access-control-request-method", method);
        if !headers.is_empty() {
            builder = builder.header("access-control-request-headers", headers);
        }
        builder.body(())
    };
    let get = |origin: &str| Request::get("/api/items").header("origin", origin).body(());
    [
        ("GET from the app", get("https://app.example.com")),
        (
            "GET from a preview deployment",
            get("https://pr-42.preview.example.com"),
        ),
        ("GET from an unknown site", get("https://evil.example")),
        (
            "GET without Origin (not CORS)",
            Request::get("/api/items").body(()),
        ),
        (
            "Preflight: PUT with JSON and a bearer token",
            preflight(
                "https://app.example.com",
                "PUT",
                "authorization,content-type",
            ),
        ),
        (
            "Preflight: PATCH (not allowed)",
            preflight("http://localhost:5173", "PATCH", ""),
        ),
        (
            "Preflight: custom header (not allowed)",
            preflight("https://app.example.com", "POST", "x-debug"),
        ),
    ]
    .into_iter()
    .filter_map(|(what, request)| Some((what, request.ok()?)))
    .collect()
}

fn describe(policy: &Policy, request: &Request<()>) -> String {
    let (verdict, status, headers) = match policy.evaluate(&RequestHead::from(request)) {
        Evaluation::Preflight(answer) => {
            let verdict = match answer.refusal() {
                None => "allowed".to_owned(),
                Some(reason) => format!("refused: {reason}"),
            };
            let response = answer.response::<()>();
            (
                verdict,
                response.status().to_string(),
                response.headers().clone(),
            )
        }
        Evaluation::Actual(cors) => {
            let verdict = match (cors.is_allowed(), cors.refusal()) {
                (true, _) => "allowed".to_owned(),
                (false, Some(reason)) => format!("refused: {reason}"),
                (false, None) => "no CORS headers needed".to_owned(),
            };
            let mut headers = http::HeaderMap::new();
            cors.apply(&mut headers);
            (verdict, "from the application".to_owned(), headers)
        }
        Evaluation::Forbidden(answer) => {
            let response = answer.response::<()>();
            (
                format!("refused before the application: {}", answer.refusal()),
                response.status().to_string(),
                response.headers().clone(),
            )
        }
    };
    let headers: Vec<String> = headers
        .iter()
        .map(|(name, value)| format!("    {name}: {}", value.to_str().unwrap_or("<binary>")))
        .collect();
    format!("{verdict} (status {status})\n{}", headers.join("\n"))
}
