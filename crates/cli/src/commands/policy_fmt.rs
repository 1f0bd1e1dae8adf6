//! `vault policy fmt FILE`: validates a policy file and rewrites it in canonical layout.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::hclfmt;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Formats a policy on disk";
/// Help text.
pub const HELP: &str = "Usage: vault policy fmt [options] PATH

  Formats a local policy file to the policy specification. This command will
  overwrite the file at the given PATH with the properly-formatted policy
  file contents.

  Format the local file \"my-policy.hcl\" as a policy file:

      $ vault policy fmt my-policy.hcl";

/// Vault's `homedir.Expand`: a leading `~/` means the home directory.
fn expand_home(ctx: &Ctx, path: &str) -> String {
    match (path.strip_prefix("~/"), ctx.env.get("HOME")) {
        (Some(rest), Some(home)) => format!("{}/{rest}", home.trim_end_matches('/')),
        _ => path.to_string(),
    }
}

/// Runs the command.
pub fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(
        ctx,
        argv,
        &[],
        false,
        Arity::exactly(1)
    ));
    let path = expand_home(ctx, p.positionals[0].trim());
    let contents = match std::fs::read(&path) {
        Ok(c) => c,
        Err(e) => {
            return common::usage_error(
                ctx,
                format!(
                    "Error opening policy file: open {path}: {}",
                    crate::client::io_text(&e)
                ),
            );
        }
    };
    let Ok(text) = String::from_utf8(contents) else {
        return common::usage_error(ctx, format!("Error reading policy file {path}: not UTF-8"));
    };
    if let Err(e) = arca_policy::Policy::parse("fmt", &text) {
        return common::usage_error(ctx, e);
    }
    if text.trim_start().starts_with('{') {
        return common::usage_error(
            ctx,
            "Error printing result: JSON policies are left as they are; only HCL is formatted",
        );
    }
    let result = hclfmt::format(&text);
    if let Err(e) = std::fs::write(&path, result) {
        return common::usage_error(
            ctx,
            format!(
                "Error writing result: open {path}: {}",
                crate::client::io_text(&e)
            ),
        );
    }
    ctx.ui.output(&format!("Success! Formatted policy: {path}"));
    0
}
