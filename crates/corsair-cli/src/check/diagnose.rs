//! Problems the exchanges show besides the one that blocked the request: a run names them all.

use corsair::browser::Exchange;

use super::Record;

/// One problem seen in the exchanges, with a stable kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnosis {
    pub(crate) kind: &'static str,
    pub(crate) message: String,
}

fn header(record: &Record, name: &str) -> Option<String> {
    let values: Vec<String> = record
        .response
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Every problem the exchanges show, in the order they happened.
pub(crate) fn diagnose(records: &[Record]) -> Vec<Diagnosis> {
    let mut found = Vec::new();
    for record in records {
        let status = record.response.status;
        let what = match record.outgoing.exchange {
            Exchange::Preflight => "preflight (OPTIONS) response",
            Exchange::Actual => "response",
        };
        let allow_origin = header(record, "access-control-allow-origin");
        if status >= 400 && allow_origin.is_none() {
            found.push(Diagnosis {
                kind: "error_without_cors_headers",
                message: format!(
                    "The {what} has status {status} but no CORS headers: the layer that \
                     produced this error (authentication, routing, an error handler or a proxy) \
                     runs before CORS or skips it, so the page sees a CORS error instead of the \
                     {status}. Add CORS headers to error responses too: run the CORS layer \
                     outermost (corsair's middleware does)."
                ),
            });
        }
        let credentials = header(record, "access-control-allow-credentials");
        if allow_origin.as_deref() == Some("*") && credentials.as_deref() == Some("true") {
            found.push(Diagnosis {
                kind: "wildcard_with_credentials",
                message: format!(
                    "The {what} sends `Access-Control-Allow-Origin: *` together with \
                     `Access-Control-Allow-Credentials: true`, which never works for credentialed \
                     requests: echo the page's origin in Access-Control-Allow-Origin and keep \
                     `Access-Control-Allow-Credentials: true` (with `Vary: Origin`)."
                ),
            });
        }
        let varies_on_origin = header(record, "vary").is_some_and(|vary| {
            vary.split(',').any(|name| {
                matches!(name.trim(), "*") || name.trim().eq_ignore_ascii_case("origin")
            })
        });
        // Preflight answers are not stored by HTTP caches; only the actual response matters here.
        if record.outgoing.exchange == Exchange::Actual
            && allow_origin.as_deref().is_some_and(|value| value != "*")
            && !varies_on_origin
        {
            found.push(Diagnosis {
                kind: "missing_vary_origin",
                message: format!(
                    "The {what} echoes an origin in Access-Control-Allow-Origin but \
                     has no `Vary: Origin`: a shared cache may serve it to pages on other origins, \
                     which it then blocks. Add `Vary: Origin`."
                ),
            });
        }
    }
    found
}
