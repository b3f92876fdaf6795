//! WebSocket handshakes: CORS does not cover them, so a handshake from an origin the policy
//! does not allow, and that is not the server's own, is refused (cross-site WebSocket
//! hijacking).

use super::{Compiled, CorsRequest, Refusal, RequestHeader, same_origin};

/// Whether the request asks to upgrade to a WebSocket: a `GET` (RFC 6455 allows no other
/// method, and WebSocket servers refuse any other) with `Upgrade: websocket`, in any case,
/// possibly among other protocols.
pub(super) fn is_handshake<'a>(request: &impl CorsRequest<'a>) -> bool {
    request.method() == "GET"
        && request.values(RequestHeader::Upgrade).any(|value| {
            value
                .as_ref()
                .split(|&b| b == b',')
                .any(|protocol| protocol.trim_ascii().eq_ignore_ascii_case(b"websocket"))
        })
}

/// Refuses a handshake whose `Origin` (`Some(None)` when repeated) is neither the server's
/// own nor allowed by the policy; without `Origin` (not a browser) it passes.
pub(super) fn check<'a, R: CorsRequest<'a>>(
    policy: &'a Compiled,
    request: &R,
    origin: Option<Option<&'a R::Value>>,
    resolved: Option<&dyn Fn(&str) -> bool>,
) -> Result<(), Refusal> {
    let origin = match origin {
        None => return Ok(()),
        Some(None) => return Err(Refusal::MalformedOrigin),
        Some(Some(origin)) => origin,
    };
    if origin.as_ref() != b"null"
        && (same_origin::is_own_origin(origin.as_ref(), request, policy.trust_forwarded_host)
            || policy
                .origins
                .check(request, Some(origin), resolved)
                .is_ok())
    {
        return Ok(());
    }
    Err(Refusal::WebSocketOriginNotAllowed {
        origin: request.share(origin).into_owned(),
    })
}
