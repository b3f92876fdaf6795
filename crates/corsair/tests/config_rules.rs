//! `Config::build`: one test per validation rule, each with its opt-in where one exists.

use corsair::{Config, ConfigError, HeaderList, MaxAge, PatternError, origin::DnsLimit};

fn errors(config: Config) -> Vec<ConfigError> {
    match config.build() {
        Ok(policy) => panic!("expected errors, built {policy:?}"),
        Err(errors) => errors.into_iter().collect(),
    }
}

fn origins(list: &[&str]) -> Config {
    Config::new().allow_origins(list.iter().copied())
}

fn credentialed(list: &[&str]) -> Config {
    origins(list).allow_credentials(true)
}

#[test]
fn nothing_is_granted_by_default() {
    assert_eq!(errors(Config::new()), [ConfigError::NoOrigins]);
}

#[test]
fn a_predicate_alone_is_enough() {
    assert!(
        Config::new()
            .allow_origin_predicate(|_, _| false)
            .build()
            .is_ok()
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let found = errors(
        credentialed(&["*", "null", "HTTPS://A.example"])
            .allow_methods(["TRACE", "bad(method"])
            .allow_headers(["cookie"])
            .expose_headers(["set-cookie", "*"])
            .max_age(MaxAge::Seconds(90_000)),
    );
    let names: Vec<String> = found
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split([' ', '{'])
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "NullOrigin",
            "NonCanonicalOrigin",
            "AnyOriginWithCredentials",
            "AnyOriginWithOthers",
            "ForbiddenMethod",
            "InvalidMethod",
            "ForbiddenRequestHeader",
            "UnexposableHeader",
            "AnyExposedHeaderWithCredentials",
            "MaxAgeOutOfRange",
        ]
    );
}

#[test]
fn any_origin_with_credentials() {
    assert_eq!(
        errors(credentialed(&["*"])),
        [ConfigError::AnyOriginWithCredentials]
    );
    assert!(origins(&["*"]).build().is_ok());
}

#[test]
fn any_origin_with_other_entries() {
    assert_eq!(
        errors(origins(&["*", "https://a.example"])),
        [ConfigError::AnyOriginWithOthers {
            other: "https://a.example".into()
        }]
    );
}

#[test]
fn any_exposed_header_with_credentials() {
    assert_eq!(
        errors(credentialed(&["https://a.example"]).expose_headers(["*"])),
        [ConfigError::AnyExposedHeaderWithCredentials]
    );
    assert!(
        origins(&["https://a.example"])
            .expose_headers(["*"])
            .build()
            .is_ok()
    );
}

#[test]
fn null_origin_needs_its_opt_in() {
    assert_eq!(errors(origins(&["null"])), [ConfigError::NullOrigin]);
    assert!(
        origins(&["null"])
            .dangerously_allow_null_origin(true)
            .build()
            .is_ok()
    );
}

#[test]
fn schemes_no_page_has_are_rejected() {
    for (origin, scheme) in [
        ("wss://a.example", "wss"),
        ("ws://localhost:*", "ws"),
        ("ftp://a.example", "ftp"),
    ] {
        assert_eq!(
            errors(origins(&[origin])),
            [ConfigError::SchemeNeverSent {
                origin: origin.into(),
                scheme: scheme.into()
            }]
        );
    }
    // Apps with their own schemes do send them.
    assert!(
        origins(&["tauri://localhost", "capacitor://localhost"])
            .build()
            .is_ok()
    );
}

#[test]
fn a_predicate_next_to_any_origin_is_an_error() {
    assert_eq!(
        errors(origins(&["*"]).allow_origin_predicate(|_, _| true)),
        [ConfigError::AnyOriginWithOthers {
            other: "the origin predicate".into()
        }]
    );
}

#[test]
fn file_origins_are_rejected() {
    assert_eq!(
        errors(origins(&["file:///home/me/index.html"])),
        [ConfigError::FileOrigin {
            value: "file:///home/me/index.html".into()
        }]
    );
}

