//! A request head as the native path reads it: parsed once, by the parser and configuration
//! hyper's server uses, its fields shared with the read buffer; whether the native path
//! serves it; and the view the policy reads it through.

use std::mem::MaybeUninit;

use bytes::Bytes;
use corsair::{CorsRequest, FirstValue, RequestHead, RequestHeader};
use http::{HeaderValue, Method, header, uri::PathAndQuery};

use crate::{
    fields::{self, Head, Present},
    framing,
    h1::head::{self, FieldList, MAX_FIELDS, Span, Text},
};

/// A request the native path serves: an HTTP/1.1 request in origin form, with one `Host`,
/// no `Transfer-Encoding`, nothing that may switch protocols or wait for `100 Continue`,
/// and a body of known length, if any. Every other head, and every head hyper's parser
/// refuses, is hyper's to answer ([`parse`] says `None`).
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) target: PathAndQuery,
    pub(crate) fields: FieldList,
    pub(crate) present: Present,
    /// The `Content-Length`, or 0.
    pub(crate) body: u64,
}

impl Request {
    /// The client's `Host`.
    pub(crate) fn host(&self) -> Option<HeaderValue> {
        self.fields.first_shared(&header::HOST)
    }
}

/// What the bytes at the start of a connection's buffer hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// Not a whole head yet.
    Partial,
    /// A head the native path leaves to hyper, whole or not.
    Hyper,
    /// A whole head of `length` bytes, its fields' places in `spans`; [`Request::new`]
    /// makes the request of it once its bytes are taken off the buffer.
    Head {
        length: usize,
        method: Method,
        target: (usize, usize),
    },
}

/// Scans the head at the start of `buffered` with the parser and configuration hyper's
/// server uses, recording where its fields lie in `spans`. `max_fields` is the gateway's
/// limit (at most [`MAX_FIELDS`] are parsed here; a head with more is hyper's).
pub(crate) fn scan(buffered: &[u8], max_fields: usize, spans: &mut Vec<Span>) -> Scanned {
    let mut parsed = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_FIELDS];
    let mut request = httparse::Request::new(&mut []);
    let fields = &mut parsed[..max_fields.min(MAX_FIELDS)];
    let status = httparse::ParserConfig::default().parse_request_with_uninit_headers(
        &mut request,
        buffered,
        fields,
    );
    let length = match status {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Scanned::Partial,
        Err(_) => return Scanned::Hyper,
    };
    let (Some(method), Some(target), Some(1)) = (request.method, request.path, request.version)
    else {
        return Scanned::Hyper;
    };
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return Scanned::Hyper;
    };
    if method == Method::CONNECT || !target.starts_with('/') {
        return Scanned::Hyper;
    }
    head::spans(buffered, request.headers, spans);
    Scanned::Head {
        length,
        method,
        target: head::span(buffered, target.as_bytes()),
    }
}

impl Request {
    /// The request in `head`, the bytes [`scan`] found a head in, or `None` for one the
    /// native path leaves to hyper.
    pub(crate) fn new(
        head: &Bytes,
        method: Method,
        target: (usize, usize),
        spans: &[Span],
    ) -> Option<Self> {
        let target = PathAndQuery::from_maybe_shared(head.slice(target.0..target.1)).ok()?;
        let fields = FieldList::from_spans(head, spans);
        let present = Present::of(&fields);
        if present.upgrade || present.expect || present.transfer_encoding || present.hosts != 1 {
            return None;
        }
        let body = match present.content_lengths {
            0 => 0,
            1 => framing::digits(fields.values(&header::CONTENT_LENGTH).next()?)?,
            _ => return None,
        };
        Some(Self {
            method,
            target,
            fields,
            present,
            body,
        })
    }
}

/// The request as the policy reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a>(pub(crate) &'a Request);

