//! `vault status`: seal and HA status; exit 0 unsealed, 2 sealed, 1 on error.
//!
//! Readiness probes and the Helm chart's tests run this command and look only at the exit
//! code, so the codes follow Vault exactly: 2 is reserved for "sealed", every error is 1.

use crate::client::Client;
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::format::{self, Format, columns};
use crate::sys::{Leader, SealStatus, SealStatusOutput};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Print seal and HA status";
/// Help text.
pub const HELP: &str = "Usage: vault status [options]

  Prints the current state of Vault including whether it is sealed and if HA
  mode is enabled. This command prints regardless of whether the Vault is
  sealed.

  The exit code reflects the seal status:

      - 0 - unsealed
      - 1 - error
      - 2 - sealed

      $ vault status";

/// Vault's exit code for `status`: sealed is 2 unless printing failed.
pub fn exit_code(sealed: bool, output_code: i32) -> i32 {
    if sealed && output_code == 0 {
        2
    } else {
        output_code
    }
}

/// Vault's `OutputSealStatus`: adds leader information (masking the "Vault is sealed" error)
/// and prints the status table or JSON/YAML. Returns 0, or 1 when the leader lookup fails.
pub async fn output_seal_status(ctx: &mut Ctx, client: &Client, seal: SealStatus) -> i32 {
    let leader = match client.leader().await {
        Ok(l) => l,
        Err(e) if e.to_string().contains("Vault is sealed") => Leader {
            ha_enabled: true,
            ..Default::default()
        },
        Err(e) => {
            ctx.ui.error(&format!("Error checking leader status: {e}"));
            return 1;
        }
    };
    let out = SealStatusOutput::new(seal, leader);
    if ctx.ui.format == Format::Table {
        ctx.ui.output(&columns::table(&out.table_rows(), "|"));
        return 0;
    }
    format::output_structured(&mut ctx.ui, &out)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(ctx, argv, &[], false, Arity::NONE));
    // 2 means "sealed" here, so client errors are 1.
    let mut client = common::or_exit!(common::client_with_code(ctx, &p, 1));
    client.clear_namespace();
    let seal = match client.seal_status().await {
        Ok(s) => s,
        Err(e) => {
            ctx.ui.error(&format!("Error checking seal status: {e}"));
            return 1;
        }
    };
    let sealed = seal.sealed;
    let code = output_seal_status(ctx, &client, seal).await;
    exit_code(sealed, code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(false, 0), 0);
        assert_eq!(exit_code(true, 0), 2);
        assert_eq!(exit_code(true, 1), 1);
        assert_eq!(exit_code(false, 1), 1);
    }
}
