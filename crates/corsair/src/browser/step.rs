//! What a fetch asks of its caller at each step: a request to send, or how it ended.

use super::{Blocked, Url};

/// Which of a fetch's requests this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exchange {
    /// The CORS preflight (`OPTIONS`).
    Preflight,
    /// The request the page asked for (possibly after redirects).
    Actual,
}

impl Exchange {
    /// A stable name: `preflight` or `request`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preflight => "preflight",
            Self::Actual => "request",
        }
    }
}

/// A request the browser sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Preflight or actual.
    pub exchange: Exchange,
    /// The method.
    pub method: String,
    /// The URL.
    pub url: Url,
    /// The headers the CORS protocol is about (`Origin`, `Access-Control-Request-*`) and
    /// those the page set, in order.
    pub headers: Vec<(String, String)>,
    /// Whether cookies and HTTP authentication go along.
    pub with_credentials: bool,
}

/// What the page gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    /// Same-origin: everything but `Set-Cookie` is readable.
    Basic,
    /// Cross-origin, allowed by CORS.
    Cors,
    /// `no-cors`: status 0, no headers, no body for script.
    Opaque,
}

impl ResponseType {
    /// The Fetch Standard's name of the type: `basic`, `cors` or `opaque`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Cors => "cors",
            Self::Opaque => "opaque",
        }
    }
}

/// How a fetch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The response type, or why the browser blocked the request.
    pub result: Result<ResponseType, Blocked>,
    /// The status of the last response received (the network's, even when script sees none).
    pub status: Option<u16>,
    /// Lowercase names of the response headers script can read.
    pub readable_headers: Vec<String>,
    /// Preflights sent.
    pub preflights: u32,
    /// Actual requests sent (more than one after redirects).
    pub requests: u32,
}

/// The next thing the browser does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this request, then pass its response to [`Fetch::receive`](super::Fetch::receive).
    Send(Outgoing),
    /// The fetch is over.
    Done(Outcome),
}
