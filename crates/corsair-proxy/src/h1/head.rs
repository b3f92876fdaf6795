//! A message head as the native HTTP/1.1 path holds it: its fields in the order received,
//! their bytes shared with the buffer they were read into, edited in place and written out
//! as bytes, with no map to build and no name to hash.

use bytes::{BufMut, Bytes};
use corsair::{Existing, ResponseHeader, ResponseHeaders};
use http::{HeaderName, HeaderValue};

use crate::fields::{self, Head};

/// Field counts up to this are parsed from either side; a head with more goes to hyper (a
/// request) or is refused (a response, as hyper's client refuses it).
pub(crate) const MAX_FIELDS: usize = 100;

/// How many fields a head usually gains on its way through: the forwarding fields of a
/// request, or the grants and `Vary` of a response.
const ADDED: usize = 8;

/// A field name: as received, or one the gateway sets.
#[derive(Debug, Clone)]
pub(crate) enum Name {
    Received(Bytes),
    Set(HeaderName),
}

impl Name {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Received(bytes) => bytes,
            Self::Set(name) => name.as_str().as_bytes(),
        }
    }

    pub(crate) fn is(&self, name: &HeaderName) -> bool {
        match self {
            Self::Received(bytes) => fields::same_name(bytes, name.as_str()),
            Self::Set(set) => set == name,
        }
    }
}

/// A field value: as received, or one the gateway or the policy sets. It is also the
/// value type of the native request view, so an echoed origin or header list is shared with
/// the request's buffer, never copied.
#[derive(Debug, Clone)]
pub(crate) enum Text {
    Received(Bytes),
    Set(HeaderValue),
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        match self {
            Self::Received(bytes) => bytes,
            Self::Set(value) => value.as_bytes(),
        }
    }
}

/// One field line.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: Name,
    pub(crate) value: Text,
}

/// A head's fields, in order.
#[derive(Debug, Default)]
pub(crate) struct FieldList(pub(crate) Vec<Field>);

impl FieldList {
    /// The fields at `spans` in `head`, the bytes they were parsed from.
    pub(crate) fn from_spans(head: &Bytes, spans: &[Span]) -> Self {
        // Room for what the gateway and the policy add (forwarding fields, grants), so that
        // adding them never reallocates.
        let mut fields = Vec::with_capacity(spans.len() + ADDED);
        fields.extend(spans.iter().map(|span| Field {
            name: Name::Received(head.slice(span.name.0..span.name.1)),
            value: Text::Received(head.slice(span.value.0..span.value.1)),
        }));
        Self(fields)
    }

    /// The fields named `name`.
    pub(crate) fn named<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a Field> {
        self.0.iter().filter(move |field| field.name.is(name))
    }

    /// Writes the field lines, each ending in CRLF.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let length: usize = self
            .0
            .iter()
            .map(|field| field.name.as_bytes().len() + field.value.as_ref().len() + 4)
            .sum();
        out.reserve(length);
        for field in &self.0 {
            out.put_slice(field.name.as_bytes());
            out.put_slice(b": ");
            out.put_slice(field.value.as_ref());
            out.put_slice(b"\r\n");
        }
    }

    fn push(&mut self, name: HeaderName, value: Text) {
        self.0.push(Field {
            name: Name::Set(name),
            value,
        });
    }
}

impl Head for FieldList {
    fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|field| field.name.as_bytes())
    }

    fn values<'a>(&'a self, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
        self.0
            .iter()
            .filter(move |field| field.name.is(name))
            .map(|field| field.value.as_ref())
    }

    fn remove_where(&mut self, matches: impl Fn(&[u8]) -> bool) {
        self.0.retain(|field| !matches(field.name.as_bytes()));
    }

    fn insert(&mut self, name: HeaderName, value: HeaderValue) {
        match self.0.iter().position(|field| field.name.is(&name)) {
            // In the place of the first, as `http`'s map does it.
            Some(first) => {
                self.0[first].value = Text::Set(value);
                let mut at = 0;
                self.0.retain(|field| {
                    at += 1;
                    at - 1 <= first || !field.name.is(&name)
                });
            }
            None => self.push(name, Text::Set(value)),
        }
    }

    fn append(&mut self, name: HeaderName, value: HeaderValue) {
        self.push(name, Text::Set(value));
    }
}

impl ResponseHeaders for FieldList {
    fn remove_access_control(&mut self) -> Existing {
        const OWNED: &str = "access-control-";
        let mut existing = Existing::default();
        self.0.retain(|field| {
            let name = field.name.as_bytes();
            let owned = name
                .get(..OWNED.len())
                .is_some_and(|start| fields::same_name(start, OWNED));
            existing.access_control |= owned;
            existing.vary |= fields::same_name(name, "vary");
            !owned
        });
        existing
    }

    fn insert(&mut self, name: ResponseHeader, value: &HeaderValue) {
        Head::insert(self, name.name().clone(), value.clone());
    }

