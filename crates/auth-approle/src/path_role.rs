//! `role/` (LIST), `role/<name>` (create, update, read, delete) and
//! `role/<name>/role-id`.

use arca_sdk::{
    Error, Field, FieldData, FieldType, Map, Operation, Request, Response, cidr,
    framework::{Path, existence, handler},
    tokenutil::{self, Legacy, sent},
};
use serde_json::json;

use crate::{
    AppRoleError, ids,
    role::{self, RoleEntry, normalize_name},
};

/// The role-name capture, as Vault's `GenericNameRegex`.
pub(crate) const NAME: &str = r"(?P<role_name>\w(?:[\w.\-]*\w)?)";

/// Legacy names AppRole roles accept.
pub(crate) const LEGACY: [Legacy; 2] = [Legacy::Policies, Legacy::Period];

/// The `role_name` capture field.
pub(crate) fn name_field() -> Field {
    Field::new(
        "role_name",
        FieldType::String,
        "Name of the role. Must be less than 4096 bytes.",
    )
}

/// Role settings besides the token fields.
fn role_fields() -> Vec<Field> {
    vec![
        Field::new(
            "bind_secret_id",
            FieldType::Bool,
            "Impose secret_id to be presented when logging in using this role. Defaults to 'true'.",
        ),
        Field::new(
            "bound_cidr_list",
            FieldType::CommaStringSlice,
            "Deprecated: use \"secret_id_bound_cidrs\" instead.",
        ),
        Field::new(
            "secret_id_bound_cidrs",
            FieldType::CommaStringSlice,
            "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP \
addresses which can perform the login operation.",
        ),
        Field::new(
            "secret_id_num_uses",
            FieldType::Int,
            "Number of times a SecretID can access the role, after which the SecretID will \
expire. Defaults to 0 meaning that the secret_id is of unlimited use.",
        ),
        Field::new(
            "secret_id_ttl",
            FieldType::DurationSecond,
            "Duration in seconds after which the issued SecretID should expire. Defaults to 0, \
meaning no expiration.",
        ),
        Field::new(
            "role_id",
            FieldType::String,
            "Identifier of the role. Defaults to a UUID.",
        ),
        Field::new(
            "local_secret_ids",
            FieldType::Bool,
            "If set, the secret IDs generated using this role will be cluster local. This can \
only be set during role creation and once set, it can't be reset later.",
        ),
    ]
}

/// `role/` (LIST).
pub(crate) fn list_path() -> Path {
    Path::new("role/?").on(Operation::List, handler(list)).help(
        "Lists all the roles registered with the backend.",
        "The list will contain the names of the roles.",
    )
}

/// `role/<name>`.
pub(crate) fn role_path() -> Path {
    let mut p = Path::new(format!("role/{NAME}"))
        .field(name_field())
        .exists(existence(|req: Request, fd: FieldData| async move {
            let name = normalize_name(&fd.get_str("role_name")?)?;
            Ok(RoleEntry::load(req.storage.as_ref(), &name)
                .await?
                .is_some())
        }))
        .on(Operation::Create, handler(write))
        .on(Operation::Update, handler(write))
        .on(Operation::Read, handler(read))
        .on(Operation::Delete, handler(delete))
        .help(
            "Register a role with the backend.",
            "A role can represent a service, a machine or anything that can be IDed. The \
properties of the SecretIDs created against the role and of the tokens issued with them are \
configured with the fields of this endpoint.",
        );
    for f in role_fields()
        .into_iter()
        .chain(tokenutil::fields_with_legacy(&LEGACY))
    {
        p = p.field(f);
    }
    p
}

/// `role/<name>/role-id`.
pub(crate) fn role_id_path() -> Path {
    Path::new(format!("role/{NAME}/role-id"))
        .field(name_field())
        .field(Field::new(
            "role_id",
            FieldType::String,
            "Identifier of the role. Defaults to a UUID.",
        ))
        .on(Operation::Read, handler(read_role_id))
        .on(Operation::Update, handler(write_role_id))
        .help(
            "Returns the 'role_id' of the role.",
            "If login is performed from a role, then its 'role_id' should be presented as a \
credential during the login. This 'role_id' can be retrieved using this endpoint.",
        )
}

async fn list(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let names = role::list(req.storage.as_ref()).await?;
    Ok((!names.is_empty()).then(|| Response::list(names)))
}

