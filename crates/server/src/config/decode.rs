//! Typed reading of one configuration section, with Vault's lenient value forms and strict
//! key checking.
//!
//! A [`Section`] hands out values by key and remembers which keys were read; `finish` then
//! refuses whatever is left, as "not supported yet" for Vault keys Arca lacks and as
//! "unknown key" for everything else (usually a typo).

use std::time::Duration;

use super::error::ConfigError;
use super::tree::{Entry, Node, Value};
use super::unsupported;

/// One block's entries being decoded.
pub(crate) struct Section<'a> {
    file: &'a str,
    /// Path used to look up not-yet-supported keys, e.g. `listener.tcp`.
    place: &'static str,
    /// Human name used in messages, e.g. `listener "tcp"`; empty at the top level.
    name: String,
    entries: &'a [Entry],
    used: Vec<bool>,
}

/// A labeled block such as `listener "tcp" { .. }`.
pub(crate) struct Labeled<'a> {
    pub(crate) label: &'a str,
    pub(crate) line: usize,
    pub(crate) body: &'a Node,
}

impl<'a> Section<'a> {
    /// Opens `node` (which must be an object) as a section.
    pub(crate) fn new(
        file: &'a str,
        place: &'static str,
        name: impl Into<String>,
        node: &'a Node,
    ) -> Result<Self, ConfigError> {
        let name = name.into();
        let Value::Object(entries) = &node.value else {
            return Err(ConfigError::Invalid {
                file: file.to_string(),
                line: node.line,
                message: format!("{name} must be a block, found {}", node.value.kind()),
            });
        };
        Ok(Section {
            file,
            place,
            name,
            entries,
            used: vec![false; entries.len()],
        })
    }

