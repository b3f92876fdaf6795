//! What the page passes to `fetch()` (or to another initiator) and the header lines of a
//! scripted answer.

use std::fmt;

use corsair::{
    Origin,
    browser::{Credentials, Initiator, Mode, PageRequest, Url},
};
use serde_json::{Value, json};

/// What the page passes to `fetch()`, or to the [`Initiator`] that makes the request (the
/// page turns mode and credentials into `crossorigin`, `withCredentials`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchInit {
    /// What makes the request.
    pub initiator: Initiator,
    /// `method`, as the page writes it.
    pub method: String,
    /// `headers`, in order (names may repeat).
    pub headers: Vec<(String, String)>,
    /// `mode`.
    pub mode: Mode,
    /// `credentials`.
    pub credentials: Credentials,
}

impl FetchInit {
    /// A request with these fields (header names and values as given).
    pub fn new(
        method: &str,
        headers: &[(&str, &str)],
        mode: Mode,
        credentials: Credentials,
    ) -> Self {
        Self {
            initiator: Initiator::Fetch,
            method: method.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            mode,
            credentials,
        }
    }

    /// A `GET` in cors mode without credentials.
    pub fn get() -> Self {
        Self {
            initiator: Initiator::Fetch,
            method: "GET".into(),
            headers: Vec::new(),
            mode: Mode::Cors,
            credentials: Credentials::Omit,
        }
    }

    /// The `RequestInit` object for the page.
    pub fn to_json(&self) -> Value {
        let headers: Vec<Value> = self.headers.iter().map(|(n, v)| json!([n, v])).collect();
        json!({
            "initiator": self.initiator.as_str(),
            "method": self.method,
            "headers": headers,
            "mode": self.mode.to_string(),
            "credentials": self.credentials.to_string(),
        })
    }

    /// The same request for the browser model.
    pub fn page_request(&self, page: &Origin, url: &Url) -> PageRequest {
        let mut request = PageRequest::new(page.clone(), url.clone())
            .initiator(self.initiator)
            .method(self.method.clone())
            .mode(self.mode)
            .credentials(self.credentials);
        for (name, value) in &self.headers {
            request = request.header(name.clone(), value.clone());
        }
        request
    }
}

impl fmt::Display for FetchInit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {{method: {:?}, headers: [",
            self.initiator, self.method
        )?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}[{name:?}, {value:?}]")?;
        }
        write!(
            f,
            "], mode: \"{}\", credentials: \"{}\"}}",
            self.mode, self.credentials
        )
    }
}

/// Header lines for an [`Answer`](super::Answer) from name-value pairs.
pub fn header_lines(headers: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
        .collect()
}
