//! `vault token create`: creates a token (child, orphan or against a role).

use serde_json::{Map, Value, json};

use crate::args::{FlagSpec, ParsedArgs, UsageError};
use crate::commands::Ctx;
use crate::commands::common::{self, Arity};
use crate::duration;
use crate::format;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Create a new token";
/// Help text.
pub const HELP: &str = "Usage: vault token create [options]

  Creates a new token that can be used for authentication. This token will be
  created as a child of the currently authenticated token. The generated token
  will inherit all policies and permissions of the currently authenticated
  token unless you explicitly define a subset list policies to assign to the
  token.

      $ vault token create -policy=foo -policy=bar
      $ vault token create -ttl=30m -orphan
      $ vault token create -type=batch -policy=reader

Command Options:

  -display-name=<string>      Name to associate with this token.
  -entity-alias=<string>      Name of the entity alias to associate with the token.
  -explicit-max-ttl=<dur>     Explicit maximum lifetime for the token.
  -id=<string>                Value for the token (root only).
  -metadata=<key=value>       Arbitrary key=value metadata (repeatable).
  -no-default-policy          Detach the \"default\" policy from the token.
  -orphan                     Create the token with no parent.
  -period=<dur>               Renewal period of a periodic token.
  -policy=<string>            Name of a policy to attach (repeatable).
  -renewable                  Allow the token to be renewed (default true).
  -role=<string>              Name of the role to create the token against.
  -ttl=<dur>                  Initial TTL of the token.
  -type=<string>              The type of token to create: service or batch.
  -use-limit=<int>            Number of times this token can be used.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("id"),
    FlagSpec::value("display-name"),
    FlagSpec::value("ttl"),
    FlagSpec::value("explicit-max-ttl"),
    FlagSpec::value("period"),
    FlagSpec::bool("renewable"),
    FlagSpec::bool("orphan"),
    FlagSpec::bool("no-default-policy"),
    FlagSpec::value("use-limit"),
    FlagSpec::value("role"),
    FlagSpec::value("type"),
    FlagSpec::value("policy"),
    FlagSpec::value("metadata"),
    FlagSpec::value("entity-alias"),
];

/// The request body and path (`auth/token/create[/<role>]`), as Vault's
/// `TokenCreateRequest` encodes them (durations as Go strings, empty values omitted).
pub fn build(p: &ParsedArgs) -> Result<(String, Value), UsageError> {
    let dur = |name: &str| -> Result<String, UsageError> {
        Ok(duration::format_go(p.duration_opt(name)?.unwrap_or(0)))
    };
    let token_type = p.string_or("type", "service");
    let renewable = token_type != "batch" && p.bool_or("renewable", true)?;
    let mut body = Map::new();
    let mut put_str = |key: &str, v: String| {
        if !v.is_empty() {
            body.insert(key.into(), json!(v));
        }
    };
    put_str("id", p.string_or("id", ""));
    put_str("ttl", dur("ttl")?);
    put_str("explicit_max_ttl", dur("explicit-max-ttl")?);
    put_str("period", dur("period")?);
    put_str("display_name", p.string_or("display-name", ""));
    put_str("type", token_type);
    put_str("entity_alias", p.string_or("entity-alias", ""));
    let policies = p.string_slice("policy");
    if !policies.is_empty() {
        body.insert("policies".into(), json!(policies));
    }
    let meta = p.string_map("metadata")?;
    if !meta.is_empty() {
        body.insert("meta".into(), json!(meta));
    }
    if p.bool_or("orphan", false)? {
        body.insert("no_parent".into(), json!(true));
    }
    if p.bool_or("no-default-policy", false)? {
        body.insert("no_default_policy".into(), json!(true));
    }
    let uses = p.int_or("use-limit", 0)?;
    if uses != 0 {
        body.insert("num_uses".into(), json!(uses));
    }
    body.insert("renewable".into(), json!(renewable));
    let path = match p.last("role").filter(|r| !r.is_empty()) {
        Some(role) => format!("auth/token/create/{role}"),
        None => "auth/token/create".to_string(),
    };
    Ok((path, Value::Object(body)))
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse_with_args(ctx, argv, FLAGS, true, Arity::NONE));
    let (path, body) = match build(&p) {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let client = common::or_exit!(common::client(ctx, &p));
    let secret = match client.write(&path, body).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            ctx.ui.error("Error creating token: empty response");
            return common::EXIT_API;
        }
        Err(e) => return common::api_error(ctx, format!("Error creating token: {e}")),
    };
    if let Some(field) = common::field(&p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(&secret, &field), &field);
    }
    format::output_secret(&mut ctx.ui, &secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    fn parsed(args: &[&str]) -> ParsedArgs {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&a, FLAGS).unwrap()
    }

    #[test]
    fn flags_become_vaults_request() {
        let (path, body) = build(&parsed(&[
            "-policy=a,b",
            "-policy=c",
            "-ttl=1h",
            "-period=24h",
            "-orphan",
            "-use-limit=3",
            "-metadata=team=x",
            "-display-name=app",
        ]))
        .unwrap();
        assert_eq!(path, "auth/token/create");
        assert_eq!(
            body,
            json!({
                "policies": ["a", "b", "c"], "ttl": "1h0m0s", "explicit_max_ttl": "0s",
                "period": "24h0m0s", "no_parent": true, "num_uses": 3, "meta": {"team": "x"},
                "display_name": "app", "type": "service", "renewable": true
            })
        );
        let (path, body) = build(&parsed(&["-role=app", "-type=batch"])).unwrap();
        assert_eq!(path, "auth/token/create/app");
        assert_eq!(body["renewable"], json!(false));
        assert!(build(&parsed(&["-ttl=soon"])).is_err());
    }
}
