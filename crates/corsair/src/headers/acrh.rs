//! Linear passes over `Access-Control-Request-Headers`.
//!
//! Browsers send a single line of lowercase, sorted, de-duplicated names joined by `,`. Proxies
//! and non-browser clients are less tidy: several header lines (AWS API Gateway splits them),
//! optional whitespace, mixed case, empty elements. The scan examines every byte at most
//! once, and the browser-form shortcut tried before it at most once more; neither allocates,
//! so an adversarial value costs time linear in its size and no memory (rs/cors spent 127 ms
//! and 121 MB on one such request).

use std::ops::ControlFlow;

use crate::{byte_search, grammar::token::TCHAR};

/// Empty list elements tolerated before the value is judged malformed. RFC 9110 asks
/// recipients to accept a few; no honest client sends many.
pub(crate) const MAX_EMPTY_ELEMENTS: usize = 16;

/// Why a list of requested header names was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// More than [`MAX_EMPTY_ELEMENTS`] empty elements.
    TooManyEmptyElements,
    /// An element that is not an RFC 9110 token.
    InvalidName,
}

/// One requested header name and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Element<'a> {
    /// The name as sent.
    pub(crate) name: &'a [u8],
    /// Which header line it is in.
    pub(crate) line: usize,
    /// Its offset in that line.
    pub(crate) start: usize,
}

