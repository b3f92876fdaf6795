//! What in a page makes a request: `fetch()`, `XMLHttpRequest`, an element (`@font-face`,
//! `<img>`, `<script type="module">`, `<link rel="stylesheet">`), an `EventSource`, or an
//! HTML form. Each one derives the request's mode, credentials mode and destination from
//! what the page wrote, adds request headers of its own, can or cannot be preflighted, and
//! lets script read more or less of the answer.

use std::{fmt, str::FromStr};

use super::{Credentials, Mode};

/// What in the page makes the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// `fetch(url, init)`: every mode, method and header the page asks for.
    #[default]
    Fetch,
    /// `XMLHttpRequest` (axios, jQuery): always `cors`; `withCredentials` is credentials
    /// `include`, its absence `same-origin`.
    Xhr,
    /// A web font (`@font-face`, `FontFace`): always `cors` with credentials `same-origin`.
    Font,
    /// `<img>`: `no-cors` without a `crossorigin` attribute, `cors` with one.
    Image,
    /// `<script type="module">`: always `cors`; `crossorigin="use-credentials"` is
    /// credentials `include`, otherwise `same-origin`.
    ModuleScript,
    /// `<link rel="stylesheet">`: `no-cors` without a `crossorigin` attribute, `cors` with
    /// one.
    Stylesheet,
    /// `new EventSource(url, { withCredentials })`: always `cors`.
    EventSource,
    /// An HTML form submission: a navigation, which CORS never checks (it runs as `no-cors`:
    /// nothing of the answer is readable by the submitting page), `GET` or `POST` with a
    /// form encoding.
    Form,
}

/// What script can read of an answer that CORS let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readable {
    /// The response: its type, status and readable headers (`fetch()`).
    Response,
    /// The status and readable headers (`XMLHttpRequest.status`, `getResponseHeader`).
    StatusAndHeaders,
    /// Nothing but whether it loaded (`load` or `error`, a usable image, font, script,
    /// stylesheet or event stream).
    Nothing,
}

/// The form encodings (`enctype`) a form can submit with: the only `Content-Type` values a
/// form sends.
pub const FORM_ENCODINGS: [&str; 3] = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
];

/// A name that is not an initiator.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown initiator `{0}`: use fetch, xhr, font, image, module-script, stylesheet, eventsource or form"
)]
pub struct UnknownInitiator(pub String);

/// A request an initiator cannot make, as [`PageRequest::validate`](super::PageRequest::validate)
/// reports it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImpossibleRequest {
    /// Only `fetch()`, `XMLHttpRequest` and forms choose the method.
    #[error("{initiator} requests are always GET: {method} cannot be asked for")]
    Method {
        /// The initiator.
        initiator: Initiator,
        /// The method asked for.
        method: String,
    },
    /// A form submits with GET or POST only.
    #[error("a form submits with GET or POST, not {method}")]
    FormMethod {
        /// The method asked for.
        method: String,
    },
    /// Only `fetch()` and `XMLHttpRequest` set request headers; a form only chooses its
    /// encoding.
    #[error("{initiator} requests cannot carry the page's `{name}` header")]
    Header {
        /// The initiator.
        initiator: Initiator,
        /// The header's name.
        name: String,
    },
    /// A form's `Content-Type` is one of [`FORM_ENCODINGS`].
    #[error(
        "a form submits `Content-Type: {value}`, which is not a form encoding: use application/x-www-form-urlencoded, multipart/form-data or text/plain"
    )]
    FormEncoding {
        /// The value asked for.
        value: String,
    },
    /// A mode the initiator does not have.
    #[error("{initiator} requests cannot use mode `{mode}`: {}", initiator.modes_hint())]
    Mode {
        /// The initiator.
        initiator: Initiator,
        /// The mode asked for.
        mode: Mode,
    },
    /// A credentials mode the initiator does not have.
    #[error("{initiator} requests cannot use credentials `{credentials}`: {}", initiator.credentials_hint(*mode))]
    Credentials {
        /// The initiator.
        initiator: Initiator,
        /// The request's mode.
        mode: Mode,
        /// The credentials mode asked for.
        credentials: Credentials,
    },
}

impl Initiator {
    /// Every initiator.
    pub const ALL: [Initiator; 8] = [
        Initiator::Fetch,
        Initiator::Xhr,
        Initiator::Font,
        Initiator::Image,
        Initiator::ModuleScript,
        Initiator::Stylesheet,
        Initiator::EventSource,
        Initiator::Form,
    ];

