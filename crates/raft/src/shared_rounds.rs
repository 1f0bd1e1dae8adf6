//! Rounds shared by concurrent callers: linearizable read barriers on the active node
//! (one heartbeat round to a quorum each) and ReadIndex RPCs from a standby.
//!
//! Without sharing, 64 concurrent readers send 64 rounds. Here one task runs the rounds:
//! a caller queues itself and waits; the task takes everyone queued, runs one round, and
//! hands them all its answer. Callers that arrive while a round is in flight wait for the
//! next one. A round therefore starts only after every caller of its batch arrived, so a
//! read index it fixes is at least the commit index any of them could have observed
//! before asking: the same guarantee as a round of its own, at the cost of at most one
//! extra round of latency.

use tokio::sync::{mpsc, oneshot};

/// The queue callers join; dropping it ends the task that runs the rounds.
pub struct SharedRounds<T> {
    queue: mpsc::UnboundedSender<oneshot::Sender<T>>,
}

impl<T: Clone + Send + 'static> SharedRounds<T> {
    /// Starts the task that runs `round` once for each batch of waiting callers. Needs a
    /// tokio runtime.
    pub fn spawn<F, Fut>(round: F) -> Self
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = T> + Send,
    {
        let (queue, mut waiting) = mpsc::unbounded_channel::<oneshot::Sender<T>>();
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut batch = vec![first];
                while let Ok(next) = waiting.try_recv() {
                    batch.push(next);
                }
                let answer = round().await;
                for waiter in batch {
                    // A caller that gave up (its request was dropped) needs no answer.
                    let _ = waiter.send(answer.clone());
                }
            }
        });
        SharedRounds { queue }
    }

    /// The answer of a round that started after this call; `None` if the task is gone
    /// (the runtime is shutting down).
    pub async fn next(&self) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.queue.send(tx).ok()?;
        rx.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    use std::time::Duration;

    use super::*;

    /// A round that counts itself and takes a while, like a heartbeat round trip.
    fn counting(rounds: Arc<AtomicUsize>, started: Arc<tokio::sync::Notify>) -> SharedRounds<u32> {
        SharedRounds::spawn(move || {
            let rounds = rounds.clone();
            let started = started.clone();
            async move {
                rounds.fetch_add(1, Ordering::SeqCst);
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(50)).await;
                7
            }
        })
    }

    #[tokio::test]
    async fn concurrent_readers_share_rounds() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let rr = Arc::new(counting(rounds.clone(), Arc::default()));
        let readers: Vec<_> = (0..64)
            .map(|_| {
                let rr = rr.clone();
                tokio::spawn(async move { rr.next().await })
            })
            .collect();
        for r in readers {
            assert_eq!(r.await.unwrap(), Some(7));
        }
        let n = rounds.load(Ordering::SeqCst);
        assert!((1..=2).contains(&n), "64 readers took {n} rounds");
    }

    #[tokio::test]
    async fn a_reader_arriving_mid_round_waits_for_the_next_one() {
        let rounds = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(tokio::sync::Notify::new());
        let rr = Arc::new(counting(rounds.clone(), started.clone()));
        let first = {
            let rr = rr.clone();
            tokio::spawn(async move { rr.next().await })
        };
        started.notified().await; // round 1 is in flight
        assert_eq!(rr.next().await, Some(7));
        // The late reader was not answered by the round already running.
        assert_eq!(rounds.load(Ordering::SeqCst), 2);
        assert_eq!(first.await.unwrap(), Some(7));
    }

    #[tokio::test]
    async fn every_reader_of_a_round_gets_its_error() {
        let rr = Arc::new(SharedRounds::spawn(|| async {
            Err::<(), String>("no quorum".into())
        }));
        let a = {
            let rr = rr.clone();
            tokio::spawn(async move { rr.next().await })
        };
        let b = rr.next().await;
        assert_eq!(b, Some(Err("no quorum".to_string())));
        assert_eq!(a.await.unwrap(), b);
    }
}
