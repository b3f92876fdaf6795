//! Inputs the fuzz targets (`fuzz/`, docs/FUZZING.md) found, each pinned with what its target
//! checks, so the normal test suite keeps them fixed.

use corsair::{Origin, OriginPattern, PatternError};

/// `origins`: a pattern's canonical form must parse back to the same pattern. `%2A` decodes to
/// a `*`, which the URL Standard keeps in a host; written back, it read as a misplaced wildcard.
#[test]
fn a_percent_encoded_star_in_a_host_is_no_pattern() {
    for input in [
        "hhh-oo9myhh.z://+L.kkkkk-%2AF",
        "https://a%2Ab.example",
        "https://*.a%2ab.example",
        "http://a%2A.example:*",
    ] {
        assert_eq!(
            OriginPattern::parse(input),
            Err(PatternError::MisplacedWildcard),
            "{input}"
        );
    }
    // As an origin (what a browser may send) it still parses, and round-trips.
    let origin = Origin::parse("hhh-oo9myhh.z://+L.kkkkk-%2AF").unwrap();
    assert_eq!(origin.to_string(), "hhh-oo9myhh.z://+l.kkkkk-*f");
    assert_eq!(Origin::parse(&origin.to_string()), Ok(origin));
}
