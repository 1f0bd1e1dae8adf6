//! `vault audit list [-detailed]`: lists the enabled audit devices.

use std::collections::BTreeMap;

use crate::audit_api::Audit;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Lists enabled audit devices";
/// Help text.
pub const HELP: &str = "Usage: vault audit list [options]

  Lists the enabled audit devices in the Vault server. The output lists the
  enabled audit devices and the options for those devices.

  List all audit devices:

      $ vault audit list

  List detailed output about the audit devices:

      $ vault audit list -detailed";

/// The simple table's lines (before alignment).
pub fn simple_lines(audits: &BTreeMap<String, Audit>) -> Vec<String> {
    let mut out = vec!["Path | Type | Description".to_string()];
    for a in audits.values() {
        out.push(format!("{} | {} | {}", a.path, a.audit_type, a.description));
    }
    out
}

/// The detailed table's lines (before alignment); options sorted by name.
pub fn detailed_lines(audits: &BTreeMap<String, Audit>) -> Vec<String> {
    let mut out = vec!["Path | Type | Description | Replication | Options".to_string()];
    for (path, a) in audits {
        let replication = if a.local { "local" } else { "replicated" };
        let options: Vec<String> = a.options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push(format!(
            "{path} | {} | {} | {replication} | {}",
            a.audit_type,
            a.description,
            options.join(" ")
        ));
    }
    out
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 0, 0) {
        return code;
    }
    let detailed = ctx.ui.detailed || p.bool_or("detailed", false).unwrap_or(false);
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let audits = match client.list_audit().await {
        Ok(a) => a,
        Err(e) => {
            ctx.ui.error(&format!("Error listing audits: {e}"));
            return common::EXIT_API;
        }
    };
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, &audits);
    }
    if audits.is_empty() {
        ctx.ui.output("No audit devices are enabled.");
        return common::EXIT_API;
    }
    let lines = if detailed {
        detailed_lines(&audits)
    } else {
        simple_lines(&audits)
    };
    ctx.ui.output(&columns::table(&lines, "|"));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn audits() -> BTreeMap<String, Audit> {
        serde_json::from_value(json!({
            "file/": {"type": "file", "description": "", "options": {"file_path": "stdout", "log_raw": "false"}, "local": false, "path": "file/"},
            "local/": {"type": "file", "description": "node log", "options": {"file_path": "/var/log/a.log"}, "local": true, "path": "local/"}
        }))
        .unwrap()
    }

    #[test]
    fn tables() {
        let simple = columns::table(&simple_lines(&audits()), "|");
        assert_eq!(
            simple,
            "Path      Type    Description\n\
             ----      ----    -----------\n\
             file/     file    n/a\n\
             local/    file    node log"
        );
        let detailed = columns::table(&detailed_lines(&audits()), "|");
        assert!(
            detailed.contains(
                "file/     file    n/a            replicated     file_path=stdout log_raw=false"
            ),
            "{detailed}"
        );
        assert!(
            detailed.contains(
                "local/    file    node log       local          file_path=/var/log/a.log"
            ),
            "{detailed}"
        );
    }
}
