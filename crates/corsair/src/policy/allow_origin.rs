//! `Access-Control-Allow-Origin`: the origin entries and predicates, their validation, and the
//! check of a request's `Origin`.

use std::collections::HashSet;

use super::{Config, ConfigError, CorsRequest, FixedValue, OriginPredicate, Refusal, grant::Grant};
use crate::origin::{
    HostPattern, Match, Origin, OriginError, OriginMatcher, OriginPattern, PatternError,
};

/// Schemes no page has, so no `Origin` header ever carries them: a WebSocket handshake
/// sends the page's `http(s)` origin, and browsers no longer load `ftp:` pages.
const NEVER_SENT_SCHEMES: &[&str] = &["ws", "wss", "ftp"];

/// The origins a policy allows, compiled.
pub(super) struct AllowOrigin {
    matcher: OriginMatcher,
    /// The entries, canonical, in configuration order.
    patterns: Vec<OriginPattern>,
    predicates: Vec<OriginPredicate>,
    /// Credentials are allowed without `dangerously_allow_insecure_origins`, so predicates
    /// and resolvers may grant only potentially trustworthy origins.
    secure_only: bool,
}

impl AllowOrigin {
    /// Checks every entry, appending each problem to `errors`.
    pub(super) fn validate(config: &Config, errors: &mut Vec<ConfigError>) -> Self {
        if config.origins.is_empty() && config.predicates.is_empty() {
            errors.push(ConfigError::NoOrigins);
        }
        // In configuration order; `seen` keeps removing duplicates linear.
        let mut patterns: Vec<OriginPattern> = Vec::new();
        let mut seen = HashSet::new();
        for value in &config.origins {
            let is_origin = |word: &str| word == "*" || OriginPattern::parse(word).is_ok();
            if let Some(error) = super::error::several_in_one("allow_origins", value, is_origin) {
                errors.push(error);
                continue;
            }
            let pattern = match OriginPattern::parse(value) {
                Ok(pattern) => pattern,
                Err(PatternError::Origin(OriginError::FileScheme)) => {
                    errors.push(ConfigError::FileOrigin {
                        value: value.clone(),
                    });
                    continue;
                }
                Err(_)
                    if let Some(meant) = super::foreign_pattern::meant(value).filter(|meant| {
                        // A pattern this policy would refuse in turn is no suggestion.
                        OriginPattern::parse(meant)
                            .is_ok_and(|pattern| pattern_risk(config, &pattern).is_none())
                    }) =>
                {
                    errors.push(ConfigError::ForeignOriginPattern {
                        value: value.clone(),
                        meant,
                    });
                    continue;
                }
                Err(mut source) => {
                    // The spelling it suggests may still be refused under this policy.
                    if source.suggestion().is_some_and(|suggested| {
                        OriginPattern::parse(suggested)
                            .is_ok_and(|pattern| pattern_risk(config, &pattern).is_some())
                    }) {
                        source.drop_suggestion();
                    }
                    errors.push(ConfigError::InvalidOrigin {
                        value: value.clone(),
                        source,
                    });
                    continue;
                }
            };
            let canonical = pattern.to_string();
            let spelled_canonically = canonical == *value;
            // A risk is reported instead of the spelling: the canonical spelling would be
            // refused for it in turn.
            if let Some(error) = pattern_risk(config, &pattern) {
                errors.push(error);
            } else if !spelled_canonically {
                errors.push(ConfigError::NonCanonicalOrigin {
                    value: value.clone(),
                    canonical,
                });
            }
            if !spelled_canonically {
                continue;
            }
            if seen.insert(pattern.clone()) {
                patterns.push(pattern);
            }
        }
        let any = seen.contains(&OriginPattern::Any);
        if any && config.credentials {
            errors.push(ConfigError::AnyOriginWithCredentials);
        }
        if any {
            let other = patterns
                .iter()
                .find(|p| **p != OriginPattern::Any)
                .map(ToString::to_string)
                .or_else(|| {
                    (!config.predicates.is_empty()).then(|| "the origin predicate".to_owned())
                });
            if let Some(other) = other {
                errors.push(ConfigError::AnyOriginWithOthers { other });
            }
        }
        let mut matcher = OriginMatcher::default();
        for pattern in &patterns {
            matcher.insert(pattern);
        }
        Self {
            matcher,
            patterns,
            predicates: config.predicates.clone(),
            secure_only: config.credentials && !config.insecure_origins,
        }
    }

    /// The entries, canonical, in configuration order.
    pub(super) fn patterns(&self) -> &[OriginPattern] {
        &self.patterns
    }

    /// How many predicates there are.
    pub(super) fn predicates(&self) -> usize {
        self.predicates.len()
    }

    /// Whether answers depend on which origin asks (all but `*` do).
    pub(super) fn varies(&self) -> bool {
        !self.matcher.is_any()
    }

