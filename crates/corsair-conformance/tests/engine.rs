//! The conformance table run against the engine directly, with no framework and no socket.

use corsair::{Evaluation, RequestHead};
use corsair_conformance::handler_response;
use http::{HeaderMap, HeaderName, HeaderValue};

#[test]
fn every_row_passes_against_the_engine() {
    let table = corsair_conformance::table();
    let policies = table.policies();
    let mut failures = Vec::new();
    for case in &table.cases {
        let request = case.request();
        let policy = &policies[&case.policy];
        let (status, headers) = match policy.evaluate(&RequestHead::from(&request)) {
            Evaluation::Preflight(answer) => {
                let response = answer.response::<()>();
                (response.status().as_u16(), response.headers().clone())
            }
            Evaluation::Forbidden(answer) => {
                let response = answer.response::<()>();
                (response.status().as_u16(), response.headers().clone())
            }
            Evaluation::Actual(cors) => {
                let (status, handler_headers) = handler_response(
                    request
                        .headers()
                        .iter()
                        .map(|(name, value)| (name.as_str(), value.as_bytes())),
                );
                let mut headers = HeaderMap::new();
                for (name, value) in handler_headers {
                    headers.append(
                        HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        HeaderValue::from_str(&value).unwrap(),
                    );
                }
                cors.apply(&mut headers);
                (status, headers)
            }
        };
        let lines: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
            .collect();
        if let Err(problem) = case.check(status, &lines) {
            failures.push(problem);
        }
    }
    table.assert_all_pass(&failures);
}
