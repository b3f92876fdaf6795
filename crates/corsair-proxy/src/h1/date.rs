//! The `Date` value, formatted once a second per thread rather than once per response.

use std::{
    cell::RefCell,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is always this long.
const LENGTH: usize = 29;

struct Cached {
    /// When the wall clock's second changes, on the monotonic clock.
    until: Instant,
    text: [u8; LENGTH],
}

thread_local! {
    static CACHED: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

/// Writes the date at `now` as an HTTP date. The caller's `now` (the instant the response's
/// duration is measured to) is the only clock read a response needs while the second lasts.
pub(crate) fn write(out: &mut Vec<u8>, now: Instant) {
    CACHED.with_borrow_mut(|cached| {
        let fresh = match cached {
            Some(cached) if now < cached.until => cached,
            _ => {
                let wall = SystemTime::now();
                let into_second = wall
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or(Duration::ZERO)
                    .subsec_nanos();
                let mut text = [b' '; LENGTH];
                let formatted = httpdate::fmt_http_date(wall);
                let length = formatted.len().min(LENGTH);
                text[..length].copy_from_slice(&formatted.as_bytes()[..length]);
                let rest = Duration::from_secs(1) - Duration::from_nanos(into_second.into());
                cached.insert(Cached {
                    until: now + rest,
                    text,
                })
            }
        };
        out.extend_from_slice(&fresh.text);
    });
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant, SystemTime};

    fn written(now: Instant) -> String {
        let mut out = Vec::new();
        super::write(&mut out, now);
        String::from_utf8(out).unwrap()
    }

    fn skew(text: &str) -> Duration {
        let parsed = httpdate::parse_http_date(text).unwrap();
        SystemTime::now().duration_since(parsed).unwrap_or_default()
    }

    #[test]
    fn the_date_is_an_http_date_of_now() {
        let text = written(Instant::now());
        assert!(skew(&text) < Duration::from_secs(2), "{text}");
    }

    #[test]
    fn the_date_moves_on_once_its_second_is_over() {
        let first = written(Instant::now());
        std::thread::sleep(Duration::from_millis(1100));
        let later = written(Instant::now());
        assert_ne!(first, later);
        assert!(skew(&later) < Duration::from_secs(1), "{later}");
    }
}
