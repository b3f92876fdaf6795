//! Hosts, parsed and serialized as the WHATWG URL Standard does for special
//! schemes (<https://url.spec.whatwg.org/#host-parsing>).

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::net::{Ipv4Addr, Ipv6Addr};

use super::OriginError;
use crate::grammar::host::is_forbidden_domain_byte;

/// The host of a tuple origin.
///
/// Values from [`Host::parse`] are canonical. A `Domain` built by hand is
/// taken as given; [`TupleOrigin::new`](super::TupleOrigin::new)
/// canonicalizes it.
///
/// ```
/// use corsair::origin::Host;
/// use std::net::Ipv4Addr;
///
/// assert_eq!(Host::parse("2130706433")?, Host::Ipv4(Ipv4Addr::LOCALHOST));
/// assert_eq!(Host::parse("[0:0:0:0:0:FFFF:1.2.3.4]")?.to_string(), "[::ffff:102:304]");
/// assert_eq!(Host::parse("Bücher.de")?.to_string(), "xn--bcher-kva.de");
/// # Ok::<(), corsair::origin::OriginError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// An ASCII domain: lowercase, with Unicode labels in punycode (`xn--`).
    Domain(String),
    /// An IPv4 address, serialized as a dotted quad.
    Ipv4(Ipv4Addr),
    /// An IPv6 address, serialized in brackets in WHATWG-compressed form.
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Parses a host as the WHATWG URL Standard does for special schemes.
    ///
    /// A bracketed input is an IPv6 address. Anything else is
    /// percent-decoded and mapped with IDNA (UTS #46), which lowercases and
    /// converts Unicode to punycode; a result whose last label is numeric is
    /// then an IPv4 address in any of the forms WHATWG accepts (`0x7f.1`,
    /// `0177.0.0.1`, `2130706433`).
    ///
    /// ```
    /// use corsair::origin::Host;
    ///
    /// assert_eq!(Host::parse("EXAMPLE.com")?, Host::Domain("example.com".into()));
    /// assert!(Host::parse("256.0.0.1").is_err());
    /// # Ok::<(), corsair::origin::OriginError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// An empty host, a forbidden code point such as a space or `/`, a name
    /// IDNA rejects, or a malformed IPv4 or IPv6 address.
    pub fn parse(input: &str) -> Result<Self, OriginError> {
        if input.is_empty() {
            return Err(OriginError::EmptyHost);
        }
        if input.starts_with('[') {
            return input
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
                .map(Self::Ipv6)
                .ok_or_else(|| OriginError::InvalidIpv6 {
                    host: input.to_owned(),
                });
        }
        let decoded = percent_decode(input.as_bytes());
        // idna rejects these too, but only with an opaque error; finding the
        // offending code point ourselves lets the message name it.
        if let Some(&byte) = decoded.iter().find(|&&b| is_forbidden_domain_byte(b)) {
            return Err(OriginError::ForbiddenHostCodePoint {
                host: input.to_owned(),
                code_point: char::from(byte),
            });
        }
        let ascii =
            idna::domain_to_ascii_cow(&decoded, idna::AsciiDenyList::URL).map_err(|_| {
                OriginError::InvalidDomain {
                    host: input.to_owned(),
                }
            })?;
        if ascii.is_empty() {
            // Reached when every code point is one IDNA maps to nothing,
            // such as a soft hyphen.
            return Err(OriginError::EmptyHost);
        }
        if ends_in_a_number(&ascii) {
            return parse_ipv4(&ascii)
                .map(Self::Ipv4)
                .ok_or_else(|| OriginError::InvalidIpv4 {
                    host: input.to_owned(),
                });
        }
        Ok(Self::Domain(ascii.into_owned()))
    }

    /// Whether this is a domain rather than an IP address.
    pub fn is_domain(&self) -> bool {
        matches!(self, Self::Domain(_))
    }

    /// Whether this host is a loopback host: `127.0.0.0/8`, `[::1]`,
    /// `localhost`, or any `*.localhost` domain (with or without a trailing
    /// dot), which browsers treat as potentially trustworthy.
    ///
    /// ```
    /// use corsair::origin::Host;
    ///
    /// assert!(Host::parse("app.localhost")?.is_loopback());
    /// assert!(Host::parse("127.1.2.3")?.is_loopback());
    /// assert!(!Host::parse("localhost.example")?.is_loopback());
    /// # Ok::<(), corsair::origin::OriginError>(())
    /// ```
    pub fn is_loopback(&self) -> bool {
        match self {
            Self::Ipv4(address) => address.is_loopback(),
            Self::Ipv6(address) => address.is_loopback(),
            Self::Domain(domain) => is_loopback_domain(domain),
        }
    }
}

