//! `vault operator generate-root`: a new root token from a quorum of unseal keys,
//! delivered XOR-ed with a one-time password (`-init`, a key per run, `-status`,
//! `-cancel`, `-generate-otp`, and `-decode` with `-otp` to read the token).

use serde_json::json;
use zeroize::Zeroizing;

use crate::args::{FlagSpec, ParsedArgs};
use crate::client::Client;
use crate::commands::Ctx;
use crate::commands::common;
use crate::format::{self, Format, columns, wrap::wrap_at_length};
use crate::globals;
use crate::root_keys::GenerateRootStatus;

/// One-line description for the command list.
pub const SYNOPSIS: &str = "Generates a new root token";
/// Help text.
pub const HELP: &str = "Usage: vault operator generate-root [options] [KEY]

  Generates a new root token by combining a quorum of share holders. One of
  the following must be provided to start the root token generation:

    - A base64-encoded one-time-password (OTP) provided via the \"-otp\" flag.
      Use the \"-generate-otp\" flag to generate a usable value. The resulting
      token is XORed with this value when it is returned. Use the \"-decode\"
      flag to output the final value.

    - Nothing: the server then generates the OTP and shows it once.

  Generate an OTP code for the final token:

      $ vault operator generate-root -generate-otp

  Start a root token generation:

      $ vault operator generate-root -init -otp=\"...\"

  Enter an unseal key to progress root token generation:

      $ vault operator generate-root -nonce=... KEY

  Decode the encoded token:

      $ vault operator generate-root -decode=\"...\" -otp=\"...\"

Common Options:

  -init             Start a root token generation.
  -cancel           Reset the root token generation progress.
  -status           Print the status of the current attempt.
  -generate-otp     Generate and print a one-time password.
  -otp=<string>     OTP code to use with -decode or -init.
  -decode=<string>  The value to decode (\"-\" reads it from stdin).
  -nonce=<string>   Nonce value provided at initialization.";

const FLAGS: &[FlagSpec] = &[
    FlagSpec::bool("init"),
    FlagSpec::bool("cancel"),
    FlagSpec::bool("status"),
    FlagSpec::bool("generate-otp"),
    FlagSpec::bool("dr-token"),
    FlagSpec::bool("recovery-token"),
    FlagSpec::value("otp"),
    FlagSpec::value("decode"),
    FlagSpec::value("nonce"),
    FlagSpec::value("pgp-key"),
];

/// Vault's generate-root status rows (no header).
pub fn status_rows(status: &GenerateRootStatus) -> Vec<String> {
    let mut out = vec![
        format!("Nonce | {}", status.nonce),
        format!("Started | {}", status.started),
        format!("Progress | {}/{}", status.progress, status.required),
        format!("Complete | {}", status.complete),
    ];
    if !status.pgp_fingerprint.is_empty() {
        out.push(format!("PGP Fingerprint | {}", status.pgp_fingerprint));
    }
    if !status.encoded_token.is_empty() {
        out.push(format!("Encoded Token | {}", status.encoded_token));
    } else if !status.encoded_root_token.is_empty() {
        out.push(format!(
            "Encoded Root Token | {}",
            status.encoded_root_token
        ));
    }
    if !status.otp.is_empty() {
        out.push(format!("OTP | {}", status.otp));
    }
    if status.otp_length != 0 {
        out.push(format!("OTP Length | {}", status.otp_length));
    }
    out
}

fn print_status(ctx: &mut Ctx, status: &GenerateRootStatus) -> i32 {
    if ctx.ui.format != Format::Table {
        return format::output_structured(&mut ctx.ui, status);
    }
    if !status.otp.is_empty() {
        ctx.ui.error(&wrap_at_length(
            "A One-Time-Password has been generated for you and is shown in the OTP \
             field. You will need this value to decode the resulting root token, so keep \
             it safe.",
        ));
    }
    ctx.ui.output(&columns::columns(&status_rows(status), "|"));
    0
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
    let (init, cancel, status, generate_otp, dr, recovery) = match (
        flag("init"),
        flag("cancel"),
        flag("status"),
        flag("generate-otp"),
        flag("dr-token"),
        flag("recovery-token"),
    ) {
        (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f)) => (a, b, c, d, e, f),
        _ => return common::usage_error(ctx, "invalid boolean flag value"),
    };
    if dr || recovery {
        return common::usage_error(
            ctx,
            "DR operation tokens and recovery tokens are not supported by this server",
        );
    }
    let otp = p.string_or("otp", "");
    let pgp_key = p.string_or("pgp-key", "");
    let client = match common::client(ctx, &p) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if generate_otp {
        return match client.generate_root_status().await {
            Ok(s) => {
                let otp = generate_otp_text(s.otp_length);
                ctx.ui.output(&otp);
                0
            }
            Err(e) => {
                ctx.ui
                    .error(&format!("Error getting root generation status: {e}"));
                common::EXIT_API
            }
        };
    }
    if p.is_set("decode") {
        return decode(ctx, &client, &p.string_or("decode", ""), &otp).await;
    }
    if init {
        if !otp.is_empty() && !pgp_key.is_empty() {
            ctx.ui
                .error("Error initializing: cannot specify both -otp and -pgp-key");
            return common::EXIT_USAGE;
        }
        return match client.generate_root_init(&otp, &pgp_key).await {
            Ok(s) => print_status(ctx, &s),
            Err(e) => {
                ctx.ui
                    .error(&format!("Error initializing root generation: {e}"));
                common::EXIT_API
            }
        };
    }
    if cancel {
        return match client.generate_root_cancel().await {
            Ok(()) => {
                ctx.ui
                    .output("Success! Root token generation canceled (if it was started)");
                0
            }
            Err(e) => {
                ctx.ui
                    .error(&format!("Error canceling root token generation: {e}"));
                common::EXIT_API
            }
        };
    }
    if status {
        return match client.generate_root_status().await {
            Ok(s) => print_status(ctx, &s),
            Err(e) => {
                ctx.ui
                    .error(&format!("Error getting root generation status: {e}"));
                common::EXIT_API
            }
        };
    }
    provide_key(ctx, &p, &client).await
}

