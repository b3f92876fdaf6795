//! Commands that corsair suggests for the user to paste into a POSIX shell.
//!
//! Their arguments come from pasted console text (a URL, an origin), which an attacker can
//! choose: Chromium prints `'`, `;`, `$` and backticks in a URL's path unescaped. Every argument
//! is therefore quoted, so that the shell passes it on as one word and runs nothing in it.

use std::borrow::Cow;

/// `argument` as one word for a POSIX shell: unchanged when it holds only characters no shell
/// treats specially, else in single quotes (a `'` inside written as `'\''`).
///
/// `None` when it holds a control character: no terminal shows such a command faithfully, so
/// it is not suggested at all.
pub(crate) fn quote(argument: &str) -> Option<Cow<'_, str>> {
    if argument.chars().any(char::is_control) {
        return None;
    }
    let plain = !argument.is_empty()
        && argument
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b));
    Some(if plain {
        Cow::Borrowed(argument)
    } else {
        Cow::Owned(format!("'{}'", argument.replace('\'', r"'\''")))
    })
}

/// `words` quoted and joined into one command line, or `None` when a word cannot be shown.
pub(crate) fn command<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let quoted = words.into_iter().map(quote).collect::<Option<Vec<_>>>()?;
    Some(quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `sh` makes of `line`: the words it would pass to a command.
    fn words_in_sh(line: &str, sandbox: &std::path::Path) -> Vec<String> {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\n' {line}"))
            .current_dir(sandbox)
            .env("HOME", sandbox)
            .output()
            .unwrap();
        assert!(output.status.success(), "{line}");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn hostile_urls_reach_the_command_as_one_word_and_run_nothing() {
        let sandbox = std::env::temp_dir().join(format!("corsair-shell-{}", std::process::id()));
        std::fs::create_dir_all(&sandbox).unwrap();
        let hostile = [
            "https://api.example/';touch$IFS$HOME/pwned;'",
            "https://api.example/$(touch pwned)",
            "https://api.example/`touch pwned`",
            "https://api.example/a b;touch pwned",
            "https://api.example/\"; touch pwned; \"",
            "https://api.example/x'\\''y",
            "https://api.example/*",
            "https://api.example/?a=1&touch=pwned|sh",
            "-X",
            "",
            "https://example.com/naïve",
        ];
        for url in hostile {
            let line = command(["check", url, "--origin", "https://app.example"]).unwrap();
            assert_eq!(
                words_in_sh(&line, &sandbox),
                ["check", url, "--origin", "https://app.example"],
                "{line}"
            );
        }
        assert!(
            !sandbox.join("pwned").exists(),
            "a suggested command ran code"
        );
        std::fs::remove_dir_all(&sandbox).unwrap();
    }

    #[test]
    fn plain_words_stay_readable_and_control_characters_are_never_shown() {
        assert_eq!(
            quote("https://api.example.com:8443/items").unwrap(),
            "https://api.example.com:8443/items"
        );
        assert_eq!(quote("it's").unwrap(), r"'it'\''s'");
        assert_eq!(quote("https://a.example/\u{1b}]0;title\u{7}"), None);
        assert_eq!(command(["check", "https://a.example/\n"]), None);
    }
}
