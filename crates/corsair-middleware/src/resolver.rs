//! Asynchronous origin resolution, with a bounded, expiring cache.

use std::{
    collections::HashMap, error::Error, fmt, future::Future, pin::Pin, sync::Mutex, time::Duration,
};

use tokio::time::Instant;

type BoxError = Box<dyn Error + Send + Sync>;
type ResolveFuture = Pin<Box<dyn Future<Output = Result<bool, BoxError>> + Send>>;
type ResolveFn = Box<dyn Fn(String) -> ResolveFuture + Send + Sync>;

/// Decides, asynchronously, whether an origin no policy entry lists is allowed, and remembers
/// the answers.
///
/// ```
/// use std::time::Duration;
/// use corsair_middleware::OriginResolver;
///
/// let resolver = OriginResolver::new(|origin: String| async move {
///     // e.g. SELECT 1 FROM tenants WHERE origin = $1
///     Ok::<_, std::io::Error>(origin.ends_with(".customers.example"))
/// })
/// .timeout(Duration::from_millis(500))
/// .capacity(50_000);
/// # let _ = resolver;
/// ```
pub struct OriginResolver {
    resolve: ResolveFn,
    timeout: Duration,
    allowed_ttl: Duration,
    denied_ttl: Duration,
    cache: Mutex<Cache>,
}

impl OriginResolver {
    /// A resolver calling `resolve` for each origin not in its cache. Defaults: 2 s timeout,
    /// 10,000 cached origins, answers kept 5 minutes (allowed) and 30 seconds (denied).
    pub fn new<F, Fut, E>(resolve: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self {
            resolve: Box::new(move |origin| {
                let answer = resolve(origin);
                Box::pin(async move { answer.await.map_err(Into::into) })
            }),
            timeout: Duration::from_secs(2),
            allowed_ttl: Duration::from_secs(300),
            denied_ttl: Duration::from_secs(30),
            cache: Mutex::new(Cache::new(10_000)),
        }
    }

    /// How long one resolution may take before the origin is refused.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many origins the cache holds at most (at least one).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.cache = Mutex::new(Cache::new(capacity.max(1)));
        self
    }

    /// How long an "allowed" answer is trusted.
    pub fn allowed_ttl(mut self, ttl: Duration) -> Self {
        self.allowed_ttl = ttl;
        self
    }

    /// How long a "denied" answer is trusted.
    pub fn denied_ttl(mut self, ttl: Duration) -> Self {
        self.denied_ttl = ttl;
        self
    }

    /// The cached answer for `origin`, if there is a fresh one: the hot path, which never
    /// waits on the resolver.
    pub fn cached(&self, origin: &str) -> Option<bool> {
        self.lock_cache().get(origin, Instant::now())
    }

    /// The answer for `origin`: cached, or asked of the resolver (within the timeout) and
    /// cached. A failure or a timeout refuses the origin, is logged, and is not cached, so the
    /// next request asks again.
    pub async fn resolve(&self, origin: &str) -> bool {
        if let Some(allowed) = self.cached(origin) {
            return allowed;
        }
        match tokio::time::timeout(self.timeout, (self.resolve)(origin.to_owned())).await {
            Ok(Ok(allowed)) => {
                let ttl = if allowed {
                    self.allowed_ttl
                } else {
                    self.denied_ttl
                };
                let now = Instant::now();
                self.lock_cache().insert(origin, allowed, now + ttl, now);
                allowed
            }
            Ok(Err(error)) => {
                tracing::warn!(
                    target: "corsair",
                    origin,
                    %error,
                    "origin resolver failed; refusing the origin"
                );
                false
            }
            Err(_) => {
                tracing::warn!(
                    target: "corsair",
                    origin,
                    timeout = ?self.timeout,
                    "origin resolver did not answer in time; refusing the origin"
                );
                false
            }
        }
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        // A panic while holding the lock cannot leave the map inconsistent (every operation
        // is a single insert or removal), so a poisoned lock is still usable.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl fmt::Debug for OriginResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginResolver")
            .field("timeout", &self.timeout)
            .field("allowed_ttl", &self.allowed_ttl)
            .field("denied_ttl", &self.denied_ttl)
            .field("cached", &self.lock_cache().entries.len())
            .finish_non_exhaustive()
    }
}

