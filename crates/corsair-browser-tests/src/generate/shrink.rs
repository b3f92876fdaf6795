//! Shrinking a failing scenario: simpler variants, each under an id of its own.

use corsair::browser::Readable;

use crate::scenario::{Answer, Scenario, Start};

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
        // The plainest credentials the initiator can have: `omit` for fetch().
        let init = &scenario.fetches[f];
        let plain = init.initiator.credentials(init.mode)[0];
        if init.credentials != plain {
            let mut s = scenario.clone();
            s.fetches[f].credentials = plain;
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
    // What an element or an event stream loads must keep its type, and a redirect its
    // `Location`, or the load fails for another reason than CORS.
    let typed = scenario
        .fetches
        .iter()
        .any(|init| init.initiator.readable() == Readable::Nothing);
    for (which, answer) in answers.enumerate() {
        for i in 0..answer.headers.len() {
            let name = &answer.headers[i].0;
            if name.eq_ignore_ascii_case("content-length")
                || (typed
                    && (name.eq_ignore_ascii_case("content-type")
                        || name.eq_ignore_ascii_case("location")))
            {
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
