//! `keys/:name/config`: versions allowed for use, deletion, export and auto-rotation.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    field::{Field, FieldType},
    framework::{Path, handler},
};

use super::{NAME, name_field, opt_i64};
use crate::{
    error::TransitError,
    policy::{MIN_AUTO_ROTATE_SECS, Policy},
};

/// `keys/:name/config`.
pub fn path() -> Path {
    Path::new(format!("keys/(?P<name>{NAME})/config"))
        .field(name_field())
        .field(Field::new(
            "min_decryption_version",
            FieldType::Int,
            "If set, the minimum version of the key allowed to be decrypted.",
        ))
        .field(Field::new(
            "min_encryption_version",
            FieldType::Int,
            "If set, the minimum version of the key allowed to be used for encryption; 0 means the latest.",
        ))
        .field(Field::new(
            "deletion_allowed",
            FieldType::Bool,
            "Whether to allow deletion of the key.",
        ))
        .field(Field::new(
            "exportable",
            FieldType::Bool,
            "Enables export of the key. Once set, this cannot be disabled.",
        ))
        .field(Field::new(
            "allow_plaintext_backup",
            FieldType::Bool,
            "Enables plaintext backup of the key. Once set, this cannot be disabled.",
        ))
        .field(Field::new(
            "auto_rotate_period",
            FieldType::DurationSecond,
            "Amount of time the key should live before being automatically rotated; 0 disables.",
        ))
        .on(Operation::Update, handler(update))
        .help(
            "Configure a named encryption key",
            "This path is used to configure the named key: the minimum versions allowed for decryption and encryption, deletion, export and automatic rotation.",
        )
}

async fn update(req: Request, d: FieldData) -> Result<Option<Response>, Error> {
    let name = d.get_str("name")?;
    let Some(mut p) = Policy::load(req.storage.as_ref(), &name).await? else {
        return Err(
            TransitError::invalid(format!("no existing key named {name} could be found")).into(),
        );
    };
    let mut warning = None;
    let mut changed = false;

    if let Some(v) = opt_i64(&d, "min_decryption_version")? {
        if v < 0 {
            return Err(TransitError::invalid("min decryption version cannot be negative").into());
        }
        let v = if v == 0 {
            warning =
                Some("since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1");
            1
        } else {
            v as u64
        };
        if v != p.min_decryption_version {
            if v > p.latest_version {
                return Err(TransitError::invalid(format!(
                    "cannot set min decryption version of {v}, latest key version is {}",
                    p.latest_version
                ))
                .into());
            }
            p.min_decryption_version = v;
            changed = true;
        }
    }

    if let Some(v) = opt_i64(&d, "min_encryption_version")? {
        if v < 0 {
            return Err(TransitError::invalid("min encryption version cannot be negative").into());
        }
        let v = v as u64;
        if v != p.min_encryption_version {
            if v > p.latest_version {
                return Err(TransitError::invalid(format!(
                    "cannot set min encryption version of {v}, latest key version is {}",
                    p.latest_version
                ))
                .into());
            }
            p.min_encryption_version = v;
            changed = true;
        }
    }

    if p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version {
        return Err(TransitError::invalid(format!(
            "cannot set min encryption/decryption values; min encryption version of {} must be greater than or equal to min decryption version of {}",
            p.min_encryption_version, p.min_decryption_version
        ))
        .into());
    }

    if d.is_set("deletion_allowed") {
        let v = d.get_bool("deletion_allowed")?;
        changed |= v != p.deletion_allowed;
        p.deletion_allowed = v;
    }
    // Export and plaintext backup can be turned on, never off (silently kept, as Vault).
    if d.is_set("exportable") && d.get_bool("exportable")? && !p.exportable {
        p.exportable = true;
        changed = true;
    }
    if d.is_set("allow_plaintext_backup")
        && d.get_bool("allow_plaintext_backup")?
        && !p.allow_plaintext_backup
    {
        p.allow_plaintext_backup = true;
        changed = true;
    }
    if d.is_set("auto_rotate_period") {
        let secs = d
            .get_duration("auto_rotate_period")?
            .map_or(0, |x| x.as_secs());
        if secs != 0 && secs < MIN_AUTO_ROTATE_SECS {
            return Err(TransitError::invalid(
                "auto rotate period must be 0 to disable or at least an hour",
            )
            .into());
        }
        changed |= secs != p.auto_rotate_period;
        p.auto_rotate_period = secs;
    }

    if changed {
        if p.min_available_version > p.min_encryption_version {
            return Err(TransitError::invalid(
                "min encryption version should not be less than min available version",
            )
            .into());
        }
        if p.min_available_version > p.min_decryption_version {
            return Err(TransitError::invalid(
                "min decryption version should not be less then min available version",
            )
            .into());
        }
        p.save(req.storage.as_ref()).await?;
    }
    let mut resp = Response::with_data(p.info(None)?);
    if let Some(w) = warning {
        resp = resp.warn(w);
    }
    Ok(Some(resp))
}