#[test]
fn insecure_origins_with_credentials_need_their_opt_in() {
    for insecure in [
        "http://app.example.com",
        "http://*.example.com",
        "http://192.168.1.10:*",
    ] {
        assert_eq!(
            errors(credentialed(&[insecure])),
            [ConfigError::InsecureOriginWithCredentials {
                origin: insecure.into()
            }],
            "{insecure}"
        );
        assert!(
            credentialed(&[insecure])
                .dangerously_allow_insecure_origins(true)
                .build()
                .is_ok()
        );
        assert!(
            origins(&[insecure]).build().is_ok(),
            "fine without credentials"
        );
    }
    for loopback in [
        "http://localhost:3000",
        "http://localhost:*",
        "http://127.0.0.1:8080",
        "http://[::1]:*",
        "http://app.localhost",
        "http://*.localhost",
        "https://app.example.com",
        "chrome-extension://abcdefghijklmnop",
    ] {
        assert!(credentialed(&[loopback]).build().is_ok(), "{loopback}");
    }
}

#[test]
fn public_suffix_subdomains_with_credentials_need_their_opt_in() {
    for (pattern, suffix) in [
        ("https://*.com", "com"),
        ("https://*.github.io", "github.io"),
        ("https://*.co.uk", "co.uk"),
        // Wildcard rules in the list: every `x.kawasaki.jp` is itself a public suffix.
        ("https://*.kawasaki.jp", "kawasaki.jp"),
        ("https://*.compute.amazonaws.com", "compute.amazonaws.com"),
    ] {
        assert_eq!(
            errors(credentialed(&[pattern])),
            [ConfigError::PublicSuffixSubdomains {
                pattern: pattern.into(),
                suffix: suffix.into()
            }]
        );
        assert!(
            credentialed(&[pattern])
                .dangerously_allow_public_suffix_subdomains(true)
                .build()
                .is_ok()
        );
        assert!(
            origins(&[pattern]).build().is_ok(),
            "fine without credentials"
        );
    }
    assert!(
        credentialed(&["https://*.example.com", "https://*.example.co.uk"])
            .build()
            .is_ok()
    );
}

