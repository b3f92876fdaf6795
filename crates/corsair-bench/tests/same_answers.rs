//! The comparison is apples to apples: for every benchmarked request, every middleware grants
//! the same thing (or refuses), so the benchmarks time equal work. Runs in well under a second
//! (`cargo test -p corsair-bench`).
//!
//! Responses differ in ways the browser does not act on, so they are compared by the grant a
//! browser would read from them: the allowed origin (none means refused), credentials, whether
//! the requested method and headers are covered, the max-age, the exposed headers. corsair
//! echoes only the requested method, tower-http and actix-cors list every allowed one; peers
//! add `Access-Control-Allow-Credentials` and `-Expose-Headers` to refused and non-CORS
//! responses; refused preflights get 403 (corsair), 400 (actix-cors) or 200 (tower-http).

use std::collections::BTreeSet;

use corsair_bench::{Answer, Case, HEADERS, Origins, Spec, Subject, Template};

/// What a browser would take from an answer.
#[derive(Debug, PartialEq, Eq)]
enum Grant {
    /// No `Access-Control-Allow-Origin`: the browser blocks the response.
    Refused,
    /// The application answered a request without `Origin` (no CORS involved).
    NotCors { status: u16 },
    Allowed {
        origin: String,
        credentials: bool,
        /// Preflights: whether `PUT` and every requested header are covered, and the max-age.
        preflight: Option<(bool, bool, Option<String>)>,
        /// Actual responses: the exposed headers.
        expose: BTreeSet<String>,
    },
}

fn list(value: Option<String>) -> BTreeSet<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

fn grant(case: Case, answer: &Answer) -> Grant {
    if case == Case::NotCors {
        return Grant::NotCors {
            status: answer.status,
        };
    }
    let Some(origin) = answer.get("access-control-allow-origin") else {
        return Grant::Refused;
    };
    let preflight = case.is_preflight().then(|| {
        assert!((200..300).contains(&answer.status), "{answer:?}");
        let methods = list(answer.get("access-control-allow-methods"));
        let headers = list(answer.get("access-control-allow-headers"));
        let requested: BTreeSet<String> = if case == Case::AdversarialCommas {
            BTreeSet::new()
        } else {
            HEADERS.iter().map(|name| (*name).to_owned()).collect()
        };
        (
            methods.contains("put"),
            requested.is_subset(&headers),
            answer.get("access-control-max-age"),
        )
    });
    Grant::Allowed {
        origin,
        credentials: answer.get("access-control-allow-credentials").as_deref() == Some("true"),
        preflight,
        expose: if case.is_preflight() {
            BTreeSet::new()
        } else {
            list(answer.get("access-control-expose-headers"))
        },
    }
}

#[test]
fn every_middleware_grants_the_same() {
    for origins in [
        Origins::Exact(1),
        Origins::Exact(100),
        Origins::Subdomains(100),
    ] {
        let spec = Spec::new(origins);
        for (case, browser) in Case::ALL
            .into_iter()
            .flat_map(|case| [(case, false), (case, true)])
        {
            let template = Template::new(case, spec);
            let template = if browser {
                template.with_browser_headers()
            } else {
                template
            };
            let expected = grant(case, &Subject::CorsairTower.answer_to(spec, &template));
            for subject in Subject::ALL {
                if subject.is_baseline() {
                    continue;
                }
                let answer = subject.answer_to(spec, &template);
                let got = grant(case, &answer);
                if case == Case::AdversarialCommas && subject == Subject::TowerHttp {
                    // tower-http never reads Access-Control-Request-Headers: it grants its
                    // fixed list whatever was asked. corsair and actix-cors refuse the value.
                    assert!(matches!(got, Grant::Allowed { .. }), "{got:?}");
                    assert_eq!(expected, Grant::Refused);
                    continue;
                }
                assert_eq!(
                    got, expected,
                    "{origins:?} {case:?} (browser headers: {browser}) {subject}: {answer:?}"
                );
            }
        }
    }
}

#[test]
fn the_grants_are_the_intended_ones() {
    let spec = Spec::new(Origins::Exact(100));
    let allowed = |case| {
        matches!(
            grant(case, &Subject::CorsairTower.answer(spec, case)),
            Grant::Allowed { .. }
        )
    };
    assert!(allowed(Case::PreflightAllowed));
    assert!(allowed(Case::ActualAllowed));
    assert!(allowed(Case::AdversarialNames));
    assert!(!allowed(Case::PreflightRefused));
    assert!(!allowed(Case::ActualRefused));
    assert!(!allowed(Case::AdversarialCommas));
    let Grant::Allowed {
        credentials,
        preflight,
        ..
    } = grant(
        Case::PreflightAllowed,
        &Subject::TowerHttp.answer(spec, Case::PreflightAllowed),
    )
    else {
        panic!("tower-http refused the allowed preflight");
    };
    assert!(credentials);
    assert_eq!(preflight, Some((true, true, Some("600".to_owned()))));
}

#[test]
fn the_floor_is_corsairs_allowed_preflight_answer() {
    for origins in [Origins::Exact(1), Origins::Subdomains(100)] {
        let spec = Spec::new(origins);
        let corsair = Subject::CorsairTower.answer(spec, Case::PreflightAllowed);
        let floor = Subject::TowerFloor.answer(spec, Case::PreflightAllowed);
        assert_eq!(floor, corsair, "{origins:?}");
        assert_eq!(floor.status, 204);
        // Vary and the five grants: origin, credentials, method, headers, max-age.
        assert_eq!(floor.headers.len(), 6, "{floor:?}");
    }
}

#[test]
fn baselines_answer_with_the_application() {
    let spec = Spec::new(Origins::Exact(1));
    for subject in [
        Subject::TowerBaseline,
        Subject::ActixBaseline,
        Subject::ActixNoop,
    ] {
        for case in Case::ALL {
            let answer = subject.answer(spec, case);
            assert_eq!(answer.status, 200);
            assert_eq!(answer.get("access-control-allow-origin"), None);
        }
    }
}
