//! Seeded, reproducible scenario generation, and shrinking of a failing scenario.
//!
//! A scenario is drawn from one [`Rng`] in parts: the page's [`request`]s, origin B's CORS
//! header lines (module `answer`), and here the redirect chains and how the parts fit
//! together; [`simplifications`] shrink one that exposed a disagreement.

mod answer;
pub mod body;
pub mod initiators;
mod request;
mod rng;
mod shrink;

use corsair::browser::unsafe_request_header_names;

pub use request::request;
pub use rng::{Rng, seed_from_env};
pub use shrink::{renamed, simplifications};

use crate::scenario::{Answer, FetchInit, Scenario, Start};
use answer::{
    allow_credentials, allow_headers, allow_methods, allow_origin, bytes, cased, expose_headers,
    lines, max_age, other_headers, shuffle,
};
use request::variant;

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

/// The method and header names the page's request presumably announces (for answers that
/// echo them; what the engine really sends is what the suite checks).
fn announced(init: &FetchInit) -> (String, Vec<String>) {
    let method = corsair::browser::safelist::normalize_method(&init.method).to_owned();
    (method, unsafe_request_header_names(&init.headers))
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

#[cfg(test)]
mod tests {
    use corsair::browser::Credentials;

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
