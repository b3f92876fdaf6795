//! Runs one benchmark case many times, for instruction counts under
//! `valgrind --tool=callgrind --toggle-collect='repeat::measured_*'` (repeatable whatever the
//! machine's load: `scripts/bench` does this) and for profilers.
//!
//! `repeat SUBJECT CASE ORIGINS ITERATIONS [browser]`, e.g. `repeat corsair_tower
//! preflight_allowed exact:100 1000`; with `browser`, the request carries the other headers a
//! browser sends ([`Template::with_browser_headers`]).
//!
//! As in the divan benchmarks, the requests are built before and the responses dropped after
//! the measured function, which sends every request through the service.

use std::process::ExitCode;

use corsair_bench::{Case, Origins, Spec, Subject, Template};
use tower::Layer;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (subject, case, origins, iterations, browser) = match args.as_slice() {
        [subject, case, origins, iterations] => (subject, case, origins, iterations, false),
        [subject, case, origins, iterations, flag] if flag == "browser" => {
            (subject, case, origins, iterations, true)
        }
        _ => {
            eprintln!("usage: repeat SUBJECT CASE exact:N|subdomains:N ITERATIONS [browser]");
            return ExitCode::from(2);
        }
    };
    let Some(subject) = Subject::from_name(subject) else {
        eprintln!("unknown subject {subject}");
        return ExitCode::from(2);
    };
    let Some(case) = Case::ALL.into_iter().find(|c| c.name() == case) else {
        eprintln!("unknown case {case}");
        return ExitCode::from(2);
    };
    let origins = match origins.split_once(':') {
        Some(("exact", n)) => n.parse().map(Origins::Exact),
        Some(("subdomains", n)) => n.parse().map(Origins::Subdomains),
        _ => {
            eprintln!("origins: exact:N or subdomains:N");
            return ExitCode::from(2);
        }
    };
    let (Ok(origins), Ok(iterations)) = (origins, iterations.parse::<usize>()) else {
        eprintln!("bad number");
        return ExitCode::from(2);
    };
    let spec = Spec::new(origins);
    let template = Template::new(case, spec);
    let template = if browser {
        template.with_browser_headers()
    } else {
        template
    };
    match subject {
        Subject::TowerBaseline => tower(corsair_bench::tower_app(), &template, iterations),
        Subject::CorsairTower => tower(
            corsair_tower::CorsLayer::new(spec.corsair()).layer(corsair_bench::tower_app()),
            &template,
            iterations,
        ),
        Subject::TowerHttp => tower(
            spec.tower_http().layer(corsair_bench::tower_app()),
            &template,
            iterations,
        ),
        Subject::TowerFloor => tower(corsair_bench::floor(spec), &template, iterations),
        Subject::ActixBaseline => actix(corsair_bench::actix_app_service(), &template, iterations),
        Subject::ActixNoop => actix(
            corsair_bench::actix_wrap(&corsair_bench::ActixNoop),
            &template,
            iterations,
        ),
        Subject::ActixCors => actix(
            corsair_bench::actix_wrap(&spec.actix_cors()),
            &template,
            iterations,
        ),
        Subject::CorsairActix => actix(
            corsair_bench::actix_wrap(&spec.corsair_actix()),
            &template,
            iterations,
        ),
    }
    ExitCode::SUCCESS
}

fn tower<S, B>(mut service: S, template: &Template, iterations: usize)
where
    S: tower::Service<http::Request<()>, Response = http::Response<B>>,
    S::Error: std::fmt::Debug,
{
    let requests: Vec<_> = (0..iterations).map(|_| template.http()).collect();
    let mut responses = Vec::with_capacity(iterations);
    measured_tower(&mut service, requests, &mut responses);
    std::hint::black_box(responses);
}

#[inline(never)]
fn measured_tower<S, B>(
    service: &mut S,
    requests: Vec<http::Request<()>>,
    responses: &mut Vec<http::Response<B>>,
) where
    S: tower::Service<http::Request<()>, Response = http::Response<B>>,
    S::Error: std::fmt::Debug,
{
    for request in requests {
        responses.push(corsair_bench::call_tower(service, request));
    }
}

fn actix<S, B>(service: S, template: &Template, iterations: usize)
where
    S: actix_web::dev::Service<
            actix_web::dev::ServiceRequest,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    let requests: Vec<_> = (0..iterations).map(|_| template.actix()).collect();
    let mut responses = Vec::with_capacity(iterations);
    measured_actix(&service, requests, &mut responses);
    std::hint::black_box(responses);
}

#[inline(never)]
fn measured_actix<S, B>(
    service: &S,
    requests: Vec<actix_web::dev::ServiceRequest>,
    responses: &mut Vec<actix_web::dev::ServiceResponse<B>>,
) where
    S: actix_web::dev::Service<
            actix_web::dev::ServiceRequest,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
{
    for request in requests {
        responses.push(corsair_bench::call_actix(service, request));
    }
}
