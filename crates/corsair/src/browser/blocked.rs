//! Why a browser blocked a request, in the words its console uses, in plain words, and as the
//! fix the server needs.

use std::fmt;

use super::{Browser, Initiator};

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
    /// What made the request: the engines name it in their messages.
    pub initiator: Initiator,
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

    /// The reason this one's wording stands for when its value tells: Firefox reports a
    /// header with several values as not matching them, and versions before 52 reported `*`
    /// refused for a request with credentials as not matching `*`.
    fn meant(&self) -> Option<Self> {
        match self {
            Self::AllowOriginMismatch { value } if value == "*" => {
                Some(Self::WildcardOriginNotAllowed)
            }
            Self::AllowOriginMismatch { value } if is_origin_list(value) => {
                Some(Self::MultipleAllowOriginValues {
                    value: value.clone(),
                })
            }
            _ => None,
        }
    }

    /// The usual reasons a server ends up answering this way, most common first.
    pub fn likely_causes(&self) -> &'static [&'static str] {
        if let Some(meant) = self.meant() {
            return meant.likely_causes();
        }
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
}

impl Blocked {
    /// The message the browser prints in its console.
    ///
    /// ```
    /// use corsair::browser::{BlockReason, Blocked, Browser, Initiator};
    ///
    /// let blocked = Blocked {
    ///     initiator: Initiator::Fetch,
    ///     reason: BlockReason::MissingAllowOrigin,
    ///     in_preflight: false,
    ///     url: "https://api.example.com/items".into(),
    ///     initial_url: "https://api.example.com/items".into(),
    ///     origin: "https://app.example.com".into(),
    ///     page_origin: "https://app.example.com".into(),
    ///     status: Some(200),
    /// };
    /// assert_eq!(
    ///     blocked.console_message(Browser::default()), // Chromium
    ///     "Access to fetch at 'https://api.example.com/items' from origin \
    ///      'https://app.example.com' has been blocked by CORS policy: No \
    ///      'Access-Control-Allow-Origin' header is present on the requested resource."
    /// );
    /// ```
    pub fn console_message(&self, browser: Browser) -> String {
        (browser.profile().messages.render)(self)
    }

    /// The same failure with the reason its wording stands for (see [`BlockReason::meant`]).
    fn meant(&self) -> Option<Self> {
        let reason = self.reason.meant()?;
        Some(Self {
            reason,
            ..self.clone()
        })
    }

