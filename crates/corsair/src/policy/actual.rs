//! The answer to a CORS request that is not a preflight: headers for the application's
//! response.

use http::HeaderValue;

use super::{
    Check, Compiled, CorsRequest, FixedValue, Outcome, Refusal, ResponseHeader, ResponseHeaders,
    Verdict, grant::OwnedGrant,
};

/// The CORS headers for the application's response to a request that is not a preflight.
///
/// Owns everything it needs (no borrow of the request or the policy), so it can be held while
/// the application runs. `V` is the request's header value type, which a [`Refusal`] holds.
#[derive(Debug, Clone)]
pub struct Actual<V = HeaderValue> {
    decision: Decision<V>,
    check: Check,
}

#[derive(Debug, Clone)]
enum Decision<V> {
    /// No `Origin`: no grant needed.
    NotCors,
    Allowed {
        origin: OwnedGrant<V>,
        credentials: bool,
        expose: Option<HeaderValue>,
    },
    Refused(Refusal<V>),
    /// Report-only: the application's response is left as it is; what would have been
    /// refused, if anything.
    Reported(Option<Refusal<V>>),
}

impl<V> Actual<V> {
    /// The answer to a request without `Origin`.
    pub(super) fn not_cors() -> Self {
        Self {
            decision: Decision::NotCors,
            check: Check::NotCors,
        }
    }

    /// Report-only: nothing is changed; `refusal` is what would have been refused.
    pub(super) fn reported(check: Check, refusal: Option<Refusal<V>>) -> Self {
        Self {
            decision: Decision::Reported(refusal),
            check,
        }
    }

    /// The same answer, for a WebSocket handshake that passed its origin check.
    pub(super) fn for_websocket(mut self) -> Self {
        self.check = Check::WebSocket;
        self
    }

    /// The answer to a request with `Origin` (`None` when it is repeated).
    pub(super) fn evaluate<'a, R: CorsRequest<'a, Value = V>>(
        policy: &'a Compiled,
        request: &R,
        origin: Option<&'a R::Value>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Self
    where
        V: AsRef<[u8]> + Clone,
    {
        let decision = match policy.origins.check(request, origin, resolved) {
            Ok(origin) => Decision::Allowed {
                origin: origin.into(),
                credentials: policy.credentials,
                expose: policy.expose.value().cloned(),
            },
            Err(refusal) => {
                tracing::debug!(
                    target: "corsair",
                    reason = %refusal,
                    kind = refusal.kind(),
                    "CORS request refused"
                );
                Decision::Refused(refusal)
            }
        };
        Self {
            decision,
            check: Check::Actual,
        }
    }

    /// Whether the response will let the page read it (`false` for requests without
    /// `Origin`, which need no grant).
    pub fn is_allowed(&self) -> bool {
        matches!(self.decision, Decision::Allowed { .. })
    }

    /// Why the origin was refused, if it was.
    pub fn refusal(&self) -> Option<&Refusal<V>> {
        match &self.decision {
            Decision::Refused(refusal) => Some(refusal),
            Decision::NotCors | Decision::Allowed { .. } | Decision::Reported(_) => None,
        }
    }

    /// What was decided, for logs and metrics. A WebSocket handshake that passed its origin
    /// check is allowed whatever CORS decided: CORS grants mean nothing to WebSockets.
    pub fn verdict(&self) -> Verdict<'_, V> {
        let (outcome, refusal) = match &self.decision {
            Decision::Refused(refusal) if self.check != Check::WebSocket => {
                (Outcome::Refused, Some(refusal))
            }
            Decision::Reported(Some(refusal)) => (Outcome::ShadowRefused, Some(refusal)),
            _ => (Outcome::Allowed, None),
        };
        Verdict {
            check: self.check,
            outcome,
            refusal,
        }
    }

    /// Adds the CORS headers to the application's response headers.
    ///
    /// corsair owns the `Access-Control-*` response headers: any the application set are
    /// replaced (or removed, for a refused origin), since two `Access-Control-Allow-Origin`
    /// values make every browser fail. `Vary: Origin` is added unless `Vary` already covers
    /// it; existing `Vary` values are kept.
    ///
    /// Under a report-only policy it changes nothing.
    pub fn apply(&self, headers: &mut impl ResponseHeaders)
    where
        V: AsRef<[u8]> + 'static,
    {
        if let Decision::Reported(_) = self.decision {
            return;
        }
        let existing = headers.remove_access_control();
        if existing.access_control {
            tracing::debug!(
                target: "corsair",
                "replaced Access-Control-* headers set by the application"
            );
        }
        if let Decision::Allowed {
            origin,
            credentials,
            expose,
        } = &self.decision
        {
            // Appended: none is left after the removal, and adding to a map is cheaper than
            // replacing in some (actix-web's moves the replaced values out).
            origin
                .borrowed()
                .write(ResponseHeader::AccessControlAllowOrigin, headers);
            if *credentials {
                headers.append_fixed(
                    ResponseHeader::AccessControlAllowCredentials,
                    FixedValue::True,
                );
            }
            if let Some(expose) = expose {
                headers.append(ResponseHeader::AccessControlExposeHeaders, expose);
            }
        }
        // Every policy answers a request with `Origin` differently from one without (even `*`
        // grants only when `Origin` is present), so a shared cache must key on it whatever the
        // policy. Appended unless a `Vary` value already lists `Origin` or `*`.
        if existing.vary {
            headers.append_unless(ResponseHeader::Vary, FixedValue::Origin, &mut |value| {
                value.split(|&b| b == b',').any(|token| {
                    let token = token.trim_ascii();
                    token == b"*" || token.eq_ignore_ascii_case(b"origin")
                })
            });
        } else {
            headers.append_fixed(ResponseHeader::Vary, FixedValue::Origin);
        }
    }
}
