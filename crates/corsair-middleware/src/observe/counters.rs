//! The counters' keys, built once: counting a decision borrows a key instead of building a
//! label list, so it allocates nothing of its own. The keys are retained (their labels shared):
//! recorders that keep a key they are given (Prometheus's) copy an owned label list on every
//! registration, a shared one never.
//!
//! Handles are not cached by default: the `metrics` facade resolves a thread's local recorder
//! before the global one and says neither which it resolved nor whether a local recorder it
//! resolved earlier is still alive, so a handle cached for one recorder could silently count
//! into a dropped one. Each count asks the current recorder for the counter by a key whose
//! hash is computed once. An application whose recorder is global says so with a
//! [`CounterCache`], and its counts keep the handle after the first.

use std::sync::{LazyLock, OnceLock};

use corsair::{Check, Outcome, Verdict};
use metrics::{Counter, Key, Label, Level, Metadata};

const REQUESTS: &str = "corsair_requests_total";
const DIFFERENCES: &str = "corsair_shadow_differences_total";

/// Every [`Check::as_str`], in [`kind`]'s order.
const KINDS: [&str; 5] = ["preflight", "actual", "not_cors", "websocket", "write"];
/// Every [`Outcome::as_str`], in [`decision`]'s order.
const DECISIONS: [&str; 3] = ["allowed", "refused", "shadow_refused"];
/// Every [`Verdict::reason`]: `none` and each `Refusal::kind`.
const REASONS: [&str; 10] = [
    "none",
    "malformed_origin",
    "origin_not_allowed",
    "malformed_method",
    "method_not_allowed",
    "malformed_request_headers",
    "header_not_allowed",
    "private_network_not_allowed",
    "cross_origin_write",
    "websocket_origin_not_allowed",
];

/// `corsair_requests_total`'s keys, indexed by [`index`].
static REQUEST_KEYS: LazyLock<Vec<Key>> = LazyLock::new(|| {
    KINDS
        .iter()
        .flat_map(|kind| {
            DECISIONS.iter().flat_map(move |decision| {
                REASONS.iter().map(move |reason| {
                    Key::from_parts(
                        REQUESTS,
                        vec![
                            Label::from_static_parts("kind", kind),
                            Label::from_static_parts("decision", decision),
                            Label::from_static_parts("reason", reason),
                        ],
                    )
                    .to_retained()
                })
            })
        })
        .collect()
});

/// `corsair_shadow_differences_total`'s keys, indexed by [`kind`].
static DIFFERENCE_KEYS: LazyLock<Vec<Key>> = LazyLock::new(|| {
    KINDS
        .iter()
        .map(|kind| {
            Key::from_parts(DIFFERENCES, vec![Label::from_static_parts("kind", kind)]).to_retained()
        })
        .collect()
});

/// The middleware's counter handles, each kept from its first count on.
///
/// Without it every decision asks the recorder in effect for its counter (a hash lookup),
/// which is right when that recorder may be a thread's local one, as in tests. A process that
/// installs a global recorder before serving (`metrics::set_global_recorder`) and uses no local
/// ones can keep the handles: a count is then one atomic add. A series still appears at its
/// first count, as without the cache.
///
/// ```
/// use corsair_middleware::{CounterCache, PolicyGate};
///
/// // after metrics::set_global_recorder(...):
/// let policy = corsair::Config::new().allow_origins(["https://app.example.com"]).build()?;
/// let gate = PolicyGate::new(policy).with_counter_cache(CounterCache::new());
/// # let _ = gate;
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Debug)]
pub struct CounterCache {
    /// Indexed as [`REQUEST_KEYS`].
    requests: Box<[OnceLock<Counter>]>,
    /// Indexed as [`DIFFERENCE_KEYS`].
    differences: Box<[OnceLock<Counter>]>,
}

impl CounterCache {
    /// An empty cache: each handle is resolved at its first count.
    pub fn new() -> Self {
        let slots = |n: usize| (0..n).map(|_| OnceLock::new()).collect();
        Self {
            requests: slots(KINDS.len() * DECISIONS.len() * REASONS.len()),
            differences: slots(KINDS.len()),
        }
    }
}

impl Default for CounterCache {
    fn default() -> Self {
        Self::new()
    }
}

/// Adds one to the counter of `keys[index]`, kept in `slots` where there is a cache.
fn count(slots: Option<&[OnceLock<Counter>]>, keys: &[Key], index: usize) {
    match slots {
        Some(slots) => slots[index]
            .get_or_init(|| counter(&keys[index]))
            .increment(1),
        None => counter(&keys[index]).increment(1),
    }
}

/// Counts one decision.
pub(crate) fn request<V>(verdict: &Verdict<'_, V>, cache: Option<&CounterCache>) {
    match index(verdict) {
        Some(index) => count(cache.map(|cache| &*cache.requests), &REQUEST_KEYS, index),
        // A check or reason newer than this table: still counted, at the cost of a label list.
        None => metrics::counter!(
            REQUESTS,
            "kind" => verdict.check.as_str(),
            "decision" => verdict.outcome.as_str(),
            "reason" => verdict.reason(),
        )
        .increment(1),
    }
}

