//! Who owns the CORS headers of a proxied response: on a route corsair enforces, corsair
//! does. The CORS layer replaces the upstream's `Access-Control-*` headers (or removes them,
//! for refused origins and requests without `Origin`) and merges `Vary`; this module counts
//! the upstream responses that set any, the conflicts every other gateway answers with two
//! `Access-Control-Allow-Origin` values.

use corsair::PolicyHandle;

use crate::fields::Head;

const OWNED: &[u8] = b"access-control-";

/// Counts (and logs at debug level) an upstream response carrying `Access-Control-*`
/// headers, when the route's policy owns them (not report-only).
pub(crate) fn check(policy: &PolicyHandle, head: &impl Head, path: &str) {
    let carries = head.names().any(|name| {
        name.get(..OWNED.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(OWNED))
    });
    if carries && !policy.load().grants().report_only {
        crate::observe::conflict(path);
    }
}
