//! Why a request was refused.

use std::fmt;

use http::HeaderValue;

use crate::headers::acrh::MAX_EMPTY_ELEMENTS;

/// Why the policy refused a CORS request. Every refusal is logged through `tracing` at debug
/// level (target `corsair`), and its [`Display`](fmt::Display) names what was refused and why.
///
/// Holding one costs no allocation: the offending values are the request's own, as its
/// framework holds them (`V`: [`http::HeaderValue`] for a [`RequestHead`](crate::RequestHead),
/// the framework's own value type for another [`CorsRequest`](crate::CorsRequest)), so that
/// no framework has to copy them into another type.
///
/// ```
/// use corsair::{Config, Evaluation, Refusal, RequestHead};
///
/// let policy = Config::new().allow_origins(["https://app.example.com"]).build()?;
/// let request = http::Request::get("/").header("origin", "https://evil.example").body(()).unwrap();
/// let Evaluation::Actual(cors) = policy.evaluate(&RequestHead::from(&request)) else {
///     unreachable!()
/// };
/// let Some(Refusal::OriginNotAllowed { origin }) = cors.refusal() else { unreachable!() };
/// assert_eq!(origin, "https://evil.example");
/// assert_eq!(
///     cors.refusal().unwrap().to_string(),
///     "origin `https://evil.example` is not allowed by the policy"
/// );
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal<V = HeaderValue> {
    /// `Origin` is repeated. A value that is not a serialized origin matches no entry and is
    /// refused as [`Refusal::OriginNotAllowed`]; a request without `Origin` is not a CORS
    /// request and is never refused.
    MalformedOrigin,
    /// The origin matches no entry of the policy.
    OriginNotAllowed {
        /// The request's `Origin` value.
        origin: V,
    },
    /// `Access-Control-Request-Method` is repeated or not a method token.
    MalformedMethod,
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed {
        /// The requested method.
        method: V,
    },
    /// `Access-Control-Request-Headers` does not parse as a list of header names.
    MalformedRequestHeaders {
        /// What is wrong with it.
        problem: RequestHeadersProblem,
    },
    /// The preflight asks for a request header the policy does not allow.
    HeaderNotAllowed {
        /// The `Access-Control-Request-Headers` line naming it.
        line: V,
        /// Where in `line` the name is.
        range: std::ops::Range<usize>,
        /// The header is `authorization`, which `*` does not cover.
        needs_explicit_listing: bool,
    },
    /// The preflight asks for Private Network Access, which the policy does not allow.
    PrivateNetworkNotAllowed,
    /// A write (a method other than GET, HEAD and OPTIONS) from another site or origin,
    /// refused under [`Config::refuse_cross_origin_writes`](crate::Config::refuse_cross_origin_writes).
    CrossOriginWrite {
        /// What showed the request to come from elsewhere.
        signal: CrossOriginSignal,
        /// The request's `Origin` value, when it has one.
        origin: Option<V>,
    },
    /// A WebSocket handshake from an origin the policy does not allow and that is not the
    /// server's own (see
    /// [`Config::allow_cross_origin_websockets`](crate::Config::allow_cross_origin_websockets)).
    WebSocketOriginNotAllowed {
        /// The request's `Origin` value.
        origin: V,
    },
}

/// What showed a [`Refusal::CrossOriginWrite`] to come from another site or origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrossOriginSignal {
    /// `Sec-Fetch-Site: cross-site`.
    CrossSite,
    /// `Sec-Fetch-Site: same-site`: another origin of the same site (a sibling subdomain).
    SameSite,
    /// `Sec-Fetch-Site` repeated, or with a value browsers never send.
    UnrecognizedFetchSite,
    /// No `Sec-Fetch-Site`, and `Origin: null` (a sandboxed document, a `data:` URL).
    NullOrigin,
    /// No `Sec-Fetch-Site`, and `Origin` names another host or port than the request's
    /// `Host` (or `:authority`, or a trusted `X-Forwarded-Host`), or there is none.
    HostMismatch,
}

impl CrossOriginSignal {
    /// A stable name: `cross_site`, `same_site`, `unrecognized_fetch_site`, `null_origin` or
    /// `host_mismatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CrossSite => "cross_site",
            Self::SameSite => "same_site",
            Self::UnrecognizedFetchSite => "unrecognized_fetch_site",
            Self::NullOrigin => "null_origin",
            Self::HostMismatch => "host_mismatch",
        }
    }
}

/// What is wrong with an `Access-Control-Request-Headers` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestHeadersProblem {
    /// More empty list elements than any honest client sends.
    TooManyEmptyElements,
    /// An element that is not a header name.
    InvalidName,
}

