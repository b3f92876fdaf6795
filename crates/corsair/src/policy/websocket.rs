//! WebSocket handshakes: CORS does not cover them, so a handshake from an origin the policy
//! does not allow, and that is not the server's own, is refused (cross-site WebSocket
//! hijacking).

use super::request::ReadUpgrade;
use super::{Compiled, CorsRequest, Refusal, RequestHeader, same_origin};

/// Whether the request opens a WebSocket: over HTTP/1.1, a `GET` (RFC 6455 allows no other
/// method, and WebSocket servers refuse any other) with `Upgrade: websocket`, in any case,
/// possibly among other protocols; over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220), an extended
/// `CONNECT` carrying `Sec-WebSocket-Version` (sent with every handshake, RFC 8441 §5).
///
/// The extended `CONNECT`'s `:protocol = websocket` pseudo-header is not a header: each
/// server keeps it its own way (hyper in a request extension), out of this engine's reach.
/// `CONNECT` with `Sec-WebSocket-Version` says the same without it: a proxy tunnel's `CONNECT`
/// never carries that header, and `:protocol` names no other protocol that does. Counting
/// such a request as a handshake only ever adds the `Origin` check, which a tunnel request
/// (sent without `Origin`) passes.
///
/// `upgrade` is `Upgrade` if [`classify`](super::request::classify) read it with `Origin`:
/// then it is looked up only when repeated.
// Inlined into its one caller: a method comparison, and a lookup for `GET` and `CONNECT`.
#[inline]
pub(super) fn is_handshake<'a, R: CorsRequest<'a>>(
    request: &R,
    upgrade: ReadUpgrade<'a, R::Value>,
) -> bool {
    let websocket = |value: &R::Value| {
        value
            .as_ref()
            .split(|&b| b == b',')
            .any(|protocol| protocol.trim_ascii().eq_ignore_ascii_case(b"websocket"))
    };
    match request.method() {
        "GET" => match upgrade {
            Some(None) => false,
            Some(Some(first)) if !first.repeated => websocket(first.value),
            _ => request.values(RequestHeader::Upgrade).any(websocket),
        },
        "CONNECT" => request
            .values(RequestHeader::SecWebSocketVersion)
            .next()
            .is_some(),
        _ => false,
    }
}

/// Refuses a handshake whose `Origin` (`None` when repeated) is neither the server's own nor
/// allowed by the policy. A handshake without `Origin` (not a browser's) is never checked.
pub(super) fn check<'a, R: CorsRequest<'a>>(
    policy: &'a Compiled,
    request: &R,
    origin: Option<&'a R::Value>,
    resolved: Option<&dyn Fn(&str) -> bool>,
) -> Result<(), Refusal<R::Value>> {
    let origin = origin.ok_or(Refusal::MalformedOrigin)?;
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
        origin: origin.clone(),
    })
}
