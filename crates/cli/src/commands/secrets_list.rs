//! `vault secrets list [-detailed]`: lists mounted secrets engines.

use std::collections::BTreeMap;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format, columns};
use crate::sys::Mount;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "List enabled secrets engines";
/// Help text.
pub const HELP: &str = "Usage: vault secrets list [options]

  Lists the enabled secret engines on the Vault server. This command also
  outputs information about the enabled path including configured TTLs and
  human-friendly descriptions.

      $ vault secrets list
      $ vault secrets list -detailed";

const FLAGS: &[FlagSpec] = &[];

/// The simple table's lines (before alignment).
pub fn simple_lines(mounts: &BTreeMap<String, Mount>) -> Vec<String> {
    let mut out = vec!["Path | Type | Accessor | Description".to_string()];
    for (path, m) in mounts {
        out.push(format!(
            "{path} | {} | {} | {}",
            m.mount_type, m.accessor, m.description
        ));
    }
    out
}

/// A TTL cell as `vault secrets list -detailed` and `vault auth list -detailed` show it.
pub(crate) fn ttl_cell(plugin: &str, ttl: i64) -> String {
    match plugin {
        "system" | "cubbyhole" => String::new(),
        _ if ttl != 0 => ttl.to_string(),
        _ => "system".to_string(),
    }
}

/// An options cell in Go's `map[k:v ...]` form (shared with `auth list`).
pub(crate) fn options_cell(options: &Option<BTreeMap<String, String>>) -> String {
    let inner: Vec<String> = options
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    format!("map[{}]", inner.join(" "))
}

/// The detailed table's lines (before alignment).
pub fn detailed_lines(mounts: &BTreeMap<String, Mount>) -> Vec<String> {
    let mut out = vec![
        "Path | Plugin | Accessor | Default TTL | Max TTL | Force No Cache | Replication | \
         Seal Wrap | External Entropy Access | Options | Description | UUID | Version | \
         Running Version | Running SHA256 | Deprecation Status"
            .to_string(),
    ];
    for (path, m) in mounts {
        let plugin = if m.mount_type == "plugin" {
            m.config.plugin_name.as_str()
        } else {
            m.mount_type.as_str()
        };
        let replication = if m.local { "local" } else { "replicated" };
        out.push(format!(
            "{path} | {plugin} | {} | {} | {} | {} | {replication} | {} | {} | {} | {} | {} | {} | {} | {} | {}",
            m.accessor,
            ttl_cell(plugin, m.config.default_lease_ttl),
            ttl_cell(plugin, m.config.max_lease_ttl),
            m.config.force_no_cache,
            m.seal_wrap,
            m.external_entropy_access,
            options_cell(&m.options),
            m.description,
            m.uuid,
            m.plugin_version,
            m.running_plugin_version,
            m.running_sha256,
            m.deprecation_status,
        ));
    }
    out
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        FLAGS,
        false,
        Arity::NONE
    ));
    let detailed = ctx.ui.detailed || p.bool_or("detailed", false).unwrap_or(false);
    let client = common::or_exit!(common::client(ctx, &p));
    let mounts = match client.list_mounts().await {
        Ok(m) => m,
        Err(e) => return common::api_error(ctx, format!("Error listing secrets engines: {e}")),
    };
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &mounts);
    }
    let lines = if detailed {
        detailed_lines(&mounts)
    } else {
        simple_lines(&mounts)
    };
    ctx.ui.output(&columns::table(&lines, "|"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mounts() -> BTreeMap<String, Mount> {
        let v = json!({
            "sys/": {"type": "system", "accessor": "system_1", "description": "system endpoints used for control, policy and debugging", "config": {"default_lease_ttl": 0, "max_lease_ttl": 0}},
            "secret/": {"type": "kv", "accessor": "kv_2", "description": "", "options": {"version": "2"}, "config": {"default_lease_ttl": 0, "max_lease_ttl": 3600}},
            "cubbyhole/": {"type": "cubbyhole", "accessor": "cubbyhole_3", "description": "per-token private secret storage", "local": true}
        });
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn simple_table() {
        assert_eq!(
            columns::table(&simple_lines(&mounts()), "|"),
            "Path          Type         Accessor       Description\n\
             ----          ----         --------       -----------\n\
             cubbyhole/    cubbyhole    cubbyhole_3    per-token private secret storage\n\
             secret/       kv           kv_2           n/a\n\
             sys/          system       system_1       system endpoints used for control, policy and debugging"
        );
    }

    #[test]
    fn detailed_cells() {
        let lines = detailed_lines(&mounts());
        assert!(
            lines[1].starts_with("cubbyhole/ | cubbyhole | cubbyhole_3 |  |  | false | local |")
        );
        assert!(
            lines[2].contains(
                "| system | 3600 | false | replicated | false | false | map[version:2] |"
            )
        );
    }
}
