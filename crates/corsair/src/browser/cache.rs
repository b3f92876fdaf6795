//! The preflight cache: what lets a second identical request skip its preflight.

use std::time::Duration;

use super::{
    Browser,
    check::PreflightGrant,
    profile::{CacheKey, CacheRules, CacheUpdate, CachedWildcard, CoveredMethods},
    safelist::is_safelisted_method,
};

/// The preflight answers a browser remembers, keyed as that browser keys them.
///
/// * Chromium keys on (origin, URL) and keeps one answer per key, replaced by each new
///   preflight; an answer obtained without credentials does not serve a credentialed request;
///   a cached `*` never covers `Authorization` (so such a request preflights again).
/// * Firefox keys on (origin, URL, credentials) and merges answers; a cached `*` is matched
///   literally, never as a wildcard.
/// * WebKit keys on (origin, URL), replaces answers, and honours a cached `*` for a request
///   without credentials (whatever the answer was obtained with), `Authorization` included.
///   An answer that does not cover a request is dropped when that request preflights again.
///
/// The cache keeps its own clock, which starts at zero and moves only by [`age`](Self::age):
/// the model reads no real time.
///
/// ```
/// use corsair::browser::{Browser, PreflightCache};
///
/// let cache = PreflightCache::new(Browser::default());
/// assert!(!cache.covers("https://app.example", "https://api.example/x", false, "PUT", &[]));
/// ```
#[derive(Clone, Debug)]
pub struct PreflightCache {
    rules: CacheRules,
    /// The time since the cache was created, as [`age`](Self::age) advanced it.
    clock: Duration,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    origin: String,
    url: String,
    credentials: bool,
    grant: PreflightGrant,
    /// On the cache's clock.
    expires: Duration,
}

impl PreflightCache {
    /// An empty cache for `browser`.
    pub fn new(browser: Browser) -> Self {
        Self {
            rules: browser.profile().cache,
            clock: Duration::ZERO,
            entries: Vec::new(),
        }
    }

    /// Whether a fresh cached answer lets this request skip its preflight.
    pub fn covers(
        &self,
        origin: &str,
        url: &str,
        credentials: bool,
        method: &str,
        unsafe_names: &[String],
    ) -> bool {
        let rules = &self.rules;
        self.entries
            .iter()
            .filter(|entry| {
                entry.origin == origin && entry.url == url && entry.expires > self.clock
            })
            .filter(|entry| match rules.key {
                CacheKey::OriginUrlCredentials => entry.credentials == credentials,
                CacheKey::OriginUrl => entry.credentials || !credentials,
            })
            .any(|entry| {
                let wildcard = match rules.wildcard {
                    CachedWildcard::Literal => false,
                    CachedWildcard::AnswerAndRequestWithoutCredentials => {
                        !credentials && !entry.credentials
                    }
                    CachedWildcard::RequestWithoutCredentials => !credentials,
                };
                let covered_method = match rules.covered_methods {
                    CoveredMethods::Safelisted => is_safelisted_method(method),
                    CoveredMethods::GetAndPost => matches!(method, "GET" | "POST"),
                };
                let method_ok = covered_method
                    || entry.grant.methods.contains(method)
                    || (wildcard && entry.grant.methods.contains("*"));
                let wildcard_covers = |name: &str| {
                    rules.wildcard == CachedWildcard::RequestWithoutCredentials
                        || !name.eq_ignore_ascii_case("authorization")
                };
                method_ok
                    && unsafe_names.iter().all(|name| {
                        entry.grant.lists_header(name)
                            || (wildcard
                                && entry.grant.headers.contains("*")
                                && wildcard_covers(name))
                    })
            })
    }

    /// Remembers a preflight's answer for `lifetime`, from the cache's present time.
    pub(crate) fn store(
        &mut self,
        origin: &str,
        url: &str,
        credentials: bool,
        grant: PreflightGrant,
        lifetime: Duration,
    ) {
        let expires = self.clock.saturating_add(lifetime);
        let key = self.rules.key;
        let same_key = |entry: &Entry| {
            entry.origin == origin
                && entry.url == url
                && (key == CacheKey::OriginUrl || entry.credentials == credentials)
        };
        if let Some(entry) = self.entries.iter_mut().find(|entry| same_key(entry)) {
            match self.rules.update {
                CacheUpdate::Merge => {
                    entry.grant.methods.extend(grant.methods);
                    entry.grant.headers.extend(grant.headers);
                }
                CacheUpdate::Replace => {
                    entry.grant = grant;
                    entry.credentials = credentials;
                }
            }
            entry.expires = expires;
        } else {
            self.entries.push(Entry {
                origin: origin.to_owned(),
                url: url.to_owned(),
                credentials,
                grant,
                expires,
            });
        }
    }

    /// Forgets the answers for `origin` and `url`, with and without credentials: Firefox 153
    /// does so when a request to `url` fails its CORS check (Gecko's `RemoveEntries`), WebKit
    /// when the answer it consulted does not cover the request.
    pub(crate) fn remove(&mut self, origin: &str, url: &str) {
        self.entries
            .retain(|entry| !(entry.origin == origin && entry.url == url));
    }

    /// Advances the cache's clock by `elapsed`, so every answer ages by that much: for
    /// replaying a recorded sequence of fetches with the pauses between them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use corsair::{Origin, browser::{Browser, Fetch, PageRequest, PreflightCache, ResponseHead, Url}};
    ///
    /// let browser = Browser::default();
    /// let mut cache = PreflightCache::new(browser);
    /// let request = || -> Result<PageRequest, Box<dyn std::error::Error>> {
    ///     Ok(PageRequest::new(Origin::parse("https://app.example")?, Url::parse("https://api.example/")?)
    ///         .method("PUT"))
    /// };
    /// let answer = |_: &_| ResponseHead::new(204, [
    ///     ("Access-Control-Allow-Origin", "https://app.example"),
    ///     ("Access-Control-Allow-Methods", "PUT"),
    /// ]);
    /// Fetch::new(browser, request()?, &mut cache).run(answer);
    /// assert!(cache.covers("https://app.example", "https://api.example/", false, "PUT", &[]));
    /// cache.age(Duration::from_secs(6)); // past the 5 s default
    /// assert!(!cache.covers("https://app.example", "https://api.example/", false, "PUT", &[]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn age(&mut self, elapsed: Duration) {
        self.clock = self.clock.saturating_add(elapsed);
    }

    /// Forgets every answer (as a browser does when its cache is cleared).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