impl<V> Refusal<V> {
    /// A stable identifier of the reason, the variant's name in snake case (e.g.
    /// `origin_not_allowed`), for logs and tools. Stable like
    /// [`ConfigError::kind`](crate::ConfigError::kind).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MalformedOrigin => "malformed_origin",
            Self::OriginNotAllowed { .. } => "origin_not_allowed",
            Self::MalformedMethod => "malformed_method",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::MalformedRequestHeaders { .. } => "malformed_request_headers",
            Self::HeaderNotAllowed { .. } => "header_not_allowed",
            Self::PrivateNetworkNotAllowed => "private_network_not_allowed",
            Self::CrossOriginWrite { .. } => "cross_origin_write",
            Self::WebSocketOriginNotAllowed { .. } => "websocket_origin_not_allowed",
        }
    }

    /// The request's `Origin` when the refusal is only that no entry allows it, so that
    /// another source of allowed origins (a resolver) may still change the answer.
    pub fn unlisted_origin(&self) -> Option<&V> {
        match self {
            Self::OriginNotAllowed { origin }
            | Self::WebSocketOriginNotAllowed { origin }
            | Self::CrossOriginWrite {
                origin: Some(origin),
                ..
            } => Some(origin),
            _ => None,
        }
    }
}

impl<V: AsRef<[u8]>> Refusal<V> {
    /// For [`Refusal::HeaderNotAllowed`], the refused header name as sent.
    pub fn header_name(&self) -> Option<&[u8]> {
        match self {
            Self::HeaderNotAllowed { line, range, .. } => line.as_ref().get(range.clone()),
            _ => None,
        }
    }
}

impl<V: AsRef<[u8]>> fmt::Display for Refusal<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedOrigin => f.write_str("the `Origin` header is repeated"),
            Self::OriginNotAllowed { origin } => write!(
                f,
                "origin `{}` is not allowed by the policy",
                origin.as_ref().escape_ascii()
            ),
            Self::MalformedMethod => {
                f.write_str("`Access-Control-Request-Method` is repeated or not a method token")
            }
            Self::MethodNotAllowed { method } => write!(
                f,
                "method `{}` is not allowed by the policy",
                method.as_ref().escape_ascii()
            ),
            Self::MalformedRequestHeaders {
                problem: RequestHeadersProblem::TooManyEmptyElements,
            } => write!(
                f,
                "`Access-Control-Request-Headers` has more than {MAX_EMPTY_ELEMENTS} empty elements"
            ),
            Self::MalformedRequestHeaders {
                problem: RequestHeadersProblem::InvalidName,
            } => f.write_str("`Access-Control-Request-Headers` contains an invalid header name"),
            Self::HeaderNotAllowed {
                needs_explicit_listing,
                ..
            } => {
                let name = self.header_name().unwrap_or_default().escape_ascii();
                if *needs_explicit_listing {
                    write!(
                        f,
                        "request header `{name}` is not allowed: `*` does not cover it, list it by name"
                    )
                } else {
                    write!(f, "request header `{name}` is not allowed by the policy")
                }
            }
            Self::PrivateNetworkNotAllowed => f.write_str(
                "the preflight asks for Private Network Access, which the policy does not allow",
            ),
            Self::CrossOriginWrite { signal, origin } => {
                f.write_str("cross-origin write refused: ")?;
                match signal {
                    CrossOriginSignal::CrossSite => {
                        f.write_str("the browser sent `Sec-Fetch-Site: cross-site`")?;
                    }
                    CrossOriginSignal::SameSite => {
                        f.write_str("the browser sent `Sec-Fetch-Site: same-site`")?;
                    }
                    CrossOriginSignal::UnrecognizedFetchSite => {
                        f.write_str("`Sec-Fetch-Site` is repeated or has an unknown value")?;
                    }
                    CrossOriginSignal::NullOrigin => f.write_str("the origin is `null`")?,
                    CrossOriginSignal::HostMismatch => {
                        f.write_str("the origin is not the host the request was sent to")?;
                    }
                }
                match origin {
                    Some(origin) if *signal != CrossOriginSignal::NullOrigin => write!(
                        f,
                        " and origin `{}` is not allowed by the policy",
                        origin.as_ref().escape_ascii()
                    ),
                    Some(_) => Ok(()),
                    None => f.write_str(" and there is no `Origin`"),
                }
            }
            Self::WebSocketOriginNotAllowed { origin } => write!(
                f,
                "WebSocket handshake refused: origin `{}` is neither allowed by the policy nor \
                 the server's own",
                origin.as_ref().escape_ascii()
            ),
        }
    }
}