    fn append(&mut self, name: ResponseHeader, value: &HeaderValue) {
        self.push(name.name().clone(), Text::Set(value.clone()));
    }

    /// The request's values are [`Text`]: shared, not copied.
    fn append_echo<V: AsRef<[u8]> + 'static>(&mut self, name: ResponseHeader, value: &V) {
        match (value as &dyn std::any::Any).downcast_ref::<Text>() {
            Some(text) => self.push(name.name().clone(), text.clone()),
            None => {
                if let Ok(copy) = HeaderValue::from_bytes(value.as_ref()) {
                    self.push(name.name().clone(), Text::Set(copy));
                }
            }
        }
    }

    fn any_value(&self, name: ResponseHeader, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.named(name.name())
            .any(|field| predicate(field.value.as_ref()))
    }
}

/// The field lines of a response the gateway makes itself (a preflight's answer, a
/// refusal's), written as the policy adds them: no list to build, only bytes. Replacing or
/// looking up a field reads back the lines written, which the policy's own answers rarely
/// need (an explained refusal replaces one).
pub(crate) struct Lines<'a> {
    out: &'a mut Vec<u8>,
    /// Where the lines start in `out`.
    start: usize,
    /// A bit per [`ResponseHeader`] that may have a line (set once written, never cleared).
    written: u16,
}

impl<'a> Lines<'a> {
    /// Lines written at the end of `out`.
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        let start = out.len();
        Self {
            out,
            start,
            written: 0,
        }
    }

    fn line(&mut self, name: ResponseHeader, value: &[u8]) {
        self.written |= 1 << name as u16;
        let name = name.name().as_str().as_bytes();
        self.out.reserve(name.len() + value.len() + 4);
        self.out.put_slice(name);
        self.out.put_slice(b": ");
        self.out.put_slice(value);
        self.out.put_slice(b"\r\n");
    }

    fn may_have(&self, name: ResponseHeader) -> bool {
        self.written & (1 << name as u16) != 0
    }

    /// Each line written: its name and value.
    fn lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.out[self.start..]
            .split_inclusive(|&byte| byte == b'\n')
            .filter_map(|line| {
                let colon = line.iter().position(|&byte| byte == b':')?;
                let value = line[colon + 1..].trim_ascii();
                Some((&line[..colon], value))
            })
    }

    /// Keeps the lines whose name `keep` accepts.
    fn retain(&mut self, keep: impl Fn(&[u8]) -> bool) {
        let written = self.out.split_off(self.start);
        for line in written.split_inclusive(|&byte| byte == b'\n') {
            let name = line.split(|&byte| byte == b':').next().unwrap_or_default();
            if keep(name) {
                self.out.put_slice(line);
            }
        }
    }
}

impl ResponseHeaders for Lines<'_> {
    fn remove_access_control(&mut self) -> Existing {
        const OWNED: &str = "access-control-";
        let mut existing = Existing::default();
        for (name, _) in self.lines() {
            existing.access_control |= name
                .get(..OWNED.len())
                .is_some_and(|start| fields::same_name(start, OWNED));
            existing.vary |= fields::same_name(name, "vary");
        }
        if existing.access_control {
            self.retain(|name| {
                !name
                    .get(..OWNED.len())
                    .is_some_and(|start| fields::same_name(start, OWNED))
            });
        }
        existing
    }

    fn insert(&mut self, name: ResponseHeader, value: &HeaderValue) {
        if self.may_have(name) {
            let replaced = name.name().as_str();
            self.retain(|written| !fields::same_name(written, replaced));
        }
        self.line(name, value.as_bytes());
    }

    fn append(&mut self, name: ResponseHeader, value: &HeaderValue) {
        self.line(name, value.as_bytes());
    }

    fn append_fixed(&mut self, name: ResponseHeader, value: corsair::FixedValue) {
        self.line(name, value.as_str().as_bytes());
    }

    /// The request's bytes, as they are: the request's parser accepted them as a value.
    fn append_echo<V: AsRef<[u8]> + 'static>(&mut self, name: ResponseHeader, value: &V) {
        self.line(name, value.as_ref());
    }

    fn any_value(&self, name: ResponseHeader, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let wanted = name.name().as_str();
        self.may_have(name)
            && self
                .lines()
                .any(|(written, value)| fields::same_name(written, wanted) && predicate(value))
    }
}

/// Where a field's name and value lie in the bytes of its head: recorded while the parse
/// borrows the connection's buffer, made into shared slices once the head is taken off it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    name: (usize, usize),
    value: (usize, usize),
}

