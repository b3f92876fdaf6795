//! The Fetch Standard's safelists: which methods and request headers a page may send across
//! origins without a preflight, and which response headers script may read.

use std::borrow::Cow;

use crate::grammar::{self, token::is_token};
use crate::headers::names::is_forbidden_request_header;

/// Longest value a safelisted request header may have (Fetch, "CORS-safelisted
/// request-header", step 1).
pub const SAFELISTED_VALUE_LIMIT: usize = 128;

/// Largest total size of safelisted request-header values before they all count as unsafe
/// (Fetch, "CORS-unsafe request-header names", step 4).
pub const SAFELISTED_TOTAL_LIMIT: usize = 1024;

/// Fetch, "CORS-safelisted method": GET, HEAD, POST (compared after normalization, so
/// byte-exact).
pub fn is_safelisted_method(method: &str) -> bool {
    grammar::method::is_safelisted(method.as_bytes())
}

/// Fetch, "normalize a method": `fetch()` upper-cases DELETE, GET, HEAD, OPTIONS, POST and PUT
/// in any case; every other method (PATCH included) is sent as written.
pub fn normalize_method(method: &str) -> &str {
    grammar::method::normalized(method).unwrap_or(method)
}

/// Fetch, "CORS-unsafe request-header byte".
pub fn is_unsafe_byte(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t')
        || matches!(
            byte,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7f
        )
}

/// The three `Content-Type` essences a simple request may carry.
const SAFELISTED_CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
];

/// Fetch, "CORS-safelisted request-header": whether `name: value` may be sent across origins
/// without a preflight.
pub fn is_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > SAFELISTED_VALUE_LIMIT {
        return false;
    }
    match name.to_ascii_lowercase().as_str() {
        "accept" => !value.iter().any(|&b| is_unsafe_byte(b)),
        "accept-language" | "content-language" => value.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
        }),
        "content-type" => {
            !value.iter().any(|&b| is_unsafe_byte(b))
                && mime_essence(value)
                    .is_some_and(|essence| SAFELISTED_CONTENT_TYPES.contains(&essence.as_str()))
        }
        "range" => is_simple_range(value),
        _ => false,
    }
}

/// The essence (`type/subtype`, lowercase) of a MIME type, per the MIME Sniffing Standard's
/// "parse a MIME type" (parameters are parsed only as far as needed to reject garbage).
fn mime_essence(value: &[u8]) -> Option<String> {
    let value = std::str::from_utf8(value).ok()?;
    let value = value.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let (kind, rest) = value.split_once('/')?;
    let subtype = rest
        .split(';')
        .next()?
        .trim_end_matches([' ', '\t', '\n', '\r']);
    (is_token(kind.as_bytes()) && is_token(subtype.as_bytes())).then(|| {
        format!(
            "{}/{}",
            kind.to_ascii_lowercase(),
            subtype.to_ascii_lowercase()
        )
    })
}

/// Fetch, "simple range header value" with whitespace not allowed: `bytes=START-[END]`, where
/// START is required (a suffix range `bytes=-500` is not safelisted) and END, if present, is
/// at least START.
fn is_simple_range(value: &[u8]) -> bool {
    let Some(range) = value.strip_prefix(b"bytes=") else {
        return false;
    };
    let Some(dash) = range.iter().position(|&b| b == b'-') else {
        return false;
    };
    let (start, end) = (&range[..dash], &range[dash + 1..]);
    let number = |digits: &[u8]| -> Option<u64> {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let Some(start) = number(start) else {
        return false;
    };
    end.is_empty() || number(end).is_some_and(|end| start <= end)
}

/// Fetch "no-CORS-safelisted request-header": `Accept`, `Accept-Language`,
/// `Content-Language` or `Content-Type` with a CORS-safelisted value. A `no-cors` request keeps
/// only these; the page's other headers are dropped silently.
///
/// ```
/// use corsair::browser::safelist::is_no_cors_safelisted_request_header;
///
/// assert!(is_no_cors_safelisted_request_header("Content-Type", b"text/plain"));
/// assert!(!is_no_cors_safelisted_request_header("Content-Type", b"application/json"));
/// assert!(!is_no_cors_safelisted_request_header("Range", b"bytes=0-1"));
/// assert!(!is_no_cors_safelisted_request_header("X-Token", b"1"));
/// ```
pub fn is_no_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    [
        "accept",
        "accept-language",
        "content-language",
        "content-type",
    ]
    .iter()
    .any(|known| name.eq_ignore_ascii_case(known))
        && is_safelisted_request_header(name, value)
}

