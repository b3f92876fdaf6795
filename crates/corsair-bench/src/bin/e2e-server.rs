//! The end-to-end subject: an axum hello-world on 127.0.0.1, with no CORS layer, with
//! tower-http's `CorsLayer` or with corsair's, configured alike (100 exact origins, see
//! `corsair_bench::Spec`), or with a layer that does nothing (it passes every response on
//! unchanged): what any layer costs in axum, whatever it does. One thread (a current-thread tokio runtime), so that `scripts/bench`
//! can pin the server to one core and the load generator to the other.
//!
//! `e2e-server none|noop|tower-http|corsair PORT`; prints `listening on ADDRESS` once ready and
//! serves until killed, or for at most 10 minutes.

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use axum::{Router, response::Response, routing::get};
use corsair_bench::{HELLO, Origins, Spec};
use tower::util::MapResponseLayer;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, port] = args.as_slice() else {
        eprintln!("usage: e2e-server none|noop|tower-http|corsair PORT");
        return ExitCode::from(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("bad port {port}");
        return ExitCode::from(2);
    };
    let spec = Spec::new(Origins::Exact(100));
    let app = Router::new().route("/", get(|| async { HELLO }));
    let app = match mode.as_str() {
        "none" => app,
        "noop" => app.layer(MapResponseLayer::new(std::convert::identity::<Response>)),
        "tower-http" => app.layer(spec.tower_http()),
        "corsair" => app.layer(corsair_tower::CorsLayer::new(spec.corsair())),
        other => {
            eprintln!("unknown mode {other}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let listener = match tokio::net::TcpListener::bind(address).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("bind {address}: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!("listening on {address}");
        // Bounded, in case whoever started it never stops it.
        let serve = axum::serve(listener, app);
        match tokio::time::timeout(Duration::from_secs(600), serve).await {
            Ok(Err(error)) => {
                eprintln!("serve: {error}");
                ExitCode::FAILURE
            }
            _ => ExitCode::SUCCESS,
        }
    })
}
