//! One URL's scan: the own-origin probe, every exploit origin's GET (and POST with
//! `--probe-writes`), the preflights, the un-busted pair for `Vary`, each request sent once
//! within the URL's budget, and the findings they prove.

use std::sync::Arc;

use corsair::{
    Origin,
    browser::{Browser, Exchange, Outgoing, PageRequest, ResponseHead, Url},
};

use super::{
    class::Class,
    finding::{self, Context, Finding, Observation},
    fix,
    judge::{self, Record, Stop, Verdict},
    origins::{self, AttackerDomain},
    schedule::Schedule,
};
use crate::client::Client;

/// The requests one URL may take with the default options.
pub(crate) const DEFAULT_BUDGET: u32 = 60;
/// What each `--trusted` origin adds to the budget: the probes made from its host.
pub(crate) const PER_TRUSTED: u32 = 16;

/// What every URL's scan shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) client: Client,
    pub(crate) schedule: Schedule,
    pub(crate) attacker: AttackerDomain,
    pub(crate) trusted: Vec<String>,
    pub(crate) probe_writes: bool,
    pub(crate) budget: u32,
}

/// A URL's scan, finished.
#[derive(Debug)]
pub(crate) struct Scanned {
    pub(crate) url: String,
    pub(crate) requests: u32,
    pub(crate) findings: Vec<Finding>,
    /// Probes not sent, and why.
    pub(crate) skipped: Vec<String>,
    /// Why the scan stopped early, if it did.
    pub(crate) error: Option<Stop>,
}

struct Session {
    shared: Arc<Shared>,
    record: Record,
    requests: u32,
    busting: u32,
}

impl Session {
    /// The answer to `outgoing`: from the record, or over the network within the budget.
    async fn send(&mut self, outgoing: &Outgoing) -> Result<ResponseHead, Stop> {
        if let Some(response) = self.record.get(outgoing) {
            return Ok(response.clone());
        }
        if self.requests >= self.shared.budget {
            return Err(Stop::Budget(self.shared.budget));
        }
        self.requests += 1;
        let host = outgoing
            .url
            .origin()
            .host()
            .map(ToString::to_string)
            .unwrap_or_default();
        let permit = self.shared.schedule.slot(&host).await;
        let sent = self.shared.client.send(outgoing, None).await;
        drop(permit);
        self.shared
            .schedule
            .log(outgoing, sent.as_ref().map_err(|e| e.message.as_str()));
        let response = sent.map_err(Stop::Network)?;
        self.record.insert(outgoing, response.clone());
        Ok(response)
    }

    /// `url` with a query no cache has seen, so each probe reaches the server.
    fn busted(&mut self, url: &Url) -> Url {
        self.busting += 1;
        let text = url.to_string();
        let joiner = if text.contains('?') { '&' } else { '?' };
        Url::parse(&format!("{text}{joiner}corsair-audit={}", self.busting))
            .unwrap_or_else(|_| url.clone())
    }

    async fn judge(&mut self, request: PageRequest) -> Result<Verdict, Stop> {
        judge::judge(&request, async |outgoing: &Outgoing| {
            self.send(outgoing).await
        })
        .await
    }

    /// One request sent as it is, `Origin` and all (what no page could send itself).
    async fn direct(
        &mut self,
        method: &str,
        url: Url,
        headers: &[(&str, &str)],
    ) -> Result<(Outgoing, ResponseHead), Stop> {
        let outgoing = Outgoing {
            exchange: if method == "OPTIONS" {
                Exchange::Preflight
            } else {
                Exchange::Actual
            },
            method: method.to_owned(),
            url,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            with_credentials: true,
        };
        let response = self.send(&outgoing).await?;
        Ok((outgoing, response))
    }
}

/// The URL without the audit's cache-busting query.
pub(crate) fn unbusted(url: &str) -> String {
    match url.rfind("corsair-audit=") {
        Some(at) => url[..at - 1].to_owned(),
        None => url.to_owned(),
    }
}

fn page_origin(origin: &str) -> Option<Origin> {
    Origin::parse(origin).ok()
}

