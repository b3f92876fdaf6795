//! A waker for futures a task drives itself: wakes they cause while the task polls them (a
//! request queued, a response handed over, body data sent through hyper's channels) are
//! answered by polling again in the same turn, rather than by the runtime polling the whole
//! task a second time. Wakes from elsewhere (the socket, timers) reach the task as usual.

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering::SeqCst},
    },
    task::{Context, Poll, Wake, Waker},
};

/// Rounds of polling one turn allows before handing a pending wake to the runtime: a future
/// that wakes itself on every poll (a spent cooperative budget does) must not spin.
const ROUNDS: usize = 4;

/// The relay of one set of self-driven futures.
#[derive(Debug)]
pub(crate) struct Relay {
    shared: Arc<Shared>,
    waker: Waker,
}

#[derive(Debug)]
struct Shared {
    /// The task's waker, from the latest poll.
    task: Mutex<Option<Waker>>,
    /// Wakes need not reach the task: it is polling (the next round sees them), or the
    /// futures are parked.
    quiet: AtomicBool,
    woken: AtomicBool,
}

impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, SeqCst);
        // While the task polls, the round that follows sees `woken`; otherwise the task must be
        // told. Both stores come before the other side's load, so one of them sees the wake.
        if !self.quiet.load(SeqCst) {
            let task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(task) = &*task {
                task.wake_by_ref();
            }
        }
    }
}

impl Relay {
    pub(crate) fn new() -> Self {
        let shared = Arc::new(Shared {
            task: Mutex::new(None),
            quiet: AtomicBool::new(false),
            woken: AtomicBool::new(false),
        });
        let waker = Waker::from(shared.clone());
        Self { shared, waker }
    }

    /// Keeps wakes from the task until the next [`poll`](Self::poll): for futures nobody
    /// awaits until then, which that poll starts by driving.
    pub(crate) fn park(&self) {
        self.shared.quiet.store(true, SeqCst);
    }

    /// Polls `f` with the relay's waker, again while it woke itself, up to a few rounds.
    pub(crate) fn poll<T>(
        &self,
        cx: &mut Context<'_>,
        mut f: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        {
            let mut task = self
                .shared
                .task
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !task.as_ref().is_some_and(|t| t.will_wake(cx.waker())) {
                *task = Some(cx.waker().clone());
            }
        }
        let mut inner = Context::from_waker(&self.waker);
        for _ in 0..ROUNDS {
            self.shared.woken.store(false, SeqCst);
            self.shared.quiet.store(true, SeqCst);
            let polled = f(&mut inner);
            self.shared.quiet.store(false, SeqCst);
            // A wake left over once `f` is ready needs no round: whoever gets its value polls
            // again to go on.
            if polled.is_ready() || !self.shared.woken.load(SeqCst) {
                return polled;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Counts the task's wakes.
    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn task() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn a_wake_during_the_poll_is_a_second_round_not_a_task_wake() {
        let (count, waker) = task();
        let relay = Relay::new();
        let mut rounds = 0;
        let polled = relay.poll(&mut Context::from_waker(&waker), |cx| {
            rounds += 1;
            if rounds == 1 {
                cx.waker().wake_by_ref();
                Poll::Pending
            } else {
                Poll::Ready(rounds)
            }
        });
        assert_eq!(polled, Poll::Ready(2));
        assert_eq!(count.0.load(SeqCst), 0);
    }

    #[test]
    fn a_wake_after_the_poll_reaches_the_task() {
        let (count, waker) = task();
        let relay = Relay::new();
        let mut kept = None;
        let polled = relay.poll(&mut Context::from_waker(&waker), |cx| {
            kept = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        assert_eq!(polled, Poll::Pending);
        assert_eq!(count.0.load(SeqCst), 0);
        kept.unwrap().wake();
        assert_eq!(count.0.load(SeqCst), 1);
    }

    #[test]
    fn a_parked_relay_keeps_wakes_until_its_next_poll() {
        let (count, waker) = task();
        let relay = Relay::new();
        let mut kept = None;
        let _ = relay.poll(&mut Context::from_waker(&waker), |cx| {
            kept = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        relay.park();
        kept.take().unwrap().wake();
        assert_eq!(count.0.load(SeqCst), 0);
        let _ = relay.poll(&mut Context::from_waker(&waker), |cx| {
            kept = Some(cx.waker().clone());
            Poll::<()>::Pending
        });
        kept.unwrap().wake();
        assert_eq!(count.0.load(SeqCst), 1);
    }

    #[test]
    fn a_future_waking_itself_every_time_is_handed_to_the_task_after_a_few_rounds() {
        let (count, waker) = task();
        let relay = Relay::new();
        let mut rounds = 0;
        let polled = relay.poll(&mut Context::from_waker(&waker), |cx| {
            rounds += 1;
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        });
        assert_eq!((polled, rounds), (Poll::Pending, ROUNDS));
        assert_eq!(count.0.load(SeqCst), 1);
    }
}