    /// What happened, in one plain sentence (two when the response's error status tells
    /// more).
    pub fn cause(&self) -> String {
        use BlockReason::*;
        if let Some(meant) = self.meant() {
            return meant.cause();
        }
        let (stage, stage_within) = if self.in_preflight {
            (
                "The preflight (OPTIONS) response",
                "the preflight (OPTIONS) response's",
            )
        } else {
            ("The response", "the response's")
        };
        match &self.reason {
            InvalidMethod { method } => format!("`{method}` is not a valid HTTP method, so fetch() refused to send anything."),
            ForbiddenMethod { method } => format!("Browsers never send `{method}` from script."),
            NoCorsMethod { method } => format!("A `no-cors` request may only use GET, HEAD or POST, not `{method}`."),
            DisallowedByMode => "The page asked for mode `same-origin` but the URL is on another origin.".to_owned(),
            MissingAllowOrigin => format!("{stage} has no Access-Control-Allow-Origin header, so the browser hides it from the page.{}", self.status.map(|status| error_status_note(status, self.in_preflight)).unwrap_or_default()),
            MultipleAllowOriginValues { value } => format!("{stage} names several origins (`{value}`); browsers accept exactly one, often a sign that both a proxy and the application add the header."),
            InvalidAllowOriginValue { value } => format!("{stage} has Access-Control-Allow-Origin `{value}`, which is not an origin."),
            AllowOriginMismatch { value } => format!("{stage} allows origin `{value}`, which is not the page's origin `{}` (origins must match exactly: scheme, host, port, no path or trailing slash).", self.origin),
            WildcardOriginNotAllowed => format!("{stage} allows `*`, which browsers ignore for requests with credentials (cookies, HTTP auth)."),
            InvalidAllowCredentials { value } => format!("The request includes credentials but {stage_within} Access-Control-Allow-Credentials is {}.", if value.is_empty() { "missing".to_owned() } else { format!("`{value}`, not `true`") }),
            PreflightInvalidStatus { status: 0 } => "The server answered the preflight (OPTIONS) request with a status that is not 2xx (the message does not say which); it must answer 2xx, usually 204, without requiring authentication.".to_owned(),
            PreflightInvalidStatus { status } => format!("The server answered the preflight (OPTIONS) request with {status}{}; it must answer 2xx, usually 204, without requiring authentication.", preflight_status_meaning(*status)),
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
        if let Some(meant) = self.meant() {
            return meant.fix();
        }
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
                "Answer with the page's origin instead of `*` and keep the credentials grant: `Access-Control-Allow-Origin: {origin}`, `Access-Control-Allow-Credentials: true` and `Vary: Origin`. With corsair: list \"{origin}\" in allow_origins instead of \"*\" and keep allow_credentials = true."
            ),
            InvalidAllowCredentials { .. } => format!(
                "Send `Access-Control-Allow-Credentials: true` (lowercase, exactly) on {response}. With corsair: allow_credentials = true."
            ),
            PreflightInvalidStatus { status } => format!("Answer OPTIONS preflights with 204 (or 200) before any authentication, routing or error handling: {} comes from a layer that runs before CORS. Move the CORS layer in front of it (outermost); corsair answers preflights itself.", if *status == 0 { "the error status".to_owned() } else { format!("the {status}") }),
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

/// Whether a value is several origins (or `*` and `null`) in one, separated by commas or
/// spaces: an origin has neither.
fn is_origin_list(value: &str) -> bool {
    let looks_like_origin = |part: &str| {
        matches!(part, "*" | "null")
            || part.split_once("://").is_some_and(|(scheme, host)| {
                !scheme.is_empty() && !host.is_empty() && !host.contains('/')
            })
    };
    let parts: Vec<&str> = value
        .split([',', ' '])
        .filter(|part| !part.is_empty())
        .collect();
    parts.len() > 1 && parts.iter().all(|part| looks_like_origin(part))
}

/// What a response without CORS headers tells by its error status: error responses are
/// often made by a layer that runs before (or instead of) the CORS layer. A preflight's
/// status says which layer answered OPTIONS.
fn error_status_note(status: u16, in_preflight: bool) -> String {
    if in_preflight && (400..=599).contains(&status) {
        return format!(
            " It is a {status}{}: answer OPTIONS preflights with 204 before any routing, authentication or error handling.",
            preflight_status_meaning(status)
        );
    }
    let meaning = match status {
        400 => "the server could not read the request",
        401 | 403 => "authentication or authorization refused the request",
        404 => "nothing answers at this URL: check the URL and the route",
        405 => "the route does not accept this method",
        421 => {
            "the server does not serve this host on this connection, often an HTTP/2 connection reused across hosts that share a certificate"
        }
        429 => "the request was rate limited",
        500 => "the application failed",
        502 | 504 => "a proxy or gateway got no good answer from the application",
        503 => {
            "the application, or a proxy in front of it, is unavailable: overloaded, restarting or in maintenance"
        }
        _ if (400..=599).contains(&status) => "an error status",
        _ => return String::new(),
    };
    format!(
        " It is a {status} ({meaning}), and error responses often come from a layer that runs before CORS: fix the {status} first, or have the CORS layer add its headers to errors too."
    )
}

/// What a preflight's non-2xx status usually means: the layer that answered before CORS.
fn preflight_status_meaning(status: u16) -> &'static str {
    match status {
        401 | 403 => {
            " (authentication or authorization runs before CORS and refuses the OPTIONS request, which never carries credentials)"
        }
        404 | 405 => " (routing runs before CORS: no route answers OPTIONS at this URL)",
        500..=599 => {
            " (an error handler runs before CORS: the OPTIONS request made the application fail)"
        }
        _ => "",
    }
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cause())
    }
}

