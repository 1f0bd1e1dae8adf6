//! `keys` (LIST) and `keys/:name` (create, read, delete).

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::json;

use super::{NAME, decode_opt, name_field, now};
use crate::{
    error::TransitError,
    keytype::KeyType,
    policy::{CreateOptions, POLICY_PREFIX, Policy},
};

/// `keys/`: the names of all keys.
pub fn list_path() -> Path {
    Path::new("keys/?")
        .on(Operation::List, handler(list))
        .help("Managed named encryption keys", "Lists the named keys.")
}

/// `keys/:name`.
pub fn path() -> Path {
    Path::new(format!("keys/(?P<name>{NAME})"))
        .field(name_field())
        .field(
            Field::new("type", FieldType::String, "The type of key to create.")
                .default(json!("aes256-gcm96")),
        )
        .field(Field::new("derived", FieldType::Bool, "Enables key derivation mode."))
        .field(Field::new(
            "convergent_encryption",
            FieldType::Bool,
            "Whether to support convergent encryption (requires derived).",
        ))
        .field(Field::new("exportable", FieldType::Bool, "Enables keys to be exportable."))
        .field(Field::new(
            "allow_plaintext_backup",
            FieldType::Bool,
            "Enables taking a backup of the named key in plaintext format.",
        ))
        .field(Field::new(
            "context",
            FieldType::String,
            "Base64 context: the public key of a derived ed25519 key for this context.",
        ))
        .field(
            Field::new(
                "auto_rotate_period",
                FieldType::DurationSecond,
                "Amount of time the key should live before being automatically rotated.",
            )
            .default(json!(0)),
        )
        .field(
            Field::new("key_size", FieldType::Int, "The key size in bytes (HMAC keys only).")
                .default(json!(0)),
        )
        .on(Operation::Update, handler(create))
        .on(Operation::Read, handler(read))
        .on(Operation::Delete, handler(delete))
        .help(
            "Managed named encryption keys",
            "This path is used to manage the named keys that are available. Doing a write with no value against a new named key will create it using a randomly generated key.",
        )
}

async fn list(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let names: Vec<String> = req
        .storage
        .list(POLICY_PREFIX)
        .await?
        .into_iter()
        .filter(|n| !n.ends_with('/'))
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response::list(names)))
}

async fn create(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let type_name = d.get_str("type")?;
    let kind = KeyType::parse(&type_name)
        .ok_or_else(|| TransitError::invalid(format!("unknown key type {type_name}")))?;
    let key_size = d.get_i64("key_size")?.unwrap_or(0);
    let opts = CreateOptions {
        derived: d.get_bool("derived")?,
        convergent: d.get_bool("convergent_encryption")?,
        exportable: d.get_bool("exportable")?,
        allow_plaintext_backup: d.get_bool("allow_plaintext_backup")?,
        auto_rotate_period: d
            .get_duration("auto_rotate_period")?
            .map_or(0, |x| x.as_secs()),
        key_size: usize::try_from(key_size)
            .map_err(|_| TransitError::invalid(format!("invalid key_size {key_size}")))?,
    };
    if let Some(existing) = Policy::load(req.storage.as_ref(), &name).await? {
        let resp = Response::with_data(existing.info(None)?);
        return Ok(Some(resp.warn(format!("key {name} already existed"))));
    }
    let p = Policy::create(&name, kind, &opts, now())?;
    p.save(req.storage.as_ref()).await?;
    Ok(Some(Response::with_data(p.info(None)?)))
}

async fn read(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let Some(p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Ok(None);
    };
    let context = super::opt_str(&d, "context")?;
    let context = decode_opt(context.as_deref())
        .map_err(|_| TransitError::invalid("failed to base64-decode context"))?;
    Ok(Some(Response::with_data(p.info(Some(&context))?)))
}

async fn delete(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let fail = |why: &str| -> Error {
        TransitError::invalid(format!("error deleting policy {name}: {why}")).into()
    };
    let Some(p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Err(fail("could not delete key; not found"));
    };
    if !p.deletion_allowed {
        return Err(fail("deletion is not allowed for this key"));
    }
    req.storage.delete(&Policy::storage_key(&name)).await?;
    Ok(None)
}
