//! Why a browser blocked a request, in the words its console uses, in plain words, and as the
//! fix the server needs.

use std::fmt;

use super::Browser;

/// What went wrong, as the engines distinguish it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockReason {
    /// `fetch()` refused the method: not an HTTP token.
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// `fetch()` refused the method: CONNECT, TRACE or TRACK.
    ForbiddenMethod {
        /// The method as given.
        method: String,
    },
    /// `fetch()` refused the method: `no-cors` mode allows only GET, HEAD and POST.
    NoCorsMethod {
        /// The method as given.
        method: String,
    },
    /// Mode `same-origin` to another origin.
    DisallowedByMode,
    /// No `Access-Control-Allow-Origin`.
    MissingAllowOrigin,
    /// Several origins (several header lines, or a list in one).
    MultipleAllowOriginValues {
        /// The header value as the browser saw it.
        value: String,
    },
    /// A value that is not an origin at all.
    InvalidAllowOriginValue {
        /// The header value.
        value: String,
    },
    /// An origin, but not the page's.
    AllowOriginMismatch {
        /// The header value.
        value: String,
    },
    /// `*` on a credentialed request.
    WildcardOriginNotAllowed,
    /// A credentialed request without `Access-Control-Allow-Credentials: true`.
    InvalidAllowCredentials {
        /// The header value (empty when absent).
        value: String,
    },
    /// A preflight answered with a status outside 200-299.
    PreflightInvalidStatus {
        /// The status.
        status: u16,
    },
    /// A preflight answered with a redirect.
    PreflightDisallowedRedirect,
    /// `Access-Control-Allow-Methods` holds something that is not a method token.
    InvalidAllowMethods {
        /// The offending element.
        token: String,
    },
    /// `Access-Control-Allow-Headers` holds something that is not a header name.
    InvalidAllowHeaders {
        /// The offending element.
        token: String,
    },
    /// The method is not in `Access-Control-Allow-Methods`.
    MethodNotAllowed {
        /// The request method.
        method: String,
    },
    /// A request header is not in `Access-Control-Allow-Headers`.
    HeaderNotAllowed {
        /// The header name, lowercase.
        name: String,
    },
    /// A redirect of a CORS request to a URL with a username or password.
    RedirectContainsCredentials {
        /// The redirect target.
        location: String,
    },
    /// More than 20 redirects.
    TooManyRedirects,
    /// A redirect whose `Location` is missing, unparsable or not http(s).
    InvalidRedirectLocation {
        /// The `Location` value.
        location: String,
    },
}

/// A blocked request: the reason and what the console message needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// What went wrong.
    pub reason: BlockReason,
    /// Whether the preflight failed (rather than the request itself).
    pub in_preflight: bool,
    /// The URL being fetched when it failed (after any redirects).
    pub url: String,
    /// The URL the page asked for.
    pub initial_url: String,
    /// The request origin as sent in `Origin` (`null` after a cross-origin redirect).
    pub origin: String,
    /// The page's origin, the request's initiator: what Chromium names in its message even
    /// after a cross-origin redirect turned `Origin` into `null`.
    pub page_origin: String,
    /// The status of the response that failed the check, if there was one.
    pub status: Option<u16>,
}