/// Whether Gecko finds an `Accept` or `Content-Type` value unsafe for a byte of 0x80 or
/// more (it compares a signed `char` with 0x20); `lowercase_name` is lowercase.
pub(crate) fn gecko_refuses_high_bytes(lowercase_name: &str, value: &[u8]) -> bool {
    matches!(lowercase_name, "accept" | "content-type") && value.iter().any(|&b| b >= 0x80)
}

/// Fetch, "CORS-unsafe request-header names": the names that must be announced in a
/// preflight's `Access-Control-Request-Headers`, lowercase, sorted, de-duplicated. When the
/// safelisted values add up to more than 1024 bytes, they count as unsafe too.
///
/// ```
/// use corsair::browser::unsafe_request_header_names;
///
/// let headers = [
///     ("Content-Type", "application/json".as_bytes()),
///     ("X-Trace", b"1"),
///     ("Accept", b"*/*"),
/// ];
/// assert_eq!(unsafe_request_header_names(&headers), ["content-type", "x-trace"]);
/// ```
pub fn unsafe_request_header_names<N: AsRef<str>, V: AsRef<[u8]>>(
    headers: &[(N, V)],
) -> Vec<String> {
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut safelisted_size = 0;
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        if is_safelisted_request_header(name, value) {
            potentially_unsafe.push(name.to_ascii_lowercase());
            safelisted_size += value.len();
        } else {
            unsafe_names.push(name.to_ascii_lowercase());
        }
    }
    if safelisted_size > SAFELISTED_TOTAL_LIMIT {
        unsafe_names.extend(potentially_unsafe);
    }
    unsafe_names.sort();
    unsafe_names.dedup();
    unsafe_names
}

/// Firefox's list of unsafe request-header names, as Firefox 153 builds it: each header
/// entry the page appended is judged on its own (two safelisted `Content-Type` values stay
/// safelisted, where the spec and Chromium judge the combined `a, b`), a byte of 0x80 or more
/// is a CORS-unsafe byte (Gecko compares a signed `char` with 0x20), a `Content-Type` holding a
/// comma (a list of types, as `XMLHttpRequest` combines two values) is unsafe, and the sorted
/// list keeps
/// duplicates (`content-type,content-type` when the page appended it twice).
pub fn firefox_unsafe_request_header_names<N: AsRef<str>, V: AsRef<[u8]>>(
    entries: &[(N, V)],
) -> Vec<String> {
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut safelisted_size = 0;
    for (name, value) in entries {
        let (name, value) = (name.as_ref(), value.as_ref());
        let lowercase = name.to_ascii_lowercase();
        let high_byte = gecko_refuses_high_bytes(&lowercase, value);
        // Gecko's request content-type parser refuses a list of types, which is what two
        // values combined by `setRequestHeader` are.
        let several_types = lowercase == "content-type" && value.contains(&b',');
        if !high_byte && !several_types && is_safelisted_request_header(name, value) {
            potentially_unsafe.push(lowercase);
            safelisted_size += value.len();
        } else {
            unsafe_names.push(lowercase);
        }
    }
    if safelisted_size > SAFELISTED_TOTAL_LIMIT {
        unsafe_names.extend(potentially_unsafe);
    }
    unsafe_names.sort();
    unsafe_names
}

/// Whether script may set a request header of this name at all, judging by the name alone;
/// browsers silently drop forbidden ones (Fetch, "forbidden request-header"). Some names are
/// forbidden only with some values: see [`is_settable_request_header_value`].
pub fn is_settable_request_header(name: &str) -> bool {
    !is_forbidden_request_header(&name.to_ascii_lowercase())
}

/// Names that smuggle a method past the browser (Fetch, "forbidden request-header", step 2).
const METHOD_OVERRIDE_HEADERS: &[&str] = &[
    "x-http-method",
    "x-http-method-override",
    "x-method-override",
];

/// Whether script may set `name: value` (Fetch, "forbidden request-header"): a forbidden name
/// never; `X-HTTP-Method`, `X-HTTP-Method-Override` and `X-Method-Override` not when one of
/// their comma-separated values is a forbidden method (`TRACE`, `CONNECT`, `TRACK`, any
/// case). Chromium 156 silently drops `X-HTTP-Method-Override: TRACE` (it is neither sent nor
/// announced in a preflight).
pub fn is_settable_request_header_value(name: &str, value: &str) -> bool {
    if !is_settable_request_header(name) {
        return false;
    }
    let is_override = METHOD_OVERRIDE_HEADERS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(name));
    !(is_override
        && value.split(',').any(|method| {
            let method = method.trim_matches(is_http_whitespace);
            grammar::method::is_forbidden(method.as_bytes())
        }))
}

