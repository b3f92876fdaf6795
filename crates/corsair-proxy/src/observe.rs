//! The gateway's own metrics, through the `metrics` facade beside the middleware's
//! `corsair_requests_total`: one place names them all.

use std::{sync::OnceLock, time::Duration};

use metrics::{Counter, Histogram};

/// `corsair_upstream_cors_conflicts_total`: upstream responses that carried `Access-Control-*`
/// headers on a route corsair owns (they were replaced).
pub(crate) const CONFLICTS: &str = "corsair_upstream_cors_conflicts_total";
/// `corsair_upstream_errors_total{kind}`: requests the upstream did not answer.
pub(crate) const UPSTREAM_ERRORS: &str = "corsair_upstream_errors_total";
/// `corsair_policy_reloads_total{result="ok|error"}`.
pub(crate) const RELOADS: &str = "corsair_policy_reloads_total";
/// `corsair_request_duration_seconds`: from the request's head to the response's head.
pub(crate) const DURATION: &str = "corsair_request_duration_seconds";

/// Why an upstream gave no answer: the `kind` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpstreamError {
    /// Refused, unresolvable, or a failed TLS handshake.
    Connect,
    /// No connection within the connect timeout.
    ConnectTimeout,
    /// No response head within the response timeout.
    Timeout,
    /// The connection broke or the upstream spoke nonsense.
    Protocol,
}

impl UpstreamError {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::ConnectTimeout => "connect_timeout",
            Self::Timeout => "timeout",
            Self::Protocol => "protocol",
        }
    }
}

/// The handles counted on every request, resolved once rather than looked up per request.
/// The gateway's recorder is global and installed before it serves
/// ([`prometheus`](crate::admin::prometheus)), so a handle never outlives its recorder.
struct PerRequest {
    conflicts: Counter,
    duration: Histogram,
}

fn per_request() -> &'static PerRequest {
    static HANDLES: OnceLock<PerRequest> = OnceLock::new();
    HANDLES.get_or_init(|| PerRequest {
        conflicts: metrics::counter!(CONFLICTS),
        duration: metrics::histogram!(DURATION),
    })
}

/// Registers the gateway's counters at zero, so dashboards and alerts see them from the
/// start rather than after the first event.
pub(crate) fn register() {
    per_request().conflicts.increment(0);
    for result in ["ok", "error"] {
        metrics::counter!(RELOADS, "result" => result).increment(0);
    }
}

pub(crate) fn conflict(path: &str) {
    tracing::debug!(
        target: "corsair::proxy",
        route = path,
        "the upstream set Access-Control-* headers; corsair replaced them"
    );
    per_request().conflicts.increment(1);
}

pub(crate) fn upstream_error(kind: UpstreamError, error: &dyn std::error::Error) {
    tracing::warn!(target: "corsair::proxy", kind = kind.as_str(), %error, "upstream error");
    metrics::counter!(UPSTREAM_ERRORS, "kind" => kind.as_str()).increment(1);
}

pub(crate) fn reload(ok: bool) {
    metrics::counter!(RELOADS, "result" => if ok { "ok" } else { "error" }).increment(1);
}

pub(crate) fn duration(elapsed: Duration) {
    per_request().duration.record(elapsed.as_secs_f64());
}
