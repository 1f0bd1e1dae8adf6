//! `export/:type/:name[/:version]`: key material of exportable keys (public keys of any
//! asymmetric key).

use arca_crypto::Zeroizing;
use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::{Value, json};

use super::{NAME, name_field, opt_str};
use crate::{
    b64, ecdsa, ed25519, error::TransitError, keytype::KeyType, material::KeyEntry, policy::Policy,
    rsa_key,
};

/// `export/:type/:name[/:version]`.
pub fn path() -> Path {
    Path::new(format!(
        "export/(?P<type>{NAME})/(?P<name>{NAME})(?:/(?P<version>.+))?"
    ))
    .field(name_field())
    .field(Field::new(
        "type",
        FieldType::String,
        "Type of key to export: encryption-key, signing-key, hmac-key or public-key.",
    ))
    .field(Field::new(
        "version",
        FieldType::String,
        "Version of the key (a number, or \"latest\").",
    ))
    .on(Operation::Read, handler(export))
    .help(
        "Export named encryption or signing key",
        "This path is used to export the keys that are configured as exportable.",
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExportType {
    Encryption,
    Signing,
    Hmac,
    Public,
}

async fn export(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let type_name = d.get_str("type")?;
    let export_type = match type_name.as_str() {
        "encryption-key" => ExportType::Encryption,
        "signing-key" => ExportType::Signing,
        "hmac-key" => ExportType::Hmac,
        "public-key" => ExportType::Public,
        other => {
            return Err(TransitError::invalid(format!("invalid export type: {other}")).into());
        }
    };
    let Some(p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Ok(None);
    };
    let kind = p.key_type;
    if !p.exportable && export_type != ExportType::Public {
        return Err(TransitError::invalid("private key material is not exportable").into());
    }
    match export_type {
        ExportType::Encryption if !kind.supports_encryption() => {
            return Err(TransitError::invalid("encryption not supported for the key").into());
        }
        ExportType::Signing if !kind.supports_signing() => {
            return Err(TransitError::invalid("signing not supported for the key").into());
        }
        ExportType::Public if !kind.supports_signing() => {
            return Err(TransitError::invalid(format!(
                "public key export not supported for key type {kind}"
            ))
            .into());
        }
        _ => {}
    }

    let mut keys = Map::new();
    match opt_str(&d, "version")?.filter(|v| !v.is_empty()) {
        None => {
            for (v, e) in p.live_versions() {
                keys.insert(v.to_string(), json!(*export_one(&p, export_type, e)?));
            }
        }
        Some(v) => {
            let version = if v == "latest" {
                p.latest_version
            } else {
                v.trim_start_matches('v')
                    .parse::<u64>()
                    .map_err(|_| TransitError::invalid("invalid key version"))?
            };
            if version < p.min_decryption_version {
                return Err(TransitError::invalid(
                    "version for export is below minimum decryption version",
                )
                .into());
            }
            let entry = p.keys.get(&version).ok_or_else(|| {
                TransitError::invalid("version does not exist or cannot be found")
            })?;
            keys.insert(
                version.to_string(),
                json!(*export_one(&p, export_type, entry)?),
            );
        }
    }
    let mut data = Map::new();
    data.insert("name".into(), json!(p.name));
    data.insert("type".into(), json!(kind.as_str()));
    data.insert("keys".into(), Value::Object(keys));
    Ok(Some(Response::with_data(data)))
}

fn export_one(p: &Policy, t: ExportType, e: &KeyEntry) -> Result<Zeroizing<String>, TransitError> {
    let kind = p.key_type;
    let key = e.key.as_slice();
    match (t, kind) {
        (ExportType::Hmac, KeyType::Hmac) => Ok(Zeroizing::new(b64::encode(key))),
        (ExportType::Hmac, _) => Ok(Zeroizing::new(b64::encode(e.hmac_key.as_slice()))),
        (ExportType::Public, _) => Ok(Zeroizing::new(e.public_key.clone())),
        (_, k) if k.is_aead() => Ok(Zeroizing::new(b64::encode(key))),
        (_, KeyType::Ed25519) => ed25519::export_private(key),
        (_, KeyType::EcdsaP256 | KeyType::EcdsaP384) => ecdsa::private_pem(kind, key),
        (_, k) if k.rsa_bits().is_some() => rsa_key::private_pem(key),
        _ => Err(TransitError::internal("unsupported export")),
    }
}
