//! What a policy decided about one request, in the terms logs and metrics use.

use http::HeaderValue;

use super::Refusal;

/// Which check decided a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// A CORS preflight.
    Preflight,
    /// A CORS request that is not a preflight.
    Actual,
    /// A request without `Origin`.
    NotCors,
    /// A WebSocket handshake with `Origin` (a browser's), checked against the policy's
    /// origins. One without `Origin` is [`NotCors`](Self::NotCors).
    WebSocket,
    /// A write refused (or, report-only, that would be) as coming from another site.
    Write,
}

impl Check {
    /// A stable name, the metric label: `preflight`, `actual`, `not_cors`, `websocket` or
    /// `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preflight => "preflight",
            Self::Actual => "actual",
            Self::NotCors => "not_cors",
            Self::WebSocket => "websocket",
            Self::Write => "write",
        }
    }
}

/// What the check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Allowed (for a request without `Origin`: nothing to refuse).
    Allowed,
    /// Refused: no CORS grant, or a `403 Forbidden`.
    Refused,
    /// Would have been refused, but the policy is report-only.
    ShadowRefused,
}

impl Outcome {
    /// A stable name, the metric label: `allowed`, `refused` or `shadow_refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Refused => "refused",
            Self::ShadowRefused => "shadow_refused",
        }
    }
}

/// What a policy decided about one request: which check, what it decided, and why it
/// refused. What integrations log and count
/// ([`Evaluation::verdict`](crate::Evaluation::verdict)).
///
/// ```
/// use corsair::{Check, Config, Outcome, RequestHead};
///
/// let policy = Config::new().allow_origins(["https://app.example.com"]).build()?;
/// let request = http::Request::get("/").header("origin", "https://evil.example").body(()).unwrap();
/// let evaluation = policy.evaluate(&RequestHead::from(&request));
/// let verdict = evaluation.verdict();
/// assert_eq!((verdict.check, verdict.outcome), (Check::Actual, Outcome::Refused));
/// assert_eq!(verdict.reason(), "origin_not_allowed");
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict<'a, V = HeaderValue> {
    /// Which check decided.
    pub check: Check,
    /// What it decided.
    pub outcome: Outcome,
    /// Why it refused (or would have), if it did.
    pub refusal: Option<&'a Refusal<V>>,
}

// By hand: a verdict only borrows its refusal, so it is `Copy` whatever the value type.
impl<V> Clone for Verdict<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Verdict<'_, V> {}

impl<V> Verdict<'_, V> {
    /// The refusal's [`kind`](Refusal::kind), or `none`: the metric label.
    pub fn reason(&self) -> &'static str {
        self.refusal.map_or("none", Refusal::kind)
    }

    /// Whether `other` decides the same: the same outcome for the same reason.
    pub fn agrees_with<W>(&self, other: &Verdict<'_, W>) -> bool {
        let refused = self.outcome != Outcome::Allowed;
        refused == (other.outcome != Outcome::Allowed) && self.reason() == other.reason()
    }
}
