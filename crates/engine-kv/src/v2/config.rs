//! `config`: the mount-wide kv v2 settings.

use arca_sdk::{
    Error, FieldData, Operation, Request, Response,
    duration::parse_duration,
    field::{Field, FieldType},
    framework::{Path, handler},
};
use serde_json::{Value, json};

use super::model::Config;
use crate::{KvError, timefmt::go_duration_signed};

/// The `config` route.
pub(super) fn path() -> Path {
    Path::new("config")
        .field(Field::new(
            "max_versions",
            FieldType::Int,
            "The number of versions to keep for each key. Defaults to 10",
        ))
        .field(Field::new(
            "cas_required",
            FieldType::Bool,
            "If true, the backend will require the cas parameter to be set for each write",
        ))
        .field(Field::new(
            "delete_version_after",
            FieldType::Raw,
            "If set, the length of time before a version is deleted. A negative duration disables \
the use of delete_version_after on all keys. A zero duration clears the current setting.",
        ))
        .on(Operation::Read, handler(read))
        .on(Operation::Update, handler(write))
        .help(
            "Configures settings for the KV store",
            "Backend level settings applied to every key: max_versions, cas_required and \
delete_version_after.",
        )
}

async fn read(req: Request, _: FieldData) -> Result<Option<Response>, Error> {
    let config = Config::load(req.storage.as_ref()).await?;
    Ok(Some(Response::from_json(json!({
        "max_versions": config.max_versions,
        "cas_required": config.cas_required,
        "delete_version_after": go_duration_signed(config.delete_version_after),
    }))))
}

async fn write(req: Request, fd: FieldData) -> Result<Option<Response>, Error> {
    let fields = ["max_versions", "cas_required", "delete_version_after"];
    if !fields.iter().any(|f| fd.is_set(f)) {
        return Ok(None);
    }
    let storage = req.storage.as_ref();
    let mut config = Config::load(storage).await?;
    if fd.is_set("max_versions") {
        let n = fd.get_i64("max_versions")?.unwrap_or(0);
        config.max_versions = u32::try_from(n).map_err(|_| {
            KvError::InvalidField("max_versions must be between 0 and 4294967295".into())
        })?;
    }
    if fd.is_set("cas_required") {
        config.cas_required = fd.get_bool("cas_required")?;
    }
    if let Some(raw) = fd.raw().get("delete_version_after") {
        // Vault keeps any negative value as "disabled" (-1s).
        config.delete_version_after = parse_signed_secs(raw)?.max(-1);
    }
    config.save(storage).await?;
    Ok(None)
}

/// Parses a signed duration: whole seconds, or a Go-style string that may start with
/// a minus sign ("-1s", "1h30m").
fn parse_signed_secs(raw: &Value) -> Result<i64, Error> {
    let bad = |detail: String| {
        KvError::InvalidField(format!(
            "error converting input for field \"delete_version_after\": {detail}"
        ))
    };
    match raw {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 9.0e18)
                    .map(|f| f.trunc() as i64)
            })
            .ok_or_else(|| bad(format!("invalid duration {n}")).into()),
        Value::String(s) => {
            let s = s.trim();
            let (negative, body) = match s.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, s.strip_prefix('+').unwrap_or(s)),
            };
            let secs = parse_duration(body).map_err(bad)?.as_secs();
            let secs = i64::try_from(secs).map_err(|_| bad(format!("invalid duration {s:?}")))?;
            Ok(if negative { -secs } else { secs })
        }
        other => Err(bad(format!("invalid duration {other}")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_durations_parse() {
        assert_eq!(parse_signed_secs(&json!("1h")).unwrap(), 3600);
        assert_eq!(parse_signed_secs(&json!("-1s")).unwrap(), -1);
        assert_eq!(parse_signed_secs(&json!("-5m")).unwrap(), -300);
        assert_eq!(parse_signed_secs(&json!(-3)).unwrap(), -3);
        assert_eq!(parse_signed_secs(&json!("90")).unwrap(), 90);
        assert_eq!(parse_signed_secs(&json!("0s")).unwrap(), 0);
        assert!(parse_signed_secs(&json!("soon")).is_err());
        assert!(parse_signed_secs(&json!([1])).is_err());
    }
}
