//! The conformance table every corsair integration must pass, and the pieces each runner
//! shares: the test handler's behaviour and the comparison of a response with the table.
//!
//! A runner builds one server per policy ([`Table::policies`]), sends each case's request
//! ([`Case::request_headers`] carries instructions for the handler), and checks what came
//! back with [`Case::check`]. The handler of every runner is [`handler_response`], so the
//! application behaves the same under every framework. [`Events`] captures the `tracing`
//! events an integration reports, with their fields.

mod events;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use events::{Captured, Events, assert_report_only_logged, assert_shadow_difference_logged};

/// Request header telling the test handler which status to answer with.
pub const HANDLER_STATUS: &str = "x-handler-status";
/// Request header (repeatable) telling the test handler to set `name: value` on its response.
pub const HANDLER_HEADER: &str = "x-handler-header";
/// Response header the test handler always sets, so a runner sees whether it ran.
pub const HANDLER_RAN: &str = "x-handler";

/// The whole table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Policy files by name.
    pub policies: BTreeMap<String, String>,
    /// The rows.
    #[serde(rename = "case")]
    pub cases: Vec<Case>,
}

/// One row: a request, the handler's answer if it runs, and the expected response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the row pins.
    pub name: String,
    /// Key into [`Table::policies`].
    pub policy: String,
    /// Request method.
    pub method: String,
    /// Request target; `/api/items` when absent.
    #[serde(default)]
    pub uri: Option<String>,
    /// Request headers, in order; names may repeat.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// What the handler answers when it runs.
    #[serde(default)]
    pub handler: Handler,
    /// What must come back.
    pub expect: Expect,
}

/// The handler's answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handler {
    /// Its status.
    #[serde(default = "ok")]
    pub status: u16,
    /// Headers it sets.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

impl Default for Handler {
    fn default() -> Self {
        Self {
            status: ok(),
            headers: Vec::new(),
        }
    }
}

fn ok() -> u16 {
    200
}

/// The expected response.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The status; the handler's when absent.
    pub status: Option<u16>,
    /// Whether the handler ran.
    pub handler: bool,
    /// Every `access-control-*` and `vary` line, in order per name.
    pub headers: Vec<(String, String)>,
}

/// The table, parsed and checked: every case names a policy that builds.
pub fn table() -> Table {
    let table: Table = match toml::from_str(include_str!("table.toml")) {
        Ok(table) => table,
        Err(error) => panic!("table.toml does not parse: {error}"),
    };
    for case in &table.cases {
        assert!(
            table.policies.contains_key(&case.policy),
            "case {:?} names unknown policy {:?}",
            case.name,
            case.policy
        );
    }
    table
}

impl Table {
    /// Fails the calling test, listing every failing row, unless there are none; also guards
    /// against a table that lost its rows.
    pub fn assert_all_pass(&self, failures: &[String]) {
        assert!(
            self.cases.len() >= 25,
            "the table has only {} rows",
            self.cases.len()
        );
        assert!(
            failures.is_empty(),
            "{} of {} rows fail:\n{}",
            failures.len(),
            self.cases.len(),
            failures.join("\n")
        );
    }

    /// Every policy of the table, built.
    pub fn policies(&self) -> BTreeMap<String, corsair::Policy> {
        self.policies
            .iter()
            .map(|(name, source)| match corsair::Policy::from_toml(source) {
                Ok(policy) => (name.clone(), policy),
                Err(error) => panic!("policy {name:?} is invalid: {error}"),
            })
            .collect()
    }
}

