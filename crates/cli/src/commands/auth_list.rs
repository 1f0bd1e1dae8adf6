//! `vault auth list [-detailed]`: lists enabled auth methods.

use std::collections::BTreeMap;

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::commands::secrets_list::{options_cell, ttl_cell};
use crate::format::{self, Format, columns};
use crate::sys::Mount;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Lists enabled auth methods";
/// Help text.
pub const HELP: &str = "Usage: vault auth list [options]

  Lists the enabled auth methods on the Vault server. This command also outputs
  information about the method including configuration and human-friendly
  descriptions. A TTL of \"system\" indicates that the system default is in use.

      $ vault auth list
      $ vault auth list -detailed";

/// The simple table's lines (before alignment).
pub fn simple_lines(auths: &BTreeMap<String, Mount>) -> Vec<String> {
    let mut out = vec!["Path | Type | Accessor | Description | Version".to_string()];
    for (path, m) in auths {
        out.push(format!(
            "{path} | {} | {} | {} | {}",
            m.mount_type, m.accessor, m.description, m.plugin_version
        ));
    }
    out
}

/// The detailed table's lines (before alignment).
pub fn detailed_lines(auths: &BTreeMap<String, Mount>) -> Vec<String> {
    let mut out = vec![
        "Path | Plugin | Accessor | Default TTL | Max TTL | Token Type | Replication | \
         Seal Wrap | External Entropy Access | Options | Description | UUID | Version | \
         Running Version | Running SHA256 | Deprecation Status"
            .to_string(),
    ];
    for (path, m) in auths {
        let plugin = if m.mount_type == "plugin" {
            m.config.plugin_name.as_str()
        } else {
            m.mount_type.as_str()
        };
        let replication = if m.local { "local" } else { "replicated" };
        out.push(format!(
            "{path} | {plugin} | {} | {} | {} | {} | {replication} | {} | {} | {} | {} | {} | {} | {} | {} | {}",
            m.accessor,
            ttl_cell(&m.mount_type, m.config.default_lease_ttl),
            ttl_cell(&m.mount_type, m.config.max_lease_ttl),
            m.config.token_type,
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
    let p = common::or_exit!(common::parse_with_args(ctx, argv, &[], false, Arity::NONE));
    let detailed = ctx.ui.detailed || p.bool_or("detailed", false).unwrap_or(false);
    let client = common::or_exit!(common::client(ctx, &p));
    let auths = match client.list_auth().await {
        Ok(m) => m,
        Err(e) => {
            return common::api_error(ctx, format!("Error listing enabled authentications: {e}"));
        }
    };
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &auths);
    }
    let lines = if detailed {
        detailed_lines(&auths)
    } else {
        simple_lines(&auths)
    };
    ctx.ui.output(&columns::table(&lines, "|"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn auths() -> BTreeMap<String, Mount> {
        serde_json::from_value(json!({
            "token/": {"type": "token", "accessor": "auth_token_1", "description": "token based credentials", "config": {"default_lease_ttl": 0, "max_lease_ttl": 0, "token_type": "default-service"}},
            "userpass/": {"type": "userpass", "accessor": "auth_userpass_2", "description": "", "config": {"default_lease_ttl": 60, "max_lease_ttl": 0, "token_type": "default-service"}}
        }))
        .unwrap()
    }

    #[test]
    fn tables() {
        let simple = columns::table(&simple_lines(&auths()), "|");
        assert!(
            simple.starts_with(
                "Path         Type        Accessor           Description                Version\n"
            ),
            "{simple}"
        );
        assert!(
            simple.contains(
                "token/       token       auth_token_1       token based credentials    n/a"
            ),
            "{simple}"
        );
        let lines = detailed_lines(&auths());
        assert!(
            lines[2].starts_with("userpass/ | userpass | auth_userpass_2 | 60 | system | default-service | replicated |"),
            "{}",
            lines[2]
        );
    }
}
