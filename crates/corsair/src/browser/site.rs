//! `Sec-Fetch-Site`: how the page's site relates to the site a request goes to (Fetch
//! Metadata), from the public suffix list.

use crate::{Origin, origin::Host};

/// A request's `Sec-Fetch-Site`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FetchSite {
    /// The page's own origin.
    SameOrigin,
    /// Another origin of the same scheme and registrable domain (`app.example` and
    /// `api.example`), or the same host on another port.
    SameSite,
    /// Anything else.
    CrossSite,
}

impl FetchSite {
    /// The relation of `target` to the page at `page` (schemeful: `http` and `https` of
    /// one domain are cross-site; a host without a registrable domain, an IP address or a
    /// public suffix, is its own site).
    ///
    /// ```
    /// use corsair::{Origin, browser::FetchSite};
    ///
    /// let page = Origin::parse("https://app.example.co.uk")?;
    /// let site = |target| FetchSite::between(&page, &Origin::parse(target).unwrap());
    /// assert_eq!(site("https://app.example.co.uk"), FetchSite::SameOrigin);
    /// assert_eq!(site("https://api.example.co.uk:8443"), FetchSite::SameSite);
    /// assert_eq!(site("https://other.co.uk"), FetchSite::CrossSite);
    /// assert_eq!(site("http://api.example.co.uk"), FetchSite::CrossSite);
    /// # Ok::<(), corsair::OriginError>(())
    /// ```
    pub fn between(page: &Origin, target: &Origin) -> Self {
        if page == target {
            return Self::SameOrigin;
        }
        let same_site = page.scheme() == target.scheme()
            && matches!((page.host(), target.host()), (Some(a), Some(b)) if site(a) == site(b));
        if same_site {
            Self::SameSite
        } else {
            Self::CrossSite
        }
    }

    /// The header value: `same-origin`, `same-site` or `cross-site`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SameOrigin => "same-origin",
            Self::SameSite => "same-site",
            Self::CrossSite => "cross-site",
        }
    }
}

/// The host's registrable domain, or the host itself when it has none.
fn site(host: &Host) -> String {
    let text = host.to_string();
    match host {
        Host::Domain(domain) => psl::domain_str(domain).unwrap_or(&text).to_owned(),
        Host::Ipv4(_) | Host::Ipv6(_) => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn between(page: &str, target: &str) -> FetchSite {
        FetchSite::between(
            &Origin::parse(page).unwrap(),
            &Origin::parse(target).unwrap(),
        )
    }

    #[test]
    fn addresses_and_public_suffixes_are_their_own_sites() {
        assert_eq!(
            between("http://127.0.0.1:8080", "http://127.0.0.1:9090"),
            FetchSite::SameSite
        );
        assert_eq!(
            between("http://127.0.0.1:8080", "http://localhost:8080"),
            FetchSite::CrossSite
        );
        assert_eq!(
            between("https://a.github.io", "https://b.github.io"),
            FetchSite::CrossSite
        );
        assert_eq!(
            between("https://a.example.com", "https://b.a.example.com"),
            FetchSite::SameSite
        );
    }

    #[test]
    fn an_opaque_page_is_cross_site_to_everything() {
        assert_eq!(between("null", "https://a.example"), FetchSite::CrossSite);
    }
}
