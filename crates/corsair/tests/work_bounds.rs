//! Inputs that once took quadratic time now take linear (or n log n) time: each test runs the
//! same input at two sizes, n and 4n, and bounds the ratio of the times. Linear work gives a
//! ratio near 4, quadratic work near 16; the bound of 10 leaves room for a noisy machine
//! without letting quadratic work through. No test has a wall-clock limit.

use std::time::{Duration, Instant};

use corsair::Config;

fn timed(run: &mut impl FnMut(usize), n: usize) -> Duration {
    let start = Instant::now();
    run(n);
    start.elapsed()
}

/// Asserts that `run(4n)` takes less than 10 times as long as `run(n)`. Each size runs three
/// times, interleaved, and the fastest run of each counts: the least disturbed by other work
/// on the machine. A ratio over the bound is measured again, up to three times, since a
/// load spike can slow one measurement but quadratic work is slow in every one.
#[track_caller]
fn assert_scales_linearly(what: &str, n: usize, mut run: impl FnMut(usize)) {
    let mut measured = Vec::new();
    for _ in 0..3 {
        let (mut small, mut large) = (Duration::MAX, Duration::MAX);
        for _ in 0..3 {
            small = small.min(timed(&mut run, n));
            large = large.min(timed(&mut run, 4 * n));
        }
        let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
        if ratio < 10.0 {
            return;
        }
        measured.push(format!("{small:?} against {large:?} (ratio {ratio:.1})"));
    }
    panic!(
        "{what}: {n} against {} took {}: not linear",
        4 * n,
        measured.join(", ")
    );
}

#[test]
fn many_origins_build_in_linear_time() {
    assert_scales_linearly("origins", 10_000, |n| {
        let exact = (0..n).map(|i| format!("https://a{i}.example"));
        // Subdomain patterns of one base that differ only in their port share a matcher entry.
        let ports = (1..=n).map(|port| format!("https://*.example.com:{}", port % 60_000 + 1000));
        let policy = Config::new()
            .allow_origins(exact.chain(ports))
            .build()
            .unwrap();
        assert!(policy.origins().len() >= n);
    });
}

#[test]
fn many_methods_and_headers_build_in_linear_time() {
    assert_scales_linearly("methods and headers", 50_000, |n| {
        let names: Vec<String> = (0..n).map(|i| format!("X-{i}")).collect();
        let policy = Config::new()
            .allow_origins(["https://a.example"])
            .allow_methods(names.iter().cloned())
            .allow_headers(names.iter().cloned())
            .expose_headers(names.iter().cloned())
            .build()
            .unwrap();
        assert_eq!(policy.grants().methods.len(), n);
    });
}

#[test]
fn errors_are_counted_past_the_limit() {
    assert_scales_linearly("invalid origins", 25_000, |n| {
        let errors = Config::new()
            .allow_origins((0..n).map(|i| format!("https://a{i}.example/")))
            .allow_methods((0..n).map(|i| format!("m {i}")))
            .build()
            .unwrap_err();
        assert_eq!(errors.len(), corsair::ConfigErrors::LIMIT);
        assert_eq!(errors.omitted(), 2 * n - corsair::ConfigErrors::LIMIT);
        let report = errors.to_string();
        assert_eq!(report.lines().count(), corsair::ConfigErrors::LIMIT + 2);
        assert!(report.ends_with(&format!(
            "and {} more problems, not listed",
            errors.omitted()
        )));
    });
}

#[cfg(feature = "toml")]
mod files {
    use super::assert_scales_linearly;
    use corsair::{ConfigErrors, Policy, PolicyFileError};

    /// n for the file tests: 4n is 100,000 keys or tables in optimized builds, and a quarter
    /// of that in debug builds, where reading a file is about twenty times slower.
    const KEYS: usize = if cfg!(debug_assertions) {
        6_250
    } else {
        25_000
    };

    #[test]
    fn many_unknown_keys_load_in_linear_time_with_a_bounded_report() {
        assert_scales_linearly("unknown keys", KEYS, |n| {
            let source: String = (0..n).map(|i| format!("k{i:x}=1\n")).collect();
            let error = Policy::from_toml(&source).unwrap_err();
            assert!(matches!(&error, PolicyFileError::UnknownKeys(keys) if keys.len() == n));
            let report = error.to_string();
            assert_eq!(report.lines().count(), ConfigErrors::LIMIT + 1);
            assert!(report.ends_with(&format!(
                "and {} more problems, not listed",
                n - ConfigErrors::LIMIT
            )));
        });
    }

