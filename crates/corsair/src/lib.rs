//! CORS done completely: a validated, compiled server policy.
//!
//! A [`Config`] states what may cross origins; [`Config::build`] checks it against the rules
//! browsers enforce and the mistakes that make CORS insecure, reports every problem at once,
//! and compiles it into a [`Policy`]. A policy answers each request with precomputed header
//! values and, for listed origins and patterns, without allocating.
//!
//! ```
//! use corsair::{Config, Evaluation, RequestHead};
//!
//! let policy = Config::new()
//!     .allow_origins(["https://app.example.com", "https://*.preview.example.com"])
//!     .allow_methods(["GET", "POST", "DELETE"])
//!     .allow_headers(["content-type"])
//!     .allow_credentials(true)
//!     .build()?;
//!
//! let request = http::Request::get("/items")
//!     .header("origin", "https://pr-42.preview.example.com")
//!     .body(())
//!     .unwrap();
//! let Evaluation::Actual(cors) = policy.evaluate(&RequestHead::from(&request)) else {
//!     unreachable!("a GET is never a preflight");
//! };
//! let mut response = http::Response::new("[]");
//! cors.apply(response.headers_mut());
//! assert_eq!(
//!     response.headers()["access-control-allow-origin"],
//!     "https://pr-42.preview.example.com"
//! );
//! assert_eq!(response.headers()["access-control-allow-credentials"], "true");
//! assert_eq!(response.headers()["vary"], "Origin");
//! # Ok::<(), corsair::ConfigErrors>(())
//! ```
//!
//! # What `build` refuses
//!
//! Each refusal is a [`ConfigError`] whose message says how to fix it. Those with a legitimate
//! use have a `dangerously_*` opt-in, so `grep danger` finds every risk a policy takes.
//!
//! | configuration | error | opt-in |
//! | --- | --- | --- |
//! | no origin at all | [`ConfigError::NoOrigins`] | |
//! | `*` with credentials | [`ConfigError::AnyOriginWithCredentials`] | |
//! | `*` exposed headers with credentials | [`ConfigError::AnyExposedHeaderWithCredentials`] | |
//! | `null` origin | [`ConfigError::NullOrigin`] | `dangerously_allow_null_origin` |
//! | `file://` origin | [`ConfigError::FileOrigin`] | |
//! | plain `http` origin (not loopback) with credentials | [`ConfigError::InsecureOriginWithCredentials`] | `dangerously_allow_insecure_origins` |
//! | `https://*.com`, `https://*.github.io` with credentials | [`ConfigError::PublicSuffixSubdomains`] | `dangerously_allow_public_suffix_subdomains` |
//! | origin not written as browsers send it | [`ConfigError::NonCanonicalOrigin`] (with the canonical form) | |
//! | invalid method, CONNECT/TRACE/TRACK, `delete` | [`ConfigError::InvalidMethod`], [`ConfigError::ForbiddenMethod`], [`ConfigError::MethodNotNormalized`] | |
//! | `ws://`, `wss://`, `ftp://` origins (no page has one) | [`ConfigError::SchemeNeverSent`] | |
//! | `Cookie`, `Host`, `Sec-*`, `Proxy-*`... as allowed headers | [`ConfigError::ForbiddenRequestHeader`] | |
//! | `Set-Cookie`, `Access-Control-*` as exposed headers | [`ConfigError::UnexposableHeader`] | |
//! | max-age over 86400 seconds | [`ConfigError::MaxAgeOutOfRange`] | |
//! | a predicate with credentials granting a non-secure origin | refused at request time | `dangerously_allow_insecure_origins` |
//!
//! # How requests are answered
//!
//! * No `Origin`: not a CORS request; no grant, only `Vary: Origin`.
//! * `OPTIONS` with `Origin` and `Access-Control-Request-Method`: a preflight, answered by the
//!   policy (204 by default) echoing the requested method and headers, or refused with 403 and
//!   no grant. Every other `OPTIONS` reaches the application.
//! * Anything else with `Origin`: the application answers and [`Actual::apply`] adds
//!   `Access-Control-Allow-Origin` (the exact origin, or `*`), `-Allow-Credentials` and
//!   `-Expose-Headers`, replacing any the application set; `Vary: Origin` is merged.
//!
//! * Beside CORS, before the application: a WebSocket handshake whose `Origin` is neither
//!   allowed nor the server's own, and (with [`Config::refuse_cross_origin_writes`]) a
//!   forged write, are [`Evaluation::Forbidden`]: `403`, the application never runs. A
//!   [`Config::report_only`] policy only reports ([`Evaluation::verdict`]).
//!
//! Every refusal has a [`Refusal`] reason, logged through `tracing` at debug level; a
//! [`DebugSwitch`] makes refused preflights tell the browser exactly what failed.
//!
//! # Cargo features
//!
//! None is on by default, so a server middleware compiles only the engine.
//!
//! | feature | adds |
//! | --- | --- |
//! | `toml` | `Policy::from_toml` and `Config::from_toml`: policy files (below), with `PolicyFileError` |
//! | `browser` | the `browser` module: the browser's side of CORS, as Chromium, Firefox and WebKit run it |
//!
//! # Policy files
//!
//! With the `toml` feature, `Policy::from_toml` reads the TOML format the `corsair`
//! command-line tool uses. Unknown keys are errors, with a suggestion.
//!
//! ```toml
//! allow_origins = ["https://app.example.com", "https://*.preview.example.com", "http://localhost:*"]
//! allow_methods = ["GET", "POST", "PUT", "DELETE"]
//! allow_headers = ["content-type", "authorization"]
//! expose_headers = ["x-request-id"]
//! allow_credentials = true
//! max_age = 600                    # seconds; -1 disables caching, 0 leaves the browser default
//! allow_private_network = false
//! preflight_status = 204           # or 200
//! dangerously_allow_insecure_origins = false
//! dangerously_allow_public_suffix_subdomains = false
//! dangerously_allow_null_origin = false
//! refuse_cross_origin_writes = true    # see Config::refuse_cross_origin_writes
//! cross_origin_write_exemptions = [{ method = "POST", path = "/webhooks/stripe" }]
//! allow_cross_origin_websockets = false
//! trust_forwarded_host = false
//! report_only = false
//! ```
#![forbid(unsafe_code)]
// On docs.rs (nightly), marks each feature-gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// Request input and configuration never panic: errors are values.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "browser")]
pub mod browser;
mod byte_search;
mod grammar;
mod headers;
pub mod origin;
mod policy;

pub use origin::{Origin, OriginError, OriginPattern, PatternError};
pub use policy::{
    Actual, Check, Config, ConfigError, ConfigErrors, CorsRequest, CrossOriginSignal, DebugSwitch,
    Evaluation, Existing, FirstValue, FixedValue, Forbidden, Grants, HeaderList, MaxAge,
    OriginPredicate, Outcome, Policy, PolicyHandle, PolicyWarning, Preflight, PreflightStatus,
    Refusal, RequestHead, RequestHeader, RequestHeadersProblem, RequestKind, ResponseHeader,
    ResponseHeaders, Verdict,
};
#[cfg(feature = "toml")]
pub use policy::{Finding, Lint, PolicyFileError, Severity, UnknownKey, closest_key};
