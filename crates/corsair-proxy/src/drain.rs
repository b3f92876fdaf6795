//! Graceful shutdown for both kinds of connection: the native path's, which stops between
//! requests, and hyper's, told to finish what it has in flight. The server waits until
//! every connection has let go of its [`Watch`].
//!
//! A native connection waits on the drain beside every idle read, so that wait must cost
//! little: each connection has its own waker slot, registered with the server once, and an
//! idle read looks at a flag and stores its waker there (a lock nobody else takes until
//! the drain), where a channel's waiter list would be joined and left on every request.

use std::{
    future::{Future, poll_fn},
    pin::pin,
    sync::{
        Arc, Mutex, PoisonError, Weak,
        atomic::{AtomicBool, Ordering},
    },
    task::{Poll, Waker},
};

use tokio::sync::watch;

/// The server's side: starts the drain and waits for it.
#[derive(Debug)]
pub(crate) struct Drain {
    shared: Arc<Shared>,
    /// Held by every connection: its closing tells the server when all have ended.
    held: watch::Sender<()>,
}

#[derive(Debug, Default)]
struct Shared {
    draining: AtomicBool,
    /// Every connection's slot; a slot of a connection that ended is dropped at the drain
    /// or when the list next grows.
    slots: Mutex<Vec<Weak<Slot>>>,
}

/// Where an idle connection leaves its waker.
#[derive(Debug, Default)]
struct Slot(Mutex<Option<Waker>>);

/// A connection's side: held for as long as it serves.
#[derive(Debug)]
pub(crate) struct Watch {
    shared: Arc<Shared>,
    slot: Arc<Slot>,
    _held: watch::Receiver<()>,
}

impl Drain {
    pub(crate) fn new() -> Self {
        Self {
            shared: Arc::default(),
            held: watch::Sender::new(()),
        }
    }

    /// A watch for a new connection.
    pub(crate) fn watch(&self) -> Watch {
        let slot = Arc::new(Slot::default());
        let mut slots = lock(&self.shared.slots);
        if slots.len() == slots.capacity() {
            slots.retain(|slot| slot.strong_count() > 0);
        }
        slots.push(Arc::downgrade(&slot));
        drop(slots);
        Watch {
            shared: self.shared.clone(),
            slot,
            _held: self.held.subscribe(),
        }
    }

    /// Tells every connection to finish, then waits until all have.
    pub(crate) async fn shutdown(self) {
        self.shared.draining.store(true, Ordering::SeqCst);
        let slots = std::mem::take(&mut *lock(&self.shared.slots));
        for slot in slots.iter().filter_map(Weak::upgrade) {
            if let Some(waker) = lock(&slot.0).take() {
                waker.wake();
            }
        }
        self.held.closed().await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A waker or a list of them is never left half-written.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Watch {
    /// Whether the drain has started.
    pub(crate) fn draining(&self) -> bool {
        self.shared.draining.load(Ordering::SeqCst)
    }

    /// Runs `work` unless the drain starts first: `None` then.
    pub(crate) async fn unless_draining<F: Future>(&self, work: F) -> Option<F::Output> {
        let mut work = pin!(work);
        poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            let mut slot = lock(&self.slot.0);
            if !slot
                .as_ref()
                .is_some_and(|waker| waker.will_wake(cx.waker()))
            {
                *slot = Some(cx.waker().clone());
            }
            drop(slot);
            // Looked at after the waker is in place: a drain starting in between wakes it.
            if self.draining() {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        })
        .await
    }

    /// Completes once the drain starts.
    async fn started(&self) {
        self.unless_draining(std::future::pending::<()>()).await;
    }

    /// Runs a hyper connection to its end, telling it to shut down gracefully once the drain
    /// starts.
    pub(crate) async fn hyper<C, T, E>(
        self,
        connection: C,
        shut_down: impl FnOnce(std::pin::Pin<&mut C>),
    ) -> Result<T, E>
    where
        C: Future<Output = Result<T, E>>,
    {
        let mut connection = pin!(connection);
        tokio::select! {
            served = connection.as_mut() => return served,
            () = self.started() => shut_down(connection.as_mut()),
        }
        connection.await
    }
}
