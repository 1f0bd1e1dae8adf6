//! `vault audit enable [options] TYPE [CONFIG K=V...]`: enables an audit device.

use serde_json::{Value, json};

use crate::args::{FlagSpec, ParsedArgs};
use crate::commands::Ctx;
use crate::commands::common;
use crate::kv::ensure_trailing_slash;
use crate::kvdata;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Enables an audit device";
/// Help text.
pub const HELP: &str = "Usage: vault audit enable [options] TYPE [CONFIG K=V...]

  Enables an audit device at a given path.

  This command enables an audit device of TYPE. Additional options for
  configuring the audit device can be specified after the type in the same
  format as the \"vault write\" command in key/value pairs.

  For example, to configure the file audit device to write audit logs at the
  path \"/var/log/audit.log\":

      $ vault audit enable file file_path=/var/log/audit.log

  For information on available configuration options, please see the
  documentation.

Command Options:

  -description=<string>    Human-friendly description for the purpose of this
                           audit device.
  -local                   Mark the audit device as a local-only device.
  -path=<string>           Place where the audit device will be accessible. This
                           must be unique across all audit devices. This defaults
                           to the \"type\" of the audit device.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("description"),
    FlagSpec::value("path"),
    FlagSpec::bool("local"),
];

/// The device path and request body (`type`, `description`, `options`, `local`).
pub fn build(p: &ParsedArgs, audit_type: &str, options: Value) -> Result<(String, Value), String> {
    let path = match p.last("path").filter(|v| !v.is_empty()) {
        Some(path) => path.to_string(),
        None => audit_type.to_string(),
    };
    let body = json!({
        "type": audit_type,
        "description": p.string_or("description", ""),
        "options": options,
        "local": p.bool_or("local", false).map_err(|e| e.to_string())?,
    });
    Ok((ensure_trailing_slash(&path), body))
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, FLAGS, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Some(audit_type) = p.positionals.first().map(|t| t.trim().to_string()) else {
        ctx.ui.error(
            "Error enabling audit device: audit type missing. Valid types include 'file', 'socket' and 'syslog'.",
        );
        return common::EXIT_USAGE;
    };
    let options = match kvdata::parse_args_data_string(ctx.ui.stdin(), &p.positionals[1..]) {
        Ok(o) => o,
        Err(e) => {
            ctx.ui.error(&format!("Failed to parse K=V data: {e}"));
            return common::EXIT_USAGE;
        }
    };
    let (path, body) = match build(&p, &audit_type, json!(options)) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = client.enable_audit(&path, body).await {
        ctx.ui.error(&format!("Error enabling audit device: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!(
        "Success! Enabled the {audit_type} audit device at: {path}"
    ));
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn path_defaults_to_the_type() {
        let a: Vec<String> = ["-description=x", "-local"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p = parse(&a, FLAGS).unwrap();
        let (path, body) = build(&p, "file", json!({"file_path": "stdout"})).unwrap();
        assert_eq!(path, "file/");
        assert_eq!(
            body,
            json!({"type": "file", "description": "x", "options": {"file_path": "stdout"}, "local": true})
        );
        let a: Vec<String> = vec!["-path=audit/main".into()];
        let p = parse(&a, FLAGS).unwrap();
        let (path, body) = build(&p, "file", json!({})).unwrap();
        assert_eq!(path, "audit/main/");
        assert_eq!(body["local"], false);
    }
}
