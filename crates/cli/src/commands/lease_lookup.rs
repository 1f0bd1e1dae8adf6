//! `vault lease lookup ID`: shows a lease's issue and expiry times, TTL and whether it
//! can be renewed (`sys/leases/lookup`).

use serde_json::json;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Lookup the lease of a secret";
/// Help text.
pub const HELP: &str = "Usage: vault lease lookup ID

  Lookup the lease information of a secret.

  Every secret in Vault has a lease associated with it. Users can look up
  information on the lease by referencing the lease ID.

  Lookup lease of a secret:

      $ vault lease lookup database/creds/readonly/2f6a614c-4aa2-7b19-24b9-ad944a8d4de6";

const FLAGS: &[FlagSpec] = &[];

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, FLAGS, true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 1, 1) {
        return code;
    }
    let lease_id = p.positionals[0].trim().to_string();
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let secret = match client
        .write("sys/leases/lookup", json!({ "lease_id": lease_id }))
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error(&format!(
                "error looking up lease id {lease_id}: empty response"
            ));
            return common::EXIT_API;
        }
        Err(e) => {
            ctx.ui
                .error(&format!("error looking up lease id {lease_id}: {e}"));
            return common::EXIT_API;
        }
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    format::output_secret(&mut ctx.ui, &secret)
}
