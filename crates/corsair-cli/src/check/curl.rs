//! A request copied from the browser's devtools ("Copy as cURL"), read back into what the
//! page asked for.

use corsair::browser::Mode;

/// What a copied curl command says about the page's request.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Copied {
    pub(crate) url: Option<String>,
    pub(crate) method: Option<String>,
    /// Headers the page set; those the browser adds itself are left out.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<String>,
    /// The `Origin` header the browser sent.
    pub(crate) origin: Option<String>,
    /// Cookies or HTTP authentication went along: credentials mode `include`.
    pub(crate) credentials: bool,
    /// The `Sec-Fetch-Mode` the browser sent.
    pub(crate) mode: Option<Mode>,
    pub(crate) insecure: bool,
}

/// Headers browsers add themselves (or that carry the page's origin, cookies and mode, read
/// separately): a replay must not send them as if the page had set them.
const BROWSER_HEADERS: &[&str] = &[
    "accept-encoding",
    "accept-language",
    "cache-control",
    "connection",
    "content-length",
    "cookie",
    "dnt",
    "host",
    "if-modified-since",
    "if-none-match",
    "origin",
    "pragma",
    "priority",
    "referer",
    "te",
    "upgrade-insecure-requests",
    "user-agent",
];

/// Options whose value is ignored: they change how curl runs, not what the browser sent.
const IGNORED_WITH_VALUE: &[&str] = &[
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-o",
    "--output",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-w",
    "--write-out",
];

/// Options without a value that change nothing about the request.
const IGNORED: &[&str] = &[
    "--compressed",
    "-s",
    "--silent",
    "-S",
    "--show-error",
    "-i",
    "--include",
    "-v",
    "--verbose",
    "-L",
    "--location",
    "-g",
    "--globoff",
    "--http1.1",
    "--http2",
    "--http3",
    "-N",
    "--no-buffer",
];

/// Reads a "Copy as cURL" command (POSIX shell quoting, as Chromium, Firefox and Safari copy
/// it on Linux and macOS).
pub(crate) fn parse(command: &str) -> Result<Copied, String> {
    let words = words(command)?;
    let mut words = words.into_iter();
    match words.next() {
        Some(first) if first == "curl" || first.ends_with("/curl") => {}
        _ => return Err("--curl: the command must start with `curl`".to_owned()),
    }
    let mut copied = Copied::default();
    let mut data: Vec<String> = Vec::new();
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (word.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| words.next())
                .ok_or_else(|| format!("--curl: {name} needs a value"))
        };
        match flag.as_str() {
            "-H" | "--header" => {
                let header = value(&flag)?;
                let Some((name, header_value)) = header.split_once(':') else {
                    return Err(format!("--curl: header {header:?} is not 'Name: value'"));
                };
                let name = name.trim();
                let header_value = header_value.trim().to_owned();
                let lower = name.to_ascii_lowercase();
                match lower.as_str() {
                    "origin" => copied.origin = Some(header_value),
                    "cookie" => copied.credentials = true,
                    "sec-fetch-mode" => copied.mode = header_value.parse().ok(),
                    _ if lower.starts_with("sec-") || BROWSER_HEADERS.contains(&lower.as_str()) => {
                    }
                    _ => copied.headers.push((name.to_owned(), header_value)),
                }
            }
            "-X" | "--request" => copied.method = Some(value(&flag)?),
            "-I" | "--head" => copied.method = Some("HEAD".to_owned()),
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii"
            | "--data-urlencode" => {
                data.push(value(&flag)?);
            }
            "-b" | "--cookie" | "-u" | "--user" => {
                value(&flag)?;
                copied.credentials = true;
            }
            "-k" | "--insecure" => copied.insecure = true,
            "--url" => copied.url = Some(value(&flag)?),
            flag if IGNORED.contains(&flag) => {}
            flag if IGNORED_WITH_VALUE.contains(&flag) => {
                value(flag)?;
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                return Err(format!("--curl: curl option {flag} is not supported here"));
            }
            _ if copied.url.is_none() => copied.url = Some(word),
            _ => return Err(format!("--curl: a second URL {word:?}; copy one request")),
        }
    }
    if !data.is_empty() {
        copied.body = Some(data.join("&"));
    }
    if copied.url.is_none() {
        return Err("--curl: the command names no URL".to_owned());
    }
    Ok(copied)
}

