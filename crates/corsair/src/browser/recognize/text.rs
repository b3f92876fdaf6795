//! The pasted text as the templates see it: capped, split into lines, with typographic
//! quotes, full-width punctuation and runs of spaces made plain, and the work of searching it
//! counted.

/// The most of a paste that is read: 256 KiB. A console paste is a few kilobytes; the cap
/// keeps hostile input (megabytes of repeated prefixes) from costing more than a bounded,
/// linear amount of work. Text beyond it is ignored.
pub const MAX_INPUT: usize = 256 * 1024;

/// The most of one line that is read: 16 KiB, beyond the longest URL a console prints.
pub(super) const MAX_LINE: usize = 16 * 1024;

/// One line of the paste, normalised, and its ASCII-lowercase twin (same byte offsets), in
/// which literals are searched.
pub(super) struct Line {
    pub(super) text: String,
    pub(super) folded: String,
}

impl Line {
    /// This line and `next` as one, a space between them.
    pub(super) fn joined(&self, next: &Line) -> Line {
        Line {
            text: format!("{} {}", self.text, next.text),
            folded: format!("{} {}", self.folded, next.folded),
        }
    }
}

/// `input` cut to [`MAX_INPUT`] (on a character boundary), as normalised lines, empty ones
/// dropped.
pub(super) fn lines(input: &str) -> Vec<Line> {
    let input = prefix(input, MAX_INPUT);
    input
        .lines()
        .map(|line| normalise(prefix(line, MAX_LINE)))
        .filter(|text| !text.is_empty())
        .map(|text| Line {
            folded: text.to_ascii_lowercase(),
            text,
        })
        .collect()
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Typographic quotes as straight ones, full-width brackets and colons as ASCII, every run of
/// whitespace as one space (none after a hyphen between letters), trimmed: how localised and pasted texts differ from the
/// templates without changing what they say.
pub(super) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' => '\'',
            // Guillemets and typographic double quotes stand where English has single
            // quotes (fr, ru, and Firefox's own “…” in some versions): pasted with ASCII
            // quotes instead, the same text must match.
            '\u{00AB}' | '\u{00BB}' | '\u{201C}' | '\u{201D}' | '\u{201E}' => '\'',
            // Russian writes ё as е as often as not, and Firefox's older ru texts did.
            'ё' => 'е',
            'Ё' => 'Е',
            '\u{FF08}' => '(',
            '\u{FF09}' => ')',
            '\u{FF1A}' => ':',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            space = true;
            continue;
        }
        // A hyphenated name wrapped at its hyphen (`Access-Control- Allow-Origin`) is one.
        let wrapped_at_hyphen = out.ends_with('-')
            && out[..out.len() - 1].ends_with(|c: char| c.is_ascii_alphabetic())
            && c.is_ascii_alphabetic();
        if space && !out.is_empty() && !wrapped_at_hyphen {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Bytes examined while searching, so that a test can bound the work as the input grows.
#[derive(Debug, Default)]
pub(super) struct Work(pub(super) u64);

impl Work {
    /// `haystack.find(needle)`, counting the bytes it examined.
    pub(super) fn find(&mut self, haystack: &str, needle: &str) -> Option<usize> {
        let found = haystack.find(needle);
        self.count(found.map_or(haystack.len(), |at| at + needle.len()));
        found
    }

    /// `haystack.rfind(needle)`, counting the bytes it examined.
    pub(super) fn rfind(&mut self, haystack: &str, needle: &str) -> Option<usize> {
        self.count(haystack.len());
        haystack.rfind(needle)
    }

    pub(super) fn count(&mut self, bytes: usize) {
        self.0 = self
            .0
            .saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
    }
}
