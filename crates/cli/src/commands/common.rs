//! Pieces every command shares: flag parsing with the common flags, client construction,
//! argument-count errors and Vault's exit codes.

use crate::args::{self, FlagSpec, ParsedArgs};
use crate::client::Client;
use crate::commands::Ctx;
use crate::globals::{self, FIELD_FLAG, GLOBAL_OUTPUT_FLAGS, HTTP_FLAGS};

/// Unwraps a `Result<T, i32>` from the helpers here (the error already printed), returning
/// the exit code from the calling command on error. Keeps each command a straight line.
macro_rules! or_exit {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}
pub(crate) use or_exit;

/// How many positional arguments a command takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arity {
    /// Fewest accepted.
    pub min: usize,
    /// Most accepted (`usize::MAX` for no limit).
    pub max: usize,
}

impl Arity {
    /// No positional arguments.
    pub const NONE: Arity = Arity { min: 0, max: 0 };

    /// Exactly `n` arguments.
    pub const fn exactly(n: usize) -> Self {
        Arity { min: n, max: n }
    }

    /// `n` or more arguments.
    pub const fn at_least(n: usize) -> Self {
        Arity {
            min: n,
            max: usize::MAX,
        }
    }

    /// Between `min` and `max` arguments.
    pub const fn between(min: usize, max: usize) -> Self {
        Arity { min, max }
    }
}

/// Parses the arguments (see [`parse`]) and checks the positional count (see
/// [`expect_args`]).
pub fn parse_with_args(
    ctx: &mut Ctx,
    argv: &[String],
    own: &[FlagSpec],
    with_field: bool,
    arity: Arity,
) -> Result<ParsedArgs, i32> {
    let p = parse(ctx, argv, own, with_field)?;
    expect_args(ctx, &p, arity.min, arity.max)?;
    Ok(p)
}

/// The usual start of a command: parse, check the positional count, build the client.
/// Every failure is printed and becomes the exit code.
pub fn setup(
    ctx: &mut Ctx,
    argv: &[String],
    own: &[FlagSpec],
    with_field: bool,
    arity: Arity,
) -> Result<(ParsedArgs, Client), i32> {
    let p = parse_with_args(ctx, argv, own, with_field, arity)?;
    let client = client(ctx, &p)?;
    Ok((p, client))
}

/// Reports an API or client error and returns exit code 2.
pub fn api_error(ctx: &mut Ctx, e: impl std::fmt::Display) -> i32 {
    ctx.ui.error(&e.to_string());
    EXIT_API
}

/// Exit code for usage errors.
pub const EXIT_USAGE: i32 = 1;
/// Exit code for API and client errors.
pub const EXIT_API: i32 = 2;

/// Parses a command's arguments with the HTTP and output flags added; prints the error and
/// returns exit code 1 on a usage error.
pub fn parse(
    ctx: &mut Ctx,
    argv: &[String],
    own: &[FlagSpec],
    with_field: bool,
) -> Result<ParsedArgs, i32> {
    let mut specs: Vec<FlagSpec> = Vec::with_capacity(HTTP_FLAGS.len() + own.len() + 3);
    specs.extend_from_slice(HTTP_FLAGS);
    specs.extend_from_slice(GLOBAL_OUTPUT_FLAGS);
    if with_field {
        specs.push(FIELD_FLAG);
    }
    specs.extend_from_slice(own);
    args::parse(argv, &specs).map_err(|e| {
        ctx.ui.error(&e.to_string());
        EXIT_USAGE
    })
}

/// Reports a usage error and returns exit code 1.
pub fn usage_error(ctx: &mut Ctx, e: impl std::fmt::Display) -> i32 {
    ctx.ui.error(&e.to_string());
    EXIT_USAGE
}

/// Checks the positional count like Vault ("Not enough arguments (expected 1, got 0)").
pub fn expect_args(ctx: &mut Ctx, p: &ParsedArgs, min: usize, max: usize) -> Result<(), i32> {
    let got = p.positionals.len();
    let expected = if min == max {
        min.to_string()
    } else if max == usize::MAX {
        format!(">{}", min.saturating_sub(1))
    } else {
        format!("{min}-{max}")
    };
    if got < min {
        ctx.ui.error(&format!(
            "Not enough arguments (expected {expected}, got {got})"
        ));
        return Err(EXIT_USAGE);
    }
    if got > max {
        ctx.ui.error(&format!(
            "Too many arguments (expected {expected}, got {got})"
        ));
        return Err(EXIT_USAGE);
    }
    Ok(())
}

/// Builds the client; prints the error and returns exit code 2 on failure.
pub fn client(ctx: &mut Ctx, p: &ParsedArgs) -> Result<Client, i32> {
    client_with_code(ctx, p, EXIT_API)
}

/// Builds the client with a caller-chosen failure code (`status` uses 1: 2 means sealed).
pub fn client_with_code(ctx: &mut Ctx, p: &ParsedArgs, code: i32) -> Result<Client, i32> {
    let cfg = globals::client_config(p, &ctx.env).map_err(|e| {
        ctx.ui.error(&e);
        code
    })?;
    Client::new(&cfg).map_err(|e| {
        ctx.ui.error(&e.to_string());
        code
    })
}

/// The `-field` value, if one was given.
pub fn field(p: &ParsedArgs) -> Option<String> {
    p.last("field")
        .filter(|f| !f.is_empty())
        .map(str::to_string)
}

/// The `-mount` flag shared by the `kv` commands.
pub const MOUNT_FLAG: crate::args::FlagSpec = crate::args::FlagSpec::value("mount");

/// Runs the KV preflight for `arg` (honouring `-mount`); prints the error and returns exit
/// code 2 on failure.
pub async fn kv_target(
    ctx: &mut Ctx,
    client: &Client,
    p: &ParsedArgs,
    arg: &str,
) -> Result<crate::kv::KvTarget, i32> {
    let mount = p.last("mount").filter(|m| !m.is_empty());
    crate::kv::resolve(client, arg, mount).await.map_err(|e| {
        ctx.ui.error(&e);
        EXIT_API
    })
}

/// Vault's `outputPath`: a `== Title ==` banner sized to the path, the path, a blank line.
pub fn output_path(ctx: &mut Ctx, path: &str, title: &str) {
    ctx.ui
        .output(&crate::kv::pad_equal_signs(title, path.chars().count()));
    ctx.ui.output(path);
    ctx.ui.output("");
}

/// Prints the `-versions` list as Vault sends it (each flag value split on commas).
pub fn versions(p: &ParsedArgs) -> Vec<String> {
    p.string_slice("versions")
}

/// Prints the banner and table Vault shows after a KV v2 write (`Secret Path`, `Metadata`).
pub fn output_write_metadata(
    ctx: &mut Ctx,
    full_path: &str,
    secret: &crate::secret::Secret,
) -> i32 {
    output_path(ctx, full_path, "Secret Path");
    let data = secret.data.clone().unwrap_or_default();
    ctx.ui
        .output(&crate::kv::header_for_map("Metadata", data.keys()));
    crate::format::output_map(&mut ctx.ui, &data)
}