/// Scans `url`. Never fails as a whole: what was found before a network error is kept.
pub(crate) async fn scan(shared: Arc<Shared>, url: Url) -> Scanned {
    let mut session = Session {
        shared,
        record: Record::default(),
        requests: 0,
        busting: 0,
    };
    let mut observations = Vec::new();
    let mut skipped = Vec::new();
    let mut context = Context::default();
    let mut legitimate = session.shared.trusted.clone();
    let result = probe(
        &mut session,
        &url,
        &mut observations,
        &mut skipped,
        &mut context,
        &mut legitimate,
    )
    .await;
    let own = url.origin().to_string();
    let mut grouped = finding::group(observations, &context);
    let mut result = result;
    if result.is_ok() {
        result = unsafe_methods(&mut session, &url, &mut grouped).await;
    }
    let findings = grouped
        .into_iter()
        .map(|(observed, severity, implies)| Finding {
            url: unbusted(&observed.request.url.to_string()),
            scanned: url.to_string(),
            severity,
            confirmable: confirmable(&observed),
            confirmed: None,
            confirm_error: None,
            impact: finding::impact(&observed, &context),
            fix: fix::fix(&observed, &legitimate, &own),
            implies,
            observed,
        })
        .collect();
    Scanned {
        url: url.to_string(),
        requests: session.requests,
        findings,
        skipped,
        error: result.err(),
    }
}

/// The unsafe methods each reported origin is granted: a preflight for `PUT` with
/// `Authorization` from that origin (the foreign origin's were probed already).
async fn unsafe_methods(
    session: &mut Session,
    url: &Url,
    grouped: &mut [(Observation, super::class::Severity, Vec<Class>)],
) -> Result<(), Stop> {
    for (observed, _, _) in grouped.iter_mut() {
        let probed = observed.methods.iter().any(|m| m == "PUT");
        let Some(origin) = page_origin(&observed.origin).filter(|_| !probed) else {
            continue;
        };
        if !finding::is_origin_class(observed.class) {
            continue;
        }
        let request = PageRequest::new(origin, session.busted(url))
            .method("PUT")
            .header("authorization", "Bearer corsair-audit")
            .header("content-type", "application/json");
        let mut verdict = session.judge(request).await?;
        verdict.only(|browser| origins::can_send(browser, &observed.origin));
        if verdict.readable() {
            observed.methods.push("PUT".to_owned());
        }
    }
    Ok(())
}

/// Whether headless Chromium can stage it: not Private Network Access (the target is not
/// private to a loopback page), not what only WebKit reads. `null` is staged in a sandboxed
/// frame.
fn confirmable(observed: &Observation) -> bool {
    observed.class != Class::PnaAnyOrigin && observed.browsers.contains(&Browser::Chromium)
}

