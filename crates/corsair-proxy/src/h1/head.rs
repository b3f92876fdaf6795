//! A message head as the native HTTP/1.1 path holds it: its fields in the order received,
//! their bytes shared with the buffer they were read into, edited in place and written out
//! as bytes, with no map to build and no name to hash.

use std::{cell::OnceCell, time::Instant};

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

/// A field value: the engine's view of a request's value (an echoed origin or header list
/// is shared with the request's buffer, never copied), and the value type of the fields
/// the gateway or the policy sets.
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
#[derive(Debug)]
enum Field {
    /// A line of the head: where its name and value lie. `value`, once filled, is what the
    /// line holds: the received value shared with the head, made the first time the engine
    /// reads it (most received values are only written on, and a shared slice of each
    /// would cost two atomic operations), or a value set in its place.
    Received {
        name: (usize, usize),
        at: (usize, usize),
        value: OnceCell<Text>,
    },
    /// A line the gateway or the policy adds.
    Set { name: HeaderName, value: Text },
}

/// A head's fields, in order; the received ones are places in `head`, the bytes they were
/// parsed from.
#[derive(Debug, Default)]
pub(crate) struct FieldList {
    head: Bytes,
    fields: Vec<Field>,
}

// A usual request's list (a few fields and the room for [`ADDED`]) stays within the size
// glibc's allocator serves from its per-thread cache, without taking its arena lock.
const _: () = assert!(size_of::<Field>() <= 80);

fn name_in<'a>(head: &'a Bytes, field: &'a Field) -> &'a [u8] {
    match field {
        Field::Received { name, .. } => &head[name.0..name.1],
        Field::Set { name, .. } => name.as_str().as_bytes(),
    }
}

fn value_in<'a>(head: &'a Bytes, field: &'a Field) -> &'a [u8] {
    match field {
        Field::Received { at, value, .. } => value.get().map_or(&head[at.0..at.1], Text::as_ref),
        Field::Set { value, .. } => value.as_ref(),
    }
}

fn is(head: &Bytes, field: &Field, name: &HeaderName) -> bool {
    match field {
        Field::Received { .. } => fields::same_name(name_in(head, field), name.as_str()),
        Field::Set { name: set, .. } => set == name,
    }
}

impl FieldList {
    /// The fields at `spans` in `head`, the bytes they were parsed from.
    pub(crate) fn from_spans(head: &Bytes, spans: &[Span]) -> Self {
        // Room for what the gateway and the policy add (forwarding fields, grants), so that
        // adding them never reallocates.
        let mut fields = Vec::with_capacity(spans.len() + ADDED);
        fields.extend(spans.iter().map(|span| Field::Received {
            name: span.name,
            at: span.value,
            value: OnceCell::new(),
        }));
        Self {
            head: head.clone(),
            fields,
        }
    }

    /// Each field's name and value, in order.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields
            .iter()
            .map(|field| (name_in(&self.head, field), value_in(&self.head, field)))
    }

    /// The value of `field` as the engine keeps it.
    fn text<'a>(&'a self, field: &'a Field) -> &'a Text {
        match field {
            Field::Received { at, value, .. } => {
                value.get_or_init(|| Text::Received(self.head.slice(at.0..at.1)))
            }
            Field::Set { value, .. } => value,
        }
    }

    /// The values of the fields named `name`, as the engine keeps them.
    pub(crate) fn texts<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a Text> {
        self.fields
            .iter()
            .filter(move |field| is(&self.head, field, name))
            .map(|field| self.text(field))
    }

    /// For each field whose name `position` places, that place and the field's value as
    /// the engine keeps it; a field not placed is never made into one.
    pub(crate) fn placed<'a>(
        &'a self,
        position: impl Fn(&[u8]) -> Option<usize> + 'a,
    ) -> impl Iterator<Item = (usize, &'a Text)> {
        self.fields.iter().filter_map(move |field| {
            position(name_in(&self.head, field)).map(|at| (at, self.text(field)))
        })
    }

    /// The first value of the field named `name`, shared with the head (no copy).
    pub(crate) fn first_shared(&self, name: &HeaderName) -> Option<HeaderValue> {
        match self.texts(name).next()? {
            Text::Received(bytes) => HeaderValue::from_maybe_shared(bytes.clone()).ok(),
            Text::Set(value) => Some(value.clone()),
        }
    }

    /// Writes the field lines, each ending in CRLF.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let length: usize = self
            .lines()
            .map(|(name, value)| name.len() + value.len() + 4)
            .sum();
        out.reserve(length);
        for (name, value) in self.lines() {
            out.put_slice(name);
            out.put_slice(b": ");
            out.put_slice(value);
            out.put_slice(b"\r\n");
        }
    }

    fn push(&mut self, name: HeaderName, value: Text) {
        self.fields.push(Field::Set { name, value });
    }
}

impl Head for FieldList {
    fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.lines().map(|(name, _)| name)
    }

    fn values<'a>(&'a self, name: &HeaderName) -> impl Iterator<Item = &'a [u8]> {
        self.fields
            .iter()
            .filter(move |field| is(&self.head, field, name))
            .map(|field| value_in(&self.head, field))
    }

    fn remove_where(&mut self, matches: impl Fn(&[u8]) -> bool) {
        let head = &self.head;
        self.fields.retain(|field| !matches(name_in(head, field)));
    }

    fn insert(&mut self, name: HeaderName, value: HeaderValue) {
        let head = &self.head;
        match self.fields.iter().position(|field| is(head, field, &name)) {
            // In the place of the first, as `http`'s map does it.
            Some(first) => {
                match &mut self.fields[first] {
                    Field::Received { value: held, .. } => {
                        *held = OnceCell::from(Text::Set(value));
                    }
                    Field::Set { value: held, .. } => *held = Text::Set(value),
                }
                let mut at = 0;
                self.fields.retain(|field| {
                    at += 1;
                    at - 1 <= first || !is(head, field, &name)
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
        let head = &self.head;
        self.fields.retain(|field| {
            let name = name_in(head, field);
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
        Head::values(self, name.name()).any(predicate)
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

/// Writes a `Date` line for `now`: every response carries one (hyper's server adds it where
/// the upstream's response lacks one).
pub(crate) fn date(out: &mut Vec<u8>, now: Instant) {
    out.put_slice(b"date: ");
    crate::h1::date::write(out, now);
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header;

    /// The fields as received: places in one head's bytes.
    fn list(fields: &[(&'static str, &'static str)]) -> FieldList {
        let mut head = Vec::new();
        let mut spans = Vec::new();
        for (name, value) in fields {
            let start = head.len();
            head.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            let name = (start, start + name.len());
            spans.push(Span {
                name,
                value: (name.1 + 2, name.1 + 2 + value.len()),
            });
        }
        FieldList::from_spans(&Bytes::from(head), &spans)
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
    fn only_the_values_the_engine_reads_are_shared_and_never_copied() {
        let fields = list(&[
            ("Host", "x"),
            ("Origin", "https://a.example"),
            ("Accept", "*/*"),
        ]);
        let placed: Vec<_> = fields
            .placed(|name| fields::same_name(name, "origin").then_some(0))
            .collect();
        assert_eq!(placed.len(), 1);
        let origin = placed[0].1.as_ref();
        assert_eq!(origin, b"https://a.example");
        let head = fields.head.as_ptr_range();
        assert!(
            head.contains(&origin.as_ptr()),
            "a copy, not a slice of the head"
        );
        let shared = fields
            .fields
            .iter()
            .filter(|field| matches!(field, Field::Received { value, .. } if value.get().is_some()))
            .count();
        assert_eq!(shared, 1);
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
