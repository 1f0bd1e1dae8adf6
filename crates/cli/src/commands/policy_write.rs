//! `vault policy write NAME PATH`: uploads a policy from a file, or from stdin with `-`.

use serde_json::json;

use crate::commands::Ctx;
use crate::commands::common;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Uploads a named policy from a file";
/// Help text.
pub const HELP: &str = "Usage: vault policy write [options] NAME PATH

  Uploads a policy with name NAME from the contents of a local file PATH or
  stdin. If PATH is \"-\", the policy is read from stdin.

      $ vault policy write my-policy /tmp/policy.hcl
      $ cat my-policy.hcl | vault policy write my-policy -";

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, &[], false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 2, 2) {
        return code;
    }
    let name = p.positionals[0].trim().to_lowercase();
    let source = &p.positionals[1];
    let mut rules = String::new();
    let read = if source == "-" {
        ctx.ui.stdin().read_to_string(&mut rules).map(|_| ())
    } else {
        std::fs::read_to_string(source).map(|s| rules = s)
    };
    if let Err(e) = read {
        let what = if source == "-" {
            "stdin"
        } else {
            source.as_str()
        };
        ctx.ui
            .error(&format!("Error reading policy from {what}: {e}"));
        return common::EXIT_USAGE;
    }
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = client
        .write(
            &format!("sys/policies/acl/{name}"),
            json!({ "policy": rules }),
        )
        .await
    {
        ctx.ui.error(&format!("Error uploading policy: {e}"));
        return common::EXIT_API;
    }
    ctx.ui.output(&format!("Success! Uploaded policy: {name}"));
    0
}
