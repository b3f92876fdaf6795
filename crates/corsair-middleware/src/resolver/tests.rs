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
        assert!(resolver.lock_state().cache.entries.len() <= 3);
    }
    // The newest answers are the ones kept.
    assert_eq!(resolver.cached("https://9.tenant.example"), Some(true));
}

/// A resolver that answers `answers[n]` to its `n`th call (the last one from then on)
/// after `delay`, counting its calls.
fn slow(
    delay: Duration,
    answers: &'static [Result<bool, &'static str>],
) -> (Arc<OriginResolver>, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let resolver = OriginResolver::new(move |_origin: String| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let answer = answers[n.min(answers.len() - 1)];
        async move {
            tokio::time::sleep(delay).await;
            answer.map_err(std::io::Error::other)
        }
    });
    (Arc::new(resolver), calls)
}

/// `count` concurrent resolutions of `origin`, in the order they were started.
async fn concurrently(
    resolver: &Arc<OriginResolver>,
    origin: &'static str,
    count: usize,
) -> Vec<bool> {
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let resolver = resolver.clone();
            tokio::spawn(async move { resolver.resolve(origin).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_for_one_origin_share_one_lookup() {
    let (resolver, calls) = slow(Duration::from_millis(100), &[Ok(true)]);
    let started = Instant::now();
    let answers = concurrently(&resolver, "https://a.tenant.example", 16).await;
    assert_eq!(answers, vec![true; 16]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(resolver.cached("https://a.tenant.example"), Some(true));
    assert!(resolver.lock_state().in_flight.is_empty());
    // Another origin is a lookup of its own.
    assert_eq!(
        concurrently(&resolver, "https://b.tenant.example", 2).await,
        [true, true]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_shared_lookup_refuses_every_waiter_and_is_asked_again() {
    let (resolver, calls) = slow(
        Duration::from_millis(100),
        &[Err("database is down"), Ok(true)],
    );
    let answers = concurrently(&resolver, "https://a.tenant.example", 8).await;
    assert_eq!(answers, vec![false; 8]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(resolver.cached("https://a.tenant.example"), None);
    assert!(resolver.lock_state().in_flight.is_empty());
    // Failures are not cached: the next request asks again.
    assert!(resolver.resolve("https://a.tenant.example").await);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_shared_lookup_that_times_out_refuses_every_waiter_within_the_timeout() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let resolver = Arc::new(
        OriginResolver::new(move |_origin: String| {
            counter.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<Result<bool, std::io::Error>>()
        })
        .timeout(Duration::from_millis(250)),
    );
    let started = Instant::now();
    let answers = concurrently(&resolver, "https://a.tenant.example", 8).await;
    assert_eq!(answers, vec![false; 8]);
    assert_eq!(started.elapsed(), Duration::from_millis(250));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(resolver.lock_state().in_flight.is_empty());
}

#[tokio::test(start_paused = true)]
async fn waiters_ask_anew_when_the_asking_request_is_dropped() {
    let (resolver, calls) = slow(Duration::from_millis(100), &[Ok(true)]);
    let asking = {
        let resolver = resolver.clone();
        tokio::spawn(async move { resolver.resolve("https://a.tenant.example").await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let waiting = {
        let resolver = resolver.clone();
        tokio::spawn(async move { resolver.resolve("https://a.tenant.example").await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    asking.abort();
    assert!(asking.await.unwrap_err().is_cancelled());
    assert!(waiting.await.unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(resolver.lock_state().in_flight.is_empty());
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
