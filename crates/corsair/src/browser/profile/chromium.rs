//! Chromium 156: its table and its console messages.

use std::time::Duration;

use super::{
    AcceptValues, AllowOriginRules, CacheKey, CacheRules, CacheUpdate, CachedWildcard,
    CoveredMethods, EmptyLocation, Facts, FetchMetadata, HeaderBytes, InitiatorRules, MaxAgeSyntax,
    Messages, PreflightOrder, Profile, RedirectRules, ReportedHeader, UnsafeNames, as_read,
};
use crate::browser::{BlockReason, Blocked, Initiator, Mode};
use crate::policy::CHROMIUM_MAX_AGE_CAP;

/// Chromium 156 (156.0.8078.108), from its sources (cors.cc, preflight_result.cc,
/// cors_error_string.cc) and as the real-browser suite observed it.
pub(super) static PROFILE: Profile = Profile {
    name: "chromium",
    aliases: &["chromium", "chrome", "edge"],
    facts: Facts {
        max_age_cap: Duration::from_secs(CHROMIUM_MAX_AGE_CAP as u64),
        null_origin_in_redirected_preflights: true,
        fetch_metadata: FetchMetadata {
            form_mode: "navigate",
            form_dest: "document",
            framed_form_dest: "iframe",
            websocket: None,
        },
        host_specials: "!\"$&'()+,;=_`{}~",
        header_bytes: HeaderBytes::Latin1,
    },
    // `StringToInt64`: a sign is accepted.
    max_age: MaxAgeSyntax::SignedInteger,
    cache: CacheRules {
        key: CacheKey::OriginUrl,
        update: CacheUpdate::Replace,
        // `PreflightResult` asks whether the answer was obtained without credentials.
        wildcard: CachedWildcard::AnswerAndRequestWithoutCredentials,
        covered_methods: CoveredMethods::Safelisted,
        // Observed: a second identical fetch preflights the redirect target again (the
        // tainted origin is a fresh opaque origin, equal to no other).
        stores_after_taint: false,
        stores_answers_that_refuse: false,
        drops_answers_that_miss: false,
        forgets_on_failed_check: false,
    },
    unsafe_names: UnsafeNames::Combined,
    reported_header: ReportedHeader::RequestOrder,
    preflight_order: PreflightOrder::AccessThenStatus,
    allow_origin: AllowOriginRules {
        counts_lines: false,
        list_separators: &[' ', ','],
        // `GURL` tells an origin-like value from junk.
        tells_invalid_values: true,
    },
    redirects: RedirectRules {
        // The 307 reaches the page as it is (observed).
        empty_location: EmptyLocation::Ignored,
        preflights_every_hop_after_a_preflight: false,
        flags_preflight_on_same_origin_hops: false,
        rebuilds_headers: false,
        drops_body_headers_on_method_change: true,
        drops_added_pragma_across_origins: false,
        drops_authorization_across_origins: true,
        turns_delete_into_get_across_origins: false,
        // Observed: a same-origin no-cors POST, 307 to a third origin, arrives with
        // `Origin: null`.
        taints_no_cors_on_any_cross_origin_hop: true,
        // Observed: a `no-cors` fetch redirected to `http://user:pw@...` is a network error.
        refuses_url_credentials_in_any_mode: true,
        refuses_url_credentials_only_when_sending: false,
        checks_redirects_with_same_origin_credentials: false,
        keeps_origin_within_an_origin: false,
    },
    initiators: InitiatorRules {
        font_mode: Mode::Cors,
        // Observed: a same-origin font, module script, `<img crossorigin>` and
        // `<link rel="stylesheet" crossorigin>` arrive with `Origin`.
        origin_on_same_origin_element_loads: true,
        // Observed: images and navigations ask for JPEG XL first.
        accept: AcceptValues {
            image: "image/jxl,image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
            style: "text/css,*/*;q=0.1",
            font: "*/*",
            script: "*/*",
            document: "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
        },
    },
    messages: Messages {
        render,
        pasted_forms,
        reread: as_read,
        wordings: include_str!("chromium.wordings"),
        generic: &[],
    },
};

