//! Reading a console message back into a [`Blocked`]: the inverse of
//! [`Blocked::console_message`], built from the same rendering code so that every message the
//! model prints is recognised, and nothing else.

use super::{BlockReason, Blocked, Browser};

/// A console message recognised as a CORS failure of one engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recognized {
    /// The engine whose wording matched.
    pub browser: Browser,
    /// The failure, with the URL, origin and values read from the message (those the message
    /// does not contain are empty).
    pub blocked: Blocked,
}

/// Marks a placeholder in a rendered template: a private-use character and a letter naming
/// the field.
const MARK: char = '\u{E000}';
/// A status no real message carries, standing for the status placeholder.
const STATUS_SENTINEL: u16 = 599;

fn mark(field: char) -> String {
    format!("{MARK}{field}")
}

/// Every reason, with placeholders in each field.
fn samples() -> Vec<BlockReason> {
    use BlockReason::*;
    vec![
        InvalidMethod { method: mark('M') },
        ForbiddenMethod { method: mark('M') },
        NoCorsMethod { method: mark('M') },
        DisallowedByMode,
        MissingAllowOrigin,
        MultipleAllowOriginValues { value: mark('V') },
        InvalidAllowOriginValue { value: mark('V') },
        AllowOriginMismatch { value: mark('V') },
        WildcardOriginNotAllowed,
        InvalidAllowCredentials { value: mark('V') },
        PreflightInvalidStatus {
            status: STATUS_SENTINEL,
        },
        PreflightDisallowedRedirect,
        InvalidAllowMethods { token: mark('T') },
        InvalidAllowHeaders { token: mark('T') },
        MethodNotAllowed { method: mark('M') },
        HeaderNotAllowed { name: mark('N') },
        RedirectContainsCredentials {
            location: mark('L'),
        },
        TooManyRedirects,
        InvalidRedirectLocation {
            location: mark('L'),
        },
    ]
}

#[derive(Debug)]
enum Part {
    Literal(String),
    Field(char),
}

struct Template {
    browser: Browser,
    sample: Blocked,
    parts: Vec<Part>,
    literal_len: usize,
    /// Whether this is the whole rendered message (not a part or another wording of it).
    whole: bool,
}

/// Splits a rendered message into literal text and fields. Chromium escapes non-ASCII hints
/// as `\uE000`, so the mark appears in that form too.
fn parse_template(rendered: &str) -> Vec<Part> {
    let rendered = rendered.replace("\\uE000", &MARK.to_string());
    let rendered = rendered.replace(&STATUS_SENTINEL.to_string(), &mark('S'));
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = rendered.chars();
    while let Some(c) = chars.next() {
        if c == MARK {
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Field(chars.next().unwrap_or('?')));
        } else {
            literal.push(c);
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    parts
}

fn templates() -> Vec<Template> {
    let mut templates = Vec::new();
    for browser in Browser::ALL {
        for reason in samples() {
            for in_preflight in [false, true] {
                for redirected in [false, true] {
                    let blocked = Blocked {
                        reason: reason.clone(),
                        in_preflight,
                        url: mark('U'),
                        initial_url: if redirected { mark('I') } else { mark('U') },
                        origin: mark('O'),
                        page_origin: mark('O'),
                        status: Some(STATUS_SENTINEL),
                    };
                    let forms = pasted_forms(browser, &blocked.console_message(browser));
                    for (index, text) in forms.into_iter().enumerate() {
                        let parts = parse_template(&text);
                        let literal_len = parts
                            .iter()
                            .map(|part| match part {
                                Part::Literal(text) => text.len(),
                                Part::Field(_) => 0,
                            })
                            .sum();
                        templates.push(Template {
                            browser,
                            sample: blocked.clone(),
                            parts,
                            literal_len,
                            whole: index == 0,
                        });
                    }
                }
            }
        }
    }
    templates
}

/// The forms in which a rendered message may be pasted, the whole first: whole; its first
/// line alone (WebKit and Firefox print some failures as several lines, and only the first
/// identifies the reason); and the engine's own other forms.
fn pasted_forms(browser: Browser, rendered: &str) -> Vec<String> {
    let mut forms = vec![rendered.to_owned()];
    if let Some((first_line, _)) = rendered.split_once('\n') {
        forms.push(first_line.to_owned());
    }
    forms.extend((browser.profile().messages.pasted_forms)(rendered));
    forms
}

/// The origin of `text` when it is a URL with a path (a document's URL read in an origin's
/// place), else `text`.
fn origin_of(text: &str) -> String {
    match text.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => text.to_owned(),
    }
}

