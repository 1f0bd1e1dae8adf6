//! `sys/audit` (list), `sys/audit/:path` (enable, disable) and `sys/audit-hash/:path`,
//! with Vault's shapes. Enabling opens the device's destination first (Vault's sanity
//! check), so a device that cannot write is refused instead of failing every request.

use std::{
    collections::BTreeMap,
    sync::{Arc, Weak},
};

use arca_audit::Salt;
use arca_sdk::{Error, Field, FieldData, FieldType, Map, Operation, Path, Request, Response};
use serde_json::{Value, json};

use super::with_core;
use crate::{
    Core,
    audit::table::{AuditEntry, AuditTable, normalize_path, salt_key, save_salt},
};

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    let path_field = || Field::new("path", FieldType::String, "The path of the audit device.");
    vec![
        Path::new("audit")
            .on(Operation::Read, with_core(core, |_c, req, _d| list(req)))
            .help("List the enabled audit devices.", ""),
        Path::new("audit/(?P<path>.+)")
            .field(path_field())
            .field(Field::new("type", FieldType::String, "The type of the audit device (file)."))
            .field(Field::new("description", FieldType::String, "A description of the device."))
            .field(Field::new("options", FieldType::KvPairs, "Options of the device (file_path, log_raw, hmac_accessor, mode, format, prefix, elide_list_responses)."))
            .field(Field::new("local", FieldType::Bool, "Not replicated to performance secondaries."))
            .on(Operation::Update, with_core(core, |_c, req, d| enable(req, d)))
            .on(Operation::Delete, with_core(core, |_c, req, d| disable(req, d)))
            .help("Enable or disable an audit device.", ""),
        Path::new("audit-hash/(?P<path>.+)")
            .field(path_field())
            .field(Field::new("input", FieldType::String, "The value to hash."))
            .on(Operation::Update, with_core(core, hash))
            .help(
                "Hash a value with an audit device's salt, to find it in the audit log.",
                "",
            ),
    ]
}

async fn list(req: Request) -> Result<Option<Response>, Error> {
    let table = AuditTable::load(req.storage.as_ref()).await?;
    let data: Map = table
        .entries
        .iter()
        .map(|e| (e.path.clone(), e.to_json()))
        .collect();
    Ok(Some(Response::with_data(data)))
}

async fn enable(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = normalize_path(&d.get_str("path")?);
    if path == "/" {
        return Err(Error::bad_request("audit device path cannot be empty"));
    }
    let kind = d.get_str("type")?;
    if kind.is_empty() {
        return Err(Error::bad_request("type is required"));
    }
    let options: BTreeMap<String, String> = d
        .get_map("options")?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            _ => None,
        })
        .collect();
    let storage = req.storage.as_ref();
    let mut table = AuditTable::load(storage).await?;
    if table
        .entries
        .iter()
        .any(|e| e.path.starts_with(&path) || path.starts_with(&e.path))
    {
        return Err(Error::bad_request("path already in use"));
    }
    let salt = Salt::generate();
    // Opens the destination now: a bad path or option is the caller's error.
    arca_audit::create(&kind, &options, salt.clone())
        .map_err(|e| Error::bad_request(e.to_string()))?;
    let uuid = uuid::Uuid::new_v4().to_string();
    save_salt(storage, &uuid, &salt).await?;
    table.entries.push(AuditEntry {
        path,
        kind,
        description: d.get_str("description")?,
        options,
        local: d.get_bool("local")?,
        uuid,
    });
    table.entries.sort_by(|a, b| a.path.cmp(&b.path));
    table.save(storage).await?;
    Ok(None)
}

async fn disable(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = normalize_path(&d.get_str("path")?);
    let storage = req.storage.as_ref();
    let mut table = AuditTable::load(storage).await?;
    let Some(i) = table.entries.iter().position(|e| e.path == path) else {
        // As Vault: disabling a device that is not enabled succeeds.
        return Ok(None);
    };
    let removed = table.entries.remove(i);
    storage.delete(&salt_key(&removed.uuid)).await?;
    table.save(storage).await?;
    Ok(None)
}

async fn hash(core: Arc<Core>, _req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = normalize_path(&d.get_str("path")?);
    let hash = core.audit_hash(&path, &d.get_str("input")?).await?;
    Ok(Some(Response::from_json(json!({ "hash": hash }))))
}