/// Counts one request the shadow policy decides differently, by the enforced check.
pub(crate) fn difference<V>(enforced: &Verdict<'_, V>, cache: Option<&CounterCache>) {
    match kind(enforced.check) {
        Some(kind) => count(
            cache.map(|cache| &*cache.differences),
            &DIFFERENCE_KEYS,
            kind,
        ),
        None => metrics::counter!(DIFFERENCES, "kind" => enforced.check.as_str()).increment(1),
    }
}

fn counter(key: &Key) -> Counter {
    static METADATA: Metadata<'static> =
        Metadata::new(module_path!(), Level::INFO, Some(module_path!()));
    metrics::with_recorder(|recorder| recorder.register_counter(key, &METADATA))
}

/// The verdict's place in [`REQUEST_KEYS`], if the table knows its check and reason.
fn index<V>(verdict: &Verdict<'_, V>) -> Option<usize> {
    let reason = verdict.reason();
    let reason = REASONS.iter().position(|known| *known == reason)?;
    Some(
        (kind(verdict.check)? * DECISIONS.len() + decision(verdict.outcome)) * REASONS.len()
            + reason,
    )
}

fn kind(check: Check) -> Option<usize> {
    Some(match check {
        Check::Preflight => 0,
        Check::Actual => 1,
        Check::NotCors => 2,
        Check::WebSocket => 3,
        Check::Write => 4,
        _ => return None,
    })
}

fn decision(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Allowed => 0,
        Outcome::Refused => 1,
        Outcome::ShadowRefused => 2,
    }
}

#[cfg(test)]
mod tests {
    use corsair::{CrossOriginSignal, Refusal, RequestHeadersProblem};
    use http::HeaderValue;

    use super::*;

    #[test]
    fn every_check_and_outcome_has_its_own_label() {
        let checks = [
            Check::Preflight,
            Check::Actual,
            Check::NotCors,
            Check::WebSocket,
            Check::Write,
        ];
        for check in checks {
            assert_eq!(kind(check).map(|kind| KINDS[kind]), Some(check.as_str()));
        }
        for outcome in [Outcome::Allowed, Outcome::Refused, Outcome::ShadowRefused] {
            assert_eq!(DECISIONS[decision(outcome)], outcome.as_str());
        }
    }

    #[test]
    fn every_refusal_has_its_own_key() {
        let value = HeaderValue::from_static("x");
        let refusals = [
            Refusal::MalformedOrigin,
            Refusal::OriginNotAllowed {
                origin: value.clone(),
            },
            Refusal::MalformedMethod,
            Refusal::MethodNotAllowed {
                method: value.clone(),
            },
            Refusal::MalformedRequestHeaders {
                problem: RequestHeadersProblem::InvalidName,
            },
            Refusal::HeaderNotAllowed {
                line: value.clone(),
                range: 0..1,
                needs_explicit_listing: false,
            },
            Refusal::PrivateNetworkNotAllowed,
            Refusal::CrossOriginWrite {
                signal: CrossOriginSignal::CrossSite,
                origin: None,
            },
            Refusal::WebSocketOriginNotAllowed { origin: value },
        ];
        let mut reasons: Vec<_> = refusals.iter().map(Refusal::kind).collect();
        reasons.push("none");
        reasons.sort_unstable();
        let mut known = REASONS.to_vec();
        known.sort_unstable();
        assert_eq!(reasons, known);
    }

    #[test]
    fn each_key_carries_the_labels_of_its_place() {
        let labels = |key: &Key| -> Vec<(String, String)> {
            key.labels()
                .map(|label| (label.key().to_owned(), label.value().to_owned()))
                .collect()
        };
        let policy = corsair::Config::new()
            .allow_origins(["https://app.example.com"])
            .build()
            .unwrap();
        let request = http::Request::get("/")
            .header("origin", "https://evil.example")
            .body(())
            .unwrap();
        let evaluation = policy.evaluate(&corsair::RequestHead::from(&request));
        let key = &REQUEST_KEYS[index(&evaluation.verdict()).unwrap()];
        assert_eq!(key.name(), REQUESTS);
        assert_eq!(
            labels(key),
            [
                ("kind".to_owned(), "actual".to_owned()),
                ("decision".to_owned(), "refused".to_owned()),
                ("reason".to_owned(), "origin_not_allowed".to_owned()),
            ]
        );
        assert_eq!(
            REQUEST_KEYS.len(),
            KINDS.len() * DECISIONS.len() * REASONS.len()
        );
        let key = &DIFFERENCE_KEYS[kind(Check::WebSocket).unwrap()];
        assert_eq!(
            (key.name(), labels(key)),
            (
                DIFFERENCES,
                vec![("kind".to_owned(), "websocket".to_owned())]
            )
        );
    }
}
