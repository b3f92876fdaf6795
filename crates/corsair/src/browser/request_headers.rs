//! The request headers of one fetch: what the page set, what goes on the wire, and what each
//! redirect removes.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

use super::{
    Initiator, Mode,
    profile::{Profile, ReportedHeader, UnsafeNames},
    safelist::{
        firefox_unsafe_request_header_names, gecko_refuses_high_bytes, header_value_bytes,
        is_no_cors_safelisted_request_header, is_settable_request_header_value,
        normalize_header_value, unsafe_request_header_names,
    },
};

/// Headers describing a request body, dropped when a redirect turns the method into GET.
const BODY_HEADERS: &[&str] = &[
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// Header lines, names and values as the page wrote them (values trimmed).
type Lines = Vec<(String, String)>;

/// The same headers seen two ways, edited together.
#[derive(Clone, Debug, Default)]
struct Both {
    /// One line per name, same-named values combined with `, `: what is sent.
    combined: Lines,
    /// The settable headers as the page appended them, one entry each (Firefox judges them
    /// so).
    entries: Lines,
}

impl Both {
    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.combined.retain(|(name, _)| keep(name));
        self.entries.retain(|(name, _)| keep(name));
    }
}

/// A fetch's request headers: the current ones, the page's originals (which an engine may
/// start again from on each redirect), and the names dropped when the fetch started.
#[derive(Clone, Debug)]
pub(crate) struct RequestHeaders {
    current: Both,
    page: Both,
    dropped: Vec<String>,
}

impl RequestHeaders {
    /// The page's headers as `fetch()` keeps them: values trimmed (as `Headers` normalizes
    /// them), forbidden request headers dropped, and so, in `no-cors` mode, every header that
    /// would not stay a no-CORS-safelisted one (Fetch's "request-no-cors" guard); same-named
    /// headers combined with `, `. `XMLHttpRequest.setRequestHeader` combines them as it
    /// sets them, so its request has one entry per name even for an engine that judges
    /// `fetch()`'s entries one by one.
    pub(crate) fn from_page(
        headers: Vec<(String, String)>,
        mode: Mode,
        initiator: Initiator,
        rules: UnsafeNames,
    ) -> Self {
        let mut both = Both::default();
        let mut dropped = Vec::new();
        // Where each lowercase name sits in `combined`, so thousands of headers stay linear.
        let mut index: HashMap<String, usize> = HashMap::new();
        for (name, value) in headers {
            let value = normalize_header_value(&value).to_owned();
            let known = index.get(&name.to_ascii_lowercase()).copied();
            let combined = match known {
                Some(i) => format!("{}, {value}", both.combined[i].1),
                None => value.clone(),
            };
            let guarded = mode == Mode::NoCors && {
                let bytes = header_value_bytes(&combined);
                !is_no_cors_safelisted_request_header(&name, &bytes)
                    || (rules == UnsafeNames::Gecko
                        && gecko_refuses_high_bytes(&name.to_ascii_lowercase(), &bytes))
            };
            if guarded || !is_settable_request_header_value(&name, &value) {
                dropped.push(name.to_ascii_lowercase());
                continue;
            }
            both.entries.push((name.clone(), value));
            match known {
                Some(i) => both.combined[i].1 = combined,
                None => {
                    index.insert(name.to_ascii_lowercase(), both.combined.len());
                    both.combined.push((name, combined));
                }
            }
        }
        if initiator == Initiator::Xhr {
            both.entries = both.combined.clone();
        }
        Self {
            current: both.clone(),
            page: both,
            dropped,
        }
    }

    /// Lowercase names the page set that were dropped when the fetch started.
    pub(crate) fn dropped(&self) -> &[String] {
        &self.dropped
    }

    /// The header lines sent, in order.
    pub(crate) fn lines(&self) -> &[(String, String)] {
        &self.current.combined
    }

    /// Removes the request-body headers (`Content-Type`...).
    pub(crate) fn drop_body_headers(&mut self) {
        self.current
            .retain(|name| !BODY_HEADERS.contains(&name.to_ascii_lowercase().as_str()));
    }

    /// Removes `Authorization`.
    pub(crate) fn drop_authorization(&mut self) {
        self.current
            .retain(|name| !name.eq_ignore_ascii_case("authorization"));
    }

    /// Starts again from the headers the page set.
    pub(crate) fn restore_page_headers(&mut self) {
        self.current = self.page.clone();
    }

    /// The names a preflight must announce, as the engine counts them: lowercase, sorted,
    /// deduplicated.
    pub(crate) fn unsafe_names(&self, profile: &Profile) -> Vec<String> {
        match profile.unsafe_names {
            UnsafeNames::Combined => unsafe_request_header_names(&on_the_wire(self.lines())),
            UnsafeNames::Gecko => {
                firefox_unsafe_request_header_names(&on_the_wire(&self.current.entries))
            }
        }
    }

    /// `unsafe_names` in the order the engine checks them against
    /// `Access-Control-Allow-Headers`, spelled as it reports a failing one.
    pub(crate) fn checked_names(
        &self,
        profile: &Profile,
        unsafe_names: Vec<String>,
    ) -> Vec<String> {
        let as_written = match profile.reported_header {
            ReportedHeader::Sorted => return unsafe_names,
            ReportedHeader::RequestOrder => false,
            ReportedHeader::RequestOrderAsWritten => true,
        };
        let unsafe_names: HashSet<String> = unsafe_names.into_iter().collect();
        let mut seen = HashSet::new();
        let mut ordered: Vec<String> = Vec::new();
        for (name, _) in self.lines() {
            let lowercase = name.to_ascii_lowercase();
            if unsafe_names.contains(&lowercase) && seen.insert(lowercase.clone()) {
                ordered.push(if as_written { name.clone() } else { lowercase });
            }
        }
        ordered
    }
}

/// Header lines with their values as the bytes that go on the wire.
fn on_the_wire(headers: &[(String, String)]) -> Vec<(&str, Cow<'_, [u8]>)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str(), header_value_bytes(value)))
        .collect()
}
