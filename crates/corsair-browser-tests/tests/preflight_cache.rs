//! The preflight cache in each engine (Chromium, Firefox, WebKit) and in the model: two
//! fetches of one URL, one after the other, some a few seconds apart. Each case states how
//! many preflights the engine sends, and the model, keeping one `PreflightCache` across both
//! fetches (aged by the same pause), must agree on everything (see `browser_model.rs`).
//!
//! Covered: the 5 s default (an immediate repeat is cached, one 6 s later is not), max-age 0,
//! negative, unparsable (Firefox caches nothing, the others use the default), short and long
//! lifetimes, and what a cached answer covers. Not covered: the caps (Chromium 2 h, Firefox
//! 24 h, WebKit 600 s, from their sources and pinned in the model's unit tests), which no
//! test can wait for.

use std::time::Duration;

use corsair::browser::{Credentials, Mode};
use corsair_browser_tests::{
    engine::{Engine, judged},
    engine_tests,
    generate::Context,
    model_half::ModelHalf,
    record::Kind,
    scenario::{Answer, FetchInit, Scenario, Start, header_lines as lines},
};

fn put(headers: &[(&str, &str)], credentials: Credentials) -> FetchInit {
    FetchInit::new("PUT", headers, Mode::Cors, credentials)
}

struct Case {
    name: &'static str,
    first: FetchInit,
    second: FetchInit,
    /// The preflight answer besides `Access-Control-Allow-Origin` and `-Credentials`.
    preflight: &'static [(&'static str, &'static str)],
    /// Preflights Chromium sends for the two fetches together.
    preflights: usize,
    /// How long the page waits between the two fetches.
    pause: Duration,
}

impl Case {
    /// Preflights `browser` sends for the two fetches together, where it differs from
    /// Chromium.
    fn expected(&self, browser: corsair::browser::Browser) -> usize {
        match (browser, self.name) {
            // Firefox 153 caches nothing for a max-age that is not all digits, keys its cache
            // on credentials too, and does not let a cached `*` cover another method.
            (corsair::browser::Browser::Firefox, name)
                if name.starts_with("unparsable max-age")
                    || name.starts_with("no credentials after an answer obtained with them")
                    || name.starts_with("a cached `*` covers another method") =>
            {
                2
            }
            // WebKit 2.50 lets a cached `*` cover `Authorization` (the spec and Chromium do not).
            (corsair::browser::Browser::WebKit, name)
                if name.starts_with("a cached `*` never covers Authorization") =>
            {
                1
            }
            _ => self.preflights,
        }
    }
}

