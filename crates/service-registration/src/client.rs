//! The two Kubernetes API calls service registration makes, through the `kube` client:
//! read this pod (`GET /api/v1/namespaces/{ns}/pods/{name}`) and JSON-patch its labels
//! (`PATCH` with `Content-Type: application/json-patch+json`).

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::{
    Api, Client, Config,
    api::{Patch, PatchParams},
};
use serde_json::Value;

use crate::error::RegistrationError;

/// How long to wait for a connection to the API server: a blackholed API server must
/// not hold up the next retry for the client's default 30 s.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for an answer once connected.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

/// The pod a server labels: its namespace and name (from the stanza, or
/// `VAULT_K8S_NAMESPACE` / `VAULT_K8S_POD_NAME` set by the chart from the downward API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodRef {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub name: String,
}

/// A client for this server's own pod.
#[derive(Clone)]
pub struct PodClient {
    pods: Api<Pod>,
    pod: PodRef,
}

impl PodClient {
    /// Builds a client from `kube::Config::infer()`: the kubeconfig named by `KUBECONFIG`
    /// (or `~/.kube/config`), else the in-cluster service account (token file, CA and
    /// `KUBERNETES_SERVICE_HOST`/`_PORT`). Contacts nothing yet.
    pub async fn infer(pod: PodRef) -> Result<PodClient, RegistrationError> {
        let mut config = Config::infer()
            .await
            .map_err(|e| RegistrationError::Config(error_chain(&e)))?;
        config.connect_timeout = Some(CONNECT_TIMEOUT);
        config.read_timeout = Some(IO_TIMEOUT);
        config.write_timeout = Some(IO_TIMEOUT);
        let client =
            Client::try_from(config).map_err(|e| RegistrationError::Config(error_chain(&e)))?;
        Ok(PodClient {
            pods: Api::namespaced(client, &pod.namespace),
            pod,
        })
    }

    /// The pod this client labels.
    pub fn pod(&self) -> &PodRef {
        &self.pod
    }

    /// Reads the pod and tells whether it has a `metadata.labels` map (which decides the
    /// shape of the first patch). Also checks that the pod exists and may be read.
    pub async fn has_labels(&self) -> Result<bool, RegistrationError> {
        let pod = self
            .pods
            .get(&self.pod.name)
            .await
            .map_err(|e| self.error("get", e))?;
        Ok(pod.metadata.labels.is_some())
    }

    /// Applies a JSON patch (an array of RFC 6902 operations) to the pod.
    pub async fn patch(&self, operations: Value) -> Result<(), RegistrationError> {
        let patch: json_patch::Patch =
            serde_json::from_value(operations).map_err(|e| RegistrationError::Transport {
                action: "patch",
                namespace: self.pod.namespace.clone(),
                pod: self.pod.name.clone(),
                detail: format!("building the JSON patch: {e}"),
            })?;
        self.pods
            .patch(
                &self.pod.name,
                &PatchParams::default(),
                &Patch::<()>::Json(patch),
            )
            .await
            .map_err(|e| self.error("patch", e))?;
        Ok(())
    }

    /// Classifies a client error. kube's errors carry the API server's status or the
    /// transport's cause, never the bearer token.
    fn error(&self, action: &'static str, e: kube::Error) -> RegistrationError {
        let namespace = self.pod.namespace.clone();
        let pod = self.pod.name.clone();
        match e {
            kube::Error::Api(status) if status.code == 404 => {
                RegistrationError::PodNotFound { namespace, pod }
            }
            kube::Error::Api(status) => RegistrationError::Api {
                action,
                namespace,
                pod,
                code: status.code,
                message: status.message.clone(),
            },
            other => RegistrationError::Transport {
                action,
                namespace,
                pod,
                detail: error_chain(&other),
            },
        }
    }
}

/// An error with its causes ("client error (Connect): tcp connect error: Connection
/// refused"): kube's top-level messages alone do not say what went wrong.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some layers repeat their cause in their own message.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
