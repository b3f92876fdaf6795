//! What the page asks for: random methods, headers, modes and credentials, and a second
//! request that differs a little from the first.

use corsair::browser::{Credentials, Mode};

use super::Rng;
use crate::scenario::FetchInit;

const METHODS: &[(u32, &str)] = &[
    (6, "GET"),
    (2, "get"),
    (1, "Get"),
    (2, "HEAD"),
    (1, "head"),
    (6, "POST"),
    (2, "post"),
    (6, "PUT"),
    (2, "put"),
    (4, "DELETE"),
    (2, "delete"),
    (4, "PATCH"),
    (4, "patch"),
    (1, "Patch"),
    (2, "OPTIONS"),
    (1, "options"),
    (2, "PROPFIND"),
    (2, "propfind"),
    (1, "X-CUSTOM-VERB"),
    (1, "M!#$%&'*+.^_`|~1"),
    (1, "TRACE"),
    (1, "connect"),
    (1, "GE T"),
];

/// One request header the page may set: safelisted or not, long, odd bytes, forbidden.
fn request_header(rng: &mut Rng) -> (String, String) {
    let latin = "\u{e9}".repeat(100); // 100 bytes once fetch() encodes it, 200 in UTF-8
    let pick = rng.below(46);
    let (name, value): (&str, String) = match pick {
        0 => ("Accept", "*/*".into()),
        1 => ("Accept", "application/json".into()),
        2 => ("accept", "text/{json}".into()),
        3 => ("Accept", "a".repeat(128)),
        4 => ("Accept", "a".repeat(129)),
        5 => ("Accept", latin),
        6 => ("Accept", format!("{}  ", "a".repeat(128))),
        7 => ("Accept-Language", "en-US,en;q=0.9".into()),
        8 => ("Accept-Language", "en_US".into()),
        9 => ("Content-Language", "de-DE".into()),
        10 => ("content-language", "de/DE".into()),
        11 => ("Content-Type", "text/plain".into()),
        12 => ("Content-Type", "text/plain;charset=UTF-8".into()),
        13 => ("Content-Type", "application/x-www-form-urlencoded".into()),
        14 => ("Content-Type", "multipart/form-data; boundary=x".into()),
        15 => ("Content-Type", "application/json".into()),
        16 => ("content-type", "text/plain; charset=\"utf-8\"".into()),
        17 => ("Content-Type", " text/plain ".into()),
        18 => ("Content-Type", "TEXT/PLAIN".into()),
        19 => ("Content-Type", "text/plain\u{1}".into()),
        20 => ("Range", "bytes=0-".into()),
        21 => ("Range", "bytes=0-499".into()),
        22 => ("Range", "bytes=-500".into()),
        23 => ("Range", "bytes=5-1".into()),
        24 => ("Range", " bytes=0-1".into()),
        25 => ("X-Token", "abc".into()),
        26 => ("X-Custom", "1".into()),
        27 => ("x-custom", "2".into()),
        28 => ("X-Requested-With", "XMLHttpRequest".into()),
        29 => ("Authorization", "Bearer t0k3n".into()),
        30 => ("authorization", "Basic YTpi".into()),
        31 => ("X-Long", "v".repeat(3000)),
        32 => ("X-Odd", "a\tb".into()),
        33 => ("X-Latin", "caf\u{e9} \u{ff}".into()),
        34 => ("X-Del", "a\u{7f}b\u{1}".into()),
        35 => ("X-Quote", "\"q\" (c) <a> [b] {c}".into()),
        36 => ("X-Tok!#$%&'*+.^_`|~", "1".into()),
        37 => ("Cookie", "a=b".into()),
        38 => ("Host", "evil.example".into()),
        39 => ("Sec-Custom", "1".into()),
        40 => ("Proxy-Custom", "1".into()),
        41 => ("Accept-Charset", "utf-8".into()),
        42 => ("X-HTTP-Method-Override", "PUT".into()),
        43 => ("X-HTTP-Method-Override", "TRACE".into()),
        44 => ("X-Empty", String::new()),
        _ => ("Accept-Language", "*".into()),
    };
    (name.to_owned(), value)
}

fn mode(rng: &mut Rng) -> Mode {
    *rng.weighted(&[(86, Mode::Cors), (9, Mode::NoCors), (5, Mode::SameOrigin)])
}

fn credentials(rng: &mut Rng) -> Credentials {
    *rng.weighted(&[
        (1, Credentials::Omit),
        (1, Credentials::SameOrigin),
        (1, Credentials::Include),
    ])
}

/// A random request.
pub fn request(rng: &mut Rng) -> FetchInit {
    let method = (*rng.weighted(METHODS)).to_owned();
    let count = *rng.weighted(&[(30, 0), (30, 1), (20, 2), (12, 3), (8, 4)]);
    let headers = (0..count).map(|_| request_header(rng)).collect();
    FetchInit {
        initiator: corsair::browser::Initiator::Fetch,
        method,
        headers,
        mode: mode(rng),
        credentials: credentials(rng),
    }
}

/// A second request to the same URL that differs a little from the first, to probe what a
/// cached preflight answer covers: credentials, one more header, another method.
pub(super) fn variant(rng: &mut Rng, init: &FetchInit) -> FetchInit {
    let mut second = init.clone();
    match rng.below(4) {
        0 => {
            second.credentials = match init.credentials {
                Credentials::Include => Credentials::Omit,
                _ => Credentials::Include,
            };
        }
        1 => second.headers.push(request_header(rng)),
        2 => {
            let (name, value) = *rng.weighted(&[
                (1, ("Authorization", "Bearer other")),
                (1, ("X-Token", "def")),
                (1, ("X-Other", "1")),
            ]);
            second.headers.push((name.to_owned(), value.to_owned()));
        }
        _ => second.method = (*rng.weighted(METHODS)).to_owned(),
    }
    second
}