impl Case {
    /// The request's headers, including the instructions for the test handler.
    pub fn request_headers(&self) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        headers.push((HANDLER_STATUS.to_owned(), self.handler.status.to_string()));
        for (name, value) in &self.handler.headers {
            headers.push((HANDLER_HEADER.to_owned(), format!("{name}: {value}")));
        }
        headers
    }

    /// The request as an `http::Request`, for runners that need one.
    pub fn request(&self) -> http::Request<()> {
        let mut request = http::Request::new(());
        *request.method_mut() = match self.method.parse() {
            Ok(method) => method,
            Err(error) => panic!("case {:?}: bad method: {error}", self.name),
        };
        *request.uri_mut() = match self.uri.as_deref().unwrap_or("/api/items").parse() {
            Ok(uri) => uri,
            Err(error) => panic!("case {:?}: bad uri: {error}", self.name),
        };
        for (name, value) in self.request_headers() {
            match (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(&value),
            ) {
                (Ok(name), Ok(value)) => request.headers_mut().append(name, value),
                _ => panic!("case {:?}: bad header {name}: {value}", self.name),
            };
        }
        request
    }

    /// Compares a response (status, and headers as lowercase name and value, in order) with
    /// the row; the error names every difference.
    pub fn check(&self, status: u16, headers: &[(String, String)]) -> Result<(), String> {
        let mut problems = Vec::new();
        let expected_status = self.expect.status.unwrap_or(self.handler.status);
        if status != expected_status {
            problems.push(format!("status {status}, expected {expected_status}"));
        }
        let ran = headers.iter().any(|(name, _)| name == HANDLER_RAN);
        if ran != self.expect.handler {
            problems.push(format!(
                "handler ran: {ran}, expected {}",
                self.expect.handler
            ));
        }
        let observed = cors_lines(headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let expected = cors_lines(
            self.expect
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        );
        if observed != expected {
            problems.push(format!(
                "CORS headers differ\n      got:      {observed:?}\n      expected: {expected:?}"
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "case {:?}:\n    {}",
                self.name,
                problems.join("\n    ")
            ))
        }
    }
}

/// The `access-control-*` and `vary` lines, grouped by name (frameworks order different
/// names differently; the order of one name's lines is kept).
fn cors_lines<'a>(
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, Vec<String>> {
    let mut lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        if name.starts_with("access-control-") || name == "vary" {
            lines.entry(name).or_default().push(value.to_owned());
        }
    }
    lines
}

/// What the test handler answers to a request with these headers: the status and headers
/// its instructions ask for, plus [`HANDLER_RAN`].
pub fn handler_response<'a>(
    request_headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> (u16, Vec<(String, String)>) {
    let mut status = ok();
    let mut headers = vec![(HANDLER_RAN.to_owned(), "reached".to_owned())];
    for (name, value) in request_headers {
        let value = String::from_utf8_lossy(value);
        if name.eq_ignore_ascii_case(HANDLER_STATUS) {
            status = value.parse().unwrap_or(500);
        } else if name.eq_ignore_ascii_case(HANDLER_HEADER)
            && let Some((name, value)) = value.split_once(": ")
        {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    (status, headers)
}

/// Sends every row to servers already listening (one per policy, by policy name) with a real
/// HTTP/1.1 client over TCP, and returns a description of every row that fails.
pub async fn run_over_sockets(
    table: &Table,
    servers: &BTreeMap<String, std::net::SocketAddr>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for case in &table.cases {
        let outcome = match servers.get(&case.policy) {
            Some(address) => exchange(*address, &case.request()).await,
            None => Err(format!("no server for policy {:?}", case.policy)),
        };
        match outcome {
            Ok((status, headers)) => {
                if let Err(problem) = case.check(status, &headers) {
                    failures.push(problem);
                }
            }
            Err(error) => failures.push(format!("case {:?}: {error}", case.name)),
        }
    }
    failures
}

/// One request over a fresh connection: the response status and headers (lowercase names,
/// in the order received). Gives up after 10 seconds rather than hang a test.
pub async fn exchange(
    address: std::net::SocketAddr,
    request: &http::Request<()>,
) -> Result<(u16, Vec<(String, String)>), String> {
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|error| format!("connect {address}: {error}"))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|error| format!("handshake: {error}"))?;
        let driver = tokio::spawn(connection);
        let mut outgoing = http::Request::new(http_body_util::Empty::<hyper::body::Bytes>::new());
        *outgoing.method_mut() = request.method().clone();
        *outgoing.uri_mut() = request.uri().clone();
        *outgoing.headers_mut() = request.headers().clone();
        // A row that names its own `Host` (to be same-origin with an `Origin`) keeps it.
        if !outgoing.headers().contains_key(http::header::HOST) {
            outgoing.headers_mut().insert(
                http::header::HOST,
                http::HeaderValue::from_str(&address.to_string())
                    .map_err(|error| format!("host header: {error}"))?,
            );
        }
        let response = sender
            .send_request(outgoing)
            .await
            .map_err(|error| format!("request: {error}"))?;
        driver.abort();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        Ok((response.status().as_u16(), headers))
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), exchange)
        .await
        .map_err(|_| format!("no answer from {address} within 10 s"))?
}
