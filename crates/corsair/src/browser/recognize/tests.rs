use super::{sources, text::Work, *};

#[test]
fn every_line_of_every_wordings_file_is_a_wording() {
    for browser in Browser::ALL {
        for line in browser.profile().messages.wordings.lines() {
            if let Err(bad) = sources::wording(browser, line) {
                panic!("{browser}: {}", bad.0);
            }
        }
    }
}

#[test]
fn every_sample_is_a_distinct_reason() {
    let kinds: std::collections::BTreeSet<_> =
        sources::samples().iter().map(BlockReason::kind).collect();
    assert_eq!(kinds.len(), sources::samples().len());
}

/// Work for a paste of `copies` copies of `unit`.
fn work(unit: &str, copies: usize) -> u64 {
    let mut work = Work::default();
    let _ = read(&unit.repeat(copies), &mut work);
    work.0
}

#[test]
fn work_grows_linearly_with_the_input_and_stops_at_the_cap() {
    let hostile = [
        // Repeated prefixes on one line.
        "Access to fetch at 'Access to XMLHttpRequest at '(Reason: '",
        // Real lines, many of them.
        "Access to fetch at 'https://a.example/x' from origin 'https://b.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\n",
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://a.example/x. (Reason: CORS request did not succeed). Status code: (null).\n",
        "Origin http://a is not allowed by Access-Control-Allow-Origin. ",
        // Lines that each continue the one before: every one is read wrapped too.
        "access to fetch at 'x' from\n",
    ];
    for unit in hostile {
        let copies = 16 * 1024 / unit.len();
        let small = work(unit, copies);
        let large = work(unit, 8 * copies);
        // Linear: eight times the input, at most about eight times the work (quadratic would
        // be 64 times).
        assert!(large <= 9 * small, "{small} then {large}: {unit}");
        // Past the cap, more input costs nothing more.
        let capped = work(unit, 4 * MAX_INPUT / unit.len());
        assert!(
            capped <= work(unit, 2 * MAX_INPUT / unit.len()) + 1,
            "{unit}"
        );
    }
}

#[test]
fn a_huge_paste_is_read_up_to_the_cap() {
    let line = "Access to fetch at 'https://a.example/x' from origin 'https://b.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\n";
    let paste = line.repeat(40 * 1024 * 1024 / line.len());
    let found = recognize_all(&paste);
    // The same URL again and again is one failure.
    assert_eq!(found.len(), 1);
    assert!(found[0].lines.abs_diff(MAX_INPUT / line.len()) <= 1);
}

#[test]
fn pasted_variants_of_a_wording_read_alike() {
    // Guillemets and ASCII quotes, ё and е (Firefox ru), and a name wrapped at its hyphen.
    for (a, b) in [
        (
            "“Access-Control-Allow-Origin”",
            "'Access-Control-Allow-Origin'",
        ),
        (
            "«Access-Control-Allow-Origin»",
            "'Access-Control-Allow-Origin'",
        ),
        ("удалённого", "удаленного"),
        (
            "Access-Control- Allow-Origin",
            "Access-Control-Allow-Origin",
        ),
    ] {
        assert_eq!(text::normalise(a), text::normalise(b));
    }
    // Spaces elsewhere are kept: only a hyphen between letters joins.
    assert_eq!(text::normalise("200 - GET x"), "200 - GET x");
    assert_eq!(text::normalise("x - y"), "x - y");
}
