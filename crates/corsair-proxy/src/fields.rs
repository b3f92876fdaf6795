//! The fields the gateway reads or strips on the way through: hop-by-hop fields (RFC 9110,
//! section 7.6.1) and those `Connection` names, `TE`, `Expect`, the forwarding fields. One
//! pass over a head's names finds which of them it carries ([`Present`]), so the usual
//! request, which carries few, costs no lookup for the others.

use http::{HeaderMap, HeaderName, HeaderValue, header};

/// The forwarding fields the gateway sets, and `Forwarded`, which it removes with them.
pub(crate) const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
pub(crate) const FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub(crate) const FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// A message head the gateway edits: `http`'s map on the hyper path, the field list of the
/// native HTTP/1.1 path. Names compare without regard to case (the map's are lowercase,
/// the list's as received).
pub(crate) trait Head {
    /// Every field's name, once per field.
    fn names(&self) -> impl Iterator<Item = &[u8]>;
    /// Every value of `name`, in the order received.
    fn values<'a>(&'a self, name: &HeaderName) -> impl Iterator<Item = &'a [u8]>;
    /// Removes every field whose name matches.
    fn remove_where(&mut self, matches: impl Fn(&[u8]) -> bool);
    /// Replaces every value of `name` with `value`.
    fn insert(&mut self, name: HeaderName, value: HeaderValue);
    /// Adds a field after the others.
    fn append(&mut self, name: HeaderName, value: HeaderValue);
}

impl Head for HeaderMap {
    fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.keys().map(|name| name.as_str().as_bytes())
    }

    fn values<'a>(&'a self, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
        self.get_all(name).into_iter().map(HeaderValue::as_bytes)
    }

    /// A pass over the names per removal, and one more: most messages carry none or one of
    /// the names the gateway strips, and a removal per candidate name would hash each one
    /// whether it is there or not.
    fn remove_where(&mut self, matches: impl Fn(&[u8]) -> bool) {
        while let Some(name) = self
            .keys()
            .find(|name| matches(name.as_str().as_bytes()))
            .cloned()
        {
            self.remove(name);
        }
    }

    fn insert(&mut self, name: HeaderName, value: HeaderValue) {
        HeaderMap::insert(self, name, value);
    }

    fn append(&mut self, name: HeaderName, value: HeaderValue) {
        HeaderMap::append(self, name, value);
    }
}

/// The fields [`Present`] looks for, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Connection,
    Upgrade,
    Te,
    Expect,
    Host,
    Date,
    ContentLength,
    TransferEncoding,
    /// `X-Forwarded-*` or `Forwarded`.
    Forwarding,
    /// Hop-by-hop by name, and nothing else to the gateway.
    HopByHop,
}

/// Whether `received`, a field name as a parser accepted it (a token), is `lowercase`, a
/// name of lowercase letters, digits and hyphens, in any case. Eight bytes at a time:
/// setting each byte's 0x20 bit lowercases a letter and leaves a digit or a hyphen alone,
/// and among token bytes only the one wanted maps to each of these.
pub(crate) fn same_name(received: &[u8], lowercase: &str) -> bool {
    fn folded(bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word) | 0x2020_2020_2020_2020
    }
    let wanted = lowercase.as_bytes();
    received.len() == wanted.len()
        && received
            .chunks(8)
            .zip(wanted.chunks(8))
            .all(|(received, wanted)| folded(received) == folded(wanted))
}

/// What a field's name makes it to the gateway. By length first: most names have a length
/// none of these has, and cost no comparison of their bytes.
fn known(name: &[u8]) -> Option<Known> {
    let candidates: &[(&str, Known)] = match name.len() {
        2 => &[("te", Known::Te)],
        4 => &[("host", Known::Host), ("date", Known::Date)],
        6 => &[("expect", Known::Expect)],
        7 => &[("upgrade", Known::Upgrade)],
        9 => &[("forwarded", Known::Forwarding)],
        10 => &[
            ("connection", Known::Connection),
            ("keep-alive", Known::HopByHop),
        ],
        14 => &[("content-length", Known::ContentLength)],
        15 => &[("x-forwarded-for", Known::Forwarding)],
        16 => &[
            ("x-forwarded-host", Known::Forwarding),
            ("proxy-connection", Known::HopByHop),
        ],
        17 => &[
            ("transfer-encoding", Known::TransferEncoding),
            ("x-forwarded-proto", Known::Forwarding),
        ],
        18 => &[("proxy-authenticate", Known::HopByHop)],
        19 => &[("proxy-authorization", Known::HopByHop)],
        _ => return None,
    };
    candidates
        .iter()
        .find(|(known, _)| same_name(name, known))
        .map(|&(_, kind)| kind)
}