/// Whether a canonical domain names the loopback interface: `localhost` and its subdomains
/// (Secure Contexts, "potentially trustworthy URL"), with or without the root's trailing dot.
pub(crate) fn is_loopback_domain(domain: &str) -> bool {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    domain == "localhost" || domain.ends_with(".localhost")
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(domain) => f.write_str(domain),
            Self::Ipv4(address) => address.fmt(f),
            Self::Ipv6(address) => {
                f.write_char('[')?;
                write_ipv6(address, f)?;
                f.write_char(']')
            }
        }
    }
}

/// WHATWG percent-decode: a `%` not followed by two hex digits stays as is
/// (and is then rejected as a forbidden code point).
fn percent_decode(input: &[u8]) -> Cow<'_, [u8]> {
    if !input.contains(&b'%') {
        return Cow::Borrowed(input);
    }
    let mut output = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some((&byte, tail)) = rest.split_first() {
        let escaped = match (byte, tail) {
            (b'%', [high, low, ..]) => hex_value(*high).zip(hex_value(*low)),
            _ => None,
        };
        match escaped {
            Some((high, low)) => {
                output.push(high << 4 | low);
                rest = tail.get(2..).unwrap_or_default();
            }
            None => {
                output.push(byte);
                rest = tail;
            }
        }
    }
    Cow::Owned(output)
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|digit| u8::try_from(digit).ok())
}

/// WHATWG "ends in a number": decides whether a host is an IPv4 address, so
/// that `example.123` is rejected rather than resolved as a name.
fn ends_in_a_number(domain: &str) -> bool {
    let mut labels = domain.rsplit('.');
    let Some(mut last) = labels.next() else {
        return false;
    };
    if last.is_empty() {
        match labels.next() {
            Some(previous) => last = previous,
            None => return false,
        }
    }
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    parse_ipv4_number(last).is_some()
}

/// WHATWG IPv4 number parser: decimal, `0x` hex or leading-`0` octal.
/// Values saturate, which is safe because anything above `u32::MAX` is
/// rejected by the caller's range checks anyway.
fn parse_ipv4_number(input: &str) -> Option<u64> {
    if input.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(hex) = input
        .strip_prefix("0x")
        .or_else(|| input.strip_prefix("0X"))
    {
        (hex, 16)
    } else if let Some(octal) = input.strip_prefix('0').filter(|rest| !rest.is_empty()) {
        (octal, 8)
    } else {
        (input, 10)
    };
    digits.chars().try_fold(0_u64, |value, c| {
        let digit = c.to_digit(radix)?;
        Some(
            value
                .saturating_mul(u64::from(radix))
                .saturating_add(u64::from(digit)),
        )
    })
}

/// WHATWG IPv4 parser: one to four parts, the last filling the remaining
/// bytes, so `127.1` is `127.0.0.1`.
fn parse_ipv4(input: &str) -> Option<Ipv4Addr> {
    let mut parts: Vec<&str> = input.split('.').collect();
    if parts.len() > 1 && parts.last().is_some_and(|part| part.is_empty()) {
        parts.pop();
    }
    if parts.len() > 4 {
        return None;
    }
    let numbers = parts
        .iter()
        .map(|part| parse_ipv4_number(part))
        .collect::<Option<Vec<u64>>>()?;
    let (&last, leading) = numbers.split_last()?;
    if leading.iter().any(|&number| number > 255) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len());
    if last >= 1_u64 << last_bits {
        return None;
    }
    let prefix = leading.iter().fold(0_u64, |acc, &number| acc << 8 | number);
    u32::try_from(prefix << last_bits | last)
        .ok()
        .map(Ipv4Addr::from)
}

/// WHATWG IPv6 serializer. Unlike `Ipv6Addr`'s `Display`, it never writes
/// a dotted IPv4 tail, which is what browsers put in `Origin`.
fn write_ipv6(address: &Ipv6Addr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let pieces = address.segments();
    let compressed = longest_zero_run(&pieces);
    let mut index = 0;
    while let Some(piece) = pieces.get(index) {
        if let Some((start, len)) = compressed.filter(|&(start, _)| start == index) {
            f.write_str(if start == 0 { "::" } else { ":" })?;
            index += len;
            continue;
        }
        write!(f, "{piece:x}")?;
        if index + 1 < pieces.len() {
            f.write_char(':')?;
        }
        index += 1;
    }
    Ok(())
}

/// The first longest run of two or more zero pieces, as (start, length).
fn longest_zero_run(pieces: &[u16; 8]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    let mut run_start = None;
    for (index, &piece) in pieces.iter().chain(std::iter::once(&1)).enumerate() {
        match (piece, run_start) {
            (0, None) => run_start = Some(index),
            (0, Some(_)) => {}
            (_, Some(start)) => {
                let len = index - start;
                if len >= 2 && best.is_none_or(|(_, best_len)| len > best_len) {
                    best = Some((start, len));
                }
                run_start = None;
            }
            (_, None) => {}
        }
    }
    best
}

#[cfg(test)]
mod tests;
