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

    #[test]
    fn every_sample_is_a_distinct_reason() {
        let kinds: std::collections::BTreeSet<_> =
            samples().iter().map(BlockReason::kind).collect();
        assert_eq!(kinds.len(), samples().len());
    }
}
