//! `sys/mounts` (list, enable, read, disable, tune) and `sys/internal/ui/mounts` (the
//! preflight `vault kv` uses to learn a mount's path and KV version).

use std::{
    collections::BTreeMap,
    sync::{Arc, Weak},
};

use arca_sdk::{
    Error, Field, FieldData, FieldType, Map, Operation, Path, Request, Response, StorageView,
    duration::parse_duration_value, storage::delete_prefix,
};
use serde_json::{Value, json};

use super::with_core;
use crate::{
    Core,
    mounts::{MountEntry, MountTable, PROTECTED_MOUNTS, normalize_mount_path},
};

/// Fields of `sys/mounts/<path>/tune` and `sys/auth/<path>/tune`: the two tune the same
/// mount settings (`token_type` only matters for auth mounts).
pub(super) fn tune_fields() -> Vec<Field> {
    vec![
        Field::new(
            "default_lease_ttl",
            FieldType::Raw,
            "Default lease TTL (seconds or duration, \"system\" resets).",
        ),
        Field::new("max_lease_ttl", FieldType::Raw, "Max lease TTL."),
        Field::new("description", FieldType::Raw, "Description."),
        Field::new("options", FieldType::KvPairs, "Backend options."),
        Field::new("listing_visibility", FieldType::String, ""),
        Field::new("force_no_cache", FieldType::Bool, ""),
        Field::new(
            "token_type",
            FieldType::Raw,
            "Token type of logins (auth mounts only).",
        ),
    ]
}

/// Fields of enabling a secrets engine (`sys/mounts/<path>`) or an auth method
/// (`sys/auth/<path>`): both create a mount-table entry.
pub(super) fn enable_fields() -> Vec<Field> {
    vec![
        Field::new(
            "type",
            FieldType::String,
            "Backend type, e.g. kv-v2 or approle.",
        ),
        Field::new("description", FieldType::String, ""),
        Field::new(
            "config",
            FieldType::Map,
            "Mount configuration (lease TTLs).",
        ),
        Field::new(
            "options",
            FieldType::KvPairs,
            "Backend options (e.g. version).",
        ),
        Field::new("local", FieldType::Bool, ""),
        Field::new("seal_wrap", FieldType::Bool, ""),
        Field::new("external_entropy_access", FieldType::Bool, ""),
        Field::new("plugin_name", FieldType::String, ""),
        Field::new("plugin_version", FieldType::String, ""),
    ]
}

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    let path_field = || Field::new("path", FieldType::String, "The mount path.");
    vec![
        Path::new("mounts")
            .on(
                Operation::Read,
                with_core(core, |_c, req, _d| list_mounts(req)),
            )
            .help("List mounted secrets engines.", ""),
        Path::new("mounts/(?P<path>.+?)/tune")
            .field(path_field())
            .fields(tune_fields())
            .on(
                Operation::Read,
                with_core(core, |_c, req, d| read_tune(req, d)),
            )
            .on(
                Operation::Update,
                with_core(core, |_c, req, d| write_tune(req, d)),
            )
            .help("Tune a mount's lease TTLs, description and options.", ""),
        Path::new("mounts/(?P<path>.+)")
            .field(path_field())
            .fields(enable_fields())
            .on(Operation::Update, with_core(core, enable_mount))
            .on(
                Operation::Read,
                with_core(core, |_c, req, d| read_mount(req, d)),
            )
            .on(Operation::Delete, with_core(core, disable_mount))
            .help("Enable, read or disable a secrets engine.", ""),
        Path::new("internal/ui/mounts")
            .on(
                Operation::Read,
                with_core(core, |_c, req, _d| ui_mounts(req)),
            )
            .help("Mounts visible to the caller (UI and CLI preflight).", ""),
        Path::new("internal/ui/mounts/(?P<path>.+)")
            .field(path_field())
            .on(
                Operation::Read,
                with_core(core, |_c, req, d| ui_mount(req, d)),
            )
            .help(
                "The mount serving a path (used by `vault kv` to learn the KV version).",
                "",
            ),
    ]
}

async fn load(req: &Request) -> Result<MountTable, Error> {
    MountTable::load(req.storage.as_ref())
        .await?
        .ok_or_else(|| Error::internal("mount table is missing"))
}