    /// The file this section came from.
    pub(crate) fn file(&self) -> &'a str {
        self.file
    }

    /// Every entry named `key` (repeatable blocks), marked as read.
    pub(crate) fn take_all(&mut self, key: &str) -> Vec<&'a Entry> {
        let entries = self.entries;
        let mut out = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            if entry.key == key {
                self.used[i] = true;
                out.push(entry);
            }
        }
        out
    }

    /// The single entry named `key`; a second one is refused.
    pub(crate) fn take(&mut self, key: &str) -> Result<Option<&'a Entry>, ConfigError> {
        let all = self.take_all(key);
        if let Some(second) = all.get(1) {
            return Err(ConfigError::Invalid {
                file: self.file.to_string(),
                line: second.line,
                message: format!("\"{key}\" is set more than once{}", self.in_name()),
            });
        }
        Ok(all.first().copied())
    }

    fn in_name(&self) -> String {
        if self.name.is_empty() {
            String::new()
        } else {
            format!(" in {}", self.name)
        }
    }

    /// An "invalid value" error for `entry`, naming this section.
    pub(crate) fn invalid(&self, entry: &Entry, message: impl Into<String>) -> ConfigError {
        ConfigError::InvalidValue {
            file: self.file.to_string(),
            line: entry.line,
            key: entry.key.clone(),
            section: self.name.clone(),
            message: message.into(),
        }
    }

    fn read<T>(
        &mut self,
        key: &str,
        convert: impl Fn(&Value) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        match self.take(key)? {
            None => Ok(None),
            Some(entry) => convert(&entry.value.value)
                .map(Some)
                .map_err(|message| self.invalid(entry, message)),
        }
    }

    /// A string; numbers and booleans are accepted and written out, as Vault does.
    pub(crate) fn string(&mut self, key: &str) -> Result<Option<String>, ConfigError> {
        self.read(key, as_string)
    }

    /// A boolean in any of Vault's forms: `true`, `1`, `"true"`, `"1"`, `"t"`, ...
    pub(crate) fn boolean(&mut self, key: &str) -> Result<Option<bool>, ConfigError> {
        self.read(key, as_bool)
    }

    /// A whole number, written as a number or a numeric string.
    pub(crate) fn integer(&mut self, key: &str) -> Result<Option<i64>, ConfigError> {
        self.read(key, as_int)
    }

    /// A non-negative whole number.
    pub(crate) fn unsigned(&mut self, key: &str) -> Result<Option<u64>, ConfigError> {
        self.unsigned_at_most(key, u64::MAX)
    }

    /// A whole number from 0 to `max`.
    pub(crate) fn unsigned_at_most(
        &mut self,
        key: &str,
        max: u64,
    ) -> Result<Option<u64>, ConfigError> {
        self.read(key, |v| {
            u64::try_from(as_int(v)?)
                .ok()
                .filter(|n| *n <= max)
                .ok_or_else(|| format!("expected a whole number from 0 to {max}"))
        })
    }

    /// A duration: a number of seconds or a string such as `"768h"` or `"90s"`.
    pub(crate) fn duration(&mut self, key: &str) -> Result<Option<Duration>, ConfigError> {
        self.read(key, as_duration)
    }

    /// A duration that may also be `"none"` (switched off), as `usage_gauge_period` allows:
    /// `Some(None)` for "none", `Some(Some(d))` for a duration, `None` when absent.
    pub(crate) fn duration_or_none(
        &mut self,
        key: &str,
    ) -> Result<Option<Option<Duration>>, ConfigError> {
        self.read(key, |v| match v {
            Value::Str(s) if s.trim().eq_ignore_ascii_case("none") => Ok(None),
            other => as_duration(other).map(Some),
        })
    }

    /// A list of strings, written as a list or as one comma-separated string.
    pub(crate) fn string_list(&mut self, key: &str) -> Result<Option<Vec<String>>, ConfigError> {
        self.read(key, as_string_list)
    }

    /// Every block named `key`, each as its body node (one block may be written as a list
    /// of objects in JSON or HCL 1 style).
    pub(crate) fn blocks(&mut self, key: &str) -> Result<Vec<(&'a Node, usize)>, ConfigError> {
        let mut out = Vec::new();
        for entry in self.take_all(key) {
            match &entry.value.value {
                Value::Object(_) => out.push((&entry.value, entry.line)),
                Value::List(items) => {
                    for item in items {
                        if !matches!(item.value, Value::Object(_)) {
                            return Err(self.invalid(entry, "expected a block"));
                        }
                        out.push((item, item.line));
                    }
                }
                other => {
                    return Err(
                        self.invalid(entry, format!("expected a block, found {}", other.kind()))
                    );
                }
            }
        }
        Ok(out)
    }

    /// At most one block named `key`.
    pub(crate) fn block(&mut self, key: &str) -> Result<Option<(&'a Node, usize)>, ConfigError> {
        let blocks = self.blocks(key)?;
        if let Some((_, line)) = blocks.get(1) {
            return Err(ConfigError::Invalid {
                file: self.file.to_string(),
                line: *line,
                message: format!("only one \"{key}\" block is permitted{}", self.in_name()),
            });
        }
        Ok(blocks.first().copied())
    }

    /// Every labeled block named `stanza` (`listener "tcp" {}` in HCL, or
    /// `"listener": {"tcp": {..}}` / `"listener": [{"tcp": {..}}]` in JSON).
    pub(crate) fn labeled(&mut self, stanza: &str) -> Result<Vec<Labeled<'a>>, ConfigError> {
        let mut out = Vec::new();
        for (node, line) in self.blocks(stanza)? {
            let Value::Object(labels) = &node.value else {
                continue;
            };
            if labels.is_empty() {
                return Err(self.missing_label(stanza, line));
            }
            for label in labels {
                match &label.value.value {
                    Value::Object(_) => out.push(Labeled {
                        label: &label.key,
                        line: label.line,
                        body: &label.value,
                    }),
                    Value::List(items)
                        if items.iter().all(|i| matches!(i.value, Value::Object(_))) =>
                    {
                        out.extend(items.iter().map(|item| Labeled {
                            label: &label.key,
                            line: item.line,
                            body: item,
                        }));
                    }
                    _ => return Err(self.missing_label(stanza, label.line)),
                }
            }
        }
        Ok(out)
    }

    fn missing_label(&self, stanza: &str, line: usize) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            line,
            message: format!(
                "a \"{stanza}\" block needs a type label, e.g. {stanza} \"<type>\" {{ ... }}"
            ),
        }
    }

    /// Refuses every key that was not read: "not supported yet" for Vault keys Arca lacks,
    /// "unknown key" otherwise.
    pub(crate) fn finish(self) -> Result<(), ConfigError> {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            if unsupported::is_not_yet(self.place, &entry.key) {
                return Err(ConfigError::Unsupported {
                    file: self.file.to_string(),
                    line: entry.line,
                    what: format!("\"{}\"{}", entry.key, self.in_name()),
                });
            }
            return Err(ConfigError::UnknownKey {
                file: self.file.to_string(),
                line: entry.line,
                key: entry.key.clone(),
                section: self.name.clone(),
            });
        }
        Ok(())
    }
}