impl Known {
    /// Hop-by-hop by name (RFC 9110, section 7.6.1).
    fn is_hop_by_hop(self) -> bool {
        matches!(
            self,
            Self::Connection | Self::Te | Self::TransferEncoding | Self::Upgrade | Self::HopByHop
        )
    }
}

/// Whether a field is hop-by-hop by its name (RFC 9110, section 7.6.1).
fn is_hop_by_hop(name: &[u8]) -> bool {
    known(name).is_some_and(Known::is_hop_by_hop)
}

/// `X-Forwarded-For`, `-Proto`, `-Host` or `Forwarded`.
fn is_forwarding(name: &[u8]) -> bool {
    known(name) == Some(Known::Forwarding)
}

/// Which of the fields the gateway reads or edits a head carries.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Present {
    connection: bool,
    pub(crate) upgrade: bool,
    te: bool,
    /// Any field that is hop-by-hop by name (`Connection` and `TE` among them).
    hop_by_hop: bool,
    pub(crate) expect: bool,
    /// How many `Host` fields.
    pub(crate) hosts: usize,
    /// How many `Content-Length` fields.
    pub(crate) content_lengths: usize,
    pub(crate) transfer_encoding: bool,
    /// `X-Forwarded-*` or `Forwarded`.
    pub(crate) forwarded: bool,
    pub(crate) date: bool,
}

impl Present {
    pub(crate) fn of(head: &impl Head) -> Self {
        let mut present = Self::default();
        for name in head.names() {
            let Some(kind) = known(name) else { continue };
            match kind {
                Known::Connection => present.connection = true,
                Known::Upgrade => present.upgrade = true,
                Known::Te => present.te = true,
                Known::Expect => present.expect = true,
                Known::Host => present.hosts += 1,
                Known::ContentLength => present.content_lengths += 1,
                Known::TransferEncoding => present.transfer_encoding = true,
                Known::Forwarding => present.forwarded = true,
                Known::Date => present.date = true,
                Known::HopByHop => {}
            }
            present.hop_by_hop |= kind.is_hop_by_hop();
        }
        present
    }

    /// Whether the request asks to switch protocols: `Connection: upgrade` and an `Upgrade`
    /// field.
    pub(crate) fn asks_upgrade(&self, head: &impl Head) -> bool {
        self.upgrade && self.connection && lists(head, &header::CONNECTION, "upgrade")
    }

    /// Whether `TE` says the client takes trailers.
    pub(crate) fn accepts_trailers(&self, head: &impl Head) -> bool {
        self.te && lists(head, &header::TE, "trailers")
    }

    /// Whether `Connection` asks to close the connection after this message.
    pub(crate) fn asks_close(&self, head: &impl Head) -> bool {
        self.connection && lists(head, &header::CONNECTION, "close")
    }

    /// Removes the hop-by-hop fields and every field `Connection` names. An upgrade keeps
    /// `Connection: upgrade` and `Upgrade`, which ask the upstream to switch.
    pub(crate) fn remove_hop_by_hop(&self, head: &mut impl Head, upgrade: bool) {
        if self.connection {
            // `keep-alive`, `upgrade` and `close`, what `Connection` usually lists, are
            // hop-by-hop by name or name no field, so they cost no list.
            let named: Vec<Box<[u8]>> = tokens(head, &header::CONNECTION)
                .filter(|token| {
                    !["keep-alive", "upgrade", "close"]
                        .iter()
                        .any(|usual| token.eq_ignore_ascii_case(usual.as_bytes()))
                })
                .map(Box::from)
                .collect();
            if !named.is_empty() {
                head.remove_where(|name| {
                    named.iter().any(|named| name.eq_ignore_ascii_case(named))
                });
            }
        }
        if self.hop_by_hop {
            head.remove_where(|name| {
                let kept = upgrade
                    && (name.eq_ignore_ascii_case(b"upgrade")
                        || name.eq_ignore_ascii_case(b"connection"));
                !kept && is_hop_by_hop(name)
            });
        }
        if upgrade {
            head.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        }
    }
}

