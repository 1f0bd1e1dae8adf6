//! Go's `%v` and `%q` renderings of JSON values.
//!
//! Vault prints table cells with `fmt.Sprintf("%v", value)` on decoded JSON, so a nested
//! object shows as `map[a:1 b:2]`, a list as `[a b]` and null as `<nil>`. Scripts that grep
//! table output see exactly these strings, so they are reproduced here.

use serde_json::Value;

/// `fmt.Sprintf("%v", v)` for a value decoded from JSON (numbers kept as written).
pub fn format_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(format_v).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", k, format_v(&map[k])))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

/// Go's `strconv.Quote` for the characters that appear in policy names and similar.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `fmt.Sprintf("%q", slice)` for a string slice: `["a" "b"]`; a nil slice prints `[]`.
pub fn quote_list(items: Option<&[String]>) -> String {
    let inner: Vec<String> = items.unwrap_or(&[]).iter().map(|s| quote(s)).collect();
    format!("[{}]", inner.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars() {
        assert_eq!(format_v(&json!(null)), "<nil>");
        assert_eq!(format_v(&json!(true)), "true");
        assert_eq!(format_v(&json!(42)), "42");
        assert_eq!(format_v(&json!(1.5)), "1.5");
        assert_eq!(format_v(&json!("s p")), "s p");
    }

    #[test]
    fn collections_look_like_go_maps_and_slices() {
        assert_eq!(format_v(&json!(["a", 1, null])), "[a 1 <nil>]");
        assert_eq!(
            format_v(&json!({"b": 2, "a": {"x": [1]}})),
            "map[a:map[x:[1]] b:2]"
        );
        assert_eq!(format_v(&json!({})), "map[]");
        assert_eq!(format_v(&json!([])), "[]");
    }

    #[test]
    fn quoted_lists() {
        let v = vec!["root".to_string(), "de\"fault".to_string()];
        assert_eq!(quote_list(Some(&v)), "[\"root\" \"de\\\"fault\"]");
        assert_eq!(quote_list(None), "[]");
    }
}
