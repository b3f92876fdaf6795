//! The three engines and where each departs from the Fetch Standard's text.

use std::{fmt, str::FromStr, time::Duration};

/// A browser engine whose CORS behaviour the model follows.
///
/// Where an engine differs from the spec text, its profile follows the engine. Each difference
/// is a method here, documented with what the engine does.
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

/// What an engine does with a redirect (301, 302, 303, 307, 308) whose `Location` is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyLocation {
    /// The response is not a redirect: the page gets it as it is (Chromium 156).
    Ignored,
    /// The empty reference resolves to the same URL, as the WHATWG URL parser says, so the
    /// fetch redirects to itself until the redirect limit (Firefox 153).
    SameUrl,
    /// A network error (WebKit 2.50.6).
    Refused,
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

impl Browser {
    /// Every profile.
    pub const ALL: [Browser; 3] = [Browser::Chromium, Browser::Firefox, Browser::WebKit];

    /// The longest a preflight answer is cached: 2 hours in Chromium (`kMaxTimeout`), 24 hours
    /// in Firefox, 10 minutes in WebKit.
    pub fn max_age_cap(self) -> Duration {
        Duration::from_secs(match self {
            Self::Chromium => 7200,
            Self::Firefox => 86_400,
            Self::WebKit => 600,
        })
    }

    /// How long a preflight answer with this `Access-Control-Max-Age` value (if any) is cached;
    /// `None` when it is not cached at all.
    ///
    /// * absent: 5 seconds everywhere;
    /// * empty: 5 seconds in Firefox too (it reads an empty value as absent);
    /// * not a number: Chromium and WebKit fall back to 5 seconds, Firefox caches nothing;
    /// * zero or negative: nothing is cached;
    /// * beyond the cap: the cap.
    pub fn preflight_lifetime(self, max_age: Option<&[u8]>) -> Option<Duration> {
        let Some(value) = max_age else {
            return Some(DEFAULT_MAX_AGE);
        };
        let text = std::str::from_utf8(value).unwrap_or_default().trim();
        let seconds = match self {
            // Firefox 153 treats an empty value as absent (its 5 s default).
            Self::Firefox if text.is_empty() => return Some(DEFAULT_MAX_AGE),
            // Firefox accepts digits only: a sign or any other byte means "do not cache".
            Self::Firefox if !text.bytes().all(|b| b.is_ascii_digit()) => {
                return None;
            }
            Self::Firefox => text.parse::<u64>().unwrap_or(u64::MAX),
            // Chromium's `StringToInt64` and WebKit's `parseInteger` accept a sign.
            Self::Chromium | Self::WebKit => match text.parse::<i64>() {
                Ok(seconds) if seconds <= 0 => return None,
                Ok(seconds) => seconds.unsigned_abs(),
                Err(_) => return Some(DEFAULT_MAX_AGE),
            },
        };
        (seconds > 0).then(|| Duration::from_secs(seconds).min(self.max_age_cap()))
    }

    /// Whether `Access-Control-Allow-Headers: *` lets `Authorization` through in a fresh
    /// preflight answer. The spec says no; all three engines say yes (Chromium keeps the
    /// spec's rule behind a disabled feature, Firefox behind a pref that defaults to covering
    /// it, with a console warning).
    pub fn wildcard_covers_authorization(self) -> bool {
        true
    }

    pub(crate) fn preflight_order(self) -> PreflightOrder {
        match self {
            Self::WebKit => PreflightOrder::StatusThenAccess,
            Self::Chromium | Self::Firefox => PreflightOrder::AccessThenStatus,
        }
    }

    /// Whether a preflight that follows a cross-origin redirect carries `Origin: null`
    /// (Chromium; WebKit 2.50 too) rather than the page's origin (Firefox 153).
    pub fn preflight_origin_null_after_redirect(self) -> bool {
        matches!(self, Self::Chromium | Self::WebKit)
    }

