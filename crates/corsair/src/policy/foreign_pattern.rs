//! Origin patterns written in another server's syntax (regular expressions, wildcards without
//! a scheme), read back into the corsair pattern they meant, so that the error says what to
//! write.

use crate::origin::OriginPattern;

/// The ways other servers write "any subdomain, or none" or "any subdomain" before a host,
/// once `\.` is read as `.`.
const ANY_SUBDOMAIN: &[&str] = &[
    "(.*.)?",
    "([a-z0-9-]+.)?",
    "([a-z0-9-]*.)?",
    "([^.]+.)?",
    "[a-z0-9-]+.",
    "[^.]+.",
    ".*.",
    ".+.",
    "*.",
    ".",
];

/// The corsair pattern `value` means when it is a regular expression or a wildcard in
/// another server's syntax (`*.example.com`, `.example.com`, `^https?://(.*\.)?example\.com$`,
/// `http*://*.example.com`, `(https|http)://*.example.com`), if it means one.
pub(super) fn meant(value: &str) -> Option<String> {
    let foreign =
        value.starts_with('.') || value.contains(['*', '\\', '^', '$', '(', '|', '?', '[']);
    if !foreign {
        return None;
    }
    let text = value
        .trim_start_matches('^')
        .trim_end_matches('$')
        .replace("\\.", ".")
        .replace("\\/", "/");
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) if scheme.contains("http") => (scheme, rest),
        Some(_) => return None,
        None => ("", text.as_str()),
    };
    let host = rest.trim_end_matches('/');
    let (wildcard, host) = ANY_SUBDOMAIN
        .iter()
        .find_map(|prefix| host.strip_prefix(prefix).map(|host| ("*.", host)))
        .unwrap_or(("", host));
    // What is left must be a host name (and port) as users write them, not more syntax: the
    // URL standard would take `(` as a host.
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.');
    if name.is_empty()
        || !name.chars().all(plain)
        || !(port.is_empty() || port == "*" || port.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    // Plain `http` stays, and so does it for loopback, where development servers are; every
    // other spelling of "http or https" means the one public pages use.
    let loopback = name == "localhost" || name.starts_with("127.");
    let scheme = if scheme == "http" || loopback {
        "http"
    } else {
        "https"
    };
    let candidate = format!("{scheme}://{wildcard}{host}");
    let canonical = OriginPattern::parse(&candidate).ok()?.to_string();
    (canonical != value).then_some(canonical)
}

#[cfg(test)]
mod tests {
    use super::meant;

    #[test]
    fn other_servers_patterns_are_read_as_what_they_meant() {
        for (written, pattern) in [
            ("*.example.com", "https://*.example.com"),
            (".example.com", "https://*.example.com"),
            (".*.mydomain.com", "https://*.mydomain.com"),
            ("https://.*\\.example\\.org", "https://*.example.org"),
            ("^https?://(.*\\.)?example\\.com$", "https://*.example.com"),
            ("http*://*.qantas.com", "https://*.qantas.com"),
            (
                "(https|http)://*.domainname.com",
                "https://*.domainname.com",
            ),
            ("^http://(.*\\.)?example\\.com$", "http://*.example.com"),
            ("^https://app\\.example\\.com$", "https://app.example.com"),
            ("^https?://localhost:3000$", "http://localhost:3000"),
            ("localhost:*", "http://localhost:*"),
        ] {
            assert_eq!(meant(written).as_deref(), Some(pattern), "{written}");
        }
        // Not another syntax, or not one this reads.
        for value in [
            "https://example.com",
            "http://*.example.com",
            "ftp://*.example.com",
            "https://*.",
            // `.*` inside a label is no leading run of labels.
            "^https://.*staging\\.example\\.com$",
            "(",
            "*",
        ] {
            assert_eq!(meant(value), None, "{value}");
        }
    }
}