/// A random base62 OTP of `len` characters (Vault's length when the server gives none).
fn generate_otp_text(len: u64) -> String {
    let len = usize::try_from(len)
        .ok()
        .filter(|l| *l > 0)
        .unwrap_or(arca_seal::OTP_LENGTH);
    arca_seal::generate_otp(len).to_string()
}

async fn decode(ctx: &mut Ctx, client: &Client, encoded: &str, otp: &str) -> i32 {
    if encoded.is_empty() {
        ctx.ui
            .error("Missing encoded value: use -decode=<string> to supply it");
        return common::EXIT_USAGE;
    }
    if otp.is_empty() {
        ctx.ui.error("Missing otp: use -otp to supply it");
        return common::EXIT_USAGE;
    }
    let mut encoded = Zeroizing::new(encoded.to_string());
    if encoded.as_str() == "-" {
        let mut line = Zeroizing::new(String::new());
        if std::io::BufRead::read_line(&mut std::io::BufReader::new(ctx.ui.stdin()), &mut line)
            .is_err()
        {
            ctx.ui.error("Failed to read from stdin");
            return common::EXIT_USAGE;
        }
        encoded = Zeroizing::new(line.trim().to_string());
    }
    // Vault asks the server for the OTP length first; only the check remains here.
    if let Err(e) = client.generate_root_status().await {
        ctx.ui
            .error(&format!("Error getting root generation status: {e}"));
        return common::EXIT_API;
    }
    match arca_seal::decode_root_token(&encoded, otp) {
        Ok(token) => {
            if ctx.ui.format == Format::Table {
                ctx.ui.output(&token);
                0
            } else {
                format::output_structured(&mut ctx.ui, &json!({ "token": token.as_str() }))
            }
        }
        Err(e) => {
            ctx.ui.error(&format!("Error decoding root token: {e}"));
            common::EXIT_USAGE
        }
    }
}

async fn provide_key(ctx: &mut Ctx, p: &ParsedArgs, client: &Client) -> i32 {
    let status = match client.generate_root_status().await {
        Ok(s) => s,
        Err(e) => {
            ctx.ui
                .error(&format!("Error getting root generation status: {e}"));
            return common::EXIT_API;
        }
    };
    if !status.started {
        ctx.ui.error(&wrap_at_length(
            "No root generation is in progress. Start a root generation by running \
             \"vault operator generate-root -init\".",
        ));
        ctx.ui.error(&wrap_at_length(&format!(
            "If starting root generation using the OTP method and generating your own \
             OTP, the length of the OTP string needs to be {} characters in length.",
            status.otp_length
        )));
        return common::EXIT_USAGE;
    }
    let arg = p
        .positionals
        .first()
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    let mut nonce = p.string_or("nonce", "");
    let key = match arg.as_str() {
        "-" => {
            let mut line = Zeroizing::new(String::new());
            if std::io::BufRead::read_line(&mut std::io::BufReader::new(ctx.ui.stdin()), &mut line)
                .is_err()
            {
                ctx.ui.error("Failed to read from stdin");
                return common::EXIT_USAGE;
            }
            Zeroizing::new(line.trim().to_string())
        }
        "" => {
            if globals::non_interactive(p) {
                return common::usage_error(
                    ctx,
                    "An unseal key must be provided as an argument when -non-interactive is set",
                );
            }
            nonce = status.nonce.clone();
            ctx.ui.output(&format!("Operation nonce: {nonce}"));
            match ctx.ui.read_secret("Unseal Key (will be hidden): ", true) {
                Ok(v) => Zeroizing::new(v.trim().to_string()),
                Err(e) => {
                    ctx.ui.error(&format!(
                        "An error occurred attempting to ask for the unseal key: {e}"
                    ));
                    return common::EXIT_USAGE;
                }
            }
        }
        _ => Zeroizing::new(arg),
    };
    if nonce.is_empty() {
        ctx.ui
            .error("Missing nonce value: specify it via the -nonce flag");
        return common::EXIT_USAGE;
    }
    match client.generate_root_update(&key, &nonce).await {
        Ok(s) => print_status(ctx, &s),
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
    fn status_rows_follow_vault() {
        let s = GenerateRootStatus {
            nonce: "n".into(),
            started: true,
            progress: 3,
            required: 3,
            complete: true,
            encoded_token: "ENC".into(),
            encoded_root_token: "ENC".into(),
            otp_length: 28,
            ..Default::default()
        };
        assert_eq!(
            columns::columns(&status_rows(&s), "|"),
            "Nonce            n\nStarted          true\nProgress         3/3\nComplete         true\nEncoded Token    ENC\nOTP Length       28"
        );
    }

    #[test]
    fn generated_otp_has_the_server_length() {
        assert_eq!(generate_otp_text(28).len(), 28);
        assert_eq!(generate_otp_text(0).len(), arca_seal::OTP_LENGTH);
    }
}
