//! `vault login [TOKEN]`: verifies a token and stores it with the token helper.
//!
//! Only the token method is implemented; other `-method`s are refused with an explanation
//! (they need their auth backends, which come later). The token is checked with
//! `auth/token/lookup-self`, stored in `~/.vault-token`, and shown the way Vault shows a
//! login response.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::args::FlagSpec;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, wrap::wrap_at_length};
use crate::globals;
use crate::kv::sanitize_path;
use crate::kvdata;
use crate::secret::{Secret, SecretAuth};
use crate::token_helper;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Authenticate locally";
/// Help text.
pub const HELP: &str = "Usage: vault login [options] [AUTH K=V...]

  Authenticates users or machines to Vault using the provided arguments. A
  successful authentication results in a Vault token - conceptually similar to
  a session token on a website. By default, this token is cached on the local
  machine for future requests.

      $ vault login
      $ vault login s.3jnbMAKl1i4YS3QoKdbHzGXq
      $ echo $TOKEN | vault login -

Command Options:

  -method=<string>   Auth method: token (default), userpass, ldap, okta, radius,
                     approle, ... Credentials are given as K=V pairs.
  -path=<string>     Mount path of the auth method (default: the method name).
  -no-store          Do not persist the token to the token helper.
  -no-print          Do not display the token.
  -token-only        Print only the token (implies -no-store).";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::value("method"),
    FlagSpec::value("path"),
    FlagSpec::bool("no-store"),
    FlagSpec::bool("no-print"),
    FlagSpec::bool("token-only"),
];

const KNOWN_METHODS: &[&str] = &[
    "alicloud",
    "aws",
    "azure",
    "cert",
    "cf",
    "gcp",
    "github",
    "jwt",
    "kerberos",
    "kubernetes",
    "ldap",
    "oci",
    "oidc",
    "okta",
    "pcf",
    "radius",
    "userpass",
    "approle",
];