fn is_http_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' ')
}

/// Fetch, "normalize" a header value: `Headers` strips leading and trailing HTTP whitespace
/// (tab, line feed, carriage return, space) before any rule looks at the value. Chromium 156
/// safelists `Accept` with 128 bytes plus trailing spaces.
pub fn normalize_header_value(value: &str) -> &str {
    value.trim_matches(is_http_whitespace)
}

/// The bytes a header value set from script has on the wire: `fetch()` takes header values
/// as byte strings, so a character up to U+00FF is one byte (`é` is 0xE9, as Chromium 156
/// counts it against the 128-byte limit). A value with a character beyond U+00FF (which
/// `fetch()` would refuse) keeps its UTF-8 bytes, as a non-browser client sends them.
pub fn header_value_bytes(value: &str) -> Cow<'_, [u8]> {
    if value.is_ascii() {
        return Cow::Borrowed(value.as_bytes());
    }
    value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .map_or(Cow::Borrowed(value.as_bytes()), Cow::Owned)
}

/// Fetch, "CORS-safelisted response-header name": readable by script without
/// `Access-Control-Expose-Headers`.
pub const SAFELISTED_RESPONSE_HEADERS: &[&str] = crate::headers::names::SAFELISTED_RESPONSE_HEADERS;

/// Fetch, "forbidden response-header name": never readable by script.
pub fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods() {
        // Fetch "CORS-safelisted method" and "normalize a method".
        assert!(is_safelisted_method("POST"));
        assert!(
            !is_safelisted_method("post"),
            "compared after normalization"
        );
        assert!(!is_safelisted_method("PUT"));
        assert_eq!(normalize_method("delete"), "DELETE");
        assert_eq!(normalize_method("patch"), "patch");
        assert_eq!(normalize_method("Propfind"), "Propfind");
    }

    #[test]
    fn safelisted_request_headers_follow_each_value_rule() {
        // Fetch "CORS-safelisted request-header".
        let cases: &[(&str, &str, bool)] = &[
            ("Accept", "*/*", true),
            ("accept", "text/html, application/json;q=0.9", true),
            ("accept", "a\"b", false),
            ("accept", "{json}", false),
            ("accept-language", "en-US,en;q=0.5", true),
            ("accept-language", "en_US", false),
            ("content-language", "de-DE", true),
            ("content-language", "de/DE", false),
            ("content-type", "text/plain", true),
            ("content-type", "Text/Plain; charset=utf-8", true),
            ("content-type", "multipart/form-data; boundary=x", true),
            ("content-type", "application/x-www-form-urlencoded", true),
            ("content-type", "application/json", false),
            ("content-type", "text/plain; charset=\"utf-8\"", false),
            ("content-type", "text/plain/extra", false),
            ("content-type", "text", false),
            ("range", "bytes=0-", true),
            ("range", "bytes=0-499", true),
            ("range", "bytes=500-100", false),
            ("range", "bytes=-500", false),
            ("range", "bytes=0-1,2-3", false),
            ("range", "bytes = 0-1", false),
            ("x-custom", "1", false),
            ("authorization", "Bearer x", false),
        ];
        for (name, value, expected) in cases {
            assert_eq!(
                is_safelisted_request_header(name, value.as_bytes()),
                *expected,
                "{name}: {value}"
            );
        }
        let long = "a".repeat(SAFELISTED_VALUE_LIMIT + 1);
        assert!(!is_safelisted_request_header("accept", long.as_bytes()));
        assert!(is_safelisted_request_header(
            "accept",
            &long.as_bytes()[1..]
        ));
    }

    #[test]
    fn unsafe_names_are_lowercased_sorted_and_deduplicated() {
        let headers = [("X-B", "1"), ("x-a", "1"), ("X-A", "2"), ("accept", "*/*")];
        assert_eq!(unsafe_request_header_names(&headers), ["x-a", "x-b"]);
    }

    #[test]
    fn safelisted_values_over_1024_bytes_together_become_unsafe() {
        // Fetch "CORS-unsafe request-header names", steps 3-4.
        let value = "a".repeat(120);
        let nine: Vec<(String, &str)> = (0..9)
            .map(|i| {
                (
                    if i % 2 == 0 {
                        "accept"
                    } else {
                        "accept-language"
                    }
                    .to_owned(),
                    value.as_str(),
                )
            })
            .collect();
        assert_eq!(
            unsafe_request_header_names(&nine),
            ["accept", "accept-language"]
        );
        assert!(
            unsafe_request_header_names(&nine[..8]).is_empty(),
            "960 bytes are fine"
        );
    }
}
