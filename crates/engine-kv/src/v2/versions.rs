//! `delete/`, `undelete/` and `destroy/`: act on chosen versions of a secret.

use std::sync::Arc;

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::Value;

use super::{
    State,
    model::{Config, KeyMetadata, remove_version, scheduled_deletion},
    with_state,
};
use crate::{KvError, path_check::check_path};

fn versions_path(prefix: &str, synopsis: &str, description: &str) -> Path {
    Path::new(format!("{prefix}/(?P<path>.*)"))
        .field(Field::new(
            "path",
            FieldType::String,
            "Location of the secret.",
        ))
        .field(Field::new(
            "versions",
            FieldType::Raw,
            "The versions to act on (list of ints or comma-separated).",
        ))
        .help(synopsis, description)
}

/// The `delete/` route: soft-deletes versions (reversible with undelete).
pub(super) fn delete_path(state: &Arc<State>) -> Path {
    versions_path(
        "delete",
        "Marks one or more versions as deleted in the KV store.",
        "The versioned data is not removed, but marked as deleted and no longer returned \
by normal reads. This operation can be undone.",
    )
    .on(Operation::Update, with_state(state, delete))
}

/// The `undelete/` route: restores soft-deleted versions.
pub(super) fn undelete_path(state: &Arc<State>) -> Path {
    versions_path(
        "undelete",
        "Undeletes one or more versions from the KV store.",
        "Restores the data of the given versions, so reads return it again.",
    )
    .on(Operation::Update, with_state(state, undelete))
}

/// The `destroy/` route: permanently removes the data of versions.
pub(super) fn destroy_path() -> Path {
    versions_path(
        "destroy",
        "Permanently removes one or more versions in the KV store",
        "Permanently removes the data of the given versions; their metadata stays, \
marked destroyed.",
    )
    .on(Operation::Update, handler(destroy))
}

async fn delete(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let versions = parse_versions(&fd)?;
    if versions.is_empty() {
        return Err(KvError::NoVersions.into());
    }
    let storage = req.storage.as_ref();
    let Some(mut meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    let now = state.now();
    for v in versions {
        if let Some(vm) = meta.versions.get_mut(&v)
            && !vm.is_gone(now)
        {
            vm.deletion_time = Some(now);
        }
    }
    meta.save(storage, &path).await?;
    Ok(None)
}

async fn undelete(
    state: Arc<State>,
    req: Request,
    fd: FieldData,
) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let versions = parse_versions(&fd)?;
    if versions.is_empty() {
        return Err(KvError::NoVersions.into());
    }
    let storage = req.storage.as_ref();
    let config = Config::load(storage).await?;
    let Some(mut meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    // An undeleted version gets a fresh delete_version_after schedule from now.
    let rescheduled = scheduled_deletion(state.now(), &config, &meta);
    for v in versions {
        if let Some(vm) = meta.versions.get_mut(&v)
            && !vm.destroyed
        {
            vm.deletion_time = rescheduled;
        }
    }
    meta.save(storage, &path).await?;
    Ok(None)
}

async fn destroy(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let path = fd.get_str("path")?;
    check_path(&path)?;
    let versions = parse_versions(&fd)?;
    if versions.is_empty() {
        return Err(KvError::NoVersionsToDestroy.into());
    }
    let storage = req.storage.as_ref();
    let Some(mut meta) = KeyMetadata::load(storage, &path).await? else {
        return Ok(None);
    };
    for v in &versions {
        if let Some(vm) = meta.versions.get_mut(v) {
            vm.destroyed = true;
        }
    }
    meta.save(storage, &path).await?;
    for v in versions {
        remove_version(storage, &path, v).await?;
    }
    Ok(None)
}

/// Reads `versions` as Vault's comma-int-slice type does: a JSON list of numbers or
/// numeric strings, a comma-separated string, or a single number. Non-positive
/// numbers can never name a version and are dropped.
fn parse_versions(fd: &FieldData) -> Result<Vec<u64>, Error> {
    let bad = || {
        KvError::InvalidField(
            "error converting input for field \"versions\": expected a list of integers".into(),
        )
    };
    let one = |v: &Value| -> Result<i64, KvError> {
        match v {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .ok_or_else(bad),
            Value::String(s) => s.trim().parse().map_err(|_| bad()),
            _ => Err(bad()),
        }
    };
    let raw: Vec<i64> = match fd.raw().get("versions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(one).collect::<Result<_, _>>()?,
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?,
        Some(v @ Value::Number(_)) => vec![one(v)?],
        Some(_) => return Err(bad().into()),
    };
    Ok(raw
        .into_iter()
        .filter_map(|v| u64::try_from(v).ok().filter(|v| *v > 0))
        .collect())
}
