//! The tables' facts, pinned through the parts of the model that read them: max-age parsing
//! and the preflight cache's keying, merging and wildcards.

use std::time::Duration;

use super::Browser;
use crate::browser::{PreflightCache, check::PreflightGrant};

fn lifetime(browser: Browser, value: Option<&str>) -> Option<u64> {
    browser
        .profile()
        .preflight_lifetime(value.map(str::as_bytes))
        .map(|d| d.as_secs())
}

#[test]
fn max_age_per_engine() {
    use Browser::*;
    // Absent: 5 s everywhere (Fetch "(5 by default)"; kDefaultTimeout; PREFLIGHT_DEFAULT_EXPIRY_SECONDS).
    for browser in Browser::ALL {
        assert_eq!(lifetime(browser, None), Some(5));
        assert_eq!(lifetime(browser, Some("600")), Some(600));
        assert_eq!(
            lifetime(browser, Some("0")),
            None,
            "{browser}: 0 caches nothing"
        );
    }
    // Caps: Chromium 2 h, Firefox 24 h, WebKit 600 s.
    assert_eq!(lifetime(Chromium, Some("86400")), Some(7200));
    assert_eq!(lifetime(Firefox, Some("100000")), Some(86_400));
    assert_eq!(lifetime(WebKit, Some("7200")), Some(600));
    // Unparsable (observed in Chromium 156, Firefox 153, WebKit 2.50.6): Firefox caches
    // nothing, the others use the default.
    assert_eq!(lifetime(Firefox, Some("ten")), None);
    assert_eq!(lifetime(Chromium, Some("ten")), Some(5));
    assert_eq!(lifetime(WebKit, Some("ten")), Some(5));
    // Negative: never cached (Chromium clamps to 0; Firefox rejects the sign).
    for browser in Browser::ALL {
        assert_eq!(lifetime(browser, Some("-1")), None, "{browser}");
    }
}

#[test]
fn firefox_153_treats_an_empty_max_age_as_absent_and_refuses_a_sign() {
    assert_eq!(lifetime(Browser::Firefox, Some("")), Some(5));
    assert_eq!(lifetime(Browser::Firefox, Some("+30")), None);
}

#[test]
fn browser_names() {
    assert_eq!("Safari".parse::<Browser>().unwrap(), Browser::WebKit);
    assert_eq!(Browser::default().to_string(), "chromium");
    assert!("lynx".parse::<Browser>().is_err());
    for browser in Browser::ALL {
        assert_eq!(browser.name().parse::<Browser>(), Ok(browser));
    }
    for (alias, browser) in [
        ("chrome", Browser::Chromium),
        ("edge", Browser::Chromium),
        ("gecko", Browser::Firefox),
        ("WEBKIT", Browser::WebKit),
    ] {
        assert_eq!(alias.parse::<Browser>(), Ok(browser));
    }
}

#[test]
fn facts_are_the_tables() {
    assert_eq!(
        Browser::ALL.map(|b| b.facts().max_age_cap.as_secs()),
        [7200, 86_400, 600]
    );
    assert_eq!(
        Browser::ALL.map(|b| b.facts().null_origin_in_redirected_preflights),
        [true, false, true]
    );
}

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
    for browser in Browser::ALL {
        let mut cache = PreflightCache::new(browser);
        cache.store(O, U, false, grant(&["PUT"], &[]), Duration::from_secs(5));
        assert!(!cache.covers(O, "https://api.example/other", false, "PUT", &[]));
        assert!(!cache.covers("https://evil.example", U, false, "PUT", &[]));
        cache.age(Duration::from_secs(4));
        assert!(cache.covers(O, U, false, "PUT", &[]));
        cache.age(Duration::from_secs(1));
        assert!(!cache.covers(O, U, false, "PUT", &[]));
    }
}

#[test]
fn credentials_in_the_key() {
    // Chromium/WebKit: a credentialed answer serves both; a plain one only plain requests.
    // Firefox: separate entries per credentials flag.
    for browser in Browser::ALL {
        let mut cache = PreflightCache::new(browser);
        cache.store(O, U, false, grant(&["PUT"], &[]), Duration::from_secs(60));
        assert!(!cache.covers(O, U, true, "PUT", &[]), "{browser}");
        let mut cache = PreflightCache::new(browser);
        cache.store(O, U, true, grant(&["PUT"], &[]), Duration::from_secs(60));
        assert_eq!(
            cache.covers(O, U, false, "PUT", &[]),
            browser != Browser::Firefox,
            "{browser}"
        );
    }
}

