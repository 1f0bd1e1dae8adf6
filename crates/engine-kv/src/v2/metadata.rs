//! `metadata/<path>`: per-secret settings and version history; LIST of secrets.

use std::{collections::BTreeMap, sync::Arc};

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::Path,
};
use serde_json::{Map, Value, json};

use super::{
    State, bare_not_found, metadata_exists,
    model::{Config, KeyMetadata, metadata_list_prefix, remove_version},
    with_state,
};
use crate::{
    KvError,
    path_check::{check_path, list_prefix},
    timefmt::{go_duration_signed, rfc3339_opt},
};

const CAS_IGNORED_WARNING: &str =
    "\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.";

/// The `metadata/` route (also the LIST route of a kv v2 mount).
pub(super) fn path(state: &Arc<State>) -> Path {
    Path::new("metadata/(?P<path>.*)")
        .field(Field::new("path", FieldType::String, "Location of the secret."))
        .field(
            Field::new("exclude_deleted", FieldType::Bool, "LIST only: leave out secrets whose latest version is deleted.")
                .default(json!(false)),
        )
        .field(Field::new("cas_required", FieldType::Bool, "If true the key will require the cas parameter to be set on all write requests."))
        .field(Field::new("max_versions", FieldType::Int, "The number of versions to keep. If not set, the backend's configured max version is used."))
        .field(Field::new("delete_version_after", FieldType::DurationSecond, "The length of time before a version is deleted. A zero duration clears the setting."))
        .field(Field::new("custom_metadata", FieldType::Raw, "User-provided key-value pairs that describe the secret."))
        .on(Operation::Read, with_state(state, read))
        .on(Operation::Create, with_state(state, write))
        .on(Operation::Update, with_state(state, write))
        .on(Operation::Patch, with_state(state, patch))
        .on(Operation::Delete, with_state(state, delete))
        .on(Operation::List, with_state(state, list))
        .exists(metadata_exists())
        .help(
            "Allows interaction with key metadata and settings in the KV store.",
            "Read the versions and settings of a secret, write its settings, permanently \
delete a secret and all its versions, or LIST the secrets under a folder.",
        )
}

async fn read(_: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let Some(meta) = KeyMetadata::load(req.storage.as_ref(), &path).await? else {
        return Ok(None);
    };
    let versions: Map<String, Value> = meta
        .versions
        .iter()
        .map(|(n, vm)| {
            (
                n.to_string(),
                json!({
                    "created_time": rfc3339_opt(Some(vm.created_time)),
                    "deletion_time": rfc3339_opt(vm.deletion_time),
                    "destroyed": vm.destroyed,
                }),
            )
        })
        .collect();
    let dva = i64::try_from(meta.delete_version_after).unwrap_or(i64::MAX);
    Ok(Some(Response::from_json(json!({
        "versions": versions,
        "current_version": meta.current_version,
        "oldest_version": meta.oldest_version,
        "created_time": rfc3339_opt(meta.created_time),
        "updated_time": rfc3339_opt(meta.updated_time),
        "max_versions": meta.max_versions,
        "cas_required": meta.cas_required,
        "delete_version_after": go_duration_signed(dva),
        "custom_metadata": meta.custom_metadata,
    }))))
}

async fn write(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    if path.is_empty() {
        return Err(KvError::MissingPath.into());
    }
    let settings = [
        "max_versions",
        "cas_required",
        "delete_version_after",
        "custom_metadata",
    ];
    if !settings.iter().any(|f| fd.is_set(f)) {
        return Ok(None);
    }
    let storage = req.storage.as_ref();
    let config = Config::load(storage).await?;
    let custom = match fd.raw().get("custom_metadata") {
        Some(raw) => Some(parse_custom_metadata(raw, false)?),
        None => None,
    };
    if let Some(c) = &custom {
        validate_custom_metadata(c)?;
    }
    let warning = cas_warning(&fd, &config)?;
    let mut meta = match KeyMetadata::load(storage, &path).await? {
        Some(m) => m,
        None => {
            let now = state.now();
            KeyMetadata {
                created_time: Some(now),
                updated_time: Some(now),
                ..KeyMetadata::default()
            }
        }
    };
    apply_scalar_settings(&fd, &mut meta)?;
    if let Some(c) = custom {
        meta.custom_metadata = Some(c).filter(|c| !c.is_empty());
    }
    meta.save(storage, &path).await?;
    Ok(warning.map(|w| Response::default().warn(w)))
}

