//! The three engines as data: one [`Profile`] table per engine (`chromium.rs`, `firefox.rs`,
//! `webkit.rs`), read by the algorithm. Every place where an engine departs from the Fetch
//! Standard's text is a field of that table; nothing else in the model branches on the engine.

mod chromium;
mod firefox;
mod webkit;

use std::{fmt, str::FromStr, time::Duration};

use super::{Blocked, Initiator, Mode};

/// A browser engine whose CORS behaviour the model follows.
///
/// Where an engine differs from the spec text, the model follows the engine. What other code
/// may need to know about an engine is in its [`Facts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Browser {
    /// Chromium (Chrome, Edge, Opera...): the default.
    #[default]
    Chromium,
    /// Firefox (Gecko).
    Firefox,
    /// WebKit (Safari).
    WebKit,
}

/// The max-age a browser gives a preflight answer without `Access-Control-Max-Age`: 5 seconds
/// in all three engines (and in the spec).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5);

/// What an engine does that code outside the model may need: a lint's caps, a scanner's
/// expectations.
///
/// ```
/// use std::time::Duration;
/// use corsair::browser::Browser;
///
/// let longest = Browser::ALL.iter().map(|b| b.facts().max_age_cap).max();
/// assert_eq!(longest, Some(Duration::from_secs(86_400)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Facts {
    /// The longest a preflight answer is cached, whatever `Access-Control-Max-Age` says: 2
    /// hours in Chromium (`kMaxTimeout`), 24 hours in Firefox, 10 minutes in WebKit.
    pub max_age_cap: Duration,
    /// Whether a preflight that follows a cross-origin redirect carries `Origin: null`
    /// (Chromium; WebKit 2.50 too) rather than the page's origin (Firefox 153). Actual
    /// requests carry `null` after such a redirect in every engine.
    pub null_origin_in_redirected_preflights: bool,
    /// The `Sec-Fetch-Mode` and `Sec-Fetch-Dest` of an HTML form POST submitted into a frame
    /// (`navigate`, `iframe` in all three), and whether a WebSocket handshake carries
    /// `Sec-Fetch-*` at all: Chromium 156 sends none, Firefox 153 and WebKit 2.50 send
    /// `Sec-Fetch-Mode: websocket` (the real-browser suite `protection` records them).
    pub fetch_metadata: FetchMetadata,
    /// The characters besides ASCII letters, digits, `-` and `.` that the engine's URL parser
    /// keeps as they are in a domain (`new URL("https://a_b.example").host`), so a page can
    /// be served at, and send `Origin` with, a host holding them; sorted. Of those the URL
    /// Standard allows, Chromium 156 keeps all but `*` (it percent-encodes it), Firefox 153
    /// refuses `*` and `"`, WebKit 2.50 keeps them all (the real-browser suite
    /// `host_characters` records them).
    ///
    /// ```
    /// use corsair::browser::Browser;
    ///
    /// let webkit_only: String = Browser::WebKit.facts().host_specials.chars()
    ///     .filter(|c| Browser::ALL[..2].iter().all(|b| !b.facts().host_specials.contains(*c)))
    ///     .collect();
    /// assert_eq!(webkit_only, "*");
    /// ```
    pub host_specials: &'static str,
    /// How the engine puts the header values script sets on the wire: Chromium 156 and
    /// Firefox 153 send each character of the ByteString as one byte, WebKitGTK 2.50 encodes
    /// the string as UTF-8 (`é` is one byte in the first two, two in WebKit).
    ///
    /// ```
    /// use corsair::browser::Browser;
    ///
    /// assert_eq!(Browser::Firefox.facts().header_bytes.encode("é"), [0xe9]);
    /// assert_eq!(Browser::WebKit.facts().header_bytes.encode("é"), [0xc3, 0xa9]);
    /// ```
    pub header_bytes: HeaderBytes,
}

/// How an engine encodes a header value script set, as [`Facts::header_bytes`] holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderBytes {
    /// One byte per character (a ByteString's characters are all below U+0100).
    Latin1,
    /// UTF-8.
    Utf8,
}