/// Splits a command line as a POSIX shell would: '…', "…" with backslash escapes, $'…' with
/// C escapes, backslashes, and backslash-newline continuations.
fn words(command: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = command.chars().peekable();
    let unclosed = |quote: &str| format!("--curl: a {quote} quote is never closed");
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                // Windows' "Copy as cURL (cmd)" ends lines with `^`; bash's with `\`.
                Some('\r') if chars.peek() == Some(&'\n') => {
                    chars.next();
                }
                Some(escaped) => word.get_or_insert_default().push(escaped),
                None => {}
            },
            '\'' => {
                let current = word.get_or_insert_default();
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err(unclosed("single")),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_default();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => current.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                current.push('\\');
                                current.push(c);
                            }
                            None => return Err(unclosed("double")),
                        },
                        Some(c) => current.push(c),
                        None => return Err(unclosed("double")),
                    }
                }
            }
            '$' if chars.peek() == Some(&'\'') => {
                chars.next();
                let current = word.get_or_insert_default();
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => current.push('\n'),
                            Some('t') => current.push('\t'),
                            Some('r') => current.push('\r'),
                            Some('x') => {
                                let hex: String = (0..2)
                                    .filter_map(|_| chars.next_if(char::is_ascii_hexdigit))
                                    .collect();
                                current.push(char::from(
                                    u8::from_str_radix(&hex, 16)
                                        .map_err(|_| "--curl: bad \\x escape".to_owned())?,
                                ));
                            }
                            Some('u') => {
                                let hex: String = (0..4)
                                    .filter_map(|_| chars.next_if(char::is_ascii_hexdigit))
                                    .collect();
                                let code =
                                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                                current
                                    .push(code.ok_or_else(|| "--curl: bad \\u escape".to_owned())?);
                            }
                            Some(c) => current.push(c),
                            None => return Err(unclosed("$'")),
                        },
                        Some(c) => current.push(c),
                        None => return Err(unclosed("$'")),
                    }
                }
            }
            c => word.get_or_insert_default().push(c),
        }
    }
    if let Some(done) = word {
        words.push(done);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_copy_as_curl() {
        let copied = parse(
            "curl 'https://api.example/items' \\\n  -H 'accept: */*' \\\n  -H 'content-type: application/json' \\\n  -H 'origin: https://app.example' \\\n  -H 'sec-fetch-mode: cors' \\\n  -H 'user-agent: Mozilla/5.0' \\\n  -b 'session=1' \\\n  --data-raw $'{\"a\":\"it\\'s\"}'",
        )
        .unwrap();
        assert_eq!(copied.url.as_deref(), Some("https://api.example/items"));
        assert_eq!(copied.origin.as_deref(), Some("https://app.example"));
        assert_eq!(copied.body.as_deref(), Some("{\"a\":\"it's\"}"));
        assert_eq!(copied.mode, Some(Mode::Cors));
        assert!(copied.credentials);
        assert_eq!(
            copied.headers,
            [
                ("accept".to_owned(), "*/*".to_owned()),
                ("content-type".to_owned(), "application/json".to_owned())
            ]
        );
    }

    #[test]
    fn firefox_and_other_spellings() {
        let copied = parse(
            "curl \"https://api.example/x\" -X PUT --compressed -H \"Origin: https://app.example\" -H \"Cookie: a=b\" -H \"X-Token: \\\"q\\\"\" --insecure",
        )
        .unwrap();
        assert_eq!(copied.method.as_deref(), Some("PUT"));
        assert!(copied.credentials && copied.insecure);
        assert_eq!(copied.headers, [("X-Token".to_owned(), "\"q\"".to_owned())]);
    }

    #[test]
    fn what_is_refused() {
        for bad in [
            "wget https://a.example",
            "curl -H 'x: y'",
            "curl 'https://a.example",
            "curl https://a.example --frobnicate",
            "curl https://a.example -H",
            "curl https://a.example https://b.example",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
