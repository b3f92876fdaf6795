//! What every topic's tests share: the page, the API, a permissive server, and running a
//! fetch while recording what it sent.

pub(crate) use corsair::{
    Origin,
    browser::{
        BlockReason, Browser, Credentials, Exchange, Fetch, Mode, Outcome, Outgoing, PageRequest,
        PreflightCache, ResponseHead, ResponseType,
    },
};

pub(crate) const PAGE: &str = "https://app.example";
pub(crate) const API: &str = "https://api.example/items";

pub(crate) fn request(url: &str) -> PageRequest {
    PageRequest::new(Origin::parse(PAGE).unwrap(), url.parse().unwrap())
}

/// Runs `request` in `browser` against `server`, returning the outcome and every request sent.
pub(crate) fn run(
    browser: Browser,
    request: PageRequest,
    mut server: impl FnMut(&Outgoing) -> ResponseHead,
) -> (Outcome, Vec<Outgoing>) {
    let mut cache = PreflightCache::new(browser);
    run_cached(browser, request, &mut cache, &mut server)
}

pub(crate) fn run_cached(
    browser: Browser,
    request: PageRequest,
    cache: &mut PreflightCache,
    server: &mut impl FnMut(&Outgoing) -> ResponseHead,
) -> (Outcome, Vec<Outgoing>) {
    let mut sent = Vec::new();
    let outcome = Fetch::new(browser, request, cache).run(|outgoing| {
        sent.push(outgoing.clone());
        server(outgoing)
    });
    (outcome, sent)
}

pub(crate) fn header<'a>(outgoing: &'a Outgoing, name: &str) -> Option<&'a str> {
    outgoing
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A server granting everything to the page's origin, echoing what the preflight asked.
pub(crate) fn permissive(outgoing: &Outgoing) -> ResponseHead {
    let mut headers = vec![
        ("Access-Control-Allow-Origin".to_owned(), PAGE.to_owned()),
        (
            "Access-Control-Allow-Credentials".to_owned(),
            "true".to_owned(),
        ),
    ];
    if outgoing.exchange == Exchange::Preflight {
        headers.push((
            "Access-Control-Allow-Methods".into(),
            header(outgoing, "access-control-request-method")
                .unwrap_or("")
                .into(),
        ));
        if let Some(names) = header(outgoing, "access-control-request-headers") {
            headers.push(("Access-Control-Allow-Headers".into(), names.into()));
        }
    }
    ResponseHead::new(
        if outgoing.exchange == Exchange::Preflight {
            204
        } else {
            200
        },
        headers,
    )
}

pub(crate) fn refused_credentials(outcome: &Outcome) -> bool {
    matches!(
        outcome.result,
        Err(ref blocked) if matches!(blocked.reason, BlockReason::RedirectContainsCredentials { .. })
    )
}

pub(crate) fn reason(outcome: &Outcome) -> &BlockReason {
    &outcome
        .result
        .as_ref()
        .expect_err("expected a block")
        .reason
}

pub(crate) fn preflighted(
    browser: Browser,
    credentials: Credentials,
    preflight: &[(&str, &str)],
    status: u16,
) -> (Outcome, Vec<Outgoing>) {
    let answer: Vec<(String, String)> = preflight
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    let page = request(API)
        .method("PUT")
        .header("X-B", "1")
        .header("X-A", "1")
        .credentials(credentials);
    run(browser, page, move |outgoing| match outgoing.exchange {
        Exchange::Preflight => ResponseHead::new(status, answer.clone()),
        Exchange::Actual => permissive(outgoing),
    })
}

pub(crate) const ORIGIN_OK: (&str, &str) = ("Access-Control-Allow-Origin", PAGE);

pub(crate) fn redirect(status: u16, to: &'static str) -> ResponseHead {
    ResponseHead::new(
        status,
        [
            ("Location", to),
            ("Access-Control-Allow-Origin", PAGE),
            ("Access-Control-Allow-Credentials", "true"),
        ],
    )
}

pub(crate) fn preflights(sent: &[Outgoing]) -> Vec<&Outgoing> {
    sent.iter()
        .filter(|o| o.exchange == Exchange::Preflight)
        .collect()
}

/// A request from the page to a URL on its own origin.
pub(crate) fn same_origin_request() -> PageRequest {
    request("https://app.example/start")
}
