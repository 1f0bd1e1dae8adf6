//! `users/` (LIST), `users/<name>` (create, update, read, delete),
//! `users/<name>/password` and `users/<name>/policies`.

use std::sync::Arc;

use arca_crypto::Zeroizing;
use arca_sdk::{
    Error, Field, FieldData, FieldType, Map, Operation, Request, Response,
    framework::{Path, existence, handler},
    tokenutil::{self, Legacy},
};

use crate::{
    UserpassError,
    backend::{NAME, with_kdf},
    kdf::Kdf,
    user::{self, UserEntry, normalize},
};

/// Legacy names userpass users accept.
const LEGACY: [Legacy; 4] = [
    Legacy::Policies,
    Legacy::Ttl,
    Legacy::MaxTtl,
    Legacy::BoundCidrs,
];

fn name_field() -> Field {
    Field::new("username", FieldType::String, "Username for this user.")
}

fn password_field() -> Field {
    Field::new("password", FieldType::String, "Password for this user.")
}

/// `users/` (LIST).
pub(crate) fn list_path() -> Path {
    Path::new("users/?")
        .on(Operation::List, handler(list))
        .help("Manage users allowed to authenticate.", "Lists the users.")
}

/// The per-user routes.
pub(crate) fn paths(kdf: &Arc<Kdf>) -> Vec<Path> {
    let mut user = Path::new(format!("users/{NAME}"))
        .field(name_field())
        .field(password_field())
        .exists(existence(|req: Request, fd: FieldData| async move {
            let name = normalize(&fd.get_str("username")?)?;
            Ok(UserEntry::load(req.storage.as_ref(), &name)
                .await?
                .is_some())
        }))
        .on(Operation::Create, with_kdf(kdf, write))
        .on(Operation::Update, with_kdf(kdf, write))
        .on(Operation::Read, handler(read))
        .on(Operation::Delete, handler(delete))
        .help(
            "Manage users allowed to authenticate.",
            "Create, read, update and delete users that are allowed to authenticate. \
Deleting a user does not revoke tokens it already obtained.",
        );
    for f in tokenutil::fields_with_legacy(&LEGACY) {
        user = user.field(f);
    }
    vec![
        user,
        Path::new(format!("users/{NAME}/password"))
            .field(name_field())
            .field(password_field())
            .on(Operation::Update, with_kdf(kdf, change_password))
            .help(
                "Reset user's password.",
                "This endpoint allows resetting the user's password.",
            ),
        Path::new(format!("users/{NAME}/policies"))
            .field(name_field())
            .field(Legacy::Policies.field())
            .field(Field::new(
                "token_policies",
                FieldType::CommaStringSlice,
                "Comma-separated list of policies",
            ))
            .on(Operation::Update, handler(update_policies))
            .help(
                "Update the policies associated with the username.",
                "This endpoint allows updating the policies associated with the username.",
            ),
    ]
}

async fn list(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let names = user::list(req.storage.as_ref()).await?;
    Ok((!names.is_empty()).then(|| Response::list(names)))
}

async fn write(kdf: Arc<Kdf>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let storage = req.storage.as_ref();
    let name = normalize(&fd.get_str("username")?)?;
    let password = Zeroizing::new(fd.get_str("password")?);
    let existing = UserEntry::load(storage, &name).await?;
    if existing.is_none() && password.is_empty() {
        return Err(UserpassError::MissingPassword.into());
    }
    let mut entry = existing.unwrap_or_default();
    let warnings = entry.token.parse(&fd, &LEGACY)?;
    if !password.is_empty() {
        entry.password_hash = kdf.hash(password).await?;
    }
    entry.save(storage, &name).await?;
    Ok((!warnings.is_empty()).then(|| Response {
        warnings,
        ..Default::default()
    }))
}

async fn read(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let name = normalize(&fd.get_str("username")?)?;
    let Some(entry) = UserEntry::load(req.storage.as_ref(), &name).await? else {
        return Ok(None);
    };
    let mut data = Map::new();
    entry.token.populate_data(&mut data, &LEGACY);
    Ok(Some(Response::with_data(data)))
}

async fn delete(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let name = normalize(&fd.get_str("username")?)?;
    user::delete(req.storage.as_ref(), &name).await?;
    Ok(None)
}

/// The user a sub-resource update applies to, which must exist.
async fn existing(req: &Request, fd: &FieldData) -> Result<(String, UserEntry), Error> {
    let name = normalize(&fd.get_str("username")?)?;
    match UserEntry::load(req.storage.as_ref(), &name).await? {
        Some(entry) => Ok((name, entry)),
        None => Err(UserpassError::NoSuchUser.into()),
    }
}

async fn change_password(
    kdf: Arc<Kdf>,
    req: Request,
    fd: FieldData,
) -> Result<Option<Response>, Error> {
    let (name, mut entry) = existing(&req, &fd).await?;
    let password = Zeroizing::new(fd.get_str("password")?);
    if password.is_empty() {
        return Err(UserpassError::MissingPassword.into());
    }
    entry.password_hash = kdf.hash(password).await?;
    entry.save(req.storage.as_ref(), &name).await?;
    Ok(None)
}

async fn update_policies(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let (name, mut entry) = existing(&req, &fd).await?;
    // Only the policy fields are declared here, so only they can change.
    entry.token.parse(&fd, &[Legacy::Policies])?;
    entry.save(req.storage.as_ref(), &name).await?;
    Ok(None)
}
