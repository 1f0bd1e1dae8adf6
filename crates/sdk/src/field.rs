//! Typed request fields: each path declares its fields, and handlers read them through
//! [`FieldData`], which converts the JSON the client sent (or the URL capture) to the
//! declared type and reports a clear 400 when it cannot.

use std::{collections::HashMap, time::Duration};

use serde_json::Value;

use crate::{Error, Map, duration::parse_duration_value};

/// The type a field's value is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Int,
    Bool,
    /// Seconds or a duration string such as "1m".
    DurationSecond,
    Map,
    /// A JSON array of strings or a comma-separated string.
    CommaStringSlice,
    /// A map of string to string (`custom_metadata`).
    KvPairs,
    /// Any JSON value, passed through.
    Raw,
}

/// One declared field of a path.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldType,
    pub description: &'static str,
    pub default: Option<Value>,
    pub required: bool,
}

impl Field {
    /// A field with no default.
    pub fn new(name: &'static str, kind: FieldType, description: &'static str) -> Self {
        Field {
            name,
            kind,
            description,
            default: None,
            required: false,
        }
    }
    /// Sets the default returned when the client does not send the field.
    pub fn default(mut self, v: Value) -> Self {
        self.default = Some(v);
        self
    }
    /// Marks the field as required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// The values of a request's fields: URL captures first, then the body.
#[derive(Debug, Clone)]
pub struct FieldData {
    raw: Map,
    schema: HashMap<&'static str, Field>,
}

impl FieldData {
    /// Merges `captures` (from the path pattern) over `body` and checks every declared
    /// field that is present converts to its type.
    ///
    /// Clients such as hvac send `null` for parameters they leave unset, and Vault (Go)
    /// reads those as the zero value, so a null declared field counts as absent — except
    /// in a PATCH (`keep_nulls`), where JSON merge-patch gives `null` the meaning "remove".
    pub fn new(
        schema: &[Field],
        body: &Map,
        captures: Vec<(String, String)>,
        keep_nulls: bool,
    ) -> Result<Self, Error> {
        let mut raw: Map = body
            .iter()
            .filter(|(k, v)| {
                keep_nulls || !(v.is_null() && schema.iter().any(|f| f.name == k.as_str()))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in captures {
            raw.insert(k, Value::String(v));
        }
        let fd = FieldData {
            raw,
            schema: schema.iter().map(|f| (f.name, f.clone())).collect(),
        };
        for f in schema {
            if let Some(v) = fd.raw.get(f.name) {
                convert(f, v)?;
            } else if f.required {
                return Err(Error::bad_request(format!(
                    "missing required field {:?}",
                    f.name
                )));
            }
        }
        Ok(fd)
    }

    /// The whole request body with captures, for handlers that take arbitrary keys
    /// (e.g. KV data).
    pub fn raw(&self) -> &Map {
        &self.raw
    }

    /// Names the client sent that the path does not declare (Vault warns about these).
    pub fn unknown_fields(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .raw
            .keys()
            .filter(|k| !self.schema.contains_key(k.as_str()))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// True when the client sent the field (captures count as sent).
    pub fn is_set(&self, name: &str) -> bool {
        self.raw.contains_key(name)
    }

    /// The converted value, or the field's default, or `None`.
    pub fn get(&self, name: &str) -> Result<Option<Value>, Error> {
        let field = self
            .schema
            .get(name)
            .ok_or_else(|| Error::internal(format!("field {name:?} is not declared")))?;
        match self.raw.get(name) {
            Some(v) => convert(field, v).map(Some),
            None => Ok(field.default.clone()),
        }
    }

    /// String value ("" when unset and no default).
    pub fn get_str(&self, name: &str) -> Result<String, Error> {
        Ok(match self.get(name)? {
            Some(Value::String(s)) => s,
            _ => String::new(),
        })
    }

    /// Integer value, if set or defaulted.
    pub fn get_i64(&self, name: &str) -> Result<Option<i64>, Error> {
        Ok(self.get(name)?.and_then(|v| v.as_i64()))
    }

    /// Boolean value (false when unset and no default).
    pub fn get_bool(&self, name: &str) -> Result<bool, Error> {
        Ok(self.get(name)?.and_then(|v| v.as_bool()).unwrap_or(false))
    }

    /// Duration value, if set or defaulted.
    pub fn get_duration(&self, name: &str) -> Result<Option<Duration>, Error> {
        Ok(self
            .get(name)?
            .and_then(|v| v.as_u64())
            .map(Duration::from_secs))
    }

    /// List of strings (empty when unset and no default).
    pub fn get_strings(&self, name: &str) -> Result<Vec<String>, Error> {
        Ok(match self.get(name)? {
            Some(Value::Array(a)) => a
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        })
    }

    /// Object value, if set or defaulted.
    pub fn get_map(&self, name: &str) -> Result<Option<Map>, Error> {
        Ok(match self.get(name)? {
            Some(Value::Object(m)) => Some(m),
            _ => None,
        })
    }
}

fn type_error(field: &Field, v: &Value) -> Error {
    let shown = match v {
        Value::String(_) => "a string".to_string(),
        Value::Number(_) => "a number".into(),
        Value::Bool(_) => "a bool".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
        Value::Null => "null".into(),
    };
    Error::bad_request(format!(
        "error converting input for field {:?}: expected {}, got {shown}",
        field.name,
        match field.kind {
            FieldType::String => "string",
            FieldType::Int => "int",
            FieldType::Bool => "bool",
            FieldType::DurationSecond => "duration",
            FieldType::Map => "map",
            FieldType::CommaStringSlice => "list of strings",
            FieldType::KvPairs => "map of strings",
            FieldType::Raw => "value",
        }
    ))
}

/// Converts a client value to the field's type, accepting the loose forms Vault accepts
/// (numbers and bools as strings, comma-separated lists).
fn convert(field: &Field, v: &Value) -> Result<Value, Error> {
    let err = || type_error(field, v);
    Ok(match field.kind {
        FieldType::Raw => v.clone(),
        FieldType::String => match v {
            Value::String(_) => v.clone(),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => return Err(err()),
        },
        FieldType::Int => match v {
            Value::Number(n) if n.is_i64() => v.clone(),
            Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
                _ => return Err(err()),
            },
            Value::String(s) => Value::from(s.trim().parse::<i64>().map_err(|_| err())?),
            _ => return Err(err()),
        },
        FieldType::Bool => match v {
            Value::Bool(_) => v.clone(),
            Value::String(s) => match s.as_str() {
                "true" | "1" | "t" | "T" | "TRUE" | "True" => Value::Bool(true),
                "false" | "0" | "f" | "F" | "FALSE" | "False" | "" => Value::Bool(false),
                _ => return Err(err()),
            },
            Value::Number(n) => Value::Bool(n.as_i64().ok_or_else(err)? != 0),
            _ => return Err(err()),
        },
        FieldType::DurationSecond => {
            let d = parse_duration_value(v).map_err(|e| {
                Error::bad_request(format!(
                    "error converting input for field {:?}: {e}",
                    field.name
                ))
            })?;
            Value::from(d.as_secs())
        }
        FieldType::Map => match v {
            Value::Object(_) => v.clone(),
            Value::String(s) if s.trim().starts_with('{') => serde_json::from_str::<Map>(s)
                .map(Value::Object)
                .map_err(|_| err())?,
            Value::Null => Value::Object(Map::new()),
            _ => return Err(err()),
        },
        FieldType::KvPairs => match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, val) in m {
                    let s = match val {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return Err(err()),
                    };
                    out.insert(k.clone(), Value::String(s));
                }
                Value::Object(out)
            }
            Value::Null => Value::Object(Map::new()),
            _ => return Err(err()),
        },
        FieldType::CommaStringSlice => match v {
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for item in a {
                    match item {
                        Value::String(s) => out.push(Value::String(s.trim().to_string())),
                        Value::Number(n) => out.push(Value::String(n.to_string())),
                        _ => return Err(err()),
                    }
                }
                Value::Array(out)
            }
            Value::String(s) => Value::Array(
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_string()))
                    .collect(),
            ),
            Value::Null => Value::Array(vec![]),
            _ => return Err(err()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Vec<Field> {
        vec![
            Field::new("max_versions", FieldType::Int, "").default(json!(0)),
            Field::new("cas_required", FieldType::Bool, ""),
            Field::new("ttl", FieldType::DurationSecond, ""),
            Field::new("policies", FieldType::CommaStringSlice, ""),
            Field::new("path", FieldType::String, ""),
        ]
    }

    #[test]
    fn converts_loose_inputs() {
        let body =
            json!({"max_versions": "5", "cas_required": "true", "ttl": "1m", "policies": "a, b"});
        let fd = FieldData::new(
            &schema(),
            body.as_object().unwrap(),
            vec![("path".into(), "x/y".into())],
            false,
        )
        .unwrap();
        assert_eq!(fd.get_i64("max_versions").unwrap(), Some(5));
        assert!(fd.get_bool("cas_required").unwrap());
        assert_eq!(
            fd.get_duration("ttl").unwrap(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(fd.get_strings("policies").unwrap(), vec!["a", "b"]);
        assert_eq!(fd.get_str("path").unwrap(), "x/y");
    }

    #[test]
    fn defaults_and_unknown() {
        let body = json!({"extra": 1});
        let fd = FieldData::new(&schema(), body.as_object().unwrap(), vec![], false).unwrap();
        assert_eq!(fd.get_i64("max_versions").unwrap(), Some(0));
        assert_eq!(fd.unknown_fields(), vec!["extra"]);
    }

    #[test]
    fn null_means_unset() {
        let body = json!({"max_versions": null, "path": null, "other": null});
        let fd = FieldData::new(&schema(), body.as_object().unwrap(), vec![], false).unwrap();
        assert_eq!(fd.get_i64("max_versions").unwrap(), Some(0));
        assert!(!fd.is_set("path"));
        let patch = FieldData::new(&schema(), body.as_object().unwrap(), vec![], true);
        assert!(
            patch.is_err(),
            "a null int in a PATCH is not silently dropped"
        );
        assert!(fd.raw().contains_key("other"));
    }

    #[test]
    fn rejects_bad_types() {
        let body = json!({"max_versions": "lots"});
        let e = FieldData::new(&schema(), body.as_object().unwrap(), vec![], false).unwrap_err();
        assert!(matches!(e, Error::BadRequest(m) if m.contains("max_versions")));
        let body = json!({"ttl": "10x"});
        assert!(FieldData::new(&schema(), body.as_object().unwrap(), vec![], false).is_err());
    }
}
