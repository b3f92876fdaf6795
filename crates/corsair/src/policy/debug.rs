//! Debug answers: refused preflights answered with an ok status, every grant that passed and
//! the reason, so the browser's console names what failed.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use http::HeaderValue;

use super::{
    Compiled, CorsRequest, Refusal, ResponseHeader, ResponseHeaders, allow_methods,
    preflight::{Passed, Refused, write_origin},
};

/// A run-time switch, shared by every clone of a [`Policy`](crate::Policy), under which
/// refused preflights are answered with an ok status and every grant that did pass, so that
/// the browser's console names the precise reason (which origin, method or header) instead of
/// "does not have HTTP ok status". The reason is also sent in an `x-corsair-refusal` header,
/// visible in the browser's network panel.
///
/// Off by default: debug answers tell any site which parts of a request were acceptable.
///
/// ```
/// let policy = corsair::Config::new().allow_origins(["https://a.example"]).build()?;
/// let switch = policy.debug_switch();
/// switch.set(true);
/// assert!(policy.clone().debug_switch().is_enabled());
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct DebugSwitch(Arc<AtomicBool>);

impl DebugSwitch {
    /// Turns debug answers on or off for every clone of the policy.
    pub fn set(&self, enabled: bool) {
        self.0.store(enabled, Ordering::Relaxed);
    }

    /// Whether debug answers are on.
    pub fn is_enabled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A refused preflight answered in debug mode.
#[derive(Debug)]
pub(super) struct Explained<'a, V> {
    refused: Refused<'a, V>,
    /// For a refused request header, the requested headers that are allowed.
    allowed_headers: Option<HeaderValue>,
}

impl<'a, V: AsRef<[u8]> + 'static> Explained<'a, V> {
    pub(super) fn new(
        policy: &Compiled,
        refused: Refused<'a, V>,
        request: &impl CorsRequest<'a, Value = V>,
    ) -> Self {
        let allowed_headers = matches!(refused.refusal, Refusal::HeaderNotAllowed { .. })
            .then(|| policy.headers.allowed_of(request))
            .flatten();
        Self {
            refused,
            allowed_headers,
        }
    }

    pub(super) fn refusal(&self) -> &Refusal<V> {
        &self.refused.refusal
    }

    /// The grants that passed (never `Access-Control-Max-Age`: the answer must not be
    /// cached), the reason in a header, and for a refused request header, the requested
    /// headers that are allowed, so the browser names the first one that is not.
    pub(super) fn write(&self, policy: &Compiled, headers: &mut impl ResponseHeaders) {
        match &self.refused.passed {
            Passed::Nothing => {}
            Passed::Origin(origin) => write_origin(policy, *origin, headers),
            Passed::Method { origin, method } => {
                write_origin(policy, *origin, headers);
                allow_methods::write(*method, headers);
            }
            Passed::Headers {
                origin,
                method,
                headers: grant,
            } => {
                write_origin(policy, *origin, headers);
                allow_methods::write(*method, headers);
                grant.write(headers);
            }
        }
        let refusal = self.refusal();
        if let Ok(reason) = HeaderValue::from_str(&refusal.to_string()) {
            headers.append(ResponseHeader::XCorsairRefusal, &reason);
        }
        if let Some(allowed) = &self.allowed_headers {
            headers.insert(ResponseHeader::AccessControlAllowHeaders, allowed);
        }
    }
}