async fn patch(_: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    if path.is_empty() {
        return Err(KvError::MissingPath.into());
    }
    let custom_patch = fd.raw().get("custom_metadata").cloned();
    if let Some(raw) = custom_patch.as_ref().filter(|v| !v.is_null()) {
        validate_custom_metadata(&parse_custom_metadata(raw, true)?)?;
    }
    let storage = req.storage.as_ref();
    let config = Config::load(storage).await?;
    let Some(mut meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(Some(bare_not_found()));
    };
    let warning = cas_warning(&fd, &config)?;
    apply_scalar_settings(&fd, &mut meta)?;
    match custom_patch {
        None => {}
        Some(Value::Null) => meta.custom_metadata = None,
        Some(Value::Object(changes)) => {
            let mut merged = meta.custom_metadata.take().unwrap_or_default();
            for (k, v) in changes {
                match v {
                    Value::Null => {
                        merged.remove(&k);
                    }
                    other => {
                        merged.insert(k, weak_string(&other).unwrap_or_default());
                    }
                }
            }
            meta.custom_metadata = Some(merged).filter(|m| !m.is_empty());
        }
        // parse_custom_metadata above already refused anything else.
        Some(_) => return Err(Error::internal("custom_metadata is not an object")),
    }
    meta.save(storage, &path).await?;
    Ok(warning.map(|w| Response::default().warn(w)))
}

async fn delete(_: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let storage = req.storage.as_ref();
    let Some(meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    for version in meta.versions.keys() {
        remove_version(storage, &path, *version).await?;
    }
    KeyMetadata::remove(storage, &path).await?;
    Ok(None)
}

async fn list(_: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let prefix = list_prefix(&path);
    let storage = req.storage.as_ref();
    let mut keys = storage.list(&metadata_list_prefix(&prefix)).await?;
    if fd.get_bool("exclude_deleted")? {
        let mut kept = Vec::with_capacity(keys.len());
        for key in keys {
            if !key.ends_with('/') {
                let full = format!("{prefix}{key}");
                if let Some(meta) = KeyMetadata::load(storage, &full).await? {
                    // As Vault: any deletion time on the latest version, even a
                    // scheduled one, counts as deleted for this filter.
                    let deleted = meta
                        .versions
                        .get(&meta.current_version)
                        .is_some_and(|vm| vm.deletion_time.is_some());
                    if deleted {
                        continue;
                    }
                }
            }
            kept.push(key);
        }
        keys = kept;
    }
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response::list(keys)))
}

/// Applies `max_versions`, `cas_required` and `delete_version_after` when sent.
fn apply_scalar_settings(fd: &FieldData, meta: &mut KeyMetadata) -> Result<(), Error> {
    if fd.is_set("max_versions") {
        let n = fd.get_i64("max_versions")?.unwrap_or(0);
        meta.max_versions = u32::try_from(n).map_err(|_| {
            KvError::InvalidField("max_versions must be between 0 and 4294967295".into())
        })?;
    }
    if fd.is_set("cas_required") {
        meta.cas_required = fd.get_bool("cas_required")?;
    }
    if fd.is_set("delete_version_after") {
        meta.delete_version_after = fd
            .get_duration("delete_version_after")?
            .map_or(0, |d| d.as_secs());
    }
    Ok(())
}

/// Vault warns (and keeps the key's setting) when a key asks for `cas_required=false`
/// on a mount that requires cas.
fn cas_warning(fd: &FieldData, config: &Config) -> Result<Option<&'static str>, Error> {
    let turned_off = fd.is_set("cas_required") && !fd.get_bool("cas_required")?;
    Ok((turned_off && config.cas_required).then_some(CAS_IGNORED_WARNING))
}

const CM_PREFIX: &str = "custom_metadata validation failed";
const CM_MAX_KEYS: usize = 64;
const CM_MAX_KEY_LEN: usize = 128;
const CM_MAX_VALUE_LEN: usize = 512;

/// Converts `custom_metadata` to string pairs the way Vault's weak decoding does
/// (numbers and booleans become strings). For PATCH, `null` values mean "remove" and
/// are skipped here.
fn parse_custom_metadata(raw: &Value, skip_nulls: bool) -> Result<BTreeMap<String, String>, Error> {
    let obj = match raw {
        Value::Object(m) => m,
        Value::Null => return Ok(BTreeMap::new()),
        other => {
            return Err(KvError::CustomMetadata(format!(
                "error converting input for field \"custom_metadata\": expected a map, got {}",
                json_kind(other)
            ))
            .into());
        }
    };
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        if skip_nulls && v.is_null() {
            continue;
        }
        let s = weak_string(v).ok_or_else(|| {
            KvError::CustomMetadata(format!(
                "{CM_PREFIX}: '' expected type 'string', got unconvertible type '{}'",
                json_kind(v)
            ))
        })?;
        out.insert(k.clone(), s);
    }
    Ok(out)
}

