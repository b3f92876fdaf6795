//! Firefox 153: its table and its console messages.

use std::time::Duration;

use super::{
    AcceptValues, AllowOriginRules, CacheKey, CacheRules, CacheUpdate, CachedWildcard,
    CoveredMethods, EmptyLocation, Facts, FetchMetadata, HeaderBytes, InitiatorRules, MaxAgeSyntax,
    Messages, PreflightOrder, Profile, RedirectRules, ReportedHeader, UnsafeNames, as_read,
};
use crate::browser::{BlockReason, Blocked, Initiator, Mode};
use crate::policy::FIREFOX_MAX_AGE_CAP;

/// The `SecurityError` `XMLHttpRequest.open` throws for a forbidden method, as for many other
/// refused operations.
const INSECURE: &str = "SecurityError: The operation is insecure.";

/// Firefox 153.7.0esr, from its sources (nsCORSListenerProxy.cpp, nsPreflightCache,
/// security.properties) and as the real-browser suite observed it.
pub(super) static PROFILE: Profile = Profile {
    name: "firefox",
    aliases: &["firefox", "gecko"],
    facts: Facts {
        max_age_cap: Duration::from_secs(FIREFOX_MAX_AGE_CAP as u64),
        null_origin_in_redirected_preflights: false,
        fetch_metadata: FetchMetadata {
            form_mode: "navigate",
            form_dest: "document",
            framed_form_dest: "iframe",
            websocket: Some(("websocket", "empty")),
        },
        host_specials: "!$&'()+,;=_`{}~",
        header_bytes: HeaderBytes::Latin1,
    },
    max_age: MaxAgeSyntax::DigitsOnly,
    cache: CacheRules {
        key: CacheKey::OriginUrlCredentials,
        update: CacheUpdate::Merge,
        wildcard: CachedWildcard::Literal,
        // The cache skips only GET and POST.
        covered_methods: CoveredMethods::GetAndPost,
        // The preflight after a redirect carries the page's origin, so its answer is kept.
        stores_after_taint: true,
        stores_answers_that_refuse: false,
        drops_answers_that_miss: false,
        // Gecko's `RemoveEntries`, so the next fetch preflights again.
        forgets_on_failed_check: true,
    },
    unsafe_names: UnsafeNames::Gecko,
    // The sorted list is checked.
    reported_header: ReportedHeader::Sorted,
    preflight_order: PreflightOrder::AccessThenStatus,
    allow_origin: AllowOriginRules {
        counts_lines: true,
        list_separators: &[],
        tells_invalid_values: false,
    },
    redirects: RedirectRules {
        // The fetch redirects to itself until the redirect limit (observed).
        empty_location: EmptyLocation::SameUrl,
        preflights_every_hop_after_a_preflight: true,
        // Observed: a same-origin POST with a non-safelisted `Content-Type`, redirected by a
        // 301 to another origin as a GET without a body, is preflighted there; a same-origin
        // `PROPFIND` turned into a GET by a 303 is not.
        flags_preflight_on_same_origin_hops: true,
        // Observed: a `PUT` with an unsafe `Content-Type` turned into a GET by a 303 announces
        // `content-type` again after a later 307; `Authorization` dropped between two origins
        // is back on a later same-origin hop.
        rebuilds_headers: true,
        drops_body_headers_on_method_change: true,
        drops_added_pragma_across_origins: false,
        drops_authorization_across_origins: true,
        turns_delete_into_get_across_origins: false,
        taints_no_cors_on_any_cross_origin_hop: false,
        refuses_url_credentials_in_any_mode: false,
        refuses_url_credentials_only_when_sending: false,
        checks_redirects_with_same_origin_credentials: false,
        keeps_origin_within_an_origin: false,
    },
    initiators: InitiatorRules {
        font_mode: Mode::Cors,
        origin_on_same_origin_element_loads: false,
        // Observed: fonts ask for WOFF2 and WOFF first, images for AVIF and WebP.
        accept: AcceptValues {
            image: "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
            style: "text/css,*/*;q=0.1",
            font: "application/font-woff2;q=1.0,application/font-woff;q=0.9,*/*;q=0.8",
            script: "*/*",
            document: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        },
    },
    messages: Messages {
        render,
        pasted_forms,
        reread: as_read,
        wordings: include_str!("firefox.wordings"),
        generic: &[
            "SyntaxError: An invalid or illegal string was specified",
            INSECURE,
        ],
    },
};

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
fn render(failure: &Blocked) -> String {
    use BlockReason::*;
    let status = failure
        .status
        .map_or_else(|| "(null)".to_owned(), |status| status.to_string());
    let blocked = |reason: &str| {
        format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {}. (Reason: {reason}",
            failure.url
        )
    };
    let reason = match &failure.reason {
        // `XMLHttpRequest.open` throws DOM exceptions with their generic messages.
        InvalidMethod { .. } if failure.initiator == Initiator::Xhr => {
            return "SyntaxError: An invalid or illegal string was specified".to_owned();
        }
        ForbiddenMethod { .. } if failure.initiator == Initiator::Xhr => {
            return INSECURE.to_owned();
        }
        InvalidMethod { method } | ForbiddenMethod { method } | NoCorsMethod { method } => {
            return format!("TypeError: Window.fetch: Invalid request method {method}.");
        }
        DisallowedByMode => {
            return format!(
                "Security Error: Content at {}/ may not load data from {}.",
                failure.origin, failure.url
            );
        }
        WildcardOriginNotAllowed => format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
            failure.url
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
        RedirectContainsCredentials { .. } | TooManyRedirects | InvalidRedirectLocation { .. } => {
            return blocked(REQUEST_FAILED);
        }
    };
    // A failed preflight or redirect cancels the request, which Firefox reports too.
    let redirect = matches!(failure.status, Some(301 | 302 | 303 | 307 | 308));
    let reason = if failure.in_preflight || redirect {
        format!("{reason}\n{}", blocked(REQUEST_FAILED))
    } else {
        reason
    };
    // An EventSource then reports that it could not connect.
    match failure.initiator {
        Initiator::EventSource => format!(
            "{reason}\nFirefox can’t establish a connection to the server at {}.",
            failure.url
        ),
        _ => reason,
    }
}

/// `CORSDidNotSucceed3` with an unknown status: the request itself failed.
const REQUEST_FAILED: &str = "CORS request did not succeed). Status code: (null).";

/// What follows the document's URL in the same-origin-mode error, as the model renders it
/// (the page's origin, then `/`).
const DOCUMENT: &str = "/ may not load data from ";

/// The same-origin-mode error names the document's URL where the model renders the page's
/// origin and `/`: the form without that `/` reads any document URL there.
fn pasted_forms(rendered: &str) -> Vec<String> {
    rendered
        .contains(DOCUMENT)
        .then(|| rendered.replace(DOCUMENT, " may not load data from "))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    //! Texts the real engine printed (captured by corsair-browser-tests' console suite), each
    //! next to the failure the model sees.

    use super::{
        super::captured::{URL, blocked},
        *,
    };
    use crate::browser::Browser;

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
}
