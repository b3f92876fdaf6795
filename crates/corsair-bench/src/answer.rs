//! Answers reduced to what the comparison needs.

use http::{HeaderMap, Response};

/// The status and headers of an answer, framework-neutral, for comparing middlewares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Every header, lowercase name and value, in order.
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// From an `http` response.
    pub fn from_http<B>(response: &Response<B>) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: pairs(response.headers()),
        }
    }

    /// From an actix-web response.
    pub fn from_actix<B>(response: &actix_web::dev::ServiceResponse<B>) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
        }
    }

    /// The values of `name`, joined with `,` as a list.
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}