    /// Whether a preflight answer obtained after a cross-origin redirect (sent with
    /// `Origin: null`) is cached for later fetches. Chromium 156 and WebKit 2.50.6 do not reuse
    /// it: a second identical fetch preflights the redirect target again (observed; the
    /// tainted origin is a fresh opaque origin, equal to no other). Firefox, which sends the
    /// page's origin, keeps it.
    pub fn caches_preflights_after_taint(self) -> bool {
        matches!(self, Self::Firefox)
    }

    /// Whether a preflight answer that passed the access checks and parsed is cached even when
    /// it does not allow the request's method or headers. WebKit 2.50 stores the parsed answer
    /// before it checks the request against it, so a later request that the same answer does
    /// cover (say, `POST` with the granted headers after a refused `PROPFIND`) skips its
    /// preflight. Chromium and Firefox cache only answers that allowed the request.
    pub fn caches_grants_that_refuse_the_request(self) -> bool {
        matches!(self, Self::WebKit)
    }

    /// Whether, once a hop of a fetch needed a preflight, every later cross-origin hop is
    /// preflighted too, even a 303's `GET` that needs none by itself (Firefox 153 and WebKit
    /// 2.50 keep the request's "preflight required" flag across redirects; Chromium and the
    /// spec decide per hop).
    pub fn preflights_every_hop_after_a_preflight(self) -> bool {
        matches!(self, Self::Firefox | Self::WebKit)
    }

    /// Whether a same-origin hop of a cors-mode fetch with non-safelisted headers already
    /// counts as one that needed a preflight (see
    /// [`preflights_every_hop_after_a_preflight`](Self::preflights_every_hop_after_a_preflight)).
    /// Firefox 153 remembers the unsafe headers from the start: a same-origin POST with a
    /// non-safelisted `Content-Type`, redirected by a 301 to another origin as a GET without a
    /// body, is preflighted there; a same-origin `PROPFIND` turned into a GET by a 303 is not
    /// (both observed). Chromium decides per hop.
    pub fn flags_preflight_on_same_origin_hops(self) -> bool {
        matches!(self, Self::Firefox)
    }

    /// Whether a `no-cors` request's `Origin` becomes `null` on every redirect to another
    /// origin, even one that leaves the page's own origin (where Fetch's redirect-taint keeps
    /// the origin). Chromium 156 does so (observed: a same-origin no-cors POST, 307 to a third
    /// origin, arrives with `Origin: null`); cors-mode requests follow Fetch.
    pub fn taints_no_cors_on_any_cross_origin_hop(self) -> bool {
        matches!(self, Self::Chromium)
    }

    /// Whether, in a fetch with credentials `same-origin` that starts on the page's own
    /// origin and has needed no preflight, a redirect answered by another origin is
    /// CORS-checked as if credentials were included (an exact `Access-Control-Allow-Origin`
    /// and `Access-Control-Allow-Credentials: true` needed). WebKit 2.50.6 does so (observed,
    /// seed 0x31); once a hop was preflighted, and for the final response, it checks without
    /// credentials, as Fetch says.
    pub fn checks_redirects_with_same_origin_credentials(self) -> bool {
        matches!(self, Self::WebKit)
    }

    /// Whether each redirect starts again from the page's own request headers, removing only
    /// what that redirect removes (the body headers when it turns the method into GET,
    /// `Authorization` when it crosses origins). Firefox 153 does (observed: a `PUT` with an
    /// unsafe `Content-Type` turned into a GET by a 303 announces `content-type` again after a
    /// later 307, seed 0x41; `Authorization` dropped between two origins is back on a later
    /// same-origin hop, seed 0x33). Chromium and WebKit remove headers for good.
    pub fn rebuilds_headers_on_each_redirect(self) -> bool {
        matches!(self, Self::Firefox)
    }

    /// Whether a redirect that turns the method into GET (303, or 301/302 after POST) also
    /// drops the request-body headers (`Content-Type`...), as the spec says. WebKit keeps them,
    /// so a non-safelisted `Content-Type` is still announced in the next preflight.
    pub fn drops_body_headers_on_method_change(self) -> bool {
        !matches!(self, Self::WebKit)
    }