/// What a console text reports that is not one of the model's [`BlockReason`]s: a line that
/// hides the reason, a failure before CORS ran, or a check that is not CORS at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtherKind {
    /// A summary line that names no reason (WebKit's "… due to access control checks.",
    /// Chromium's `net::ERR_FAILED`): the reason is in another console line, or hidden.
    Unspecified,
    /// The request never got an HTTP response the browser could check (Firefox's "CORS
    /// request did not succeed", Chromium's `net::ERR_CONNECTION_REFUSED`...).
    NetworkFailure,
    /// A cross-origin request to a URL that is not http(s), usually a page opened from
    /// `file://`.
    RequestNotHttp,
    /// CORS turned off in the browser's settings (Firefox's `content.cors.disable`).
    CorsDisabled,
    /// `Cross-Origin-Resource-Policy` refused a `no-cors` load.
    CrossOriginResourcePolicy,
    /// The page's `Cross-Origin-Embedder-Policy` requires CORP or CORS of every resource.
    CrossOriginEmbedderPolicy,
    /// An `http:` request from an `https:` page.
    MixedContent,
    /// Private (Local) Network Access: a request from a less private address space into a
    /// more private one (a public site calling `localhost` or a LAN address).
    PrivateNetworkAccess,
}

impl OtherKind {
    /// Every kind.
    pub const ALL: [OtherKind; 8] = [
        Self::Unspecified,
        Self::NetworkFailure,
        Self::RequestNotHttp,
        Self::CorsDisabled,
        Self::CrossOriginResourcePolicy,
        Self::CrossOriginEmbedderPolicy,
        Self::MixedContent,
        Self::PrivateNetworkAccess,
    ];

