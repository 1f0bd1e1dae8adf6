//! `vault kv get`: reads a KV secret and prints it with Vault's banners.

use serde_json::Value;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity, MOUNT_FLAG};
use crate::format::{self, Format};
use crate::kv::header_for_map;
use crate::secret::Secret;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Retrieves data from the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv get [options] KEY

  Retrieves the value from Vault's key-value store at the given key name. If no
  key exists with that name, an error is returned. If a key exists with that
  name but has no data, nothing is returned.

      $ vault kv get -mount=secret foo
      $ vault kv get secret/foo
      $ vault kv get -mount=secret -version=1 foo
      $ vault kv get -mount=secret -field=password foo";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("version"), MOUNT_FLAG];

/// A KV v2 read whose `data` is missing (deleted or destroyed version).
#[derive(Debug, PartialEq, Eq)]
pub struct NoData;

/// What `-field` selects from a KV read (v2 looks inside `data.data`).
pub fn field_value(secret: &Secret, v2: bool, field: &str) -> Result<Option<Value>, NoData> {
    if !v2 {
        return Ok(format::raw_field(secret, field));
    }
    let Some(data) = secret.data_field("data").filter(|d| !d.is_null()) else {
        return Err(NoData);
    };
    if field == "data" {
        if let Some(inner) = data.as_object().and_then(|m| m.get("data")) {
            return Ok(Some(inner.clone()));
        }
        return Ok(format::raw_field(secret, field));
    }
    Ok(data.as_object().and_then(|m| m.get(field)).cloned())
}

/// Prints a KV read in table format: path banner (v2), metadata, data.
pub fn print_table(ctx: &mut Ctx, secret: &Secret, full_path: &str, v2: bool) {
    format::print_warnings(&mut ctx.ui, secret);
    if v2 {
        common::output_path(ctx, full_path, "Secret Path");
    }
    if let Some(meta) = secret.data_field("metadata").and_then(Value::as_object) {
        ctx.ui.output(&header_for_map("Metadata", meta.keys()));
        format::output_map(&mut ctx.ui, meta);
        ctx.ui.output("");
    }
    let data = if v2 {
        secret
            .data_field("data")
            .and_then(Value::as_object)
            .cloned()
    } else {
        secret.data.clone()
    };
    if let Some(data) = data {
        ctx.ui.output(&header_for_map("Data", data.keys()));
        format::output_map(&mut ctx.ui, &data);
    }
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        FLAGS,
        true,
        Arity::exactly(1)
    ));
    let version = match p.int_opt("version") {
        Ok(v) => v.unwrap_or(0),
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    let full_path = target.full_path("data");
    let query = if target.v2 && version > 0 {
        vec![("version".to_string(), version.to_string())]
    } else {
        Vec::new()
    };
    let secret = match client.read(&full_path, query).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error(&format!("No value found at {full_path}"));
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error reading {full_path}: {e}")),
    };
    if let Some(field) = common::field(&p) {
        return match field_value(&secret, target.v2, &field) {
            Ok(v) => format::print_raw_field(&mut ctx.ui, v, &field),
            Err(NoData) => {
                ctx.ui.error(&format!("No data found at {full_path}"));
                common::EXIT_API
            }
        };
    }
    if secret.wrap_info.is_some() || ctx.ui.format != Format::Table {
        return format::output_secret(&mut ctx.ui, &secret);
    }
    print_table(ctx, &secret, &full_path, target.v2);
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret(v: Value) -> Secret {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn field_selection_v1_and_v2() {
        let v2 = secret(
            json!({"data": {"data": {"password": "p", "data": "inner"}, "metadata": {"version": 1}}}),
        );
        assert_eq!(field_value(&v2, true, "password"), Ok(Some(json!("p"))));
        assert_eq!(field_value(&v2, true, "data"), Ok(Some(json!("inner"))));
        assert_eq!(field_value(&v2, true, "nope"), Ok(None));
        let deleted = secret(json!({"data": {"data": null, "metadata": {}}}));
        assert_eq!(field_value(&deleted, true, "password"), Err(NoData));
        let v1 = secret(json!({"data": {"password": "p"}}));
        assert_eq!(field_value(&v1, false, "password"), Ok(Some(json!("p"))));
    }
}
