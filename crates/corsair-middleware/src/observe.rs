//! Every decision, to `tracing` and (with the `metrics` feature) to the `metrics` facade:
//! the one place both integrations report from.

use corsair::{CorsRequest, RequestHeader, Verdict};

#[cfg(feature = "metrics")]
mod counters;

#[cfg(feature = "metrics")]
pub use counters::CounterCache;

/// Where counts go: without the `metrics` feature, nowhere.
#[cfg(feature = "metrics")]
pub(crate) type Counters = Option<std::sync::Arc<CounterCache>>;
#[cfg(not(feature = "metrics"))]
pub(crate) type Counters = ();

/// Logs and counts one decision: `corsair_requests_total{kind, decision, reason}`.
// Always inlined: it runs once per request, and a call here cost each request about 20
// instructions (callgrind, both adapters).
#[inline(always)]
pub(crate) fn decision<'a, V>(
    verdict: &Verdict<'_, V>,
    head: &impl CorsRequest<'a>,
    counters: &Counters,
) {
    // Field values are computed only when the event is enabled: no lookup otherwise.
    tracing::debug!(
        target: "corsair",
        kind = verdict.check.as_str(),
        decision = verdict.outcome.as_str(),
        reason = verdict.reason(),
        origin = origin(head).map(tracing::field::display),
        method = head.method(),
        route = head.path(),
        "CORS decision"
    );
    #[cfg(feature = "metrics")]
    counters::request(verdict, counters.as_deref());
    #[cfg(not(feature = "metrics"))]
    let _ = counters;
}

/// Logs and counts a request the shadow policy decides differently:
/// `corsair_shadow_differences_total{kind}`.
pub(crate) fn difference<'a, V>(
    enforced: &Verdict<'_, V>,
    shadow: &Verdict<'_, V>,
    head: &impl CorsRequest<'a>,
    counters: &Counters,
) {
    tracing::info!(
        target: "corsair",
        kind = enforced.check.as_str(),
        decision = enforced.outcome.as_str(),
        reason = enforced.reason(),
        shadow_kind = shadow.check.as_str(),
        shadow_decision = shadow.outcome.as_str(),
        shadow_reason = shadow.reason(),
        origin = origin(head).map(tracing::field::display),
        method = head.method(),
        route = head.path(),
        "the shadow policy decides differently"
    );
    #[cfg(feature = "metrics")]
    counters::difference(enforced, counters.as_deref());
    #[cfg(not(feature = "metrics"))]
    let _ = counters;
}

/// The request's `Origin`, for logs.
fn origin<'a>(head: &impl CorsRequest<'a>) -> Option<std::slice::EscapeAscii<'a>> {
    head.values(RequestHeader::Origin)
        .next()
        .map(|origin| origin.as_ref().escape_ascii())
}
