//! A set of byte strings looked up by their keyed hash: the exact origins and the
//! `scheme://host` keys of any-port patterns.

use std::{
    collections::{HashMap, hash_map::Entry},
    hash::{BuildHasherDefault, Hasher},
};

use super::hash::KeyedState;

/// Byte strings keyed by their whole 64-bit keyed hash. A probe compares stored hashes, so
/// bytes are compared only with an entry whose hash equals the looked-up one: a set keyed by
/// the bytes themselves also compares them with every entry whose table tag (7 bits of the
/// hash) happens to match, which made a lookup's cost depend on the per-process keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct ByteSet {
    keys: KeyedState,
    by_hash: HashMap<u64, Box<[u8]>, BuildHasherDefault<Prehashed>>,
    /// Entries whose hash an earlier entry already has: with secret 64-bit keys, as good as
    /// never, but then the set is still right.
    collided: Vec<Box<[u8]>>,
}

impl ByteSet {
    pub(crate) fn insert(&mut self, bytes: Box<[u8]>) {
        let hash = self.keys.hash_bytes(&bytes);
        self.insert_hashed(hash, bytes);
    }

    fn insert_hashed(&mut self, hash: u64, bytes: Box<[u8]>) {
        match self.by_hash.entry(hash) {
            Entry::Vacant(entry) => {
                entry.insert(bytes);
            }
            Entry::Occupied(entry) => {
                if *entry.get() != bytes && !self.collided.contains(&bytes) {
                    self.collided.push(bytes);
                }
            }
        }
    }

    // Always inlined into the origin lookup, each of whose two sets has one call site.
    #[inline(always)]
    pub(crate) fn contains(&self, bytes: &[u8]) -> bool {
        self.contains_hashed(self.keys.hash_bytes(bytes), bytes)
    }

    #[inline(always)]
    fn contains_hashed(&self, hash: u64, bytes: &[u8]) -> bool {
        self.by_hash.get(&hash).is_some_and(|entry| {
            **entry == *bytes || self.collided.iter().any(|other| **other == *bytes)
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// The hasher of keys that are already keyed hashes: passes them through.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; any other input still gets a deterministic hash.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_exactly_what_was_inserted() {
        let mut set = ByteSet::default();
        assert!(set.is_empty());
        set.insert(b"https://a.example".as_slice().into());
        set.insert(b"https://a.example".as_slice().into());
        set.insert(b"http://localhost:3000".as_slice().into());
        assert!(!set.is_empty());
        assert!(set.contains(b"https://a.example"));
        assert!(set.contains(b"http://localhost:3000"));
        for absent in [
            &b"https://a.exampl"[..],
            b"https://a.example/",
            b"",
            b"https://A.example",
        ] {
            assert!(!set.contains(absent), "{absent:?}");
        }
        assert!(set.collided.is_empty());
    }

    #[test]
    fn entries_with_one_hash_are_told_apart_by_their_bytes() {
        let mut set = ByteSet::default();
        for entry in [&b"first"[..], b"second", b"second", b"first"] {
            set.insert_hashed(7, entry.into());
        }
        assert_eq!(set.collided, [Box::from(&b"second"[..])]);
        assert!(set.contains_hashed(7, b"first"));
        assert!(set.contains_hashed(7, b"second"));
        assert!(!set.contains_hashed(7, b"third"));
        assert!(!set.contains_hashed(8, b"first"));
    }
}