#[test]
fn non_canonical_origins_get_the_canonical_form() {
    for (written, canonical) in [
        ("HTTPS://App.Example.com", "https://app.example.com"),
        ("https://app.example.com/", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("http://0x7f.1:8080", "http://127.0.0.1:8080"),
        ("http://[0:0:0:0:0:0:0:1]:*", "http://[::1]:*"),
        ("https://*.Example.com", "https://*.example.com"),
    ] {
        assert_eq!(
            errors(origins(&[written])),
            [ConfigError::NonCanonicalOrigin {
                value: written.into(),
                canonical: canonical.into()
            }],
            "{written}"
        );
    }
}

#[test]
fn malformed_origins_are_errors_not_panics() {
    for bad in [
        "example.com",
        "https://",
        "https://a.example/path",
        "https://user@a.example",
        "https://a.example:0",
        "https://a.example:65536",
        "https://a*.example.com",
        "https://*.10.0.0.1",
        "",
        " https://a.example",
    ] {
        let found = errors(origins(&[bad]));
        assert!(
            matches!(
                found.as_slice(),
                [ConfigError::InvalidOrigin { .. } | ConfigError::NonCanonicalOrigin { .. }]
            ),
            "{bad:?}: {found:?}"
        );
    }
    assert!(matches!(
        errors(origins(&["https://*.10.0.0.1"])).as_slice(),
        [ConfigError::InvalidOrigin {
            source: PatternError::SubdomainsOfIpAddress { .. },
            ..
        }]
    ));
}

#[test]
fn methods() {
    let base = || origins(&["https://a.example"]);
    assert_eq!(
        errors(base().allow_methods(["GET(POST"])),
        [ConfigError::InvalidMethod {
            value: "GET(POST".into()
        }]
    );
    // Other servers take a list in one string; here each is an entry of its own.
    let several = errors(base().allow_methods(["GET, POST", "PUT DELETE"]));
    assert_eq!(
        several,
        [
            ConfigError::SeveralInOneEntry {
                key: "allow_methods",
                value: "GET, POST".into(),
                entries: vec!["GET".into(), "POST".into()],
            },
            ConfigError::SeveralInOneEntry {
                key: "allow_methods",
                value: "PUT DELETE".into(),
                entries: vec!["PUT".into(), "DELETE".into()],
            }
        ]
    );
    assert!(
        several[0]
            .to_string()
            .contains("write each as an item of its own: [\"GET\", \"POST\"]"),
        "{}",
        several[0]
    );
    for forbidden in ["CONNECT", "TRACE", "track"] {
        assert_eq!(
            errors(base().allow_methods([forbidden])),
            [ConfigError::ForbiddenMethod {
                value: forbidden.into()
            }]
        );
    }
    assert_eq!(
        errors(base().allow_methods(["delete"])),
        [ConfigError::MethodNotNormalized {
            value: "delete".into(),
            normalized: "DELETE"
        }]
    );
    // fetch() does not upper-case PATCH: `patch` is a different method and may be listed.
    assert!(
        base()
            .allow_methods(["PATCH", "patch", "PROPFIND", "*"])
            .build()
            .is_ok()
    );
}

#[test]
fn forbidden_request_headers_cannot_be_allowed() {
    for forbidden in [
        "Cookie",
        "host",
        "Origin",
        "Sec-Fetch-Site",
        "Proxy-Authorization",
        "content-length",
    ] {
        assert_eq!(
            errors(origins(&["https://a.example"]).allow_headers([forbidden])),
            [ConfigError::ForbiddenRequestHeader {
                name: forbidden.to_owned()
            }],
            "{forbidden}"
        );
    }
    assert_eq!(
        errors(origins(&["https://a.example"]).allow_headers(["x(header"])),
        [ConfigError::InvalidHeaderName {
            value: "x(header".into(),
            list: HeaderList::AllowHeaders
        }]
    );
    assert_eq!(
        errors(origins(&["https://a.example"]).expose_headers(["ETag,X-Total"])),
        [ConfigError::SeveralInOneEntry {
            key: "expose_headers",
            value: "ETag,X-Total".into(),
            entries: vec!["ETag".into(), "X-Total".into()],
        }]
    );
    // One name mistyped with a space is not two names.
    assert_eq!(
        errors(origins(&["https://a.example"]).allow_headers(["Content Type"])),
        [ConfigError::InvalidHeaderName {
            value: "Content Type".into(),
            list: HeaderList::AllowHeaders
        }]
    );
    // Origins too, split at commas, or at spaces when each part is an origin.
    assert_eq!(
        errors(origins(&["https://a.example https://b.example"])),
        [ConfigError::SeveralInOneEntry {
            key: "allow_origins",
            value: "https://a.example https://b.example".into(),
            entries: vec!["https://a.example".into(), "https://b.example".into()],
        }]
    );
}

#[test]
fn some_response_headers_cannot_be_exposed() {
    for name in ["Set-Cookie", "access-control-allow-origin"] {
        let found = errors(origins(&["https://a.example"]).expose_headers([name]));
        assert!(
            matches!(found.as_slice(), [ConfigError::UnexposableHeader { name: n, .. }] if n == name),
            "{found:?}"
        );
    }
    assert_eq!(
        errors(origins(&["https://a.example"]).expose_headers(["x:y"])),
        [ConfigError::InvalidHeaderName {
            value: "x:y".into(),
            list: HeaderList::ExposeHeaders
        }]
    );
}

#[test]
fn max_age_bounds() {
    for bad in [86_401, u32::MAX] {
        assert_eq!(
            errors(origins(&["https://a.example"]).max_age(MaxAge::Seconds(bad))),
            [ConfigError::MaxAgeOutOfRange {
                value: i64::from(bad)
            }]
        );
    }
    for good in [
        MaxAge::BrowserDefault,
        MaxAge::Disabled,
        MaxAge::Seconds(1),
        MaxAge::Seconds(86_400),
    ] {
        assert!(
            origins(&["https://a.example"])
                .max_age(good)
                .build()
                .is_ok()
        );
    }
}

#[cfg(feature = "toml")]
#[test]
fn policy_file_max_age_bounds() {
    // The policy file keeps integers: -1 disables caching, 0 is the browser default.
    for bad in [-2, 86_401, i64::MIN, i64::MAX] {
        let source = format!("allow_origins = [\"https://a.example\"]\nmax_age = {bad}");
        let Err(corsair::PolicyFileError::Invalid(found)) = corsair::Policy::from_toml(&source)
        else {
            panic!("{bad} accepted");
        };
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            [ConfigError::MaxAgeOutOfRange { value: bad }]
        );
    }
}