impl BlockReason {
    /// A stable identifier, for JSON output and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidMethod { .. } => "invalid_method",
            Self::ForbiddenMethod { .. } => "forbidden_method",
            Self::NoCorsMethod { .. } => "no_cors_method",
            Self::DisallowedByMode => "disallowed_by_mode",
            Self::MissingAllowOrigin => "missing_allow_origin",
            Self::MultipleAllowOriginValues { .. } => "multiple_allow_origin_values",
            Self::InvalidAllowOriginValue { .. } => "invalid_allow_origin_value",
            Self::AllowOriginMismatch { .. } => "allow_origin_mismatch",
            Self::WildcardOriginNotAllowed => "wildcard_origin_not_allowed",
            Self::InvalidAllowCredentials { .. } => "invalid_allow_credentials",
            Self::PreflightInvalidStatus { .. } => "preflight_invalid_status",
            Self::PreflightDisallowedRedirect => "preflight_disallowed_redirect",
            Self::InvalidAllowMethods { .. } => "invalid_allow_methods",
            Self::InvalidAllowHeaders { .. } => "invalid_allow_headers",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::HeaderNotAllowed { .. } => "header_not_allowed",
            Self::RedirectContainsCredentials { .. } => "redirect_contains_credentials",
            Self::TooManyRedirects => "too_many_redirects",
            Self::InvalidRedirectLocation { .. } => "invalid_redirect_location",
        }
    }

    /// The usual reasons a server ends up answering this way, most common first.
    pub fn likely_causes(&self) -> &'static [&'static str] {
        match self {
            Self::InvalidMethod { .. }
            | Self::ForbiddenMethod { .. }
            | Self::NoCorsMethod { .. } => &[
                "a typo in the method passed to fetch()",
                "code written for a non-browser HTTP client",
            ],
            Self::DisallowedByMode => {
                &["`mode: 'same-origin'` set on a request meant for an API on another origin"]
            }
            Self::MissingAllowOrigin => &[
                "the server (or this route) has no CORS support at all",
                "the origin is not in the server's allowed list (well-behaved servers send no grant to refused origins)",
                "a refused preflight: strict servers (corsair among them, unless its debug switch is on) answer a method or header they do not allow with no grant at all, so the browser can only report the missing origin",
                "the request failed before the CORS layer ran: a 404, 500 or 502 from a proxy, a gateway or an error handler",
                "the CORS middleware is mounted after routing or authentication, so error responses skip it",
            ],
            Self::MultipleAllowOriginValues { .. } => &[
                "both a proxy or gateway (nginx, Traefik, Kong, API Gateway) and the application add the header",
                "a configuration that lists several origins in one header instead of answering with the matching one",
            ],
            Self::InvalidAllowOriginValue { .. } | Self::AllowOriginMismatch { .. } => &[
                "a hard-coded origin that differs from the page's: http vs https, www vs apex, another port",
                "a trailing slash or path in the configured origin",
                "a cache serving an answer meant for another origin (missing `Vary: Origin`)",
            ],
            Self::WildcardOriginNotAllowed => {
                &["`*` configured while the page sends cookies or uses `credentials: 'include'`"]
            }
            Self::InvalidAllowCredentials { .. } => &[
                "credentials not enabled in the server's CORS configuration",
                "the header sent with another value than the exact lowercase `true`",
            ],
            Self::PreflightInvalidStatus { .. } => &[
                "authentication required on OPTIONS requests (browsers never send credentials with a preflight)",
                "no route or handler for OPTIONS (404 or 405)",
                "a framework or proxy answering OPTIONS itself with an error",
            ],
            Self::PreflightDisallowedRedirect => &[
                "a redirect to add or remove a trailing slash",
                "an http-to-https redirect",
                "a redirect to a login page",
            ],
            Self::InvalidAllowMethods { .. } | Self::InvalidAllowHeaders { .. } => {
                &["a malformed list: spaces inside names, other separators than commas, quotes"]
            }
            Self::MethodNotAllowed { .. } => &[
                "the method is not in the server's allowed methods",
                "the list has another case (`patch` vs `PATCH`): methods are case-sensitive",
                "`*` sent while the request includes credentials, where it means a method named `*`",
            ],
            Self::HeaderNotAllowed { .. } => &[
                "the header is not in the server's allowed headers (often `content-type` for JSON, or `authorization`)",
                "`*` sent while the request includes credentials, where it means a header named `*`",
            ],
            Self::RedirectContainsCredentials { .. } => {
                &["a redirect to a URL carrying `user:password@`"]
            }
            Self::TooManyRedirects => &[
                "a redirect loop, often between http and https or with and without a trailing slash",
            ],
            Self::InvalidRedirectLocation { .. } => {
                &["a `Location` header that is empty or not an http(s) URL"]
            }
        }
    }

    /// Chromium prefixes these, when a preflight fails them, with "Response to preflight
    /// request doesn't pass access control check: " (`IsPreflightError`).
    fn is_access_check(&self) -> bool {
        matches!(
            self,
            Self::MissingAllowOrigin
                | Self::MultipleAllowOriginValues { .. }
                | Self::InvalidAllowOriginValue { .. }
                | Self::AllowOriginMismatch { .. }
                | Self::WildcardOriginNotAllowed
                | Self::InvalidAllowCredentials { .. }
                | Self::PreflightInvalidStatus { .. }
                | Self::PreflightDisallowedRedirect
        )
    }
}