    /// A stable identifier, for JSON output and tests (never one of [`BlockReason::kind`]'s).
    pub fn kind(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::NetworkFailure => "network_failure",
            Self::RequestNotHttp => "request_not_http",
            Self::CorsDisabled => "cors_disabled",
            Self::CrossOriginResourcePolicy => "cross_origin_resource_policy",
            Self::CrossOriginEmbedderPolicy => "cross_origin_embedder_policy",
            Self::MixedContent => "mixed_content",
            Self::PrivateNetworkAccess => "private_network_access",
        }
    }

    /// Whether CORS response headers can fix it at all.
    pub fn is_cors(self) -> bool {
        matches!(self, Self::Unspecified | Self::NetworkFailure)
    }

    /// What happened, in one plain sentence.
    pub fn cause(self) -> &'static str {
        match self {
            Self::Unspecified => {
                "The console hides the reason: this line only says that the browser blocked the response (Firefox names it at the end of the same line, unless the paste cut it off or the Firefox is older than 31; WebKit prints it, if at all, on a line of its own, and Safari often prints none; Chromium's net::ERR_FAILED follows the line that names it)."
            }
            Self::NetworkFailure => {
                "The request got no HTTP response the browser could check: the connection failed (DNS, refused, reset, TLS, a proxy or an extension blocking it), or an earlier line of the same request (a failed preflight or redirect) cancelled it. This is not a redirect problem."
            }
            Self::RequestNotHttp => {
                "The request goes to a URL that is not http(s), usually because the page was opened from file://; browsers allow cross-origin requests only over http and https. CORS headers will not fix this."
            }
            Self::CorsDisabled => {
                "CORS is disabled in this browser's settings, so every cross-origin request fails. CORS headers will not fix this."
            }
            Self::CrossOriginResourcePolicy => {
                "The resource's Cross-Origin-Resource-Policy header (for example `same-origin`) forbids other origins to load it. CORS headers will not fix this."
            }
            Self::CrossOriginEmbedderPolicy => {
                "The page sends Cross-Origin-Embedder-Policy: require-corp (or credentialless), so every cross-origin resource it loads must opt in with Cross-Origin-Resource-Policy or be loaded with CORS. Access-Control-Allow-Origin alone on a no-cors load will not fix this."
            }
            Self::MixedContent => {
                "An https page requested an http URL, which browsers block as mixed content before any CORS check. CORS headers will not fix this."
            }
            Self::PrivateNetworkAccess => {
                "A page from a less private network (the public internet, or plain http) requested a more private address (localhost or a LAN address), which Chromium's Private/Local Network Access rules block. Access-Control-Allow-Origin alone will not fix this."
            }
        }
    }

    /// The usual reasons, most common first.
    pub fn likely_causes(self) -> &'static [&'static str] {
        match self {
            Self::Unspecified => &[
                "any CORS failure: the real reason is in the line before or after this one, or only `corsair check` shows it",
                "in Safari, a missing or mismatching Access-Control-Allow-Origin on an error response (401, 404, 500)",
            ],
            Self::NetworkFailure => &[
                "the server is down or the URL's host or port is wrong",
                "a TLS problem: a self-signed or expired certificate, http vs https",
                "an ad blocker, privacy extension or proxy that cancelled the request",
                "a preflight or redirect that failed first (look for another line about the same URL)",
            ],
            Self::RequestNotHttp => &[
                "the page opened from file:// instead of a local web server",
                "a URL without http:// or https:// (e.g. `localhost:5000/api`), read as a scheme `localhost:`",
            ],
            Self::CorsDisabled => &["`content.cors.disable` set to true in about:config"],
            Self::CrossOriginResourcePolicy => &[
                "a security middleware (helmet, a CDN, a framework default) that sends `Cross-Origin-Resource-Policy: same-origin`",
            ],
            Self::CrossOriginEmbedderPolicy => &[
                "COEP enabled on the page (for SharedArrayBuffer or cross-origin isolation) while a third-party script, image or font sends no Cross-Origin-Resource-Policy",
            ],
            Self::MixedContent => &[
                "an API URL hard-coded with http://",
                "a redirect from https to http, or a reverse proxy that builds http URLs",
            ],
            Self::PrivateNetworkAccess => &[
                "a public or http page calling a service on localhost or the LAN",
                "a preflight without `Access-Control-Allow-Private-Network: true`",
            ],
        }
    }

    /// What to do, concretely.
    pub fn fix(self) -> &'static str {
        match self {
            Self::Unspecified => {
                "Run the `corsair check` command below: it replays the request as the browser sends it and names the header that fails. In Safari, also look for a line just before this one."
            }
            Self::NetworkFailure => {
                "Make the request reach the server: check the URL, that the server runs, its certificate, and extensions or proxies; if another line about the same URL names a CORS reason, fix that one."
            }
            Self::RequestNotHttp => {
                "Serve the page from a web server (e.g. `python3 -m http.server` in its folder) and open it over http://localhost, and use http(s) URLs in requests."
            }
            Self::CorsDisabled => "Set `content.cors.disable` back to false in about:config.",
            Self::CrossOriginResourcePolicy => {
                "On the resource, send `Cross-Origin-Resource-Policy: cross-origin` (or `same-site` when the page is on the same site), or drop the header; nothing on the page side changes it."
            }
            Self::CrossOriginEmbedderPolicy => {
                "Make the resource send `Cross-Origin-Resource-Policy: cross-origin`, or load it with CORS (the `crossorigin` attribute, plus Access-Control-Allow-Origin on the resource), or relax the page's Cross-Origin-Embedder-Policy."
            }
            Self::MixedContent => {
                "Request the https:// URL (serve the API over https) so that no http request leaves an https page."
            }
            Self::PrivateNetworkAccess => {
                "Serve the page over https; answer the preflight with `Access-Control-Allow-Private-Network: true` (corsair: allow_private_network = true) besides the usual CORS headers; newer Chromium also asks the user for Local Network Access permission."
            }
        }
    }
}