impl<'a> CorsRequest<'a> for View<'a> {
    type Value = Text;

    fn method(&self) -> &str {
        self.0.method.as_str()
    }

    fn path(&self) -> &str {
        self.0.target.path()
    }

    /// None: the target is in origin form.
    fn authority(&self) -> Option<&str> {
        None
    }

    fn values(&self, header: RequestHeader) -> impl Iterator<Item = &'a Text> {
        self.0.fields.texts(header.name())
    }

    /// None: the native path never serves a policy with origin predicates.
    fn head(&self) -> Option<RequestHead<'_>> {
        None
    }

    fn first_values<const N: usize>(
        &self,
        headers: [RequestHeader; N],
    ) -> [Option<FirstValue<'a, Text>>; N] {
        let wanted = headers.map(|header| header.name().as_str());
        // Placed first, so that only the fields wanted are made into shared values.
        let placed = self.0.fields.placed(move |name| {
            wanted
                .iter()
                .position(|wanted| fields::same_name(name, wanted))
        });
        FirstValue::find_all(placed, Some)
    }

    const FINDS_TOGETHER: bool = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request a connection whose buffer holds `head` makes of it, as the loop does.
    fn parsed_with(head: &[u8], max_fields: usize) -> Option<Request> {
        let mut spans = Vec::new();
        match scan(head, max_fields, &mut spans) {
            Scanned::Head {
                length,
                method,
                target,
            } => Request::new(
                &Bytes::copy_from_slice(&head[..length]),
                method,
                target,
                &spans,
            ),
            _ => None,
        }
    }

    fn parsed(head: &'static str) -> Option<Request> {
        parsed_with(head.as_bytes(), 100)
    }

    #[test]
    fn the_usual_requests_are_served_here() {
        let get =
            parsed("GET /a?b=1 HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\n\r\n").unwrap();
        assert_eq!(
            (get.method.as_str(), get.target.as_str(), get.body),
            ("GET", "/a?b=1", 0)
        );
        assert_eq!(View(&get).path(), "/a");
        let origin = View(&get).values(RequestHeader::Origin).next().unwrap();
        assert_eq!(origin.as_ref(), b"https://a.example");
        let post = parsed("POST / HTTP/1.1\r\nhost: x\r\nContent-Length: 12\r\n\r\n").unwrap();
        assert_eq!(post.body, 12);
        assert_eq!(post.host().unwrap(), "x");
    }

    #[test]
    fn everything_else_is_left_to_hyper() {
        for head in [
            "GET / HTTP/1.0\r\nHost: x\r\n\r\n",
            "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n",
            "GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ] {
            assert!(parsed(head).is_none(), "{head:?}");
        }
    }

    /// Each field name (lowercase) with its values in order, names in order of first use.
    type Grouped = Vec<(String, Vec<Vec<u8>>)>;

    /// What hyper's server makes of `head`: its method, target and fields (each name's values
    /// in order), or `None` where it refuses the head.
    fn hyper_reads(head: &[u8]) -> Option<(String, String, Grouped)> {
        use tokio::io::AsyncWriteExt;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (mut client, server) = tokio::io::duplex(64 * 1024);
            let (sender, seen) = tokio::sync::oneshot::channel();
            let sender = std::sync::Mutex::new(Some(sender));
            let service = hyper::service::service_fn(move |request: http::Request<_>| {
                let mut fields: Grouped = Vec::new();
                for name in request.headers().keys() {
                    let values = request.headers().get_all(name).iter();
                    fields.push((
                        name.to_string(),
                        values.map(|v| v.as_bytes().to_vec()).collect(),
                    ));
                }
                let read = (
                    request.method().to_string(),
                    request.uri().to_string(),
                    fields,
                );
                if let Some(sender) = sender.lock().unwrap().take() {
                    let _ = sender.send(read);
                }
                std::future::ready(Ok::<_, std::convert::Infallible>(http::Response::new(
                    http_body_util::Empty::<Bytes>::new(),
                )))
            });
            let serving = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(server), service);
            let serving = tokio::spawn(serving);
            client.write_all(head).await.unwrap();
            let seen = tokio::time::timeout(std::time::Duration::from_millis(500), seen).await;
            serving.abort();
            seen.ok()?.ok()
        })
    }

    /// Heads near the edges of what the native path serves: methods, targets, versions,
    /// field names and values, whitespace and line endings of every kind it may meet.
    fn heads() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        // Mostly what the native path serves, with a share of everything near it.
        let method = prop_oneof![
            8 => prop::sample::select(vec!["GET", "POST", "OPTIONS", "HEAD", "DELETE", "M-SEARCH"]),
            1 => prop::sample::select(vec!["CONNECT", "get", "G(T", "G T", ""]),
        ];
        let target = prop_oneof![
            4 => "/[!-~]{0,12}",
            2 => prop::sample::select(vec![
                "/", "/a?b=c", "/%20x", "*", "http://h/p", "/a b", "//x", "/a#f", "/?", "/a|b",
                "/\u{e9}", "/{}", "/a\"b", "/a\\b", "/^`",
            ])
            .prop_map(str::to_owned),
            1 => "/[!-~\u{80}-\u{ff}]{0,8}",
        ];
        let version = prop_oneof![
            8 => Just("HTTP/1.1"),
            1 => prop::sample::select(vec!["HTTP/1.0", "HTTP/2.0", "http/1.1", "HTTP/1.1 "]),
        ];
        let name = prop_oneof![
            6 => "[a-zA-Z0-9!#$%&'*+.^_`|~-]{1,10}".prop_map(|name| name.to_owned()),
            3 => prop::sample::select(vec![
                "Origin", "Content-Length", "Access-Control-Request-Headers",
                "Access-Control-Request-Method", "Connection", "TE", "X-Forwarded-For",
            ])
            .prop_map(str::to_owned),
            1 => prop::sample::select(vec![
                "Host", "Transfer-Encoding", "Upgrade", "Expect", "Bad Name", "x\u{7f}", "a\"",
            ])
            .prop_map(str::to_owned),
        ];
        let value = prop_oneof![
            6 => "[ -~\t]{0,16}",
            2 => prop::sample::select(vec!["", " ", "5", " 5 ", "+5", "05", "a, b", "\t x \t", "0"])
                .prop_map(str::to_owned),
            1 => "[ -~\t\u{80}-\u{ff}\r\0\u{7f}]{0,12}",
        ];
        let separator = prop_oneof![
            8 => Just(": "),
            1 => prop::sample::select(vec![":", " : ", ":\t", ": \t"]),
        ];
        let line_end = prop_oneof![8 => Just("\r\n"), 1 => Just("\n")];
        let field = (name, separator, value, line_end.clone());
        (
            method,
            target,
            version,
            line_end,
            prop::collection::vec(field, 0..6),
            prop::bool::weighted(0.9),
        )
            .prop_map(|(method, target, version, end, fields, host)| {
                let mut head = format!("{method} {target} {version}{end}");
                if host {
                    head.push_str(&format!("Host: example{end}"));
                }
                for (name, separator, value, end) in fields {
                    head.push_str(&format!("{name}{separator}{value}{end}"));
                }
                head.push_str(end);
                // Characters above 0x7f stand for the byte of the same value.
                head.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect()
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Where the native path serves a head, hyper's server would have read the same
        /// request from it: the native path never serves a head hyper refuses, nor reads one
        /// otherwise.
        #[test]
        fn a_head_served_here_reads_as_hyper_reads_it(head in heads()) {
            let Some(native) = parsed_with(&head, 100) else { return Ok(()) };
            let (method, target, fields) = hyper_reads(&head)
                .expect("hyper accepts every head the native path serves");
            proptest::prop_assert_eq!(native.method.as_str(), method);
            proptest::prop_assert_eq!(native.target.as_str(), target);
            let mut grouped: Grouped = Vec::new();
            for (name, value) in native.fields.lines() {
                let name = String::from_utf8_lossy(name).to_ascii_lowercase();
                let value = value.to_vec();
                match grouped.iter_mut().find(|(seen, _)| *seen == name) {
                    Some((_, values)) => values.push(value),
                    None => grouped.push((name, vec![value])),
                }
            }
            proptest::prop_assert_eq!(grouped, fields);
        }
    }

    proptest::proptest! {
        /// Whatever a client sends, the native path serves it or leaves it, never panics.
        #[test]
        fn any_bytes_are_served_or_left_to_hyper(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            prefix in proptest::sample::select(vec![&b""[..], b"GET / HTTP/1.1\r\nHost: x\r\n", b"POST /a?b HTTP/1.1\r\n"]),
        ) {
            let _ = parsed_with(&[prefix, &bytes].concat(), 100);
        }
    }

    #[test]
    fn more_fields_than_the_limit_are_left_to_hyper() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\na: 1\r\nb: 2\r\n\r\n";
        assert!(parsed_with(head, 3).is_some());
        assert!(parsed_with(head, 2).is_none());
        let mut spans = Vec::new();
        assert_eq!(scan(&head[..20], 3, &mut spans), Scanned::Partial);
    }
}
