//! Linearizable read barriers shared by concurrent readers.
//!
//! Each `ensure_linearizable` costs the leader one heartbeat round to a quorum, so under
//! load every read paid its own round and 64 concurrent readers sent 64 rounds. Here one
//! task runs the rounds: a reader queues itself and waits; the task takes everyone
//! queued, runs one round, and answers them all. Readers that arrive while a round is in
//! flight wait for the next one. A round therefore starts only after every reader of its
//! batch arrived, so its read index is at least the commit index any of them could have
//! observed before asking: the same guarantee as a round of its own, at the cost of at
//! most one extra round of latency.

use arca_storage::StorageError;
use tokio::sync::{mpsc, oneshot};

/// One reader's place in the queue: where its round's answer goes.
type Waiter = oneshot::Sender<Result<(), StorageError>>;

/// The queue readers join; dropping it (with its [`crate::RaftNode`]) ends the task.
pub(crate) struct ReadRounds {
    queue: mpsc::UnboundedSender<Waiter>,
}

impl ReadRounds {
    /// Starts the task that runs `round` for each batch of waiting readers.
    pub(crate) fn spawn<F, Fut>(round: F) -> Self
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<(), StorageError>> + Send,
    {
        let (queue, mut waiting) = mpsc::unbounded_channel::<Waiter>();
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut batch = vec![first];
                while let Ok(next) = waiting.try_recv() {
                    batch.push(next);
                }
                let result = round().await;
                for waiter in batch {
                    // A reader that gave up (its request was dropped) needs no answer.
                    let _ = waiter.send(result.clone());
                }
            }
        });
        ReadRounds { queue }
    }

    /// Waits for a round that started after this call: afterwards every write committed
    /// before the call is visible in the local state machine.
    pub(crate) async fn barrier(&self) -> Result<(), StorageError> {
        let (tx, rx) = oneshot::channel();
        let gone = || StorageError::Unavailable("raft is stopped".into());
        self.queue.send(tx).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
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
    fn counting(rounds: Arc<AtomicUsize>, started: Arc<tokio::sync::Notify>) -> ReadRounds {
        ReadRounds::spawn(move || {
            let rounds = rounds.clone();
            let started = started.clone();
            async move {
                rounds.fetch_add(1, Ordering::SeqCst);
                started.notify_one();
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(())
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
                tokio::spawn(async move { rr.barrier().await })
            })
            .collect();
        for r in readers {
            r.await.unwrap().unwrap();
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
            tokio::spawn(async move { rr.barrier().await })
        };
        started.notified().await; // round 1 is in flight
        rr.barrier().await.unwrap();
        // The late reader was not answered by the round already running.
        assert_eq!(rounds.load(Ordering::SeqCst), 2);
        first.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn every_reader_of_a_round_gets_its_error() {
        let rr = Arc::new(ReadRounds::spawn(|| async {
            Err(StorageError::Unavailable("no quorum".into()))
        }));
        let a = {
            let rr = rr.clone();
            tokio::spawn(async move { rr.barrier().await })
        };
        let b = rr.barrier().await;
        assert_eq!(b, Err(StorageError::Unavailable("no quorum".into())));
        assert_eq!(a.await.unwrap(), b);
    }
}
