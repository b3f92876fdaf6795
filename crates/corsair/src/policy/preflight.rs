//! The answer to a preflight: the checks in the order browsers report failures, and the
//! headers of a granted preflight.

mod prebuilt;

use http::{HeaderMap, HeaderValue, Response, StatusCode};

use super::{
    Compiled, CorsRequest, FixedValue, Refusal, RequestHeader, ResponseHeader, ResponseHeaders,
    allow_headers::HeadersGrant, allow_methods, allow_private_network, debug::Explained,
    grant::Grant, request::PreflightHeaders,
};

pub(super) use prebuilt::PrebuiltPreflights;

/// The answer to a preflight request. `V` is the request's header value type, which a
/// [`Refusal`] holds.
#[derive(Debug)]
pub struct Preflight<'a, V = HeaderValue> {
    policy: &'a Compiled,
    answer: Answer<'a, V>,
}

#[derive(Debug)]
enum Answer<'a, V> {
    Granted(Granted<'a, V>),
    /// Refused: a 403 with no grant at all.
    Refused(Refusal<V>),
    /// Refused while debug answers are on: boxed, as it is several times the size of the
    /// other answers, which are moved a few times on their way to the response (and a debug
    /// answer allocates its reason anyway).
    Explained(Box<Explained<'a, V>>),
}

/// Every part of a granted preflight, each checked.
#[derive(Debug)]
struct Granted<'a, V> {
    origin: Grant<'a, V>,
    method: Grant<'a, V>,
    headers: HeadersGrant<'a, V>,
    private_network: bool,
}

/// A refused preflight: why, and the parts that passed before the refusal.
#[derive(Debug)]
pub(super) struct Refused<'a, V> {
    pub(super) refusal: Refusal<V>,
    pub(super) passed: Passed<'a, V>,
}

/// The checks a refused preflight passed, which debug answers grant: each includes the
/// ones before it, in the order browsers check them.
#[derive(Debug)]
pub(super) enum Passed<'a, V> {
    Nothing,
    Origin(Grant<'a, V>),
    Method {
        origin: Grant<'a, V>,
        method: Grant<'a, V>,
    },
    Headers {
        origin: Grant<'a, V>,
        method: Grant<'a, V>,
        headers: HeadersGrant<'a, V>,
    },
}

impl<'a, V: AsRef<[u8]> + 'static> Preflight<'a, V> {
    /// Checks a preflight, whose headers `classify` read.
    pub(super) fn evaluate<R: CorsRequest<'a, Value = V>>(
        policy: &'a Compiled,
        request: &R,
        headers: PreflightHeaders<'a, V>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Self {
        let answer = match check(policy, request, headers, resolved) {
            Ok(granted) => Answer::Granted(granted),
            Err(refused) => {
                tracing::debug!(
                    target: "corsair",
                    reason = %refused.refusal,
                    kind = refused.refusal.kind(),
                    "CORS preflight refused"
                );
                if policy.debug.is_enabled() {
                    Answer::Explained(Box::new(Explained::new(policy, refused, request)))
                } else {
                    Answer::Refused(refused.refusal)
                }
            }
        };
        Self { policy, answer }
    }

    /// Whether the preflight is granted.
    pub fn is_allowed(&self) -> bool {
        matches!(self.answer, Answer::Granted(_))
    }

    /// Why it was refused, if it was.
    pub fn refusal(&self) -> Option<&Refusal<V>> {
        match &self.answer {
            Answer::Granted(_) => None,
            Answer::Refused(refusal) => Some(refusal),
            Answer::Explained(explained) => Some(explained.refusal()),
        }
    }

    /// The response status: the configured success status, or `403 Forbidden` for a
    /// refusal (the success status in debug mode, so the browser reports the real reason).
    pub fn status(&self) -> StatusCode {
        match self.answer {
            Answer::Refused(_) => StatusCode::FORBIDDEN,
            Answer::Granted(_) | Answer::Explained(_) => self.policy.preflight_status,
        }
    }

    /// Writes the answer's headers into a new response's header map (appended: a new map
    /// has none of them).
    ///
    /// A refusal carries no grant at all (outside debug mode), only `Vary`.
    pub fn write_headers(&self, headers: &mut impl ResponseHeaders) {
        headers.append_fixed(ResponseHeader::Vary, FixedValue::PreflightVary);
        match &self.answer {
            Answer::Granted(granted) => granted.write(self.policy, headers),
            Answer::Refused(_) => {}
            Answer::Explained(explained) => explained.write(self.policy, headers),
        }
    }

    /// The whole answer as a response with an empty body.
    // Always inlined, so the response is built where the caller wants it rather than moved
    // there (a `memcpy`, about 50 instructions in all).
    #[inline(always)]
    pub fn response<B: Default>(&self) -> Response<B> {
        let prebuilt = match &self.answer {
            Answer::Granted(granted) => self.policy.prebuilt.headers(granted),
            Answer::Refused(_) | Answer::Explained(_) => None,
        };
        let headers = prebuilt.unwrap_or_else(|| {
            let mut headers = HeaderMap::new();
            self.write_headers(&mut headers);
            headers
        });
        let mut response = Response::new(B::default());
        *response.status_mut() = self.status();
        // The map given up is the new one, which holds no allocation: forgotten rather than
        // dropped, it costs nothing (a drop that frees nothing costs about 90 instructions).
        std::mem::forget(std::mem::replace(response.headers_mut(), headers));
        response
    }
}

