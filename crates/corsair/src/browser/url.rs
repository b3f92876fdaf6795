//! The URLs a page fetches and servers redirect to: just what CORS needs of them (origin,
//! credentials, serialization, resolving a `Location`).

use std::fmt;

use crate::grammar;
use crate::origin::{Origin, OriginError};

/// An absolute `http`/`https` URL: an origin, optional userinfo, and a path with query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    origin: Origin,
    userinfo: Option<String>,
    /// Path and query, starting with `/` (the fragment is never sent).
    path: String,
}

/// Why a URL was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// Not `scheme://authority...`.
    #[error("`{0}` is not an absolute URL (expected e.g. `https://api.example.com/items`)")]
    NotAbsolute(String),
    /// A scheme fetch() cannot use for CORS.
    #[error("`{url}`: CORS requests support only http and https, not `{scheme}:`")]
    UnsupportedScheme {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The authority is not a valid origin.
    #[error("`{url}`: {source}")]
    Origin {
        /// The URL.
        url: String,
        /// What is wrong with its origin part.
        source: OriginError,
    },
}

impl Url {
    /// Parses an absolute `http` or `https` URL.
    ///
    /// ```
    /// use corsair::browser::Url;
    ///
    /// let url = Url::parse("HTTPS://user:pw@API.example.com:443/items?page=2#top")?;
    /// assert_eq!(url.to_string(), "https://user:pw@api.example.com/items?page=2");
    /// assert_eq!(url.origin().to_string(), "https://api.example.com");
    /// assert!(url.has_credentials());
    /// # Ok::<(), corsair::browser::UrlError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        let Some((scheme, rest)) = input.split_once("://") else {
            return Err(UrlError::NotAbsolute(input.to_owned()));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(UrlError::UnsupportedScheme {
                url: input.to_owned(),
                scheme,
            });
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo.to_owned()), host_port),
            None => (None, authority),
        };
        let origin = Origin::parse(&format!("{scheme}://{host_port}")).map_err(|source| {
            UrlError::Origin {
                url: input.to_owned(),
                source,
            }
        })?;
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Ok(Self {
            origin,
            userinfo: userinfo.filter(|u| !u.is_empty()),
            path,
        })
    }

    /// Resolves a `Location` header value against this URL (absolute, scheme-relative,
    /// path-absolute or path-relative forms).
    ///
    /// ```
    /// use corsair::browser::Url;
    ///
    /// let base = Url::parse("https://a.example/api/items?x=1")?;
    /// assert_eq!(base.join("/login")?.to_string(), "https://a.example/login");
    /// assert_eq!(base.join("next")?.to_string(), "https://a.example/api/next");
    /// assert_eq!(base.join("//b.example/x")?.to_string(), "https://b.example/x");
    /// assert_eq!(base.join("?page=2")?.to_string(), "https://a.example/api/items?page=2");
    /// assert_eq!(base.join("")?, base);
    /// assert!(base.join("data:text/plain,hi").is_err());
    /// # Ok::<(), corsair::browser::UrlError>(())
    /// ```
    pub fn join(&self, location: &str) -> Result<Self, UrlError> {
        let location = location.trim();
        if location.is_empty() {
            // The WHATWG URL parser resolves the empty string to the base itself.
            return Ok(self.clone());
        }
        let has_scheme = location
            .split_once(':')
            .is_some_and(|(scheme, _)| grammar::scheme::is_valid(scheme.as_bytes()));
        if has_scheme {
            // Absolute, whatever the scheme (`data:`, `ftp://`... are refused by `parse`).
            return Self::parse(location);
        }
        let scheme = self.origin.scheme().unwrap_or("https");
        if let Some(rest) = location.strip_prefix("//") {
            return Self::parse(&format!("{scheme}://{rest}"));
        }
        let origin = self.origin_prefix();
        if location.starts_with('/') {
            return Self::parse(&format!("{origin}{location}"));
        }
        if location.starts_with('?') {
            let path = self.path.split('?').next().unwrap_or("/");
            return Self::parse(&format!("{origin}{path}{location}"));
        }
        let path = self.path.split('?').next().unwrap_or("/");
        let directory = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
        Self::parse(&format!("{origin}{directory}{location}"))
    }

    fn origin_prefix(&self) -> String {
        match &self.userinfo {
            Some(userinfo) => {
                let origin = self.origin.to_string();
                let (scheme, host) = origin.split_once("://").unwrap_or(("https", &origin));
                format!("{scheme}://{userinfo}@{host}")
            }
            None => self.origin.to_string(),
        }
    }

    /// The URL's origin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Whether the URL carries a username or password (Fetch, "includes credentials").
    pub fn has_credentials(&self) -> bool {
        self.userinfo.is_some()
    }

    /// Path and query.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin_prefix(), self.path)
    }
}

impl std::str::FromStr for Url {
    type Err = UrlError;

    fn from_str(input: &str) -> Result<Self, UrlError> {
        Self::parse(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_serialize() {
        for (input, expected) in [
            ("https://a.example", "https://a.example/"),
            (
                "http://a.example:8080/x/y?q=1",
                "http://a.example:8080/x/y?q=1",
            ),
            ("https://a.example?q", "https://a.example/?q"),
            ("https://u@a.example/", "https://u@a.example/"),
        ] {
            assert_eq!(Url::parse(input).unwrap().to_string(), expected);
        }
        assert!(matches!(
            Url::parse("ftp://a.example"),
            Err(UrlError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            Url::parse("/relative"),
            Err(UrlError::NotAbsolute(_))
        ));
        assert!(matches!(
            Url::parse("https://a.example:99999/"),
            Err(UrlError::Origin { .. })
        ));
    }

    #[test]
    fn join_keeps_userinfo_only_for_same_authority_forms() {
        let base = Url::parse("https://u:p@a.example/dir/page").unwrap();
        assert_eq!(
            base.join("other").unwrap().to_string(),
            "https://u:p@a.example/dir/other"
        );
        assert!(!base.join("https://b.example/").unwrap().has_credentials());
        assert_eq!(
            base.join("http://x:y@b.example/").unwrap().to_string(),
            "http://x:y@b.example/"
        );
    }
}
