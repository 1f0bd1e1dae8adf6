//! The `file` device's options, as `vault audit enable file KEY=VALUE...` sends them:
//! a map of strings, booleans in Go's `strconv.ParseBool` spelling.

use std::collections::BTreeMap;

use crate::AuditError;

/// The log's encoding. Only Vault's default, JSON, is written by Arca.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
}

/// The options of a `file` device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOptions {
    /// A path, `stdout` or `discard`.
    pub file_path: String,
    /// Write secrets in clear.
    pub log_raw: bool,
    /// Hash token accessors (default true).
    pub hmac_accessor: bool,
    /// Permission bits of the file (default 0600); 0 leaves them unchanged.
    pub mode: u32,
    pub format: Format,
    /// Written before each entry.
    pub prefix: String,
    /// List responses record the number of keys instead of the keys.
    pub elide_list_responses: bool,
}

/// Options every device type accepts (Vault's common audit options).
const COMMON: &[&str] = &[
    "log_raw",
    "hmac_accessor",
    "format",
    "prefix",
    "elide_list_responses",
];

/// Go's `strconv.ParseBool`: the spellings Vault accepts for boolean options.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, AuditError> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(AuditError::InvalidOption(format!(
            "unable to parse '{name}': invalid boolean value {value:?}"
        ))),
    }
}

impl FileOptions {
    /// Parses and checks the options of a `file` device (`path` is Vault's older name
    /// of `file_path`).
    pub fn parse(options: &BTreeMap<String, String>) -> Result<Self, AuditError> {
        if let Some(unknown) = options.keys().find(|k| {
            !COMMON.contains(&k.as_str()) && !matches!(k.as_str(), "file_path" | "path" | "mode")
        }) {
            return Err(AuditError::InvalidOption(format!(
                "unknown option {unknown:?} for the file audit device"
            )));
        }
        let file_path = options
            .get("file_path")
            .or_else(|| options.get("path"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AuditError::InvalidOption("file_path is required".into()))?;
        let flag = |name: &str, default: bool| {
            options
                .get(name)
                .map(|v| parse_bool(name, v))
                .unwrap_or(Ok(default))
        };
        let mode = match options.get("mode") {
            None => 0o600,
            Some(m) => u32::from_str_radix(m, 8)
                .ok()
                .filter(|m| *m <= 0o777)
                .ok_or_else(|| {
                    AuditError::InvalidOption(format!(
                        "unable to parse 'mode': {m:?} is not an octal file mode"
                    ))
                })?,
        };
        let format = match options.get("format").map(String::as_str) {
            None | Some("json") => Format::Json,
            Some("jsonx") => {
                return Err(AuditError::InvalidOption(
                    "format \"jsonx\" is not supported by this server; use \"json\"".into(),
                ));
            }
            Some(other) => {
                return Err(AuditError::InvalidOption(format!(
                    "unknown format type {other:?}"
                )));
            }
        };
        Ok(FileOptions {
            file_path,
            log_raw: flag("log_raw", false)?,
            hmac_accessor: flag("hmac_accessor", true)?,
            mode,
            format,
            prefix: options.get("prefix").cloned().unwrap_or_default(),
            elide_list_responses: flag("elide_list_responses", false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let o = FileOptions::parse(&opts(&[("file_path", "stdout")])).unwrap();
        assert_eq!(o.file_path, "stdout");
        assert!(!o.log_raw && o.hmac_accessor && !o.elide_list_responses);
        assert_eq!(o.mode, 0o600);
        let o = FileOptions::parse(&opts(&[
            ("path", "/tmp/a.log"),
            ("log_raw", "true"),
            ("hmac_accessor", "false"),
            ("mode", "0640"),
            ("prefix", "AUDIT "),
            ("elide_list_responses", "1"),
        ]))
        .unwrap();
        assert_eq!(o.file_path, "/tmp/a.log");
        assert!(o.log_raw && !o.hmac_accessor && o.elide_list_responses);
        assert_eq!(o.mode, 0o640);
        assert_eq!(o.prefix, "AUDIT ");
    }

    #[test]
    fn bad_options_are_refused() {
        let err = |p: &[(&str, &str)]| FileOptions::parse(&opts(p)).unwrap_err().to_string();
        assert_eq!(err(&[]), "file_path is required");
        assert!(err(&[("file_path", "x"), ("log_raw", "maybe")]).contains("log_raw"));
        assert!(err(&[("file_path", "x"), ("mode", "9")]).contains("mode"));
        assert!(err(&[("file_path", "x"), ("format", "xml")]).contains("xml"));
        assert!(err(&[("file_path", "x"), ("format", "jsonx")]).contains("jsonx"));
        assert!(err(&[("file_path", "x"), ("colour", "red")]).contains("colour"));
    }
}
