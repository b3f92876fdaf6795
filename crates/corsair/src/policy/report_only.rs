//! Report-only policies: every check decides and is reported, but the answer is the
//! application's, untouched.

use super::{Actual, Evaluation};

/// The report-only form of an evaluation: preflights go to the application, nothing is
/// refused, no CORS header is written; the would-be refusal is kept for the report.
pub(super) fn report<V: AsRef<[u8]> + Clone + 'static>(
    evaluation: Evaluation<'_, V>,
) -> Evaluation<'_, V> {
    let verdict = evaluation.verdict();
    let reported = Actual::reported(verdict.check, verdict.refusal.cloned());
    let check = verdict.check;
    tracing::debug!(
        target: "corsair",
        check = check.as_str(),
        reason = verdict.reason(),
        "report-only: the answer is left to the application"
    );
    Evaluation::Actual(reported)
}

#[cfg(test)]
mod tests {
    use crate::{Check, Config, Evaluation, Outcome, RequestHead, ResponseHeader, ResponseHeaders};

    fn evaluate(report_only: bool, request: &http::Request<()>) -> (Check, Outcome, bool) {
        let policy = Config::new()
            .allow_origins(["https://app.example.com"])
            .refuse_cross_origin_writes(true)
            .report_only(report_only)
            .build()
            .unwrap();
        let evaluation = policy.evaluate(&RequestHead::from(request));
        let verdict = evaluation.verdict();
        let (check, outcome) = (verdict.check, verdict.outcome);
        let passes = match &evaluation {
            Evaluation::Actual(cors) => {
                let mut headers = http::HeaderMap::new();
                headers.insert(
                    "access-control-allow-origin",
                    "https://x.example".parse().unwrap(),
                );
                cors.apply(&mut headers);
                // Report-only leaves the application's headers exactly as they were.
                if report_only {
                    assert_eq!(headers.len(), 1);
                    assert!(!headers.any_value(ResponseHeader::Vary, &mut |_| true));
                }
                true
            }
            Evaluation::Preflight(_) | Evaluation::Forbidden(_) => false,
        };
        (check, outcome, passes)
    }

    #[test]
    fn report_only_passes_everything_and_reports_would_be_refusals() {
        let forged = http::Request::post("/")
            .header("sec-fetch-site", "cross-site")
            .header("origin", "https://evil.example")
            .body(())
            .unwrap();
        let preflight = http::Request::options("/")
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "PUT")
            .body(())
            .unwrap();
        let handshake = http::Request::get("/ws")
            .header("upgrade", "websocket")
            .header("host", "api.example.com")
            .header("origin", "https://evil.example")
            .body(())
            .unwrap();
        let read = http::Request::get("/")
            .header("origin", "https://app.example.com")
            .body(())
            .unwrap();
        assert_eq!(
            evaluate(false, &forged),
            (Check::Write, Outcome::Refused, false)
        );
        assert_eq!(
            evaluate(true, &forged),
            (Check::Write, Outcome::ShadowRefused, true)
        );
        assert_eq!(
            evaluate(false, &preflight),
            (Check::Preflight, Outcome::Refused, false)
        );
        assert_eq!(
            evaluate(true, &preflight),
            (Check::Preflight, Outcome::ShadowRefused, true)
        );
        assert_eq!(
            evaluate(false, &handshake),
            (Check::WebSocket, Outcome::Refused, false)
        );
        assert_eq!(
            evaluate(true, &handshake),
            (Check::WebSocket, Outcome::ShadowRefused, true)
        );
        assert_eq!(
            evaluate(true, &read),
            (Check::Actual, Outcome::Allowed, true)
        );
    }
}