impl Blocked {
    /// The message the browser prints in its console.
    ///
    /// ```
    /// use corsair::browser::{BlockReason, Blocked, Browser};
    ///
    /// let blocked = Blocked {
    ///     reason: BlockReason::MissingAllowOrigin,
    ///     in_preflight: false,
    ///     url: "https://api.example.com/items".into(),
    ///     initial_url: "https://api.example.com/items".into(),
    ///     origin: "https://app.example.com".into(),
    ///     page_origin: "https://app.example.com".into(),
    ///     status: Some(200),
    /// };
    /// assert_eq!(
    ///     blocked.console_message(Browser::Chromium),
    ///     "Access to fetch at 'https://api.example.com/items' from origin \
    ///      'https://app.example.com' has been blocked by CORS policy: No \
    ///      'Access-Control-Allow-Origin' header is present on the requested resource."
    /// );
    /// ```
    pub fn console_message(&self, browser: Browser) -> String {
        match browser {
            Browser::Chromium => self.chromium(),
            Browser::Firefox => self.firefox(),
            Browser::WebKit => self.webkit(),
        }
    }

    /// Chromium's `GetErrorStringForConsoleMessage` (cors_error_string.cc), current wording:
    /// the "no-cors" suggestion is gone, and only the three Allow-Origin value errors end with
    /// "Have the server send the header with a valid value."
    ///
    /// After a cross-origin redirect Chromium 156 names the page's origin ("from origin
    /// 'http://app.example'") although the request carried `Origin: null`.
    fn chromium(&self) -> String {
        use BlockReason::*;
        const VALID_VALUE: &str = " Have the server send the header with a valid value.";
        let hint = |value: &str| encode_hint(value);
        let detail = match &self.reason {
            InvalidMethod { method } => {
                return format!(
                    "Failed to execute 'fetch' on 'Window': '{}' is not a valid HTTP method.",
                    hint(method)
                );
            }
            ForbiddenMethod { method } => {
                return format!(
                    "Failed to execute 'fetch' on 'Window': '{}' HTTP method is unsupported.",
                    hint(method)
                );
            }
            NoCorsMethod { method } => {
                return format!(
                    "Failed to execute 'fetch' on 'Window': '{}' is unsupported in no-cors mode.",
                    hint(method)
                );
            }
            DisallowedByMode => {
                return format!(
                    "Fetch API cannot load {}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
                    self.url, self.page_origin
                );
            }
            TooManyRedirects => return format!("GET {} net::ERR_TOO_MANY_REDIRECTS", self.url),
            InvalidRedirectLocation { .. } => {
                return format!("GET {} net::ERR_INVALID_REDIRECT", self.url);
            }
            MissingAllowOrigin => {
                "No 'Access-Control-Allow-Origin' header is present on the requested resource."
                    .to_owned()
            }
            MultipleAllowOriginValues { value } => format!(
                "The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only one is allowed.{VALID_VALUE}",
                hint(value)
            ),
            InvalidAllowOriginValue { value } => format!(
                "The 'Access-Control-Allow-Origin' header contains the invalid value '{}'.{VALID_VALUE}",
                hint(value)
            ),
            AllowOriginMismatch { value } => format!(
                "The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to the supplied origin.{VALID_VALUE}",
                hint(value)
            ),
            WildcardOriginNotAllowed => "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.".to_owned(),
            InvalidAllowCredentials { value } => format!(
                "The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' which must be 'true' when the request's credentials mode is 'include'.",
                hint(value)
            ),
            PreflightInvalidStatus { .. } => "It does not have HTTP ok status.".to_owned(),
            PreflightDisallowedRedirect => {
                "Redirect is not allowed for a preflight request.".to_owned()
            }
            InvalidAllowMethods { .. } => "Cannot parse Access-Control-Allow-Methods response header field in preflight response.".to_owned(),
            InvalidAllowHeaders { .. } => "Cannot parse Access-Control-Allow-Headers response header field in preflight response.".to_owned(),
            MethodNotAllowed { method } => format!(
                "Method {} is not allowed by Access-Control-Allow-Methods in preflight response.",
                hint(method)
            ),
            HeaderNotAllowed { name } => format!(
                "Request header field {} is not allowed by Access-Control-Allow-Headers in preflight response.",
                hint(name)
            ),
            // Chromium builds this error without a location, so the quotes stay empty.
            RedirectContainsCredentials { .. } => "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.".to_owned(),
        };
        let redirected = if self.initial_url == self.url {
            String::new()
        } else {
            format!("(redirected from '{}') ", self.initial_url)
        };
        let preflight = if self.in_preflight && self.reason.is_access_check() {
            "Response to preflight request doesn't pass access control check: "
        } else {
            ""
        };
        format!(
            "Access to fetch at '{}' {redirected}from origin '{}' has been blocked by CORS policy: {preflight}{detail}",
            self.url, self.page_origin
        )
    }