    /// Whether a cross-origin redirect removes `Authorization`, as the spec says. WebKit keeps
    /// it on a cross-origin 307.
    pub fn drops_authorization_across_origins(self) -> bool {
        !matches!(self, Self::WebKit)
    }

    /// Whether a redirect to another origin turns `DELETE` into `GET`, whatever its status.
    /// WebKit 2.50.6 does so on 301, 302, 307 and 308 (observed); the spec and the other
    /// engines keep the method on 307 and 308 and change only `POST` on 301 and 302.
    pub fn turns_delete_into_get_across_origins(self) -> bool {
        matches!(self, Self::WebKit)
    }

    /// Whether a redirect to a URL with a username or password fails in every request mode.
    /// The spec refuses it only in cors mode, and only when the URL's origin differs from the
    /// request's; all three engines refuse it in cors mode whatever the origin (observed, the
    /// page's own origin included), and Chromium 156 also fails a `no-cors` fetch redirected
    /// to `http://user:pw@...` (a network error, the page gets a `TypeError`).
    pub fn refuses_credentials_in_any_redirect(self) -> bool {
        matches!(self, Self::Chromium)
    }

    /// What a redirect with an empty `Location` does (observed in each engine).
    pub fn empty_location(self) -> EmptyLocation {
        match self {
            Self::Chromium => EmptyLocation::Ignored,
            Self::Firefox => EmptyLocation::SameUrl,
            Self::WebKit => EmptyLocation::Refused,
        }
    }

    /// Whether a refused redirect to a URL with credentials fails only when the request would
    /// be sent there, so a preflight the new URL needs still goes out (WebKit 2.50.6,
    /// observed); Chromium and Firefox fail at the redirect.
    pub fn refuses_url_credentials_only_when_sending(self) -> bool {
        matches!(self, Self::WebKit)
    }

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Chromium => "chromium",
            Self::Firefox => "firefox",
            Self::WebKit => "webkit",
        }
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
        match name.to_ascii_lowercase().as_str() {
            "chromium" | "chrome" | "edge" => Ok(Self::Chromium),
            "firefox" | "gecko" => Ok(Self::Firefox),
            "webkit" | "safari" => Ok(Self::WebKit),
            _ => Err(UnknownBrowser(name.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetime(browser: Browser, value: Option<&str>) -> Option<u64> {
        browser
            .preflight_lifetime(value.map(str::as_bytes))
            .map(|d| d.as_secs())
    }

    #[test]
    fn max_age_per_engine() {
        use Browser::*;
        // Absent: 5 s everywhere (Fetch "(5 by default)"; kDefaultTimeout; PREFLIGHT_DEFAULT_EXPIRY_SECONDS).
        for browser in Browser::ALL {
            assert_eq!(lifetime(browser, None), Some(5));
            assert_eq!(lifetime(browser, Some("600")), Some(600));
            assert_eq!(
                lifetime(browser, Some("0")),
                None,
                "{browser}: 0 caches nothing"
            );
        }
        // Caps: Chromium 2 h, Firefox 24 h, WebKit 600 s.
        assert_eq!(lifetime(Chromium, Some("86400")), Some(7200));
        assert_eq!(lifetime(Firefox, Some("100000")), Some(86_400));
        assert_eq!(lifetime(WebKit, Some("7200")), Some(600));
        // Unparsable: Firefox caches nothing, the others use the default (DESIGN.md, observed).
        assert_eq!(lifetime(Firefox, Some("ten")), None);
        assert_eq!(lifetime(Chromium, Some("ten")), Some(5));
        assert_eq!(lifetime(WebKit, Some("ten")), Some(5));
        // Negative: never cached (Chromium clamps to 0; Firefox rejects the sign).
        for browser in Browser::ALL {
            assert_eq!(lifetime(browser, Some("-1")), None, "{browser}");
        }
    }

    #[test]
    fn names() {
        assert_eq!("Safari".parse::<Browser>().unwrap(), Browser::WebKit);
        assert_eq!(Browser::default().to_string(), "chromium");
        assert!("lynx".parse::<Browser>().is_err());
    }
}
