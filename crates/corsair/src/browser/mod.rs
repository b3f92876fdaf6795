//! The browser half of CORS: the Fetch Standard's CORS algorithm as Chromium, Firefox and
//! WebKit run it. No I/O, no clock: given what a page asks for, it says which requests the
//! browser sends (preflight or not, with which headers), and given the responses, what the
//! page gets or why the browser blocked it, with the exact console message each browser
//! prints.
//!
//! * [`safelist`]: CORS-safelisted methods and request headers (every value rule), the names
//!   a preflight announces, readable response headers.
//! * [`PageRequest`]: what the page asks for, and which [`Initiator`] asks (`fetch()`,
//!   `XMLHttpRequest`, a font, an image, a module script, a stylesheet, an `EventSource`, a
//!   form); [`Fetch`]: one such request as a state machine, redirects included.
//! * [`PreflightCache`]: what lets a repeated request skip its preflight, per engine, on a
//!   clock the caller advances.
//! * [`Blocked`]: why a request failed, as [`Blocked::console_message`], [`Blocked::cause`]
//!   and [`Blocked::fix`].
//! * [`Browser`]: the engines, each one table of where it departs from the spec text; what
//!   other code may read of it is [`Browser::facts`].

mod blocked;
mod cache;
mod check;
mod fetch;
mod initiator;
mod page;
mod profile;
mod recognize;
mod redirect;
mod request_headers;
mod response;
pub mod safelist;
mod site;
mod step;
mod url;

pub use blocked::{BlockReason, Blocked, OtherKind};
pub use cache::PreflightCache;
pub use fetch::Fetch;
pub use initiator::{FORM_ENCODINGS, ImpossibleRequest, Initiator, Readable, UnknownInitiator};
pub use page::{Credentials, InvalidOption, Mode, PageRequest};
pub use profile::{Browser, DEFAULT_MAX_AGE, Facts, FetchMetadata, HeaderBytes, UnknownBrowser};
pub use recognize::{Finding, MAX_INPUT, OtherFailure, Recognized, recognize, recognize_all};
pub use response::ResponseHead;
pub use safelist::unsafe_request_header_names;
pub use site::FetchSite;
pub use step::{Exchange, Outcome, Outgoing, ResponseType, Step};
pub use url::{Url, UrlError};
