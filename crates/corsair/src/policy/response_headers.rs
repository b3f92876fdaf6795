//! Where corsair writes its answers: any response header map.

use http::{HeaderMap, HeaderName, HeaderValue};

/// A response header map corsair writes into. Implemented for [`http::HeaderMap`];
/// integrations whose framework has its own header types (actix-web) implement it on a
/// wrapper, so every framework gets the same header logic.
pub trait ResponseHeaders {
    /// Removes every header whose name starts with `access-control-`; returns whether there
    /// was any.
    fn remove_access_control(&mut self) -> bool;
    /// Replaces every value of `name` with `value`.
    fn insert(&mut self, name: &HeaderName, value: &HeaderValue);
    /// Adds `value` after the existing values of `name`.
    fn append(&mut self, name: &HeaderName, value: &HeaderValue);
    /// Whether some value of `name` satisfies `predicate`.
    fn any_value(&self, name: &HeaderName, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool;
    /// Adds `value` after the existing values of `name`, unless one of them satisfies
    /// `covered`. The default asks [`any_value`](Self::any_value), then
    /// [`append`](Self::append); a map that can do both in one lookup overrides it.
    fn append_unless(
        &mut self,
        name: &HeaderName,
        value: &HeaderValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        if !self.any_value(name, covered) {
            self.append(name, value);
        }
    }
}

impl ResponseHeaders for HeaderMap {
    fn remove_access_control(&mut self) -> bool {
        let is_owned = |name: &&HeaderName| name.as_str().starts_with("access-control-");
        let mut removed = false;
        // One pass when there is none (the usual case); no list of names to allocate.
        // Cloning a standard name (all of the `Access-Control-*` ones are) copies nothing.
        while let Some(name) = self.keys().find(is_owned).cloned() {
            self.remove(name);
            removed = true;
        }
        removed
    }

    fn insert(&mut self, name: &HeaderName, value: &HeaderValue) {
        HeaderMap::insert(self, name.clone(), value.clone());
    }

    fn append(&mut self, name: &HeaderName, value: &HeaderValue) {
        HeaderMap::append(self, name.clone(), value.clone());
    }

    fn any_value(&self, name: &HeaderName, predicate: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        self.get_all(name)
            .iter()
            .any(|value| predicate(value.as_bytes()))
    }

    fn append_unless(
        &mut self,
        name: &HeaderName,
        value: &HeaderValue,
        covered: &mut dyn FnMut(&[u8]) -> bool,
    ) {
        match self.entry(name) {
            http::header::Entry::Occupied(mut entry) => {
                if !entry.iter().any(|existing| covered(existing.as_bytes())) {
                    entry.append(value.clone());
                }
            }
            http::header::Entry::Vacant(entry) => {
                entry.insert(value.clone());
            }
        }
    }
}
