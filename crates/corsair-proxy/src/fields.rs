//! The fields the gateway reads or strips on the way through: hop-by-hop fields (RFC 9110,
//! section 7.6.1) and those `Connection` names, `TE`, `Expect`, the forwarding fields. One
//! pass over a head's names finds which of them it carries ([`Present`]), so the usual
//! request, which carries few, costs no lookup for the others.

use http::{HeaderMap, HeaderName, HeaderValue, header};

/// The forwarding fields the gateway sets, and `Forwarded`, which it removes with them.
pub(crate) const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
pub(crate) const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub(crate) const FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Which of the fields the gateway reads or edits a head carries.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Present {
    connection: bool,
    upgrade: bool,
    te: bool,
    /// Any field that is hop-by-hop by name (`Connection` and `TE` among them).
    hop_by_hop: bool,
    pub(crate) expect: bool,
    pub(crate) host: bool,
    pub(crate) content_length: bool,
    /// `X-Forwarded-*` or `Forwarded`.
    pub(crate) forwarded: bool,
}

impl Present {
    pub(crate) fn of(headers: &HeaderMap) -> Self {
        let mut present = Self::default();
        for name in headers.keys() {
            match *name {
                header::CONNECTION => present.connection = true,
                header::UPGRADE => present.upgrade = true,
                header::TE => present.te = true,
                header::EXPECT => present.expect = true,
                header::HOST => present.host = true,
                header::CONTENT_LENGTH => present.content_length = true,
                header::FORWARDED => present.forwarded = true,
                _ if is_forwarding(name) => present.forwarded = true,
                _ => {}
            }
            present.hop_by_hop |= is_hop_by_hop(name);
        }
        present
    }

    /// Whether the request asks to switch protocols: `Connection: upgrade` and an `Upgrade`
    /// field.
    pub(crate) fn asks_upgrade(&self, headers: &HeaderMap) -> bool {
        self.upgrade && self.connection && lists(headers, &header::CONNECTION, "upgrade")
    }

    /// Whether `TE` says the client takes trailers.
    pub(crate) fn accepts_trailers(&self, headers: &HeaderMap) -> bool {
        self.te && lists(headers, &header::TE, "trailers")
    }

    /// Removes the hop-by-hop fields and every field `Connection` names. An upgrade keeps
    /// `Connection: upgrade` and `Upgrade`, which ask the upstream to switch.
    pub(crate) fn remove_hop_by_hop(&self, headers: &mut HeaderMap, upgrade: bool) {
        if self.connection {
            // `keep-alive` and `upgrade`, what `Connection` usually names, are hop-by-hop by
            // name and go below, so they cost no name parse.
            let named: Vec<HeaderName> = tokens(headers, &header::CONNECTION)
                .filter(|token| {
                    !["keep-alive", "upgrade"]
                        .iter()
                        .any(|usual| token.eq_ignore_ascii_case(usual.as_bytes()))
                })
                .filter_map(|token| HeaderName::from_bytes(token).ok())
                .collect();
            for name in named {
                headers.remove(name);
            }
        }
        if self.hop_by_hop {
            remove_where(headers, |name| {
                let kept = upgrade && (name == header::UPGRADE || name == header::CONNECTION);
                !kept && is_hop_by_hop(name)
            });
        }
        if upgrade {
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        }
    }
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        *name,
        header::CONNECTION
            | header::TE
            | header::TRANSFER_ENCODING
            | header::UPGRADE
            | header::PROXY_AUTHENTICATE
            | header::PROXY_AUTHORIZATION
    ) || name == "keep-alive"
        || name == "proxy-connection"
}

/// `X-Forwarded-For`, `-Proto`, `-Host` or `Forwarded`.
pub(crate) fn is_forwarding(name: &HeaderName) -> bool {
    [
        &FORWARDED_FOR,
        &FORWARDED_PROTO,
        &FORWARDED_HOST,
        &header::FORWARDED,
    ]
    .contains(&name)
}

/// The comma-separated tokens of every `name` field.
fn tokens<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
    headers
        .get_all(name)
        .into_iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
}

fn lists(headers: &HeaderMap, name: &HeaderName, token: &str) -> bool {
    tokens(headers, name).any(|listed| listed.eq_ignore_ascii_case(token.as_bytes()))
}

/// The request's `Content-Length`, if it is one number.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Removes every field whose name matches. A pass over the names per removal, and one more:
/// most messages carry none or one of the names the gateway strips, and a removal per
/// candidate name would hash each one whether it is there or not.
pub(crate) fn remove_where(headers: &mut HeaderMap, matches: impl Fn(&HeaderName) -> bool) {
    while let Some(name) = headers.keys().find(|name| matches(name)).cloned() {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(fields: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_go() {
        let mut headers = map(&[
            ("connection", "keep-alive, x-secret"),
            ("keep-alive", "timeout=5"),
            ("x-secret", "1"),
            ("te", "trailers"),
            ("upgrade", "h2c"),
            ("proxy-connection", "keep-alive"),
            ("x-kept", "1"),
        ]);
        Present::of(&headers).remove_hop_by_hop(&mut headers, false);
        assert_eq!(headers.keys().collect::<Vec<_>>(), ["x-kept"]);

        // Each kind of field is found on its own, not only beside `Connection`.
        for name in ["te", "keep-alive", "proxy-connection", "transfer-encoding"] {
            let mut headers = map(&[(name, "x"), ("x-kept", "1")]);
            Present::of(&headers).remove_hop_by_hop(&mut headers, false);
            assert_eq!(headers.keys().collect::<Vec<_>>(), ["x-kept"], "{name}");
        }
        let mut named = map(&[("connection", "x-secret"), ("x-secret", "1")]);
        Present::of(&named).remove_hop_by_hop(&mut named, false);
        assert!(named.is_empty());
    }

    #[test]
    fn an_upgrade_keeps_what_asks_for_it() {
        let mut headers = map(&[
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
            ("keep-alive", "timeout=5"),
        ]);
        let present = Present::of(&headers);
        assert!(present.asks_upgrade(&headers));
        present.remove_hop_by_hop(&mut headers, true);
        assert_eq!(headers["connection"], "upgrade");
        assert_eq!(headers["upgrade"], "websocket");
        assert!(!headers.contains_key("keep-alive"));
    }

    #[test]
    fn an_upgrade_needs_both_fields_and_the_token_may_be_among_others() {
        let asks = |fields: &[(&'static str, &str)]| {
            let headers = map(fields);
            Present::of(&headers).asks_upgrade(&headers)
        };
        assert!(!asks(&[("upgrade", "websocket")]));
        assert!(asks(&[
            ("upgrade", "websocket"),
            ("connection", "keep-alive, Upgrade")
        ]));
        assert!(!asks(&[("connection", "upgrade")]));
    }

    #[test]
    fn the_pass_finds_what_the_gateway_reads() {
        let fields = map(&[
            ("te", "gzip, Trailers"),
            ("expect", "100-continue"),
            ("host", "a"),
            ("content-length", "5"),
            ("x-forwarded-host", "b"),
        ]);
        let present = Present::of(&fields);
        assert!(present.accepts_trailers(&fields));
        assert!(present.expect && present.host && present.content_length && present.forwarded);
        assert_eq!(content_length(&fields), Some(5));
        let bare = map(&[("origin", "https://a.example")]);
        let present = Present::of(&bare);
        assert!(!present.accepts_trailers(&bare));
        assert!(!(present.expect || present.host || present.content_length || present.forwarded));
        let forwarded = map(&[("forwarded", "for=1.2.3.4")]);
        assert!(Present::of(&forwarded).forwarded);
    }
}
