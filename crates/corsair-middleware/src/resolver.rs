//! Asynchronous origin resolution, with a bounded, expiring cache and one lookup in flight
//! per origin.

use std::{
    collections::HashMap,
    error::Error,
    fmt,
    future::Future,
    pin::Pin,
    sync::{Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use tokio::{sync::watch, time::Instant};

type BoxError = Box<dyn Error + Send + Sync>;
type ResolveFuture = Pin<Box<dyn Future<Output = Result<bool, BoxError>> + Send>>;
type ResolveFn = Box<dyn Fn(String) -> ResolveFuture + Send + Sync>;

/// Decides, asynchronously, whether an origin no policy entry lists is allowed, and remembers
/// the answers.
///
/// Concurrent requests from one origin that is not cached share one lookup: the first asks
/// the resolver, the others wait for its answer (a refusal, when it fails or times out).
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
    state: Mutex<State>,
}

/// The answers, and the lookups under way; one lock, so that a lookup's answer is cached in
/// the same step as it stops being under way, and no request sees neither.
#[derive(Debug)]
struct State {
    cache: Cache,
    /// Per origin being looked up, where its answer will be sent. An entry lives only as long
    /// as its [`Lookup`], so there are never more than the requests waiting.
    in_flight: HashMap<Box<str>, watch::Receiver<Option<bool>>>,
}

/// Where a request's answer comes from.
enum Step<'a> {
    /// A fresh cached answer.
    Cached(bool),
    /// No one is asking: this request asks the resolver, and tells the others.
    Ask(Lookup<'a>),
    /// Another request is asking: wait for its answer.
    Wait(watch::Receiver<Option<bool>>),
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
            state: Mutex::new(State {
                cache: Cache::new(10_000),
                in_flight: HashMap::new(),
            }),
        }
    }

    /// How long one resolution may take before the origin is refused.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many origins the cache holds at most (at least one).
    pub fn capacity(mut self, capacity: usize) -> Self {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        state.cache = Cache::new(capacity.max(1));
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
        self.lock_state().cache.get(origin, Instant::now())
    }

    /// The answer for `origin`: cached, or asked of the resolver (within the timeout) and
    /// cached. A failure or a timeout refuses the origin, is logged, and is not cached, so the
    /// next request asks again. While one request asks, the others for the same origin wait
    /// for its answer instead of asking too; none waits longer than the timeout.
    pub async fn resolve(&self, origin: &str) -> bool {
        let deadline = Instant::now() + self.timeout;
        loop {
            match self.step(origin) {
                Step::Cached(allowed) => return allowed,
                Step::Ask(lookup) => return self.ask(lookup, deadline).await,
                Step::Wait(mut answer) => {
                    match tokio::time::timeout_at(deadline, answer.wait_for(Option::is_some)).await
                    {
                        Ok(Ok(allowed)) => return allowed.unwrap_or(false),
                        // The asking request was dropped before it had an answer: ask anew.
                        Ok(Err(_)) => {}
                        Err(_) => {
                            self.timed_out(origin);
                            return false;
                        }
                    }
                }
            }
        }
    }

    /// The cached answer for `origin`, or what this request does to get one.
    fn step<'a>(&'a self, origin: &'a str) -> Step<'a> {
        let mut state = self.lock_state();
        if let Some(allowed) = state.cache.get(origin, Instant::now()) {
            return Step::Cached(allowed);
        }
        if let Some(answer) = state.in_flight.get(origin) {
            return Step::Wait(answer.clone());
        }
        let (sender, receiver) = watch::channel(None);
        state.in_flight.insert(origin.into(), receiver);
        Step::Ask(Lookup {
            resolver: self,
            origin,
            sender,
            settled: false,
        })
    }

    /// Asks the resolver about `lookup`'s origin until `deadline`, caches a real answer, and
    /// tells the requests waiting for it.
    async fn ask(&self, mut lookup: Lookup<'_>, deadline: Instant) -> bool {
        let origin = lookup.origin;
        let answer = tokio::time::timeout_at(deadline, (self.resolve)(origin.to_owned())).await;
        let ttl = match &answer {
            Ok(Ok(true)) => Some(self.allowed_ttl),
            Ok(Ok(false)) => Some(self.denied_ttl),
            Ok(Err(error)) => {
                tracing::warn!(
                    target: "corsair",
                    origin,
                    %error,
                    "origin resolver failed; refusing the origin"
                );
                None
            }
            Err(_) => {
                self.timed_out(origin);
                None
            }
        };
        let allowed = matches!(answer, Ok(Ok(true)));
        lookup.settle(allowed, ttl);
        allowed
    }

    /// Logs that the answer for `origin` did not come within the timeout.
    fn timed_out(&self, origin: &str) {
        tracing::warn!(
            target: "corsair",
            origin,
            timeout = ?self.timeout,
            "origin resolver did not answer in time; refusing the origin"
        );
    }

    fn lock_state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps inconsistent (every operation
        // is a single insert or removal), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for OriginResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock_state();
        f.debug_struct("OriginResolver")
            .field("timeout", &self.timeout)
            .field("allowed_ttl", &self.allowed_ttl)
            .field("denied_ttl", &self.denied_ttl)
            .field("cached", &state.cache.entries.len())
            .field("resolving", &state.in_flight.len())
            .finish_non_exhaustive()
    }
}

/// The one lookup under way for an origin. It leaves [`State::in_flight`] when it settles, or
/// when the request that runs it is dropped first (its followers then ask anew).
struct Lookup<'a> {
    resolver: &'a OriginResolver,
    origin: &'a str,
    sender: watch::Sender<Option<bool>>,
    settled: bool,
}

impl Lookup<'_> {
    /// Caches the answer for `ttl` (`None`: a failure, not cached), ends the lookup, and
    /// sends the answer to its followers.
    fn settle(&mut self, allowed: bool, ttl: Option<Duration>) {
        {
            let mut state = self.resolver.lock_state();
            if let Some(ttl) = ttl {
                let now = Instant::now();
                state.cache.insert(self.origin, allowed, now + ttl, now);
            }
            state.in_flight.remove(self.origin);
        }
        self.settled = true;
        self.sender.send_replace(Some(allowed));
    }
}

impl Drop for Lookup<'_> {
    fn drop(&mut self) {
        // Once settled, the entry may already be a newer lookup's.
        if !self.settled {
            self.resolver.lock_state().in_flight.remove(self.origin);
        }
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
mod tests;
