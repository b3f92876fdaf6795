//! The exploit origins an audit sends: for each trusted base (the target's host and
//! registrable domain, the origin the server grants its own origin, `--trusted` origins), the
//! lookalikes each class of flawed check lets in. Every one of them is an origin an attacker
//! can own: a host under the attacker's registrable domain, a registrable lookalike, a
//! sibling on a shared hosting domain, or `null`.

use corsair::{Origin, browser::Browser, origin::Host};

use super::class::Class;

/// Hosting domains where anyone can publish a page: all in the public suffix list's private
/// section (a unit test holds them to it).
pub(crate) const SHARED_HOSTS: [&str; 6] = [
    "github.io",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "herokuapp.com",
    "web.app",
];

/// One origin to send, and the class of flaw it reveals when a browser would let it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Probe {
    pub(crate) class: Class,
    /// As the `Origin` header carries it.
    pub(crate) origin: String,
    /// The trusted name it imitates (`api.t.com`), when it imitates one: what a flawed check
    /// of this class compares against.
    pub(crate) base: Option<String>,
}

/// The attacker's registrable domain (`--attacker-domain`): exploit hosts are made under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttackerDomain(String);

impl Default for AttackerDomain {
    fn default() -> Self {
        Self("corsair-audit.net".to_owned())
    }
}

impl std::str::FromStr for AttackerDomain {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        let domain = value.trim_end_matches('.').to_ascii_lowercase();
        let valid = Origin::parse(&format!("https://{domain}"))
            .ok()
            .and_then(|origin| origin.host().map(Host::is_domain))
            .unwrap_or(false);
        // Only a registrable domain (not a public suffix) is one an attacker can buy.
        if valid && psl::domain_str(&domain) == Some(domain.as_str()) {
            Ok(Self(domain))
        } else {
            Err(format!(
                "{value:?}: give a registrable domain such as attacker-example.net (not a public suffix, a subdomain or an address)"
            ))
        }
    }
}

impl std::fmt::Display for AttackerDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AttackerDomain {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain's first label without dashes, to glue onto lookalikes.
    fn word(&self) -> String {
        self.0
            .split('.')
            .next()
            .unwrap_or_default()
            .replace('-', "")
    }

    /// The attacker's own origin, not resembling anything trusted.
    pub(crate) fn foreign_origin(&self) -> String {
        format!("https://{}", self.0)
    }
}

/// The probes for a target whose trusted bases are `bases` (hosts, the target's first), in
/// the order they are sent, without duplicates and without any of `trusted`.
pub(crate) fn probes(
    target: &Origin,
    bases: &[Host],
    attacker: &AttackerDomain,
    trusted: &[String],
) -> Vec<Probe> {
    let a = attacker.as_str();
    let word = attacker.word();
    let secure_target = target.scheme() == Some("https");
    let mut out = vec![
        Probe {
            class: Class::ReflectAny,
            origin: attacker.foreign_origin(),
            base: None,
        },
        Probe {
            class: Class::NullOrigin,
            origin: "null".to_owned(),
            base: None,
        },
    ];
    let mut push = |class, origin: String, base: Option<&str>| {
        out.push(Probe {
            class,
            origin,
            base: base.map(str::to_owned),
        })
    };
    let mut hosts: Vec<String> = Vec::new();
    for base in bases {
        let host = base.to_string();
        if !hosts.contains(&host) {
            hosts.push(host.clone());
        }
        if let Some(registrable) = base.is_domain().then(|| psl::domain_str(&host)).flatten()
            && !hosts.iter().any(|h| h == registrable)
        {
            hosts.push(registrable.to_owned());
        }
    }
    let mut shared: Vec<String> = SHARED_HOSTS.iter().map(|s| (*s).to_owned()).collect();
    for host in &hosts {
        push(
            Class::PrefixMatch,
            format!("https://{host}.{a}"),
            Some(host),
        );
        push(
            Class::SubstringMatch,
            format!("https://{word}{host}.{a}"),
            Some(host),
        );
        for special in special_characters() {
            push(
                Class::SpecialChar,
                format!("https://{host}{special}.{a}"),
                Some(host),
            );
        }
        if secure_target {
            push(Class::InsecureOrigin, format!("http://{host}"), Some(host));
        }
        let domain = psl::domain_str(host);
        if domain.is_none() {
            continue;
        }
        push(
            Class::SubdomainTrust,
            format!("https://{word}.{host}"),
            Some(host),
        );
        if domain == Some(host.as_str()) {
            push(
                Class::SuffixMatch,
                format!("https://{word}{host}"),
                Some(host),
            );
        }
        if let Some(lookalike) = unescaped_dot_lookalike(host) {
            push(
                Class::UnescapedDot,
                format!("https://{lookalike}"),
                Some(host),
            );
        }
        if let Some(suffix) = psl::suffix(host.as_bytes())
            && suffix.typ() == Some(psl::Type::Private)
            && let Ok(suffix) = std::str::from_utf8(suffix.as_bytes())
            && !shared.iter().any(|s| s == suffix)
        {
            shared.push(suffix.to_owned());
        }
    }
    for suffix in shared {
        push(
            Class::ThirdPartyHost,
            format!("https://{word}.{suffix}"),
            Some(&suffix),
        );
    }
    let own = target.to_string();
    let mut seen: Vec<String> = Vec::new();
    out.retain(|probe| {
        let keep = probe.origin != own
            && !trusted.contains(&probe.origin)
            && !seen.contains(&probe.origin)
            && (probe.origin == "null" || Origin::parse(&probe.origin).is_ok());
        seen.push(probe.origin.clone());
        keep
    });
    out
}