/// Matches `parts` somewhere in `message`, returning each field's text: at the first place
/// where the opening literal starts a match in which no URL or origin holds a space (so in
/// "Cross-origin redirection to … denied by Cross-Origin Resource Sharing policy: Origin
/// http://a is not allowed …" the origin is `http://a`, and WebKit's summary line "Fetch API
/// cannot load <url> due to access control checks." is not its same-origin-mode message).
fn match_template(parts: &[Part], message: &str) -> Option<Vec<(char, String)>> {
    let Some(Part::Literal(first)) = parts.first() else {
        return None;
    };
    message
        .match_indices(first.as_str())
        .filter_map(|(start, _)| match_rest(parts, &message[start + first.len()..]))
        .find(|fields| {
            fields
                .iter()
                .all(|(field, text)| !matches!(field, 'U' | 'I' | 'O') || !text.contains(' '))
        })
}

/// Matches `parts` after the opening literal against `rest`.
fn match_rest(parts: &[Part], mut rest: &str) -> Option<Vec<(char, String)>> {
    let mut fields = Vec::new();
    let mut pending: Option<char> = None;
    let last = parts.len() - 1;
    for (index, part) in parts.iter().enumerate().skip(1) {
        match part {
            Part::Field(field) => pending = Some(*field),
            Part::Literal(text) => {
                // Fields end at the next literal, except before the closing literal, which
                // is the last occurrence on the line (values may contain a `.`).
                let at = if index == last {
                    let line_end = rest.find('\n').map_or(rest.len(), |end| {
                        if text.contains('\n') { rest.len() } else { end }
                    });
                    rest[..line_end].rfind(text.as_str())?
                } else {
                    rest.find(text.as_str())?
                };
                if let Some(field) = pending.take() {
                    fields.push((field, rest[..at].to_owned()));
                } else if at != 0 {
                    return None;
                }
                rest = &rest[at + text.len()..];
            }
        }
    }
    if let Some(field) = pending {
        fields.push((
            field,
            rest.lines()
                .next()
                .unwrap_or_default()
                .trim_end()
                .to_owned(),
        ));
    }
    Some(fields)
}

/// Recognises a console message (pasted whole or with extra text around it) as the CORS
/// failure of Chromium, Firefox or WebKit that prints it.
///
/// ```
/// use corsair::browser::{BlockReason, recognize};
///
/// let pasted = "index.html:1 Access to fetch at 'https://api.example/x' from origin \
///     'https://app.example' has been blocked by CORS policy: Response to preflight request \
///     doesn't pass access control check: It does not have HTTP ok status.";
/// let recognized = recognize(pasted).unwrap();
/// assert_eq!(recognized.browser.name(), "chromium");
/// assert!(recognized.blocked.in_preflight);
/// assert!(matches!(recognized.blocked.reason, BlockReason::PreflightInvalidStatus { .. }));
/// assert_eq!(recognized.blocked.origin, "https://app.example");
/// ```
pub fn recognize(message: &str) -> Option<Recognized> {
    let message = message.trim();
    templates()
        .into_iter()
        .filter_map(|template| {
            let fields = match_template(&template.parts, message)?;
            Some((template, fields))
        })
        // The most literal text wins; on a tie, a whole message over the first line of a
        // longer one (Firefox's first line of a failed preflight is a whole message too).
        .max_by_key(|(template, _)| (template.literal_len, template.whole))
        .map(|(template, fields)| Recognized {
            browser: template.browser,
            blocked: (template.browser.profile().messages.reread)(fill(template.sample, &fields)),
        })
}