#[test]
fn cached_wildcards() {
    let stored = |browser| {
        let mut cache = PreflightCache::new(browser);
        cache.store(O, U, false, grant(&["*"], &["*"]), Duration::from_secs(60));
        cache
    };
    // Chromium: `*` honoured, but never for Authorization (a fresh preflight is needed).
    let chromium = stored(Browser::Chromium);
    assert!(chromium.covers(O, U, false, "DELETE", &names(&["x-a"])));
    assert!(!chromium.covers(O, U, false, "DELETE", &names(&["authorization"])));
    // WebKit: `*` covers Authorization too.
    assert!(stored(Browser::WebKit).covers(O, U, false, "DELETE", &names(&["authorization"])));
    // Firefox: `*` is a literal token in its cache.
    assert!(!stored(Browser::Firefox).covers(O, U, false, "DELETE", &[]));
}

#[test]
fn webkit_honours_a_credentialed_wildcard_for_a_plain_request() {
    // Observed in WebKit 2.50.6: an answer with `Access-Control-Allow-Headers: *`
    // obtained for a credentialed PUT lets a later PUT without credentials send `X-Custom`
    // unpreflighted. Chromium asks how the answer was obtained, so it preflights again.
    for (browser, covered) in [(Browser::WebKit, true), (Browser::Chromium, false)] {
        let mut cache = PreflightCache::new(browser);
        let minute = Duration::from_secs(60);
        cache.store(O, U, true, grant(&["PUT"], &["*"]), minute);
        assert_eq!(
            cache.covers(O, U, false, "PUT", &names(&["x-custom"])),
            covered,
            "{browser}"
        );
        assert!(!cache.covers(O, U, true, "PUT", &names(&["x-custom"])));
    }
}

#[test]
fn firefox_merges_and_the_others_replace() {
    let minute = Duration::from_secs(60);
    for browser in Browser::ALL {
        let mut cache = PreflightCache::new(browser);
        cache.store(O, U, false, grant(&["PUT"], &[]), minute);
        cache.store(O, U, false, grant(&["DELETE"], &[]), minute);
        assert!(cache.covers(O, U, false, "DELETE", &[]));
        assert_eq!(
            cache.covers(O, U, false, "PUT", &[]),
            browser == Browser::Firefox,
            "{browser}"
        );
    }
}

#[test]
fn fetch_metadata_is_what_the_engines_sent() {
    for browser in Browser::ALL {
        let metadata = browser.facts().fetch_metadata;
        assert_eq!(metadata.form_mode, "navigate");
        assert_eq!(metadata.form_dest, "document");
        assert_eq!(metadata.framed_form_dest, "iframe");
    }
    assert_eq!(Browser::Chromium.facts().fetch_metadata.websocket, None);
    assert_eq!(
        Browser::Firefox.facts().fetch_metadata.websocket,
        Some(("websocket", "empty"))
    );
    assert_eq!(
        Browser::WebKit.facts().fetch_metadata.websocket,
        Some(("websocket", "websocket"))
    );
}

#[test]
fn host_specials_are_sorted_and_only_what_the_url_standard_allows_in_a_domain() {
    // Every ASCII character the URL Standard lets a domain keep besides letters, digits, `-`
    // and `.`: the rest are forbidden host or domain code points.
    const ALLOWED: &str = "!\"$&'()*+,;=_`{}~";
    for browser in Browser::ALL {
        let specials = browser.facts().host_specials;
        let mut sorted: Vec<char> = specials.chars().collect();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.into_iter().collect::<String>(),
            specials,
            "{browser}"
        );
        assert!(specials.chars().all(|c| ALLOWED.contains(c)), "{browser}");
    }
    assert!(!Browser::Firefox.facts().host_specials.contains(['*', '"']));
    assert!(!Browser::Chromium.facts().host_specials.contains('*'));
    assert_eq!(Browser::WebKit.facts().host_specials, ALLOWED);
}
