//! The token store's path table (`auth/token/...`) and its lookup, renew, revoke and
//! tidy handlers. Creation is in `create`, roles in `roles`.

use std::sync::{Arc, Weak};

use arca_sdk::{
    Backend, BackendType, Error, Field, FieldData, FieldType, Operation, Path, Request, Response,
    framework::existence,
};

use super::{
    Found, TokenEntry, TokenStore,
    caller::{Caller, current},
    create::{create, is_sudo},
    renew::renew,
    roles::{self, ROLE_NAME},
    store::{ACCESSOR_PREFIX, ID_PREFIX, PARENT_PREFIX},
};
use crate::{Core, sys::with_core};

/// Builds the token store backend; handlers reach the core through a weak reference.
pub(crate) fn backend(core: Weak<Core>) -> Result<Backend, String> {
    let core = &core;
    let token = || Field::new("token", FieldType::String, "Token (request body)");
    let accessor = || Field::new("accessor", FieldType::String, "Accessor of the token");
    let increment = || {
        Field::new(
            "increment",
            FieldType::DurationSecond,
            "The desired increment in seconds to the token expiration",
        )
        .default(serde_json::json!(0))
    };
    let paths = vec![
        Path::new("roles/?")
            .on(
                Operation::List,
                arca_sdk::handler(|req, _d| roles::list(req)),
            )
            .help("This endpoint lists configured roles.", ""),
        Path::new("accessors/?")
            .on(
                Operation::List,
                arca_sdk::handler(|req, _d| list_accessors(req)),
            )
            .help(
                "List token accessors, which can then be used to look up or revoke.",
                "",
            ),
        create_path("create-orphan", core, Kind::Orphan),
        create_path(&format!("create/{ROLE_NAME}"), core, Kind::Role),
        create_path("create", core, Kind::Child),
        Path::new("lookup")
            .field(token())
            .on(Operation::Read, with_core(core, lookup))
            .on(Operation::Update, with_core(core, lookup))
            .help("This endpoint will lookup a token and its properties.", ""),
        Path::new("lookup-accessor")
            .field(accessor())
            .on(Operation::Update, with_core(core, lookup_accessor))
            .help(
                "This endpoint will lookup a token associated with the given accessor and \
its properties. Response will not contain the token ID.",
                "",
            ),
        Path::new("lookup-self")
            .field(token())
            .on(Operation::Read, with_core(core, lookup_self))
            .on(Operation::Update, with_core(core, lookup_self))
            .help("This endpoint will lookup a token and its properties.", ""),
        Path::new("revoke-accessor")
            .field(accessor())
            .on(
                Operation::Update,
                with_core(core, |_c, req, d| revoke_accessor(req, d)),
            )
            .help(
                "This endpoint will delete the token associated with the accessor and all \
of its child tokens.",
                "",
            ),
        Path::new("revoke-self")
            .on(
                Operation::Update,
                with_core(core, |_c, req, _d| revoke_self(req)),
            )
            .help(
                "This endpoint will delete the token used to call it and all of its child \
tokens.",
                "",
            ),
        Path::new("revoke")
            .field(token())
            .on(Operation::Update, with_core(core, revoke))
            .help(
                "This endpoint will delete the given token and all of its child tokens.",
                "",
            ),
        Path::new("revoke-orphan")
            .field(token())
            .on(Operation::Update, with_core(core, revoke_orphan))
            .help(
                "This endpoint will delete the token and orphan its child tokens.",
                "",
            ),
        Path::new("renew-accessor")
            .field(accessor())
            .field(increment())
            .on(Operation::Update, with_core(core, renew_accessor))
            .help(
                "This endpoint will renew a token associated with the given accessor and \
its properties. Response will not contain the token ID.",
                "",
            ),
        Path::new("renew-self")
            .field(token())
            .field(increment())
            .on(Operation::Update, with_core(core, renew_self))
            .help(
                "This endpoint will renew the token used to call it and prevent expiration.",
                "",
            ),
        Path::new("renew")
            .field(token())
            .field(increment())
            .on(Operation::Update, with_core(core, renew_token))
            .help(
                "This endpoint will renew the given token and prevent expiration.",
                "",
            ),
        Path::new("tidy")
            .on(Operation::Update, with_core(core, tidy))
            .help(
                "This endpoint performs cleanup tasks that can be run if certain error \
conditions have occurred.",
                "",
            ),
        roles_path(),
    ];
    let mut b = Backend::new(
        "The token credential backend is always enabled and builtin to Vault. Client tokens \
are used to identify a client and to allow Vault to associate policies and ACLs which are \
enforced on every request.",
        BackendType::Credential,
        paths,
    )?;
    b.root_paths = vec!["revoke-orphan/*".into(), "accessors*".into()];
    Ok(b)
}

