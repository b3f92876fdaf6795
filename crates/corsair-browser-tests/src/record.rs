//! What origin B saw: every request that reached it, keyed by scenario id.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex, PoisonError},
};

/// A preflight or an actual request, as the server classifies it: `OPTIONS` with
/// `Access-Control-Request-Method` is a preflight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `OPTIONS` with `Access-Control-Request-Method`.
    Preflight,
    /// Anything else.
    Actual,
}

/// One request that reached origin B: what CORS is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// Preflight or actual.
    pub kind: Kind,
    /// `http://<Host><target>`: which origin and path it reached.
    pub url: String,
    /// The method on the request line.
    pub method: String,
    /// `Origin`, if sent.
    pub origin: Option<String>,
    /// `Access-Control-Request-Method`, if sent.
    pub request_method: Option<String>,
    /// `Access-Control-Request-Headers`, if sent.
    pub request_headers: Option<String>,
    /// Names of other `Access-Control-Request-*` headers (Private Network Access...).
    pub other_cors_headers: Vec<String>,
    /// `Accept`, if sent.
    pub accept: Option<String>,
    /// `Cache-Control`, if sent.
    pub cache_control: Option<String>,
    /// `Pragma`, if sent.
    pub pragma: Option<String>,
}

impl Arrival {
    /// Classifies a request from its method, target (path and query) and header lines.
    pub fn classify<'a>(
        method: &str,
        target: &str,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])> + Clone,
    ) -> Self {
        let get = |wanted: &str| {
            let values: Vec<String> = headers
                .clone()
                .into_iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(wanted))
                // Each byte as one character: any two values compare as the bytes they are.
                .map(|(_, v)| v.iter().map(|&byte| char::from(byte)).collect::<String>())
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        };
        let request_method = get("access-control-request-method");
        let kind = if method == "OPTIONS" && request_method.is_some() {
            Kind::Preflight
        } else {
            Kind::Actual
        };
        let other_cors_headers = headers
            .clone()
            .into_iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| {
                n.starts_with("access-control-request-")
                    && n != "access-control-request-method"
                    && n != "access-control-request-headers"
            })
            .collect();
        Self {
            kind,
            url: format!("http://{}{target}", get("host").unwrap_or_default()),
            method: method.to_owned(),
            origin: get("origin"),
            request_method,
            request_headers: get("access-control-request-headers"),
            other_cors_headers,
            accept: get("accept"),
            cache_control: get("cache-control"),
            pragma: get("pragma"),
        }
    }
}

impl fmt::Display for Arrival {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Preflight => "preflight",
            Kind::Actual => "actual",
        };
        write!(
            f,
            "{{kind: {kind}, url: {:?}, method: {:?}",
            self.url, self.method
        )?;
        if let Some(origin) = &self.origin {
            write!(f, ", origin: {origin:?}")?;
        }
        if let Some(method) = &self.request_method {
            write!(f, ", acrm: {method:?}")?;
        }
        if let Some(headers) = &self.request_headers {
            write!(f, ", acrh: {headers:?}")?;
        }
        if !self.other_cors_headers.is_empty() {
            write!(f, ", other: {:?}", self.other_cors_headers)?;
        }
        for (name, value) in [
            ("accept", &self.accept),
            ("cache-control", &self.cache_control),
            ("pragma", &self.pragma),
        ] {
            if let Some(value) = value {
                write!(f, ", {name}: {value:?}")?;
            }
        }
        f.write_str("}")
    }
}

/// Arrivals by scenario id, shared between the server tasks and the test.
#[derive(Clone, Debug, Default)]
pub struct Records {
    inner: Arc<Mutex<HashMap<String, Vec<Arrival>>>>,
}

impl Records {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes that `arrival` came for scenario `id`.
    pub fn push(&self, id: &str, arrival: Arrival) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id.to_owned())
            .or_default()
            .push(arrival);
    }

    /// What arrived for `id`, in order.
    pub fn get(&self, id: &str) -> Vec<Arrival> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
            .unwrap_or_default()
    }
}

/// The scenario id in a path `/<prefix>/<id>[/<more>]`, if any.
pub fn id_from_path(path: &str) -> Option<&str> {
    let mut parts = path.trim_start_matches('/').split('/');
    let _prefix = parts.next()?;
    parts.next().filter(|id| !id.is_empty())
}
