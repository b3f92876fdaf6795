//! Swapping a whole policy at run time.

use std::{fmt, sync::Arc};

use arc_swap::ArcSwap;

use super::Policy;

/// A shared, atomically replaceable [`Policy`], for servers whose CORS configuration changes
/// while they run (a reloaded policy file, tenants added in an admin UI).
///
/// Integrations load the current policy once per request, so every response is consistent
/// with exactly one policy, never a mix of the old and the new. Loading never blocks and never
/// waits for a writer.
///
/// ```
/// use corsair::{Config, PolicyHandle};
///
/// let handle = PolicyHandle::new(Config::new().allow_origins(["https://a.example"]).build()?);
/// // ... hand clones of `handle` to the server, then later:
/// handle.store(Config::new().allow_origins(["https://b.example"]).build()?);
/// assert_eq!(handle.load().origins()[0].to_string(), "https://b.example");
/// # Ok::<(), corsair::ConfigErrors>(())
/// ```
#[derive(Clone)]
pub struct PolicyHandle(Arc<ArcSwap<Policy>>);

impl PolicyHandle {
    /// A handle holding `policy`.
    pub fn new(policy: Policy) -> Self {
        Self(Arc::new(ArcSwap::from_pointee(policy)))
    }

    /// Replaces the policy for every request that starts from now on.
    pub fn store(&self, policy: Policy) {
        self.0.store(Arc::new(policy));
    }

    /// The current policy.
    pub fn load(&self) -> Arc<Policy> {
        self.0.load_full()
    }
}

impl fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PolicyHandle")
            .field(&*self.0.load())
            .finish()
    }
}
