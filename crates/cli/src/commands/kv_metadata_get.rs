//! `vault kv metadata get`: prints a KV v2 key's metadata and per-version information.

use serde_json::Value;

use crate::commands::Ctx;
use crate::commands::common::{self, Arity, MOUNT_FLAG};
use crate::format::{self, Format};
use crate::kv::header_for_map;
use crate::secret::Secret;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Retrieves key metadata from the KV store";
/// Help text.
pub const HELP: &str = "Usage: vault kv metadata get [options] KEY

  Retrieves the metadata from Vault's key-value store at the given key name. If
  no key exists with that name, an error is returned.

      $ vault kv metadata get -mount=secret foo";

/// Prints the metadata tables; returns the exit code.
pub fn print_table(ctx: &mut Ctx, mut secret: Secret, full_path: &str) -> i32 {
    let versions = match secret.data.as_mut().and_then(|d| d.remove("versions")) {
        Some(Value::Object(v)) => v,
        _ => {
            ctx.ui.error(&format!("No value found at {full_path}"));
            format::output_secret(&mut ctx.ui, &secret);
            return common::EXIT_API;
        }
    };
    common::output_path(ctx, full_path, "Metadata Path");
    let keys: Vec<String> = secret
        .data
        .as_ref()
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default();
    ctx.ui.output(&header_for_map("Metadata", keys.iter()));
    format::output_secret(&mut ctx.ui, &secret);
    let mut numbers = Vec::with_capacity(versions.len());
    for k in versions.keys() {
        match k.parse::<i64>() {
            Ok(n) => numbers.push(n),
            Err(_) => return common::api_error(ctx, format!("Error parsing version {k}")),
        }
    }
    numbers.sort_unstable();
    for n in numbers {
        let Some(v) = versions.get(&n.to_string()).and_then(Value::as_object) else {
            continue;
        };
        ctx.ui.output(&format!(
            "\n{}",
            header_for_map(&format!("Version {n}"), v.keys())
        ));
        format::output_map(&mut ctx.ui, v);
    }
    0
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (p, client) = common::or_exit!(common::setup(
        ctx,
        argv,
        &[MOUNT_FLAG],
        true,
        Arity::exactly(1)
    ));
    let target = common::or_exit!(common::kv_target(ctx, &client, &p, &p.positionals[0]).await);
    if !target.v2 {
        return common::usage_error(ctx, "Metadata not supported on KV Version 1");
    }
    let full_path = target.v2_path("metadata", false);
    let secret = match client.read(&full_path, Vec::new()).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error(&format!("No value found at {full_path}"));
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error reading {full_path}: {e}")),
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    if secret.wrap_info.is_some() || ctx.ui.format != Format::Table {
        return format::output_secret(&mut ctx.ui, &secret);
    }
    print_table(ctx, secret, &full_path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;
    use crate::ui::testing::ui;
    use serde_json::json;

    #[test]
    fn metadata_table_layout() {
        let (u, out, _) = ui("");
        let mut ctx = Ctx {
            ui: u,
            env: Env::default(),
        };
        let secret: Secret = serde_json::from_value(json!({"data": {
            "current_version": 2, "max_versions": 0, "cas_required": false,
            "versions": {"10": {"destroyed": false}, "2": {"destroyed": true}}
        }}))
        .unwrap();
        assert_eq!(print_table(&mut ctx, secret, "secret/metadata/foo"), 0);
        assert_eq!(
            out.text(),
            "== Metadata Path ==\nsecret/metadata/foo\n\n\
             ======= Metadata =======\n\
             Key                Value\n---                -----\n\
             cas_required       false\ncurrent_version    2\nmax_versions       0\n\
             \n==== Version 2 ====\nKey          Value\n---          -----\ndestroyed    true\n\
             \n=== Version 10 ===\nKey          Value\n---          -----\ndestroyed    false\n"
        );
    }
}