/// Chromium's `GetErrorStringForConsoleMessage` (cors_error_string.cc), current wording:
/// the "no-cors" suggestion is gone, and only the three Allow-Origin value errors end with
/// "Have the server send the header with a valid value."
///
/// After a cross-origin redirect Chromium 156 names the page's origin ("from origin
/// 'http://app.example'") although the request carried `Origin: null`.
fn render(failure: &Blocked) -> String {
    use BlockReason::*;
    const VALID_VALUE: &str = " Have the server send the header with a valid value.";
    let hint = |value: &str| encode_hint(value);
    let detail = match &failure.reason {
        InvalidMethod { method } => {
            return format!(
                "Failed to execute {}: '{}' is not a valid HTTP method.",
                method_check(failure.initiator),
                hint(method)
            );
        }
        ForbiddenMethod { method } => {
            return format!(
                "Failed to execute {}: '{}' HTTP method is unsupported.",
                method_check(failure.initiator),
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
                failure.url, failure.page_origin
            );
        }
        TooManyRedirects => return format!("GET {} net::ERR_TOO_MANY_REDIRECTS", failure.url),
        InvalidRedirectLocation { .. } => {
            return format!("GET {} net::ERR_INVALID_REDIRECT", failure.url);
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
    let redirected = if failure.initial_url == failure.url {
        String::new()
    } else {
        format!("(redirected from '{}') ", failure.initial_url)
    };
    let preflight = if failure.in_preflight && is_access_check(&failure.reason) {
        "Response to preflight request doesn't pass access control check: "
    } else {
        ""
    };
    // The credentials errors of an XMLHttpRequest say where its credentials mode comes from.
    let credentials_hint = match (&failure.reason, failure.initiator) {
        (WildcardOriginNotAllowed | InvalidAllowCredentials { .. }, Initiator::Xhr) => {
            " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute."
        }
        _ => "",
    };
    format!(
        "Access to {} at '{}' {redirected}from origin '{}' has been blocked by CORS policy: {preflight}{detail}{credentials_hint}",
        resource_name(failure.initiator),
        failure.url,
        failure.page_origin
    )
}

/// How Chromium names what was blocked (Blink's resource type, or the fetch initiator of a
/// raw resource): observed for each initiator.
fn resource_name(initiator: Initiator) -> &'static str {
    match initiator {
        Initiator::Fetch => "fetch",
        Initiator::Xhr => "XMLHttpRequest",
        Initiator::Font => "font",
        Initiator::Image => "image",
        Initiator::ModuleScript => "script",
        Initiator::Stylesheet => "CSS stylesheet",
        Initiator::EventSource | Initiator::Form => "resource",
    }
}

/// The call that refuses a method: `fetch()` or `XMLHttpRequest.open()`.
fn method_check(initiator: Initiator) -> &'static str {
    match initiator {
        Initiator::Xhr => "'open' on 'XMLHttpRequest'",
        _ => "'fetch' on 'Window'",
    }
}

/// Chromium prefixes these, when a preflight fails them, with "Response to preflight
/// request doesn't pass access control check: " (`IsPreflightError`).
fn is_access_check(reason: &BlockReason) -> bool {
    matches!(
        reason,
        BlockReason::MissingAllowOrigin
            | BlockReason::MultipleAllowOriginValues { .. }
            | BlockReason::InvalidAllowOriginValue { .. }
            | BlockReason::AllowOriginMismatch { .. }
            | BlockReason::WildcardOriginNotAllowed
            | BlockReason::InvalidAllowCredentials { .. }
            | BlockReason::PreflightInvalidStatus { .. }
            | BlockReason::PreflightDisallowedRedirect
    )
}

/// Chromium's log wording of a network error (`Failed to load resource: net::ERR_…`, as
/// chromedriver and `--enable-logging` show it) where DevTools prints `GET <url> net::ERR_…`.
fn pasted_forms(rendered: &str) -> Vec<String> {
    rendered
        .split_once(" net::")
        .map(|(_, error)| format!("Failed to load resource: net::{error}"))
        .into_iter()
        .collect()
}

/// Chromium's `EncodeHint`: printable ASCII as is, anything else as `\u            document: "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",            document: "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",`.
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