async fn probe(
    session: &mut Session,
    url: &Url,
    observations: &mut Vec<Observation>,
    skipped: &mut Vec<String>,
    context: &mut Context,
    legitimate: &mut Vec<String>,
) -> Result<(), Stop> {
    let target = url.origin().clone();
    let own = target.to_string();
    let Some(target_host) = target.host().cloned() else {
        return Ok(());
    };
    // The own-origin probe: what the server grants to a request carrying its own origin.
    let busted = session.busted(url);
    let (_, own_answer) = session.direct("GET", busted, &[("origin", &own)]).await?;
    *context = Context::read(&target_host.to_string(), &own_answer);
    let mut bases = vec![target_host];
    let granted = own_answer
        .get("access-control-allow-origin")
        .map(|v| String::from_utf8_lossy(&v).into_owned());
    if let Some(granted) = granted.as_deref().and_then(page_origin)
        && granted.to_string() != own
    {
        if let Some(host) = granted.host() {
            bases.push(host.clone());
        }
        legitimate.push(granted.to_string());
    }
    for trusted in &session.shared.trusted {
        if let Some(host) = page_origin(trusted).and_then(|o| o.host().cloned()) {
            bases.push(host);
        }
    }
    let mut broken = Vec::new();
    let probes = origins::probes(&target, &bases, &session.shared.attacker, legitimate);
    let foreign = session.shared.attacker.foreign_origin();
    for probe in &probes {
        let Some(origin) = page_origin(&probe.origin) else {
            continue;
        };
        let mut methods = vec!["GET"];
        if session.shared.probe_writes {
            methods.push("POST");
        }
        for method in methods {
            let mut request = PageRequest::new(origin.clone(), session.busted(url)).method(method);
            if method == "POST" {
                request = request.header("content-type", "application/x-www-form-urlencoded");
            }
            let mut verdict = session.judge(request).await?;
            verdict.only(|browser| origins::can_send(browser, &probe.origin));
            let Some((sent, answer)) = verdict.answer().cloned() else {
                continue;
            };
            let allow_origin = answer.get("access-control-allow-origin");
            if let Some(class) = answer_flaw(&answer, &probe.origin) {
                broken.push(observation(
                    class,
                    probe,
                    method,
                    &verdict,
                    (sent.clone(), answer.clone()),
                ));
            }
            // `*` is a public answer, not an origin check that let this origin in.
            if verdict.readable() && allow_origin.as_deref() != Some(b"*") {
                observations.push(observation(
                    probe.class,
                    probe,
                    method,
                    &verdict,
                    (sent, answer),
                ));
            }
        }
    }
    if !session.shared.probe_writes {
        skipped.push("simple POST probes (pass --probe-writes to send them)".to_owned());
    }
    // One finding per broken answer is enough: the most telling first.
    broken.sort_by_key(|o: &Observation| o.class);
    broken.dedup_by_key(|o| o.class);
    observations.extend(broken);

    let foreign_origin = page_origin(&foreign).expect("the attacker's origin parses");
    for method in ["PUT", "DELETE"] {
        let request = PageRequest::new(foreign_origin.clone(), session.busted(url))
            .method(method)
            .header("authorization", "Bearer corsair-audit")
            .header("content-type", "application/json");
        let verdict = session.judge(request).await?;
        if verdict.readable()
            && let Some(answer) = verdict.answer().cloned()
        {
            let probe = origins::Probe {
                class: Class::PreflightAnyOrigin,
                origin: foreign.clone(),
                base: None,
            };
            observations.push(observation(
                Class::PreflightAnyOrigin,
                &probe,
                method,
                &verdict,
                answer,
            ));
        }
    }
    merge_methods(observations);

    let pna = session.busted(url);
    let (sent, answer) = session
        .direct(
            "OPTIONS",
            pna,
            &[
                ("origin", &foreign),
                ("access-control-request-method", "GET"),
                ("access-control-request-private-network", "true"),
            ],
        )
        .await?;
    if answer.is_ok()
        && Browser::Chromium
            .cors_check(&foreign, false, &answer)
            .is_ok()
        && answer
            .get("access-control-allow-private-network")
            .as_deref()
            == Some(b"true")
    {
        observations.push(Observation {
            class: Class::PnaAnyOrigin,
            origin: foreign.clone(),
            base: None,
            methods: vec!["GET".to_owned()],
            credentials: false,
            browsers: vec![Browser::Chromium],
            request: sent,
            response: answer,
        });
    }

    // The un-busted pair: the URL as caches see it, from a trusted origin and a foreign one.
    let friend = legitimate.first().cloned().unwrap_or_else(|| own.clone());
    let (_, first) = session
        .direct("GET", url.clone(), &[("origin", &friend)])
        .await?;
    let (sent, second) = session
        .direct("GET", url.clone(), &[("origin", &foreign)])
        .await?;
    if let Some(answer) = missing_vary(&first, &second) {
        let (request, response) = if answer == 0 {
            (
                Outgoing {
                    headers: vec![("origin".to_owned(), friend.clone())],
                    ..sent.clone()
                },
                first,
            )
        } else {
            (sent, second)
        };
        observations.push(Observation {
            class: Class::MissingVary,
            origin: friend,
            base: None,
            methods: vec!["GET".to_owned()],
            credentials: false,
            browsers: Browser::ALL.to_vec(),
            request,
            response,
        });
    }
    Ok(())
}

fn observation(
    class: Class,
    probe: &origins::Probe,
    method: &str,
    verdict: &Verdict,
    (request, response): (Outgoing, ResponseHead),
) -> Observation {
    Observation {
        class,
        origin: probe.origin.clone(),
        base: probe.base.clone(),
        methods: vec![method.to_owned()],
        credentials: !verdict.with_credentials.is_empty(),
        browsers: verdict.browsers().to_vec(),
        request,
        response,
    }
}

/// Folds the methods each origin was granted into every observation of that origin (a
/// reflecting server's GET finding also lists the PUT its preflight grants).
fn merge_methods(observations: &mut [Observation]) {
    let all: Vec<(String, String)> = observations
        .iter()
        .flat_map(|o| o.methods.iter().map(|m| (o.origin.clone(), m.clone())))
        .collect();
    for observed in observations.iter_mut() {
        for (origin, method) in &all {
            if *origin == observed.origin && !observed.methods.contains(method) {
                observed.methods.push(method.clone());
            }
        }
    }
}