    /// Firefox's `CORS*` strings (security.properties), with their typographic quotes, as
    /// Firefox 153 prints them: a failed preflight, and a redirect that fails the CORS check,
    /// are followed by the failure of the request itself ("CORS request did not succeed"),
    /// and a redirected preflight is also reported as an unsuccessful preflight in between,
    /// so those messages are two or three lines. (A redirect is known by its status here: a
    /// 3xx without `Location` that fails the check would print one line.)
    ///
    /// Mode `same-origin` fails with a security error naming the document's URL, which the
    /// model does not know: it renders the page's origin followed by `/` (exact for a page
    /// at the root; `recognize` reads any document URL there).
    fn firefox(&self) -> String {
        use BlockReason::*;
        let status = self
            .status
            .map_or_else(|| "(null)".to_owned(), |status| status.to_string());
        let blocked = |reason: &str| {
            format!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {}. (Reason: {reason}",
                self.url
            )
        };
        let reason = match &self.reason {
            InvalidMethod { method } | ForbiddenMethod { method } | NoCorsMethod { method } => {
                return format!("TypeError: Window.fetch: Invalid request method {method}.");
            }
            DisallowedByMode => {
                return format!(
                    "Security Error: Content at {}/ may not load data from {}.",
                    self.origin, self.url
                );
            }
            WildcardOriginNotAllowed => format!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
                self.url
            ),
            MissingAllowOrigin => blocked(&format!(
                "CORS header ‘Access-Control-Allow-Origin’ missing). Status code: {status}."
            )),
            MultipleAllowOriginValues { .. } => {
                blocked("Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed).")
            }
            InvalidAllowOriginValue { value } | AllowOriginMismatch { value } => blocked(&format!(
                "CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’)."
            )),
            InvalidAllowCredentials { .. } => {
                blocked("expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).")
            }
            PreflightInvalidStatus { status } => blocked(&format!(
                "CORS preflight response did not succeed). Status code: {status}."
            )),
            PreflightDisallowedRedirect => blocked(&format!(
                "CORS request external redirect not allowed).\n{}",
                blocked(&format!(
                    "CORS preflight response did not succeed). Status code: {status}."
                ))
            )),
            InvalidAllowMethods { token } => blocked(&format!(
                "invalid token ‘{token}’ in CORS header ‘Access-Control-Allow-Methods’)."
            )),
            InvalidAllowHeaders { token } => blocked(&format!(
                "invalid token ‘{token}’ in CORS header ‘Access-Control-Allow-Headers’)."
            )),
            MethodNotAllowed { .. } => {
                blocked("Did not find method in CORS header ‘Access-Control-Allow-Methods’).")
            }
            HeaderNotAllowed { name } => blocked(&format!(
                "header ‘{name}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response)."
            )),
            RedirectContainsCredentials { .. }
            | TooManyRedirects
            | InvalidRedirectLocation { .. } => {
                return blocked(FIREFOX_REQUEST_FAILED);
            }
        };
        // A failed preflight or redirect cancels the request, which Firefox reports too.
        let redirect = matches!(self.status, Some(301 | 302 | 303 | 307 | 308));
        if self.in_preflight || redirect {
            format!("{reason}\n{}", blocked(FIREFOX_REQUEST_FAILED))
        } else {
            reason
        }
    }

    /// WebKit's reason line (CrossOriginAccessControl.cpp), then its summary line
    /// (ThreadableLoader::logError), as WebKitGTK 2.50 prints them.
    ///
    /// For an invalid `Access-Control-Allow-Methods` or `-Headers` WebKit prints the whole
    /// header value; the model renders the offending element there, which is the same only
    /// when the header holds nothing else. A redirect that fails the CORS check is reported
    /// as "Cross-origin redirection to <Location> denied by Cross-Origin Resource Sharing
    /// policy: " and the reason; [`Blocked`] does not keep that `Location`, so the model
    /// renders the reason alone. A preflight that failed for its status and one
    /// that was redirected read alike ("Preflight response is not successful. Status code:
    /// 302"): only the status tells them apart.
    fn webkit(&self) -> String {
        use BlockReason::*;
        let status = self.status.unwrap_or(0);
        let detail = match &self.reason {
            InvalidMethod { .. } => {
                return "TypeError: Method is not a valid HTTP token.".to_owned();
            }
            ForbiddenMethod { .. } => return "TypeError: Method is forbidden.".to_owned(),
            NoCorsMethod { .. } => {
                return "TypeError: Method must be GET, POST or HEAD in no-cors mode.".to_owned();
            }
            DisallowedByMode => return format!("Fetch API cannot load {}.", self.url),
            MissingAllowOrigin | AllowOriginMismatch { .. } | InvalidAllowOriginValue { .. } => {
                format!(
                    "Origin {} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
                    self.origin
                )
            }
            MultipleAllowOriginValues { .. } => {
                "Access-Control-Allow-Origin cannot contain more than one origin.".to_owned()
            }
            WildcardOriginNotAllowed => {
                "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
                    .to_owned()
            }
            InvalidAllowCredentials { .. } => {
                "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\"."
                    .to_owned()
            }
            PreflightInvalidStatus { status } => {
                format!("Preflight response is not successful. Status code: {status}")
            }
            PreflightDisallowedRedirect => {
                format!("Preflight response is not successful. Status code: {status}")
            }
            InvalidAllowMethods { token } => {
                format!("Header Access-Control-Allow-Methods has an invalid value: {token}")
            }
            InvalidAllowHeaders { token } => {
                format!("Header Access-Control-Allow-Headers has an invalid value: {token}")
            }
            MethodNotAllowed { method } => {
                format!("Method {method} is not allowed by Access-Control-Allow-Methods.")
            }
            HeaderNotAllowed { name } => {
                format!(
                    "Request header field {name} is not allowed by Access-Control-Allow-Headers."
                )
            }
            // The first URL without its user name and password, the second as it was.
            RedirectContainsCredentials { location } => format!(
                "Cross-origin redirection to {} denied by Cross-Origin Resource Sharing policy: redirection URL {location} has credentials",
                without_userinfo(location)
            ),
            TooManyRedirects => "Load cannot follow more than 20 redirections".to_owned(),
            InvalidRedirectLocation { location } => format!(
                "Cross-origin redirection to {location} denied by Cross-Origin Resource Sharing policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme"
            ),
        };
        format!(
            "{detail}\nFetch API cannot load {} due to access control checks.",
            self.url
        )
    }

    /// What happened, in one plain sentence.
    pub fn cause(&self) -> String {
        use BlockReason::*;
        let stage = if self.in_preflight {
            "The preflight (OPTIONS) response"
        } else {
            "The response"
        };
        match &self.reason {
            InvalidMethod { method } => format!("`{method}` is not a valid HTTP method, so fetch() refused to send anything."),
            ForbiddenMethod { method } => format!("Browsers never send `{method}` from script."),
            NoCorsMethod { method } => format!("A `no-cors` request may only use GET, HEAD or POST, not `{method}`."),
            DisallowedByMode => "The page asked for mode `same-origin` but the URL is on another origin.".to_owned(),
            MissingAllowOrigin => format!("{stage} has no Access-Control-Allow-Origin header, so the browser hides it from the page."),
            MultipleAllowOriginValues { value } => format!("{stage} names several origins (`{value}`); browsers accept exactly one, often a sign that both a proxy and the application add the header."),
            InvalidAllowOriginValue { value } => format!("{stage} has Access-Control-Allow-Origin `{value}`, which is not an origin."),
            AllowOriginMismatch { value } => format!("{stage} allows origin `{value}`, which is not the page's origin `{}` (origins must match exactly: scheme, host, port, no path or trailing slash).", self.origin),
            WildcardOriginNotAllowed => format!("{stage} allows `*`, which browsers ignore for requests with credentials (cookies, HTTP auth)."),
            InvalidAllowCredentials { value } => format!("The request includes credentials but {} Access-Control-Allow-Credentials is {}.", stage.to_lowercase(), if value.is_empty() { "missing".to_owned() } else { format!("`{value}`, not `true`") }),
            PreflightInvalidStatus { status } => format!("The server answered the preflight (OPTIONS) request with {status}; it must answer 2xx, usually 204, without requiring authentication."),
            PreflightDisallowedRedirect => "The server redirected the preflight (OPTIONS) request; browsers never follow redirects for preflights.".to_owned(),
            InvalidAllowMethods { token } => format!("The preflight response's Access-Control-Allow-Methods contains `{token}`, which is not a method."),
            InvalidAllowHeaders { token } => format!("The preflight response's Access-Control-Allow-Headers contains `{token}`, which is not a header name."),
            MethodNotAllowed { method } => format!("The preflight response does not list `{method}` in Access-Control-Allow-Methods."),
            HeaderNotAllowed { name } => format!("The page sends the `{name}` header, which the preflight response does not list in Access-Control-Allow-Headers."),
            RedirectContainsCredentials { location } => format!("The server redirected to `{location}`, a URL with a username or password, which browsers refuse for cross-origin requests."),
            TooManyRedirects => "The server redirected more than 20 times.".to_owned(),
            InvalidRedirectLocation { location } => format!("The server redirected to `{location}`, which is not an http(s) URL."),
        }
    }

    /// What the server must do, concretely.
    pub fn fix(&self) -> String {
        use BlockReason::*;
        let origin = &self.origin;
        let response = if self.in_preflight {
            "the preflight (OPTIONS) response"
        } else {
            "the response (errors and redirects included)"
        };
        match &self.reason {
            InvalidMethod { .. } | ForbiddenMethod { .. } | NoCorsMethod { .. } | DisallowedByMode => {
                "Nothing on the server: change the request in the page.".to_owned()
            }
            MissingAllowOrigin | InvalidAllowOriginValue { .. } | AllowOriginMismatch { .. } => format!(
                "Send `Access-Control-Allow-Origin: {origin}` on {response}. With corsair: add \"{origin}\" to allow_origins."
            ),
            MultipleAllowOriginValues { .. } => format!(
                "Send exactly one `Access-Control-Allow-Origin: {origin}` on {response}: remove the header from the proxy or the application so only one layer sets it. corsair replaces any value the application set."
            ),
            WildcardOriginNotAllowed => format!(
                "Answer with the page's origin instead of `*`: `Access-Control-Allow-Origin: {origin}` and `Vary: Origin`. With corsair: list \"{origin}\" in allow_origins instead of \"*\"."
            ),
            InvalidAllowCredentials { .. } => format!(
                "Send `Access-Control-Allow-Credentials: true` (lowercase, exactly) on {response}. With corsair: allow_credentials = true."
            ),
            PreflightInvalidStatus { .. } => "Answer OPTIONS preflights with 204 (or 200) before any authentication or routing check. corsair answers them itself.".to_owned(),
            PreflightDisallowedRedirect => "Answer the preflight at this exact URL (no redirect to a trailing slash, https or a login page).".to_owned(),
            InvalidAllowMethods { .. } => "Send `Access-Control-Allow-Methods` as a comma-separated list of method names.".to_owned(),
            InvalidAllowHeaders { .. } => "Send `Access-Control-Allow-Headers` as a comma-separated list of header names.".to_owned(),
            MethodNotAllowed { method } => format!(
                "Send `Access-Control-Allow-Methods: {method}` in the preflight response. With corsair: add \"{method}\" to allow_methods."
            ),
            HeaderNotAllowed { name } => format!(
                "Send `Access-Control-Allow-Headers: {name}` in the preflight response. With corsair: add \"{name}\" to allow_headers."
            ),
            RedirectContainsCredentials { .. } => "Redirect to a URL without `user:password@`.".to_owned(),
            TooManyRedirects => "Break the redirect loop.".to_owned(),
            InvalidRedirectLocation { .. } => "Send a `Location` with an absolute http(s) URL.".to_owned(),
        }
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cause())
    }
}

