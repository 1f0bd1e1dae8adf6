//! The `service_registration` stanza. Only Kubernetes (pod labels) exists in Arca.

use super::decode::{Labeled, Section};
use super::error::{ConfigError, Origin};
use super::unsupported;

/// How the server advertises its state to an orchestrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceRegistrationConfig {
    /// `service_registration "kubernetes" { .. }`: label this pod `vault-active`,
    /// `vault-sealed`, ... so Services can select the active node.
    Kubernetes(KubernetesRegistration),
}

/// `service_registration "kubernetes"` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KubernetesRegistration {
    /// The pod's namespace; `VAULT_K8S_NAMESPACE` overrides (Vault's precedence).
    pub namespace: Option<String>,
    /// The pod's name; `VAULT_K8S_POD_NAME` overrides (Vault's precedence).
    pub pod_name: Option<String>,
    /// Where the stanza was written.
    pub origin: Origin,
}

/// Decodes one `service_registration "<type>"` block.
pub(crate) fn decode(
    file: &str,
    block: &Labeled<'_>,
) -> Result<ServiceRegistrationConfig, ConfigError> {
    if block.label != "kubernetes" {
        return Err(unsupported::refuse_label(
            file,
            block.line,
            "service_registration",
            block.label,
        ));
    }
    let mut s = Section::new(
        file,
        "service_registration.kubernetes",
        "service_registration \"kubernetes\"",
        block.body,
    )?;
    let k = KubernetesRegistration {
        namespace: s.string("namespace")?,
        pod_name: s.string("pod_name")?,
        origin: Origin {
            file: file.to_string(),
            line: block.line,
        },
    };
    s.finish()?;
    Ok(ServiceRegistrationConfig::Kubernetes(k))
}
