//! `vault kv rollback -version=N KEY`: writes an earlier version's data as the newest version.
//!
//! As in Vault, the current version is read first and used as the check-and-set value, so a
//! concurrent write makes the rollback fail instead of silently overwriting it.

use serde_json::{Map, Value, json};

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, MOUNT_FLAG};
use crate::format::{self, Format};
use crate::secret::Secret;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Rolls back to a previous version of data";
/// Help text.
pub const HELP: &str = "Usage: vault kv rollback [options] KEY

  *NOTE*: This is only supported for KV v2 engine mounts.

  Restores a given previous version to the current version at the given path.
  The value is written as a new version; for instance, if the current version
  is 5 and the rollback version is 2, the data from version 2 will become
  version 6.

      $ vault kv rollback -mount=secret -version=2 foo

Command Options:

  -mount=<string>    The mount path of the KV v2 secrets engine.

  -version=<int>     Specifies the version number that should be made current
                     again.";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("version"), MOUNT_FLAG];

/// Why a read version cannot be rolled back to (Vault's wording, without the path).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `metadata` object in the response.
    NoMetadata,
    /// The version was soft-deleted.
    Deleted,
    /// The version was destroyed.
    Destroyed,
    /// No `data` object in the response.
    NoData,
}

/// The metadata object of a KV v2 read, if there is one.
fn metadata(secret: &Secret) -> Option<&Map<String, Value>> {
    secret.data_field("metadata").and_then(Value::as_object)
}

/// Checks that an old version may be restored and returns its data.
pub fn restorable_data(secret: &Secret) -> Result<Map<String, Value>, Refusal> {
    let meta = metadata(secret).ok_or(Refusal::NoMetadata)?;
    if meta
        .get("deletion_time")
        .and_then(Value::as_str)
        .is_some_and(|t| !t.is_empty())
    {
        return Err(Refusal::Deleted);
    }
    if meta.get("destroyed").and_then(Value::as_bool) == Some(true) {
        return Err(Refusal::Destroyed);
    }
    secret
        .data_field("data")
        .and_then(Value::as_object)
        .cloned()
        .ok_or(Refusal::NoData)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, true));
    if p.positionals.len() != 1 {
        return common::usage_error(
            ctx,
            format!(
                "Invalid number of arguments (expected 1, got {})",
                p.positionals.len()
            ),
        );
    }
    let version = match p.int_opt("version") {
        Ok(Some(v)) if v > 0 => v,
        Ok(Some(v)) => {
            return common::usage_error(ctx, format!("Invalid value {v} for the version flag"));
        }
        Ok(None) => return common::usage_error(ctx, "Version flag must be specified"),
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    if !target.v2 {
        return common::api_error(
            ctx,
            "K/V engine mount must be version 2 for rollback support",
        );
    }
    let path = target.v2_path("data", false);

    // The current version, for check-and-set.
    let current = match client.read(&path, Vec::new()).await {
        Ok(Some(s)) if s.data.is_some() => s,
        Ok(_) => return common::api_error(ctx, format!("No value found at {path}")),
        Err(e) => return common::api_error(ctx, format!("Error doing pre-read at {path}: {e}")),
    };
    let Some(cas) = metadata(&current).map(|m| m.get("version").cloned()) else {
        return common::api_error(
            ctx,
            format!("No metadata found at {path}; rollback only works on existing data"),
        );
    };

    // The version to restore.
    let query = vec![("version".to_string(), version.to_string())];
    let old = match client.read(&path, query).await {
        Ok(Some(s)) if s.data.is_some() => s,
        Ok(_) => {
            return common::api_error(
                ctx,
                format!("No value found at version {version} of {path}"),
            );
        }
        Err(e) => {
            return common::api_error(
                ctx,
                format!("Error reading version {version} at {path}: {e}"),
            );
        }
    };
    let data = match restorable_data(&old) {
        Ok(d) => d,
        Err(r) => {
            let msg = match r {
                Refusal::NoMetadata => format!(
                    "No metadata found at version {version} of {path}; rollback only works on existing data"
                ),
                Refusal::Deleted => "Cannot roll back to a version that has been deleted".into(),
                Refusal::Destroyed => {
                    "Cannot roll back to a version that has been destroyed".into()
                }
                Refusal::NoData => format!("No data found at version {version} of {path}"),
            };
            return common::api_error(ctx, msg);
        }
    };

    let body = json!({"data": data, "options": {"cas": cas.unwrap_or(Value::Null)}});
    let secret = match client.write(&path, body).await {
        Ok(s) => s,
        Err(e) => return common::api_error(ctx, format!("Error writing data to {path}: {e}")),
    };
    let Some(secret) = secret else {
        if ctx.ui.format == Format::Table {
            ctx.ui.output(&format!("Success! Data written to: {path}"));
        }
        return 0;
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    if ctx.ui.format == Format::Table {
        return common::output_write_metadata(ctx, &path, &secret);
    }
    format::output_secret(&mut ctx.ui, &secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(v: Value) -> Secret {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_live_versions_are_restorable() {
        let live = secret(json!({"data": {"data": {"a": "1"}, "metadata": {"version": 2}}}));
        assert_eq!(restorable_data(&live).unwrap().get("a"), Some(&json!("1")));
        let deleted = secret(json!({"data": {"data": null,
            "metadata": {"deletion_time": "2024-01-01T00:00:00Z"}}}));
        assert_eq!(restorable_data(&deleted), Err(Refusal::Deleted));
        let destroyed = secret(
            json!({"data": {"data": null, "metadata": {"deletion_time": "", "destroyed": true}}}),
        );
        assert_eq!(restorable_data(&destroyed), Err(Refusal::Destroyed));
        let no_meta = secret(json!({"data": {"data": {"a": "1"}}}));
        assert_eq!(restorable_data(&no_meta), Err(Refusal::NoMetadata));
        let no_data = secret(json!({"data": {"metadata": {"deletion_time": ""}}}));
        assert_eq!(restorable_data(&no_data), Err(Refusal::NoData));
    }
}
