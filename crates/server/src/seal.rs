//! Builds the configured seal and unseals the node with it at start.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use arca_core::{Core, auto_seal::ConfiguredSeal};
use arca_seal::{Seal, StaticSeal, TransitSeal};
use tokio::sync::watch;

use crate::{
    ServerError,
    config::{SealKind, SealStanza},
};

/// How long the auto-unseal loop waits between attempts while nothing can be done yet
/// (not initialised, migration pending).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// Longest wait between attempts while the seal fails (e.g. the transit server is down).
const MAX_RETRY: Duration = Duration::from_secs(5);

/// The seal of the `seal` stanza, ready to install in the core.
pub(crate) fn build(stanza: &SealStanza) -> Result<ConfiguredSeal, ServerError> {
    let seal: Arc<dyn Seal> = match &stanza.kind {
        SealKind::Static(c) => {
            Arc::new(StaticSeal::from_config(c).map_err(|e| ServerError::Startup(e.to_string()))?)
        }
        SealKind::Transit(c) => {
            let transit =
                Arc::new(TransitSeal::new(c).map_err(|e| ServerError::Startup(e.to_string()))?);
            if !stanza.disabled {
                transit.spawn_renewal();
            }
            transit
        }
    };
    tracing::info!(
        seal = seal.seal_type(),
        disabled = stanza.disabled,
        "seal configured"
    );
    Ok(ConfiguredSeal {
        seal,
        disabled: stanza.disabled,
    })
}

/// Unseals the node with its auto-unseal seal as soon as it is initialised, retrying
/// with a log line while the seal fails, until the node is unsealed once (after that a
/// manual seal is respected) or the server stops.
pub(crate) async fn auto_unseal_loop(
    core: Arc<Core>,
    started: Instant,
    mut stop: watch::Receiver<bool>,
) {
    let mut retry = Duration::from_millis(250);
    loop {
        let wait = match core.auto_unseal().await {
            Ok(true) => {
                tracing::info!(
                    seal = core.configured_seal_type(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "unsealed with the auto-unseal seal"
                );
                return;
            }
            Ok(false) if !core.is_sealed() => return,
            Ok(false) => IDLE_POLL,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    retry_in_ms = retry.as_millis() as u64,
                    "failed to unseal core with the auto-unseal seal; retrying"
                );
                let wait = retry;
                retry = (retry * 2).min(MAX_RETRY);
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
