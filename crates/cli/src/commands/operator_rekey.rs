//! `vault operator rekey`: new unseal (or recovery) key shares from a quorum of the
//! current ones: `-init` starts, each run with a key submits one share, `-status`,
//! `-cancel`, and `-verify` proves the new shares when the rekey asked for it.

use serde_json::json;
use zeroize::Zeroizing;

use crate::args::FlagSpec;
use crate::client::Client;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns, wrap::wrap_at_length};
use crate::globals;
use crate::root_keys::{RekeyStatus, RekeyUpdateResponse, RekeyVerifyStatus};

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Generates new unseal keys";
/// Help text.
pub const HELP: &str = "Usage: vault operator rekey [options] [KEY]

  Generates a new set of unseal keys. This can optionally change the total
  number of key shares or the required threshold of those key shares to
  reconstruct the root key. This operation is zero downtime, but it requires
  the Vault is unsealed and a quorum of existing unseal keys are provided.

  Initialize a rekey:

      $ vault operator rekey -init -key-shares=15 -key-threshold=9

  Provide one existing unseal key (repeat until the threshold is reached):

      $ vault operator rekey

  Cancel or show the status of the rekey:

      $ vault operator rekey -cancel
      $ vault operator rekey -status

Common Options:

  -init                 Initialize the rekeying operation.
  -cancel               Reset the rekeying progress.
  -status               Print the status of the current attempt.
  -key-shares=<int>     Number of key shares to split the root key into (default 5).
  -key-threshold=<int>  Number of key shares required (default 3).
  -nonce=<string>       Nonce of the operation (read from the status when not given).
  -target=<string>      \"barrier\" (unseal keys) or \"recovery\" (recovery keys).
  -verify               Verify the new shares (when the rekey requires verification).
  -require-verification Require the new shares to be verified before they take effect.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("init"),
    FlagSpec::bool("cancel"),
    FlagSpec::bool("status"),
    FlagSpec::bool("verify"),
    FlagSpec::bool("require-verification"),
    FlagSpec::bool("backup"),
    FlagSpec::bool("backup-delete"),
    FlagSpec::bool("backup-retrieve"),
    FlagSpec::value("key-shares").with_aliases(&["n"]),
    FlagSpec::value("key-threshold").with_aliases(&["t"]),
    FlagSpec::value("nonce"),
    FlagSpec::value("pgp-keys"),
    FlagSpec::value("target"),
];

/// Vault's rekey status table.
pub fn status_rows(status: &RekeyStatus) -> Vec<String> {
    let mut out = vec![
        "Key | Value".to_string(),
        format!("Nonce | {}", status.nonce),
        format!("Started | {}", status.started),
    ];
    if status.started {
        if status.progress == status.required {
            out.push(format!(
                "Rekey Progress | {}/{} (verification in progress)",
                status.progress, status.required
            ));
        } else {
            out.push(format!(
                "Rekey Progress | {}/{}",
                status.progress, status.required
            ));
        }
        out.push(format!("New Shares | {}", status.n));
        out.push(format!("New Threshold | {}", status.t));
        out.push(format!(
            "Verification Required | {}",
            status.verification_required
        ));
        if !status.verification_nonce.is_empty() {
            out.push(format!(
                "Verification Nonce | {}",
                status.verification_nonce
            ));
        }
    }
    out
}

fn verify_rows(status: &RekeyVerifyStatus) -> Vec<String> {
    vec![
        "Key | Value".to_string(),
        format!("Started | {}", status.started),
        format!("New Shares | {}", status.n),
        format!("New Threshold | {}", status.t),
        format!("Verification Nonce | {}", status.nonce),
        format!("Verification Progress | {}/{}", status.progress, status.t),
    ]
}

/// The lines printed when the rekey completes (table format). `shares` and `threshold`
/// come from the rekey status, as Vault prints them: under an auto seal a barrier rekey
/// hands out no keys (the seal stores the one new key) and reports 1/1.
pub fn new_keys_text(
    resp: &RekeyUpdateResponse,
    shares: u64,
    threshold: u64,
    recovery: bool,
) -> Vec<String> {
    let mut out = vec![String::new()];
    let b64 = resp.keys_base64.len() == resp.keys.len();
    for (i, key) in resp.keys.iter().enumerate() {
        let shown = if b64 { &resp.keys_base64[i] } else { key };
        out.push(format!("Key {}: {shown}", i + 1));
    }
    out.push(String::new());
    out.push(format!("Operation nonce: {}", resp.nonce));
    out.push(String::new());
    out.push(wrap_at_length(&if recovery {
        format!(
            "Vault recovery keys rekeyed with {shares} key shares and a key threshold of \
             {threshold}. Please securely distribute the key shares printed above."
        )
    } else {
        format!(
            "Vault unseal keys rekeyed with {shares} key shares and a key threshold of \
             {threshold}. Please securely distribute the key shares printed above. When \
             Vault is re-sealed, restarted, or stopped, you must supply at least \
             {threshold} of these keys to unseal it before it can start servicing requests."
        )
    }));
    if resp.verification_required {
        out.push(String::new());
        out.push(wrap_at_length(&format!(
            "Again, these key shares are _not_ valid until verification is performed. Do \
             not lose or discard your current key shares until after verification is \
             complete. Verification nonce: {}",
            resp.verification_nonce
        )));
    }
    out
}