    /// The name [`FromStr`] reads and JSON carries: `fetch`, `xhr`, `font`, `image`,
    /// `module-script`, `stylesheet`, `eventsource`, `form`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fetch => "fetch",
            Self::Xhr => "xhr",
            Self::Font => "font",
            Self::Image => "image",
            Self::ModuleScript => "module-script",
            Self::Stylesheet => "stylesheet",
            Self::EventSource => "eventsource",
            Self::Form => "form",
        }
    }

    /// The request modes the page can give it: an element with a `crossorigin` attribute is
    /// `cors`, one without is `no-cors`; a form's navigation is `no-cors` to CORS.
    ///
    /// ```
    /// use corsair::browser::{Initiator, Mode};
    ///
    /// assert_eq!(Initiator::Image.modes(), [Mode::Cors, Mode::NoCors]);
    /// assert_eq!(Initiator::Font.modes(), [Mode::Cors]);
    /// ```
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Self::Fetch => &Mode::ALL,
            Self::Image | Self::Stylesheet => &[Mode::Cors, Mode::NoCors],
            Self::Xhr | Self::Font | Self::ModuleScript | Self::EventSource => &[Mode::Cors],
            Self::Form => &[Mode::NoCors],
        }
    }

    /// The mode it has when the page says nothing: `cors`, except a form's `no-cors`.
    pub fn default_mode(self) -> Mode {
        self.modes()[0]
    }

    /// The credentials modes it can have in `mode`: `withCredentials` and
    /// `crossorigin="use-credentials"` are `include`, their absence and
    /// `crossorigin="anonymous"` `same-origin`; a font is always `same-origin`; an element
    /// without `crossorigin` and a form always send credentials (`include`).
    pub fn credentials(self, mode: Mode) -> &'static [Credentials] {
        match (self, mode) {
            (Self::Fetch, _) => &Credentials::ALL,
            (Self::Font, _) => &[Credentials::SameOrigin],
            (Self::Form, _) | (_, Mode::NoCors) => &[Credentials::Include],
            _ => &[Credentials::SameOrigin, Credentials::Include],
        }
    }

    /// The credentials mode it has in `mode` when the page says nothing.
    pub fn default_credentials(self, mode: Mode) -> Credentials {
        self.credentials(mode)
            .iter()
            .copied()
            .find(|c| *c == Credentials::SameOrigin)
            .unwrap_or(Credentials::Include)
    }

    /// Whether the page chooses the method and headers (`fetch()`, `XMLHttpRequest`): only
    /// those requests can need a preflight.
    pub fn can_preflight(self) -> bool {
        matches!(self, Self::Fetch | Self::Xhr)
    }

    /// The request's destination (`Sec-Fetch-Dest`): empty for script's own requests; a
    /// form's is the page's own window (`document`).
    pub fn destination(self) -> &'static str {
        match self {
            Self::Fetch | Self::Xhr | Self::EventSource => "empty",
            Self::Font => "font",
            Self::Image => "image",
            Self::ModuleScript => "script",
            Self::Stylesheet => "style",
            Self::Form => "document",
        }
    }

    /// Whether an element of the page makes it (a font, an image, a module script, a
    /// stylesheet), rather than script or a form.
    pub fn is_element(self) -> bool {
        matches!(
            self,
            Self::Font | Self::Image | Self::ModuleScript | Self::Stylesheet
        )
    }

    /// The headers its cache mode adds on the way to the network: an `EventSource` fetches
    /// with cache mode `no-store`, announced as `Pragma` and `Cache-Control: no-cache` (every
    /// engine sends both).
    pub fn cache_headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::EventSource => &[("Pragma", "no-cache"), ("Cache-Control", "no-cache")],
            _ => &[],
        }
    }

    /// What script can read of an answer CORS let through.
    pub fn readable(self) -> Readable {
        match self {
            Self::Fetch => Readable::Response,
            Self::Xhr => Readable::StatusAndHeaders,
            _ => Readable::Nothing,
        }
    }

    fn modes_hint(self) -> String {
        match self {
            Self::Image | Self::Stylesheet => {
                "an element with a `crossorigin` attribute is cors, one without is no-cors".into()
            }
            Self::Form => "a form submission is a navigation, which CORS never checks".into(),
            _ => format!("{self} requests are always cors"),
        }
    }

    fn credentials_hint(self, mode: Mode) -> String {
        let possible: Vec<&str> = self.credentials(mode).iter().map(|c| c.as_str()).collect();
        let why = match (self, mode) {
            (Self::Font, _) => "fonts are fetched with credentials same-origin",
            (Self::Form, _) => "a form submission always sends cookies",
            (_, Mode::NoCors) => "an element without `crossorigin` always sends cookies",
            (Self::Xhr | Self::EventSource, _) => {
                "withCredentials is include, its absence same-origin"
            }
            _ => "crossorigin=\"use-credentials\" is include, \"anonymous\" same-origin",
        };
        format!("use {} ({why})", possible.join(" or "))
    }
}

impl fmt::Display for Initiator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Initiator {
    type Err = UnknownInitiator;

    fn from_str(name: &str) -> Result<Self, UnknownInitiator> {
        Self::ALL
            .into_iter()
            .find(|initiator| initiator.as_str() == name)
            .ok_or_else(|| UnknownInitiator(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for initiator in Initiator::ALL {
            assert_eq!(initiator.as_str().parse(), Ok(initiator));
        }
        assert!("XHR".parse::<Initiator>().is_err());
    }

    #[test]
    fn elements_without_crossorigin_send_credentials() {
        assert_eq!(
            Initiator::Image.default_credentials(Mode::NoCors),
            Credentials::Include
        );
        assert_eq!(
            Initiator::Image.default_credentials(Mode::Cors),
            Credentials::SameOrigin
        );
        assert_eq!(
            Initiator::Form.default_credentials(Mode::NoCors),
            Credentials::Include
        );
        assert_eq!(
            Initiator::Font.credentials(Mode::Cors),
            [Credentials::SameOrigin]
        );
    }

    #[test]
    fn only_script_requests_can_be_preflighted_and_read() {
        let preflighted: Vec<_> = Initiator::ALL
            .into_iter()
            .filter(|i| i.can_preflight())
            .collect();
        assert_eq!(preflighted, [Initiator::Fetch, Initiator::Xhr]);
        assert_eq!(Initiator::Xhr.readable(), Readable::StatusAndHeaders);
        assert_eq!(Initiator::EventSource.readable(), Readable::Nothing);
    }
}