fn mounts_json(table: &MountTable) -> Map {
    table
        .entries
        .iter()
        .map(|m| (m.path.clone(), m.to_json()))
        .collect()
}

async fn list_mounts(req: Request) -> Result<Option<Response>, Error> {
    let table = load(&req).await?;
    Ok(Some(Response::with_data(mounts_json(&table))))
}

pub(super) fn ttl_from(v: &Value, field: &str) -> Result<u64, Error> {
    if let Value::String(s) = v
        && (s.is_empty() || s == "system")
    {
        return Ok(0);
    }
    parse_duration_value(v)
        .map(|d| d.as_secs())
        .map_err(|e| Error::bad_request(format!("unable to parse {field}: {e}")))
}

pub(super) fn check_ttls(default: u64, max: u64) -> Result<(), Error> {
    let effective_max = if max > 0 {
        max
    } else {
        crate::mounts::SYSTEM_MAX_TTL
    };
    if default > effective_max {
        return Err(Error::bad_request(
            "default lease TTL cannot be greater than max lease TTL",
        ));
    }
    Ok(())
}

async fn enable_mount(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let path = normalize_mount_path(&d.get_str("path")?);
    if path == "/" {
        return Err(Error::bad_request("mount path cannot be empty"));
    }
    if PROTECTED_MOUNTS.iter().any(|p| path.starts_with(p)) {
        return Err(Error::bad_request(format!("cannot mount under {:?}", path)));
    }
    let mut kind = d.get_str("type")?;
    if kind.is_empty() {
        kind = d.get_str("plugin_name")?;
    }
    let mut options: BTreeMap<String, String> = d
        .get_map("options")?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
        .collect();
    match kind.as_str() {
        "" => return Err(Error::bad_request("type must be specified")),
        "kv-v2" => {
            kind = "kv".into();
            options.insert("version".into(), "2".into());
        }
        "kv-v1" | "generic" => {
            kind = "kv".into();
            options
                .entry("version".into())
                .or_insert_with(|| "1".into());
        }
        "kv" => {
            options
                .entry("version".into())
                .or_insert_with(|| "1".into());
        }
        "system" | "cubbyhole" | "identity" | "token" => {
            return Err(Error::bad_request(format!(
                "cannot mount {kind:?} of type {kind:?}: it is a singleton"
            )));
        }
        _ => {}
    }
    let mut entry = MountEntry::new(&path, &kind, &d.get_str("description")?);
    entry.options = options;
    entry.local = d.get_bool("local")?;
    entry.seal_wrap = d.get_bool("seal_wrap")?;
    if let Some(cfg) = d.get_map("config")? {
        if let Some(v) = cfg.get("default_lease_ttl") {
            entry.config.default_lease_ttl = ttl_from(v, "default_lease_ttl")?;
        }
        if let Some(v) = cfg.get("max_lease_ttl") {
            entry.config.max_lease_ttl = ttl_from(v, "max_lease_ttl")?;
        }
        if let Some(Value::Bool(b)) = cfg.get("force_no_cache") {
            entry.config.force_no_cache = *b;
        }
        check_ttls(entry.config.default_lease_ttl, entry.config.max_lease_ttl)?;
    }
    let mut table = load(&req).await?;
    table.add(entry.clone())?;
    // Build the backend now so bad options fail the request instead of the mount.
    let factory = core
        .factories
        .get(&kind)
        .ok_or_else(|| Error::bad_request(format!("plugin not found in the catalog: {kind}")))?;
    let backend = factory
        .create(arca_sdk::framework::BackendConfig {
            mount_point: entry.path.clone(),
            options: entry.options.clone(),
            storage: Arc::new(StorageView::new(
                req.storage.clone(),
                entry.storage_prefix(),
            )),
        })
        .await?;
    if backend.kind == arca_sdk::BackendType::Credential {
        return Err(Error::bad_request(format!(
            "cannot mount {kind:?} as a secrets engine: it is an auth method"
        )));
    }
    table.save(req.storage.as_ref()).await?;
    tracing::info!(path = %entry.path, kind = %entry.kind, "mount enabled");
    Ok(None)
}

async fn read_mount(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let table = load(&req).await?;
    Ok(table
        .get(&d.get_str("path")?)
        .map(|m| Response::from_json(m.to_json())))
}

