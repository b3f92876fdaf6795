//! `Access-Control-Allow-Private-Network`: Private Network Access preflights.

use super::{FirstValue, FixedValue, Refusal, ResponseHeader, ResponseHeaders};

/// Whether the answer grants Private Network Access: only when the preflight asks for it
/// (its first `Access-Control-Request-Private-Network` is `true`), which is refused unless the
/// policy `allowed` it.
pub(super) fn check<V: AsRef<[u8]>>(
    allowed: bool,
    requested: Option<FirstValue<'_, V>>,
) -> Result<bool, Refusal<V>> {
    let requested = requested.is_some_and(|first| first.value.as_ref() == b"true");
    match (requested, allowed) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) => Err(Refusal::PrivateNetworkNotAllowed),
    }
}

/// Grants Private Network Access.
pub(super) fn write(headers: &mut impl ResponseHeaders) {
    headers.append_fixed(
        ResponseHeader::AccessControlAllowPrivateNetwork,
        FixedValue::True,
    );
}