/// Answers by origin, each with its expiry, never more than `capacity` of them.
#[derive(Debug)]
struct Cache {
    entries: HashMap<Box<str>, Entry>,
    capacity: usize,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    allowed: bool,
    expires: Instant,
}

impl Cache {
    fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
        }
    }

    fn get(&self, origin: &str, now: Instant) -> Option<bool> {
        self.entries
            .get(origin)
            .filter(|entry| entry.expires > now)
            .map(|entry| entry.allowed)
    }

    /// Inserts an answer; when full, drops the expired answers, or else the one closest to
    /// expiring.
    fn insert(&mut self, origin: &str, allowed: bool, expires: Instant, now: Instant) {
        if self.entries.len() >= self.capacity && !self.entries.contains_key(origin) {
            self.entries.retain(|_, entry| entry.expires > now);
            if self.entries.len() >= self.capacity
                && let Some(soonest) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, entry)| entry.expires)
                    .map(|(origin, _)| origin.clone())
            {
                self.entries.remove(&soonest);
            }
        }
        self.entries
            .insert(origin.into(), Entry { allowed, expires });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use super::*;

    /// A resolver allowing `*.tenant.example`, counting its calls.
    fn counting() -> (OriginResolver, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let resolver = OriginResolver::new(move |origin: String| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, std::io::Error>(origin.ends_with(".tenant.example")) }
        });
        (resolver, calls)
    }

    #[tokio::test(start_paused = true)]
    async fn answers_are_cached_until_they_expire() {
        let (resolver, calls) = counting();
        let resolver = resolver.allowed_ttl(Duration::from_secs(60));
        assert_eq!(resolver.cached("https://a.tenant.example"), None);
        assert!(resolver.resolve("https://a.tenant.example").await);
        assert!(resolver.resolve("https://a.tenant.example").await);
        assert_eq!(resolver.cached("https://a.tenant.example"), Some(true));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(61)).await;
        assert_eq!(resolver.cached("https://a.tenant.example"), None);
        assert!(resolver.resolve("https://a.tenant.example").await);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn denials_are_cached_for_their_own_time() {
        let (resolver, calls) = counting();
        let resolver = resolver.denied_ttl(Duration::from_secs(5));
        assert!(!resolver.resolve("https://evil.example").await);
        assert_eq!(resolver.cached("https://evil.example"), Some(false));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(resolver.cached("https://evil.example"), None);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn failures_refuse_and_are_not_cached() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let resolver = OriginResolver::new(move |_origin: String| {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Err::<bool, _>(std::io::Error::other("database is down")) }
        });
        assert!(!resolver.resolve("https://a.tenant.example").await);
        assert!(!resolver.resolve("https://a.tenant.example").await);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(resolver.cached("https://a.tenant.example"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_resolver_that_never_answers_times_out() {
        let resolver = OriginResolver::new(|_origin: String| async {
            std::future::pending::<Result<bool, std::io::Error>>().await
        })
        .timeout(Duration::from_millis(250));
        let started = Instant::now();
        assert!(!resolver.resolve("https://a.tenant.example").await);
        assert_eq!(started.elapsed(), Duration::from_millis(250));
    }

    #[tokio::test(start_paused = true)]
    async fn the_cache_never_exceeds_its_capacity() {
        let (resolver, _) = counting();
        let resolver = resolver.capacity(3);
        for i in 0..10 {
            resolver
                .resolve(&format!("https://{i}.tenant.example"))
                .await;
            assert!(resolver.lock_cache().entries.len() <= 3);
        }
        // The newest answers are the ones kept.
        assert_eq!(resolver.cached("https://9.tenant.example"), Some(true));
    }

    #[test]
    fn full_cache_drops_expired_answers_first() {
        let now = Instant::now();
        let mut cache = Cache::new(2);
        cache.insert("a", true, now + Duration::from_secs(100), now);
        cache.insert("b", true, now + Duration::from_secs(1), now);
        let later = now + Duration::from_secs(2);
        cache.insert("c", true, later + Duration::from_secs(100), later);
        assert_eq!(cache.get("a", later), Some(true));
        assert_eq!(cache.get("b", later), None);
        assert_eq!(cache.get("c", later), Some(true));
        assert_eq!(cache.entries.len(), 2);
    }
}
