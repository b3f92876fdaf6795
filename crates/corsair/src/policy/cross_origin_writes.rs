//! Forged writes (cross-site request forgery): writes from other sites refused unless their
//! origin is one the policy trusts, with exact `(method, path)` exemptions.

use http::Method;

use super::{
    Compiled, Config, ConfigError, CorsRequest, CrossOriginSignal, Refusal, RequestHeader,
    same_origin,
};
use crate::grammar::{self, token::is_token};

/// The compiled protection: on, with its exemptions.
#[derive(Debug)]
pub(super) struct CrossOriginWrites {
    /// Exact `(method, path)` pairs, byte for byte.
    exemptions: Vec<(Method, Box<str>)>,
}

/// Methods that never write, so never checked. Byte-exact: methods are case-sensitive, and
/// `get` is not `GET` to a server either.
pub(super) fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

impl CrossOriginWrites {
    /// Checks every exemption, appending each problem to `errors`; `None` when the
    /// protection is off.
    pub(super) fn validate(config: &Config, errors: &mut Vec<ConfigError>) -> Option<Self> {
        let mut exemptions = Vec::new();
        for (method, path) in &config.write_exemptions {
            match exemption(method, path) {
                Ok(pair) if !exemptions.contains(&pair) => exemptions.push(pair),
                Ok(_) => {}
                Err(why) => errors.push(ConfigError::InvalidWriteExemption {
                    method: method.clone(),
                    path: path.clone(),
                    why,
                }),
            }
        }
        config
            .refuse_cross_origin_writes
            .then_some(Self { exemptions })
    }

    /// The exemptions, as configured.
    pub(super) fn exemptions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.exemptions
            .iter()
            .map(|(method, path)| (method.as_str(), &**path))
    }

    /// Refuses a write from another site or origin that the policy does not trust. `origin`
    /// is the request's `Origin` (`Some(None)` when repeated).
    pub(super) fn check<'a, R: CorsRequest<'a>>(
        &self,
        policy: &'a Compiled,
        request: &R,
        origin: Option<Option<&'a R::Value>>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<(), Refusal<R::Value>> {
        if is_safe(request.method()) || self.is_exempt(request) {
            return Ok(());
        }
        // Sent by every current browser: where the request comes from, relative to its
        // target.
        let mut sites = request.values(RequestHeader::SecFetchSite);
        let signal = match (sites.next().map(AsRef::as_ref), sites.next()) {
            (Some(b"same-origin" | b"none"), None) => return Ok(()),
            (Some(b"cross-site"), None) => CrossOriginSignal::CrossSite,
            (Some(b"same-site"), None) => CrossOriginSignal::SameSite,
            (Some(_), _) => CrossOriginSignal::UnrecognizedFetchSite,
            // Browsers older than `Sec-Fetch-Site`: `Origin` against `Host`.
            (None, _) => match origin {
                None => return Ok(()),
                Some(Some(origin)) if origin.as_ref() == b"null" => CrossOriginSignal::NullOrigin,
                Some(Some(origin))
                    if same_origin::is_own_origin(
                        origin.as_ref(),
                        request,
                        policy.trust_forwarded_host,
                    ) =>
                {
                    return Ok(());
                }
                Some(_) => CrossOriginSignal::HostMismatch,
            },
        };
        let origin = origin.flatten();
        if origin.is_some_and(|origin| trusts(policy, request, origin, resolved)) {
            return Ok(());
        }
        Err(Refusal::CrossOriginWrite {
            signal,
            origin: origin.cloned(),
        })
    }

    fn is_exempt<'a>(&self, request: &impl CorsRequest<'a>) -> bool {
        let (method, path) = (request.method(), request.path());
        self.exemptions
            .iter()
            .any(|(exempt_method, exempt)| exempt_method == method && **exempt == *path)
    }
}

/// Whether the policy names `origin` as one that may write: by an entry, a pattern, a
/// predicate or the resolver. `*` names no one, and `null` is never trusted (any sandboxed
/// document sends it).
fn trusts<'a, R: CorsRequest<'a>>(
    policy: &'a Compiled,
    request: &R,
    origin: &'a R::Value,
    resolved: Option<&dyn Fn(&str) -> bool>,
) -> bool {
    origin.as_ref() != b"null"
        && policy.origins.varies()
        && policy
            .origins
            .check(request, Some(origin), resolved)
            .is_ok()
}

/// One exemption, checked: a method a browser sends as written, and an absolute path
/// without query or fragment.
fn exemption(method: &str, path: &str) -> Result<(Method, Box<str>), &'static str> {
    if !is_token(method.as_bytes()) {
        return Err("the method is not an HTTP method token");
    }
    if grammar::method::normalized(method).is_some_and(|normalized| normalized != method) {
        return Err("browsers upper-case this method, so write it in upper case");
    }
    let method = Method::from_bytes(method.as_bytes())
        .map_err(|_| "the method is not an HTTP method token")?;
    if is_safe(method.as_str()) {
        return Err("GET, HEAD and OPTIONS are never refused, so need no exemption");
    }
    if !path.starts_with('/') {
        return Err("the path must start with `/`");
    }
    if path.contains(['?', '#']) {
        return Err("the path is matched without query or fragment: remove them");
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a request path holds printable ASCII only (percent-encode the rest)");
    }
    if path.contains('*') {
        return Err("exemptions are exact paths, never patterns: list each path");
    }
    Ok((method, path.into()))
}

/// A policy file's exemption entry: `{ method = "POST", path = "/webhooks/stripe" }`.
#[cfg(feature = "toml")]
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExemptionEntry {
    method: String,
    path: String,
}

#[cfg(feature = "toml")]
impl Config {
    /// Adds a policy file's exemption entries.
    pub(super) fn exempt_entries(self, entries: Vec<ExemptionEntry>) -> Self {
        entries.into_iter().fold(self, |config, entry| {
            config.exempt_cross_origin_write(entry.method, entry.path)
        })
    }
}
