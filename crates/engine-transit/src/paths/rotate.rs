//! `keys/:name/rotate` (a new latest version) and `keys/:name/trim` (forget old ones).

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};

use super::{NAME, name_field, now};
use crate::{error::TransitError, policy::Policy};

/// `keys/:name/rotate`.
pub fn rotate_path() -> Path {
    Path::new(format!("keys/(?P<name>{NAME})/rotate"))
        .field(name_field())
        .field(Field::new(
            "managed_key_name",
            FieldType::String,
            "Not supported by Arca (managed keys).",
        ))
        .field(Field::new(
            "managed_key_id",
            FieldType::String,
            "Not supported by Arca (managed keys).",
        ))
        .on(Operation::Update, handler(rotate))
        .help(
            "Rotate named encryption key",
            "This path is used to rotate the named key. After rotation, new encryption requests using this name will use the new key, but decryption will still be supported for older versions.",
        )
}

/// `keys/:name/trim`.
pub fn trim_path() -> Path {
    Path::new(format!("keys/(?P<name>{NAME})/trim"))
        .field(name_field())
        .field(Field::new(
            "min_available_version",
            FieldType::Int,
            "The minimum available version for the key ring. All versions before this version will be permanently deleted.",
        ))
        .on(Operation::Update, handler(trim))
        .help(
            "Trim key versions of a named key",
            "This path is used to trim key versions of a named key. Trimming only happens from the lower end of version numbers.",
        )
}

async fn rotate(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let Some(mut p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Err(TransitError::invalid("key not found").into());
    };
    p.rotate(now())?;
    p.save(req.storage.as_ref()).await?;
    Ok(Some(Response::with_data(p.info(None)?)))
}

async fn trim(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let Some(mut p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Err(TransitError::invalid("invalid key name").into());
    };
    let Some(v) = d.get_i64("min_available_version")? else {
        return Err(TransitError::invalid("missing min_available_version").into());
    };
    let err = |m: &str| -> Result<Option<Response>, Error> { Err(TransitError::invalid(m).into()) };
    if v < p.min_available_version as i64 {
        return err("minimum available version cannot be decremented");
    }
    if p.min_encryption_version == 0 {
        return err(
            "minimum available version cannot be set when minimum encryption version is not set",
        );
    }
    if v > p.min_encryption_version as i64 {
        return err("minimum available version cannot be greater than minmum encryption version");
    }
    if v > p.min_decryption_version as i64 {
        return err("minimum available version cannot be greater than minimum decryption version");
    }
    if v <= 0 {
        return err("minimum available version should be positive");
    }
    p.min_available_version = v as u64;
    p.keys.retain(|version, _| *version >= v as u64);
    p.save(req.storage.as_ref()).await?;
    Ok(Some(Response::with_data(p.info(None)?)))
}
