//! `backup/:name` and `restore[/:name]`: a whole key, versions included, as one
//! base64 blob (for keys with `exportable` and `allow_plaintext_backup`).
//!
//! The blob is Arca's own format (the policy JSON); it does not restore into Vault.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::{NAME, name_field, now, opt_str};
use crate::{
    b64,
    error::TransitError,
    policy::{OperationInfo, Policy},
};

/// `backup/:name`.
pub fn backup_path() -> Path {
    Path::new(format!("backup/(?P<name>{NAME})"))
        .field(name_field())
        .on(Operation::Read, handler(backup))
        .help(
            "Backup the named key",
            "This path is used to backup the named key, with all its versions.",
        )
}

/// `restore[/:name]`.
pub fn restore_path() -> Path {
    Path::new(format!("restore(?:/(?P<name>{NAME}))?"))
        .field(name_field())
        .field(Field::new(
            "backup",
            FieldType::String,
            "Backed up key data to be restored.",
        ))
        .field(Field::new(
            "force",
            FieldType::Bool,
            "Overwrite an existing key of the same name.",
        ))
        .on(Operation::Update, handler(restore))
        .help(
            "Restore the named key",
            "This path is used to restore the named key from a backup.",
        )
}

#[derive(Serialize, Deserialize)]
struct KeyData {
    policy: Policy,
}

async fn backup(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let Some(mut p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Err(TransitError::invalid(format!("key {name:?} not found")).into());
    };
    if !p.exportable {
        return Err(TransitError::invalid("exporting is disallowed on the policy").into());
    }
    if !p.allow_plaintext_backup {
        return Err(TransitError::invalid("plaintext backup is disallowed on the policy").into());
    }
    p.backup_info = Some(OperationInfo {
        time: now().format(&Rfc3339).map_err(Error::internal)?,
        version: p.latest_version,
    });
    p.save(req.storage.as_ref()).await?;
    let blob = arca_crypto::Zeroizing::new(serde_json::to_vec(&KeyData { policy: p })?);
    Ok(Some(Response::from_json(
        json!({"backup": b64::encode(&blob)}),
    )))
}

async fn restore(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let Some(blob) = opt_str(&d, "backup")?.filter(|b| !b.is_empty()) else {
        return Err(TransitError::invalid("'backup' must be supplied").into());
    };
    let raw = b64::decode(&blob).map_err(TransitError::Invalid)?;
    let KeyData { mut policy } = serde_json::from_slice(&raw)
        .map_err(|_| TransitError::invalid("failed to restore the key: invalid backup"))?;
    let name = opt_str(&d, "name")?
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| policy.name.clone());
    if name.contains('/') || name.is_empty() {
        return Err(TransitError::invalid("invalid key name").into());
    }
    if !d.get_bool("force")? && Policy::load(req.storage.as_ref(), &name).await?.is_some() {
        return Err(TransitError::invalid(format!("key {name:?} already exists")).into());
    }
    policy.name = name;
    policy.restore_info = Some(OperationInfo {
        time: now().format(&Rfc3339).map_err(Error::internal)?,
        version: policy.latest_version,
    });
    policy.save(req.storage.as_ref()).await?;
    Ok(None)
}
