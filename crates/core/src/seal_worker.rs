//! The seal worker: a background task per core that completes a standby's pending
//! seal migration once the node is active (`crate::seal_migration`) and, under an auto
//! seal, adopts a root key changed by a barrier rekey on another node
//! ([`Core::follow_root_key`]).

use std::{
    sync::{Arc, Weak},
    time::Duration,
};

use crate::Core;

/// How often the worker looks at the node.
const TICK: Duration = Duration::from_millis(500);
/// Extra wait after a failed attempt (the seal may be unreachable for a while).
const RETRY: Duration = Duration::from_secs(5);

/// Starts the worker of `core` on the current tokio runtime (none outside a runtime).
/// It ends once the core is dropped.
pub(crate) fn spawn(core: &Arc<Core>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(run(Arc::downgrade(core)));
}

async fn run(core: Weak<Core>) {
    loop {
        tokio::time::sleep(TICK).await;
        let Some(core) = core.upgrade() else {
            return;
        };
        let mut failed = false;
        if let Err(e) = core.advance_pending_migration().await {
            // E.g. the new transit seal is unreachable: tried again a little later.
            tracing::warn!(error = %e, "completing the pending seal migration failed; retrying");
            failed = true;
        }
        if let Err(e) = core.follow_root_key().await {
            tracing::warn!(error = %e, "reading the cluster's new root key failed; retrying");
            failed = true;
        }
        drop(core);
        if failed {
            tokio::time::sleep(RETRY).await;
        }
    }
}
