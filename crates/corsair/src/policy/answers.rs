//! Preflight answers' header maps, precomputed when the policy is built.

use http::{HeaderMap, HeaderValue, Method, Uri, header};

use super::{AllowHeaders, Compiled, Preflight, RequestHead};

/// Stands for a value that depends on the request; always replaced before an answer leaves.
static SLOT: HeaderValue = HeaderValue::from_static("");

/// The header maps of a policy's granted preflight answers, written once, when the policy is
/// built, by [`Preflight::write_headers`] itself (so they cannot say anything else).
///
/// An answer clones one: the names and their stored hashes are copied and every value is
/// shared (a reference count at most), so no header is hashed or probed for again and the
/// map's own two allocations are all the answer costs. The values that depend on the request
/// (its origin, method and requested headers) are then set in place.
///
/// Refusals are not precomputed: their answer has one header (`Vary`), which costs no more
/// to write than to clone.
#[derive(Debug, Default)]
pub(super) struct PreflightMaps {
    /// Indexed by [`shape`].
    granted: [HeaderMap; 4],
}

/// The most headers a granted answer has: `Vary`, `Access-Control-Allow-Origin`,
/// `-Credentials`, `-Methods`, `-Headers`, `-Private-Network`, `Access-Control-Max-Age`.
const MAX_HEADERS: usize = 7;
/// Headers a framework may add to an answer without the map growing.
const FRAMEWORK_HEADERS: usize = 3;

/// Which headers a granted answer has besides those every one has.
fn shape(allow_headers: bool, private_network: bool) -> usize {
    usize::from(allow_headers) | usize::from(private_network) << 1
}

impl PreflightMaps {
    pub(super) fn new(policy: &Compiled) -> Self {
        let (method, uri, headers) = (Method::OPTIONS, Uri::default(), HeaderMap::new());
        let head = RequestHead::new(&method, &uri, &headers);
        let granted = [0, 1, 2, 3].map(|index| {
            let mut answer = Preflight::new(policy, head, false);
            answer.allow_origin = Some(&SLOT);
            answer.allow_method = Some(&SLOT);
            // `*` stays for `AllowHeaders::Any`; an echo replaces it.
            if index & 1 != 0 {
                answer.allow_headers = AllowHeaders::Any;
            }
            answer.allow_private_network = index & 2 != 0;
            // Room for what frameworks add to an answer (axum: `allow`, `content-length`), so
            // that doing so does not rebuild the clone's index table.
            let mut map = HeaderMap::with_capacity(MAX_HEADERS + FRAMEWORK_HEADERS);
            answer.write_headers(&mut map);
            map
        });
        Self { granted }
    }

    /// A granted answer's headers; `None` for a refusal, which
    /// [`Preflight::write_headers`] writes header by header.
    pub(super) fn headers(&self, answer: &Preflight<'_>) -> Option<HeaderMap> {
        if answer.refusal.is_some() {
            return None;
        }
        let (origin, method) = (answer.allow_origin?, answer.allow_method?);
        let mut echoed = answer.requested_headers();
        let first_echoed = match answer.allow_headers {
            AllowHeaders::Echo => echoed.next(),
            AllowHeaders::None | AllowHeaders::Any => None,
        };
        let mut map = self.granted[shape(
            answer.allow_headers != AllowHeaders::None,
            answer.allow_private_network,
        )]
        .clone();
        for (name, value) in &mut map {
            if *name == header::ACCESS_CONTROL_ALLOW_ORIGIN {
                *value = origin.clone();
            } else if *name == header::ACCESS_CONTROL_ALLOW_METHODS {
                *value = method.clone();
            } else if let Some(line) = first_echoed
                && *name == header::ACCESS_CONTROL_ALLOW_HEADERS
            {
                *value = line.clone();
            }
        }
        if first_echoed.is_some() {
            for line in echoed {
                map.append(header::ACCESS_CONTROL_ALLOW_HEADERS, line.clone());
            }
        }
        Some(map)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Evaluation, Policy, RequestHead};
    use http::{HeaderMap, Request};

    fn policies() -> Vec<Policy> {
        let base = || {
            Config::new()
                .allow_origins(["https://a.example", "https://*.b.example"])
                .allow_methods(["PUT"])
        };
        vec![
            base().build().unwrap(),
            base()
                .allow_headers(["x-one", "x-two"])
                .allow_credentials(true)
                .max_age(crate::MaxAge::Seconds(60))
                .allow_private_network(true)
                .build()
                .unwrap(),
            base().allow_headers(["*"]).build().unwrap(),
            Config::new().allow_origins(["*"]).build().unwrap(),
        ]
    }

    fn preflights() -> Vec<Request<()>> {
        let requests: [&[(&str, &str)]; 7] = [
            &[],
            &[("access-control-request-headers", "x-one")],
            &[
                ("access-control-request-headers", "x-one"),
                ("access-control-request-headers", "x-two, X-One"),
            ],
            &[("access-control-request-headers", "authorization")],
            &[("access-control-request-private-network", "true")],
            &[("origin", "https://c.b.example")],
            &[("origin", "https://evil.example")],
        ];
        requests
            .iter()
            .map(|extra| {
                let mut builder = Request::options("/");
                if !extra.iter().any(|(name, _)| *name == "origin") {
                    builder = builder.header("origin", "https://a.example");
                }
                builder = builder.header("access-control-request-method", "PUT");
                for (name, value) in *extra {
                    builder = builder.header(*name, *value);
                }
                builder.body(()).unwrap()
            })
            .collect()
    }

    #[test]
    fn precomputed_answers_are_those_written_header_by_header() {
        for policy in policies() {
            for debug in [false, true] {
                policy.debug_switch().set(debug);
                for request in preflights() {
                    let Evaluation::Preflight(answer) =
                        policy.evaluate(&RequestHead::from(&request))
                    else {
                        panic!("a preflight");
                    };
                    let mut written = HeaderMap::new();
                    answer.write_headers(&mut written);
                    let response = answer.response::<()>();
                    let lines = |map: &HeaderMap| {
                        map.iter()
                            .map(|(name, value)| (name.clone(), value.clone()))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(
                        lines(response.headers()),
                        lines(&written),
                        "{policy:?} {request:?}"
                    );
                }
            }
        }
    }
}
