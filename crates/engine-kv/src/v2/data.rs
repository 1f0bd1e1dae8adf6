//! `data/<path>`: read, write, patch and soft-delete the versions of a secret.

use std::sync::Arc;

use arca_sdk::{
    Error, FieldData, Map, Operation, Request, Response, Storage,
    field::{Field, FieldType},
    framework::Path,
};
use serde_json::{Value, json};

use super::{
    State, bare_not_found, metadata_exists,
    model::{Config, KeyMetadata, load_version, remove_version, save_version, scheduled_deletion},
    not_found_with, version_response, with_state,
};
use crate::{KvError, merge_patch::merge_patch, path_check::check_path};

/// The `data/` route. Its pattern refuses a trailing slash, as Vault's does, so
/// `data/foo/` falls through to the "invalid path" route.
pub(super) fn path(state: &Arc<State>) -> Path {
    Path::new("data/(?P<path>.*[^/])")
        .field(Field::new("path", FieldType::String, "Location of the secret."))
        .field(Field::new("version", FieldType::Int, "If provided during a read, the value at the version number will be returned"))
        .field(Field::new("options", FieldType::Map, "Options for writing a KV entry. Set the \"cas\" value to use a Check-And-Set operation."))
        .field(Field::new("data", FieldType::Map, "The contents of the data map will be stored and returned on read."))
        .on(Operation::Read, with_state(state, read))
        .on(Operation::Create, with_state(state, write))
        .on(Operation::Update, with_state(state, write))
        .on(Operation::Patch, with_state(state, patch))
        .on(Operation::Delete, with_state(state, delete))
        .exists(metadata_exists())
        .help(
            "Write, Patch, Read, and Delete data in the Key-Value Store.",
            "Each write creates a new version. A read returns the latest version unless \
\"version\" is given. A patch merges into the latest version (JSON merge patch). A delete \
marks the latest version deleted; it can be undone with undelete/.",
        )
}

async fn read(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let storage = req.storage.as_ref();
    let Some(meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    let version = match fd.get_i64("version")? {
        Some(v) if v > 0 => v.unsigned_abs(),
        _ => meta.current_version,
    };
    let Some(vm) = meta.versions.get(&version) else {
        return Ok(None);
    };
    let mut body = json!({"data": null, "metadata": meta.version_json(version, vm)});
    if vm.is_gone(state.now()) {
        return Ok(Some(not_found_with(body)));
    }
    body["data"] = Value::Object(load_version(storage, &path, version).await?);
    Ok(Some(Response::from_json(body)))
}

async fn write(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    if path.is_empty() {
        return Err(KvError::MissingPath.into());
    }
    let storage = req.storage.as_ref();
    let config = Config::load(storage).await?;
    let data = data_field(&fd)?;
    let mut meta = KeyMetadata::load(storage, &path).await?.unwrap_or_default();
    check_cas(&fd, &config, &meta)?;
    store_new_version(&state, storage, &path, &config, &mut meta, &data).await
}

async fn patch(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let patch = data_field(&fd)?;
    let storage = req.storage.as_ref();
    let Some(mut meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(Some(bare_not_found()));
    };
    let config = Config::load(storage).await?;
    check_cas(&fd, &config, &meta)?;
    let current = meta.current_version;
    let Some(vm) = meta.versions.get(&current) else {
        return Ok(Some(bare_not_found()));
    };
    if vm.is_gone(state.now()) {
        return Ok(Some(not_found_with(meta.version_json(current, vm))));
    }
    let mut merged = Value::Object(load_version(storage, &path, current).await?);
    merge_patch(&mut merged, &Value::Object(patch));
    let Value::Object(merged) = merged else {
        return Err(Error::internal(
            "merge patch of two objects gave a non-object",
        ));
    };
    store_new_version(&state, storage, &path, &config, &mut meta, &merged).await
}

async fn delete(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let storage = req.storage.as_ref();
    let Some(mut meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    let now = state.now();
    let current = meta.current_version;
    let Some(vm) = meta.versions.get_mut(&current) else {
        return Ok(None);
    };
    if vm.is_gone(now) {
        return Ok(None);
    }
    vm.deletion_time = Some(now);
    meta.save(storage, &path).await?;
    Ok(None)
}

/// Stores `data` as the next version of `path`, trims old versions and answers with
/// the new version's metadata.
async fn store_new_version(
    state: &State,
    storage: &dyn Storage,
    path: &str,
    config: &Config,
    meta: &mut KeyMetadata,
    data: &Map,
) -> Result<Option<Response>, Error> {
    let now = state.now();
    let deletion = scheduled_deletion(now, config, meta);
    save_version(storage, path, meta.current_version + 1, data).await?;
    for old in meta.add_version(now, deletion, config.max_versions) {
        remove_version(storage, path, old).await?;
    }
    meta.save(storage, path).await?;
    let current = meta.current_version;
    let vm = meta
        .versions
        .get(&current)
        .ok_or_else(|| Error::internal("new version missing from metadata"))?;
    Ok(version_response(meta.version_json(current, vm)))
}

/// The `data` object of a write or patch; Vault's "no data provided" when absent.
fn data_field(fd: &FieldData) -> Result<Map, Error> {
    match fd.raw().get("data") {
        None | Some(Value::Null) => Err(KvError::NoData.into()),
        Some(_) => fd.get_map("data")?.ok_or_else(|| KvError::NoData.into()),
    }
}

/// Enforces check-and-set: `options.cas` must equal the current version (0 = "only if
/// the secret has no version yet"); when the mount or the key requires cas, it must be
/// given.
fn check_cas(fd: &FieldData, config: &Config, meta: &KeyMetadata) -> Result<(), Error> {
    let options = fd.get_map("options")?;
    match options.as_ref().and_then(|o| o.get("cas")) {
        Some(raw) => {
            let cas = parse_cas(raw)?;
            if u64::try_from(cas).ok() != Some(meta.current_version) {
                return Err(KvError::CasMismatch.into());
            }
            Ok(())
        }
        None if config.cas_required || meta.cas_required => Err(KvError::CasRequired.into()),
        None => Ok(()),
    }
}

/// Reads `cas` with the loose conversions Vault applies (numbers, numeric strings,
/// booleans; null and "" are 0).
fn parse_cas(raw: &Value) -> Result<i64, KvError> {
    match raw {
        Value::Null => Ok(0),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 9.0e18)
                    .map(|f| f.trunc() as i64)
            })
            .ok_or(KvError::CasUnparsable),
        Value::String(s) if s.is_empty() => Ok(0),
        Value::String(s) => s.parse().map_err(|_| KvError::CasUnparsable),
        Value::Array(_) | Value::Object(_) => Err(KvError::CasUnparsable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cas_parsing_is_loose_like_vault() {
        assert_eq!(parse_cas(&json!(3)), Ok(3));
        assert_eq!(parse_cas(&json!(3.0)), Ok(3));
        assert_eq!(parse_cas(&json!("4")), Ok(4));
        assert_eq!(parse_cas(&json!("")), Ok(0));
        assert_eq!(parse_cas(&Value::Null), Ok(0));
        assert_eq!(parse_cas(&json!(true)), Ok(1));
        assert_eq!(parse_cas(&json!("x")), Err(KvError::CasUnparsable));
        assert_eq!(parse_cas(&json!([1])), Err(KvError::CasUnparsable));
    }
}
