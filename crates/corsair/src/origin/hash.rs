//! The keyed hash of the policy's lookup tables: exact origins, wildcard suffixes and, past a
//! handful, header names.

use std::{
    fmt,
    hash::{BuildHasher, Hasher, RandomState},
};

/// Random keys for [`KeyedHasher`], drawn once per table from the standard library's
/// per-process random source (the one behind `RandomState`).
///
/// The policy's tables (exact origins, wildcard suffixes, header names) are built from the
/// configuration and only looked up with request data, so a request cannot lengthen their
/// probe sequences; the secret keys still keep an attacker from predicting which values
/// collide. The hash is a folded 64x64->128-bit multiply per 16 bytes (the construction of
/// foldhash and wyhash): several times cheaper than SipHash-1-3 on the short keys CORS looks
/// up (origins, header names).
#[derive(Clone, Copy)]
pub(crate) struct KeyedState {
    seed: u64,
    key: u64,
}

impl KeyedState {
    pub(crate) fn new() -> Self {
        let random = RandomState::new();
        Self {
            seed: random.hash_one(0x243f_6a88_85a3_08d3_u64),
            key: random.hash_one(0x1319_8a2e_0370_7344_u64),
        }
    }

    /// The hash of a sequence of byte strings, built one part at a time from
    /// [`parts_start`](Self::parts_start): extending a sequence by one part costs one hash of
    /// that part, so every suffix of a domain name is hashed, label by label from the right,
    /// in one pass over it. Each part's length is mixed in, so where parts end is part of
    /// the hash.
    pub(crate) fn hash_part(&self, state: u64, part: &[u8]) -> u64 {
        hash(state, self.key, part, 0)
    }

    /// The state of an empty sequence of parts (see [`hash_part`](Self::hash_part)).
    pub(crate) fn parts_start(&self) -> u64 {
        self.seed
    }

    /// The hash of `bytes`.
    #[inline]
    pub(crate) fn hash_bytes(&self, bytes: &[u8]) -> u64 {
        finish(hash(self.seed, self.key, bytes, 0), self.key)
    }

    /// A hash of `bytes` in which ASCII letters of either case hash alike (every byte is
    /// hashed with its `0x20` bit set: `A` as `a`, but also `^` as `~`; equal hashes are
    /// always confirmed by comparing the bytes).
    pub(crate) fn hash_ascii_case_insensitive(&self, bytes: &[u8]) -> u64 {
        finish(
            hash(self.seed, self.key, bytes, 0x2020_2020_2020_2020),
            self.key,
        )
    }
}

/// The keyed hash of `bytes` (each word OR-ed with `fold`) from `state`: one folded multiply
/// per 16 bytes, the last 1 to 16 bytes read as two possibly overlapping words.
fn hash(mut state: u64, key: u64, bytes: &[u8], fold: u64) -> u64 {
    let mut rest = bytes;
    while rest.len() > 16 {
        let (block, tail) = rest.split_at(16);
        state = folded_multiply(
            state ^ (read_u64(&block[..8]) | fold),
            key ^ (read_u64(&block[8..]) | fold),
        );
        rest = tail;
    }
    let length = rest.len();
    let (low, high) = if length >= 8 {
        (read_u64(&rest[..8]), read_u64(&rest[length - 8..]))
    } else if length >= 4 {
        (read_u32(&rest[..4]), read_u32(&rest[length - 4..]))
    } else if length > 0 {
        let spread = u64::from(rest[0]) << 16
            | u64::from(rest[length / 2]) << 8
            | u64::from(rest[length - 1]);
        (spread, 0)
    } else {
        (0, 0)
    };
    let length = (bytes.len() as u64).wrapping_mul(LENGTH_MIX);
    state = folded_multiply(state ^ (low | fold) ^ length, key ^ (high | fold));
    state
}

/// The last mix, so that every input bit reaches every output bit.
const fn finish(state: u64, key: u64) -> u64 {
    folded_multiply(state, key.rotate_left(32) ^ LENGTH_MIX)
}

/// The first 8 bytes, little-endian.
fn read_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// The first 4 bytes, little-endian.
fn read_u32(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[..4]);
    u64::from(u32::from_le_bytes(word))
}

impl Default for KeyedState {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for KeyedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys are secret.
        f.debug_struct("KeyedState").finish_non_exhaustive()
    }
}

impl BuildHasher for KeyedState {
    type Hasher = KeyedHasher;

    fn build_hasher(&self) -> KeyedHasher {
        KeyedHasher {
            state: self.seed,
            key: self.key,
        }
    }
}

/// The hasher of [`KeyedState`].
pub(crate) struct KeyedHasher {
    state: u64,
    key: u64,
}

/// Multiplies as 128 bits and folds the halves together.
const fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = (a as u128).wrapping_mul(b as u128);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Mixed into the tail so that inputs differing only in length hash apart.
const LENGTH_MIX: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for KeyedHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.state = hash(self.state, self.key, bytes, 0);
    }

    fn write_u64(&mut self, value: u64) {
        self.state = folded_multiply(self.state ^ value, self.key ^ LENGTH_MIX);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        finish(self.state, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hash_separates_lengths_and_keys() {
        let state = KeyedState::new();
        let hash = |bytes: &[u8]| state.hash_one(bytes);
        assert_eq!(hash(b"https://a.example"), hash(b"https://a.example"));
        let inputs: [&[u8]; 6] = [
            b"",
            b"\0",
            b"a",
            b"a\0",
            b"0123456789abcdef",
            b"0123456789abcdef\0",
        ];
        for (i, a) in inputs.iter().enumerate() {
            for b in &inputs[i + 1..] {
                assert_ne!(hash(a), hash(b), "{a:?} {b:?}");
            }
        }
        for (a, b) in [("X-Api-Key", "x-api-key"), ("CONTENT-TYPE", "content-type")] {
            assert_eq!(
                state.hash_ascii_case_insensitive(a.as_bytes()),
                state.hash_ascii_case_insensitive(b.as_bytes())
            );
        }
        let long = "x-".repeat(40);
        assert_eq!(
            state.hash_ascii_case_insensitive(long.as_bytes()),
            state.hash_ascii_case_insensitive(long.to_ascii_uppercase().as_bytes())
        );
        assert_ne!(
            state.hash_ascii_case_insensitive(b"x-api-key"),
            state.hash_ascii_case_insensitive(b"x-api-kez")
        );
        // Parts: where each ends is hashed too.
        let parts = |parts: &[&[u8]]| {
            parts.iter().fold(state.parts_start(), |hash, part| {
                state.hash_part(hash, part)
            })
        };
        assert_eq!(
            parts(&[b"https", b"example"]),
            parts(&[b"https", b"example"])
        );
        assert_ne!(
            parts(&[b"https", b"example"]),
            parts(&[b"httpse", b"xample"])
        );
        assert_ne!(parts(&[b"a", b"b"]), parts(&[b"b", b"a"]));
        // Another table, other keys.
        assert_ne!(
            KeyedState::new().hash_one(b"x-api-key"),
            state.hash_one(b"x-api-key")
        );
    }
}