    #[test]
    fn many_tables_load_in_linear_time() {
        assert_scales_linearly("tables", KEYS, |n| {
            let source: String = (0..n).map(|i| format!("[t{i:x}]\n")).collect();
            let error = Policy::from_toml(&source).unwrap_err();
            assert!(matches!(&error, PolicyFileError::UnknownKeys(keys) if keys.len() == n));
        });
    }

    #[test]
    fn many_origins_in_a_file_load_in_linear_time() {
        assert_scales_linearly("origins in a file", 10_000, |n| {
            let origins: Vec<String> = (0..n)
                .map(|i| format!("\"https://a{i}.example\""))
                .collect();
            let source = format!("allow_origins = [{}]\n", origins.join(","));
            assert_eq!(Policy::from_toml(&source).unwrap().origins().len(), n);
        });
    }

    #[test]
    fn sources_over_the_limit_are_refused_before_parsing() {
        let source: String = (0..200_000).map(|i| format!("[t{i:x}]\n")).collect();
        assert!(source.len() > PolicyFileError::SIZE_LIMIT);
        let error = Policy::from_toml(&source).unwrap_err();
        assert_eq!(
            error,
            PolicyFileError::TooLarge {
                size: source.len(),
                limit: PolicyFileError::SIZE_LIMIT
            }
        );
        assert!(
            error
                .to_string()
                .contains("over the limit of 1048576 bytes")
        );
        let at_limit = format!(
            "allow_origins = [\"https://a.example\"]\n{}",
            " ".repeat(PolicyFileError::SIZE_LIMIT - 38)
        );
        assert_eq!(at_limit.len(), PolicyFileError::SIZE_LIMIT);
        assert!(Policy::from_toml(&at_limit).is_ok());
    }
}

#[cfg(feature = "browser")]
mod browser_model {
    use super::assert_scales_linearly;
    use corsair::Origin;
    use corsair::browser::{
        Browser, Exchange, Fetch, Outgoing, PageRequest, PreflightCache, ResponseHead, Url,
    };

    const PAGE: &str = "https://app.example";

    /// A server granting what the preflight asked for, names echoed as they came.
    fn granting(outgoing: &Outgoing) -> ResponseHead {
        let mut headers = vec![("access-control-allow-origin".to_owned(), PAGE.to_owned())];
        if outgoing.exchange == Exchange::Preflight {
            for (name, value) in &outgoing.headers {
                if name.eq_ignore_ascii_case("access-control-request-headers") {
                    headers.push(("access-control-allow-headers".to_owned(), value.clone()));
                }
            }
            headers.push(("access-control-allow-methods".to_owned(), "PUT".to_owned()));
        }
        ResponseHead::new(200, headers)
    }

    /// 15,000 headers against 60,000: each is looked up by name once (a scan per header took
    /// 14.5 s for 60,000). Every engine preflights them all and sends them all.
    #[test]
    fn many_request_headers_fetch_in_linear_time() {
        for browser in Browser::ALL {
            assert_scales_linearly("request headers", 15_000, |n| {
                let mut request = PageRequest::new(
                    Origin::parse(PAGE).unwrap(),
                    Url::parse("https://api.example/data").unwrap(),
                )
                .method("PUT");
                for i in 0..n {
                    // Every tenth name repeats the one before, so same-named headers are
                    // combined too.
                    let name = if i % 10 == 9 { i - 1 } else { i };
                    request = request.header(format!("x-h{name}"), "v");
                }
                let mut cache = PreflightCache::new(browser);
                let mut sent = 0;
                let outcome = Fetch::new(browser, request, &mut cache).run(|outgoing| {
                    sent = sent.max(outgoing.headers.len());
                    granting(outgoing)
                });
                assert!(outcome.result.is_ok(), "{browser:?}: {:?}", outcome.result);
                assert_eq!(outcome.preflights, 1);
                assert!(sent >= n - n / 10, "{browser:?} sent {sent} of {n}");
            });
        }
    }
}