fn print_status(ctx: &mut Ctx, status: &RekeyStatus) -> i32 {
    if ctx.ui.format == Format::Table {
        ctx.ui.output(&columns::table(&status_rows(status), "|"));
        return 0;
    }
    format::output_structured(&mut ctx.ui, status)
}

fn print_verify_status(ctx: &mut Ctx, status: &RekeyVerifyStatus) -> i32 {
    if ctx.ui.format == Format::Table {
        ctx.ui.output(&columns::table(&verify_rows(status), "|"));
        return 0;
    }
    format::output_structured(&mut ctx.ui, status)
}

/// Runs the command.
pub async fn run(ctx: &mut Ctx, argv: &[String]) -> i32 {
    let p = match common::parse(ctx, argv, FLAGS, false) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if let Err(code) = common::expect_args(ctx, &p, 0, 1) {
        return code;
    }
    let flag = |n: &str| p.bool_or(n, false);
    let (init, cancel, status, verify, require_verification, backup) = match (
        flag("init"),
        flag("cancel"),
        flag("status"),
        flag("verify"),
        flag("require-verification"),
        flag("backup"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f)) => (a, b, c, d, e, f),
        _ => return common::usage_error(ctx, "invalid boolean flag value"),
    };
    let recovery = match p.string_or("target", "barrier").as_str() {
        "barrier" => false,
        "recovery" => true,
        other => {
            return common::usage_error(
                ctx,
                format!("Unknown target: {other}. Valid targets are \"barrier\" and \"recovery\"."),
            );
        }
    };
    if p.is_set("pgp-keys")
        || backup
        || flag("backup-delete").unwrap_or(false)
        || flag("backup-retrieve").unwrap_or(false)
    {
        ctx.ui
            .error("PGP-encrypted key shares and their backups are not supported yet");
        return common::EXIT_USAGE;
    }
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if init {
        let (shares, threshold) = match (p.int_or("key-shares", 5), p.int_or("key-threshold", 3)) {
            (Ok(s), Ok(t)) => (s, t),
            (Err(e), _) | (_, Err(e)) => return common::usage_error(ctx, e),
        };
        let body = json!({
            "secret_shares": shares,
            "secret_threshold": threshold,
            "require_verification": require_verification,
        });
        return match client.rekey_init(recovery, body).await {
            Ok(s) => {
                if ctx.ui.format == Format::Table {
                    ctx.ui.error(&wrap_at_length(
                        "WARNING! If you lose the keys after they are returned, there is no \
                         recovery. Consider canceling this operation and re-initializing \
                         with the -pgp-keys flag to protect the returned unseal keys along \
                         with -backup to allow recovery of the encrypted keys in case of \
                         emergency. You can delete the stored keys later using the -delete \
                         flag.",
                    ));
                    ctx.ui.output("");
                }
                print_status(ctx, &s)
            }
            Err(e) => {
                ctx.ui.error(&format!("Error initializing rekey: {e}"));
                common::EXIT_API
            }
        };
    }
    if cancel {
        return match client.rekey_cancel(recovery).await {
            Ok(()) => {
                ctx.ui
                    .output("Success! Canceled rekeying (if it was started)");
                0
            }
            Err(e) => {
                ctx.ui.error(&format!("Error canceling rekey: {e}"));
                common::EXIT_API
            }
        };
    }
    if status {
        if verify {
            return match client.rekey_verify_status(recovery).await {
                Ok(s) => print_verify_status(ctx, &s),
                Err(e) => {
                    ctx.ui
                        .error(&format!("Error reading rekey verification status: {e}"));
                    common::EXIT_API
                }
            };
        }
        return match client.rekey_status(recovery).await {
            Ok(s) => print_status(ctx, &s),
            Err(e) => {
                ctx.ui.error(&format!("Error reading rekey status: {e}"));
                common::EXIT_API
            }
        };
    }
    provide_key(ctx, &p, &client, recovery, verify).await
}

