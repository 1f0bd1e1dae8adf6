//! `service_registration "kubernetes"`: feeds the core's state (sealed, active,
//! initialised) to the pod labeller of `arca-service-registration`.
//!
//! The core has no state-change events, so a small task polls it (two in-memory reads
//! and one local storage read, four times a second) and passes only changes on. The
//! labeller runs beside the server: Kubernetes API trouble never delays unseal or
//! serving.

use std::{sync::Arc, time::Duration};

use arca_core::Core;
use arca_service_registration::{Backoff, NodeState, PodRef};
use tokio::{sync::watch, task::JoinHandle};

use crate::{ServerError, config::KubernetesRegistration};

/// How often the core's state is read. A leader change shows in the labels within
/// this (plus the API call), well inside a raft election.
const POLL: Duration = Duration::from_millis(250);

/// The pod to label: `VAULT_K8S_NAMESPACE` / `VAULT_K8S_POD_NAME` (already applied to
/// the config by `Config::apply_env`) or the stanza's `namespace` / `pod_name`. Both are
/// required, as in Vault.
pub(crate) fn pod_ref(config: &KubernetesRegistration) -> Result<PodRef, ServerError> {
    let required = |value: &Option<String>, param: &str, env: &str| {
        value.clone().filter(|v| !v.is_empty()).ok_or_else(|| {
            ServerError::Startup(format!(
                "service_registration \"kubernetes\": {param} must be provided via \"{env}\" or the \"{param}\" config parameter"
            ))
        })
    };
    Ok(PodRef {
        namespace: required(&config.namespace, "namespace", "VAULT_K8S_NAMESPACE")?,
        name: required(&config.pod_name, "pod_name", "VAULT_K8S_POD_NAME")?,
    })
}

/// Reads the state the labels describe. A failed storage read keeps the last known
/// `initialized` (the labels must not flap on a transient error).
async fn read_state(core: &Core, last: NodeState) -> NodeState {
    let sealed = core.is_sealed();
    let active = !sealed && core.cluster().is_active();
    let initialized = match core.initialized().await {
        Ok(i) => i,
        Err(e) => {
            tracing::debug!(error = %e, "service registration: reading the init state failed");
            last.initialized
        }
    };
    NodeState {
        active,
        sealed,
        initialized,
    }
}

/// Starts the state poller and the labeller; both end when `stop` turns true (the
/// labeller after marking the pod sealed). The caller awaits the handles at shutdown.
pub(crate) async fn spawn(
    core: Arc<Core>,
    pod: PodRef,
    stop: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let first = read_state(&core, NodeState::default()).await;
    let (tx, rx) = watch::channel(first);
    let mut poll_stop = stop.clone();
    let poller = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = poll_stop.wait_for(|s| *s) => return,
                _ = tokio::time::sleep(POLL) => {}
            }
            let last = *tx.borrow();
            let now = read_state(&core, last).await;
            tx.send_if_modified(|s| {
                let changed = *s != now;
                *s = now;
                changed
            });
        }
    });
    tracing::info!(
        namespace = %pod.namespace,
        pod = %pod.name,
        "service registration: labelling this pod through the Kubernetes API"
    );
    let labeller = arca_service_registration::spawn(
        pod,
        arca_core::version::VAULT_COMPAT_VERSION,
        rx,
        stop,
        Backoff::default(),
    );
    vec![poller, labeller]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Origin;

    fn stanza(namespace: Option<&str>, pod: Option<&str>) -> KubernetesRegistration {
        KubernetesRegistration {
            namespace: namespace.map(str::to_string),
            pod_name: pod.map(str::to_string),
            origin: Origin::default(),
        }
    }

    #[test]
    fn pod_ref_needs_namespace_and_pod_name() {
        let ok = pod_ref(&stanza(Some("vault"), Some("vault-0"))).expect("complete stanza");
        assert_eq!(
            ok,
            PodRef {
                namespace: "vault".into(),
                name: "vault-0".into()
            }
        );
        let err = pod_ref(&stanza(None, Some("vault-0")))
            .expect_err("no namespace")
            .to_string();
        assert!(
            err.contains("namespace must be provided via \"VAULT_K8S_NAMESPACE\""),
            "{err}"
        );
        let err = pod_ref(&stanza(Some("vault"), Some("")))
            .expect_err("empty pod name")
            .to_string();
        assert!(
            err.contains("pod_name must be provided via \"VAULT_K8S_POD_NAME\""),
            "{err}"
        );
    }
}
