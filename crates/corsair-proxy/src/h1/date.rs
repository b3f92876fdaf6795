//! The `Date` value, formatted once a second per thread rather than once per response.

use std::{
    cell::RefCell,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is always this long.
const LENGTH: usize = 29;

struct Cached {
    second: u64,
    text: [u8; LENGTH],
}

thread_local! {
    static CACHED: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// Writes the current date as an HTTP date.
pub(crate) fn write(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let second = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    CACHED.with_borrow_mut(|cached| {
        let fresh = match cached {
            Some(cached) if cached.second == second => cached,
            _ => {
                let mut text = [b' '; LENGTH];
                let formatted = httpdate::fmt_http_date(now);
                let length = formatted.len().min(LENGTH);
                text[..length].copy_from_slice(&formatted.as_bytes()[..length]);
                cached.insert(Cached { second, text })
            }
        };
        out.extend_from_slice(&fresh.text);
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_date_is_an_http_date_of_now() {
        let mut out = Vec::new();
        super::write(&mut out);
        let text = std::str::from_utf8(&out).unwrap();
        let parsed = httpdate::parse_http_date(text).unwrap();
        let skew = std::time::SystemTime::now()
            .duration_since(parsed)
            .unwrap_or_default();
        assert!(skew < std::time::Duration::from_secs(2), "{text}");
    }
}