#[test]
fn messages_say_how_to_fix() {
    let message = errors(origins(&["HTTPS://A.example"]))[0].to_string();
    assert!(message.contains("write `https://a.example`"), "{message}");
    let message = errors(credentialed(&["http://a.example"]))[0].to_string();
    assert!(
        message.contains("dangerously_allow_insecure_origins"),
        "{message}"
    );
    let all = Config::new().build().unwrap_err().to_string();
    assert!(all.starts_with("the CORS policy has 1 problem:"), "{all}");
}

#[test]
fn hosts_no_browser_can_send_are_refused() {
    let label = |len| "a".repeat(len);
    let four = |len| [label(len), label(len), label(len), label(len)].join(".");
    for (entry, limit) in [
        ("https://..example".to_owned(), DnsLimit::EmptyLabel),
        ("https://a..b.example".to_owned(), DnsLimit::EmptyLabel),
        ("https://*..example".to_owned(), DnsLimit::EmptyLabel),
        (
            format!("https://{}.example", label(64)),
            DnsLimit::LongLabel { len: 64 },
        ),
        (
            format!("https://*.{}.example:*", label(70)),
            DnsLimit::LongLabel { len: 70 },
        ),
        (
            format!("https://{}", four(63)),
            DnsLimit::LongName { len: 255 },
        ),
        (
            format!("https://*.{}.a", four(62)),
            DnsLimit::NoRoomForSubdomains { len: 253 },
        ),
    ] {
        assert!(
            matches!(
                errors(origins(&[&entry])).as_slice(),
                [ConfigError::InvalidOrigin {
                    source: PatternError::Unresolvable { limit: found, .. },
                    ..
                }] if *found == limit
            ),
            "{entry}"
        );
    }
    // At the limits, entries are fine.
    for entry in [
        format!("https://{}.example", label(63)),
        format!("https://{}", four(62)),
        format!("https://*.{}", four(62)),
        "https://example.com.".to_owned(),
    ] {
        assert!(origins(&[&entry]).build().is_ok(), "{entry}");
    }
}

#[test]
fn wildcards_ending_in_the_roots_dot_are_refused_with_the_dotless_pattern() {
    for (entry, suggestion) in [
        ("https://*.example.com.", "https://*.example.com"),
        ("http://localhost.:*", "http://localhost:*"),
        ("https://*.Example.com.:8443", "https://*.example.com:8443"),
    ] {
        let found = errors(origins(&[entry]));
        assert!(
            matches!(
                found.as_slice(),
                [ConfigError::InvalidOrigin {
                    source: PatternError::TrailingDot { .. },
                    ..
                }]
            ),
            "{entry}: {found:?}"
        );
        assert_eq!(found[0].suggestion(), Some(suggestion), "{entry}");
        assert!(
            found[0].to_string().contains("trailing dot"),
            "{}",
            found[0]
        );
    }
    // The dotless pattern is suggested only where it passes: not over a public suffix with
    // credentials.
    assert_eq!(
        errors(origins(&["https://*.com."]))[0].suggestion(),
        Some("https://*.com")
    );
    assert_eq!(
        errors(credentialed(&["https://*.com."]))[0].suggestion(),
        None
    );
}
