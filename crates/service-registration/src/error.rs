//! Why a label update failed. Messages name the pod and the cause, never credentials.

use thiserror::Error;

/// A failed step of service registration; each one is retried.
#[derive(Debug, Error)]
pub enum RegistrationError {
    /// Neither a kubeconfig (`KUBECONFIG`, `~/.kube/config`) nor the in-cluster service
    /// account could be loaded.
    #[error(
        "no Kubernetes client configuration (set KUBECONFIG, or run in a pod with a service account): {0}"
    )]
    Config(String),
    /// The pod does not exist: `namespace`/`pod_name` (or `VAULT_K8S_NAMESPACE` /
    /// `VAULT_K8S_POD_NAME`) do not name this server's pod.
    #[error("pod {namespace}/{pod} not found; check VAULT_K8S_NAMESPACE and VAULT_K8S_POD_NAME")]
    PodNotFound {
        /// The namespace asked for.
        namespace: String,
        /// The pod asked for.
        pod: String,
    },
    /// The API server answered with an error status (401/403: the service account may
    /// not get or patch pods; see the chart's discovery Role).
    #[error("the Kubernetes API refused {action} of pod {namespace}/{pod}: {code} {message}")]
    Api {
        /// `get` or `patch`.
        action: &'static str,
        /// The namespace of the pod.
        namespace: String,
        /// The pod.
        pod: String,
        /// The HTTP status.
        code: u16,
        /// The API server's status message.
        message: String,
    },
    /// The API server could not be reached or its answer not read.
    #[error("talking to the Kubernetes API ({action} pod {namespace}/{pod}): {detail}")]
    Transport {
        /// `get` or `patch`.
        action: &'static str,
        /// The namespace of the pod.
        namespace: String,
        /// The pod.
        pod: String,
        /// The client's error.
        detail: String,
    },
}
