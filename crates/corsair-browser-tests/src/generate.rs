//! Seeded, reproducible scenario generation, and shrinking of a failing scenario.

use corsair::browser::{Credentials, Mode, unsafe_request_header_names};

use crate::scenario::{Answer, FetchInit, Scenario, Start};

/// SplitMix64: small, fast, and the same sequence on every platform for a seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next_u64() % n as u64).unwrap_or_default()
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// An item picked by weight (`items` is one of this module's non-empty tables).
    pub fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> &'a T {
        let total: u64 = items.iter().map(|(w, _)| u64::from(*w)).sum();
        let mut roll = self.next_u64() % total.max(1);
        for (weight, item) in items {
            if roll < u64::from(*weight) {
                return item;
            }
            roll -= u64::from(*weight);
        }
        &items[items.len() - 1].1
    }
}

/// The seed from `CORSAIR_BROWSER_SEED` (decimal or `0x` hex), else one from the clock.
pub fn seed_from_env() -> u64 {
    std::env::var("CORSAIR_BROWSER_SEED")
        .ok()
        .and_then(|text| {
            let text = text.trim();
            match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => text.parse().ok(),
            }
        })
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_nanos() & u128::from(u64::MAX)).unwrap_or(1))
                .unwrap_or(1)
        })
}

/// What the generated answers refer to.
#[derive(Clone, Debug)]
pub struct Context {
    /// The page's origin, e.g. `http://127.0.0.1:41234`.
    pub page: String,
    /// The page's port.
    pub page_port: u16,
    /// Origin B's port (`http://localhost:<port>`; `http://127.0.0.1:<port>` is a third
    /// origin served by the same server).
    pub server_port: u16,
}

fn bytes(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// A header name in one of the cases servers write.
fn cased(rng: &mut Rng, canonical: &str) -> String {
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
fn lines(rng: &mut Rng, name: &str, values: &[&str]) -> Vec<(String, Vec<u8>)> {
    values
        .iter()
        .map(|v| (cased(rng, name), bytes(v)))
        .collect()
}

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
        method,
        headers,
        mode: mode(rng),
        credentials: credentials(rng),
    }
}

