//! `key=value` arguments as `vault write` and `vault kv put` read them.
//!
//! Rules (Vault's kv-builder): `key=value`; `key=@file` reads the value from a file;
//! `key=\@x` is the literal `@x`; `key=-` reads the value from stdin; a bare `-` merges a JSON
//! object from stdin and a bare `@file` merges a JSON object from a file; repeating a key turns
//! its value into a list. Stdin may be consumed only once.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Map, Value};

use crate::client::io_text;

/// Builds the request data from arguments, reading `-` from `stdin`.
pub fn parse_args_data(
    stdin: &mut dyn Read,
    args: &[String],
) -> Result<Map<String, Value>, String> {
    let mut result = Map::new();
    let mut stdin_used = false;
    for raw in args {
        if raw.is_empty() {
            continue;
        }
        let Some((key, value)) = raw.split_once('=') else {
            if raw == "-" {
                if stdin_used {
                    return Err("stdin already consumed".to_string());
                }
                stdin_used = true;
                merge_json(&mut result, stdin)?;
                continue;
            }
            if let Some(file) = raw.strip_prefix('@') {
                let mut f = std::fs::File::open(file)
                    .map_err(|e| format!("open {file}: {}", io_text(&e)))?;
                merge_json(&mut result, &mut f)?;
                continue;
            }
            return Err("format must be key=value".to_string());
        };
        let value = if let Some(file) = value.strip_prefix('@') {
            std::fs::read_to_string(file)
                .map_err(|e| format!("error reading file: open {file}: {}", io_text(&e)))?
        } else if let Some(rest) = value.strip_prefix("\\@") {
            format!("@{rest}")
        } else if value == "-" {
            if stdin_used {
                return Err("stdin already consumed".to_string());
            }
            stdin_used = true;
            let mut buf = String::new();
            stdin.read_to_string(&mut buf).map_err(|e| e.to_string())?;
            buf
        } else {
            value.to_string()
        };
        match result.get_mut(key) {
            Some(Value::Array(items)) => items.push(Value::String(value)),
            Some(existing) => {
                let prev = existing.take();
                *existing = Value::Array(vec![prev, Value::String(value)]);
            }
            None => {
                result.insert(key.to_string(), Value::String(value));
            }
        }
    }
    Ok(result)
}

fn merge_json(result: &mut Map<String, Value>, r: &mut dyn Read) -> Result<(), String> {
    let mut buf = String::new();
    r.read_to_string(&mut buf).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&buf).map_err(|e| e.to_string())?;
    match v {
        Value::Object(m) => {
            result.extend(m);
            Ok(())
        }
        Value::Null => Ok(()),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            match other {
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                _ => "bool",
            }
        )),
    }
}

fn string_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Vault's `parseArgsDataStringLists`: every value as a list of strings (query parameters).
pub fn parse_args_data_string_lists(
    stdin: &mut dyn Read,
    args: &[String],
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let data = parse_args_data(stdin, args)?;
    Ok(data
        .into_iter()
        .map(|(k, v)| {
            let list = match v {
                Value::Array(items) => items.iter().map(string_of).collect(),
                other => vec![string_of(&other)],
            };
            (k, list)
        })
        .collect())
}

/// Vault's `parseArgsDataString`: every value as a single string (login configuration).
pub fn parse_args_data_string(
    stdin: &mut dyn Read,
    args: &[String],
) -> Result<BTreeMap<String, String>, String> {
    let data = parse_args_data(stdin, args)?;
    let mut out = BTreeMap::new();
    for (k, v) in data {
        if v.is_array() || v.is_object() {
            return Err(format!(
                "failed to convert values to strings: '{k}' expected type 'string', got unconvertible type"
            ));
        }
        out.insert(k, string_of(&v));
    }
    Ok(out)
}

/// Flattens string-list data into query parameters.
pub fn to_query(data: BTreeMap<String, Vec<String>>) -> Vec<(String, String)> {
    data.into_iter()
        .flat_map(|(k, vs)| vs.into_iter().map(move |v| (k.clone(), v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Cursor;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn key_value_pairs_and_repeats() {
        let mut stdin = Cursor::new(Vec::new());
        let m = parse_args_data(&mut stdin, &args(&["a=1", "b=x=y", "a=2", "c=", "a=3"])).unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"a": ["1", "2", "3"], "b": "x=y", "c": ""})
        );
    }

    #[test]
    fn value_from_stdin_keeps_newline() {
        let mut stdin = Cursor::new(b"abcd1234\n".to_vec());
        let m = parse_args_data(&mut stdin, &args(&["bar=-"])).unwrap();
        assert_eq!(m["bar"], json!("abcd1234\n"));
    }

    #[test]
    fn json_object_from_stdin_merges() {
        let mut stdin = Cursor::new(br#"{"x": 1, "y": {"z": true}}"#.to_vec());
        let m = parse_args_data(&mut stdin, &args(&["a=b", "-"])).unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"a": "b", "x": 1, "y": {"z": true}})
        );
    }

    #[test]
    fn stdin_only_once() {
        let mut stdin = Cursor::new(br#"{}"#.to_vec());
        assert_eq!(
            parse_args_data(&mut stdin, &args(&["-", "a=-"])).unwrap_err(),
            "stdin already consumed"
        );
    }

    #[test]
    fn files_escapes_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("v.txt");
        std::fs::write(&f, "file-value").unwrap();
        let j = dir.path().join("d.json");
        std::fs::write(&j, r#"{"from_file": "yes"}"#).unwrap();
        let mut stdin = Cursor::new(Vec::new());
        let m = parse_args_data(
            &mut stdin,
            &args(&[
                &format!("k=@{}", f.display()),
                "lit=\\@home",
                &format!("@{}", j.display()),
            ]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"k": "file-value", "lit": "@home", "from_file": "yes"})
        );
        assert_eq!(
            parse_args_data(&mut stdin, &args(&["novalue"])).unwrap_err(),
            "format must be key=value"
        );
        assert_eq!(
            parse_args_data(&mut stdin, &args(&["k=@/nonexistent/x"])).unwrap_err(),
            "error reading file: open /nonexistent/x: no such file or directory"
        );
    }

    #[test]
    fn string_conversions() {
        let mut stdin = Cursor::new(br#"{"n": 5, "b": true}"#.to_vec());
        let m = parse_args_data_string_lists(&mut stdin, &args(&["-", "k=a", "k=b"])).unwrap();
        assert_eq!(m["k"], vec!["a", "b"]);
        assert_eq!(m["n"], vec!["5"]);
        assert_eq!(m["b"], vec!["1"]);
        assert_eq!(
            to_query(m),
            vec![
                ("b".to_string(), "1".to_string()),
                ("k".to_string(), "a".to_string()),
                ("k".to_string(), "b".to_string()),
                ("n".to_string(), "5".to_string()),
            ]
        );
        let mut stdin = Cursor::new(Vec::new());
        let s = parse_args_data_string(&mut stdin, &args(&["token=abc"])).unwrap();
        assert_eq!(s["token"], "abc");
    }
}