fn cases() -> Vec<Case> {
    use Credentials::{Include, Omit};
    let token = put(&[("X-Token", "1")], Omit);
    let grant = &[
        ("Access-Control-Allow-Methods", "PUT"),
        ("Access-Control-Allow-Headers", "x-token"),
    ];
    let unparsable = &[
        ("Access-Control-Allow-Methods", "PUT"),
        ("Access-Control-Allow-Headers", "x-token"),
        ("Access-Control-Max-Age", "ten"),
    ];
    vec![
        Case {
            name: "max-age 600: a repeated request within max-age sends no second preflight",
            first: token.clone(),
            second: token.clone(),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 1,
            pause: Duration::ZERO,
        },
        Case {
            name: "no max-age: Chromium's 5 s default covers an immediate repeat",
            first: token.clone(),
            second: token.clone(),
            preflight: grant,
            preflights: 1,
            pause: Duration::ZERO,
        },
        Case {
            name: "max-age 0: every request is preflighted",
            first: token.clone(),
            second: token.clone(),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "0"),
            ],
            preflights: 2,
            pause: Duration::ZERO,
        },
        Case {
            name: "max-age -1: nothing cached",
            first: token.clone(),
            second: token.clone(),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "-1"),
            ],
            preflights: 2,
            pause: Duration::ZERO,
        },
        Case {
            name: "unparsable max-age: the 5 s default",
            first: token.clone(),
            second: token.clone(),
            preflight: unparsable,
            preflights: 1,
            pause: Duration::ZERO,
        },
        Case {
            name: "a header the cached answer listed, unused by the first request: cached",
            first: token.clone(),
            second: put(&[("X-Token", "1"), ("X-Other", "1")], Omit),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token, x-other"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 1,
            pause: Duration::ZERO,
        },
        Case {
            name: "a header the cached answer does not list: preflight again",
            first: token.clone(),
            second: put(&[("X-Token", "1"), ("X-Other", "1")], Omit),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 2,
            pause: Duration::ZERO,
        },
        Case {
            name: "a method the cached answer does not list: preflight again",
            first: token.clone(),
            second: FetchInit {
                method: "DELETE".into(),
                ..token.clone()
            },
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 2,
            pause: Duration::ZERO,
        },
        Case {
            name: "credentials after an answer obtained without: preflight again",
            first: token.clone(),
            second: put(&[("X-Token", "1")], Include),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 2,
            pause: Duration::ZERO,
        },
        Case {
            name: "no credentials after an answer obtained with them: cached",
            first: put(&[("X-Token", "1")], Include),
            second: token.clone(),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 1,
            pause: Duration::ZERO,
        },
        Case {
            name: "a cached `*` covers another method",
            first: token.clone(),
            second: FetchInit {
                method: "DELETE".into(),
                ..token.clone()
            },
            preflight: &[
                ("Access-Control-Allow-Methods", "*"),
                ("Access-Control-Allow-Headers", "*"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 1,
            pause: Duration::ZERO,
        },
        Case {
            name: "a cached `*` never covers Authorization: preflight again (which then passes)",
            first: token.clone(),
            second: put(&[("X-Token", "1"), ("Authorization", "Bearer t")], Omit),
            preflight: &[
                ("Access-Control-Allow-Methods", "*"),
                ("Access-Control-Allow-Headers", "*"),
                ("Access-Control-Max-Age", "600"),
            ],
            preflights: 2,
            pause: Duration::ZERO,
        },
        Case {
            name: "no max-age, 6 s later: the 5 s default has expired",
            first: token.clone(),
            second: token.clone(),
            preflight: grant,
            preflights: 2,
            pause: Duration::from_secs(6),
        },
        Case {
            name: "unparsable max-age, 6 s later: the default has expired too",
            first: token.clone(),
            second: token.clone(),
            preflight: unparsable,
            preflights: 2,
            pause: Duration::from_secs(6),
        },
        Case {
            name: "max-age 2, 3 s later: expired",
            first: token.clone(),
            second: token.clone(),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "2"),
            ],
            preflights: 2,
            pause: Duration::from_secs(3),
        },
        Case {
            name: "max-age 30, 6 s later: still cached, past the default",
            first: token.clone(),
            second: token.clone(),
            preflight: &[
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-token"),
                ("Access-Control-Max-Age", "30"),
            ],
            preflights: 1,
            pause: Duration::from_secs(6),
        },
    ]
}

fn scenario(case: &Case, index: usize, ctx: &Context) -> Scenario {
    let mut preflight = lines(&[
        ("Access-Control-Allow-Origin", &ctx.page),
        ("Access-Control-Allow-Credentials", "true"),
    ]);
    preflight.extend(lines(case.preflight));
    Scenario {
        id: format!("cache-{index}"),
        start: Start::Server,
        fetches: vec![case.first.clone(), case.second.clone()],
        pause: case.pause,
        preflight: Answer::new(204, preflight, b""),
        actual: Answer::new(
            200,
            lines(&[
                ("Access-Control-Allow-Origin", &ctx.page),
                ("Access-Control-Allow-Credentials", "true"),
            ]),
            b"ok",
        ),
        redirects: Vec::new(),
    }
}

engine_tests!(reuse_preflight_answers_like_the_model => judge);

async fn judge<E: Engine>() {
    judged::<E>(Duration::from_secs(120), "", async |engine| {
        check(engine).await
    })
    .await;
}

async fn check(engine: &impl Engine) -> Result<String, String> {
    let profile = engine.profile();
    let half = ModelHalf::start().await.map_err(|e| e.to_string())?;
    let ctx = half.context();
    let cases = cases();
    let scenarios: Vec<Scenario> = cases
        .iter()
        .enumerate()
        .map(|(i, case)| scenario(case, i, &ctx))
        .collect();
    let runs = half
        .run(engine, &scenarios)
        .await
        .map_err(|e| e.to_string())?;
    let mut failures = Vec::new();
    for (case, run) in cases.iter().zip(&runs) {
        let preflights = run
            .engine
            .arrivals
            .iter()
            .filter(|a| a.kind == Kind::Preflight)
            .count();
        if preflights != case.expected(profile) {
            failures.push(format!(
                "{}: expected {} preflight(s) from {profile}, saw {preflights}\n{}",
                case.name,
                case.expected(profile),
                half.reproducer(run)
            ));
        } else if !run.agrees() {
            failures.push(format!(
                "{}: the model disagrees with {profile}\n{}",
                case.name,
                half.reproducer(run)
            ));
        }
    }
    if failures.is_empty() {
        Ok(format!(
            "all {} preflight-cache cases agree with the model",
            cases.len()
        ))
    } else {
        Err(failures.join("\n"))
    }
}
