//! `vault path-help PATH`: the server's help text for a path.

use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format};
use crate::kv::sanitize_path;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Retrieve API help for paths";
/// Help text.
pub const HELP: &str = "Usage: vault path-help [options] PATH

  Retrieves API help for paths. All endpoints in Vault provide built-in help in
  markdown format.

      $ vault path-help secret/
      $ vault path-help sys/mounts";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let (p, client) = common::or_exit!(common::setup(ctx, argv, &[], false, Arity::exactly(1)));
    let path = sanitize_path(&p.positionals[0]);
    let help = match client.help(&path).await {
        Ok(h) => h,
        Err(e) => {
            if e.to_string().contains("Vault is sealed") {
                ctx.ui.error(
                    "Error: Vault is sealed.\n\nThe \"path-help\" command requires the Vault to be \
                     unsealed so that the mount\npoints of the secret engines are known.",
                );
            } else {
                ctx.ui.error(&format!("Error retrieving help: {e}"));
            }
            return common::EXIT_API;
        }
    };
    if ctx.ui.format == Format::Table {
        ctx.ui.output(&help.help);
        return 0;
    }
    format::output_structured(&mut ctx.ui, &help)
}