fn allow_origin(rng: &mut Rng, ctx: &Context, good: bool) -> Vec<(String, Vec<u8>)> {
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

fn allow_credentials(rng: &mut Rng, good: bool) -> Vec<(String, Vec<u8>)> {
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

fn allow_methods(rng: &mut Rng, method: &str, good: bool) -> Vec<(String, Vec<u8>)> {
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

fn allow_headers(rng: &mut Rng, needed: &[String], good: bool) -> Vec<(String, Vec<u8>)> {
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

fn max_age(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
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

fn expose_headers(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
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
fn other_headers(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
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
fn shuffle(rng: &mut Rng, mut groups: Vec<Vec<(String, Vec<u8>)>>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    while !groups.is_empty() {
        let i = rng.below(groups.len());
        out.extend(groups.swap_remove(i));
    }
    out
}

/// The method and header names the page's request presumably announces (for answers that
/// echo them; what the engine really sends is what the suite checks).
fn announced(init: &FetchInit) -> (String, Vec<String>) {
    let method = corsair::browser::safelist::normalize_method(&init.method).to_owned();
    (method, unsafe_request_header_names(&init.headers))
}

/// A second request to the same URL that differs a little from the first, to probe what a
/// cached preflight answer covers: credentials, one more header, another method.
fn variant(rng: &mut Rng, init: &FetchInit) -> FetchInit {
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

/// Where hop `depth` of a redirect chain points: the same origin, a third origin, the
/// page's origin, a URL with credentials (so a later hop may drop them again), or a
/// `Location` that is broken or leaves HTTP.
fn redirect_location(rng: &mut Rng, ctx: &Context, id: &str, depth: usize) -> String {
    let path = Scenario::hop_path(id, depth);
    let (page, server) = (ctx.page_port, ctx.server_port);
    match *rng.weighted(&[
        (2, 0),
        (2, 1),
        (4, 2),
        (4, 3),
        (1, 4),
        (1, 5),
        (1, 6),
        (1, 7),
        (1, 8),
    ]) {
        0 => path,
        1 => format!("http://localhost:{server}{path}"),
        2 => format!("http://127.0.0.1:{server}{path}"),
        3 => format!("http://127.0.0.1:{page}{path}"),
        4 => format!("//localhost:{server}{path}"),
        5 => format!("http://user:pw@localhost:{server}{path}"),
        6 => format!("http://user:pw@127.0.0.1:{server}{path}"),
        7 => format!("http://user@127.0.0.1:{page}{path}"),
        _ => (*rng.weighted(&[
            (1, "http://[::1"),
            (1, "http://exa mple.test/"),
            (1, "http://localhost:99999/"),
            (1, ""),
            (1, "data:text/plain,hi"),
            (1, "ftp://localhost/x"),
        ]))
        .to_owned(),
    }
}

/// A redirect answer pointing at hop `depth`, with CORS headers as `groups` say (after a
/// cross-origin hop the origin is `null`, so `null` is among the answers that may be right).
fn redirect_answer(
    rng: &mut Rng,
    ctx: &Context,
    id: &str,
    depth: usize,
    mut groups: Vec<Vec<(String, Vec<u8>)>>,
) -> Answer {
    let status = *rng.weighted(&[(1, 301), (1, 302), (1, 303), (1, 307), (1, 308)]);
    if !rng.chance(4) {
        groups.push(vec![(
            cased(rng, "Location"),
            redirect_location(rng, ctx, id, depth).into_bytes(),
        )]);
    }
    Answer::new(status, shuffle(rng, groups), b"")
}

/// `Access-Control-Allow-Origin` for a hop that may follow a cross-origin redirect: `null`
/// sometimes, else right with probability as `good` says.
fn hop_allow_origin(rng: &mut Rng, ctx: &Context, good: bool) -> Vec<(String, Vec<u8>)> {
    if rng.chance(30) {
        lines(rng, "Access-Control-Allow-Origin", &["null"])
    } else {
        allow_origin(rng, ctx, good)
    }
}

/// A random scenario with id `id`. Half the scenarios are near-valid (each CORS header is
/// right with probability 85%), so that single defects are common; the rest are random.
pub fn scenario(rng: &mut Rng, ctx: &Context, id: String) -> Scenario {
    let start = if rng.chance(15) {
        Start::Page
    } else {
        Start::Server
    };
    let init = request(rng);
    let (method, names) = announced(&init);
    let near_valid = rng.chance(50);
    let good = |rng: &mut Rng| near_valid && rng.chance(85);
    let preflight_status = if good(rng) {
        *rng.weighted(&[(1, 204), (1, 200)])
    } else {
        *rng.weighted(&[
            (45, 204),
            (35, 200),
            (2, 201),
            (2, 206),
            (2, 299),
            (2, 301),
            (2, 302),
            (1, 303),
            (1, 307),
            (1, 308),
            (2, 400),
            (3, 403),
            (2, 404),
            (3, 500),
        ])
    };
    let g = [good(rng), good(rng), good(rng), good(rng)];
    let mut preflight_groups = vec![
        allow_origin(rng, ctx, g[0]),
        allow_credentials(rng, g[1]),
        allow_methods(rng, &method, g[2]),
        allow_headers(rng, &names, g[3]),
        max_age(rng),
    ];
    if (300..400).contains(&preflight_status) && rng.chance(50) {
        preflight_groups.push(vec![("Location".into(), bytes("/elsewhere"))]);
    }
    let preflight = Answer::new(preflight_status, shuffle(rng, preflight_groups), b"");
    let actual_status = *rng.weighted(&[
        (55, 200),
        (3, 201),
        (2, 202),
        (2, 203),
        (3, 204),
        (2, 206),
        (2, 299),
        (3, 400),
        (3, 401),
        (3, 403),
        (4, 404),
        (2, 418),
        (5, 500),
        (2, 503),
    ]);
    let (g0, g1) = (good(rng), good(rng));
    let mut actual_groups = vec![
        allow_origin(rng, ctx, g0),
        allow_credentials(rng, g1),
        expose_headers(rng),
        other_headers(rng),
    ];
    let mut redirects = Vec::new();
    let actual = if rng.chance(22) {
        let hops = *rng.weighted(&[(6, 1), (3, 2), (2, 3)]);
        actual_groups.truncate(2);
        let first = redirect_answer(rng, ctx, &id, 1, actual_groups);
        for depth in 2..=hops {
            let (g0, g1) = (good(rng), good(rng));
            let groups = vec![hop_allow_origin(rng, ctx, g0), allow_credentials(rng, g1)];
            redirects.push(redirect_answer(rng, ctx, &id, depth, groups));
        }
        let (g0, g1) = (good(rng), good(rng));
        let groups = vec![
            hop_allow_origin(rng, ctx, g0),
            allow_credentials(rng, g1),
            expose_headers(rng),
            other_headers(rng),
        ];
        redirects.push(Answer::new(200, shuffle(rng, groups), b"redirected"));
        first
    } else {
        Answer::new(actual_status, shuffle(rng, actual_groups), b"hello")
    };
    let fetches = if rng.chance(25) {
        let second = if rng.chance(40) {
            variant(rng, &init)
        } else {
            init.clone()
        };
        vec![init, second]
    } else {
        vec![init]
    };
    Scenario {
        id,
        start,
        fetches,
        pause: std::time::Duration::ZERO,
        preflight,
        actual,
        redirects,
    }
}

/// Simpler variants of `scenario` (one thing removed or made plain), for shrinking a
/// disagreement to a minimal reproducer. Ids get the suffix `-<n>`.
pub fn simplifications(scenario: &Scenario) -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::new();
    let mut push = |s: Scenario| {
        let id = format!("{}-{}", scenario.id, out.len());
        out.push(renamed(s, &id));
    };
    if scenario.fetches.len() > 1 {
        let mut s = scenario.clone();
        s.fetches.truncate(1);
        push(s);
    }
    for f in 0..scenario.fetches.len() {
        for i in 0..scenario.fetches[f].headers.len() {
            let mut s = scenario.clone();
            s.fetches[f].headers.remove(i);
            push(s);
        }
        if scenario.fetches[f].credentials != Credentials::Omit {
            let mut s = scenario.clone();
            s.fetches[f].credentials = Credentials::Omit;
            push(s);
        }
    }
    if scenario.start == Start::Page {
        let mut s = scenario.clone();
        s.start = Start::Server;
        push(s);
    }
    let answers = [&scenario.preflight, &scenario.actual]
        .into_iter()
        .chain(&scenario.redirects);
    for (which, answer) in answers.enumerate() {
        for i in 0..answer.headers.len() {
            if answer.headers[i].0.eq_ignore_ascii_case("content-length") {
                continue;
            }
            let mut headers = answer.headers.clone();
            headers.remove(i);
            let headers = headers
                .into_iter()
                .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
                .collect();
            let simpler = Answer::new(answer.status, headers, &answer.body);
            if simpler.headers.len() >= answer.headers.len() {
                continue; // a line `Answer::new` puts back (`Cache-Control` on a 301)
            }
            let mut s = scenario.clone();
            match which {
                0 => s.preflight = simpler,
                1 => s.actual = simpler,
                hop => s.redirects[hop - 2] = simpler,
            }
            push(s);
        }
    }
    out
}

/// `scenario` under a new id, its redirects pointing at the new id's paths.
pub fn renamed(mut scenario: Scenario, id: &str) -> Scenario {
    let old = Scenario::hop_path(&scenario.id, 1);
    let new = Scenario::hop_path(id, 1);
    let answers = [&mut scenario.preflight, &mut scenario.actual]
        .into_iter()
        .chain(&mut scenario.redirects);
    for (name, value) in answers.flat_map(|answer| &mut answer.headers) {
        if name.eq_ignore_ascii_case("location") {
            let text = String::from_utf8_lossy(value).replace(&old, &new);
            *value = text.into_bytes();
        }
    }
    scenario.id = id.to_owned();
    scenario
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Context {
        Context {
            page: "http://127.0.0.1:4000".into(),
            page_port: 4000,
            server_port: 5000,
        }
    }

    #[test]
    fn a_seed_gives_the_same_scenarios() {
        let generate = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|i| scenario(&mut rng, &context(), format!("s{i}")))
                .collect::<Vec<_>>()
        };
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7), generate(8));
    }

    #[test]
    fn renaming_moves_redirects_along() {
        let mut rng = Rng::new(1);
        let found = (0..500)
            .map(|i| scenario(&mut rng, &context(), format!("s{i}")))
            .find(|s| s.redirects.len() > 1);
        let Some(original) = found else {
            panic!("no redirecting scenario in 500");
        };
        let old = format!("/s/{}/r", original.id);
        let renamed = renamed(original.clone(), "other");
        let locations = |s: &Scenario| -> Vec<String> {
            [&s.actual]
                .into_iter()
                .chain(&s.redirects)
                .flat_map(|a| &a.headers)
                .filter(|(n, _)| n.eq_ignore_ascii_case("location"))
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .collect()
        };
        let moved =
            |s: &Scenario, prefix: &str| locations(s).iter().filter(|l| l.contains(prefix)).count();
        assert!(moved(&original, &old) > 0, "{:?}", locations(&original));
        assert_eq!(moved(&renamed, &old), 0);
        assert_eq!(moved(&renamed, "/s/other/r"), moved(&original, &old));
    }

    #[test]
    fn simplifications_shrink_one_thing_at_a_time() {
        let mut rng = Rng::new(3);
        for i in 0..300 {
            let s = scenario(&mut rng, &context(), format!("x{i}"));
            for simpler in simplifications(&s) {
                let size = |s: &Scenario| {
                    s.fetches.iter().map(|f| f.headers.len()).sum::<usize>()
                        + s.fetches.len()
                        + s.preflight.headers.len()
                        + s.actual.headers.len()
                        + s.redirects.iter().map(|a| a.headers.len()).sum::<usize>()
                        + usize::from(s.start == Start::Page)
                        + s.fetches
                            .iter()
                            .filter(|f| f.credentials != Credentials::Omit)
                            .count()
                };
                assert!(size(&simpler) < size(&s), "{simpler:?}");
            }
        }
    }
}