impl HeaderBytes {
    /// The bytes the engine sends for `value` (in `Latin1`, a value holding a character
    /// beyond U+00FF, which script cannot set, keeps its UTF-8 bytes).
    pub fn encode(self, value: &str) -> Vec<u8> {
        match self {
            Self::Latin1 => crate::browser::safelist::header_value_bytes(value).into_owned(),
            Self::Utf8 => value.as_bytes().to_vec(),
        }
    }
}

/// The `Sec-Fetch-*` values an engine sends besides `Sec-Fetch-Site` (which depends only on the
/// page's and the target's sites), as [`Facts::fetch_metadata`] holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchMetadata {
    /// `Sec-Fetch-Mode` of a form submission: `navigate`.
    pub form_mode: &'static str,
    /// `Sec-Fetch-Dest` of a form submitted to the page's own window (`target="_self"`, or
    /// none): `document`. The model's [`Initiator::Form`](crate::browser::Initiator::Form)
    /// is this submission.
    pub form_dest: &'static str,
    /// `Sec-Fetch-Dest` of a form submitted into a frame: `iframe`.
    pub framed_form_dest: &'static str,
    /// `Sec-Fetch-Mode` and `Sec-Fetch-Dest` of a WebSocket handshake, or `None` when the
    /// engine sends no `Sec-Fetch-*` with it.
    pub websocket: Option<(&'static str, &'static str)>,
}

/// One engine's table: every fact the algorithm reads.
#[derive(Debug)]
pub(crate) struct Profile {
    /// The name used on the command line and in JSON.
    pub(crate) name: &'static str,
    /// The names [`Browser::from_str`] accepts for it, lowercase.
    pub(crate) aliases: &'static [&'static str],
    /// What code outside the model may read ([`Browser::facts`]).
    pub(crate) facts: Facts,
    /// How `Access-Control-Max-Age` is read.
    pub(crate) max_age: MaxAgeSyntax,
    /// How the preflight cache keys, merges and matches answers.
    pub(crate) cache: CacheRules,
    /// How the request's header names a preflight announces are counted.
    pub(crate) unsafe_names: UnsafeNames,
    /// Which unsafe name a failing `Access-Control-Allow-Headers` check reports.
    pub(crate) reported_header: ReportedHeader,
    /// How the preflight checks that both fail are ordered.
    pub(crate) preflight_order: PreflightOrder,
    /// How a mismatching `Access-Control-Allow-Origin` is classified.
    pub(crate) allow_origin: AllowOriginRules,
    /// What a redirect does to the request.
    pub(crate) redirects: RedirectRules,
    /// Where requests made by another initiator than `fetch()` depart from the spec.
    pub(crate) initiators: InitiatorRules,
    /// The console messages.
    pub(crate) messages: Messages,
}

/// How an engine parses `Access-Control-Max-Age`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MaxAgeSyntax {
    /// An integer with an optional sign (Chromium's `StringToInt64`, WebKit's
    /// `parseInteger`): zero or negative caches nothing, anything unparsable (empty
    /// included) means the 5 s default.
    SignedInteger,
    /// Digits only (Firefox 153): empty means the 5 s default, a sign or any other byte means
    /// "do not cache".
    DigitsOnly,
}

/// Which cached answers a request may use, and what a new answer does to them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheKey {
    /// One answer per (origin, URL); an answer obtained with credentials also serves a request
    /// without, not the other way round.
    OriginUrl,
    /// One answer per (origin, URL, credentials); a request uses only the answer obtained
    /// with its own credentials flag.
    OriginUrlCredentials,
}

/// What storing an answer under a key that already has one does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CacheUpdate {
    /// The new answer replaces the old.
    Replace,
    /// The methods and headers of both are kept.
    Merge,
}

/// When a cached `*` in `Access-Control-Allow-Methods` or `-Headers` is a wildcard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CachedWildcard {
    /// Never: it is matched literally.
    Literal,
    /// When the answer was obtained without credentials and the request has none; it never
    /// covers `Authorization`.
    AnswerAndRequestWithoutCredentials,
    /// When the request being checked has no credentials (however the answer was obtained);
    /// it covers `Authorization` too.
    RequestWithoutCredentials,
}

