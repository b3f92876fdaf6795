//! Swapping the policy under concurrent requests: every response is consistent with exactly
//! one of the two policies, never a mix.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Body};
use corsair::{Config, MaxAge, PolicyHandle};
use corsair_tower::CorsLayer;
use http::{HeaderMap, Request};
use tower::ServiceExt;

const ORIGIN: &str = "https://app.example.com";

fn policy_a() -> corsair::Policy {
    Config::new()
        .allow_origins([ORIGIN])
        .allow_methods(["PUT"])
        .expose_headers(["x-from-a"])
        .max_age(MaxAge::Seconds(100))
        .build()
        .unwrap()
}

fn policy_b() -> corsair::Policy {
    Config::new()
        .allow_origins([ORIGIN])
        .allow_methods(["DELETE"])
        .expose_headers(["x-from-b"])
        .allow_credentials(true)
        .max_age(MaxAge::Seconds(200))
        .build()
        .unwrap()
}

/// Which policy produced these headers: `Some('a')`, `Some('b')`, or `None` for a mix.
fn produced_by(headers: &HeaderMap, preflight: bool) -> Option<char> {
    let get = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    let credentials = get("access-control-allow-credentials");
    if preflight {
        match (
            get("access-control-max-age").as_deref(),
            credentials.as_deref(),
        ) {
            (Some("100"), None) => Some('a'),
            (Some("200"), Some("true")) => Some('b'),
            // A refused preflight carries no grant: the method decides which policy refused.
            (None, None) if get("access-control-allow-origin").is_none() => Some('?'),
            _ => None,
        }
    } else {
        match (
            get("access-control-expose-headers").as_deref(),
            credentials.as_deref(),
        ) {
            (Some("x-from-a"), None) => Some('a'),
            (Some("x-from-b"), Some("true")) => Some('b'),
            _ => None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_comes_from_one_policy() {
    let handle = PolicyHandle::new(policy_a());
    let app = Router::new()
        .fallback(|| async { "ok" })
        .layer(CorsLayer::reloadable(handle.clone()));

    let stop = Arc::new(AtomicBool::new(false));
    // The swapper runs on its own thread, truly concurrently with the requests.
    let (a, b) = (policy_a(), policy_b());
    let swapper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(Ordering::Relaxed) {
                handle.store(if swaps.is_multiple_of(2) {
                    b.clone()
                } else {
                    a.clone()
                });
                swaps += 1;
                std::thread::sleep(Duration::from_micros(50));
            }
            swaps
        })
    };

    let mut clients = Vec::new();
    for client in 0..8 {
        let app = app.clone();
        clients.push(tokio::spawn(async move {
            let mut seen = [0usize; 2];
            for i in 0..300 {
                let preflight = (client + i) % 2 == 0;
                let mut request = Request::builder().uri("/").header("origin", ORIGIN);
                if preflight {
                    request = request
                        .method("OPTIONS")
                        .header("access-control-request-method", "PUT");
                }
                let response = app
                    .clone()
                    .oneshot(request.body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                match produced_by(response.headers(), preflight) {
                    Some('a') => seen[0] += 1,
                    Some('b') => seen[1] += 1,
                    // Policy B refuses PUT: 403 without grants.
                    Some(_) => assert_eq!(response.status(), 403),
                    None => panic!("mixed response: {:?}", response.headers()),
                }
                tokio::task::yield_now().await;
            }
            seen
        }));
    }
    let mut totals = [0usize; 2];
    for client in clients {
        let seen = client.await.unwrap();
        totals[0] += seen[0];
        totals[1] += seen[1];
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 10, "the policy was swapped {swaps} times");
    assert!(
        totals[0] > 0 && totals[1] > 0,
        "both policies answered: {totals:?}"
    );
}
