//! The task that keeps the pod's labels equal to the server's latest state.
//!
//! Vault's order: at start, read the pod and write every label from the current state;
//! then, on every change of active/sealed/initialized, patch the labels that changed;
//! a failed write is retried (Vault every 5 s) until it lands. Here one task does all
//! of it: it always writes the *latest* state, so a retry never resends a stale one, and
//! a state change during a backoff is tried at once.

use std::time::{Duration, Instant};

use tokio::{sync::watch, task::JoinHandle};

use crate::{
    client::{PodClient, PodRef},
    error::RegistrationError,
    labels::{self, NodeState},
};

/// How long a failing update waits before it is tried again: doubling from `initial` up
/// to `max`. The default (250 ms → 5 s) ends at Vault's retry period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(5),
        }
    }
}

impl Backoff {
    /// The wait after `failures` consecutive failures (at least one).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

/// How often a persisting failure is logged again (the first one and any new kind of
/// error are logged at once).
const LOG_AGAIN_AFTER: Duration = Duration::from_secs(60);
/// How long the last update at shutdown may take.
const SHUTDOWN_PATCH_TIMEOUT: Duration = Duration::from_secs(3);

/// Starts labelling `pod` with `version` and the states sent through `state`, until
/// `stop` turns true (then the pod is labelled sealed and not active, as Vault's
/// shutdown leaves it) or the state's sender is dropped.
pub fn spawn(
    pod: PodRef,
    version: &str,
    state: watch::Receiver<NodeState>,
    stop: watch::Receiver<bool>,
    backoff: Backoff,
) -> JoinHandle<()> {
    let worker = Worker {
        version: labels::sanitize(version),
        pod,
        client: None,
        labelled: None,
        backoff,
        failures: 0,
        last_log: None,
    };
    tokio::spawn(worker.run(state, stop))
}

struct Worker {
    pod: PodRef,
    version: String,
    /// Built on first use, so a missing configuration is retried like an unreachable
    /// API server rather than stopping the server.
    client: Option<PodClient>,
    /// What the pod's labels say, as far as this task wrote them; `None` until the
    /// initial labels were written.
    labelled: Option<NodeState>,
    backoff: Backoff,
    failures: u32,
    /// When the last failure was logged, and its message.
    last_log: Option<(Instant, String)>,
}

impl Worker {
    async fn run(mut self, mut state: watch::Receiver<NodeState>, mut stop: watch::Receiver<bool>) {
        let mut desired = *state.borrow_and_update();
        loop {
            let result = tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                result = self.sync(desired) => result,
            };
            let retry = match result {
                Ok(()) => {
                    if self.failures > 0 {
                        tracing::info!(
                            namespace = %self.pod.namespace,
                            pod = %self.pod.name,
                            failed_attempts = self.failures,
                            "service registration: pod labels are up to date again"
                        );
                    }
                    self.failures = 0;
                    self.last_log = None;
                    None
                }
                Err(e) => {
                    self.failures = self.failures.saturating_add(1);
                    self.log_failure(&e);
                    Some(self.backoff.delay(self.failures))
                }
            };
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                changed = state.changed() => if changed.is_err() { break },
                _ = tokio::time::sleep(retry.unwrap_or_default()), if retry.is_some() => {}
            }
            desired = *state.borrow_and_update();
        }
        self.shut_down(desired).await;
    }

    /// Brings the pod's labels to `desired`: all of them the first time, then only the
    /// ones that changed.
    async fn sync(&mut self, desired: NodeState) -> Result<(), RegistrationError> {
        if self.client.is_none() {
            self.client = Some(PodClient::infer(self.pod.clone()).await?);
        }
        let Some(client) = &self.client else {
            return Ok(());
        };
        match self.labelled {
            None => {
                let has_labels = client.has_labels().await?;
                client
                    .patch(labels::initial_patch(desired, &self.version, has_labels))
                    .await?;
                tracing::info!(
                    namespace = %self.pod.namespace,
                    pod = %self.pod.name,
                    active = desired.active,
                    sealed = desired.sealed,
                    initialized = desired.initialized,
                    "service registration: pod labelled"
                );
            }
            Some(current) => {
                let Some(patch) = labels::change_patch(current, desired) else {
                    return Ok(());
                };
                client.patch(patch).await?;
                tracing::info!(
                    namespace = %self.pod.namespace,
                    pod = %self.pod.name,
                    active = desired.active,
                    sealed = desired.sealed,
                    initialized = desired.initialized,
                    "service registration: pod labels updated"
                );
            }
        }
        self.labelled = Some(desired);
        Ok(())
    }

    /// Logs a failure when it is the first, a new kind, or a minute after the last log.
    fn log_failure(&mut self, e: &RegistrationError) {
        let message = e.to_string();
        let due = match &self.last_log {
            None => true,
            Some((at, last)) => *last != message || at.elapsed() >= LOG_AGAIN_AFTER,
        };
        if due {
            tracing::warn!(
                failed_attempts = self.failures,
                error = %message,
                "service registration: could not update the pod's labels; will retry"
            );
            self.last_log = Some((Instant::now(), message));
        }
    }

    /// The last update: sealed and not active, bounded in time (the process is ending).
    async fn shut_down(mut self, last: NodeState) {
        if self.labelled.is_none() {
            return;
        }
        let target = last.shut_down();
        match tokio::time::timeout(SHUTDOWN_PATCH_TIMEOUT, self.sync(target)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(
                error = %e,
                "service registration: could not mark the pod sealed at shutdown"
            ),
            Err(_) => tracing::warn!(
                "service registration: the Kubernetes API did not answer at shutdown; the pod keeps its last labels"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff::default();
        assert_eq!(b.delay(1), Duration::from_millis(250));
        assert_eq!(b.delay(2), Duration::from_millis(500));
        assert_eq!(b.delay(3), Duration::from_secs(1));
        assert_eq!(b.delay(5), Duration::from_secs(4));
        assert_eq!(b.delay(6), Duration::from_secs(5));
        assert_eq!(b.delay(40), Duration::from_secs(5));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(5));
    }
}