/// Which methods a cached answer covers without listing them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoveredMethods {
    /// The safelisted ones: GET, HEAD, POST.
    Safelisted,
    /// GET and POST only.
    GetAndPost,
}

/// The preflight cache's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CacheRules {
    pub(crate) key: CacheKey,
    pub(crate) update: CacheUpdate,
    pub(crate) wildcard: CachedWildcard,
    pub(crate) covered_methods: CoveredMethods,
    /// Whether a preflight answer obtained after a cross-origin redirect (sent with
    /// `Origin: null`) is cached for later fetches.
    pub(crate) stores_after_taint: bool,
    /// Whether an answer that passed the access checks and parsed is cached even when it
    /// does not allow the request's method or headers.
    pub(crate) stores_answers_that_refuse: bool,
    /// Whether the answer consulted for a request it does not cover is dropped before the
    /// request preflights again.
    pub(crate) drops_answers_that_miss: bool,
    /// Whether the answers for a URL are forgotten when a response from it (final or
    /// redirect) fails the CORS check.
    pub(crate) forgets_on_failed_check: bool,
}

/// How an engine counts the request's header names a preflight announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnsafeNames {
    /// Fetch's rule on the combined values (one per name).
    Combined,
    /// Gecko's rules (Firefox 153, `nsCORSListenerProxy`): each appended entry judged on
    /// its own, and a byte of 0x80 or more in `Accept` or `Content-Type` unsafe, which its
    /// `no-cors` guard applies too.
    Gecko,
}

/// Which name a failing `Access-Control-Allow-Headers` check reports, and in which order the
/// names are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReportedHeader {
    /// The sorted, lowercase list the preflight announced: the first refused of it.
    Sorted,
    /// The request's order, lowercase.
    RequestOrder,
    /// The request's order, as the page wrote the name.
    RequestOrderAsWritten,
}

/// How an engine orders the preflight checks that both fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PreflightOrder {
    /// The `Access-Control-Allow-Origin`/`-Credentials` check first, then the status
    /// (Chromium's `CheckPreflightAccess`, Firefox's `CheckRequestApproved`).
    AccessThenStatus,
    /// The status first (WebKit's `validatePreflightResponse`).
    StatusThenAccess,
}

/// How an engine classifies an `Access-Control-Allow-Origin` that is not the request's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AllowOriginRules {
    /// Whether several header lines are "multiple values" whatever they hold (Firefox counts
    /// lines; one line "a, b" is a mismatch there).
    pub(crate) counts_lines: bool,
    /// Characters that make a mismatching value "multiple values".
    pub(crate) list_separators: &'static [char],
    /// Whether a mismatching value that is neither `null` nor URL-like is "invalid" rather
    /// than a mismatch.
    pub(crate) tells_invalid_values: bool,
}

/// What an engine does with a redirect (301, 302, 303, 307, 308) whose `Location` is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EmptyLocation {
    /// The response is not a redirect: the page gets it as it is (Chromium 156).
    Ignored,
    /// The empty reference resolves to the same URL, as the WHATWG URL parser says, so the
    /// fetch redirects to itself until the redirect limit (Firefox 153).
    SameUrl,
    /// A network error (WebKit 2.50.6).
    Refused,
}

