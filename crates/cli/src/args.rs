//! Go-style flag parsing.
//!
//! Vault's CLI uses Go's `flag` package: long flags take one or two dashes (`-address=X`,
//! `--address X`), a value may follow `=` or be the next argument, boolean flags take no
//! separate value (`-force`, `-force=false`), and parsing stops at `--`. Scripts written for
//! `vault` rely on every one of these forms, so the CLI parses arguments by hand instead of
//! squeezing them through a POSIX-style parser.
//!
//! One deliberate leniency: Go stops at the first positional argument, so
//! `vault kv get secret/foo -format=json` would treat `-format=json` as data. Here a *known*
//! flag is still recognised after positionals (until `--`), while an unknown dash argument
//! after a positional stays positional, as Go would keep it.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::duration;

/// A usage error: printed to stderr and mapped to exit code 1, as Vault does.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UsageError {
    /// The flag is not defined for this command (Go's exact wording).
    #[error("flag provided but not defined: -{0}")]
    Undefined(String),
    /// A value flag was last on the command line.
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    /// `---x`, `-=x` and similar.
    #[error("bad flag syntax: {0}")]
    BadSyntax(String),
    /// A boolean flag got something `strconv.ParseBool` would reject.
    #[error("invalid boolean value {value:?} for -{name}: parse error")]
    InvalidBool {
        /// Flag name.
        name: String,
        /// Offending value.
        value: String,
    },
    /// An integer or duration flag got an unparsable value.
    #[error("invalid value {value:?} for flag -{name}: parse error")]
    InvalidValue {
        /// Flag name.
        name: String,
        /// Offending value.
        value: String,
    },
    /// Anything else a command rejects before talking to the server.
    #[error("{0}")]
    Other(String),
}

/// Whether a flag takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// `-name` or `-name=true|false`; never consumes the next argument.
    Bool,
    /// `-name=value` or `-name value`.
    Value,
}

/// The declaration of one flag a command accepts.
#[derive(Debug, Clone, Copy)]
pub struct FlagSpec {
    /// Canonical name, without dashes.
    pub name: &'static str,
    /// Other accepted names (Vault's `-f` for `-force`, `-n` for `-key-shares`).
    pub aliases: &'static [&'static str],
    /// Bool or value.
    pub kind: FlagKind,
}

impl FlagSpec {
    /// A boolean flag.
    pub const fn bool(name: &'static str) -> Self {
        Self {
            name,
            aliases: &[],
            kind: FlagKind::Bool,
        }
    }

    /// A flag that takes a value.
    pub const fn value(name: &'static str) -> Self {
        Self {
            name,
            aliases: &[],
            kind: FlagKind::Value,
        }
    }

    /// The same flag with extra accepted names.
    pub const fn with_aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    fn matches(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// The result of parsing: flag occurrences by canonical name, and positionals in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParsedArgs {
    flags: BTreeMap<&'static str, Vec<String>>,
    /// Arguments that are not flags, in order.
    pub positionals: Vec<String>,
    /// True when `-h`, `-help` or `--help` appeared before `--`.
    pub help: bool,
}

impl ParsedArgs {
    /// Whether the flag appeared at all.
    pub fn is_set(&self, name: &str) -> bool {
        self.flags.get(name).is_some_and(|v| !v.is_empty())
    }

    /// The last value given for a flag (Go keeps the last one).
    pub fn last(&self, name: &str) -> Option<&str> {
        self.flags
            .get(name)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    /// Every value given for a repeatable flag, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.flags
            .get(name)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// A string flag, or the default.
    pub fn string_or(&self, name: &str, default: &str) -> String {
        self.last(name).unwrap_or(default).to_string()
    }

    /// A boolean flag; `None` when absent.
    pub fn bool_opt(&self, name: &str) -> Result<Option<bool>, UsageError> {
        match self.last(name) {
            None => Ok(None),
            Some(v) => parse_go_bool(v)
                .map(Some)
                .ok_or_else(|| UsageError::InvalidBool {
                    name: name.to_string(),
                    value: v.to_string(),
                }),
        }
    }

    /// A boolean flag with a default.
    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, UsageError> {
        Ok(self.bool_opt(name)?.unwrap_or(default))
    }

    /// An integer flag; `None` when absent.
    pub fn int_opt(&self, name: &str) -> Result<Option<i64>, UsageError> {
        match self.last(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| UsageError::InvalidValue {
                    name: name.to_string(),
                    value: v.to_string(),
                }),
        }
    }