/// A broken `Access-Control-Allow-Origin` in an answer to `sent_origin`: `*` (with or
/// without credentials), several values, a pattern sent literally, or the origin reflected
/// with a trailing slash.
fn answer_flaw(answer: &ResponseHead, sent_origin: &str) -> Option<Class> {
    let lines: Vec<&[u8]> = answer.values("access-control-allow-origin").collect();
    let first = *lines.first()?;
    let value = String::from_utf8_lossy(first);
    // The origin sent, reflected as it is, even one holding `*` (only WebKit can be there).
    if lines.len() == 1 && value == sent_origin {
        return None;
    }
    if lines.len() > 1 || value.contains([',', ' ']) {
        return Some(Class::InvalidAcao);
    }
    if value == "*" {
        let credentials =
            answer.get("access-control-allow-credentials").as_deref() == Some(b"true");
        return Some(if credentials {
            Class::WildcardCredentials
        } else {
            Class::Wildcard
        });
    }
    let reflected_with_slash = value.strip_suffix('/') == Some(sent_origin);
    (value.contains('*') || reflected_with_slash).then_some(Class::InvalidAcao)
}

/// Which of two answers to one URL (0 or 1) proves an origin-dependent, cacheable answer
/// without `Vary: Origin`, if they do.
fn missing_vary(first: &ResponseHead, second: &ResponseHead) -> Option<usize> {
    let allow = |r: &ResponseHead| r.get("access-control-allow-origin");
    if allow(first) == allow(second) {
        return None;
    }
    let varies = |r: &ResponseHead| {
        r.values("vary").any(|line| {
            line.split(|&b| b == b',')
                .map(<[u8]>::trim_ascii)
                .any(|token| token.eq_ignore_ascii_case(b"origin") || token == b"*")
        })
    };
    let cacheable = |r: &ResponseHead| {
        let control = r
            .get("cache-control")
            .map(|v| String::from_utf8_lossy(&v).to_ascii_lowercase())
            .unwrap_or_default();
        r.is_ok() && !control.contains("no-store") && !control.contains("private")
    };
    [first, second]
        .iter()
        .position(|r| allow(r).is_some() && !varies(r) && cacheable(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(headers: &[(&str, &str)]) -> ResponseHead {
        ResponseHead::new(200, headers.iter().copied())
    }

    #[test]
    fn missing_vary_needs_an_origin_dependent_cacheable_answer_without_vary_origin() {
        let granted = answer(&[("access-control-allow-origin", "https://app.t.com")]);
        let refused = answer(&[]);
        assert_eq!(missing_vary(&granted, &refused), Some(0));
        assert_eq!(missing_vary(&refused, &granted), Some(1));
        assert_eq!(
            missing_vary(&granted, &granted),
            None,
            "not origin-dependent"
        );
        for header in [
            ("vary", "Accept, origin"),
            ("vary", "*"),
            ("cache-control", "private, max-age=60"),
            ("cache-control", "no-store"),
        ] {
            let safe = answer(&[("access-control-allow-origin", "https://app.t.com"), header]);
            assert_eq!(missing_vary(&safe, &refused), None, "{header:?}");
        }
    }

    #[test]
    fn broken_allow_origin_values() {
        let sent = "https://corsair-audit.net";
        let flaw = |value: &[&str]| {
            let lines: Vec<(&str, &str)> = value
                .iter()
                .map(|v| ("access-control-allow-origin", *v))
                .collect();
            answer_flaw(&answer(&lines), sent)
        };
        assert_eq!(flaw(&[sent]), None);
        assert_eq!(
            flaw(&["https://corsair-audit.net/"]),
            Some(Class::InvalidAcao)
        );
        assert_eq!(
            flaw(&["https://app.t.com/"]),
            None,
            "a fixed value with a slash matches nothing"
        );
        assert_eq!(flaw(&[sent, sent]), Some(Class::InvalidAcao));
        assert_eq!(
            flaw(&["https://a.t.com, https://b.t.com"]),
            Some(Class::InvalidAcao)
        );
        assert_eq!(flaw(&["https://*.t.com"]), Some(Class::InvalidAcao));
        assert_eq!(flaw(&["*"]), Some(Class::Wildcard));
        assert_eq!(flaw(&[]), None);
        let star = answer(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", "true"),
        ]);
        assert_eq!(answer_flaw(&star, sent), Some(Class::WildcardCredentials));
    }

    #[test]
    fn the_cache_buster_is_taken_off_the_reported_url() {
        assert_eq!(
            unbusted("https://a.t.com/x?corsair-audit=3"),
            "https://a.t.com/x"
        );
        assert_eq!(
            unbusted("https://a.t.com/x?q=1&corsair-audit=12"),
            "https://a.t.com/x?q=1"
        );
        assert_eq!(unbusted("https://a.t.com/x"), "https://a.t.com/x");
    }
}
