//! Real-browser conformance for corsair: a headless Chromium judges both halves.
//!
//! * The **middleware half** serves policies through `corsair_tower::CorsLayer` on origin B
//!   (`http://localhost:PORT_B`) and checks that what a page on origin A
//!   (`http://127.0.0.1:PORT_A`) can do with `fetch()` is exactly what each policy intends.
//! * The **browser-model half** serves scripted, often malformed, CORS answers on origin B
//!   and checks that `corsair::browser`'s Chromium profile predicts everything Chromium did:
//!   allowed or blocked, preflight sent or not, actual request sent or not, status and
//!   readable response headers.
//!
//! Pieces: [`chromium`] (the browser and its WebDriver session, stopped whatever happens),
//! [`firefox`] (Firefox over WebDriver BiDi), [`webkit`] (MiniBrowser via WebKitWebDriver on
//! Xvfb), [`engine`] (what the model half needs from any of them),
//! [`page`] (origin A), [`scenario`] and [`generate`] (the model half), [`console`] (what
//! each engine prints to its console, against the model's messages), [`middleware`] (the
//! tower half), [`http1`] (a server that writes exactly the bytes it is given), [`record`]
//! (what origin B saw), [`process`] (child-process guards).

pub mod chromium;
pub mod console;
pub mod engine;
mod error;
pub mod firefox;
pub mod generate;
pub mod http1;
pub mod middleware;
pub mod model_half;
pub mod page;
pub mod process;
pub mod record;
pub mod scenario;
pub mod webdriver;
pub mod webkit;

pub use error::{Error, Result};
