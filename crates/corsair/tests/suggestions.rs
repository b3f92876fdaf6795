//! What an error suggests writing instead is never refused in turn: every suggestion passes
//! validation under the same configuration.

use corsair::{Config, ConfigError};
use proptest::prelude::*;

/// Entries near the shapes people write, with the mistakes that make suggestions: no `://`,
/// userinfo, paths, case, percent-escapes of dots, surrounding space, stray dots, long labels,
/// wildcards, and schemes no page has.
fn entry() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec![
        "",
        "https",
        "http",
        "HTTPS",
        "ws",
        "ftp",
        "file",
        "data",
        "chrome-extension",
    ]);
    let separator = prop::sample::select(vec!["://", ":", ":/", "//", ""]);
    let userinfo = prop::sample::select(vec!["", "user@", "u:p@", "@"]);
    let wildcard = prop::sample::select(vec!["", "*.", "*"]);
    let label = prop_oneof![
        4 => "[a-cA-C0-9-]{1,4}",
        1 => Just("%2e".to_owned()),
        1 => Just("xn--bcher-kva".to_owned()),
        1 => Just("bücher".to_owned()),
        1 => Just(String::new()),
        1 => (60usize..70).prop_map(|len| "a".repeat(len)),
    ];
    let host = prop_oneof![
        6 => prop::collection::vec(label, 1..5).prop_map(|labels| labels.join(".")),
        1 => (1usize..5).prop_map(|n| vec!["a".repeat(63); n].join(".")),
        1 => prop::sample::select(vec!["localhost", "127.0.0.1", "[::1]", "0x7f.1"]).prop_map(str::to_owned),
    ];
    let trailing_dot = prop::sample::select(vec!["", ".", ".."]);
    let port = prop::sample::select(vec!["", ":*", ":443", ":080", ":8080", ":0", ":x"]);
    let tail = prop::sample::select(vec!["", "/", "/path", "?q", "#f", "\\"]);
    let space = prop::sample::select(vec!["", " ", "\t"]);
    (
        (space.clone(), scheme, separator, userinfo, wildcard),
        (host, trailing_dot, port, tail, space),
    )
        .prop_map(
            |((lead, scheme, sep, user, star), (host, dot, port, tail, trail))| {
                format!("{lead}{scheme}{sep}{user}{star}{host}{dot}{port}{tail}{trail}")
            },
        )
}

fn config(entry: &str, credentials: bool) -> Config {
    Config::new()
        .allow_origins([entry])
        .allow_credentials(credentials)
}

fn suggestions(errors: &corsair::ConfigErrors) -> Vec<String> {
    errors
        .iter()
        .filter_map(ConfigError::suggestion)
        .map(str::to_owned)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn every_suggestion_passes_validation(entry in entry(), credentials in any::<bool>()) {
        let Err(errors) = config(&entry, credentials).build() else {
            return Ok(());
        };
        for suggested in suggestions(&errors) {
            let outcome = config(&suggested, credentials).build();
            prop_assert!(
                outcome.is_ok(),
                "{:?} suggests {:?}, which is refused: {}",
                entry,
                suggested,
                outcome.unwrap_err()
            );
        }
    }
}

#[test]
fn suggestions_found_refused_are_withheld() {
    // `%2e` decodes to a dot: the host has an empty label, so there is nothing to suggest.
    let errors = config("https://%2e.example", false).build().unwrap_err();
    assert_eq!(suggestions(&errors), Vec::<String>::new());
    assert!(errors.to_string().contains("empty label"), "{errors}");
    // Userinfo and a path: the suggestion drops both.
    let errors = config("https://user@App.example/x", false)
        .build()
        .unwrap_err();
    assert_eq!(suggestions(&errors), ["https://app.example"]);
    // A suggestion with a risk under this policy is not made...
    let errors = config("http://user@app.example", true).build().unwrap_err();
    assert_eq!(suggestions(&errors), Vec::<String>::new());
    // ...and a canonical spelling with one reports the risk instead.
    let errors = config("WS://app.example", false).build().unwrap_err();
    assert!(matches!(
        errors.iter().collect::<Vec<_>>().as_slice(),
        [ConfigError::SchemeNeverSent { .. }]
    ));
    // A wildcard's suggestion keeps its wildcards.
    let errors = config("https://*.Example.com/path", false)
        .build()
        .unwrap_err();
    assert_eq!(suggestions(&errors), ["https://*.example.com"]);
}
