//! The answer to a request the cross-origin protections refuse: `403 Forbidden`, without
//! calling the application.

use http::{HeaderValue, Response, StatusCode};

use super::{Check, Refusal, ResponseHeader, ResponseHeaders};

/// A refused write or WebSocket handshake: answer it with [`Forbidden::response`] (or
/// [`Forbidden::status`] and [`Forbidden::write_headers`]); the application never runs.
///
/// The answer carries no CORS grant, so the refused page cannot read it either. With the
/// policy's [`DebugSwitch`](crate::DebugSwitch) on, it names the reason in an
/// `x-corsair-refusal` header.
#[derive(Debug, Clone)]
pub struct Forbidden<V = HeaderValue> {
    refusal: Refusal<V>,
    check: Check,
    explain: bool,
}

impl<V: AsRef<[u8]>> Forbidden<V> {
    pub(super) fn new(refusal: Refusal<V>, check: Check, explain: bool) -> Self {
        tracing::debug!(
            target: "corsair",
            reason = %refusal,
            kind = refusal.kind(),
            check = check.as_str(),
            "request refused before the application"
        );
        Self {
            refusal,
            check,
            explain,
        }
    }

    /// Why it was refused.
    pub fn refusal(&self) -> &Refusal<V> {
        &self.refusal
    }

    /// Which check refused it: [`Check::Write`] or [`Check::WebSocket`].
    pub fn check(&self) -> Check {
        self.check
    }

    /// Always `403 Forbidden`.
    pub fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }

    /// Writes the answer's headers into a new response's header map: none, but the reason in
    /// debug mode.
    pub fn write_headers(&self, headers: &mut impl ResponseHeaders) {
        if self.explain
            && let Ok(reason) = HeaderValue::from_str(&self.refusal.to_string())
        {
            headers.append(ResponseHeader::XCorsairRefusal, &reason);
        }
    }

    /// The whole answer as a response with an empty body.
    pub fn response<B: Default>(&self) -> Response<B> {
        let mut response = Response::new(B::default());
        *response.status_mut() = self.status();
        self.write_headers(response.headers_mut());
        response
    }
}
