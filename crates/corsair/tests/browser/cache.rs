//! The preflight cache: max-age per engine, reuse within it.

use crate::support::*;

fn put_with_max_age(max_age: Option<&'static str>) -> impl FnMut(&Outgoing) -> ResponseHead {
    move |outgoing| {
        let mut response = permissive(outgoing);
        if let (Exchange::Preflight, Some(max_age)) = (outgoing.exchange, max_age) {
            response
                .headers
                .push(("Access-Control-Max-Age".into(), max_age.into()));
        }
        response
    }
}

#[test]
fn a_repeated_request_within_max_age_sends_no_preflight() {
    for browser in Browser::ALL {
        let mut cache = PreflightCache::new(browser);
        let mut server = put_with_max_age(Some("600"));
        let (first, _) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        let (second, sent) =
            run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert_eq!((first.preflights, second.preflights), (1, 0), "{browser}");
        assert_eq!(sent.len(), 1);
        // Another URL is another cache key.
        let (other, _) = run_cached(
            browser,
            request("https://api.example/other").method("PUT"),
            &mut cache,
            &mut server,
        );
        assert_eq!(other.preflights, 1);
    }
}

#[test]
fn unparsable_max_age_per_engine() {
    // Observed in the three engines: Firefox caches nothing, Chromium and WebKit use their 5 s default.
    for (browser, cached) in [
        (Browser::Chromium, true),
        (Browser::Firefox, false),
        (Browser::WebKit, true),
    ] {
        let mut cache = PreflightCache::new(browser);
        let mut server = put_with_max_age(Some("soon"));
        run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        let (second, _) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert_eq!(second.preflights == 0, cached, "{browser}");
    }
}

#[test]
fn max_age_zero_disables_caching() {
    for browser in Browser::ALL {
        let mut cache = PreflightCache::new(browser);
        let mut server = put_with_max_age(Some("0"));
        run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        let (second, _) = run_cached(browser, request(API).method("PUT"), &mut cache, &mut server);
        assert_eq!(second.preflights, 1, "{browser}");
    }
}
