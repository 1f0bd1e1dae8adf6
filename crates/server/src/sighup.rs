//! SIGHUP: reopen the audit devices' files, so `logrotate` (rename, then HUP) starts
//! new files without a restart, as Vault does.

use std::sync::Arc;

use arca_core::Core;

/// Listens for SIGHUP until the process ends and reopens the audit files on each.
pub(crate) fn spawn(core: Arc<Core>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP; audit files will not be reopened");
                return;
            }
        };
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP received: reopening audit devices");
            core.reopen_audit_devices().await;
        }
    })
}
