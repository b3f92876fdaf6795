//! From what the engines concluded to findings: the severity each earns, the broadest class
//! reported once with the classes it implies, and the impact notes the target's own
//! `Set-Cookie` and `Strict-Transport-Security` headers call for.

use corsair::{
    Origin,
    browser::{Browser, Outgoing, ResponseHead},
};

use super::class::{Class, Severity};

/// Something a browser would let an exploit origin do, before severities and grouping.
#[derive(Clone, Debug)]
pub(crate) struct Observation {
    pub(crate) class: Class,
    pub(crate) origin: String,
    /// The trusted name the origin imitates.
    pub(crate) base: Option<String>,
    pub(crate) methods: Vec<String>,
    pub(crate) credentials: bool,
    pub(crate) browsers: Vec<Browser>,
    /// The request that proves it and its answer (the hop that answered).
    pub(crate) request: Outgoing,
    pub(crate) response: ResponseHead,
}

/// A reported flaw.
#[derive(Clone, Debug)]
pub(crate) struct Finding {
    /// The URL that answered (the last redirect hop).
    pub(crate) url: String,
    /// The URL the audit was given.
    pub(crate) scanned: String,
    pub(crate) severity: Severity,
    pub(crate) observed: Observation,
    pub(crate) implies: Vec<Class>,
    /// Whether `--confirm` can stage it in Chromium.
    pub(crate) confirmable: bool,
    /// What `--confirm` saw: `None` when not attempted.
    pub(crate) confirmed: Option<bool>,
    /// Why `--confirm` could not tell.
    pub(crate) confirm_error: Option<String>,
    /// How the target's cookies and HSTS change the impact.
    pub(crate) impact: Vec<String>,
    pub(crate) fix: super::fix::Fix,
}

/// What the target showed about itself: the headers that change an attack's impact.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context {
    /// The target's host.
    pub(crate) host: String,
    /// `Strict-Transport-Security`: `(max-age > 0, includeSubDomains)`.
    pub(crate) hsts: Option<(bool, bool)>,
    /// `SameSite` of each cookie set, lowercase (`lax` when unset, as Chromium defaults).
    pub(crate) cookies: Vec<(String, String)>,
}

impl Context {
    /// Reads the HSTS and cookies of the target's answer to its own origin.
    pub(crate) fn read(host: &str, response: &ResponseHead) -> Self {
        let hsts = response.get("strict-transport-security").map(|value| {
            let value = String::from_utf8_lossy(&value).to_ascii_lowercase();
            let directives: Vec<&str> = value.split(';').map(str::trim).collect();
            let lasting = directives.iter().any(|d| {
                d.strip_prefix("max-age=")
                    .and_then(|age| age.trim_matches('"').parse::<u64>().ok())
                    .is_some_and(|age| age > 0)
            });
            (lasting, directives.contains(&"includesubdomains"))
        });
        let cookies = response
            .values("set-cookie")
            .map(|line| {
                let line = String::from_utf8_lossy(line);
                let mut parts = line.split(';');
                let name = parts
                    .next()
                    .and_then(|pair| pair.split_once('='))
                    .map(|(name, _)| name.trim().to_owned())
                    .unwrap_or_default();
                let same_site = parts
                    .filter_map(|attribute| attribute.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("samesite"))
                    .map(|(_, value)| value.trim().to_ascii_lowercase())
                    .unwrap_or_else(|| "lax".to_owned());
                (name, same_site)
            })
            .collect();
        Self {
            host: host.to_owned(),
            hsts,
            cookies,
        }
    }

    /// Whether the target's HSTS keeps browsers off plain http for `host`.
    fn hsts_covers(&self, host: &str) -> bool {
        match self.hsts {
            Some((true, subdomains)) => {
                host == self.host || (subdomains && host.ends_with(&format!(".{}", self.host)))
            }
            _ => false,
        }
    }
}

/// The classes where a browser reads as the exploit origin: an origin check let it in.
pub(crate) fn is_origin_class(class: Class) -> bool {
    matches!(
        class,
        Class::ReflectAny
            | Class::NullOrigin
            | Class::PrefixMatch
            | Class::SuffixMatch
            | Class::SubstringMatch
            | Class::UnescapedDot
            | Class::SpecialChar
            | Class::InsecureOrigin
            | Class::SubdomainTrust
            | Class::ThirdPartyHost
            | Class::PreflightAnyOrigin
    )
}

fn host_of(origin: &str) -> Option<String> {
    Origin::parse(origin)
        .ok()
        .and_then(|origin| origin.host().map(ToString::to_string))
}

/// The severity of `observed` on a target showing `context`.
pub(crate) fn severity(observed: &Observation, context: &Context) -> Severity {
    match observed.class {
        Class::Wildcard | Class::WildcardCredentials | Class::InvalidAcao => Severity::Info,
        Class::MissingVary | Class::PnaAnyOrigin => Severity::Low,
        _ if !observed.credentials => Severity::Low,
        Class::InsecureOrigin => {
            let covered = host_of(&observed.origin).is_some_and(|h| context.hsts_covers(&h));
            if covered {
                Severity::Low
            } else {
                Severity::Medium
            }
        }
        Class::SubdomainTrust => Severity::Medium,
        _ if observed.browsers == [Browser::WebKit] => Severity::Medium,
        _ => Severity::High,
    }
}