/// Runs the checks in the order browsers report failures; a refusal keeps what passed, in
/// place (it must not allocate).
fn check<'a, R: CorsRequest<'a>>(
    policy: &'a Compiled,
    request: &R,
    read: PreflightHeaders<'a, R::Value>,
    resolved: Option<&dyn Fn(&str) -> bool>,
) -> Result<Granted<'a, R::Value>, Refused<'a, R::Value>> {
    let refused = |refusal, passed| Refused { refusal, passed };
    let origin = policy
        .origins
        .check(request, read.origin, resolved)
        .map_err(|refusal| refused(refusal, Passed::Nothing))?;
    let method = match policy.methods.check(read.method) {
        Ok(method) => method,
        Err(refusal) => return Err(refused(refusal, Passed::Origin(origin))),
    };
    let headers = match policy.headers.check(
        request,
        read.later(request, RequestHeader::AccessControlRequestHeaders),
        policy.credentials,
    ) {
        Ok(headers) => headers,
        Err(refusal) => return Err(refused(refusal, Passed::Method { origin, method })),
    };
    match allow_private_network::check(
        policy.private_network,
        read.later(request, RequestHeader::AccessControlRequestPrivateNetwork),
    ) {
        Ok(private_network) => Ok(Granted {
            origin,
            method,
            headers,
            private_network,
        }),
        Err(refusal) => Err(refused(
            refusal,
            Passed::Headers {
                origin,
                method,
                headers,
            },
        )),
    }
}

impl<V: AsRef<[u8]> + 'static> Granted<'_, V> {
    fn write(&self, policy: &Compiled, headers: &mut impl ResponseHeaders) {
        write_origin(policy, self.origin, headers);
        allow_methods::write(self.method, headers);
        self.headers.write(headers);
        if self.private_network {
            allow_private_network::write(headers);
        }
        if let Some(max_age) = &policy.max_age {
            headers.append(ResponseHeader::AccessControlMaxAge, max_age);
        }
    }
}

/// Grants the origin, with credentials when the policy allows them.
pub(super) fn write_origin<V: AsRef<[u8]> + 'static>(
    policy: &Compiled,
    origin: Grant<'_, V>,
    headers: &mut impl ResponseHeaders,
) {
    origin.write(ResponseHeader::AccessControlAllowOrigin, headers);
    if policy.credentials {
        headers.append_fixed(
            ResponseHeader::AccessControlAllowCredentials,
            FixedValue::True,
        );
    }
}
