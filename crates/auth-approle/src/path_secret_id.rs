//! Secret ID endpoints of a role: issue (`secret-id`, `custom-secret-id`), list
//! accessors, look up and destroy by secret ID or by accessor.

use std::sync::Arc;

use arca_sdk::{
    Error, Field, FieldData, FieldType, Operation, Request, Response, cidr,
    framework::{Path, handler},
    tokenutil::sent,
};
use serde_json::json;

use crate::{
    AppRoleError,
    backend::{State, with_state},
    ids, metadata,
    path_role::{NAME, name_field, require_role},
    role::{RoleEntry, normalize_name},
    secret_id::{SecretIdEntry, SecretIdStore},
};

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// The fields of a secret ID issue request.
fn issue_fields() -> Vec<Field> {
    vec![
        name_field(),
        Field::new(
            "metadata",
            FieldType::Raw,
            "Metadata to be tied to the SecretID. This should be a JSON formatted string \
containing the metadata in key value pairs.",
        ),
        Field::new(
            "cidr_list",
            FieldType::CommaStringSlice,
            "Comma separated string or list of CIDR blocks enforcing secret IDs to be used from \
specific set of IP addresses. If 'secret_id_bound_cidrs' is set on the role, then the list of \
CIDR blocks listed here should be a subset of the CIDR blocks listed on the role.",
        ),
        Field::new(
            "token_bound_cidrs",
            FieldType::CommaStringSlice,
            "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP \
addresses which can use the returned token. Should be a subset of the token CIDR blocks listed \
on the role, if any.",
        ),
        Field::new(
            "num_uses",
            FieldType::Int,
            "Number of times this SecretID can be used, after which the SecretID expires. \
Overrides secret_id_num_uses role option when supplied. May not be higher than role's \
secret_id_num_uses.",
        ),
        Field::new(
            "ttl",
            FieldType::DurationSecond,
            "Duration in seconds after which this SecretID expires. Overrides secret_id_ttl role \
option when supplied. May not be longer than role's secret_id_ttl.",
        ),
    ]
}

fn secret_id_field() -> Field {
    Field::new(
        "secret_id",
        FieldType::String,
        "SecretID attached to the role.",
    )
}

fn accessor_field() -> Field {
    Field::new(
        "secret_id_accessor",
        FieldType::String,
        "Accessor of the SecretID",
    )
}

/// All secret ID routes of a role.
pub(crate) fn paths(state: &Arc<State>) -> Vec<Path> {
    let mut issue = Path::new(format!("role/{NAME}/secret-id/?"))
        .on(Operation::Update, with_state(state, generate))
        .on(Operation::List, handler(list))
        .help(
            "Generate a SecretID against this role, or list the accessors of its SecretIDs.",
            "The SecretID generated is tied to the role and can be used to log in; the \
response also carries its accessor.",
        );
    let mut custom = Path::new(format!("role/{NAME}/custom-secret-id"))
        .field(secret_id_field())
        .on(Operation::Update, with_state(state, custom))
        .help(
            "Assign a SecretID of choice against the role.",
            "This option is not recommended unless there is a specific need to do so.",
        );
    for f in issue_fields() {
        issue = issue.field(f.clone());
        custom = custom.field(f);
    }
    vec![
        issue,
        custom,
        Path::new(format!("role/{NAME}/secret-id/lookup/?"))
            .field(name_field())
            .field(secret_id_field())
            .on(Operation::Update, handler(lookup))
            .help("Read the properties of an issued secret_id", ""),
        Path::new(format!("role/{NAME}/secret-id/destroy/?"))
            .field(name_field())
            .field(secret_id_field())
            .on(Operation::Update, handler(destroy))
            .on(Operation::Delete, handler(destroy))
            .help("Invalidate an issued secret_id", ""),
        Path::new(format!("role/{NAME}/secret-id-accessor/lookup/?"))
            .field(name_field())
            .field(accessor_field())
            .on(Operation::Update, handler(accessor_lookup))
            .help("Read an issued secret_id, using its accessor", ""),
        Path::new(format!("role/{NAME}/secret-id-accessor/destroy/?"))
            .field(name_field())
            .field(accessor_field())
            .on(Operation::Update, handler(accessor_destroy))
            .on(Operation::Delete, handler(accessor_destroy))
            .help("Delete an issued secret_id, using its accessor", ""),
    ]
}

