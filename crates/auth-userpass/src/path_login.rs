//! `login/<username>`: checks the password and returns the user's token settings;
//! the core turns the returned [`Auth`] into a token.
//!
//! A wrong password and an unknown user give the same 400 after the same amount of
//! hashing work (see [`crate::kdf`]).

use std::{collections::BTreeMap, sync::Arc};

use arca_crypto::Zeroizing;
use arca_sdk::{
    Auth, Error, Field, FieldData, FieldType, Operation, Request, Response, cidr, framework::Path,
};

use crate::{
    UserpassError,
    backend::{NAME, with_kdf},
    kdf::Kdf,
    user::{UserEntry, normalize},
};

/// The `login/<username>` route.
pub(crate) fn path(kdf: &Arc<Kdf>) -> Path {
    Path::new(format!("login/{NAME}"))
        .field(Field::new(
            "username",
            FieldType::String,
            "Username of the user.",
        ))
        .field(Field::new(
            "password",
            FieldType::String,
            "Password for this user.",
        ))
        .on(Operation::Update, with_kdf(kdf, login))
        .help(
            "Log in with a username and password.",
            "This endpoint authenticates using a username and password.",
        )
}

async fn login(kdf: Arc<Kdf>, req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let name = normalize(&fd.get_str("username")?)?;
    let password = Zeroizing::new(fd.get_str("password")?);
    if password.is_empty() {
        return Err(UserpassError::MissingPassword.into());
    }
    let user = UserEntry::load(req.storage.as_ref(), &name).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matched = kdf.verify(password, stored).await?;
    let Some(user) = user.filter(|_| matched) else {
        return Err(UserpassError::InvalidCredentials.into());
    };
    if !user.token.token_bound_cidrs.is_empty() {
        let remote = req.remote_addr.as_deref().unwrap_or_default();
        if !cidr::remote_addr_allowed(remote, &user.token.token_bound_cidrs) {
            return Err(Error::PermissionDenied);
        }
    }
    let mut auth = Auth::default();
    user.token.populate_auth(&mut auth);
    auth.metadata = Some(BTreeMap::from([("username".to_string(), name.clone())]));
    auth.display_name = name;
    Ok(Some(Response {
        auth: Some(auth),
        ..Default::default()
    }))
}
