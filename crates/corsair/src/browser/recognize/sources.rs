//! Where templates come from: the model's own rendering of every reason (exact, current
//! wording) and each engine's wordings file (other versions, fragments, localisations, texts
//! that are not the model's reasons).

use super::{
    template::{Field, Part, Parts},
    text::normalise,
};
use crate::browser::{BlockReason, Blocked, Browser, Initiator, OtherKind};

/// What a template tells when it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Meaning {
    /// A reason the model knows, with placeholders in its values.
    Reason(Blocked),
    /// A text the model has no reason for.
    Other(OtherKind),
    /// No reason: the URL, origin or status around one.
    Frame,
}

/// One wording of one engine.
#[derive(Debug)]
pub(super) struct Template {
    pub(super) browser: Browser,
    pub(super) meaning: Meaning,
    pub(super) parts: Parts,
    /// The text says the preflight failed.
    pub(super) preflight: bool,
    /// A line that, after another failure of the same URL, tells that a preflight (or a
    /// redirect) failed first.
    pub(super) after_preflight: bool,
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
pub(super) fn samples() -> Vec<BlockReason> {
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

/// A sample failure with `reason`.
fn sample(reason: BlockReason, in_preflight: bool, redirected: bool) -> Blocked {
    Blocked {
        initiator: Initiator::Fetch,
        reason,
        in_preflight,
        url: mark('U'),
        initial_url: if redirected { mark('I') } else { mark('U') },
        origin: mark('O'),
        page_origin: mark('O'),
        status: Some(STATUS_SENTINEL),
    }
}

/// Every template of every engine: the model's own rendering first, then the wordings files.
pub(super) fn templates() -> Vec<Template> {
    let mut templates = Vec::new();
    for browser in Browser::ALL {
        templates.extend(rendered(browser));
        templates.extend(
            browser
                .profile()
                .messages
                .wordings
                .lines()
                .filter_map(|line| wording(browser, line).transpose())
                .filter_map(Result::ok),
        );
    }
    templates
}

/// The first line of every message the model renders for `browser`, for every initiator
/// (later lines are the
/// engine's follow-up lines, which its wordings file reads), and the engine's other pasted
/// forms. A wording the engine prints for reasons of different kinds names none of them,
/// so it is left to the wordings file.
fn rendered(browser: Browser) -> Vec<Template> {
    let mut found: Vec<Template> = Vec::new();
    let mut ambiguous: Vec<Parts> = Vec::new();
    let cases = samples().into_iter().flat_map(|reason| {
        let flags = [(false, false), (false, true), (true, false), (true, true)];
        Initiator::ALL.into_iter().flat_map(move |initiator| {
            let reason = reason.clone();
            flags.map(move |(in_preflight, redirected)| Blocked {
                initiator,
                ..sample(reason.clone(), in_preflight, redirected)
            })
        })
    });
    let generic = browser.profile().messages.generic;
    for blocked in cases {
        let message = blocked.console_message(browser);
        if generic.contains(&message.as_str()) {
            continue;
        }
        let mut forms = vec![message.clone()];
        forms.extend((browser.profile().messages.pasted_forms)(&message));
        for form in forms {
            let first_line = form.lines().next().unwrap_or_default();
            let Some(parts) = parse_rendered(first_line) else {
                continue;
            };
            match found.iter().find(|t| t.parts == parts) {
                Some(other) => {
                    if kind_of(&other.meaning) != blocked.reason.kind() {
                        ambiguous.push(parts);
                    }
                }
                None => found.push(Template {
                    browser,
                    meaning: Meaning::Reason(blocked.clone()),
                    parts,
                    preflight: false,
                    after_preflight: false,
                }),
            }
        }
    }
    found.retain(|template| !ambiguous.contains(&template.parts));
    found
}

fn kind_of(meaning: &Meaning) -> &'static str {
    match meaning {
        Meaning::Reason(blocked) => blocked.reason.kind(),
        Meaning::Other(kind) => kind.kind(),
        Meaning::Frame => "frame",
    }
}

/// Splits a rendered message into literal text and fields. Chromium escapes non-ASCII hints
/// as `\uE000`, so the mark appears in that form too.
fn parse_rendered(rendered: &str) -> Option<Parts> {
    let rendered = rendered
        .replace("\\uE000", &MARK.to_string())
        .replace(&STATUS_SENTINEL.to_string(), &mark('S'));
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = rendered.chars();
    while let Some(c) = chars.next() {
        if c == MARK {
            push_literal(&mut parts, &mut literal);
            parts.push(Part::Field(Field::from_mark(chars.next()?)?));
        } else {
            literal.push(c);
        }
    }
    push_literal(&mut parts, &mut literal);
    Parts::new(parts)
}

fn push_literal(parts: &mut Vec<Part>, literal: &mut String) {
    // Spaces at a field's edge stay: they end one-word fields.
    let text = normalise_keeping_edges(&std::mem::take(literal));
    if !text.is_empty() {
        parts.push(Part::Literal(text.to_ascii_lowercase()));
    }
}

/// [`normalise`], keeping one leading and one trailing space.
fn normalise_keeping_edges(text: &str) -> String {
    let lead = if text.starts_with(char::is_whitespace) {
        " "
    } else {
        ""
    };
    let trail = if text.ends_with(char::is_whitespace) && !text.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{lead}{}{trail}", normalise(text))
}

/// Why a line of a wordings file is not a wording.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BadWording(pub(super) String);

/// A line of a wordings file: `Ok(None)` for comments and blank lines.
pub(super) fn wording(browser: Browser, line: &str) -> Result<Option<Template>, BadWording> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let bad = |why: &str| BadWording(format!("{why}: {line}"));
    let (head, template) = line.split_once(" : ").ok_or_else(|| bad("no ` : `"))?;
    let mut words = head.split_whitespace();
    let kind = words.next().ok_or_else(|| bad("no kind"))?;
    let meaning = if kind == "frame" {
        Meaning::Frame
    } else if let Some(other) = OtherKind::ALL.into_iter().find(|k| k.kind() == kind) {
        Meaning::Other(other)
    } else {
        let reason = samples()
            .into_iter()
            .find(|reason| reason.kind() == kind)
            .ok_or_else(|| bad("unknown kind"))?;
        Meaning::Reason(sample(reason, false, true))
    };
    let (mut preflight, mut after_preflight) = (false, false);
    for flag in words {
        match flag {
            "preflight" => preflight = true,
            "after-preflight" => after_preflight = true,
            _ => return Err(bad("unknown flag")),
        }
    }
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some((literal, after)) = rest.split_once('{') {
        let mut text = literal.to_owned();
        push_literal(&mut parts, &mut text);
        let (name, after) = after.split_once('}').ok_or_else(|| bad("unclosed {"))?;
        parts.push(Part::Field(
            Field::from_name(name).ok_or_else(|| bad("unknown field"))?,
        ));
        rest = after;
    }
    let mut text = rest.to_owned();
    push_literal(&mut parts, &mut text);
    let parts =
        Parts::new(parts).ok_or_else(|| bad("starts with a field, or two fields in a row"))?;
    Ok(Some(Template {
        browser,
        meaning,
        parts,
        preflight,
        after_preflight,
    }))
}
