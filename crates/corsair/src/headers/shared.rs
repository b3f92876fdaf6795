//! Header values built once, with the policy, and cloned into every response.

use bytes::Bytes;
use http::{HeaderValue, header::InvalidHeaderValue};

/// `text` as a header value whose clones share one reference-counted buffer, so that cloning
/// it into a response never allocates. The buffer is shared from the start rather than on a
/// first clone, which is how `bytes` happens to treat a value made from a `String`.
pub(crate) fn shared_value(text: String) -> Result<HeaderValue, InvalidHeaderValue> {
    HeaderValue::from_maybe_shared(Bytes::from_owner(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_buffer_and_invalid_text_is_refused() {
        let value = shared_value("https://a.example".to_owned()).unwrap();
        let clone = value.clone();
        assert_eq!(clone, "https://a.example");
        assert_eq!(clone.as_bytes().as_ptr(), value.as_bytes().as_ptr());
        assert!(shared_value("a\nb".to_owned()).is_err());
    }
}