fn string_list(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

/// Turns a `lookup-self` response into the login-shaped secret Vault prints.
pub fn auth_from_lookup(token: &str, lookup: &Secret) -> Secret {
    let get = |k: &str| lookup.data_field(k);
    let token_policies = string_list(get("policies"));
    let identity_policies = string_list(get("identity_policies"));
    let mut policies: Vec<String> = token_policies.clone().unwrap_or_default();
    for p in identity_policies.iter().flatten() {
        if !policies.contains(p) {
            policies.push(p.clone());
        }
    }
    let id = get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(token)
        .to_string();
    Secret {
        auth: Some(SecretAuth {
            client_token: id,
            accessor: get("accessor")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            policies: Some(policies),
            token_policies,
            identity_policies,
            metadata: get("meta").and_then(Value::as_object).cloned(),
            orphan: get("orphan").and_then(Value::as_bool).unwrap_or(false),
            entity_id: get("entity_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            lease_duration: get("ttl").and_then(Value::as_i64).unwrap_or(0),
            renewable: get("renewable").and_then(Value::as_bool).unwrap_or(false),
            mfa_requirement: None,
        }),
        ..Default::default()
    }
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = common::or_exit!(common::parse(ctx, argv, FLAGS, true));
    let flags = (|| -> Result<_, crate::args::UsageError> {
        Ok((
            p.bool_or("no-store", false)?,
            p.bool_or("no-print", false)?,
            p.bool_or("token-only", false)?,
        ))
    })();
    let (no_store, no_print, token_only) = match flags {
        Ok(v) => v,
        Err(e) => return common::usage_error(ctx, e),
    };
    let method = sanitize_path(p.last("method").unwrap_or(""));
    let method = if method.is_empty() {
        "token".to_string()
    } else {
        method
    };
    if method != "token" {
        if !super::login_methods::SUPPORTED.contains(&method.as_str()) {
            let msg = if KNOWN_METHODS.contains(&method.as_str()) {
                format!(
                    "The {method:?} auth method is not supported by this client yet. Log in \
                     through the HTTP API (for example \"vault write auth/{method}/login ...\") \
                     and pass the resulting token to \"vault login\"."
                )
            } else {
                format!(
                    "Unknown auth method: {method}. Use \"vault auth list\" to see the complete \
                     list of auth methods. Additionally, some auth methods are only available via \
                     the HTTP API."
                )
            };
            return common::usage_error(ctx, wrap_at_length(&msg));
        }
        let secret = common::or_exit!(login_with_method(ctx, &p, &method).await);
        return finish(ctx, &p, &secret, no_store, no_print, token_only);
    }
    let mut args = p.positionals.clone();
    if let Some(first) = args.first_mut()
        && !first.contains('=')
    {
        *first = format!("token={first}");
    }
    let config = match kvdata::parse_args_data_string(ctx.ui.stdin(), &args) {
        Ok(c) => c,
        Err(e) => return common::usage_error(ctx, format!("Error parsing configuration: {e}")),
    };
    let lookup = match config.get("lookup").map(String::as_str) {
        None => true,
        Some(v) => match crate::args::parse_go_bool(v) {
            Some(b) => b,
            None => {
                ctx.ui.error(&format!(
                    "Error authenticating: Failed to parse \"lookup\" as boolean: strconv.ParseBool: parsing {v:?}: invalid syntax"
                ));
                return common::EXIT_API;
            }
        },
    };
    let mut client = common::or_exit!(common::client(ctx, &p));
    let token = match config.get("token") {
        Some(t) => Zeroizing::new(t.trim().to_string()),
        None => {
            if globals::non_interactive(&p) {
                return common::usage_error(
                    ctx,
                    "A token must be provided as an argument when -non-interactive is set",
                );
            }
            match ctx.ui.read_secret("Token (will be hidden): ", false) {
                Ok(t) => Zeroizing::new(t.trim().to_string()),
                Err(e) => {
                    return common::api_error(
                        ctx,
                        format!(
                            "Error authenticating: An error occurred attempting to ask for a token. \
                         The raw error message is shown below, but usually this is because you \
                         attempted to pipe a value into the command or you are executing outside \
                         of a terminal (tty). If you want to pipe the value, pass \"-\" as the \
                         argument to read from stdin. The raw error was: {e}"
                        ),
                    );
                }
            }
        }
    };
    if token.is_empty() {
        ctx.ui.error(
            "Error authenticating: A token must be passed to auth. Please view the help for \
             more information.",
        );
        return common::EXIT_API;
    }
    let secret = if lookup {
        client.set_token(Some(token.clone()));
        client.clear_wrap_ttl();
        match client.read("auth/token/lookup-self", Vec::new()).await {
            Ok(Some(s)) => auth_from_lookup(&token, &s),
            Ok(None) => {
                ctx.ui
                    .error("Error authenticating: empty response from lookup-self");
                return common::EXIT_API;
            }
            Err(e) => {
                return common::api_error(
                    ctx,
                    format!("Error authenticating: error looking up token: {e}"),
                );
            }
        }
    } else {
        Secret {
            auth: Some(SecretAuth {
                client_token: token.to_string(),
                ..Default::default()
            }),
            ..Default::default()
        }
    };
    finish(ctx, &p, &secret, no_store, no_print, token_only)
}

/// Stores the token of a successful login (unless `-no-store`) and prints it as Vault
/// does.
fn finish(
    ctx: &mut Ctx,
    p: &crate::args::ParsedArgs,
    secret: &Secret,
    no_store: bool,
    no_print: bool,
    token_only: bool,
) -> i32 {
    let client_token = secret
        .auth
        .as_ref()
        .map(|a| Zeroizing::new(a.client_token.clone()))
        .unwrap_or_default();
    if token_only {
        return format::print_raw_field(
            &mut ctx.ui,
            Some(Value::from(client_token.as_str())),
            "token",
        );
    }
    if !no_store {
        let stored = token_helper::token_path(&ctx.env)
            .and_then(|path| token_helper::store(&path, &client_token));
        if let Err(e) = stored {
            ctx.ui.error(&format!("Error storing token: {e}"));
            ctx.ui.error(
                &(wrap_at_length(
                    "Authentication was successful, but the token was not persisted. The \
                 resulting token is shown below for your records.",
                ) + "\n"),
            );
            format::output_secret(&mut ctx.ui, secret);
            return common::EXIT_API;
        }
        if ctx.env.get("VAULT_TOKEN").is_some() {
            ctx.ui.error(
                &(wrap_at_length(
                    "WARNING! The VAULT_TOKEN environment variable is set! The value of this \
                 variable will take precedence; if this is unwanted please unset VAULT_TOKEN \
                 or update its value accordingly.",
                ) + "\n"),
            );
        }
    } else {
        ctx.ui.error(
            &(wrap_at_length(
                "The token was not stored in token helper. Set the VAULT_TOKEN environment \
             variable or pass the token below with each request to Vault.",
            ) + "\n"),
        );
    }
    if no_print {
        return 0;
    }
    if let Some(field) = common::field(p) {
        return format::print_raw_field(&mut ctx.ui, format::raw_field(secret, &field), &field);
    }
    if ctx.ui.format == Format::Table {
        ctx.ui.output(
            &(wrap_at_length(
                "Success! You are now authenticated. The token information displayed below is \
             already stored in the token helper. You do NOT need to run \"vault login\" again. \
             Future Vault requests will automatically use this token.",
            ) + "\n"),
        );
    }
    format::output_secret(&mut ctx.ui, secret)
}

/// Logs in with a non-token method: `K=V` arguments (or `-` for stdin), a prompted
/// password for username-based methods, `-path` for the mount.
async fn login_with_method(
    ctx: &mut Ctx,
    p: &crate::args::ParsedArgs,
    method: &str,
) -> Result<Secret, i32> {
    use super::login_methods;
    let parsed = kvdata::parse_args_data_string(ctx.ui.stdin(), &p.positionals);
    let config = match parsed {
        Ok(c) => c,
        Err(e) => {
            return Err(common::usage_error(
                ctx,
                format!("Error parsing configuration: {e}"),
            ));
        }
    };
    let mount = sanitize_path(p.last("path").unwrap_or(""));
    let mount = if mount.is_empty() {
        method.to_string()
    } else {
        mount
    };
    let password = if login_methods::needs_password(method, &config) {
        if globals::non_interactive(p) {
            return Err(common::usage_error(
                ctx,
                "'password' must be specified when -non-interactive is set",
            ));
        }
        match ctx.ui.read_secret("Password (will be hidden): ", false) {
            Ok(pw) => Some(Zeroizing::new(pw)),
            Err(e) => {
                ctx.ui.error(&format!(
                    "Error authenticating: An error occurred attempting to ask for a password. \
                     The raw error message is shown below, but usually this is because you \
                     attempted to pipe a value into the command or you are executing outside of \
                     a terminal (tty). If you want to pipe the value, pass \"-\" as the argument \
                     to read from stdin. The raw error was: {e}"
                ));
                return Err(common::EXIT_API);
            }
        }
    } else {
        None
    };
    let (path, body) = login_methods::login_request(
        method,
        &mount,
        &config,
        password.as_ref().map(|p| p.as_str()),
    )
    .map_err(|e| {
        ctx.ui.error(&format!("Error authenticating: {e}"));
        common::EXIT_API
    })?;
    let mut client = common::client(ctx, p)?;
    client.set_token(None);
    login_methods::login(&client, &path, body)
        .await
        .map_err(|e| {
            ctx.ui.error(&format!("Error authenticating: {e}"));
            common::EXIT_API
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_self_becomes_auth() {
        let lookup: Secret = serde_json::from_value(json!({"data": {
            "id": "hvs.root", "accessor": "acc", "policies": ["root"], "ttl": 0,
            "renewable": false, "meta": null
        }}))
        .unwrap();
        let s = auth_from_lookup("hvs.root", &lookup);
        let rows = format::secret_rows(&s);
        let t: Vec<String> = rows.iter().map(|r| r.replace(" ♨ ", "=")).collect();
        assert_eq!(
            t,
            vec![
                "token=hvs.root",
                "token_accessor=acc",
                "token_duration=∞",
                "token_renewable=false",
                "token_policies=[\"root\"]",
                "identity_policies=[]",
                "policies=[\"root\"]",
            ]
        );
    }

    #[test]
    fn success_banner_wraps_like_vault() {
        assert_eq!(
            wrap_at_length(
                "Success! You are now authenticated. The token information displayed below is \
                 already stored in the token helper. You do NOT need to run \"vault login\" again. \
                 Future Vault requests will automatically use this token."
            ),
            "Success! You are now authenticated. The token information displayed below\n\
             is already stored in the token helper. You do NOT need to run \"vault login\"\n\
             again. Future Vault requests will automatically use this token."
        );
    }
}