/// Whether a check of `broad`'s kind, comparing against `broad.base`, also lets
/// `narrow`'s origin in: then `narrow` is the same flaw seen through another probe.
fn covers(broad: &Observation, narrow: &Observation) -> bool {
    if !is_origin_class(narrow.class) {
        return false;
    }
    let base = broad.base.as_deref().unwrap_or_default();
    let origin = narrow.origin.as_str();
    match broad.class {
        Class::ReflectAny => true,
        Class::SubstringMatch => origin.contains(base),
        Class::PrefixMatch => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.starts_with(base)),
        Class::SuffixMatch => host_of(origin).is_some_and(|h| h.ends_with(base)),
        Class::SubdomainTrust => host_of(origin).is_some_and(|h| h.ends_with(&format!(".{base}"))),
        _ => false,
    }
}

/// The order in which broad classes absorb the narrower ones they imply.
const BREADTH: [Class; 5] = [
    Class::ReflectAny,
    Class::SubstringMatch,
    Class::PrefixMatch,
    Class::SuffixMatch,
    Class::SubdomainTrust,
];

/// One observation per class (the most severe), the broadest ones absorbing those they
/// imply when those are no more severe. Returns each kept observation with its severity and
/// the classes it implies, most severe first.
pub(crate) fn group(
    observations: Vec<Observation>,
    context: &Context,
) -> Vec<(Observation, Severity, Vec<Class>)> {
    let mut best: Vec<(Observation, Severity)> = Vec::new();
    for observed in observations {
        let severity = severity(&observed, context);
        // Of two equally severe, the one imitating the shorter name proves the broader check.
        let breadth = |o: &Observation| o.base.as_ref().map_or(0, String::len);
        match best
            .iter_mut()
            .find(|(kept, _)| kept.class == observed.class)
        {
            Some(kept)
                if kept.1 > severity
                    || (kept.1 == severity && breadth(&kept.0) <= breadth(&observed)) => {}
            Some(kept) => *kept = (observed, severity),
            None => best.push((observed, severity)),
        }
    }
    let mut kept: Vec<(Observation, Severity, Vec<Class>)> =
        best.into_iter().map(|(o, s)| (o, s, Vec::new())).collect();
    for class in BREADTH {
        let Some(at) = kept.iter().position(|(o, _, _)| o.class == class) else {
            continue;
        };
        let (broad, severity) = (kept[at].0.clone(), kept[at].1);
        let mut implied = Vec::new();
        kept.retain(|(narrow, narrow_severity, _)| {
            let absorbed =
                narrow.class != class && *narrow_severity <= severity && covers(&broad, narrow);
            if absorbed {
                implied.push(narrow.class);
            }
            !absorbed
        });
        if let Some(entry) = kept.iter_mut().find(|(o, _, _)| o.class == class) {
            entry.2.extend(implied);
            entry.2.sort();
        }
    }
    kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.class.cmp(&b.0.class)));
    kept
}

/// How the target's cookies and HSTS change `observed`'s impact, in words.
pub(crate) fn impact(observed: &Observation, context: &Context) -> Vec<String> {
    let mut notes = Vec::new();
    let target_site = psl::domain_str(&context.host).map(str::to_owned);
    let exploit_site =
        host_of(&observed.origin).and_then(|h| psl::domain_str(&h).map(str::to_owned));
    let same_site = target_site.is_some() && target_site == exploit_site;
    if observed.credentials && !context.cookies.is_empty() {
        let (none, restricted): (Vec<_>, Vec<_>) = context
            .cookies
            .iter()
            .partition(|(_, same_site)| same_site == "none");
        if same_site {
            notes.push(format!(
                "the exploit origin is on the target's own site, so every cookie the target sets ({}) goes along whatever its SameSite",
                names(&context.cookies)
            ));
        } else if !none.is_empty() {
            notes.push(format!(
                "cookies set with SameSite=None ({}) go along with the attacker's credentialed requests",
                names(&none)
            ));
        } else {
            notes.push(format!(
                "every cookie seen ({}) is SameSite=Lax or Strict (unset counts as Lax in Chromium): a cross-site page's fetch does not carry them, so the reads need other credentials (SameSite=None cookies set elsewhere, HTTP authentication, client certificates, or Firefox and WebKit's lax defaults)",
                names(&restricted)
            ));
        }
    }
    if observed.class == Class::InsecureOrigin {
        let covered = host_of(&observed.origin).is_some_and(|h| context.hsts_covers(&h));
        notes.push(if covered {
            "the target's Strict-Transport-Security covers this host: a browser that has seen it never loads the http:// page, so only first visits (or HSTS-less browsers) are exposed".to_owned()
        } else {
            "no Strict-Transport-Security covers this host: anyone on the network path can serve the http:// page and read the API as the user".to_owned()
        });
    }
    notes
}

fn names(cookies: &[impl std::borrow::Borrow<(String, String)>]) -> String {
    cookies
        .iter()
        .map(|cookie| cookie.borrow().0.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_and_cookies_are_read_from_the_target() {
        let response = ResponseHead::new(
            200,
            [
                (
                    "strict-transport-security",
                    "max-age=63072000; includeSubDomains; preload",
                ),
                ("set-cookie", "session=1; Secure; SameSite=None"),
                ("set-cookie", "prefs=2; Path=/"),
            ],
        );
        let context = Context::read("t.com", &response);
        assert_eq!(context.hsts, Some((true, true)));
        assert!(context.hsts_covers("t.com") && context.hsts_covers("api.t.com"));
        assert!(!context.hsts_covers("t.com.evil.net"));
        assert_eq!(
            context.cookies,
            [
                ("session".to_owned(), "none".to_owned()),
                ("prefs".to_owned(), "lax".to_owned())
            ]
        );
        let expired = Context::read(
            "t.com",
            &ResponseHead::new(200, [("strict-transport-security", "max-age=0")]),
        );
        assert!(!expired.hsts_covers("t.com"), "max-age=0 clears HSTS");
    }
}
