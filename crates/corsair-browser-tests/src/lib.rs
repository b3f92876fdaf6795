//! Real-browser conformance for corsair: real engines (headless Chromium, Firefox and WebKit)
//! judge both halves.
//!
//! * The **middleware half** serves policies through `corsair_tower::CorsLayer` on origin B
//!   (`http://localhost:PORT_B`) and checks that what a page on origin A
//!   (`http://127.0.0.1:PORT_A`) can do with `fetch()` is exactly what each policy intends.
//! * The **browser-model half** serves scripted, often malformed, CORS answers on origin B
//!   and checks that the engine's profile in `corsair::browser` predicts everything the
//!   engine did: allowed or blocked, preflight sent or not, actual request sent or not, status
//!   and readable response headers.
//!
//! Pieces: [`chromium`] (Chromium via chromedriver), [`firefox`] (Firefox over WebDriver
//! BiDi), [`webkit`] (MiniBrowser via WebKitWebDriver on Xvfb), [`webdriver`] (the WebDriver
//! classic session of the first and the last), [`engine`] (what the suites need from any of
//! them, and [`engine_tests!`], one test per engine), [`result`] (what a `fetch()` gave the
//! page), [`page`] (origin A), [`scenario`] and [`generate`] (the model half), [`console`]
//! (what each engine prints to its console, against the model's messages), [`middleware`]
//! (the tower half), [`http1`] (a server that writes exactly the bytes it is given),
//! [`record`] (what origin B saw), [`process`] (finding, starting, waiting for and stopping
//! the engines' processes).

pub mod chromium;
pub mod console;
pub mod engine;
mod error;
pub mod firefox;
pub mod generate;
pub mod http1;
pub mod localised_console;
pub mod middleware;
pub mod model_half;
pub mod page;
pub mod process;
pub mod protection;
pub mod record;
pub mod result;
pub mod scenario;
pub mod webdriver;
pub mod webkit;

pub use error::{Error, Result};
