//! Assembles the userpass path table.

use std::{future::Future, sync::Arc};

use arca_sdk::{
    Error, FieldData, Request, Response,
    framework::{Backend, BackendType, Handler, handler},
};

use crate::{
    kdf::{self, Kdf},
    path_login, path_users,
};

const HELP: &str = "The \"userpass\" credential provider allows authentication using a \
combination of a username and password. No additional factors are supported. The username/\
password combination is configured using the \"users/\" endpoints by a user with root access. \
Authentication is then done by supplying the two fields for \"login\".";

/// The username capture, as Vault's `GenericNameRegex`.
pub(crate) const NAME: &str = r"(?P<username>\w(?:[\w.\-]*\w)?)";

/// Builds a userpass backend with production hashing cost.
pub async fn backend() -> Result<Backend, Error> {
    backend_with(Kdf::new(kdf::PRODUCTION).await?)
}

/// Builds a userpass backend around a password hasher (tests use a cheap one).
pub(crate) fn backend_with(kdf: Arc<Kdf>) -> Result<Backend, Error> {
    let mut paths = vec![path_login::path(&kdf), path_users::list_path()];
    paths.extend(path_users::paths(&kdf));
    let mut b = Backend::new(HELP, BackendType::Credential, paths).map_err(Error::internal)?;
    b.unauthenticated_paths = vec!["login/*".to_string()];
    Ok(b)
}

/// Wraps a handler that needs the hasher.
pub(crate) fn with_kdf<F, Fut>(kdf: &Arc<Kdf>, f: F) -> Handler
where
    F: Fn(Arc<Kdf>, Request, FieldData) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Response>, Error>> + Send + 'static,
{
    let kdf = kdf.clone();
    handler(move |req, data| f(kdf.clone(), req, data))
}