/// Where `part`, a slice of `base` (as a parse of `base` returns them), lies in it.
pub(crate) fn span(base: &[u8], part: &[u8]) -> (usize, usize) {
    let start = (part.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    // Only a slice from elsewhere (none is) could fall outside; it becomes an empty span.
    if start
        .checked_add(part.len())
        .is_none_or(|end| end > base.len())
    {
        return (0, 0);
    }
    (start, start + part.len())
}

/// Records in `spans` where each of `parsed`, parsed from `base`, lies.
pub(crate) fn spans(base: &[u8], parsed: &[httparse::Header<'_>], spans: &mut Vec<Span>) {
    spans.clear();
    spans.extend(parsed.iter().map(|field| Span {
        name: span(base, field.name.as_bytes()),
        value: span(base, field.value),
    }));
}

/// Writes a status line.
pub(crate) fn status_line(out: &mut Vec<u8>, status: http::StatusCode, reason: &[u8]) {
    out.put_slice(b"HTTP/1.1 ");
    out.put_slice(status.as_str().as_bytes());
    out.put_u8(b' ');
    out.put_slice(reason);
    out.put_slice(b"\r\n");
}

/// Writes a `Content-Length` line.
pub(crate) fn content_length(out: &mut Vec<u8>, length: u64) {
    out.put_slice(b"content-length: ");
    out.put_slice(itoa(length, &mut [0; 20]));
    out.put_slice(b"\r\n");
}

/// `value` in decimal, written into the end of `digits`.
fn itoa(mut value: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &digits[at..];
        }
    }
}

/// Writes a `Date` line: every response carries one (hyper's server adds it where the
/// upstream's response lacks one).
pub(crate) fn date(out: &mut Vec<u8>) {
    out.put_slice(b"date: ");
    crate::h1::date::write(out);
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header;

    fn list(fields: &[(&'static str, &'static str)]) -> FieldList {
        FieldList(
            fields
                .iter()
                .map(|(name, value)| Field {
                    name: Name::Received(Bytes::from_static(name.as_bytes())),
                    value: Text::Received(Bytes::from_static(value.as_bytes())),
                })
                .collect(),
        )
    }

    fn written(fields: &FieldList) -> String {
        let mut out = Vec::new();
        fields.write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn insert_replaces_every_value_in_the_place_of_the_first() {
        let mut fields = list(&[("A", "1"), ("Host", "x"), ("b", "2"), ("HOST", "y")]);
        Head::insert(&mut fields, header::HOST, HeaderValue::from_static("z"));
        assert_eq!(written(&fields), "A: 1\r\nHost: z\r\nb: 2\r\n");
        Head::insert(
            &mut fields,
            header::VARY,
            HeaderValue::from_static("Origin"),
        );
        assert_eq!(
            written(&fields),
            "A: 1\r\nHost: z\r\nb: 2\r\nvary: Origin\r\n"
        );
    }

    #[test]
    fn the_access_control_fields_go_in_any_case_and_vary_is_seen() {
        let mut fields = list(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Content-Type", "text/plain"),
            ("access-control-max-age", "5"),
            ("VARY", "accept"),
        ]);
        let existing = fields.remove_access_control();
        assert!(existing.access_control && existing.vary);
        assert_eq!(
            written(&fields),
            "Content-Type: text/plain\r\nVARY: accept\r\n"
        );
        assert!(fields.any_value(ResponseHeader::Vary, &mut |value| value == b"accept"));
    }

    #[test]
    fn lines_are_written_replaced_and_read_back() {
        let mut out = b"HTTP/1.1 204 No Content\r\n".to_vec();
        let mut lines = Lines::new(&mut out);
        lines.append_fixed(ResponseHeader::Vary, corsair::FixedValue::Origin);
        let any = HeaderValue::from_static("*");
        lines.append(ResponseHeader::AccessControlAllowHeaders, &any);
        lines.append_echo(
            ResponseHeader::AccessControlAllowOrigin,
            &Text::Received(Bytes::from_static(b"https://a.example")),
        );
        assert!(lines.any_value(ResponseHeader::Vary, &mut |value| value == b"Origin"));
        assert!(!lines.any_value(ResponseHeader::AccessControlMaxAge, &mut |_| true));
        lines.insert(
            ResponseHeader::AccessControlAllowHeaders,
            &HeaderValue::from_static("x-a"),
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "HTTP/1.1 204 No Content\r\nvary: Origin\r\naccess-control-allow-origin: https://a.example\r\naccess-control-allow-headers: x-a\r\n"
        );
        let mut lines = Lines::new(&mut out);
        lines.append_fixed(ResponseHeader::Vary, corsair::FixedValue::Origin);
        lines.append_fixed(
            ResponseHeader::AccessControlAllowCredentials,
            corsair::FixedValue::True,
        );
        let existing = lines.remove_access_control();
        assert!(existing.access_control && existing.vary);
        assert!(String::from_utf8_lossy(&out).ends_with("x-a\r\nvary: Origin\r\n"));
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for value in [0, 7, 10, 1234567890, u64::MAX] {
            assert_eq!(itoa(value, &mut [0; 20]), value.to_string().as_bytes());
        }
    }
}
