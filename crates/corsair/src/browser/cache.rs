//! The preflight cache: what lets a second identical request skip its preflight.

use std::time::{Duration, Instant};

use super::{Browser, check::PreflightGrant, safelist::is_safelisted_method};

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
/// ```
/// use std::time::{Duration, Instant};
/// use corsair::browser::{Browser, PreflightCache};
///
/// let mut cache = PreflightCache::new(Browser::Chromium);
/// let now = Instant::now();
/// assert!(!cache.covers("https://app.example", "https://api.example/x", false, "PUT", &[], now));
/// ```
#[derive(Clone, Debug)]
pub struct PreflightCache {
    browser: Browser,
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    origin: String,
    url: String,
    credentials: bool,
    grant: PreflightGrant,
    expires: Instant,
}

impl PreflightCache {
    /// An empty cache for `browser`.
    pub fn new(browser: Browser) -> Self {
        Self {
            browser,
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
        now: Instant,
    ) -> bool {
        self.entries
            .iter()
            .filter(|entry| entry.origin == origin && entry.url == url && entry.expires > now)
            .filter(|entry| match self.browser {
                Browser::Firefox => entry.credentials == credentials,
                Browser::Chromium | Browser::WebKit => entry.credentials || !credentials,
            })
            .any(|entry| {
                // Chromium asks whether the answer was obtained without credentials; WebKit
                // asks it of the request being checked.
                let wildcard = match self.browser {
                    Browser::Chromium => !credentials && !entry.credentials,
                    Browser::WebKit => !credentials,
                    Browser::Firefox => false,
                };
                let method_ok = match self.browser {
                    // Firefox's cache skips only GET and POST, and matches `*` literally.
                    Browser::Firefox => {
                        matches!(method, "GET" | "POST")
                            || entry.grant.methods.iter().any(|m| m == method)
                    }
                    _ => {
                        is_safelisted_method(method)
                            || entry.grant.methods.iter().any(|m| m == method)
                            || (wildcard && entry.grant.methods.iter().any(|m| m == "*"))
                    }
                };
                method_ok
                    && unsafe_names.iter().all(|name| {
                        entry
                            .grant
                            .headers
                            .iter()
                            .any(|h| h.eq_ignore_ascii_case(name))
                            || (wildcard
                                && entry.grant.headers.iter().any(|h| h == "*")
                                && (self.browser == Browser::WebKit
                                    || !name.eq_ignore_ascii_case("authorization")))
                    })
            })
    }

    /// Remembers a successful preflight's answer for `lifetime`.
    pub(crate) fn store(
        &mut self,
        origin: &str,
        url: &str,
        credentials: bool,
        grant: PreflightGrant,
        lifetime: Duration,
        now: Instant,
    ) {
        let expires = now + lifetime;
        let same_key = |entry: &Entry| {
            entry.origin == origin
                && entry.url == url
                && (self.browser != Browser::Firefox || entry.credentials == credentials)
        };
        if let Some(entry) = self.entries.iter_mut().find(|entry| same_key(entry)) {
            if self.browser == Browser::Firefox {
                merge(&mut entry.grant.methods, grant.methods);
                merge(&mut entry.grant.headers, grant.headers);
            } else {
                entry.grant = grant;
                entry.credentials = credentials;
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

    /// Ages every answer by `elapsed`, as if that much time had passed: for replaying a
    /// recorded sequence of fetches with the pauses between them.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use corsair::{Origin, browser::{Browser, Fetch, PageRequest, PreflightCache, ResponseHead, Url}};
    ///
    /// let mut cache = PreflightCache::new(Browser::Chromium);
    /// let request = || -> Result<PageRequest, Box<dyn std::error::Error>> {
    ///     Ok(PageRequest::new(Origin::parse("https://app.example")?, Url::parse("https://api.example/")?)
    ///         .method("PUT"))
    /// };
    /// let answer = |_: &_| ResponseHead::new(204, [
    ///     ("Access-Control-Allow-Origin", "https://app.example"),
    ///     ("Access-Control-Allow-Methods", "PUT"),
    /// ]);
    /// Fetch::new(Browser::Chromium, request()?, &mut cache).run(answer);
    /// let now = Instant::now();
    /// assert!(cache.covers("https://app.example", "https://api.example/", false, "PUT", &[], now));
    /// cache.age(Duration::from_secs(6)); // past the 5 s default
    /// assert!(!cache.covers("https://app.example", "https://api.example/", false, "PUT", &[], now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn age(&mut self, elapsed: Duration) {
        // An expiry that cannot move back that far lies before the clock's origin, so before
        // now: that answer has expired.
        self.entries
            .retain_mut(|entry| match entry.expires.checked_sub(elapsed) {
                Some(expires) => {
                    entry.expires = expires;
                    true
                }
                None => false,
            });
    }

    /// Forgets every answer (as a browser does when its cache is cleared).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

fn merge(into: &mut Vec<String>, more: Vec<String>) {
    for item in more {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(methods: &[&str], headers: &[&str]) -> PreflightGrant {
        PreflightGrant {
            methods: methods.iter().map(|m| (*m).to_owned()).collect(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        }
    }

    const O: &str = "https://app.example";
    const U: &str = "https://api.example/items";

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn entries_expire() {
        let now = Instant::now();
        for browser in Browser::ALL {
            let mut cache = PreflightCache::new(browser);
            cache.store(
                O,
                U,
                false,
                grant(&["PUT"], &[]),
                Duration::from_secs(5),
                now,
            );
            assert!(cache.covers(O, U, false, "PUT", &[], now + Duration::from_secs(4)));
            assert!(!cache.covers(O, U, false, "PUT", &[], now + Duration::from_secs(5)));
            assert!(!cache.covers(O, "https://api.example/other", false, "PUT", &[], now));
            assert!(!cache.covers("https://evil.example", U, false, "PUT", &[], now));
        }
    }

    #[test]
    fn credentials_in_the_key() {
        // Chromium/WebKit: a credentialed answer serves both; a plain one only plain requests.
        // Firefox: separate entries per credentials flag.
        let now = Instant::now();
        for browser in Browser::ALL {
            let mut cache = PreflightCache::new(browser);
            cache.store(
                O,
                U,
                false,
                grant(&["PUT"], &[]),
                Duration::from_secs(60),
                now,
            );
            assert!(!cache.covers(O, U, true, "PUT", &[], now), "{browser}");
            let mut cache = PreflightCache::new(browser);
            cache.store(
                O,
                U,
                true,
                grant(&["PUT"], &[]),
                Duration::from_secs(60),
                now,
            );
            assert_eq!(
                cache.covers(O, U, false, "PUT", &[], now),
                browser != Browser::Firefox,
                "{browser}"
            );
        }
    }

    #[test]
    fn cached_wildcards() {
        let now = Instant::now();
        let stored = |browser| {
            let mut cache = PreflightCache::new(browser);
            cache.store(
                O,
                U,
                false,
                grant(&["*"], &["*"]),
                Duration::from_secs(60),
                now,
            );
            cache
        };
        // Chromium: `*` honoured, but never for Authorization (a fresh preflight is needed).
        let chromium = stored(Browser::Chromium);
        assert!(chromium.covers(O, U, false, "DELETE", &names(&["x-a"]), now));
        assert!(!chromium.covers(O, U, false, "DELETE", &names(&["authorization"]), now));
        // WebKit: `*` covers Authorization too.
        assert!(stored(Browser::WebKit).covers(
            O,
            U,
            false,
            "DELETE",
            &names(&["authorization"]),
            now
        ));
        // Firefox: `*` is a literal token in its cache.
        assert!(!stored(Browser::Firefox).covers(O, U, false, "DELETE", &[], now));
    }

    #[test]
    fn webkit_honours_a_credentialed_wildcard_for_a_plain_request() {
        // WebKit 2.50.6 (observed, seed 0x77): an answer with `Access-Control-Allow-Headers: *`
        // obtained for a credentialed PUT lets a later PUT without credentials send `X-Custom`
        // unpreflighted. Chromium asks how the answer was obtained, so it preflights again.
        let now = Instant::now();
        for (browser, covered) in [(Browser::WebKit, true), (Browser::Chromium, false)] {
            let mut cache = PreflightCache::new(browser);
            let minute = Duration::from_secs(60);
            cache.store(O, U, true, grant(&["PUT"], &["*"]), minute, now);
            assert_eq!(
                cache.covers(O, U, false, "PUT", &names(&["x-custom"]), now),
                covered,
                "{browser}"
            );
            assert!(!cache.covers(O, U, true, "PUT", &names(&["x-custom"]), now));
        }
    }

    #[test]
    fn firefox_merges_and_the_others_replace() {
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        for browser in Browser::ALL {
            let mut cache = PreflightCache::new(browser);
            cache.store(O, U, false, grant(&["PUT"], &[]), minute, now);
            cache.store(O, U, false, grant(&["DELETE"], &[]), minute, now);
            assert!(cache.covers(O, U, false, "DELETE", &[], now));
            assert_eq!(
                cache.covers(O, U, false, "PUT", &[], now),
                browser == Browser::Firefox,
                "{browser}"
            );
        }
    }
}