/// Submits one key share to the rekey (or its verification).
async fn provide_key(
    ctx: &mut Ctx,
    p: &crate::args::ParsedArgs,
    client: &Client,
    recovery: bool,
    verify: bool,
) -> i32 {
    let status = match client.rekey_status(recovery).await {
        Ok(s) => s,
        Err(e) => {
            ctx.ui.error(&format!("Error reading rekey status: {e}"));
            return common::EXIT_API;
        }
    };
    if !status.started {
        ctx.ui.error(&wrap_at_length(
            "No rekey is in progress. Start a rekey process by running \"vault operator rekey -init\".",
        ));
        return common::EXIT_USAGE;
    }
    let nonce = match p.last("nonce") {
        Some(n) if !n.is_empty() => n.to_string(),
        _ if verify => status.verification_nonce.clone(),
        _ => status.nonce.clone(),
    };
    let mut key = Zeroizing::new(
        p.positionals
            .first()
            .map(|k| k.trim().to_string())
            .unwrap_or_default(),
    );
    if key.as_str() == "-" {
        let mut line = Zeroizing::new(String::new());
        if std::io::BufRead::read_line(&mut std::io::BufReader::new(ctx.ui.stdin()), &mut line)
            .is_err()
        {
            ctx.ui.error("Failed to read from stdin");
            return common::EXIT_USAGE;
        }
        key = Zeroizing::new(line.trim().to_string());
    }
    if key.is_empty() {
        if globals::non_interactive(p) {
            return common::usage_error(
                ctx,
                "An unseal key must be provided as an argument when -non-interactive is set",
            );
        }
        ctx.ui.output(&format!("Rekey operation nonce: {nonce}"));
        match ctx.ui.read_secret("Unseal Key (will be hidden): ", true) {
            Ok(v) => key = Zeroizing::new(v.trim().to_string()),
            Err(e) => {
                ctx.ui.error(&format!(
                    "An error occurred attempting to ask for the unseal key: {e}"
                ));
                return 1;
            }
        }
    }
    if verify {
        return match client.rekey_verify_update(recovery, &key, &nonce).await {
            Ok(r) if r.complete => {
                ctx.ui.output(&wrap_at_length(&format!(
                    "Success! Rekey verification complete. The new key shares are in effect. \
                     Verification nonce: {}",
                    r.nonce
                )));
                0
            }
            Ok(_) => match client.rekey_verify_status(recovery).await {
                Ok(s) => print_verify_status(ctx, &s),
                Err(e) => {
                    ctx.ui
                        .error(&format!("Error reading rekey verification status: {e}"));
                    common::EXIT_API
                }
            },
            Err(e) => {
                ctx.ui.error(&format!("Error posting unseal key: {e}"));
                common::EXIT_API
            }
        };
    }
    match client.rekey_update(recovery, &key, &nonce).await {
        Ok(r) if r.complete => {
            if ctx.ui.format != Format::Table {
                return format::output_structured(&mut ctx.ui, &r);
            }
            for line in new_keys_text(&r, status.n, status.t, recovery) {
                ctx.ui.output(&line);
            }
            0
        }
        Ok(_) => match client.rekey_status(recovery).await {
            Ok(s) => print_status(ctx, &s),
            Err(e) => {
                ctx.ui.error(&format!("Error reading rekey status: {e}"));
                common::EXIT_API
            }
        },
        Err(e) => {
            ctx.ui.error(&format!("Error posting unseal key: {e}"));
            common::EXIT_API
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table_follows_vault() {
        let s = RekeyStatus {
            nonce: "abc".into(),
            started: true,
            t: 4,
            n: 7,
            progress: 1,
            required: 3,
            ..Default::default()
        };
        assert_eq!(
            columns::table(&status_rows(&s), "|"),
            "Key                      Value\n---                      -----\nNonce                    abc\nStarted                  true\nRekey Progress           1/3\nNew Shares               7\nNew Threshold            4\nVerification Required    false"
        );
        let idle = RekeyStatus::default();
        assert_eq!(status_rows(&idle).len(), 3);
    }

    #[test]
    fn new_keys_text_lists_keys_and_threshold() {
        let r = RekeyUpdateResponse {
            nonce: "n1".into(),
            complete: true,
            keys: vec!["aa".into(), "bb".into()],
            keys_base64: vec!["qg==".into(), "uw==".into()],
            ..Default::default()
        };
        let text = new_keys_text(&r, 2, 2, false).join("\n");
        assert!(text.starts_with("\nKey 1: qg==\nKey 2: uw==\n\nOperation nonce: n1\n"));
        assert!(text.contains("rekeyed with 2 key shares and a key threshold of 2"));
    }
}
