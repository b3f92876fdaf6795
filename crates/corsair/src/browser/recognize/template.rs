//! A wording as literal text and fields, and how it is found in one line: every field ends
//! at the literal that follows it, and a URL, origin or status holds no space.

use super::text::{Line, Work};

/// A field of a template, named by the letter the model's placeholders use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    Url,
    InitialUrl,
    Origin,
    Method,
    Header,
    Value,
    Token,
    Location,
    Status,
    /// Text that is matched and dropped (an initiator, a list of schemes).
    Any,
}

impl Field {
    /// The field for a placeholder letter of the model's rendering.
    pub(super) fn from_mark(mark: char) -> Option<Self> {
        Some(match mark {
            'U' => Self::Url,
            'I' => Self::InitialUrl,
            'O' => Self::Origin,
            'M' => Self::Method,
            'N' => Self::Header,
            'V' => Self::Value,
            'T' => Self::Token,
            'L' => Self::Location,
            'S' => Self::Status,
            _ => return None,
        })
    }

    /// The field for a `{name}` of a wordings file.
    pub(super) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "url" => Self::Url,
            "initial" => Self::InitialUrl,
            "origin" => Self::Origin,
            "method" => Self::Method,
            "header" => Self::Header,
            "value" => Self::Value,
            "token" => Self::Token,
            "location" => Self::Location,
            "status" => Self::Status,
            "any" => Self::Any,
            _ => return None,
        })
    }

    /// Whether the field is one word: a URL, an origin or a status never holds a space.
    fn is_word(self) -> bool {
        matches!(
            self,
            Self::Url | Self::InitialUrl | Self::Origin | Self::Status
        )
    }

    /// Whether `text` can be this field's value.
    fn accepts(self, text: &str) -> bool {
        match self {
            Self::Url | Self::InitialUrl => text.contains(':') || text.starts_with('/'),
            Self::Origin => !text.is_empty(),
            _ => true,
        }
    }
}

/// Literal text (normalised and lowercase) or a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Part {
    Literal(String),
    Field(Field),
}

/// A template's parts: it starts with a literal, and no two fields follow each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Parts(Vec<Part>);

/// How many places of one line a template is tried at: enough for a prefix repeated by a
/// copy-paste, few enough that a line of repeated prefixes costs linear work.
const ATTEMPTS: usize = 4;

impl Parts {
    /// `parts` as a template, or `None` when it does not start with a literal or has two
    /// fields in a row.
    pub(super) fn new(parts: Vec<Part>) -> Option<Self> {
        let starts_with_literal =
            matches!(parts.first(), Some(Part::Literal(text)) if !text.is_empty());
        let fields_apart = parts
            .windows(2)
            .all(|pair| !matches!(pair, [Part::Field(_), Part::Field(_)]));
        (starts_with_literal && fields_apart).then_some(Self(parts))
    }

    /// The bytes of literal text: the more, the more specific the template.
    pub(super) fn literal_len(&self) -> usize {
        self.0
            .iter()
            .map(|part| match part {
                Part::Literal(text) => text.len(),
                Part::Field(_) => 0,
            })
            .sum()
    }

    /// The template's fields as read from `line`, at the first of a few places where its
    /// opening literal starts a match.
    pub(super) fn find(&self, line: &Line, work: &mut Work) -> Option<Vec<(Field, String)>> {
        let Some(Part::Literal(first)) = self.0.first() else {
            return None;
        };
        let mut from = 0;
        for _ in 0..ATTEMPTS {
            let at = from + work.find(&line.folded[from..], first)?;
            let end = at + first.len();
            if let Some(fields) = self.match_rest(line, end, work) {
                return Some(fields);
            }
            from = end;
        }
        None
    }

    /// Matches the parts after the opening literal from byte `at` of `line`.
    fn match_rest(
        &self,
        line: &Line,
        mut at: usize,
        work: &mut Work,
    ) -> Option<Vec<(Field, String)>> {
        let mut fields = Vec::new();
        let mut pending: Option<Field> = None;
        let last = self.0.len() - 1;
        for (index, part) in self.0.iter().enumerate().skip(1) {
            match part {
                Part::Field(field) => pending = Some(*field),
                Part::Literal(literal) => {
                    let rest = &line.folded[at..];
                    let found = match pending {
                        None => rest.starts_with(literal.as_str()).then_some(0),
                        Some(field) if field.is_word() => {
                            word_end(rest, literal, index == last, work)
                        }
                        Some(_) => work.find(rest, literal),
                    }?;
                    if let Some(field) = pending.take() {
                        let value = &line.text[at..at + found];
                        if !field.accepts(value) {
                            return None;
                        }
                        fields.push((field, value.to_owned()));
                    }
                    at += found + literal.len();
                }
            }
        }
        if let Some(field) = pending {
            let rest = &line.text[at..];
            let value = if field.is_word() {
                let word = rest.split(' ').next().unwrap_or_default();
                word.trim_end_matches(['.', ',', ';', '\'', '"', ')', '>'])
            } else {
                rest.trim_end()
            };
            work.count(value.len());
            if !field.accepts(value) {
                return None;
            }
            fields.push((field, value.to_owned()));
        }
        Some(fields)
    }
}

/// Where a one-word field that starts `rest` ends, given the literal that follows it: the
/// last place in the word (or just after it) where that literal starts; a closing literal
/// must also reach the word's end, so that a `.` inside a URL does not end it.
fn word_end(rest: &str, literal: &str, closing: bool, work: &mut Work) -> Option<usize> {
    let word = rest.find(' ').unwrap_or(rest.len());
    work.count(word);
    let mut end = (word + literal.len()).min(rest.len());
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    let window = &rest[..end];
    let at = work.rfind(window, literal)?;
    (!closing || at + literal.len() >= word).then_some(at)
}