async fn disable_mount(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let path = normalize_mount_path(&d.get_str("path")?);
    if PROTECTED_MOUNTS.contains(&path.as_str()) {
        return Err(Error::bad_request(format!("cannot unmount {:?}", path)));
    }
    let mut table = load(&req).await?;
    let Some(entry) = table.remove(&path) else {
        // Vault treats disabling a path with no mount as done.
        return Ok(None);
    };
    // As in Vault, the mount's leases are revoked first (through its backend).
    core.revoke_prefix(req.storage.clone(), &entry.path, false, true)
        .await?;
    delete_prefix(req.storage.as_ref(), &entry.storage_prefix()).await?;
    table.save(req.storage.as_ref()).await?;
    tracing::info!(path = %entry.path, "mount disabled");
    Ok(None)
}

async fn read_tune(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = d.get_str("path")?;
    if let Some(auth_path) = path.trim_start_matches('/').strip_prefix("auth/") {
        return super::auth::read_tune(req, auth_path).await;
    }
    let table = load(&req).await?;
    let m = table.get(&path).ok_or_else(|| {
        Error::bad_request(format!(
            "cannot fetch sysview for path {:?}",
            normalize_mount_path(&path)
        ))
    })?;
    Ok(Some(Response::from_json(json!({
        "default_lease_ttl": m.effective_default_ttl(),
        "max_lease_ttl": m.effective_max_ttl(),
        "force_no_cache": m.config.force_no_cache,
        "description": m.description,
        "options": m.options,
        "listing_visibility": m.config.listing_visibility,
    }))))
}

async fn write_tune(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = d.get_str("path")?;
    if let Some(auth_path) = path.trim_start_matches('/').strip_prefix("auth/") {
        return super::auth::write_tune(req, &d, auth_path).await;
    }
    if d.is_set("token_type") {
        return Err(Error::bad_request(
            "'token_type' can only be modified on auth mounts",
        ));
    }
    let mut table = load(&req).await?;
    let m = table.get_mut(&path).ok_or_else(|| {
        Error::bad_request(format!(
            "cannot tune {:?}: no mount at this path",
            normalize_mount_path(&path)
        ))
    })?;
    let mut cfg = m.config.clone();
    if let Some(v) = d.get("default_lease_ttl")? {
        cfg.default_lease_ttl = ttl_from(&v, "default_lease_ttl")?;
    }
    if let Some(v) = d.get("max_lease_ttl")? {
        cfg.max_lease_ttl = ttl_from(&v, "max_lease_ttl")?;
    }
    check_ttls(cfg.default_lease_ttl, cfg.max_lease_ttl)?;
    if d.is_set("listing_visibility") {
        cfg.listing_visibility = d.get_str("listing_visibility")?;
    }
    if d.is_set("force_no_cache") {
        cfg.force_no_cache = d.get_bool("force_no_cache")?;
    }
    m.config = cfg;
    if let Some(Value::String(desc)) = d.get("description")? {
        m.description = desc;
    }
    if let Some(opts) = d.get_map("options")? {
        for (k, v) in opts {
            let v = v.as_str().unwrap_or_default().to_string();
            if k == "version" && m.kind == "kv" && m.options.get("version") != Some(&v) {
                return Err(Error::bad_request(
                    "changing the KV version of an existing mount is not supported yet",
                ));
            }
            m.options.insert(k, v);
        }
    }
    table.save(req.storage.as_ref()).await?;
    Ok(None)
}

async fn ui_mounts(req: Request) -> Result<Option<Response>, Error> {
    let table = load(&req).await?;
    Ok(Some(Response::from_json(json!({
        "secret": mounts_json(&table),
        "auth": super::auth::auth_json(
            &crate::auth_mounts::load_auth_table(req.storage.as_ref()).await?
        ),
    }))))
}

async fn ui_mount(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let table = load(&req).await?;
    let path = d.get_str("path")?;
    let m = table.find(&path).ok_or_else(|| {
        Error::bad_request(format!("preflight capability check returned 403, please ensure client's policies grant access to path {:?}", normalize_mount_path(&path)))
    })?;
    let mut v = m.to_json();
    if let Value::Object(o) = &mut v {
        o.insert("path".into(), Value::String(m.path.clone()));
    }
    Ok(Some(Response::from_json(v)))
}
