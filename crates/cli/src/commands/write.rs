//! `vault write PATH k=v... | @file | -`: writes to any path.

use serde_json::Value;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format};
use crate::kv::sanitize_path;
use crate::kvdata;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Write data, configuration, and secrets";
/// Help text.
pub const HELP: &str = "Usage: vault write [options] PATH [DATA K=V...]

  Writes data to Vault at the given path. The data can be credentials, secrets,
  configuration, or arbitrary data. Values starting with \"@\" are read from a
  file, \"-\" reads from stdin (a bare \"-\" reads a JSON object).

      $ vault write secret/foo value=bar
      $ vault write -f sys/rotate
      $ echo '{\"a\":1}' | vault write secret/foo -

Command Options:

  -force, -f    Allow the operation to continue with no key=value pairs.";

const FLAGS: &[FlagSpec] = &[FlagSpec::bool("force").with_aliases(&["f"])];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, true));
    let force = match p.bool_or("force", false) {
        Ok(f) => f,
        Err(e) => return common::usage_error(ctx, e),
    };
    if p.positionals.is_empty() {
        return common::usage_error(ctx, "Not enough arguments (expected 1, got 0)");
    }
    if p.positionals.len() == 1 && !force {
        return common::usage_error(ctx, "Must supply data or use -force");
    }
    let path = sanitize_path(&p.positionals[0]);
    let data = match kvdata::parse_args_data(ctx.ui.stdin(), &p.positionals[1..]) {
        Ok(d) => d,
        Err(e) => return common::usage_error(ctx, format!("Failed to parse K=V data: {e}")),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let secret = match client.write(&path, Value::Object(data)).await {
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
    format::output_secret(&mut ctx.ui, &secret)
}
