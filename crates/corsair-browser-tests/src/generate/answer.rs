//! Origin B's CORS header lines, right or subtly wrong: names in any case, values repeated,
//! padded, listed or malformed.

use super::{Context, Rng};

pub(super) fn bytes(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// A header name in one of the cases servers write.
pub(super) fn cased(rng: &mut Rng, canonical: &str) -> String {
    match rng.weighted(&[(6, 0), (2, 1), (1, 2), (1, 3)]) {
        0 => canonical.to_owned(),
        1 => canonical.to_ascii_lowercase(),
        2 => canonical.to_ascii_uppercase(),
        _ => canonical
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect(),
    }
}

/// Lines of one header: `values` each on its own line.
pub(super) fn lines(rng: &mut Rng, name: &str, values: &[&str]) -> Vec<(String, Vec<u8>)> {
    values
        .iter()
        .map(|v| (cased(rng, name), bytes(v)))
        .collect()
}

pub(super) fn allow_origin(rng: &mut Rng, ctx: &Context, good: bool) -> Vec<(String, Vec<u8>)> {
    let page = ctx.page.as_str();
    let name = "Access-Control-Allow-Origin";
    if good {
        return lines(rng, name, &[page]);
    }
    let upper_scheme = format!("HTTP://127.0.0.1:{}", ctx.page_port);
    let wrong_host = format!("http://localhost:{}", ctx.page_port);
    match rng.below(20) {
        0..=6 => lines(rng, name, &[page]),
        7 | 8 => lines(rng, name, &["*"]),
        9 => Vec::new(),
        10 => lines(rng, name, &[page, page]),
        11 => lines(rng, name, &[page, "*"]),
        12 => lines(rng, name, &[&format!("{page}, {page}")]),
        13 => lines(rng, name, &[&format!("  {page}  ")]),
        14 => lines(rng, name, &[&upper_scheme]),
        15 => lines(rng, name, &[&format!("{page}/")]),
        16 => lines(rng, name, &["null"]),
        17 => lines(rng, name, &[&wrong_host]),
        18 => {
            let value = *rng.weighted(&[(1, ""), (1, "%%"), (1, " * ")]);
            lines(rng, name, &[value])
        }
        _ => lines(rng, name, &["*", "*"]),
    }
}

pub(super) fn allow_credentials(rng: &mut Rng, good: bool) -> Vec<(String, Vec<u8>)> {
    let name = "Access-Control-Allow-Credentials";
    if good {
        return lines(rng, name, &["true"]);
    }
    match rng.below(12) {
        0..=3 => Vec::new(),
        4..=7 => lines(rng, name, &["true"]),
        8 => {
            let value = *rng.weighted(&[(1, "True"), (1, "TRUE")]);
            lines(rng, name, &[value])
        }
        9 => lines(rng, name, &[" true "]),
        10 => lines(rng, name, &["true", "true"]),
        _ => {
            let value = *rng.weighted(&[(1, "false"), (1, "1"), (1, "")]);
            lines(rng, name, &[value])
        }
    }
}

pub(super) fn allow_methods(rng: &mut Rng, method: &str, good: bool) -> Vec<(String, Vec<u8>)> {
    let name = "Access-Control-Allow-Methods";
    if good {
        return lines(rng, name, &[method]);
    }
    let upper = method.to_ascii_uppercase();
    let lower = method.to_ascii_lowercase();
    match rng.below(16) {
        0 | 1 => Vec::new(),
        2..=5 => lines(rng, name, &[method]),
        6 => lines(rng, name, &[&upper]),
        7 => lines(rng, name, &[&lower]),
        8 | 9 => lines(rng, name, &["*"]),
        10 => lines(rng, name, &["GET, POST, HEAD"]),
        11 => lines(rng, name, &[&format!("{method}, PUT, DELETE, PATCH")]),
        12 => lines(rng, name, &[&format!("{method};")]),
        13 => lines(rng, name, &["GET", method]),
        14 => lines(rng, name, &[&format!(" , {method} ,, ")]),
        _ => lines(rng, name, &[&format!("*, {method}")]),
    }
}

pub(super) fn allow_headers(
    rng: &mut Rng,
    needed: &[String],
    good: bool,
) -> Vec<(String, Vec<u8>)> {
    let name = "Access-Control-Allow-Headers";
    let joined = needed.join(",");
    if good {
        return if needed.is_empty() {
            Vec::new()
        } else {
            lines(rng, name, &[&joined])
        };
    }
    match rng.below(16) {
        0 | 1 => Vec::new(),
        2..=5 => lines(rng, name, &[&joined]),
        6 => lines(rng, name, &[&joined.to_ascii_uppercase()]),
        7 | 8 => lines(rng, name, &["*"]),
        9 => lines(
            rng,
            name,
            &[&needed
                .iter()
                .skip(1)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")],
        ),
        10 => lines(rng, name, &[&format!("{joined}, x-extra")]),
        11 => lines(rng, name, &["authorization"]),
        12 => lines(rng, name, &[&format!("x a, {joined}")]),
        13 => {
            let (first, rest) = needed.split_at(needed.len().min(1));
            lines(rng, name, &[&first.join(","), &rest.join(",")])
        }
        14 => lines(rng, name, &["*, authorization"]),
        _ => lines(rng, name, &[&needed.join(" , ")]),
    }
}

pub(super) fn max_age(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let name = "Access-Control-Max-Age";
    let value = *rng.weighted(&[
        (12, None),
        (2, Some("0")),
        (2, Some("600")),
        (1, Some("-1")),
        (1, Some("abc")),
        (1, Some("5.5")),
        (1, Some("")),
        (1, Some("86400")),
        (1, Some(" 60 ")),
        (1, Some("+30")),
    ]);
    value.map(|v| lines(rng, name, &[v])).unwrap_or_default()
}

pub(super) fn expose_headers(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let name = "Access-Control-Expose-Headers";
    match rng.below(14) {
        0..=3 => Vec::new(),
        4 => lines(rng, name, &["X-Request-Id"]),
        5 => lines(rng, name, &["x-request-id, x-secret"]),
        6 | 7 => lines(rng, name, &["*"]),
        8 => lines(rng, name, &["*, x-secret"]),
        9 => lines(rng, name, &["X-SECRET"]),
        10 => lines(rng, name, &["x a, x-request-id"]),
        11 => lines(rng, name, &["set-cookie, x-secret, x-dup"]),
        12 => lines(rng, name, &["x-request-id", "x-secret"]),
        _ => lines(rng, name, &[" , x-secret ,, date"]),
    }
}

/// Response headers that are not about CORS.
pub(super) fn other_headers(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let pool: &[(&str, &str)] = &[
        ("Content-Type", "text/plain"),
        ("X-Request-Id", "7"),
        ("X-Secret", "s3cr3t"),
        ("Set-Cookie", "corsair=1; Path=/"),
        ("Cache-Control", "no-store"),
        ("Content-Language", "en"),
        ("Expires", "0"),
        ("Pragma", "no-cache"),
        ("X-Dup", "1"),
        ("X-Dup", "2"),
        ("Vary", "Origin"),
        ("X-Empty", ""),
        ("Date", "Tue, 01 Jan 2030 00:00:00 GMT"),
    ];
    let mut out = Vec::new();
    for (name, value) in pool {
        if rng.chance(35) {
            out.push((cased(rng, name), bytes(value)));
        }
    }
    out
}

/// Interleaves header groups in a random order.
pub(super) fn shuffle(
    rng: &mut Rng,
    mut groups: Vec<Vec<(String, Vec<u8>)>>,
) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    while !groups.is_empty() {
        let i = rng.below(groups.len());
        out.extend(groups.swap_remove(i));
    }
    out
}
