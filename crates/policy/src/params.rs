//! Matching request parameter values against `allowed_parameters` and
//! `denied_parameters` lists, with Vault's rules:
//!
//! * an empty list matches any value;
//! * a string entry may start and/or end with `*` (suffix / prefix / substring match);
//! * other entries match by JSON equality (numbers by value, so `1` equals `1.0`);
//! * for an *allowed* list, a list value (or a comma-separated string) passes when every
//!   element is allowed; for a *denied* list, it fails when any element is denied;
//! * values of `policies` / `token_policies` are compared lower-case, as Vault stores
//!   policy names lower-case (so `Root` cannot slip past a denied `root`).

use serde_json::Value;

/// Vault's glob for parameter values: `*x`, `x*`, `*x*`, or an exact string. A lone `*`
/// is an exact match of `*` (Vault's rule: globs need at least two characters).
fn glob_match(pattern: &str, value: &str) -> bool {
    if pattern.len() < 2 {
        return pattern == value;
    }
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(_), Some(_)) => value.contains(&pattern[1..pattern.len() - 1]),
        (Some(suffix), None) => value.ends_with(suffix),
        (None, Some(prefix)) => value.starts_with(prefix),
        (None, None) => pattern == value,
    }
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        _ => a == b,
    }
}

/// True when `value` equals (or glob-matches) one entry of `list`.
fn in_list(value: &Value, list: &[Value]) -> bool {
    list.iter().any(|entry| match (entry, value) {
        (Value::String(p), Value::String(v)) => glob_match(p, v),
        _ => json_eq(entry, value),
    })
}

/// The elements of a list value or of a comma-separated string, if it is one of those.
/// An empty string gives `None`, so it is judged as a whole value.
fn elements(value: &Value) -> Option<Vec<Value>> {
    match value {
        Value::Array(items) => Some(items.clone()),
        Value::String(s) if !s.is_empty() => Some(
            s.split(',')
                .map(|p| Value::String(p.trim().to_string()))
                .collect(),
        ),
        _ => None,
    }
}

/// Lower-cases the values of parameters that name policies.
pub(crate) fn normalize(name: &str, value: &Value) -> Value {
    if !matches!(name.to_lowercase().as_str(), "policies" | "token_policies") {
        return value.clone();
    }
    let lower = |v: &Value| match v {
        Value::String(s) => Value::String(s.to_lowercase()),
        other => other.clone(),
    };
    match value {
        Value::Array(items) => Value::Array(items.iter().map(lower).collect()),
        other => lower(other),
    }
}

/// True when `value` is allowed by `list`.
pub(crate) fn allowed(value: &Value, list: &[Value]) -> bool {
    if list.is_empty() || in_list(value, list) {
        return true;
    }
    match elements(value) {
        Some(items) => !items.is_empty() && items.iter().all(|v| in_list(v, list)),
        None => false,
    }
}

/// True when `value` is denied by `list`.
pub(crate) fn denied(value: &Value, list: &[Value]) -> bool {
    if list.is_empty() || in_list(value, list) {
        return true;
    }
    match elements(value) {
        Some(items) => items.iter().any(|v| in_list(v, list)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        assert!(glob_match("foo*", "foobar"));
        assert!(!glob_match("foo*", "barfoo"));
        assert!(glob_match("*bar", "foobar"));
        assert!(glob_match("*ob*", "foobar"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
        assert!(glob_match("*", "*"));
        assert!(!glob_match("*", "anything"));
    }

    #[test]
    fn allowed_lists() {
        let list = vec![json!("a"), json!("b*"), json!(3)];
        assert!(allowed(&json!("a"), &list));
        assert!(allowed(&json!("bravo"), &list));
        assert!(allowed(&json!(3.0), &list));
        assert!(!allowed(&json!("c"), &list));
        assert!(allowed(&json!(["a", "bee"]), &list));
        assert!(!allowed(&json!(["a", "c"]), &list));
        assert!(allowed(&json!("a,bx"), &list));
        assert!(!allowed(&json!("a,c"), &list));
        assert!(!allowed(&json!(""), &list));
        assert!(allowed(&json!("anything"), &[]));
    }

    #[test]
    fn denied_lists() {
        let list = vec![json!("root"), json!(true)];
        assert!(denied(&json!("root"), &list));
        assert!(denied(&json!(["default", "root"]), &list));
        assert!(denied(&json!("default,root"), &list));
        assert!(denied(&json!(true), &list));
        assert!(!denied(&json!("default"), &list));
        assert!(denied(&json!("x"), &[]));
    }

    #[test]
    fn policy_names_compare_lower_case() {
        let v = normalize("Policies", &json!(["Root", "x"]));
        assert_eq!(v, json!(["root", "x"]));
        assert_eq!(normalize("other", &json!("Root")), json!("Root"));
    }
}