/// Which creation endpoint.
#[derive(Clone, Copy)]
enum Kind {
    Child,
    Orphan,
    Role,
}

fn create_path(pattern: &str, core: &Weak<Core>, kind: Kind) -> Path {
    let f = Field::new;
    let mut p = Path::new(pattern)
        .field(f(
            "display_name",
            FieldType::String,
            "Name to associate with this token",
        ))
        .field(f(
            "explicit_max_ttl",
            FieldType::Raw,
            "Explicit Max TTL of this token",
        ))
        .field(f(
            "entity_alias",
            FieldType::String,
            "Name of the entity alias to associate with this token",
        ))
        .field(f(
            "num_uses",
            FieldType::Int,
            "Max number of uses for this token",
        ))
        .field(f("period", FieldType::Raw, "Renew period"))
        .field(f(
            "renewable",
            FieldType::Bool,
            "Allow token to be renewed past its initial TTL up to system/mount maximum TTL",
        ))
        .field(f("ttl", FieldType::Raw, "Time to live for this token"))
        .field(f("lease", FieldType::Raw, "Deprecated: use ttl"))
        .field(f("type", FieldType::String, "Token type"))
        .field(f(
            "no_default_policy",
            FieldType::Bool,
            "Do not include default policy for this token",
        ))
        .field(f("id", FieldType::String, "Value for the token"))
        .field(f(
            "meta",
            FieldType::KvPairs,
            "Arbitrary key=value metadata to associate with the token",
        ))
        .field(f(
            "metadata",
            FieldType::KvPairs,
            "Arbitrary key=value metadata to associate with the token",
        ))
        .field(f(
            "no_parent",
            FieldType::Bool,
            "Create the token with no parent",
        ))
        .field(f(
            "policies",
            FieldType::CommaStringSlice,
            "List of policies for the token",
        ))
        .field(f(
            "format",
            FieldType::String,
            "Return json formatted output",
        ))
        .field(f("role_name", FieldType::String, "Name of the role"));
    let handler = with_core(core, move |c, req, d| async move {
        match kind {
            Kind::Child => create(&c, &req, &d, false, None).await,
            Kind::Orphan => create(&c, &req, &d, true, None).await,
            Kind::Role => {
                let name = d.get_str("role_name")?;
                let Some(role) = roles::get(req.storage.as_ref(), &name).await? else {
                    return Err(Error::bad_request(format!("unknown role {name}")));
                };
                create(&c, &req, &d, false, Some(role)).await
            }
        }
    });
    p = p.on(Operation::Update, handler);
    let help = match kind {
        Kind::Child => "The token create path is used to create new tokens.",
        Kind::Orphan => "The token create path is used to create new orphan tokens.",
        Kind::Role => {
            "This token create path is used to create new tokens adhering to the given role."
        }
    };
    p.help(help, "")
}

fn roles_path() -> Path {
    let mut p = Path::new(format!("roles/{ROLE_NAME}"));
    for f in roles::fields() {
        p = p.field(f);
    }
    p.on(Operation::Read, arca_sdk::handler(roles::read))
        .on(Operation::Create, arca_sdk::handler(roles::write))
        .on(Operation::Update, arca_sdk::handler(roles::write))
        .on(Operation::Delete, arca_sdk::handler(roles::delete))
        .exists(existence(roles::exists))
        .help(
            "This endpoint allows creating, reading, and deleting roles.",
            "",
        )
}

