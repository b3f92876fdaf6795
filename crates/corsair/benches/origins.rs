//! Origin lookup cost against the number of configured origins (1, 100, 10,000).
//!
//! Run: `cargo bench -p corsair --bench origins`. The cost per request should stay flat across
//! sizes for both exact origins and subdomain patterns; a linear scan would grow 10,000-fold.

use corsair::{Config, Evaluation, Policy, RequestHead};
use divan::{Bencher, black_box};
use http::{HeaderMap, HeaderValue, Request};

fn main() {
    divan::main();
}

const SIZES: &[usize] = &[1, 100, 10_000];

fn policy(size: usize, subdomains: bool) -> Policy {
    let origins = (0..size).map(|i| {
        if subdomains {
            format!("https://*.tenant{i}.example")
        } else {
            format!("https://app{i}.example")
        }
    });
    Config::new()
        .allow_origins(origins)
        .build()
        .expect("valid policy")
}

fn get(origin: String) -> Request<()> {
    let mut request = Request::new(());
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(&origin).expect("ascii"));
    request
}

fn run(bencher: Bencher<'_, '_>, policy: &Policy, request: &Request<()>) {
    let mut response = HeaderMap::with_capacity(16);
    bencher.bench_local(|| {
        response.clear();
        if let Evaluation::Actual(cors) = policy.evaluate(&RequestHead::from(black_box(request))) {
            cors.apply(&mut response);
        }
        black_box(&response);
    });
}

/// The last configured exact origin: the worst case for a linear scan.
#[divan::bench(args = SIZES)]
fn exact_allowed(bencher: Bencher<'_, '_>, size: usize) {
    let policy = policy(size, false);
    run(
        bencher,
        &policy,
        &get(format!("https://app{}.example", size - 1)),
    );
}

/// An origin that matches nothing: every entry would be visited by a scan.
#[divan::bench(args = SIZES)]
fn exact_refused(bencher: Bencher<'_, '_>, size: usize) {
    let policy = policy(size, false);
    run(bencher, &policy, &get("https://elsewhere.example".into()));
}

/// A subdomain of the last configured pattern.
#[divan::bench(args = SIZES)]
fn subdomain_allowed(bencher: Bencher<'_, '_>, size: usize) {
    let policy = policy(size, true);
    run(
        bencher,
        &policy,
        &get(format!("https://eu.api.tenant{}.example", size - 1)),
    );
}

/// A deep host under no configured pattern.
#[divan::bench(args = SIZES)]
fn subdomain_refused(bencher: Bencher<'_, '_>, size: usize) {
    let policy = policy(size, true);
    run(
        bencher,
        &policy,
        &get("https://a.b.c.d.elsewhere.example".into()),
    );
}