/// The comma-separated tokens of every `name` field.
fn tokens<'a>(head: &'a impl Head, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
    head.values(name)
        .flat_map(|value| value.split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
}

fn lists(head: &impl Head, name: &HeaderName, token: &str) -> bool {
    tokens(head, name).any(|listed| listed.eq_ignore_ascii_case(token.as_bytes()))
}

/// The request's `Content-Length`, if it is one number.
pub(crate) fn content_length(head: &impl Head) -> Option<u64> {
    let mut values = head.values(&header::CONTENT_LENGTH);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Who sent a request, as the forwarding fields tell the upstream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sender<'a> {
    /// The peer's IP address, formatted once per connection.
    pub(crate) ip: Option<&'a HeaderValue>,
    pub(crate) tls: bool,
    /// The `Host` the client asked for.
    pub(crate) host: Option<&'a HeaderValue>,
}

/// Sets `X-Forwarded-For`, `-Proto` and `-Host`: replaced, unless the gateway trusts what
/// the proxy in front of it set (then the peer is appended to `-For`, and the others are
/// set only when absent). `present` says whether the request carries any of them.
pub(crate) fn set_forwarded(
    head: &mut impl Head,
    sender: Sender<'_>,
    trusted: bool,
    present: bool,
) {
    let proto = HeaderValue::from_static(if sender.tls { "https" } else { "http" });
    if trusted && present {
        let earlier = head
            .values(&FORWARDED_FOR)
            .next()
            .map(|earlier| std::str::from_utf8(earlier).map(str::to_owned));
        let chain = match (earlier, sender.ip) {
            (Some(Ok(earlier)), Some(ip)) => ip
                .to_str()
                .ok()
                .and_then(|ip| HeaderValue::try_from(format!("{earlier}, {ip}")).ok()),
            (None, ip) => ip.cloned(),
            (Some(_), _) => None,
        };
        if let Some(chain) = chain {
            head.insert(FORWARDED_FOR, chain);
        }
        if head.values(&FORWARDED_PROTO).next().is_none() {
            head.append(FORWARDED_PROTO, proto);
        }
        if let Some(host) = sender.host
            && head.values(&FORWARDED_HOST).next().is_none()
        {
            head.append(FORWARDED_HOST, host.clone());
        }
        return;
    }
    if present {
        head.remove_where(is_forwarding);
    }
    // None of them is left: each is a new field.
    if let Some(ip) = sender.ip {
        head.append(FORWARDED_FOR, ip.clone());
    }
    head.append(FORWARDED_PROTO, proto);
    if let Some(host) = sender.host {
        head.append(FORWARDED_HOST, host.clone());
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
    fn names_compare_in_any_case_and_only_to_themselves() {
        assert!(same_name(b"Content-Length", "content-length"));
        assert!(same_name(b"CONTENT-LENGTH", "content-length"));
        assert!(same_name(b"te", "te"));
        assert!(!same_name(b"content-lengtx", "content-length"));
        assert!(!same_name(b"content-length2", "content-length"));
        assert!(!same_name(b"Te", "tf"));
        // Every token byte against every byte a wanted name has: equal only in a letter's case.
        for token in (b'!'..=b'~').filter(|b| !b"\"(),/:;<=>?@[\\]{}".contains(b)) {
            for wanted in b"abcdefghijklmnopqrstuvwxyz0123456789-" {
                let expected = token.to_ascii_lowercase() == *wanted;
                let name = [b'x', token];
                let wanted = String::from_utf8(vec![b'x', *wanted]).unwrap();
                assert_eq!(same_name(&name, &wanted), expected, "{token} {wanted}");
            }
        }
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
        assert!(
            present.expect
                && present.hosts == 1
                && present.content_lengths == 1
                && present.forwarded
        );
        assert_eq!(content_length(&fields), Some(5));
        let bare = map(&[("origin", "https://a.example")]);
        let present = Present::of(&bare);
        assert!(!present.accepts_trailers(&bare));
        assert!(
            !(present.expect || present.forwarded) && present.hosts + present.content_lengths == 0
        );
        let forwarded = map(&[("forwarded", "for=1.2.3.4")]);
        assert!(Present::of(&forwarded).forwarded);
    }
}
