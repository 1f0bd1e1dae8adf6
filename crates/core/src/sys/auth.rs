//! `sys/auth` (list, enable, read, disable) and `sys/auth/<path>/tune`: the auth method
//! table. `sys/mounts/auth/<path>/tune` (what `vault auth tune` calls) lands here too.

use std::{
    collections::BTreeMap,
    sync::{Arc, Weak},
};

use arca_sdk::{
    BackendType, Error, Field, FieldData, FieldType, Map, Operation, Path, Request, Response,
    StorageView, framework::BackendConfig, storage::delete_prefix,
};
use serde_json::{Value, json};

use super::{
    mounts::{check_ttls, ttl_from},
    with_core,
};
use crate::{
    Core,
    auth_mounts::{
        TOKEN_MOUNT, TOKEN_TYPE, auth_entry_json, auth_storage_prefix, load_auth_table,
        new_auth_entry, save_auth_table, shown_token_type,
    },
    mounts::{MountTable, normalize_mount_path},
    token::TokenStore,
};

pub(super) fn paths(core: &Weak<Core>) -> Vec<Path> {
    let path_field = || Field::new("path", FieldType::String, "The auth mount path.");
    vec![
        Path::new("auth")
            .on(Operation::Read, with_core(core, |_c, req, _d| list(req)))
            .help("List the currently enabled credential backends.", ""),
        Path::new("auth/(?P<path>.+?)/tune")
            .field(path_field())
            .fields(super::mounts::tune_fields())
            .on(
                Operation::Read,
                with_core(core, |_c, req, d| async move {
                    read_tune(req, &d.get_str("path")?).await
                }),
            )
            .on(
                Operation::Update,
                with_core(core, |_c, req, d| async move {
                    let path = d.get_str("path")?;
                    write_tune(req, &d, &path).await
                }),
            )
            .help(
                "Tune an auth method's lease TTLs, description and token type.",
                "",
            ),
        Path::new("auth/(?P<path>.+)")
            .field(path_field())
            .fields(super::mounts::enable_fields())
            .on(Operation::Update, with_core(core, enable))
            .on(Operation::Read, with_core(core, |_c, req, d| read(req, d)))
            .on(
                Operation::Delete,
                with_core(core, |_c, req, d| disable(req, d)),
            )
            .help("Enable, read or disable an auth method.", ""),
    ]
}

/// The auth table as `sys/auth` and `sys/internal/ui/mounts` show it.
pub(super) fn auth_json(table: &MountTable) -> Map {
    table
        .entries
        .iter()
        .map(|m| (m.path.clone(), auth_entry_json(m)))
        .collect()
}

async fn list(req: Request) -> Result<Option<Response>, Error> {
    let table = load_auth_table(req.storage.as_ref()).await?;
    Ok(Some(Response::with_data(auth_json(&table))))
}

async fn read(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let table = load_auth_table(req.storage.as_ref()).await?;
    Ok(table
        .get(&d.get_str("path")?)
        .map(|m| Response::from_json(auth_entry_json(m))))
}

/// Vault's token types for auth mounts, as stored (`default-service` is the default).
fn token_type_value(v: &Value) -> Result<String, Error> {
    match v.as_str().unwrap_or_default() {
        "" | "default-service" => Ok(String::new()),
        t @ ("default-batch" | "service" | "batch") => Ok(t.to_string()),
        _ => Err(Error::bad_request("invalid value for 'token_type'")),
    }
}