/// A scalar as the string Vault would store for it.
fn weak_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Null => Some(String::new()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
        Value::String(_) => "string",
        Value::Number(_) => "float64",
        Value::Bool(_) => "bool",
        Value::Null => "nil",
    }
}

/// Vault's limits on `custom_metadata`, with its messages in its multi-error layout.
fn validate_custom_metadata(cm: &BTreeMap<String, String>) -> Result<(), Error> {
    if cm.len() > CM_MAX_KEYS {
        return Err(KvError::CustomMetadata(multierror(&[format!(
            "{CM_PREFIX}: payload must contain at most {CM_MAX_KEYS} keys, provided {}",
            cm.len()
        )]))
        .into());
    }
    let mut errs = Vec::new();
    for (k, v) in cm {
        if k.is_empty() || k.len() > CM_MAX_KEY_LEN {
            errs.push(format!(
                "{CM_PREFIX}: length of key {k:?} is {} but must be 0 < len(key) <= {CM_MAX_KEY_LEN}",
                k.len()
            ));
        }
        if v.is_empty() || v.len() > CM_MAX_VALUE_LEN {
            errs.push(format!(
                "{CM_PREFIX}: length of value for key {k:?} is {} but must be 0 < len(value) <= {CM_MAX_VALUE_LEN}",
                v.len()
            ));
        }
        if !printable(k) {
            errs.push(format!(
                "{CM_PREFIX}: key {k:?} ({k}) contains unprintable characters"
            ));
        }
        if !printable(v) {
            errs.push(format!(
                "{CM_PREFIX}: value for key {k:?} contains unprintable characters"
            ));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(KvError::CustomMetadata(multierror(&errs)).into())
    }
}

/// Go's `unicode.IsPrint` as near as std allows: no control characters and no
/// whitespace other than the ASCII space.
fn printable(s: &str) -> bool {
    s.chars()
        .all(|c| !c.is_control() && (c == ' ' || !c.is_whitespace()))
}

/// The text of hashicorp/go-multierror, which Vault returns for custom_metadata.
fn multierror(errs: &[String]) -> String {
    let head = if errs.len() == 1 {
        "1 error occurred:".to_string()
    } else {
        format!("{} errors occurred:", errs.len())
    };
    let mut out = head;
    for e in errs {
        out.push_str("\n\t* ");
        out.push_str(e);
    }
    out.push_str("\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_metadata_conversions() {
        let m =
            parse_custom_metadata(&json!({"a": "x", "b": 2, "c": true, "d": null}), true).unwrap();
        assert_eq!(m.get("a").map(String::as_str), Some("x"));
        assert_eq!(m.get("b").map(String::as_str), Some("2"));
        assert_eq!(m.get("c").map(String::as_str), Some("1"));
        assert!(!m.contains_key("d"));
        assert!(parse_custom_metadata(&json!({"a": [1]}), false).is_err());
        assert!(parse_custom_metadata(&json!("nope"), false).is_err());
    }

    #[test]
    fn custom_metadata_limits() {
        let ok: BTreeMap<String, String> = [("k".to_string(), "v".to_string())].into();
        assert!(validate_custom_metadata(&ok).is_ok());
        let empty_value: BTreeMap<String, String> = [("k".to_string(), String::new())].into();
        let err = validate_custom_metadata(&empty_value).unwrap_err();
        assert_eq!(
            err,
            Error::BadRequest(
                "1 error occurred:\n\t* custom_metadata validation failed: length of value for key \"k\" is 0 but must be 0 < len(value) <= 512\n\n"
                    .into()
            )
        );
        let too_many: BTreeMap<String, String> = (0..65)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let err = validate_custom_metadata(&too_many).unwrap_err();
        assert!(err.to_string().contains("at most 64 keys, provided 65"));
        let long_key: BTreeMap<String, String> = [("k".repeat(129), "v".to_string())].into();
        assert!(validate_custom_metadata(&long_key).is_err());
        let unprintable: BTreeMap<String, String> = [("k".to_string(), "a\nb".to_string())].into();
        assert!(
            validate_custom_metadata(&unprintable)
                .unwrap_err()
                .to_string()
                .contains("unprintable")
        );
    }
}
