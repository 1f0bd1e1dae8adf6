//! The `seal` stanza: `seal "static"` and `seal "transit"` (auto-unseal), each with
//! `disabled = true` to migrate away from it. Without a stanza the Shamir seal is used.

use arca_seal::{StaticSealConfig, TransitSealConfig};

use super::decode::{Labeled, Section};
use super::error::ConfigError;
use super::unsupported;

/// The seal a server is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealStanza {
    /// Its type and parameters.
    pub kind: SealKind,
    /// `disabled = true`: used only to migrate to Shamir.
    pub disabled: bool,
}

/// The seal types Arca implements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealKind {
    /// `seal "static"` (OpenBao's field names).
    Static(StaticSealConfig),
    /// `seal "transit"` (Vault's field names).
    Transit(TransitSealConfig),
}

/// Decodes one `seal "<type>"` block.
pub(crate) fn decode(file: &str, block: &Labeled<'_>) -> Result<SealStanza, ConfigError> {
    let place = match block.label {
        "static" => "seal.static",
        "transit" => "seal.transit",
        other => return Err(unsupported::refuse_label(file, block.line, "seal", other)),
    };
    let title = format!("seal \"{}\"", block.label);
    let mut s = Section::new(file, place, title, block.body)?;
    let text = |s: &mut Section<'_>, k: &str| -> Result<String, ConfigError> {
        Ok(s.string(k)?.unwrap_or_default())
    };
    let kind = match block.label {
        "static" => SealKind::Static(StaticSealConfig {
            current_key_id: text(&mut s, "current_key_id")?,
            current_key: text(&mut s, "current_key")?,
            previous_key_id: text(&mut s, "previous_key_id")?,
            previous_key: text(&mut s, "previous_key")?,
        }),
        "transit" => SealKind::Transit(TransitSealConfig {
            address: text(&mut s, "address")?,
            token: text(&mut s, "token")?,
            key_name: text(&mut s, "key_name")?,
            mount_path: text(&mut s, "mount_path")?,
            namespace: text(&mut s, "namespace")?,
            disable_renewal: s.boolean("disable_renewal")?.unwrap_or(false),
            tls_ca_cert: text(&mut s, "tls_ca_cert")?,
            tls_client_cert: text(&mut s, "tls_client_cert")?,
            tls_client_key: text(&mut s, "tls_client_key")?,
            tls_server_name: text(&mut s, "tls_server_name")?,
            tls_skip_verify: s.boolean("tls_skip_verify")?.unwrap_or(false),
        }),
        other => return Err(unsupported::refuse_label(file, block.line, "seal", other)),
    };
    let disabled = s.boolean("disabled")?.unwrap_or(false);
    s.finish()?;
    Ok(SealStanza { kind, disabled })
}

impl SealStanza {
    /// Vault's environment overrides: `VAULT_SEAL_TYPE` picks the type (`transit` makes
    /// a transit seal from the environment alone; `shamir` removes the stanza), and the
    /// transit seal reads its `VAULT_TRANSIT_SEAL_*` and client variables.
    pub(crate) fn apply_env(seal: &mut Option<SealStanza>, get: &dyn Fn(&str) -> Option<String>) {
        match get("VAULT_SEAL_TYPE").as_deref().map(str::trim) {
            Some("shamir") => *seal = None,
            Some("transit")
                if !matches!(seal.as_ref().map(|s| &s.kind), Some(SealKind::Transit(_))) =>
            {
                *seal = Some(SealStanza {
                    kind: SealKind::Transit(TransitSealConfig::default()),
                    disabled: false,
                });
            }
            Some("static")
                if !matches!(seal.as_ref().map(|s| &s.kind), Some(SealKind::Static(_))) =>
            {
                *seal = Some(SealStanza {
                    kind: SealKind::Static(StaticSealConfig::default()),
                    disabled: false,
                });
            }
            _ => {}
        }
        if let Some(SealStanza {
            kind: SealKind::Transit(t),
            ..
        }) = seal
        {
            t.apply_env(get);
        }
    }
}