async fn enable(core: Arc<Core>, req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = normalize_mount_path(&d.get_str("path")?);
    if path == "/" {
        return Err(Error::bad_request("auth path cannot be empty"));
    }
    let mut kind = d.get_str("type")?;
    if kind.is_empty() {
        kind = d.get_str("plugin_name")?;
    }
    if kind.is_empty() {
        return Err(Error::bad_request("type must be specified"));
    }
    if kind == TOKEN_TYPE {
        return Err(Error::bad_request(
            "token credential backend cannot be instantiated",
        ));
    }
    let mut entry = new_auth_entry(&path, &kind, &d.get_str("description")?);
    entry.options = d
        .get_map("options")?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
        .collect::<BTreeMap<_, _>>();
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
        if let Some(Value::String(s)) = cfg.get("listing_visibility") {
            entry.config.listing_visibility = s.clone();
        }
        if let Some(v) = cfg.get("token_type") {
            entry.config.token_type = token_type_value(v)?;
        }
        check_ttls(entry.config.default_lease_ttl, entry.config.max_lease_ttl)?;
    }
    let storage = req.storage.as_ref();
    let mut table = load_auth_table(storage).await?;
    if let Some(existing) = table
        .entries
        .iter()
        .find(|m| path.starts_with(&m.path) || m.path.starts_with(&path))
    {
        return Err(Error::bad_request(format!(
            "path is already in use at auth/{}",
            existing.path
        )));
    }
    table.add(entry.clone())?;
    // Build the backend now so a bad type or options fail the request, not the mount.
    let factory = core
        .factories
        .get(&kind)
        .ok_or_else(|| Error::bad_request(format!("plugin not found in the catalog: {kind}")))?;
    let backend = factory
        .create(BackendConfig {
            mount_point: format!("auth/{path}"),
            options: entry.options.clone(),
            storage: Arc::new(StorageView::new(
                req.storage.clone(),
                auth_storage_prefix(&entry),
            )),
        })
        .await?;
    if backend.kind != BackendType::Credential {
        return Err(Error::bad_request(format!(
            "cannot enable {kind:?} as an auth method: it is a secrets engine"
        )));
    }
    save_auth_table(storage, &table).await?;
    tracing::info!(path = %entry.path, kind = %entry.kind, "auth method enabled");
    Ok(None)
}

async fn disable(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let path = normalize_mount_path(&d.get_str("path")?);
    if path == TOKEN_MOUNT {
        return Err(Error::bad_request(
            "token credential backend cannot be disabled",
        ));
    }
    let storage = req.storage.as_ref();
    let mut table = load_auth_table(storage).await?;
    let Some(entry) = table.remove(&path) else {
        // As Vault: disabling a path with no auth method is done.
        return Ok(None);
    };
    let login_prefix = format!("auth/{}", entry.path);
    let revoked = TokenStore::revoke_where(storage, |t| {
        t.mount_accessor == entry.accessor || t.path.starts_with(&login_prefix)
    })
    .await?;
    delete_prefix(storage, &auth_storage_prefix(&entry)).await?;
    save_auth_table(storage, &table).await?;
    tracing::info!(path = %entry.path, revoked, "auth method disabled");
    Ok(None)
}

/// `GET sys/auth/<path>/tune` (also `sys/mounts/auth/<path>/tune`).
pub(super) async fn read_tune(req: Request, path: &str) -> Result<Option<Response>, Error> {
    let table = load_auth_table(req.storage.as_ref()).await?;
    let m = table.get(path).ok_or_else(|| {
        Error::bad_request(format!(
            "cannot fetch sysview for path \"auth/{}\"",
            normalize_mount_path(path)
        ))
    })?;
    let mut data = json!({
        "description": m.description,
        "default_lease_ttl": m.effective_default_ttl(),
        "max_lease_ttl": m.effective_max_ttl(),
        "force_no_cache": m.config.force_no_cache,
        "token_type": shown_token_type(m),
    });
    if let Some(obj) = data.as_object_mut() {
        if !m.options.is_empty() {
            obj.insert("options".into(), json!(m.options));
        }
        if !m.config.listing_visibility.is_empty() {
            obj.insert(
                "listing_visibility".into(),
                json!(m.config.listing_visibility),
            );
        }
    }
    Ok(Some(Response::from_json(data)))
}

/// `POST sys/auth/<path>/tune` (also `sys/mounts/auth/<path>/tune`).
pub(super) async fn write_tune(
    req: Request,
    d: &FieldData,
    path: &str,
) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let mut table = load_auth_table(storage).await?;
    let m = table.get_mut(path).ok_or_else(|| {
        Error::bad_request(format!(
            "cannot tune \"auth/{}\": no auth method at this path",
            normalize_mount_path(path)
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
    if let Some(v) = d.get("token_type")? {
        if m.kind == TOKEN_TYPE {
            return Err(Error::bad_request(
                "'token_type' cannot be set for 'token' or 'ns_token' auth mounts",
            ));
        }
        cfg.token_type = token_type_value(&v)?;
    }
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
            m.options
                .insert(k, v.as_str().unwrap_or_default().to_string());
        }
    }
    save_auth_table(storage, &table).await?;
    Ok(None)
}
