//! Reading pasted console text back into what the browser reported: every CORS message of
//! Chromium, Firefox and WebKit, in current and older wordings, whole or as a fragment, in
//! Firefox's localisations, and the texts pasted as CORS errors that are not (CORP, COEP,
//! mixed content, Private Network Access).
//!
//! Two sources of templates: the model's own rendering ([`Blocked::console_message`]), and
//! each engine's wordings file (`browser/profile/<engine>.wordings`, data). Each line of a
//! paste is read on its own, in work linear in its length; lines that report one failure
//! (a reason and the engine's follow-up line, the same URL again) are one [`Recognized`].

mod sources;
mod template;
mod text;

use std::sync::OnceLock;

pub use self::text::MAX_INPUT;
use self::{
    sources::{Meaning, Template},
    template::Field,
    text::{Line, Work},
};
use super::{BlockReason, Blocked, Browser, OtherKind};

/// One failure read from a paste.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recognized {
    /// The engine whose wording matched (for texts several engines print alike, the first
    /// of Chromium, Firefox, WebKit).
    pub browser: Browser,
    /// What the text says.
    pub finding: Finding,
    /// How many lines of the paste report it (a reason and its follow-up lines).
    pub lines: usize,
}

/// What a console text says.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// A CORS failure the model knows, with the URL, origin and values read from the text
    /// (those the text does not contain are empty, or `None`).
    Blocked(Blocked),
    /// A text the model has no [`BlockReason`] for.
    Other(OtherFailure),
}

/// A failure that is not one of the model's reasons, with what the text names of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OtherFailure {
    /// What it is.
    pub kind: OtherKind,
    /// The URL, empty when the text names none.
    pub url: String,
    /// The page's origin, empty when the text names none.
    pub origin: String,
    /// The response's status, when the text names one.
    pub status: Option<u16>,
}

impl Finding {
    /// The stable identifier: a [`BlockReason::kind`] or an [`OtherKind::kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Blocked(blocked) => blocked.reason.kind(),
            Self::Other(other) => other.kind.kind(),
        }
    }

    /// The URL the text names (after any redirect), or `""`.
    pub fn url(&self) -> &str {
        match self {
            Self::Blocked(blocked) => &blocked.url,
            Self::Other(other) => &other.url,
        }
    }

    /// The URL first requested, or `""`.
    pub fn initial_url(&self) -> &str {
        match self {
            Self::Blocked(blocked) => &blocked.initial_url,
            Self::Other(other) => &other.url,
        }
    }

    /// The page's origin, or `""` when the text names none (Firefox never does).
    pub fn origin(&self) -> &str {
        match self {
            Self::Blocked(blocked) => &blocked.origin,
            Self::Other(other) => &other.origin,
        }
    }

    /// Whether the text says the preflight failed.
    pub fn in_preflight(&self) -> bool {
        matches!(self, Self::Blocked(blocked) if blocked.in_preflight)
    }

    /// Whether it names no reason (and the real one is elsewhere, or hidden).
    fn is_follow_up(&self) -> bool {
        matches!(
            self,
            Self::Other(OtherFailure {
                kind: OtherKind::Unspecified | OtherKind::NetworkFailure,
                ..
            })
        )
    }

    fn status(&self) -> Option<u16> {
        match self {
            Self::Blocked(blocked) => blocked.status,
            Self::Other(other) => other.status,
        }
    }

    /// Fills what this reading lacks from another reading of the same failure.
    fn complete_from(&mut self, other: &Finding) {
        match self {
            Self::Blocked(blocked) => {
                if blocked.url.is_empty() {
                    other.url().clone_into(&mut blocked.url);
                    other.initial_url().clone_into(&mut blocked.initial_url);
                }
                if blocked.origin.is_empty() {
                    other.origin().clone_into(&mut blocked.origin);
                    other.origin().clone_into(&mut blocked.page_origin);
                }
                blocked.status = blocked.status.or(other.status());
            }
            Self::Other(failure) => {
                if failure.url.is_empty() {
                    other.url().clone_into(&mut failure.url);
                }
                if failure.origin.is_empty() {
                    other.origin().clone_into(&mut failure.origin);
                }
                failure.status = failure.status.or(other.status());
            }
        }
    }
}

