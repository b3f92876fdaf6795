//! What reaches the terminal: text from a server, a file or a paste made printable, colour
//! only where it is wanted, and a progress line while the network is slow.

use std::{
    borrow::Cow,
    fmt::Write as _,
    io::{IsTerminal, Write as _},
    time::Duration,
};

/// Text with every character a terminal would act on written out as an escape instead:
/// control characters (ESC, OSC and CSI introducers, BEL, backspace, carriage return...) and
/// the bidirectional overrides that reorder what is shown. Newlines stay, because messages
/// span lines; everything else printable is kept as is.
///
/// Every message a command prints goes through this, because origins, header values,
/// policy entries and pasted text all come from someone else.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            match c {
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if u32::from(c) < 0x100 => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `--color`: whether to colour the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour, even when piped or with `NO_COLOR`.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// The palette for standard output under this choice.
    pub(crate) fn palette(self) -> Palette {
        let enabled = match self {
            Self::Always => true,
            Self::Never => false,
            // https://no-color.org: set and not empty disables colour.
            Self::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                    && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
            }
        };
        Palette { enabled }
    }
}

/// Colours for verdicts, or none.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Palette {
    enabled: bool,
}

impl Palette {
    /// `text` in green (a good verdict).
    pub(crate) fn good(self, text: &str) -> String {
        self.paint("1;32", text)
    }

    /// `text` in red (a bad verdict).
    pub(crate) fn bad(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// `text` in yellow (a warning or an error that is not a verdict).
    pub(crate) fn warn(self, text: &str) -> String {
        self.paint("1;33", text)
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// Runs `work` while a spinner on standard error says what is awaited, when standard error
/// is a terminal; the line is erased once `work` finishes, so nothing of it stays in the
/// output.
pub(crate) async fn with_progress<T>(what: &str, work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
    let what = printable(what);
    let mut work = std::pin::pin!(work);
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    let mut frame = 0;
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = tick.tick() => {
                let mut stderr = std::io::stderr().lock();
                let _ = write!(stderr, "\r\x1b[2K{} {what}", FRAMES[frame % FRAMES.len()]);
                let _ = stderr.flush();
                frame += 1;
            }
        }
    };
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "\r\x1b[2K");
    let _ = stderr.flush();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped_and_text_is_kept() {
        assert_eq!(
            printable("https://a.example\nnext"),
            "https://a.example\nnext"
        );
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(
            printable("https://a\u{1b}]0;pwned\u{7}.example\u{1b}[2J"),
            "https://a\\x1b]0;pwned\\x07.example\\x1b[2J"
        );
        assert_eq!(printable("a\rb\tc\u{9b}d"), "a\\rb\\tc\\x9bd");
        assert_eq!(printable("\u{202e}txt.exe"), "\\u{202e}txt.exe");
        assert_eq!(printable("Grüße 東京"), "Grüße 東京");
    }

    #[test]
    fn palettes() {
        assert_eq!(ColorChoice::Never.palette().bad("BLOCKED"), "BLOCKED");
        assert_eq!(
            ColorChoice::Always.palette().good("ALLOWED"),
            "\x1b[1;32mALLOWED\x1b[0m"
        );
    }
}
