//! `vault lease renew [-increment=DUR] ID`: renews the lease of a secret
//! (`sys/leases/renew`).

use serde_json::json;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Renew the lease of a secret";
/// Help text.
pub const HELP: &str = "Usage: vault lease renew [options] ID

  Renews the lease on a secret, extending the time that it can be used before
  it is revoked by Vault.

  Every secret in Vault has a lease associated with it. If the owner of the
  secret wants to use it longer than the lease, then it must be renewed.
  Renewing the lease does not change the contents of the secret. The ID is the
  full path lease ID.

  Renew a secret:

      $ vault lease renew database/creds/readonly/2f6a614c-4aa2-7b19-24b9-ad944a8d4de6

  Lease renewal will fail if the secret is not renewable, the secret has already
  been revoked, or if the secret has already reached its maximum TTL.

Command Options:

  -increment=<duration>
      Request a specific increment in seconds. Vault is not required to honor
      this request.";

const FLAGS: &[FlagSpec] = &[FlagSpec::value("increment").with_aliases(&["i"])];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, FLAGS, true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 1, 1) {
        return code;
    }
    let increment = match p.duration_opt("increment") {
        // Whole seconds, as Vault sends them.
        Ok(v) => (v.unwrap_or(0) / 1_000_000_000) as i64,
        Err(e) => return common::usage_error(ctx, e),
    };
    let lease_id = p.positionals[0].trim().to_string();
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let secret = match client
        .write(
            "sys/leases/renew",
            json!({ "lease_id": lease_id, "increment": increment }),
        )
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui
                .error(&format!("Error renewing {lease_id}: empty response"));
            return common::EXIT_API;
        }
        Err(e) => {
            ctx.ui.error(&format!("Error renewing {lease_id}: {e}"));
            return common::EXIT_API;
        }
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