/// Recognises the first failure a console paste reports (pasted whole, as a fragment, or
/// with other text around it); [`recognize_all`] gives every one.
///
/// ```
/// use corsair::browser::{BlockReason, Finding, recognize};
///
/// let pasted = "index.html:1 Access to fetch at 'https://api.example/x' from origin \
///     'https://app.example' has been blocked by CORS policy: Response to preflight request \
///     doesn't pass access control check: It does not have HTTP ok status.";
/// let recognized = recognize(pasted).unwrap();
/// assert_eq!(recognized.browser.name(), "chromium");
/// let Finding::Blocked(blocked) = recognized.finding else { panic!() };
/// assert!(blocked.in_preflight);
/// assert!(matches!(blocked.reason, BlockReason::PreflightInvalidStatus { .. }));
/// assert_eq!(blocked.origin, "https://app.example");
///
/// // Safari's summary line names no reason.
/// let summary = "[Error] XMLHttpRequest cannot load https://api.example/x due to access control checks.";
/// assert_eq!(recognize(summary).unwrap().finding.kind(), "unspecified");
/// ```
pub fn recognize(paste: &str) -> Option<Recognized> {
    recognize_all(paste).into_iter().next()
}

/// Recognises every failure a console paste reports, in order. Reads at most
/// [`MAX_INPUT`] bytes; the work is linear in what it reads.
pub fn recognize_all(paste: &str) -> Vec<Recognized> {
    read(paste, &mut Work::default())
}

fn templates() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    TEMPLATES.get_or_init(sources::templates)
}

fn read(paste: &str, work: &mut Work) -> Vec<Recognized> {
    let mut found: Vec<Recognized> = Vec::new();
    let lines = text::lines(paste);
    let alone: Vec<_> = lines.iter().map(|line| read_line(line, work)).collect();
    let mut at = 0;
    while at < lines.len() {
        let (reading, used) = read_wrapped(&lines[at..], &alone[at..], work);
        at += used;
        let Some((reading, after_preflight)) = reading else {
            continue;
        };
        match found.last_mut() {
            Some(last) if same_failure(&last.finding, &reading.finding) => {
                merge(last, reading, after_preflight);
            }
            _ => found.push(reading),
        }
    }
    found
}

/// The most lines a wrapped message is read across: a console line wrapped at 80 columns
/// holding a message of Chromium's longest, with its URLs.
const MAX_WRAPPED: usize = 6;

/// Reads the first of `lines` (each read alone in `alone`) with the lines after it that
/// continue the same sentence (a message the paste wrapped: the line ends mid-sentence, the
/// next starts in lowercase or with a quote and reads as no failure with a URL), and says
/// how many lines it read. A joined reading that names another URL than the first line's
/// own is not taken: the lines are two requests.
fn read_wrapped(
    lines: &[Line],
    alone: &[Option<(Recognized, bool)>],
    work: &mut Work,
) -> (Option<(Recognized, bool)>, usize) {
    let first = alone[0].clone();
    let mut joined: Option<Line> = None;
    let mut used = 1;
    while used < MAX_WRAPPED
        && let Some(next) = lines.get(used)
        && continues(joined.as_ref().unwrap_or(&lines[0]), next)
        && alone[used]
            .as_ref()
            .is_none_or(|(reading, _)| reading.finding.url().is_empty())
    {
        joined = Some(joined.as_ref().unwrap_or(&lines[0]).joined(next));
        used += 1;
    }
    let Some(joined) = joined else {
        return (first, 1);
    };
    match (read_line(&joined, work), &first) {
        // Nothing in the lines, together or alone: all are passed over at once.
        (None, None) if alone[..used].iter().all(Option::is_none) => (None, used),
        (Some((mut reading, after)), first)
            if first.as_ref().is_none_or(|(alone, _)| {
                alone.finding.url().is_empty() || alone.finding.url() == reading.finding.url()
            }) =>
        {
            reading.lines = used;
            (Some((reading, after)), used)
        }
        _ => (first, 1),
    }
}

/// Whether `next` goes on with the sentence `line` leaves open.
fn continues(line: &Line, next: &Line) -> bool {
    let open = !line.text.ends_with(['.', '!', '?', ')', ']', '}', '"']);
    let lowercase = next
        .text
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || matches!(c, '\'' | '"' | '<'));
    open && lowercase
}

/// Whether two consecutive readings report one failure: the same URL again, or a line
/// without a URL next to a follow-up line or one of the same kind.
fn same_failure(before: &Finding, now: &Finding) -> bool {
    match (before.url(), now.url()) {
        (a, b) if !a.is_empty() && !b.is_empty() => a == b,
        _ => before.is_follow_up() || now.is_follow_up() || before.kind() == now.kind(),
    }
}

