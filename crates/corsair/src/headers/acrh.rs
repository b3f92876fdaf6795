//! One linear pass over `Access-Control-Request-Headers`.
//!
//! Browsers send a single line of lowercase, sorted, de-duplicated names joined by `,`. Proxies
//! and non-browser clients are less tidy: several header lines (AWS API Gateway splits them),
//! optional whitespace, mixed case, empty elements. Every byte is examined at most once and
//! nothing is allocated, so an adversarial value costs time linear in its size and no memory
//! (rs/cors spent 127 ms and 121 MB on one such request).

use std::ops::ControlFlow;

/// Empty list elements tolerated before the value is judged malformed. RFC 9110 asks
/// recipients to accept a few; no honest client sends many.
pub(crate) const MAX_EMPTY_ELEMENTS: usize = 16;

/// Why a list of requested header names was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    /// More than [`MAX_EMPTY_ELEMENTS`] empty elements.
    TooManyEmptyElements,
    /// An element that is not an RFC 9110 token (line index, byte range in that line).
    InvalidName {
        line: usize,
        start: usize,
        end: usize,
    },
}

/// How far a scan got: the bytes it examined, for callers that bound or report the work done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scanned<B> {
    /// `Some` when the visitor stopped the scan early.
    pub(crate) stopped: Option<B>,
    /// Bytes examined across all lines.
    pub(crate) bytes: usize,
}

fn is_ows(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
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

/// Calls `visit` with each non-empty element of the header lines, in order, until it breaks.
pub(crate) fn scan<'a, B>(
    lines: impl IntoIterator<Item = &'a [u8]>,
    mut visit: impl FnMut(Element<'a>) -> ControlFlow<B>,
) -> Result<Scanned<B>, Malformed> {
    let mut empty_elements = 0;
    let mut bytes = 0;
    for (line_index, line) in lines.into_iter().enumerate() {
        let mut start = 0;
        while start <= line.len() {
            let end = line[start..]
                .iter()
                .position(|&b| b == b',')
                .map_or(line.len(), |offset| start + offset);
            bytes += end - start + usize::from(end < line.len());
            let raw = &line[start..end];
            let element = trim_ows(raw);
            let element_start = start + (raw.len() - trim_start_ows(raw).len());
            if element.is_empty() {
                empty_elements += 1;
                if empty_elements > MAX_EMPTY_ELEMENTS {
                    return Err(Malformed::TooManyEmptyElements);
                }
            } else if !super::names::is_token(element) {
                return Err(Malformed::InvalidName {
                    line: line_index,
                    start: element_start,
                    end: element_start + element.len(),
                });
            } else if let ControlFlow::Break(stop) = visit(Element {
                name: element,
                line: line_index,
                start: element_start,
            }) {
                return Ok(Scanned {
                    stopped: Some(stop),
                    bytes,
                });
            }
            start = end + 1;
        }
    }
    Ok(Scanned {
        stopped: None,
        bytes,
    })
}

fn trim_start_ows(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|&b| !is_ows(b))
        .unwrap_or(bytes.len());
    &bytes[first..]
}

fn trim_ows(bytes: &[u8]) -> &[u8] {
    let bytes = trim_start_ows(bytes);
    let last = bytes.iter().rposition(|&b| !is_ows(b)).map_or(0, |i| i + 1);
    &bytes[..last]
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
    fn rejects_non_tokens_with_their_position() {
        assert_eq!(
            names(&["x-a", "ok, bad name"]),
            Err(Malformed::InvalidName {
                line: 1,
                start: 4,
                end: 12
            })
        );
        assert!(matches!(
            names(&["x-a;q=1"]),
            Err(Malformed::InvalidName { .. })
        ));
        assert!(matches!(
            names(&["\u{e9}"]),
            Err(Malformed::InvalidName { .. })
        ));
    }

    #[test]
    fn a_mebibyte_of_commas_is_rejected_after_a_bounded_amount_of_work() {
        let commas = vec![b','; 1 << 20];
        let mut visited = 0;
        let result = scan::<()>([commas.as_slice()], |_| {
            visited += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(result, Err(Malformed::TooManyEmptyElements));
        assert_eq!(visited, 0);
    }

    #[test]
    fn work_is_linear_in_input_size() {
        // 10,000 names: every byte is examined exactly once and every name visited once.
        let value = (0..10_000)
            .map(|i| format!("x-header-{i}"))
            .collect::<Vec<_>>()
            .join(" , ");
        let mut visited = 0;
        let scanned = scan::<()>([value.as_bytes()], |_| {
            visited += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(visited, 10_000);
        assert_eq!(scanned.bytes, value.len());

        // Tolerated commas still count once each, within the same bound.
        let mixed = format!("{},{}", ",".repeat(MAX_EMPTY_ELEMENTS - 1), value);
        let scanned = scan::<()>([mixed.as_bytes()], |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(scanned.bytes, mixed.len());
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
            scanned.stopped,
            Some(Element {
                name: b"b",
                line: 0,
                start: 3
            })
        );
        assert_eq!(scanned.bytes, 5);
    }
}
