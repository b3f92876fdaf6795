//! Side-by-side benchmarks of corsair against tower-http's `CorsLayer` and actix-cors, with
//! equivalent configurations, plus the same trivial service without any CORS layer.
//!
//! This library holds what the micro benchmarks (`benches/middleware.rs`), the end-to-end
//! server (`src/bin/e2e-server.rs`) and the smoke test (`tests/same_answers.rs`) share: one
//! configuration ([`Spec`]) expressed for every middleware, the requests of every case
//! ([`Case`]), and drivers that run a service call to completion without an async runtime
//! (every service here answers on its first poll). Run everything with `scripts/bench`; see
//! `BENCHMARKS.md` at the repository root.

mod answer;
mod app;
mod case;
mod spec;
mod subject;

pub use answer::Answer;
pub use app::{
    ActixApp, ActixNoop, Hello, HelloFuture, NoopMiddleware, actix_app, actix_app_service,
    actix_wrap, call_actix, call_tower, hello, now, tower_app, tower_floor,
};
pub use case::{Case, Template, repeated_names};
pub use spec::{EXPOSE, HEADERS, HELLO, MAX_AGE, METHODS, Origins, REFUSED_ORIGIN, Spec};
pub use subject::{Subject, floor};
