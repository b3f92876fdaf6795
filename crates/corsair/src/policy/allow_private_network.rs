//! `Access-Control-Allow-Private-Network`: Private Network Access preflights.

use http::{HeaderMap, HeaderName};

use super::{Refusal, ResponseHeaders, TRUE};

/// Private Network Access asks for a grant with this header on preflights.
const REQUEST_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-request-private-network");
const ALLOW_PRIVATE_NETWORK: HeaderName =
    HeaderName::from_static("access-control-allow-private-network");

/// Whether the answer grants Private Network Access: only when the preflight asks for it,
/// which is refused unless the policy `allowed` it.
pub(super) fn check(allowed: bool, request: &HeaderMap) -> Result<bool, Refusal> {
    match (requests_private_network(request), allowed) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) => Err(Refusal::PrivateNetworkNotAllowed),
    }
}

/// Grants Private Network Access.
pub(super) fn write(headers: &mut impl ResponseHeaders) {
    headers.insert(&ALLOW_PRIVATE_NETWORK, &TRUE);
}

/// Whether the request's first `Access-Control-Request-Private-Network` value is `true`.
///
/// Found by comparing the request's header names rather than by a map lookup: the map hashes
/// a name it has no constant for byte by byte, each step waiting on the one before, and for
/// these 38 bytes that takes longer than comparing the dozen or so names a request carries
/// (most of them fail on their length or kind at once). The scan is bounded by the server's
/// limit on request headers.
fn requests_private_network(headers: &HeaderMap) -> bool {
    headers
        .iter()
        .find(|(name, _)| *name == REQUEST_PRIVATE_NETWORK)
        .is_some_and(|(_, value)| value == "true")
}