/// One special host character per set of engines that keep it (`_` for all three first,
/// then those only some engines put in a host), from each engine's profile.
fn special_characters() -> Vec<char> {
    let engines = |c: char| Browser::ALL.map(|browser| browser.facts().host_specials.contains(c));
    let mut all: Vec<char> = Browser::ALL
        .iter()
        .flat_map(|browser| browser.facts().host_specials.chars())
        .collect();
    all.sort_by_key(|c| (*c != '_', engines(*c) != [true; 3], *c));
    let mut seen = Vec::new();
    all.retain(|c| {
        let set = engines(*c);
        let new = !seen.contains(&set);
        seen.push(set);
        new
    });
    all
}

/// Whether `browser` can be at `origin` at all: every special character of its host is one
/// the engine keeps.
pub(crate) fn can_send(browser: Browser, origin: &str) -> bool {
    let host = origin.split_once("://").map_or("", |(_, rest)| {
        rest.split([':', '/']).next().unwrap_or(rest)
    });
    host.chars()
        .filter(|c| !c.is_ascii_alphanumeric() && !matches!(c, '-' | '.' | '[' | ']'))
        .all(|c| browser.facts().host_specials.contains(c))
}

/// `host` with one of its dots replaced by a letter so that the result is a registrable
/// domain outside the host's own (`api.t.com` → `apixt.com`): what `^https://api.t.com$`
/// with an unescaped `.` also matches.
fn unescaped_dot_lookalike(host: &str) -> Option<String> {
    let own = psl::domain_str(host)?;
    host.match_indices('.').find_map(|(at, _)| {
        let candidate = format!("{}x{}", &host[..at], &host[at + 1..]);
        let registrable = psl::domain_str(&candidate)?;
        let outside = registrable != own && !registrable.ends_with(&format!(".{own}"));
        outside.then_some(candidate)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> Host {
        Host::parse(name).unwrap()
    }

    #[test]
    fn shared_hosts_are_private_public_suffixes() {
        for suffix in SHARED_HOSTS {
            let name = format!("x.{suffix}");
            let found = psl::suffix(name.as_bytes()).unwrap();
            assert_eq!(found.typ(), Some(psl::Type::Private), "{suffix}");
            assert_eq!(found.as_bytes(), suffix.as_bytes());
        }
    }

    #[test]
    fn every_exploit_origin_is_ownable_and_parses() {
        let target = Origin::parse("https://api.t.com").unwrap();
        let attacker = AttackerDomain::default();
        let probes = probes(&target, &[host("api.t.com")], &attacker, &[]);
        let origin = |class| {
            probes
                .iter()
                .filter(|p| p.class == class)
                .map(|p| p.origin.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            origin(Class::PrefixMatch),
            [
                "https://api.t.com.corsair-audit.net",
                "https://t.com.corsair-audit.net"
            ]
        );
        assert_eq!(origin(Class::SuffixMatch), ["https://corsairauditt.com"]);
        assert_eq!(origin(Class::UnescapedDot), ["https://apixt.com"]);
        assert_eq!(
            origin(Class::InsecureOrigin),
            ["http://api.t.com", "http://t.com"]
        );
        assert_eq!(origin(Class::NullOrigin), ["null"]);
        for probe in &probes {
            if matches!(
                probe.class,
                Class::NullOrigin | Class::InsecureOrigin | Class::SubdomainTrust
            ) {
                continue;
            }
            let parsed = Origin::parse(&probe.origin).unwrap();
            let name = parsed.host().unwrap().to_string();
            let registrable = psl::domain_str(&name).unwrap_or_else(|| panic!("{name}"));
            assert_ne!(registrable, "t.com", "{probe:?} is the target's own domain");
        }
    }

    #[test]
    fn a_host_on_a_shared_suffix_adds_its_siblings_and_trusted_origins_are_left_out() {
        let target = Origin::parse("https://api.t.com").unwrap();
        let probes = probes(
            &target,
            &[host("api.t.com"), host("docs.example.gitlab.io")],
            &AttackerDomain::default(),
            &["http://api.t.com".to_owned()],
        );
        assert!(
            probes
                .iter()
                .any(|p| p.origin == "https://corsairaudit.gitlab.io")
        );
        assert!(!probes.iter().any(|p| p.origin == "http://api.t.com"));
    }

    #[test]
    fn special_characters_cover_each_set_of_engines_once_and_parse() {
        assert_eq!(special_characters(), ['_', '"', '*']);
        let target = Origin::parse("https://api.t.com").unwrap();
        let probes = probes(
            &target,
            &[host("api.t.com")],
            &AttackerDomain::default(),
            &[],
        );
        let special: Vec<&str> = probes
            .iter()
            .filter(|p| p.class == Class::SpecialChar && p.base.as_deref() == Some("api.t.com"))
            .map(|p| p.origin.as_str())
            .collect();
        assert_eq!(
            special,
            [
                "https://api.t.com_.corsair-audit.net",
                "https://api.t.com\".corsair-audit.net",
                "https://api.t.com*.corsair-audit.net"
            ]
        );
        let star = "https://api.t.com*.corsair-audit.net";
        assert_eq!(
            Browser::ALL.map(|b| can_send(b, star)),
            [false, false, true]
        );
        assert_eq!(
            Browser::ALL.map(|b| can_send(b, special[1])),
            [true, false, true]
        );
        assert!(
            Browser::ALL
                .iter()
                .all(|b| can_send(*b, "https://a-b.example:8443"))
        );
    }

    #[test]
    fn attacker_domain_must_be_registrable() {
        assert!("attacker-example.net".parse::<AttackerDomain>().is_ok());
        for bad in ["net", "github.io", "a.b.attacker.net", "127.0.0.1", "a b"] {
            assert!(bad.parse::<AttackerDomain>().is_err(), "{bad}");
        }
    }
}