    /// See [`Policy::may_resolve`](super::Policy::may_resolve).
    pub(super) fn may_resolve(&self, origin: &str) -> bool {
        let Ok(parsed) = Origin::parse(origin) else {
            return false;
        };
        if parsed.is_opaque() || parsed.to_string() != origin {
            return false;
        }
        if self.secure_only && !parsed.is_potentially_trustworthy() {
            tracing::debug!(
                target: "corsair",
                origin,
                "not resolving: credentials are allowed and the origin is not secure"
            );
            return false;
        }
        true
    }

    /// The `Access-Control-Allow-Origin` value for the request's origin (`None` when it is
    /// repeated), if it is allowed: by an entry, a predicate, or `resolved`.
    ///
    /// Predicates see the request's [`RequestHead`](crate::RequestHead); a request view
    /// without one (see [`CorsRequest::head`]) is judged without them.
    pub(super) fn check<'a, R: CorsRequest<'a>>(
        &'a self,
        request: &R,
        origin: Option<&'a R::Value>,
        resolved: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<Grant<'a, R::Value>, Refusal<R::Value>> {
        let origin = origin.ok_or(Refusal::MalformedOrigin)?;
        match self.matcher.find(origin.as_ref()) {
            Some(Match::Listed) => return Ok(Grant::Echo(origin)),
            Some(Match::Any) => return Ok(Grant::Fixed(FixedValue::Any)),
            None => {}
        }
        let unlisted_allowed = (!self.predicates.is_empty() || resolved.is_some())
            && std::str::from_utf8(origin.as_ref()).is_ok_and(|value| {
                self.may_resolve(value)
                    && (request.head().is_some_and(|head| {
                        self.predicates
                            .iter()
                            .any(|predicate| predicate(value, &head))
                    }) || resolved.is_some_and(|resolved| resolved(value)))
            });
        if unlisted_allowed {
            Ok(Grant::Echo(origin))
        } else {
            Err(Refusal::OriginNotAllowed {
                origin: origin.clone(),
            })
        }
    }
}

/// The security problem with allowing `pattern` under this configuration, if any.
fn pattern_risk(config: &Config, pattern: &OriginPattern) -> Option<ConfigError> {
    let (scheme, host) = match pattern {
        OriginPattern::Any => return None,
        OriginPattern::Exact(origin) if origin.is_opaque() => {
            return (!config.null_origin).then_some(ConfigError::NullOrigin);
        }
        OriginPattern::Exact(origin) => {
            (origin.scheme()?, HostPattern::Exact(origin.host()?.clone()))
        }
        OriginPattern::Wildcard(wildcard) => (wildcard.scheme(), wildcard.host().clone()),
    };
    if NEVER_SENT_SCHEMES.contains(&scheme) {
        return Some(ConfigError::SchemeNeverSent {
            origin: pattern.to_string(),
            scheme: scheme.to_owned(),
        });
    }
    if !config.credentials {
        return None;
    }
    if !pattern.is_potentially_trustworthy() && !config.insecure_origins {
        return Some(ConfigError::InsecureOriginWithCredentials {
            origin: pattern.to_string(),
        });
    }
    if config.public_suffix_subdomains {
        return None;
    }
    spanned_public_suffix(&host).map(|suffix| ConfigError::PublicSuffixSubdomains {
        pattern: pattern.to_string(),
        suffix,
    })
}

/// The public suffix under which the origin entry `value` matches every registered site, if it
/// is a subdomain pattern over one (`https://*.github.io`); `None` for anything else,
/// including entries that do not parse (those are errors of their own).
pub(super) fn public_suffix_spanned_by(value: &str) -> Option<String> {
    match OriginPattern::parse(value).ok()? {
        OriginPattern::Wildcard(wildcard) => spanned_public_suffix(wildcard.host()),
        OriginPattern::Any | OriginPattern::Exact(_) => None,
    }
}

fn spanned_public_suffix(host: &HostPattern) -> Option<String> {
    match host {
        HostPattern::Subdomains(base) if !host.is_loopback() => public_suffix_under(base),
        _ => None,
    }
}

/// The public suffix whose registrable domains `*.base` would span, if any: `*.com`,
/// `*.github.io`, and also `*.kawasaki.jp`, where a wildcard rule makes every `x.kawasaki.jp`
/// a public suffix. A safe base keeps the same registrable domain when a label is added.
fn public_suffix_under(base: &str) -> Option<String> {
    let child = format!("x.{base}");
    let registrable = psl::domain_str(base);
    if registrable.is_some() && registrable == psl::domain_str(&child) {
        return None;
    }
    let suffix = psl::suffix_str(&child).unwrap_or(base);
    Some(suffix.strip_prefix("x.").unwrap_or(suffix).to_owned())
}