/// Applies the fields of a write to `role` (a new role when `is_new`) and returns the
/// warnings to show. Fields the path does not declare are ignored, so the per-property
/// endpoints reuse this.
pub(crate) fn apply(
    role: &mut RoleEntry,
    fd: &FieldData,
    is_new: bool,
) -> Result<Vec<String>, Error> {
    let warnings = role.token.parse(fd, &LEGACY)?;
    if sent(fd, "local_secret_ids") {
        if !is_new {
            return Err(AppRoleError::Invalid(
                "local_secret_ids can only be modified during role creation".into(),
            )
            .into());
        }
        role.local_secret_ids = fd.get_bool("local_secret_ids")?;
    }
    if sent(fd, "role_id") {
        role.role_id = fd.get_str("role_id")?;
    } else if is_new {
        role.role_id = ids::new_uuid();
    }
    if sent(fd, "bind_secret_id") {
        role.bind_secret_id = fd.get_bool("bind_secret_id")?;
    } else if is_new {
        role.bind_secret_id = true;
    }
    let cidr_field = ["secret_id_bound_cidrs", "bound_cidr_list"]
        .into_iter()
        .find(|f| sent(fd, f));
    if let Some(f) = cidr_field {
        let list = fd.get_strings(f)?;
        if cidr::parse_list(&list).is_none() {
            return Err(AppRoleError::Invalid("invalid CIDR blocks".into()).into());
        }
        role.secret_id_bound_cidrs = list;
    }
    if sent(fd, "secret_id_num_uses") {
        let n = fd.get_i64("secret_id_num_uses")?.unwrap_or(0);
        role.secret_id_num_uses = u64::try_from(n)
            .map_err(|_| AppRoleError::Invalid("secret_id_num_uses cannot be negative".into()))?;
    }
    if sent(fd, "secret_id_ttl") {
        role.secret_id_ttl = fd.get_duration("secret_id_ttl")?.map_or(0, |d| d.as_secs());
    }
    Ok(warnings)
}

/// A response carrying only warnings, or none.
pub(crate) fn warnings_response(warnings: Vec<String>) -> Option<Response> {
    (!warnings.is_empty()).then(|| Response {
        warnings,
        ..Default::default()
    })
}

async fn write(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let name = normalize_name(&fd.get_str("role_name")?)?;
    let existing = RoleEntry::load(storage, &name).await?;
    let is_new = existing.is_none();
    let mut role = existing.unwrap_or_else(|| RoleEntry {
        hmac_key: ids::new_hmac_key(),
        ..Default::default()
    });
    let previous = role.role_id.clone();
    let warnings = apply(&mut role, &fd, is_new)?;
    role.save(storage, &name, &previous).await?;
    Ok(warnings_response(warnings))
}

/// The role as `role/<name>` shows it.
pub(crate) fn role_data(role: &RoleEntry) -> Map {
    let mut data = Map::new();
    data.insert("bind_secret_id".into(), json!(role.bind_secret_id));
    data.insert(
        "secret_id_bound_cidrs".into(),
        json!(role.secret_id_bound_cidrs),
    );
    data.insert("secret_id_num_uses".into(), json!(role.secret_id_num_uses));
    data.insert("secret_id_ttl".into(), json!(role.secret_id_ttl));
    data.insert("local_secret_ids".into(), json!(role.local_secret_ids));
    role.token.populate_data(&mut data, &LEGACY);
    data
}

async fn read(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let name = normalize_name(&fd.get_str("role_name")?)?;
    let Some(role) = RoleEntry::load(req.storage.as_ref(), &name).await? else {
        return Ok(None);
    };
    let mut resp = Response::with_data(role_data(&role));
    if role.check_constraints().is_err() {
        resp = resp.warn(
            "Role does not have any constraints set on it. Updates to this role will require a \
constraint to be set",
        );
    }
    Ok(Some(resp))
}

async fn delete(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let name = normalize_name(&fd.get_str("role_name")?)?;
    if let Some(role) = RoleEntry::load(storage, &name).await? {
        role.delete(storage, &name).await?;
    }
    Ok(None)
}

async fn read_role_id(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let name = normalize_name(&fd.get_str("role_name")?)?;
    Ok(RoleEntry::load(req.storage.as_ref(), &name)
        .await?
        .map(|r| Response::from_json(json!({ "role_id": r.role_id }))))
}

async fn write_role_id(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let name = normalize_name(&fd.get_str("role_name")?)?;
    let Some(mut role) = RoleEntry::load(storage, &name).await? else {
        return Err(Error::UnsupportedPath(format!(
            "{}{}",
            req.mount_point, req.path
        )));
    };
    let role_id = fd.get_str("role_id")?;
    if role_id.is_empty() {
        return Err(AppRoleError::MissingRoleId.into());
    }
    let previous = std::mem::replace(&mut role.role_id, role_id);
    role.save(storage, &name, &previous).await?;
    Ok(None)
}

/// Reads a role that must exist for the operation (Vault: 400 "role ... does not exist").
pub(crate) async fn require_role(
    req: &Request,
    fd: &FieldData,
) -> Result<(String, RoleEntry), Error> {
    let name = normalize_name(&fd.get_str("role_name")?)?;
    match RoleEntry::load(req.storage.as_ref(), &name).await? {
        Some(role) => Ok((name, role)),
        None => Err(AppRoleError::NoRole(name).into()),
    }
}