#[cfg(test)]
thread_local! {
    /// Bytes read by `scan` on this thread, so tests can bound its work without timing it.
    static BYTES_READ: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts bytes read, for the tests that bound the scanner's work.
#[cfg(test)]
fn record_read(bytes: usize) {
    BYTES_READ.with(|read| read.set(read.get() + bytes));
}

#[cfg(not(test))]
fn record_read(_: usize) {}

/// Optional whitespace (RFC 9110 `OWS`).
const fn is_ows(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t')
}

/// Calls `visit` with each non-empty element of the header lines, in order, until it breaks
/// (returning `Ok(Some(..))` with the visitor's value). Reads each byte once, plus one
/// end-of-line per line: an element is leading whitespace, a name of `tchar`s, trailing
/// whitespace, then `,` or the end of the line; anything else makes the name invalid.
/// Whether `line` is in the form browsers send, names joined by `,` with no whitespace and no
/// empty element, and `accept` takes each name. `false` says nothing more about the line: it
/// is [`scan`]'s to judge. A `true` spares the grammar only where every name `accept` takes
/// is a token.
#[inline]
pub(crate) fn each_joined_name(line: &[u8], mut accept: impl FnMut(&[u8]) -> bool) -> bool {
    let mut rest = line;
    // One call of `accept`, so that it is inlined here: with two, it was called for each name
    // (about 20 instructions a name more, callgrind).
    loop {
        let (name, after) = match byte_search::first(rest, b',') {
            Some(comma) => (&rest[..comma], Some(&rest[comma + 1..])),
            None => (rest, None),
        };
        if !accept(name) {
            return false;
        }
        match after {
            Some(after) => rest = after,
            None => return true,
        }
    }
}

// Inlined into its one caller per request, where the visitor's checks fold into the loop.
#[inline]
pub(crate) fn scan<'a, B>(
    lines: impl IntoIterator<Item = &'a [u8]>,
    mut visit: impl FnMut(Element<'a>) -> ControlFlow<B>,
) -> Result<Option<B>, Malformed> {
    let mut empty_elements = 0;
    for (line_index, line) in lines.into_iter().enumerate() {
        let mut position = 0;
        loop {
            let element_start = position;
            while position < line.len() && is_ows(line[position]) {
                position += 1;
            }
            let start = position;
            while position < line.len() && TCHAR[usize::from(line[position])] {
                position += 1;
            }
            let end = position;
            while position < line.len() && is_ows(line[position]) {
                position += 1;
            }
            if position < line.len() && line[position] != b',' {
                return Err(Malformed::InvalidName);
            }
            // The bytes of the element and its `,` (or the end of the line).
            record_read(position - element_start + 1);
            if start == end {
                empty_elements += 1;
                if empty_elements > MAX_EMPTY_ELEMENTS {
                    return Err(Malformed::TooManyEmptyElements);
                }
            } else {
                let element = Element {
                    name: &line[start..end],
                    line: line_index,
                    start,
                };
                if let ControlFlow::Break(stop) = visit(element) {
                    return Ok(Some(stop));
                }
            }
            if position == line.len() {
                break;
            }
            position += 1;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(lines: &[&str]) -> Result<Vec<String>, Malformed> {
        let mut out = Vec::new();
        scan::<()>(lines.iter().map(|l| l.as_bytes()), |element| {
            out.push(String::from_utf8_lossy(element.name).into_owned());
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    #[test]
    fn browser_form() {
        assert_eq!(
            names(&["content-type,x-a"]).unwrap(),
            ["content-type", "x-a"]
        );
    }

    #[test]
    fn tolerates_whitespace_case_empty_elements_and_several_lines() {
        // RFC 9110 section 5.6.1: lists allow OWS and empty elements; AWS API Gateway splits lines.
        assert_eq!(
            names(&[" X-A ,\tx-b", ",, x-c,", ""]).unwrap(),
            ["X-A", "x-b", "x-c"]
        );
    }

    #[test]
    fn rejects_non_tokens() {
        assert_eq!(names(&["x-a", "ok, bad name"]), Err(Malformed::InvalidName));
        assert_eq!(names(&["x-a;q=1"]), Err(Malformed::InvalidName));
        assert_eq!(names(&["\u{e9}"]), Err(Malformed::InvalidName));
        assert_eq!(names(&["x-a, ,b c"]), Err(Malformed::InvalidName));
    }

    /// Runs `scan` over `lines`, returning its result and the number of bytes it read.
    fn measured(lines: &[&[u8]]) -> (Result<usize, Malformed>, usize) {
        let before = BYTES_READ.with(std::cell::Cell::get);
        let mut visited = 0;
        let result = scan::<()>(lines.iter().copied(), |_| {
            visited += 1;
            ControlFlow::Continue(())
        })
        .map(|_| visited);
        (result, BYTES_READ.with(std::cell::Cell::get) - before)
    }

    #[test]
    fn a_mebibyte_of_commas_is_rejected_after_a_bounded_amount_of_work() {
        let commas = vec![b','; 1 << 20];
        let (result, read) = measured(&[&commas]);
        assert_eq!(result, Err(Malformed::TooManyEmptyElements));
        assert_eq!(read, MAX_EMPTY_ELEMENTS + 1);
    }

    #[test]
    fn work_is_linear_in_input_size() {
        // 10,000 names: every byte is read exactly once (plus one end-of-line sentinel per
        // line), and every name visited once, whatever the spacing.
        for separator in [",", " , ", "\t,"] {
            let value = (0..10_000)
                .map(|i| format!("x-header-{i}"))
                .collect::<Vec<_>>()
                .join(separator);
            let (result, read) = measured(&[value.as_bytes()]);
            assert_eq!(result, Ok(10_000));
            assert_eq!(read, value.len() + 1);
        }
        // Split over many lines, as proxies do: still one read per byte.
        let lines: Vec<String> = (0..10_000).map(|i| format!(" x-{i} ")).collect();
        let lines: Vec<&[u8]> = lines.iter().map(String::as_bytes).collect();
        let (result, read) = measured(&lines);
        assert_eq!(result, Ok(10_000));
        assert_eq!(read, lines.iter().map(|l| l.len() + 1).sum::<usize>());
    }

    #[test]
    fn visitor_can_stop_early() {
        let scanned = scan([b"a, b,c".as_slice()], |element| {
            if element.name == b"b" {
                ControlFlow::Break(element)
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(
            scanned,
            Some(Element {
                name: b"b",
                line: 0,
                start: 3
            })
        );
    }
}
