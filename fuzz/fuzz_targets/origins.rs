//! Origin and pattern parsing: never a panic; a canonical serialization parses back to itself;
//! and whatever an error suggests writing instead parses (and is already canonical).

#![no_main]

use corsair::{Origin, OriginPattern};
use libfuzzer_sys::fuzz_target;

/// What an error suggests must parse as a pattern and be written canonically.
fn check_suggestion(input: &str, suggestion: Option<&str>) {
    if let Some(suggestion) = suggestion {
        let pattern = OriginPattern::parse(suggestion)
            .unwrap_or_else(|e| panic!("{input:?} suggests {suggestion:?}: {e}"));
        assert_eq!(pattern.to_string(), suggestion, "{input:?}");
    }
}

fuzz_target!(|input: &str| {
    match Origin::parse(input) {
        Ok(origin) => {
            let canonical = origin.to_string();
            let again = Origin::parse(&canonical).expect("a canonical origin parses");
            assert_eq!(again, origin, "{input:?} -> {canonical:?}");
            assert_eq!(again.to_string(), canonical);
        }
        Err(error) => {
            let _ = error.to_string();
            check_suggestion(input, error.suggestion());
        }
    }
    match OriginPattern::parse(input) {
        Ok(pattern) => {
            let canonical = pattern.to_string();
            let again = OriginPattern::parse(&canonical).expect("a canonical pattern parses");
            assert_eq!(again, pattern, "{input:?} -> {canonical:?}");
            let _ = pattern.matches(input);
        }
        Err(error) => {
            let _ = error.to_string();
            check_suggestion(input, error.suggestion());
        }
    }
});
