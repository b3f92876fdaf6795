//! A value an answer writes: one every policy writes, the policy's own, or one echoed from the
//! request, written as the request's own value so that a framework's map shares its buffer
//! rather than a copy.

use http::HeaderValue;

use super::{FixedValue, ResponseHeader, ResponseHeaders};

/// A value to write, borrowed from the policy or the request. `V` is the request's header
/// value type.
#[derive(Debug)]
pub(super) enum Grant<'a, V> {
    Fixed(FixedValue),
    Policy(&'a HeaderValue),
    Echo(&'a V),
}

// Not derived: a derive would ask `V: Copy`.
impl<V> Clone for Grant<'_, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Grant<'_, V> {}

impl<'a, V: AsRef<[u8]> + 'static> Grant<'a, V> {
    pub(super) fn write(self, name: ResponseHeader, headers: &mut impl ResponseHeaders) {
        match self {
            Self::Fixed(value) => headers.append_fixed(name, value),
            Self::Policy(value) => headers.append(name, value),
            Self::Echo(value) => headers.append_echo(name, value),
        }
    }
}

/// A [`Grant`] kept beyond the borrow of the request and the policy (by an answer held while
/// the application runs): clones, which share their buffers.
#[derive(Debug, Clone)]
pub(super) enum OwnedGrant<V> {
    Fixed(FixedValue),
    Policy(HeaderValue),
    Echo(V),
}

impl<V: Clone> From<Grant<'_, V>> for OwnedGrant<V> {
    fn from(grant: Grant<'_, V>) -> Self {
        match grant {
            Grant::Fixed(value) => Self::Fixed(value),
            Grant::Policy(value) => Self::Policy(value.clone()),
            Grant::Echo(value) => Self::Echo(value.clone()),
        }
    }
}

impl<V: AsRef<[u8]> + 'static> OwnedGrant<V> {
    pub(super) fn borrowed(&self) -> Grant<'_, V> {
        match self {
            Self::Fixed(value) => Grant::Fixed(*value),
            Self::Policy(value) => Grant::Policy(value),
            Self::Echo(value) => Grant::Echo(value),
        }
    }
}