fn caller() -> Result<Caller, Error> {
    current().ok_or(Error::PermissionDenied)
}

/// Vault's answer to a lookup of an unknown token.
fn bad_token() -> Error {
    Error::Status {
        status: 403,
        message: "bad token".into(),
    }
}

fn required(d: &FieldData, field: &str, missing: &str) -> Result<String, Error> {
    let v = d.get_str(field)?;
    if v.is_empty() {
        return Err(Error::bad_request(missing));
    }
    Ok(v)
}

async fn lookup(core: Arc<Core>, req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let mut token = d.get_str("token")?;
    if token.is_empty() {
        token = caller()?.token.to_string();
    }
    let now = core.now_ms();
    match TokenStore::find(req.storage.as_ref(), &token, now).await? {
        Found::Live(e) => Ok(Some(Response::with_data(e.lookup_data(&token, now)))),
        _ => Err(bad_token()),
    }
}

async fn lookup_self(
    core: Arc<Core>,
    req: Request,
    _d: FieldData,
) -> Result<Option<Response>, Error> {
    let c = caller()?;
    let now = core.now_ms();
    // Re-read: this request's use of a use-limited token is already counted.
    let entry = match TokenStore::find(req.storage.as_ref(), &c.token, now).await? {
        Found::Live(e) => e,
        _ => c.entry,
    };
    Ok(Some(Response::with_data(entry.lookup_data(&c.token, now))))
}

async fn lookup_accessor(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let accessor = required(&d, "accessor", "missing accessor")?;
    let storage = req.storage.as_ref();
    let Some(id) = TokenStore::id_by_accessor(storage, &accessor).await? else {
        return Err(Error::bad_request("invalid accessor"));
    };
    let now = core.now_ms();
    match TokenStore::get(storage, &id).await? {
        Some(e) if !e.expired_at_ms(now) => Ok(Some(Response::with_data(e.lookup_data("", now)))),
        _ => Err(bad_token()),
    }
}

/// Revokes the tree of a service token; batch tokens cannot be revoked.
async fn revoke_entry(req: &Request, entry: &TokenEntry) -> Result<Option<Response>, Error> {
    if entry.is_batch() {
        return Err(Error::bad_request("batch tokens cannot be revoked"));
    }
    TokenStore::revoke_tree(req.storage.as_ref(), &entry.id_hash).await?;
    Ok(None)
}

async fn revoke(core: Arc<Core>, req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let token = required(&d, "token", "missing token ID")?;
    match TokenStore::find(req.storage.as_ref(), &token, core.now_ms()).await? {
        Found::Live(e) | Found::Expired(e) => revoke_entry(&req, &e).await,
        Found::Missing => Ok(None),
    }
}

async fn revoke_self(req: Request) -> Result<Option<Response>, Error> {
    revoke_entry(&req, &caller()?.entry).await
}

async fn revoke_accessor(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let accessor = required(&d, "accessor", "missing accessor")?;
    let storage = req.storage.as_ref();
    let Some(id) = TokenStore::id_by_accessor(storage, &accessor).await? else {
        return Ok(Some(
            Response::default().warn("No token found with this accessor"),
        ));
    };
    let Some(entry) = TokenStore::get(storage, &id).await? else {
        return Err(Error::bad_request("token not found"));
    };
    revoke_entry(&req, &entry).await
}

async fn revoke_orphan(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let token = required(&d, "token", "missing token ID")?;
    let storage = req.storage.as_ref();
    let full_path = format!("{}{}", req.mount_point, req.path);
    if !is_sudo(&core, storage, &caller()?.entry, &full_path).await? {
        return Err(Error::bad_request(
            "root or sudo privileges required to revoke and orphan",
        ));
    }
    let entry = match TokenStore::find(storage, &token, core.now_ms()).await? {
        Found::Live(e) => e,
        _ => return Err(Error::bad_request("token to revoke not found")),
    };
    if entry.is_batch() {
        return Err(Error::bad_request("batch tokens cannot be revoked"));
    }
    TokenStore::revoke_orphan(storage, &entry.id_hash).await?;
    Ok(None)
}