async fn generate(
    state: Arc<State>,
    req: Request,
    fd: FieldData,
) -> Result<Option<Response>, Error> {
    issue(&state, &req, &fd, ids::new_uuid()).await
}

async fn custom(state: Arc<State>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let secret_id = fd.get_str("secret_id")?;
    issue(&state, &req, &fd, secret_id).await
}

/// Go's `%q` of a string slice (`["a" "b"]`), as Vault's subset error shows lists.
fn go_list(list: &[String]) -> String {
    let items: Vec<String> = list.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", items.join(" "))
}

fn check_cidrs(list: &[String], role: &[String], what: &str) -> Result<(), Error> {
    if cidr::parse_list(list).is_none() {
        return Err(AppRoleError::Invalid(format!("failed to validate {what}")).into());
    }
    if !cidr::is_subset(list, role) {
        return Err(AppRoleError::Invalid(format!(
            "failed to verify subset relationship between CIDR blocks on the role {} and CIDR \
blocks on the secret ID {}",
            go_list(role),
            go_list(list)
        ))
        .into());
    }
    Ok(())
}

/// The use count of a new secret ID: the request's, which may only narrow the role's.
fn num_uses(role: &RoleEntry, fd: &FieldData) -> Result<u64, Error> {
    if !sent(fd, "num_uses") {
        return Ok(role.secret_id_num_uses);
    }
    let n = u64::try_from(fd.get_i64("num_uses")?.unwrap_or(0))
        .map_err(|_| AppRoleError::Invalid("num_uses cannot be negative".into()))?;
    let limit = role.secret_id_num_uses;
    if limit > 0 && (n == 0 || n > limit) {
        return Err(AppRoleError::Invalid(
            "num_uses cannot be higher than the role's secret_id_num_uses".into(),
        )
        .into());
    }
    Ok(n)
}

/// The TTL of a new secret ID: the request's, which may only shorten the role's.
fn ttl(role: &RoleEntry, fd: &FieldData) -> Result<u64, Error> {
    if !sent(fd, "ttl") {
        return Ok(role.secret_id_ttl);
    }
    let t = fd.get_duration("ttl")?.map_or(0, |d| d.as_secs());
    let limit = role.secret_id_ttl;
    if limit > 0 && (t == 0 || t > limit) {
        return Err(AppRoleError::Invalid(
            "ttl cannot be longer than the role's secret_id_ttl".into(),
        )
        .into());
    }
    Ok(t)
}

async fn issue(
    state: &State,
    req: &Request,
    fd: &FieldData,
    secret_id: String,
) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let name = normalize_name(&fd.get_str("role_name")?)?;
    if secret_id.is_empty() {
        return Err(AppRoleError::MissingSecretId.into());
    }
    let Some(role) = RoleEntry::load(storage, &name).await? else {
        return Err(AppRoleError::NoRoleNotFound(name).into());
    };
    if !role.bind_secret_id {
        return Err(AppRoleError::NotBound.into());
    }
    let cidr_list = fd.get_strings("cidr_list")?;
    check_cidrs(&cidr_list, &role.secret_id_bound_cidrs, "CIDR blocks")?;
    let token_cidrs = fd.get_strings("token_bound_cidrs")?;
    check_cidrs(
        &token_cidrs,
        &role.token.token_bound_cidrs,
        "token CIDR blocks",
    )?;
    let num_uses = num_uses(&role, fd)?;
    let ttl = ttl(&role, fd)?;
    let metadata = metadata::parse(fd.get("metadata")?)?;
    let now = state.now();
    let expiration_time = match ttl {
        0 => 0,
        t => now.saturating_add(
            i64::try_from(t)
                .unwrap_or(i64::MAX)
                .saturating_mul(NANOS_PER_SEC),
        ),
    };
    let entry = SecretIdEntry {
        secret_id_num_uses: num_uses,
        secret_id_ttl: ttl,
        creation_time: now,
        last_updated_time: now,
        expiration_time,
        metadata,
        cidr_list,
        token_bound_cidrs: token_cidrs,
        ..Default::default()
    };
    let store = SecretIdStore::new(&role, &name)?;
    let entry = store.register(storage, &secret_id, entry).await?;
    Ok(Some(Response::from_json(json!({
        "secret_id": secret_id,
        "secret_id_accessor": entry.secret_id_accessor,
        "secret_id_ttl": entry.secret_id_ttl,
        "secret_id_num_uses": entry.secret_id_num_uses,
    }))))
}