/// Firefox's `CORSDidNotSucceed3` with an unknown status: the request itself failed.
const FIREFOX_REQUEST_FAILED: &str = "CORS request did not succeed). Status code: (null).";

/// `url` without `user:password@`.
fn without_userinfo(url: &str) -> String {
    match (url.split_once("://"), url.find('@')) {
        (Some((scheme, rest)), Some(_)) => {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}{path}")
        }
        _ => url.to_owned(),
    }
}

/// Chromium's `EncodeHint`: printable ASCII as is, anything else as `\uXXXX`.
fn encode_hint(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|unit| format!("\\u{unit:04X}"))
                    .collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Texts the real engines printed (captured by corsair-browser-tests' console suite),
    //! each next to the failure the model sees.

    use super::*;

    const URL: &str = "http://localhost:18081/s/1";

    fn blocked(reason: BlockReason, in_preflight: bool, status: Option<u16>) -> Blocked {
        Blocked {
            reason,
            in_preflight,
            url: URL.into(),
            initial_url: URL.into(),
            origin: "http://127.0.0.1:18080".into(),
            page_origin: "http://127.0.0.1:18080".into(),
            status,
        }
    }

    /// Firefox's lines for `reasons`, the last being the failed request itself.
    fn firefox_lines(reasons: &[&str]) -> String {
        reasons
            .iter()
            .chain(["CORS request did not succeed). Status code: (null)."].iter())
            .map(|reason| {
                format!(
                    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {URL}. (Reason: {reason}"
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn firefox_153_follows_a_failed_preflight_or_redirect_with_the_failed_request() {
        let method = BlockReason::MethodNotAllowed {
            method: "PUT".into(),
        };
        let cases = [
            (
                blocked(method, true, Some(204)),
                vec!["Did not find method in CORS header ‘Access-Control-Allow-Methods’)."],
            ),
            (
                blocked(BlockReason::MissingAllowOrigin, false, Some(302)),
                vec!["CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 302."],
            ),
            (
                blocked(BlockReason::PreflightDisallowedRedirect, true, Some(302)),
                vec![
                    "CORS request external redirect not allowed).",
                    "CORS preflight response did not succeed). Status code: 302.",
                ],
            ),
        ];
        for (blocked, reasons) in cases {
            assert_eq!(
                blocked.console_message(Browser::Firefox),
                firefox_lines(&reasons)
            );
        }
    }

    #[test]
    fn firefox_153_same_origin_mode_is_a_security_error() {
        assert_eq!(
            blocked(BlockReason::DisallowedByMode, false, None).console_message(Browser::Firefox),
            format!(
                "Security Error: Content at http://127.0.0.1:18080/ may not load data from {URL}."
            )
        );
    }

    #[test]
    fn firefox_153_refuses_a_no_cors_put_as_an_invalid_method() {
        let reason = BlockReason::NoCorsMethod {
            method: "PUT".into(),
        };
        assert_eq!(
            blocked(reason, false, None).console_message(Browser::Firefox),
            "TypeError: Window.fetch: Invalid request method PUT."
        );
    }

    fn webkit_lines(detail: &str) -> String {
        format!("{detail}\nFetch API cannot load {URL} due to access control checks.")
    }

    #[test]
    fn webkit_2_50_names_the_status_of_a_redirected_preflight() {
        assert_eq!(
            blocked(BlockReason::PreflightDisallowedRedirect, true, Some(302))
                .console_message(Browser::WebKit),
            webkit_lines("Preflight response is not successful. Status code: 302")
        );
    }

    #[test]
    fn webkit_2_50_redirect_texts() {
        let cases = [
            (
                BlockReason::TooManyRedirects,
                "Load cannot follow more than 20 redirections".to_owned(),
            ),
            (
                BlockReason::InvalidRedirectLocation {
                    location: "http://[bad".into(),
                },
                "Cross-origin redirection to http://[bad denied by Cross-Origin Resource Sharing policy: not allowed to follow a cross-origin CORS redirection with non CORS scheme".to_owned(),
            ),
            (
                BlockReason::RedirectContainsCredentials {
                    location: "http://u:p@localhost:18081/ok".into(),
                },
                "Cross-origin redirection to http://localhost:18081/ok denied by Cross-Origin Resource Sharing policy: redirection URL http://u:p@localhost:18081/ok has credentials".to_owned(),
            ),
        ];
        for (reason, detail) in cases {
            assert_eq!(
                blocked(reason, false, Some(302)).console_message(Browser::WebKit),
                webkit_lines(&detail)
            );
        }
    }

    #[test]
    fn webkit_2_50_same_origin_mode_and_refused_methods() {
        let method = || "PUT".to_owned();
        let cases = [
            (
                BlockReason::DisallowedByMode,
                format!("Fetch API cannot load {URL}."),
            ),
            (
                BlockReason::InvalidMethod { method: method() },
                "TypeError: Method is not a valid HTTP token.".to_owned(),
            ),
            (
                BlockReason::ForbiddenMethod { method: method() },
                "TypeError: Method is forbidden.".to_owned(),
            ),
            (
                BlockReason::NoCorsMethod { method: method() },
                "TypeError: Method must be GET, POST or HEAD in no-cors mode.".to_owned(),
            ),
        ];
        for (reason, text) in cases {
            assert_eq!(
                blocked(reason, false, None).console_message(Browser::WebKit),
                text
            );
        }
    }

    #[test]
    fn userinfo_is_removed_from_the_authority_only() {
        assert_eq!(
            without_userinfo("https://u:p@a.example:8443/x@y?z"),
            "https://a.example:8443/x@y?z"
        );
        assert_eq!(
            without_userinfo("https://a.example/x@y"),
            "https://a.example/x@y"
        );
    }
}
