//! `Access-Control-Max-Age`: how long browsers may cache a preflight answer.

use http::HeaderValue;

use super::ConfigError;
use crate::headers::shared::shared_value;

/// The longest Chromium caches a preflight answer, in seconds, whatever
/// `Access-Control-Max-Age` says (`kMaxTimeout`). The browser profiles and the lint read
/// each engine's cap from here.
pub(crate) const CHROMIUM_MAX_AGE_CAP: u32 = 7_200;
/// The longest Firefox caches a preflight answer, in seconds: the longest of the three.
pub(crate) const FIREFOX_MAX_AGE_CAP: u32 = 86_400;
/// The longest WebKit caches a preflight answer, in seconds.
pub(crate) const WEBKIT_MAX_AGE_CAP: u32 = 600;

/// Longest preflight cache lifetime accepted, in seconds: the longest any engine keeps, since
/// a longer one is cut short everywhere.
pub(crate) const MAX_AGE_LIMIT: u32 = {
    let longer = if CHROMIUM_MAX_AGE_CAP > WEBKIT_MAX_AGE_CAP {
        CHROMIUM_MAX_AGE_CAP
    } else {
        WEBKIT_MAX_AGE_CAP
    };
    if FIREFOX_MAX_AGE_CAP > longer {
        FIREFOX_MAX_AGE_CAP
    } else {
        longer
    }
};

/// How long browsers may cache a preflight answer (`Access-Control-Max-Age`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MaxAge {
    /// No header: each browser's default (5 seconds in Chromium, Firefox and WebKit).
    #[default]
    BrowserDefault,
    /// `Access-Control-Max-Age: 0`: every request is preflighted.
    Disabled,
    /// This many seconds, at most 86400 (Firefox's cap; Chromium caps at 7200).
    Seconds(u32),
}

impl MaxAge {
    /// A stable name of the variant: `browser_default`, `disabled` or `seconds`.
    ///
    /// ```
    /// assert_eq!(corsair::MaxAge::Seconds(600).as_str(), "seconds");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BrowserDefault => "browser_default",
            Self::Disabled => "disabled",
            Self::Seconds(_) => "seconds",
        }
    }

    /// The lifetime of [`MaxAge::Seconds`].
    pub fn seconds(self) -> Option<u32> {
        match self {
            Self::Seconds(seconds) => Some(seconds),
            Self::BrowserDefault | Self::Disabled => None,
        }
    }

    /// The header value granted preflights carry, if any; out of range is an error.
    pub(super) fn validate(self, errors: &mut Vec<ConfigError>) -> Option<HeaderValue> {
        match self {
            Self::BrowserDefault => None,
            Self::Disabled | Self::Seconds(0) => Some(HeaderValue::from_static("0")),
            Self::Seconds(seconds) if seconds <= MAX_AGE_LIMIT => {
                shared_value(seconds.to_string()).ok()
            }
            Self::Seconds(seconds) => {
                errors.push(ConfigError::MaxAgeOutOfRange {
                    value: i64::from(seconds),
                });
                None
            }
        }
    }

    /// In words, for [`Grants`](crate::Grants)' summary.
    pub(super) fn describe(self) -> String {
        match self {
            Self::BrowserDefault => "browser default (5 s)".to_owned(),
            Self::Disabled | Self::Seconds(0) => {
                "disabled (every request is preflighted)".to_owned()
            }
            Self::Seconds(seconds) => format!("{seconds} s"),
        }
    }
}
