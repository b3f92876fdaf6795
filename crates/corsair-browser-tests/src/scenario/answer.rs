//! One scripted response of origin B, written on the wire exactly as scripted.

use std::fmt::{self, Write as _};

use corsair::browser::ResponseHead;

use crate::http1::{RawResponse, has_no_body};

/// One scripted response: status and header lines exactly as written on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Header lines, in order, names in the case written, values as bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Answer {
    /// An answer with these lines plus a correct `Content-Length` (none for 204 and 304).
    ///
    /// Chromium's HTTP cache keeps 300, 301, 308 and 410 responses without being told to
    /// (permanent redirects), so a repeated fetch would never reach the server again; that is
    /// HTTP caching, not CORS, so such answers always get `Cache-Control: no-store` unless
    /// they set `Cache-Control` themselves.
    pub fn new(status: u16, headers: Vec<(String, Vec<u8>)>, body: &[u8]) -> Self {
        let mut headers = headers;
        if matches!(status, 300 | 301 | 308 | 410)
            && !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("cache-control"))
        {
            headers.push(("Cache-Control".to_owned(), b"no-store".to_vec()));
        }
        let mut lines = Vec::with_capacity(headers.len() + 1);
        let body = if has_no_body(status) {
            Vec::new()
        } else {
            lines.push(("Content-Length".to_owned(), body.len().to_string().into()));
            body.to_vec()
        };
        lines.extend(headers);
        Self {
            status,
            headers: lines,
            body,
        }
    }

    /// What the server writes.
    pub fn raw(&self) -> RawResponse {
        RawResponse {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }

    /// The same response for the browser model: the same status and header lines, byte for
    /// byte.
    pub fn head(&self) -> ResponseHead {
        ResponseHead::new(self.status, self.headers.clone())
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{status: {}, headers: [", self.status)?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}[{name:?}, \"{}\"]", escape_bytes(value))?;
        }
        f.write_str("]}")
    }
}

/// Bytes as a JSON-ish string body: printable ASCII kept, the rest as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02X}");
            }
        }
    }
    out
}