fn increment(d: &FieldData) -> Result<u64, Error> {
    Ok(d.get_duration("increment")?
        .map(|v| v.as_secs())
        .unwrap_or(0))
}

async fn renew_token(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let token = required(&d, "token", "missing token ID")?;
    let now = core.now_ms();
    let storage = req.storage.as_ref();
    let Found::Live(entry) = TokenStore::find(storage, &token, now).await? else {
        return Err(Error::bad_request("token not found"));
    };
    renew(storage, entry, &token, increment(&d)?, now).await
}

async fn renew_self(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let c = caller()?;
    let now = core.now_ms();
    let storage = req.storage.as_ref();
    let entry = match TokenStore::find(storage, &c.token, now).await? {
        Found::Live(e) => e,
        _ => c.entry,
    };
    renew(storage, entry, &c.token, increment(&d)?, now).await
}

async fn renew_accessor(
    core: Arc<Core>,
    req: Request,
    d: FieldData,
) -> Result<Option<Response>, Error> {
    let accessor = required(&d, "accessor", "missing accessor")?;
    let storage = req.storage.as_ref();
    let Some(id) = TokenStore::id_by_accessor(storage, &accessor).await? else {
        return Err(Error::bad_request("invalid accessor"));
    };
    let now = core.now_ms();
    match TokenStore::get(storage, &id).await? {
        Some(e) if !e.expired_at_ms(now) => renew(storage, e, "", increment(&d)?, now).await,
        _ => Err(Error::bad_request("token not found")),
    }
}

async fn list_accessors(req: Request) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let mut keys = Vec::new();
    for key in storage.list(ACCESSOR_PREFIX).await? {
        let Some(raw) = storage.get(&format!("{ACCESSOR_PREFIX}{key}")).await? else {
            continue;
        };
        let id = String::from_utf8_lossy(&raw).to_string();
        if let Some(e) = TokenStore::get(storage, &id).await? {
            keys.push(e.accessor);
        }
    }
    keys.sort();
    Ok(Some(Response::list(keys)))
}

/// Removes index entries of tokens that no longer exist, orphans children of vanished
/// parents and revokes expired tokens. Runs inside the request, unlike Vault's
/// background tidy, and answers as Vault does (202 with a warning).
async fn tidy(core: Arc<Core>, req: Request, _d: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let now = core.now_ms();
    let mut expired = 0usize;
    for key in storage.list(ID_PREFIX).await? {
        if let Some(e) = TokenStore::get(storage, &key).await?
            && e.expired_at_ms(now)
        {
            TokenStore::revoke_tree(storage, &e.id_hash).await?;
            expired += 1;
        }
    }
    for parent in storage.list(PARENT_PREFIX).await? {
        let parent_id = parent.trim_end_matches('/');
        let parent_exists = TokenStore::get(storage, parent_id).await?.is_some();
        for child in storage.list(&format!("{PARENT_PREFIX}{parent}")).await? {
            if let Some(mut c) = TokenStore::get(storage, &child).await?
                && !parent_exists
            {
                c.parent_hash.clear();
                TokenStore::update(storage, &c).await?;
            }
            if !parent_exists || TokenStore::get(storage, &child).await?.is_none() {
                storage
                    .delete(&format!("{PARENT_PREFIX}{parent}{child}"))
                    .await?;
            }
        }
    }
    for key in storage.list(ACCESSOR_PREFIX).await? {
        let full = format!("{ACCESSOR_PREFIX}{key}");
        let Some(raw) = storage.get(&full).await? else {
            continue;
        };
        if TokenStore::get(storage, &String::from_utf8_lossy(&raw))
            .await?
            .is_none()
        {
            storage.delete(&full).await?;
        }
    }
    tracing::info!(expired, "token tidy finished");
    Ok(Some(Response {
        warnings: vec![
            "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.".into(),
        ],
        status: Some(202),
        ..Default::default()
    }))
}