async fn list(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let (name, role) = require_role(&req, &fd).await?;
    let keys = SecretIdStore::new(&role, &name)?
        .list_accessors(req.storage.as_ref())
        .await?;
    Ok((!keys.is_empty()).then(|| Response::list(keys)))
}

/// The role's store and the entry of the `secret_id` field, if it exists.
async fn by_secret(
    req: &Request,
    fd: &FieldData,
) -> Result<(SecretIdStore, Option<SecretIdEntry>), Error> {
    let (name, role) = require_role(req, fd).await?;
    let secret_id = fd.get_str("secret_id")?;
    if secret_id.is_empty() {
        return Err(AppRoleError::MissingSecretId.into());
    }
    let store = SecretIdStore::new(&role, &name)?;
    let entry = store
        .find(req.storage.as_ref(), &secret_id)
        .await?
        .map(|(_, e)| e);
    Ok((store, entry))
}

async fn lookup(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let (store, entry) = by_secret(&req, &fd).await?;
    let Some(entry) = entry else {
        return Ok(None);
    };
    // An entry without its accessor is half-deleted: Vault calls it invalid.
    if store
        .accessor(req.storage.as_ref(), &entry.secret_id_accessor)
        .await?
        .is_none()
    {
        return Err(AppRoleError::Invalid("invalid secret id".into()).into());
    }
    Ok(Some(Response::with_data(entry.to_response_data())))
}

async fn destroy(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let (store, entry) = by_secret(&req, &fd).await?;
    if let Some(entry) = entry {
        store.remove(req.storage.as_ref(), &entry).await?;
    }
    Ok(None)
}

/// The role's store, the accessor and its index entry (if any).
async fn by_accessor(
    req: &Request,
    fd: &FieldData,
) -> Result<
    (
        SecretIdStore,
        String,
        Option<crate::secret_id::AccessorEntry>,
    ),
    Error,
> {
    let (name, role) = require_role(req, fd).await?;
    let accessor = fd.get_str("secret_id_accessor")?;
    if accessor.is_empty() {
        return Err(AppRoleError::MissingAccessor.into());
    }
    let store = SecretIdStore::new(&role, &name)?;
    let entry = store.accessor(req.storage.as_ref(), &accessor).await?;
    Ok((store, accessor, entry))
}

async fn accessor_lookup(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let (store, accessor, index) = by_accessor(&req, &fd).await?;
    let Some(index) = index else {
        return Err(AppRoleError::AccessorNotFound(accessor).into());
    };
    Ok(store
        .load(req.storage.as_ref(), &index.secret_id_hmac)
        .await?
        .map(|e| Response::with_data(e.to_response_data())))
}

async fn accessor_destroy(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let (store, accessor, index) = by_accessor(&req, &fd).await?;
    let Some(index) = index else {
        return Err(AppRoleError::Invalid(format!(
            "failed to find accessor entry for secret_id_accessor: {accessor:?}"
        ))
        .into());
    };
    let Some(entry) = store.load(storage, &index.secret_id_hmac).await? else {
        return Err(AppRoleError::InvalidAccessor.into());
    };
    store.remove(storage, &entry).await?;
    Ok(None)
}