/// Puts the text read from a message into a sample's placeholders.
fn fill(mut blocked: Blocked, fields: &[(char, String)]) -> Blocked {
    let get = |field: char| {
        fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    };
    let status = get('S').parse().ok();
    blocked.url = get('U');
    blocked.initial_url = if fields.iter().any(|(f, _)| *f == 'I') {
        get('I')
    } else {
        blocked.url.clone()
    };
    blocked.origin = origin_of(&get('O'));
    // A message names one origin: the page's (Chromium) or the one the request carried.
    blocked.page_origin = blocked.origin.clone();
    blocked.status = status;
    use BlockReason::*;
    match &mut blocked.reason {
        InvalidMethod { method }
        | ForbiddenMethod { method }
        | NoCorsMethod { method }
        | MethodNotAllowed { method } => {
            *method = get('M');
        }
        MultipleAllowOriginValues { value }
        | InvalidAllowOriginValue { value }
        | AllowOriginMismatch { value }
        | InvalidAllowCredentials { value } => {
            *value = get('V');
        }
        InvalidAllowMethods { token } | InvalidAllowHeaders { token } => *token = get('T'),
        HeaderNotAllowed { name } => *name = get('N'),
        RedirectContainsCredentials { location } | InvalidRedirectLocation { location } => {
            *location = get('L');
        }
        PreflightInvalidStatus {
            status: preflight_status,
        } => {
            *preflight_status = status.unwrap_or_default();
        }
        DisallowedByMode
        | MissingAllowOrigin
        | WildcardOriginNotAllowed
        | PreflightDisallowedRedirect
        | TooManyRedirects => {}
    }
    blocked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(reason: BlockReason, in_preflight: bool) -> Blocked {
        Blocked {
            reason,
            in_preflight,
            url: "https://api.example/items?x=1".into(),
            initial_url: "https://api.example/items?x=1".into(),
            origin: "https://app.example".into(),
            page_origin: "https://app.example".into(),
            status: Some(404),
        }
    }

    #[test]
    fn every_sample_is_a_distinct_reason() {
        let kinds: std::collections::BTreeSet<_> =
            samples().iter().map(BlockReason::kind).collect();
        assert_eq!(kinds.len(), samples().len());
    }

    /// Renders a concrete failure and reads it back: the reason (up to the engines' own
    /// ambiguities) and the values must survive.
    #[test]
    fn every_message_of_every_engine_is_recognised() {
        use BlockReason::*;
        let reasons = [
            MissingAllowOrigin,
            MultipleAllowOriginValues {
                value: "https://a.example, https://b.example".into(),
            },
            AllowOriginMismatch {
                value: "https://other.example".into(),
            },
            WildcardOriginNotAllowed,
            InvalidAllowCredentials {
                value: "True".into(),
            },
            PreflightInvalidStatus { status: 401 },
            PreflightDisallowedRedirect,
            InvalidAllowMethods {
                token: "(bad)".into(),
            },
            InvalidAllowHeaders {
                token: "x y".into(),
            },
            MethodNotAllowed {
                method: "PATCH".into(),
            },
            HeaderNotAllowed {
                name: "x-api-key".into(),
            },
            DisallowedByMode,
        ];
        for browser in Browser::ALL {
            for reason in &reasons {
                for in_preflight in [false, true] {
                    let blocked = example(reason.clone(), in_preflight);
                    let message = blocked.console_message(browser);
                    let recognized = recognize(&format!("  [Error] {message}  "))
                        .unwrap_or_else(|| panic!("{browser}: not recognised: {message}"));
                    assert_eq!(recognized.browser, browser, "{message}");
                    // What the message says, rendered again, is the message itself.
                    assert_eq!(
                        recognized.blocked.console_message(browser),
                        message,
                        "{browser}"
                    );
                }
            }
        }
    }

    #[test]
    fn values_are_read_back() {
        let message = "Access to fetch at 'https://api.example/v2' (redirected from 'https://api.example/v1') from origin 'http://localhost:3000' has been blocked by CORS policy: Request header field x-api-key is not allowed by Access-Control-Allow-Headers in preflight response.";
        let recognized = recognize(message).unwrap();
        assert_eq!(
            recognized.blocked.reason,
            BlockReason::HeaderNotAllowed {
                name: "x-api-key".into()
            }
        );
        assert_eq!(recognized.blocked.url, "https://api.example/v2");
        assert_eq!(recognized.blocked.initial_url, "https://api.example/v1");
        assert_eq!(recognized.blocked.origin, "http://localhost:3000");
    }

    #[test]
    fn webkit_2_50_preflight_status_tells_a_redirect_from_a_failed_status() {
        let reading = |status: u16| {
            let text = format!("Preflight response is not successful. Status code: {status}");
            recognize(&text).map(|r| (r.browser, r.blocked.reason))
        };
        assert_eq!(
            reading(404),
            Some((
                Browser::WebKit,
                BlockReason::PreflightInvalidStatus { status: 404 }
            ))
        );
        assert_eq!(
            reading(302),
            Some((Browser::WebKit, BlockReason::PreflightDisallowedRedirect))
        );
    }

    #[test]
    fn chromium_156_log_wording_of_network_errors_is_recognised() {
        for (text, kind) in [
            (
                "Failed to load resource: net::ERR_TOO_MANY_REDIRECTS",
                "too_many_redirects",
            ),
            (
                "Failed to load resource: net::ERR_INVALID_REDIRECT",
                "invalid_redirect_location",
            ),
        ] {
            let reading = recognize(text).unwrap();
            assert_eq!(
                (reading.browser, reading.blocked.reason.kind()),
                (Browser::Chromium, kind)
            );
        }
    }

    #[test]
    fn webkit_2_50_redirect_that_fails_the_cors_check_names_the_page_origin() {
        let text = "Cross-origin redirection to http://localhost:33641/s/1/r denied by Cross-Origin Resource Sharing policy: Origin http://127.0.0.1:37655 is not allowed by Access-Control-Allow-Origin. Status code: 302\nFetch API cannot load http://localhost:33641/s/1 due to access control checks.";
        let reading = recognize(text).unwrap();
        assert_eq!(reading.browser, Browser::WebKit);
        assert_eq!(reading.blocked.origin, "http://127.0.0.1:37655");
        assert_eq!(reading.blocked.status, Some(302));
    }

    #[test]
    fn webkit_2_50_summary_line_alone_is_not_a_same_origin_mode_failure() {
        let text = "Fetch API cannot load http://localhost:18081/x due to access control checks.";
        assert_eq!(recognize(text), None);
    }

    #[test]
    fn firefox_153_same_origin_mode_error_of_a_page_below_the_root() {
        let text = "Security Error: Content at http://127.0.0.1:18080/app/index.html may not load data from http://localhost:18081/items.";
        let reading = recognize(text).unwrap();
        assert_eq!(
            (reading.browser, reading.blocked.reason),
            (Browser::Firefox, BlockReason::DisallowedByMode)
        );
        assert_eq!(reading.blocked.origin, "http://127.0.0.1:18080");
        assert_eq!(reading.blocked.url, "http://localhost:18081/items");
    }

    #[test]
    fn other_text_is_not_recognised() {
        for text in [
            "",
            "Uncaught TypeError: x is undefined",
            "Access to fetch at",
            "CORS",
        ] {
            assert_eq!(recognize(text), None, "{text}");
        }
    }
}
