//! corsair-tower against tower-http's `CorsLayer`, actix-cors and corsair-actix, with
//! equivalent configurations, and the same trivial service without CORS: time and heap
//! allocations per request (divan's `AllocProfiler`).
//!
//! Run: `cargo bench -p corsair-bench --bench middleware` (or `scripts/bench`, which also runs
//! the end-to-end load test and regenerates BENCHMARKS.md).
//!
//! The timed region is one request through the service as a server drives it: `poll_ready`,
//! `call` and one poll of the response future (every service here answers on its first poll,
//! so no async runtime is involved). Building the request and dropping the response happen
//! outside it, for every subject alike; request header values are shared buffers, as a
//! server's are.

use corsair_bench::{Case, Origins, Spec, Subject, Template, repeated_names};
use divan::{AllocProfiler, Bencher};
use tower::Layer;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [1, 100, 10_000];

/// Requests per timed sample. Left to itself, divan keeps one request per sample for every
/// subject whose first (cold) sample is slow, and a single request of a few hundred
/// nanoseconds is then read with the timer's own precision (about 20 ns) and overhead; 32
/// requests per sample make both negligible. The same for every subject.
const SAMPLE_SIZE: u32 = 32;

fn run(bencher: Bencher<'_, '_>, spec: Spec, template: &Template, subject: Subject) {
    match subject {
        Subject::TowerBaseline => tower(bencher, corsair_bench::tower_app(), template),
        Subject::CorsairTower => tower(
            bencher,
            corsair_tower::CorsLayer::new(spec.corsair()).layer(corsair_bench::tower_app()),
            template,
        ),
        Subject::TowerHttp => tower(
            bencher,
            spec.tower_http().layer(corsair_bench::tower_app()),
            template,
        ),
        Subject::TowerFloor => tower(bencher, corsair_bench::floor(spec), template),
        Subject::ActixBaseline => actix(bencher, corsair_bench::actix_app_service(), template),
        Subject::ActixNoop => actix(
            bencher,
            corsair_bench::actix_wrap(&corsair_bench::ActixNoop),
            template,
        ),
        Subject::ActixCors => actix(
            bencher,
            corsair_bench::actix_wrap(&spec.actix_cors()),
            template,
        ),
        Subject::CorsairActix => actix(
            bencher,
            corsair_bench::actix_wrap(&spec.corsair_actix()),
            template,
        ),
    }
}

fn tower<S, B>(bencher: Bencher<'_, '_>, mut service: S, template: &Template)
where
    S: tower::Service<http::Request<()>, Response = http::Response<B>>,
    S::Error: std::fmt::Debug,
{
    bencher
        .with_inputs(|| template.http())
        .bench_local_values(|request| corsair_bench::call_tower(&mut service, request));
}

fn actix<S, B>(bencher: Bencher<'_, '_>, service: S, template: &Template)
where
    S: actix_web::dev::Service<
            actix_web::dev::ServiceRequest,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    bencher
        .with_inputs(|| template.actix())
        .bench_local_values(|request| corsair_bench::call_actix(&service, request));
}

fn case(bencher: Bencher<'_, '_>, origins: Origins, case: Case, subject: Subject) {
    let spec = Spec::new(origins);
    run(bencher, spec, &Template::new(case, spec), subject);
}

/// Exact origins (`https://app{i}.example`); allowed requests come from the last one.
mod exact {
    use super::*;

    #[divan::bench(consts = SIZES, args = Subject::WITH_FLOOR, sample_size = SAMPLE_SIZE)]
    fn preflight_allowed<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(bencher, Origins::Exact(N), Case::PreflightAllowed, subject);
    }

    #[divan::bench(consts = SIZES, args = Subject::ALL, sample_size = SAMPLE_SIZE)]
    fn preflight_refused<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(bencher, Origins::Exact(N), Case::PreflightRefused, subject);
    }

    #[divan::bench(consts = SIZES, args = Subject::ALL, sample_size = SAMPLE_SIZE)]
    fn actual_allowed<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(bencher, Origins::Exact(N), Case::ActualAllowed, subject);
    }

    #[divan::bench(consts = SIZES, args = Subject::ALL, sample_size = SAMPLE_SIZE)]
    fn actual_refused<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(bencher, Origins::Exact(N), Case::ActualRefused, subject);
    }

    #[divan::bench(consts = SIZES, args = Subject::ALL, sample_size = SAMPLE_SIZE)]
    fn not_cors<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(bencher, Origins::Exact(N), Case::NotCors, subject);
    }
}

/// Subdomain patterns (`https://*.tenant{i}.example`; the peers use a predicate scanning the
/// suffixes); allowed requests come from `https://eu.api.tenant{N-1}.example`.
mod subdomains {
    use super::*;

    #[divan::bench(consts = SIZES, args = Subject::WITH_FLOOR, sample_size = SAMPLE_SIZE)]
    fn preflight_allowed<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(
            bencher,
            Origins::Subdomains(N),
            Case::PreflightAllowed,
            subject,
        );
    }

    #[divan::bench(consts = SIZES, args = Subject::ALL, sample_size = SAMPLE_SIZE)]
    fn actual_allowed<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(
            bencher,
            Origins::Subdomains(N),
            Case::ActualAllowed,
            subject,
        );
    }

    #[divan::bench(consts = SIZES, args = Subject::ALL, sample_size = SAMPLE_SIZE)]
    fn actual_refused<const N: usize>(bencher: Bencher<'_, '_>, subject: Subject) {
        case(
            bencher,
            Origins::Subdomains(N),
            Case::ActualRefused,
            subject,
        );
    }
}

/// Hostile `Access-Control-Request-Headers` on a preflight from an allowed origin (100 exact
/// origins configured).
mod adversarial {
    use super::*;

    /// 1 MiB of commas.
    #[divan::bench(args = Subject::ALL)]
    fn commas_1mib(bencher: Bencher<'_, '_>, subject: Subject) {
        case(
            bencher,
            Origins::Exact(100),
            Case::AdversarialCommas,
            subject,
        );
    }

    /// 10,000 names, every one allowed, so each must be checked.
    #[divan::bench(args = Subject::ALL)]
    fn names_10k(bencher: Bencher<'_, '_>, subject: Subject) {
        case(
            bencher,
            Origins::Exact(100),
            Case::AdversarialNames,
            subject,
        );
    }

    /// corsair alone, 1,000 to 100,000 names: the time per name should stay flat.
    #[divan::bench(args = [1_000, 10_000, 100_000])]
    fn corsair_names_scaling(bencher: Bencher<'_, '_>, names: usize) {
        let spec = Spec::new(Origins::Exact(100));
        let template = Template::preflight_requesting(spec, repeated_names(names));
        run(bencher, spec, &template, Subject::CorsairTower);
    }
}
