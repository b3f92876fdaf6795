//! The public vocabulary of `corsair audit`: each class of CORS flaw and each severity, with
//! the ids JSON, SARIF and the docs use (stable: renaming one breaks users' baselines).

use std::fmt;

/// How bad a finding is, from what an attacker gains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub(crate) enum Severity {
    /// Nothing an attacker can read that they could not anyway, or a broken answer.
    Info,
    /// Readable without credentials, or a weakness that needs another flaw to matter.
    Low,
    /// Credentialed reads that need more than owning a domain: a network position, a
    /// subdomain, or one engine.
    Medium,
    /// Credentialed reads from an origin anyone can own.
    High,
}

impl Severity {
    pub(crate) const ALL: [Severity; 4] = [Self::High, Self::Medium, Self::Low, Self::Info];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// The SARIF `level` of a result of this severity.
    pub(crate) fn sarif_level(self) -> &'static str {
        match self {
            Self::High | Self::Medium => "error",
            Self::Low => "warning",
            Self::Info => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A class of CORS flaw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Class {
    ReflectAny,
    NullOrigin,
    PrefixMatch,
    SuffixMatch,
    SubstringMatch,
    UnescapedDot,
    SpecialChar,
    InsecureOrigin,
    SubdomainTrust,
    ThirdPartyHost,
    Wildcard,
    WildcardCredentials,
    InvalidAcao,
    PreflightAnyOrigin,
    MissingVary,
    PnaAnyOrigin,
}

impl Class {
    pub(crate) const ALL: [Class; 16] = [
        Self::ReflectAny,
        Self::NullOrigin,
        Self::PrefixMatch,
        Self::SuffixMatch,
        Self::SubstringMatch,
        Self::UnescapedDot,
        Self::SpecialChar,
        Self::InsecureOrigin,
        Self::SubdomainTrust,
        Self::ThirdPartyHost,
        Self::Wildcard,
        Self::WildcardCredentials,
        Self::InvalidAcao,
        Self::PreflightAnyOrigin,
        Self::MissingVary,
        Self::PnaAnyOrigin,
    ];

    pub(crate) fn id(self) -> &'static str {
        match self {
            Self::ReflectAny => "reflect-any",
            Self::NullOrigin => "null-origin",
            Self::PrefixMatch => "prefix-match",
            Self::SuffixMatch => "suffix-match",
            Self::SubstringMatch => "substring-match",
            Self::UnescapedDot => "unescaped-dot",
            Self::SpecialChar => "special-char",
            Self::InsecureOrigin => "insecure-origin",
            Self::SubdomainTrust => "subdomain-trust",
            Self::ThirdPartyHost => "third-party-host",
            Self::Wildcard => "wildcard",
            Self::WildcardCredentials => "wildcard-credentials",
            Self::InvalidAcao => "invalid-acao",
            Self::PreflightAnyOrigin => "preflight-any-origin",
            Self::MissingVary => "missing-vary",
            Self::PnaAnyOrigin => "pna-any-origin",
        }
    }

    pub(crate) fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|class| class.id() == id)
    }

    /// One line: what the server does.
    pub(crate) fn title(self) -> &'static str {
        match self {
            Self::ReflectAny => "any origin is trusted (the Origin header is reflected)",
            Self::NullOrigin => {
                "the `null` origin is trusted (sandboxed frames and data: URLs send it)"
            }
            Self::PrefixMatch => "origins that merely start with a trusted origin are trusted",
            Self::SuffixMatch => "origins that merely end with a trusted domain are trusted",
            Self::SubstringMatch => "origins that merely contain a trusted domain are trusted",
            Self::UnescapedDot => "a regular expression's unescaped `.` lets a lookalike domain in",
            Self::SpecialChar => {
                "a host with a special character after the trusted name is trusted"
            }
            Self::InsecureOrigin => "a plain http:// origin is trusted by an https API",
            Self::SubdomainTrust => "any subdomain is trusted",
            Self::ThirdPartyHost => "subdomains of a host anyone can publish on are trusted",
            Self::Wildcard => {
                "`Access-Control-Allow-Origin: *`: anyone may read uncredentialed responses"
            }
            Self::WildcardCredentials => "`*` sent with credentials allowed (browsers refuse this)",
            Self::InvalidAcao => "`Access-Control-Allow-Origin` holds a value no browser accepts",
            Self::PreflightAnyOrigin => {
                "preflights for unsafe methods or headers are granted to a foreign origin"
            }
            Self::MissingVary => "an origin-dependent, cacheable answer without `Vary: Origin`",
            Self::PnaAnyOrigin => "Private Network Access is granted to any origin",
        }
    }

    /// Why it matters and the general rule that fixes it (SARIF rule help, docs).
    pub(crate) fn rule(self) -> &'static str {
        match self {
            Self::ReflectAny
            | Self::PrefixMatch
            | Self::SuffixMatch
            | Self::SubstringMatch
            | Self::UnescapedDot
            | Self::SpecialChar => {
                "Any page whose origin passes the check reads the responses, with the user's cookies when credentials are allowed. Parse the Origin header and compare it to an exact list of origins (or exact hosts under a domain you control); never reflect it and never match it with string prefixes, suffixes, substrings or unanchored, unescaped regular expressions."
            }
            Self::NullOrigin => {
                "Any page can send `Origin: null` from a sandboxed iframe or a data: URL. Never trust `null`."
            }
            Self::InsecureOrigin => {
                "A page on a plain http:// origin can be replaced by anyone on the network path; trusting it hands the API's responses to them. Trust only https:// origins (and enable HSTS)."
            }
            Self::SubdomainTrust => {
                "Trusting every subdomain makes each one (an old marketing site, a user-content host, a dangling DNS record) able to read the API. List the subdomains that need access."
            }
            Self::ThirdPartyHost => {
                "Anyone can publish a page under a shared hosting domain (github.io, netlify.app, vercel.app, pages.dev...). Trust your exact site there, never its siblings."
            }
            Self::Wildcard => {
                "`*` lets every site read responses sent without credentials. Fine for public data; anything behind network position (an intranet, an IP allow-list) must list its origins instead."
            }
            Self::WildcardCredentials => {
                "Browsers refuse `*` on credentialed requests, so this answer grants nothing with cookies; it usually means someone will next 'fix' it by reflecting the origin. List the origins."
            }
            Self::InvalidAcao => {
                "Browsers accept only `*`, `null` or one exact origin, byte for byte: several values, a trailing slash or a pattern are refused, and the page is blocked. Send the matching origin from an exact list."
            }
            Self::PreflightAnyOrigin => {
                "Granting a preflight lets the page send state-changing methods and custom headers (such as Authorization). Answer preflights only for listed origins."
            }
            Self::MissingVary => {
                "When the answer depends on Origin, a shared cache or the browser cache can hand one origin's answer to another. Send `Vary: Origin` on every response whose CORS headers depend on the Origin header."
            }
            Self::PnaAnyOrigin => {
                "`Access-Control-Allow-Private-Network: true` lets public websites reach this device on a private network. Grant it only to the listed origins that need it."
            }
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
