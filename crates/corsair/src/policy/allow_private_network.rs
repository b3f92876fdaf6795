//! `Access-Control-Allow-Private-Network`: Private Network Access preflights.

use super::{CorsRequest, Refusal, RequestHeader, ResponseHeader, ResponseHeaders, TRUE};

/// Whether the answer grants Private Network Access: only when the preflight asks for it,
/// which is refused unless the policy `allowed` it.
pub(super) fn check<'a, R: CorsRequest<'a>>(
    allowed: bool,
    request: &R,
) -> Result<bool, Refusal<R::Value>> {
    match (requests_private_network(request), allowed) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) => Err(Refusal::PrivateNetworkNotAllowed),
    }
}

/// Grants Private Network Access.
pub(super) fn write(headers: &mut impl ResponseHeaders) {
    headers.append(ResponseHeader::AccessControlAllowPrivateNetwork, &TRUE);
}

/// Whether the request's first `Access-Control-Request-Private-Network` value is `true`.
fn requests_private_network<'a>(request: &impl CorsRequest<'a>) -> bool {
    request
        .values(RequestHeader::AccessControlRequestPrivateNetwork)
        .next()
        .is_some_and(|value| value.as_ref() == b"true")
}