/// What a redirect does to the request, where engines depart from Fetch "HTTP-redirect fetch".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RedirectRules {
    pub(crate) empty_location: EmptyLocation,
    /// Whether, once a hop of a fetch needed a preflight, every later cross-origin hop is
    /// preflighted too, even a 303's `GET` that needs none by itself (the request keeps its
    /// "preflight required" flag across redirects; the spec decides per hop).
    pub(crate) preflights_every_hop_after_a_preflight: bool,
    /// Whether a same-origin hop of a cors-mode fetch with non-safelisted headers already
    /// counts as one that needed a preflight.
    pub(crate) flags_preflight_on_same_origin_hops: bool,
    /// Whether each redirect starts again from the page's own request headers, removing only
    /// what that redirect removes.
    pub(crate) rebuilds_headers: bool,
    /// Whether a redirect that turns the method into GET (303, or 301/302 after POST) drops
    /// the request-body headers (`Content-Type`...), as the spec says.
    pub(crate) drops_body_headers_on_method_change: bool,
    /// Whether a request redirected to another origin leaves out the `Pragma: no-cache` its
    /// cache mode added (keeping `Cache-Control: no-cache`).
    pub(crate) drops_added_pragma_across_origins: bool,
    /// Whether a cross-origin redirect removes `Authorization`, as the spec says.
    pub(crate) drops_authorization_across_origins: bool,
    /// Whether a redirect to another origin turns `DELETE` into `GET`, whatever its status.
    pub(crate) turns_delete_into_get_across_origins: bool,
    /// Whether a `no-cors` request's `Origin` becomes `null` on every redirect to another
    /// origin, even one that leaves the page's own origin (where Fetch's redirect-taint keeps
    /// the origin).
    pub(crate) taints_no_cors_on_any_cross_origin_hop: bool,
    /// Whether a redirect to a URL with a username or password fails in every request mode,
    /// `no-cors` included (all engines refuse it in cors mode whatever the origin).
    pub(crate) refuses_url_credentials_in_any_mode: bool,
    /// Whether a refused redirect to a URL with credentials fails only when the request would
    /// be sent there, so a preflight the new URL needs still goes out.
    pub(crate) refuses_url_credentials_only_when_sending: bool,
    /// Whether, in a fetch with credentials `same-origin` that starts on the page's own
    /// origin and has needed no preflight, a redirect answered by another origin is
    /// CORS-checked as if credentials were included.
    pub(crate) checks_redirects_with_same_origin_credentials: bool,
    /// Whether a request keeps the `Origin` it carried (`null` included) across a redirect
    /// within one origin, even a GET that would carry none by itself.
    pub(crate) keeps_origin_within_an_origin: bool,
}

/// Where an engine's requests made by elements depart from the HTML and Fetch Standards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InitiatorRules {
    /// The mode a web font is fetched in: `cors` as the CSS Fonts spec says, or `no-cors`
    /// (no `Origin`, no CORS check: the font loads whatever the answer).
    pub(crate) font_mode: Mode,
    /// Whether an element's `cors`-mode load from the page's own origin carries `Origin`
    /// (a font, `<img crossorigin>`, a module script, `<link rel="stylesheet"
    /// crossorigin>`), where `fetch()` and `XMLHttpRequest` send none.
    pub(crate) origin_on_same_origin_element_loads: bool,
    /// The `Accept` each initiator's request carries when the page sets none.
    pub(crate) accept: AcceptValues,
}

/// The `Accept` values an engine sends, by destination; `fetch()`, `XMLHttpRequest` and a
/// preflight send `*/*` in every engine, an `EventSource` `text/event-stream`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AcceptValues {
    /// `<img>`.
    pub(crate) image: &'static str,
    /// `<link rel="stylesheet">`.
    pub(crate) style: &'static str,
    /// A web font.
    pub(crate) font: &'static str,
    /// `<script type="module">`.
    pub(crate) script: &'static str,
    /// A navigation: a form submission.
    pub(crate) document: &'static str,
}

impl AcceptValues {
    /// What `initiator`'s request carries.
    pub(crate) fn of(&self, initiator: Initiator) -> &'static str {
        match initiator {
            Initiator::Fetch | Initiator::Xhr => "*/*",
            Initiator::EventSource => "text/event-stream",
            Initiator::Image => self.image,
            Initiator::Stylesheet => self.style,
            Initiator::Font => self.font,
            Initiator::ModuleScript => self.script,
            Initiator::Form => self.document,
        }
    }
}

/// An engine's console wording.
#[derive(Debug)]
pub(crate) struct Messages {
    /// The message the engine prints for a blocked request.
    pub(crate) render: fn(&Blocked) -> String,
    /// Other forms in which a rendered message may be pasted, besides the whole message and
    /// its first line.
    pub(crate) pasted_forms: fn(&str) -> Vec<String>,
    /// Corrects a [`Blocked`] read back from a message where the wording is shared by
    /// several reasons and a value tells them apart.
    pub(crate) reread: fn(Blocked) -> Blocked,
    /// The engine's other wordings, older versions and localisations included, as data
    /// (`<engine>.wordings`, whose format its first lines describe).
    pub(crate) wordings: &'static str,
    /// Messages the engine also prints for unrelated failures (generic DOM exceptions, such
    /// as those `XMLHttpRequest.open` throws): `recognize` never reads them as a reason.
    pub(crate) generic: &'static [&'static str],
}

