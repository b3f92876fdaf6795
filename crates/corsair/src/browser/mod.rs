//! The browser half of CORS: the Fetch Standard's CORS algorithm as Chromium, Firefox and
//! WebKit run it. No I/O: given what a page asks for, it says which requests the browser sends
//! (preflight or not, with which headers), and given the responses, what the page gets or why
//! the browser blocked it, with the exact console message each browser prints.
//!
//! * [`safelist`]: CORS-safelisted methods and request headers (every value rule), the names
//!   a preflight announces, readable response headers.
//! * [`Fetch`]: one `fetch()` as a state machine, redirects included.
//! * [`PreflightCache`]: what lets a repeated request skip its preflight, per engine.
//! * [`Blocked`]: why a request failed, as [`Blocked::console_message`], [`Blocked::cause`]
//!   and [`Blocked::fix`].
//! * [`Browser`]: the profiles, and each place where an engine departs from the spec text.

mod blocked;
mod cache;
mod check;
mod fetch;
mod profile;
mod recognize;
mod response;
pub mod safelist;
mod url;

pub use blocked::{BlockReason, Blocked};
pub use cache::PreflightCache;
pub use fetch::{
    Credentials, Exchange, Fetch, InvalidOption, Mode, Outcome, Outgoing, PageRequest,
    ResponseType, Step,
};
pub use profile::{Browser, DEFAULT_MAX_AGE, EmptyLocation, UnknownBrowser};
pub use recognize::{Recognized, recognize};
pub use response::ResponseHead;
pub use safelist::unsafe_request_header_names;
pub use url::{Url, UrlError};
