//! WebKitGTK 2.50.6: its table and its console messages.

use std::time::Duration;

use super::{
    AcceptValues, AllowOriginRules, CacheKey, CacheRules, CacheUpdate, CachedWildcard,
    CoveredMethods, EmptyLocation, Facts, FetchMetadata, HeaderBytes, InitiatorRules, MaxAgeSyntax,
    Messages, PreflightOrder, Profile, RedirectRules, ReportedHeader, UnsafeNames, no_other_forms,
};
use crate::browser::{BlockReason, Blocked, Initiator, Mode};
use crate::policy::WEBKIT_MAX_AGE_CAP;

/// The `SecurityError` `XMLHttpRequest.open` throws for a forbidden method, as for many other
/// refused operations.
const INSECURE: &str = "SecurityError: The operation is insecure.";

/// WebKitGTK 2.50.6 (MiniBrowser), from its sources (CrossOriginAccessControl.cpp,
/// CrossOriginPreflightResultCache.cpp) and as the real-browser suite observed it.
pub(super) static PROFILE: Profile = Profile {
    name: "webkit",
    aliases: &["webkit", "safari"],
    facts: Facts {
        max_age_cap: Duration::from_secs(WEBKIT_MAX_AGE_CAP as u64),
        null_origin_in_redirected_preflights: true,
        fetch_metadata: FetchMetadata {
            form_mode: "navigate",
            form_dest: "document",
            framed_form_dest: "iframe",
            websocket: Some(("websocket", "websocket")),
        },
        host_specials: "!\"$&'()*+,;=_`{}~",
        // Observed: `é` arrives as C3 A9.
        header_bytes: HeaderBytes::Utf8,
    },
    // `parseInteger`: a sign is accepted.
    max_age: MaxAgeSyntax::SignedInteger,
    cache: CacheRules {
        key: CacheKey::OriginUrl,
        update: CacheUpdate::Replace,
        // Observed: an answer with `Access-Control-Allow-Headers: *` obtained for a
        // credentialed PUT lets a later PUT without credentials send `X-Custom` unpreflighted.
        wildcard: CachedWildcard::RequestWithoutCredentials,
        covered_methods: CoveredMethods::Safelisted,
        // Observed: a second identical fetch preflights the redirect target again.
        stores_after_taint: false,
        // The parsed answer is stored before the request is checked against it, so a later
        // request that it covers (`POST` with the granted headers after a refused
        // `PROPFIND`) skips its preflight.
        stores_answers_that_refuse: true,
        // `CrossOriginPreflightResultCache::canSkipPreflight`: a failing preflight that
        // follows leaves nothing cached for the URL.
        drops_answers_that_miss: true,
        forgets_on_failed_check: false,
    },
    unsafe_names: UnsafeNames::Combined,
    reported_header: ReportedHeader::RequestOrderAsWritten,
    preflight_order: PreflightOrder::StatusThenAccess,
    allow_origin: AllowOriginRules {
        counts_lines: false,
        list_separators: &[','],
        tells_invalid_values: false,
    },
    redirects: RedirectRules {
        // A network error (observed).
        empty_location: EmptyLocation::Refused,
        preflights_every_hop_after_a_preflight: true,
        flags_preflight_on_same_origin_hops: false,
        rebuilds_headers: false,
        // A non-safelisted `Content-Type` is still announced in the next preflight.
        drops_body_headers_on_method_change: false,
        // `Authorization` stays on a cross-origin 307.
        // Observed: an `EventSource` request redirected to another origin carries
        // `Cache-Control: no-cache` but no `Pragma`; within one origin it keeps both.
        drops_added_pragma_across_origins: true,
        drops_authorization_across_origins: false,
        // Observed on 301, 302, 307 and 308.
        turns_delete_into_get_across_origins: true,
        taints_no_cors_on_any_cross_origin_hop: false,
        refuses_url_credentials_in_any_mode: false,
        // Observed: a preflight the new URL needs still goes out.
        refuses_url_credentials_only_when_sending: true,
        // Observed for a same-origin GET with credentials `same-origin`, 302 to another
        // origin; once a hop was preflighted, and for the final response, it checks without
        // credentials, as Fetch says.
        checks_redirects_with_same_origin_credentials: true,
        // Observed: a no-cors POST turned into GET by a redirect within one origin still
        // carries its `Origin`; after a redirect to another origin it carries none.
        keeps_origin_within_an_origin: true,
    },
    initiators: InitiatorRules {
        // Observed: a cross-origin font arrives without `Origin` and loads whatever
        // the answer's CORS headers say.
        font_mode: Mode::NoCors,
        // Observed: a same-origin module script and `<img crossorigin>` arrive with
        // `Origin`.
        origin_on_same_origin_element_loads: true,
        // Observed: images ask for WebP, AVIF and video first.
        accept: AcceptValues {
            image: "image/webp,image/avif,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
            style: "text/css,*/*;q=0.1",
            font: "*/*",
            script: "*/*",
            document: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        },
    },
    messages: Messages {
        render,
        pasted_forms: no_other_forms,
        reread,
        wordings: include_str!("webkit.wordings"),
        generic: &[
            "SyntaxError: The string did not match the expected pattern.",
            INSECURE,
        ],
    },
};

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
fn render(failure: &Blocked) -> String {
    use BlockReason::*;
    let status = failure.status.unwrap_or(0);
    let detail = match &failure.reason {
        // `XMLHttpRequest.open` throws DOM exceptions with their generic messages.
        InvalidMethod { .. } if failure.initiator == Initiator::Xhr => {
            return "SyntaxError: The string did not match the expected pattern.".to_owned();
        }
        ForbiddenMethod { .. } if failure.initiator == Initiator::Xhr => {
            return INSECURE.to_owned();
        }
        InvalidMethod { .. } => {
            return "TypeError: Method is not a valid HTTP token.".to_owned();
        }
        ForbiddenMethod { .. } => return "TypeError: Method is forbidden.".to_owned(),
        NoCorsMethod { .. } => {
            return "TypeError: Method must be GET, POST or HEAD in no-cors mode.".to_owned();
        }
        DisallowedByMode => return format!("Fetch API cannot load {}.", failure.url),
        MissingAllowOrigin | AllowOriginMismatch { .. } | InvalidAllowOriginValue { .. } => {
            format!(
                "Origin {} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
                failure.origin
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
            format!("Request header field {name} is not allowed by Access-Control-Allow-Headers.")
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
    match summary(failure.initiator) {
        Some(what) => format!(
            "{detail}\n{what} {} due to access control checks.",
            failure.url
        ),
        None => detail,
    }
}

/// How the summary line names the blocked load: module scripts and stylesheets get none
/// (observed in WebKitGTK 2.50).
fn summary(initiator: Initiator) -> Option<&'static str> {
    match initiator {
        Initiator::Fetch => Some("Fetch API cannot load"),
        Initiator::Xhr => Some("XMLHttpRequest cannot load"),
        Initiator::Image => Some("Cannot load image"),
        Initiator::EventSource => Some("EventSource cannot load"),
        Initiator::Font | Initiator::ModuleScript | Initiator::Stylesheet | Initiator::Form => None,
    }
}

/// A preflight answered with a redirect and one answered with another status that is not ok
/// are worded alike, with the status: a redirect's status tells the former.
fn reread(mut failure: Blocked) -> Blocked {
    let redirect = matches!(failure.status, Some(301 | 302 | 303 | 307 | 308));
    match failure.reason {
        BlockReason::PreflightDisallowedRedirect if !redirect => {
            if let Some(status) = failure.status {
                failure.reason = BlockReason::PreflightInvalidStatus { status };
            }
        }
        BlockReason::PreflightInvalidStatus { .. } if redirect => {
            failure.reason = BlockReason::PreflightDisallowedRedirect;
        }
        _ => {}
    }
    failure
}

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

#[cfg(test)]
mod tests {
    //! Texts the real engine printed (captured by corsair-browser-tests' console suite), each
    //! next to the failure the model sees.

    use super::{
        super::captured::{URL, blocked},
        *,
    };
    use crate::browser::Browser;

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