/// No other pasted forms.
fn no_other_forms(_: &str) -> Vec<String> {
    Vec::new()
}

/// Nothing to correct.
fn as_read(blocked: Blocked) -> Blocked {
    blocked
}

impl Profile {
    /// How long a preflight answer with this `Access-Control-Max-Age` value (if any) is cached;
    /// `None` when it is not cached at all.
    ///
    /// * absent: 5 seconds everywhere;
    /// * empty: 5 seconds in Firefox too (it reads an empty value as absent);
    /// * not a number: Chromium and WebKit fall back to 5 seconds, Firefox caches nothing;
    /// * zero or negative: nothing is cached;
    /// * beyond the cap: the cap.
    pub(crate) fn preflight_lifetime(&self, max_age: Option<&[u8]>) -> Option<Duration> {
        let Some(value) = max_age else {
            return Some(DEFAULT_MAX_AGE);
        };
        let text = std::str::from_utf8(value).unwrap_or_default().trim();
        let seconds = match self.max_age {
            MaxAgeSyntax::DigitsOnly if text.is_empty() => return Some(DEFAULT_MAX_AGE),
            MaxAgeSyntax::DigitsOnly if !text.bytes().all(|b| b.is_ascii_digit()) => {
                return None;
            }
            MaxAgeSyntax::DigitsOnly => text.parse::<u64>().unwrap_or(u64::MAX),
            MaxAgeSyntax::SignedInteger => match text.parse::<i64>() {
                Ok(seconds) if seconds <= 0 => return None,
                Ok(seconds) => seconds.unsigned_abs(),
                Err(_) => return Some(DEFAULT_MAX_AGE),
            },
        };
        (seconds > 0).then(|| Duration::from_secs(seconds).min(self.facts.max_age_cap))
    }
}

impl Browser {
    /// Every profile.
    pub const ALL: [Browser; 3] = [Browser::Chromium, Browser::Firefox, Browser::WebKit];

    /// The engine's table.
    pub(crate) fn profile(self) -> &'static Profile {
        match self {
            Self::Chromium => &chromium::PROFILE,
            Self::Firefox => &firefox::PROFILE,
            Self::WebKit => &webkit::PROFILE,
        }
    }

    /// What code outside the model may need to know about this engine.
    pub fn facts(self) -> &'static Facts {
        &self.profile().facts
    }

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        self.profile().name
    }
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A browser name that is not `chromium`, `firefox` or `webkit`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown browser `{0}`: use chromium, firefox or webkit")]
pub struct UnknownBrowser(pub String);

impl FromStr for Browser {
    type Err = UnknownBrowser;

    fn from_str(name: &str) -> Result<Self, UnknownBrowser> {
        let lowercase = name.to_ascii_lowercase();
        Browser::ALL
            .into_iter()
            .find(|browser| browser.profile().aliases.contains(&lowercase.as_str()))
            .ok_or_else(|| UnknownBrowser(name.to_owned()))
    }
}

#[cfg(test)]
mod tests;

/// A failure as the real-browser console suite provoked it, for the engines' message tests.
#[cfg(test)]
mod captured {
    use crate::browser::{BlockReason, Blocked};

    pub(super) const URL: &str = "http://localhost:18081/s/1";

    pub(super) fn blocked(reason: BlockReason, in_preflight: bool, status: Option<u16>) -> Blocked {
        Blocked {
            initiator: crate::browser::Initiator::Fetch,
            reason,
            in_preflight,
            url: URL.into(),
            initial_url: URL.into(),
            origin: "http://127.0.0.1:18080".into(),
            page_origin: "http://127.0.0.1:18080".into(),
            status,
        }
    }
}
