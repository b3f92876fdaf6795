//! What a page asks for: `fetch(url, { method, headers, mode, credentials })`, or the same
//! request made by another [`Initiator`].

use std::{fmt, str::FromStr};

use super::{
    Url,
    initiator::{FORM_ENCODINGS, ImpossibleRequest, Initiator},
};
use crate::Origin;

/// `RequestInit.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// `cors`: the default for `fetch()`.
    #[default]
    Cors,
    /// `no-cors`: an opaque response, no CORS headers needed, no access for script.
    NoCors,
    /// `same-origin`: cross-origin URLs fail.
    SameOrigin,
}

/// `RequestInit.credentials`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Credentials {
    /// `omit`: never send cookies or HTTP authentication.
    Omit,
    /// `same-origin`: only to the page's own origin (the default).
    #[default]
    SameOrigin,
    /// `include`: always, which CORS then checks strictly.
    Include,
}

/// A value of [`Mode`] or [`Credentials`] that `fetch()` does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {what}: use {expected}")]
pub struct InvalidOption {
    value: String,
    what: &'static str,
    expected: &'static str,
}

impl FromStr for Mode {
    type Err = InvalidOption;

    fn from_str(value: &str) -> Result<Self, InvalidOption> {
        match value {
            "cors" => Ok(Self::Cors),
            "no-cors" => Ok(Self::NoCors),
            "same-origin" => Ok(Self::SameOrigin),
            _ => Err(InvalidOption {
                value: value.to_owned(),
                what: "request mode",
                expected: "cors, no-cors or same-origin",
            }),
        }
    }
}

impl FromStr for Credentials {
    type Err = InvalidOption;

    fn from_str(value: &str) -> Result<Self, InvalidOption> {
        match value {
            "omit" => Ok(Self::Omit),
            "same-origin" => Ok(Self::SameOrigin),
            "include" => Ok(Self::Include),
            _ => Err(InvalidOption {
                value: value.to_owned(),
                what: "credentials mode",
                expected: "omit, same-origin or include",
            }),
        }
    }
}

impl Mode {
    /// Every mode, in the order `fetch()` documents them.
    pub const ALL: [Mode; 3] = [Mode::Cors, Mode::NoCors, Mode::SameOrigin];

    /// The `RequestInit.mode` value, as [`FromStr`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cors => "cors",
            Self::NoCors => "no-cors",
            Self::SameOrigin => "same-origin",
        }
    }
}

impl Credentials {
    /// Every credentials mode, in the order `fetch()` documents them.
    pub const ALL: [Credentials; 3] = [
        Credentials::Omit,
        Credentials::SameOrigin,
        Credentials::Include,
    ];

    /// The `RequestInit.credentials` value, as [`FromStr`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Omit => "omit",
            Self::SameOrigin => "same-origin",
            Self::Include => "include",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a page asks for: `fetch(url, { method, headers, mode, credentials })` from a page at
/// `origin`, or what another [`Initiator`] asks for (see [`PageRequest::validate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// What makes the request.
    pub initiator: Initiator,
    /// The page's origin.
    pub origin: Origin,
    /// The URL fetched.
    pub url: Url,
    /// The method as the page wrote it.
    pub method: String,
    /// Headers the page sets, in order.
    pub headers: Vec<(String, String)>,
    /// `RequestInit.mode`.
    pub mode: Mode,
    /// `RequestInit.credentials`.
    pub credentials: Credentials,
}

impl PageRequest {
    /// A `GET` in `cors` mode with `same-origin` credentials, like `fetch(url)`.
    pub fn new(origin: Origin, url: Url) -> Self {
        Self {
            initiator: Initiator::Fetch,
            origin,
            url,
            method: "GET".to_owned(),
            headers: Vec::new(),
            mode: Mode::Cors,
            credentials: Credentials::SameOrigin,
        }
    }

    /// A `GET` made by `initiator` with the mode and credentials it has when the page says
    /// nothing more (an element with `crossorigin="anonymous"`, an `XMLHttpRequest` without
    /// `withCredentials`, a form submitted with GET).
    ///
    /// ```
    /// use corsair::{Origin, browser::{Credentials, Initiator, Mode, PageRequest, Url}};
    ///
    /// let page = Origin::parse("https://app.example")?;
    /// let font = PageRequest::by(Initiator::Font, page, Url::parse("https://cdn.example/a.woff2")?);
    /// assert_eq!((font.mode, font.credentials), (Mode::Cors, Credentials::SameOrigin));
    /// assert!(font.validate().is_ok());
    /// assert!(font.method("PUT").validate().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn by(initiator: Initiator, origin: Origin, url: Url) -> Self {
        let mode = initiator.default_mode();
        Self {
            initiator,
            mode,
            credentials: initiator.default_credentials(mode),
            ..Self::new(origin, url)
        }
    }

    /// Whether its initiator can make this request: the method and headers only `fetch()`
    /// and `XMLHttpRequest` choose (a form: GET or POST, and its encoding as `Content-Type`),
    /// the modes and credentials modes [`Initiator::modes`] and [`Initiator::credentials`]
    /// list. The model runs any request as given; a caller that takes requests from users
    /// checks them here first.
    pub fn validate(&self) -> Result<(), ImpossibleRequest> {
        let initiator = self.initiator;
        if !initiator.modes().contains(&self.mode) {
            return Err(ImpossibleRequest::Mode {
                initiator,
                mode: self.mode,
            });
        }
        if !initiator.credentials(self.mode).contains(&self.credentials) {
            return Err(ImpossibleRequest::Credentials {
                initiator,
                mode: self.mode,
                credentials: self.credentials,
            });
        }
        match initiator {
            Initiator::Fetch | Initiator::Xhr => Ok(()),
            Initiator::Form => self.validate_form(),
            _ if self.method != "GET" => Err(ImpossibleRequest::Method {
                initiator,
                method: self.method.clone(),
            }),
            _ => match self.headers.first() {
                Some((name, _)) => Err(ImpossibleRequest::Header {
                    initiator,
                    name: name.clone(),
                }),
                None => Ok(()),
            },
        }
    }

    fn validate_form(&self) -> Result<(), ImpossibleRequest> {
        if !matches!(self.method.as_str(), "GET" | "POST") {
            return Err(ImpossibleRequest::FormMethod {
                method: self.method.clone(),
            });
        }
        for (name, value) in &self.headers {
            if !name.eq_ignore_ascii_case("content-type") {
                return Err(ImpossibleRequest::Header {
                    initiator: Initiator::Form,
                    name: name.clone(),
                });
            }
            if !FORM_ENCODINGS.contains(&value.trim()) {
                return Err(ImpossibleRequest::FormEncoding {
                    value: value.clone(),
                });
            }
        }
        Ok(())
    }

    /// Sets the initiator (keeping the mode and credentials: see [`PageRequest::by`]).
    pub fn initiator(mut self, initiator: Initiator) -> Self {
        self.initiator = initiator;
        self
    }

    /// Sets the method.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the credentials mode.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
}