    /// An integer flag with a default.
    pub fn int_or(&self, name: &str, default: i64) -> Result<i64, UsageError> {
        Ok(self.int_opt(name)?.unwrap_or(default))
    }

    /// A duration flag in nanoseconds (Vault's `parseutil.ParseDurationSecond` rules).
    pub fn duration_opt(&self, name: &str) -> Result<Option<i128>, UsageError> {
        match self.last(name) {
            None => Ok(None),
            Some(v) => duration::parse(v)
                .map(Some)
                .ok_or_else(|| UsageError::InvalidValue {
                    name: name.to_string(),
                    value: v.to_string(),
                }),
        }
    }

    /// A Vault `StringSliceVar`: every occurrence, each split on commas and trimmed.
    pub fn string_slice(&self, name: &str) -> Vec<String> {
        self.all(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A Vault `StringMapVar`: every occurrence is `key=value`.
    pub fn string_map(&self, name: &str) -> Result<BTreeMap<String, String>, UsageError> {
        let mut out = BTreeMap::new();
        for raw in self.all(name) {
            let Some((k, v)) = raw.split_once('=') else {
                return Err(UsageError::InvalidValue {
                    name: name.to_string(),
                    value: raw.to_string(),
                });
            };
            out.insert(k.to_string(), v.to_string());
        }
        Ok(out)
    }

    /// Records a value as if it had been given on the command line (used for env defaults).
    pub fn set_default(&mut self, name: &'static str, value: String) {
        self.flags.entry(name).or_insert_with(|| vec![value]);
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "-h" | "-help" | "--help")
}

/// Parses `args` against `specs` with Go `flag` semantics plus the leniency described in the
/// module documentation.
pub fn parse(args: &[String], specs: &[FlagSpec]) -> Result<ParsedArgs, UsageError> {
    let mut out = ParsedArgs::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            out.positionals.extend(args[i..].iter().cloned());
            break;
        }
        if is_help(arg) {
            out.help = true;
            continue;
        }
        if arg == "-" || !arg.starts_with('-') {
            out.positionals.push(arg.clone());
            continue;
        }
        let seen_positional = !out.positionals.is_empty();
        let body = arg
            .strip_prefix("--")
            .or_else(|| arg.strip_prefix('-'))
            .unwrap_or(arg);
        if body.is_empty() || body.starts_with('-') || body.starts_with('=') {
            if seen_positional {
                out.positionals.push(arg.clone());
                continue;
            }
            return Err(UsageError::BadSyntax(arg.clone()));
        }
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let Some(spec) = specs.iter().find(|s| s.matches(name)) else {
            if seen_positional {
                out.positionals.push(arg.clone());
                continue;
            }
            return Err(UsageError::Undefined(name.to_string()));
        };
        let value = match (spec.kind, inline) {
            (FlagKind::Bool, Some(v)) => {
                if parse_go_bool(&v).is_none() {
                    return Err(UsageError::InvalidBool {
                        name: name.to_string(),
                        value: v,
                    });
                }
                v
            }
            (FlagKind::Bool, None) => "true".to_string(),
            (FlagKind::Value, Some(v)) => v,
            (FlagKind::Value, None) => {
                let Some(next) = args.get(i) else {
                    return Err(UsageError::MissingValue(name.to_string()));
                };
                i += 1;
                next.clone()
            }
        };
        out.flags.entry(spec.name).or_default().push(value);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    const SPECS: &[FlagSpec] = &[
        FlagSpec::value("address"),
        FlagSpec::value("format"),
        FlagSpec::value("field"),
        FlagSpec::value("mount"),
        FlagSpec::value("key-shares").with_aliases(&["n"]),
        FlagSpec::bool("force").with_aliases(&["f"]),
        FlagSpec::value("versions"),
        FlagSpec::value("options"),
    ];

    #[test]
    fn single_and_double_dash_with_equals_or_space() {
        let p = parse(
            &v(&[
                "-address=http://x:1",
                "--format",
                "json",
                "-field",
                "foo",
                "--mount=secret",
                "path",
            ]),
            SPECS,
        )
        .unwrap();
        assert_eq!(p.last("address"), Some("http://x:1"));
        assert_eq!(p.last("format"), Some("json"));
        assert_eq!(p.last("field"), Some("foo"));
        assert_eq!(p.last("mount"), Some("secret"));
        assert_eq!(p.positionals, v(&["path"]));
    }

    #[test]
    fn bool_flags_never_consume_the_next_argument() {
        let p = parse(&v(&["-f", "sys/rotate"]), SPECS).unwrap();
        assert!(p.bool_or("force", false).unwrap());
        assert_eq!(p.positionals, v(&["sys/rotate"]));
        let p = parse(&v(&["-force=false", "x"]), SPECS).unwrap();
        assert!(!p.bool_or("force", true).unwrap());
        let err = parse(&v(&["-force=maybe"]), SPECS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid boolean value \"maybe\" for -force: parse error"
        );
    }

    #[test]
    fn aliases_map_to_the_canonical_name() {
        let p = parse(&v(&["-n", "7"]), SPECS).unwrap();
        assert_eq!(p.int_or("key-shares", 5).unwrap(), 7);
        let p = parse(&v(&["-key-shares=3"]), SPECS).unwrap();
        assert_eq!(p.int_or("key-shares", 5).unwrap(), 3);
        let p = parse(&v(&[]), SPECS).unwrap();
        assert_eq!(p.int_or("key-shares", 5).unwrap(), 5);
    }

    #[test]
    fn unknown_flag_before_positional_is_an_error_with_go_wording() {
        let err = parse(&v(&["-bogus", "x"]), SPECS).unwrap_err();
        assert_eq!(err.to_string(), "flag provided but not defined: -bogus");
    }

    #[test]
    fn known_flags_after_positionals_are_still_flags() {
        let p = parse(&v(&["secret/foo", "-format=json", "-field", "x"]), SPECS).unwrap();
        assert_eq!(p.positionals, v(&["secret/foo"]));
        assert_eq!(p.last("format"), Some("json"));
        assert_eq!(p.last("field"), Some("x"));
    }

    #[test]
    fn unknown_dash_args_after_positionals_stay_positional() {
        let p = parse(&v(&["secret/foo", "-5", "-unknown=1", "-"]), SPECS).unwrap();
        assert_eq!(p.positionals, v(&["secret/foo", "-5", "-unknown=1", "-"]));
    }

    #[test]
    fn double_dash_ends_flag_parsing() {
        let p = parse(&v(&["-format=json", "--", "-field=x", "y"]), SPECS).unwrap();
        assert_eq!(p.positionals, v(&["-field=x", "y"]));
        assert!(!p.is_set("field"));
    }

    #[test]
    fn value_flag_without_value_fails() {
        let err = parse(&v(&["-format"]), SPECS).unwrap_err();
        assert_eq!(err, UsageError::MissingValue("format".into()));
        assert_eq!(err.to_string(), "flag needs an argument: -format");
    }

    #[test]
    fn value_may_start_with_a_dash_when_separate() {
        let p = parse(&v(&["-field", "-x-", "p"]), SPECS).unwrap();
        assert_eq!(p.last("field"), Some("-x-"));
    }

    #[test]
    fn bad_syntax_is_rejected() {
        assert!(matches!(
            parse(&v(&["---x"]), SPECS),
            Err(UsageError::BadSyntax(_))
        ));
        assert!(matches!(
            parse(&v(&["-=x"]), SPECS),
            Err(UsageError::BadSyntax(_))
        ));
    }

    #[test]
    fn help_is_detected_anywhere_before_double_dash() {
        assert!(parse(&v(&["x", "-h"]), SPECS).unwrap().help);
        assert!(parse(&v(&["--help"]), SPECS).unwrap().help);
        assert!(!parse(&v(&["--", "-h"]), SPECS).unwrap().help);
    }

    #[test]
    fn repeated_flags_slices_and_maps() {
        let p = parse(
            &v(&[
                "-versions=1,2",
                "-versions",
                "3",
                "-options=a=b",
                "-options",
                "version=2",
            ]),
            SPECS,
        )
        .unwrap();
        assert_eq!(p.string_slice("versions"), v(&["1", "2", "3"]));
        let m = p.string_map("options").unwrap();
        assert_eq!(m.get("a").map(String::as_str), Some("b"));
        assert_eq!(m.get("version").map(String::as_str), Some("2"));
        assert_eq!(p.last("options"), Some("version=2"));
    }

    #[test]
    fn invalid_int_uses_go_message() {
        let p = parse(&v(&["-key-shares=abc"]), SPECS).unwrap();
        assert_eq!(
            p.int_opt("key-shares").unwrap_err().to_string(),
            "invalid value \"abc\" for flag -key-shares: parse error"
        );
    }

    #[test]
    fn go_bool_parsing() {
        for t in ["1", "t", "T", "true", "TRUE", "True"] {
            assert_eq!(parse_go_bool(t), Some(true));
        }
        for f in ["0", "f", "F", "false", "FALSE", "False"] {
            assert_eq!(parse_go_bool(f), Some(false));
        }
        assert_eq!(parse_go_bool("yes"), None);
    }
}