fn as_string(v: &Value) -> Result<String, String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(f.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a string, found {}", other.kind())),
    }
}

/// Vault's `parseutil.ParseBool`: numbers are true when non-zero, strings follow Go's
/// `strconv.ParseBool`, and the empty string is false.
fn as_bool(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Int(i) => Ok(*i != 0),
        Value::Float(f) => Ok(*f != 0.0),
        Value::Str(s) => match s.trim() {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            "" | "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            _ => Err("expected a boolean (true/false)".to_string()),
        },
        other => Err(format!("expected a boolean, found {}", other.kind())),
    }
}

fn as_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| "expected a whole number".to_string()),
        other => Err(format!("expected a whole number, found {}", other.kind())),
    }
}

/// Vault's `parseutil.ParseDurationSecond`: bare numbers are seconds.
fn as_duration(v: &Value) -> Result<Duration, String> {
    match v {
        Value::Int(i) => u64::try_from(*i)
            .map(Duration::from_secs)
            .map_err(|_| "a duration cannot be negative".to_string()),
        Value::Float(f) if f.is_finite() && *f >= 0.0 => Ok(Duration::from_secs_f64(*f)),
        Value::Str(s) => arca_sdk::duration::parse_duration(s)
            .map_err(|_| "expected a duration such as \"768h\", \"30m\" or \"90s\"".to_string()),
        other => Err(format!("expected a duration, found {}", other.kind())),
    }
}

fn as_string_list(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Str(s) => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()),
        Value::List(items) => items.iter().map(|i| as_string(&i.value)).collect(),
        other => Err(format!(
            "expected a list of strings, found {}",
            other.kind()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn booleans_follow_vault() {
        assert_eq!(as_bool(&Value::Int(1)), Ok(true));
        assert_eq!(as_bool(&Value::Int(0)), Ok(false));
        assert_eq!(as_bool(&s("true")), Ok(true));
        assert_eq!(as_bool(&s("1")), Ok(true));
        assert_eq!(as_bool(&s("False")), Ok(false));
        assert_eq!(as_bool(&s("")), Ok(false));
        assert!(as_bool(&s("yes")).is_err());
        assert!(as_bool(&Value::List(vec![])).is_err());
    }

    #[test]
    fn durations_follow_vault() {
        assert_eq!(as_duration(&s("768h")), Ok(Duration::from_secs(768 * 3600)));
        assert_eq!(as_duration(&s("90")), Ok(Duration::from_secs(90)));
        assert_eq!(as_duration(&Value::Int(30)), Ok(Duration::from_secs(30)));
        assert_eq!(as_duration(&s("1h30m")), Ok(Duration::from_secs(5400)));
        assert!(as_duration(&s("forever")).is_err());
        assert!(as_duration(&Value::Int(-1)).is_err());
        assert!(as_duration(&Value::Bool(true)).is_err());
    }

    #[test]
    fn integers_and_lists() {
        assert_eq!(as_int(&s("10000")), Ok(10000));
        assert_eq!(as_int(&Value::Float(5.0)), Ok(5));
        assert!(as_int(&Value::Float(5.5)).is_err());
        assert_eq!(
            as_string_list(&s("10.0.0.0/8, 127.0.0.1")),
            Ok(vec!["10.0.0.0/8".to_string(), "127.0.0.1".to_string()])
        );
        assert_eq!(as_string(&Value::Int(7)), Ok("7".to_string()));
    }
}