fn merge(into: &mut Recognized, reading: Recognized, after_preflight: bool) {
    into.lines += 1;
    if into.finding.is_follow_up() && !reading.finding.is_follow_up() {
        let before = std::mem::replace(&mut into.finding, reading.finding);
        into.browser = reading.browser;
        into.finding.complete_from(&before);
        return;
    }
    into.finding.complete_from(&reading.finding);
    // A redirect explains the follow-up line as well as a failed preflight does.
    if after_preflight
        && let Finding::Blocked(blocked) = &mut into.finding
        && !matches!(blocked.status, Some(301 | 302 | 303 | 307 | 308))
    {
        blocked.in_preflight = true;
    }
}

/// The most specific reason template that matches `line`, completed by every frame that
/// matches, and whether the line is a follow-up of an earlier failure's preflight.
fn read_line(line: &Line, work: &mut Work) -> Option<(Recognized, bool)> {
    let mut best: Option<(&Template, Vec<(Field, String)>)> = None;
    let mut frames = Vec::new();
    let mut preflight = false;
    for template in templates() {
        if template.meaning == Meaning::Frame {
            if let Some(fields) = template.parts.find(line, work) {
                preflight |= template.preflight;
                frames.extend(fields);
            }
            continue;
        }
        let better = best.as_ref().is_none_or(|(b, _)| rank(template) > rank(b));
        if better && let Some(fields) = template.parts.find(line, work) {
            best = Some((template, fields));
        }
    }
    let (template, mut fields) = best?;
    fields.extend(frames);
    let get = |wanted: Field| {
        fields
            .iter()
            .find(|(field, _)| *field == wanted)
            .map(|(_, text)| text.clone())
    };
    let url = get(Field::Url).unwrap_or_default();
    let origin = get(Field::Origin)
        .map(|o| origin_of(&o))
        .unwrap_or_default();
    let status = get(Field::Status).and_then(|s| s.parse().ok());
    let finding = match &template.meaning {
        Meaning::Reason(sample) => {
            let mut blocked = sample.clone();
            blocked.in_preflight |= template.preflight || preflight;
            blocked.initial_url = get(Field::InitialUrl).unwrap_or_else(|| url.clone());
            blocked.url = url;
            blocked.page_origin.clone_from(&origin);
            blocked.origin = origin;
            blocked.status = status;
            fill_reason(&mut blocked.reason, &get, status);
            Finding::Blocked((template.browser.profile().messages.reread)(blocked))
        }
        Meaning::Other(kind) => Finding::Other(OtherFailure {
            kind: *kind,
            url,
            origin,
            status,
        }),
        Meaning::Frame => return None,
    };
    let recognized = Recognized {
        browser: template.browser,
        finding,
        lines: 1,
    };
    Some((recognized, template.after_preflight))
}

/// How much a matching template says: a text that names a reason outranks one that only
/// says the response was blocked (however long its wording), then the longer wording wins.
fn rank(template: &Template) -> (bool, usize) {
    (
        template.meaning != Meaning::Other(OtherKind::Unspecified),
        template.parts.literal_len(),
    )
}

/// Puts the values read from a text into a reason's placeholders (empty when the text
/// names none, 0 for an unknown status).
fn fill_reason(
    reason: &mut BlockReason,
    get: &impl Fn(Field) -> Option<String>,
    status: Option<u16>,
) {
    use BlockReason::*;
    let text = |field| get(field).unwrap_or_default();
    match reason {
        InvalidMethod { method }
        | ForbiddenMethod { method }
        | NoCorsMethod { method }
        | MethodNotAllowed { method } => *method = text(Field::Method),
        MultipleAllowOriginValues { value }
        | InvalidAllowOriginValue { value }
        | AllowOriginMismatch { value }
        | InvalidAllowCredentials { value } => *value = text(Field::Value),
        InvalidAllowMethods { token } | InvalidAllowHeaders { token } => {
            *token = text(Field::Token)
        }
        HeaderNotAllowed { name } => *name = text(Field::Header),
        RedirectContainsCredentials { location } | InvalidRedirectLocation { location } => {
            *location = text(Field::Location);
        }
        PreflightInvalidStatus {
            status: preflight_status,
        } => *preflight_status = status.unwrap_or_default(),
        DisallowedByMode
        | MissingAllowOrigin
        | WildcardOriginNotAllowed
        | PreflightDisallowedRedirect
        | TooManyRedirects => {}
    }
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

#[cfg(test)]
mod tests;
