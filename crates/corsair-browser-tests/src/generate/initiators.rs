//! The initiators generator: one server answer through each initiator (`fetch()`,
//! `XMLHttpRequest`, a font, an image, a module script, a stylesheet, an `EventSource`), with a
//! body that initiator can use, so that only CORS decides whether it loads.

use corsair::browser::Initiator;

use super::{
    Context, Rng, allow_credentials, allow_headers, allow_methods, allow_origin, announced,
    body::body, cased, expose_headers, hop_allow_origin, max_age, other_headers, request, shuffle,
};
use crate::scenario::{Answer, FetchInit, Scenario, Start};

/// The initiators a page's script can drive and observe: all but a form, whose navigation
/// leaves nothing readable.
pub fn observable() -> impl Iterator<Item = Initiator> {
    Initiator::ALL
        .into_iter()
        .filter(|initiator| *initiator != Initiator::Form)
}

/// A random request made by `initiator`: for `fetch()` and `XMLHttpRequest` a generated
/// method and headers, for the others a GET; a mode and credentials mode the initiator can
/// have.
pub fn initiated(rng: &mut Rng, initiator: Initiator) -> FetchInit {
    let mut init = if initiator.can_preflight() {
        request(rng)
    } else {
        FetchInit::get()
    };
    init.initiator = initiator;
    if initiator != Initiator::Fetch {
        let modes = initiator.modes();
        init.mode = modes[rng.below(modes.len())];
        let credentials = initiator.credentials(init.mode);
        init.credentials = credentials[rng.below(credentials.len())];
    }
    init
}

/// A scenario with id `id`: one request by a random initiator, answered `200` (sometimes
/// after one redirect) with CORS headers that are right with probability 70% each, and the
/// initiator's body.
pub fn scenario(rng: &mut Rng, ctx: &Context, id: String) -> Scenario {
    let choices: Vec<Initiator> = observable().collect();
    let initiator = choices[rng.below(choices.len())];
    let init = initiated(rng, initiator);
    let start = if rng.chance(10) {
        Start::Page
    } else {
        Start::Server
    };
    let (method, names) = announced(&init);
    let good = |rng: &mut Rng| rng.chance(70);
    let g = [good(rng), good(rng), good(rng), good(rng)];
    let preflight_groups = vec![
        allow_origin(rng, ctx, g[0]),
        allow_credentials(rng, g[1]),
        allow_methods(rng, &method, g[2]),
        allow_headers(rng, &names, g[3]),
        max_age(rng),
    ];
    let preflight = Answer::new(204, shuffle(rng, preflight_groups), b"");
    let (g0, g1) = (good(rng), good(rng));
    // A fifth of the loads are redirected once (to the same origin, a third one or the
    // page's), the redirect carrying CORS headers of its own.
    let redirected = rng.chance(20);
    let allowed = if redirected {
        hop_allow_origin(rng, ctx, g0)
    } else {
        allow_origin(rng, ctx, g0)
    };
    let (content_type, content) = body(initiator);
    let others = other_headers(rng)
        .into_iter()
        .filter(|(name, _)| {
            !name.eq_ignore_ascii_case("content-type")
                && !name.eq_ignore_ascii_case("cache-control")
        })
        .collect();
    let groups = vec![
        allowed,
        allow_credentials(rng, g1),
        expose_headers(rng),
        others,
        vec![
            (cased(rng, "Content-Type"), content_type.as_bytes().to_vec()),
            // Every scenario has a URL of its own; nothing is to come from a cache.
            ("Cache-Control".to_owned(), b"no-store".to_vec()),
        ],
    ];
    let loaded = Answer::new(200, shuffle(rng, groups), &content);
    let (actual, redirects) = if redirected {
        let (g0, g1) = (good(rng), good(rng));
        let groups = vec![allow_origin(rng, ctx, g0), allow_credentials(rng, g1)];
        let status = *rng.weighted(&[(1, 302), (1, 307)]);
        let path = Scenario::hop_path(&id, 1);
        let location = match rng.below(3) {
            0 => path,
            1 => format!("http://127.0.0.1:{}{path}", ctx.server_port),
            _ => format!("{}{path}", ctx.page),
        };
        let mut lines = shuffle(rng, groups);
        lines.push(("Location".to_owned(), location.into_bytes()));
        (Answer::new(status, lines, b""), vec![loaded])
    } else {
        (loaded, Vec::new())
    };
    Scenario {
        id,
        start,
        fetches: vec![init],
        pause: std::time::Duration::ZERO,
        preflight,
        actual,
        redirects,
    }
}

#[cfg(test)]
mod tests {
    use corsair::{Origin, browser::Url};

    use super::*;

    #[test]
    fn every_initiator_is_drawn_and_asks_only_for_what_it_can() {
        let ctx = Context {
            page: "http://127.0.0.1:4000".into(),
            page_port: 4000,
            server_port: 5000,
        };
        let page = Origin::parse(&ctx.page).unwrap();
        let mut rng = Rng::new(5);
        let mut seen = Vec::new();
        for i in 0..300 {
            let s = scenario(&mut rng, &ctx, format!("i{i}"));
            let init = &s.fetches[0];
            let url = Url::parse(&s.url(&ctx)).unwrap();
            assert_eq!(init.page_request(&page, &url).validate(), Ok(()), "{init}");
            if !seen.contains(&init.initiator) {
                seen.push(init.initiator);
            }
        }
        assert_eq!(seen.len(), observable().count());
    }
}
