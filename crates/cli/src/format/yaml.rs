//! YAML output as Vault's `-format=yaml` produces it.
//!
//! Vault converts its JSON to YAML with go-yaml v2: block style, keys sorted with go-yaml's
//! natural ordering, sequences under a key not indented, strings quoted only when a plain
//! scalar would read back as something else. There is no YAML crate in the workspace, and the
//! subset needed for JSON-shaped data is small, so the emitter lives here.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Renders `v` as go-yaml v2 would (with a trailing newline, as `yaml.Marshal` returns).
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) if !m.is_empty() => emit_map(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => emit_seq(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

/// go-yaml v2's key ordering: digit runs compare numerically, and non-letters sort before
/// letters.
pub fn key_cmp(a: &str, b: &str) -> Ordering {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

fn sorted_keys(m: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by(|a, b| key_cmp(a, b));
    keys
}

fn emit_map(m: &Map<String, Value>, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for k in sorted_keys(m) {
        out.push_str(&pad);
        out.push_str(&string_scalar(k, indent));
        out.push(':');
        emit_value_after_key(&m[k], indent, out);
    }
}

fn emit_value_after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(inner) if !inner.is_empty() => {
            out.push('\n');
            emit_map(inner, indent + 2, out);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            emit_seq(items, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, indent + 2));
            out.push('\n');
        }
    }
}

fn emit_seq(items: &[Value], indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    for item in items {
        out.push_str(&pad);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line; the rest align under it.
                let mut nested = String::new();
                emit_map(m, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(nested.trim_start_matches(' '));
            }
            Value::Array(inner) if !inner.is_empty() => {
                let mut nested = String::new();
                emit_seq(inner, indent + 2, &mut nested);
                out.push(' ');
                out.push_str(nested.trim_start_matches(' '));
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                n.to_string()
            } else {
                go_float(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::String(s) => string_scalar(s, indent),
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` plus YAML's spellings of the specials.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        return format!("{f}");
    }
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
        ".NaN", ".NAN", "<<",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    if is_timestamp(s) {
        return true;
    }
    let Some(&first) = s.as_bytes().first() else {
        return true;
    };
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return false;
    }
    let plain = s.replace('_', "");
    let unsigned = plain.trim_start_matches(['-', '+']);
    if unsigned.parse::<u64>().is_ok() {
        return true;
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = unsigned.strip_prefix(prefix)
            && !digits.is_empty()
            && u64::from_str_radix(digits, radix).is_ok()
        {
            return true;
        }
    }
    if is_yaml_float(&plain) {
        return true;
    }
    // Base-60 numbers such as 1:20 are read as numbers by YAML 1.1.
    let mut parts = unsigned.split(':');
    let head_ok = parts
        .next()
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_digit()));
    let rest: Vec<&str> = parts.collect();
    head_ok
        && !rest.is_empty()
        && rest.iter().all(|p| {
            let p = p.split('.').next().unwrap_or("");
            !p.is_empty() && p.len() <= 2 && p.parse::<u8>().is_ok_and(|n| n < 60)
        })
}

fn all_digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// go-yaml v2 reads `2006-1-2`, `2006-1-2T15:4:5(.frac)(Z|±hh:mm)` and `2006-1-2 15:4:5` as
/// timestamps, so such strings must be quoted.
fn is_timestamp(s: &str) -> bool {
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 || !all_digits(d[0], 4, 4) || !all_digits(d[1], 1, 2) || !all_digits(d[2], 1, 2)
    {
        return false;
    }
    let Some(time) = time else {
        return true;
    };
    let (clock, zone) = match time.find(['Z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, ""),
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let t: Vec<&str> = hms.split(':').collect();
    let clock_ok = t.len() == 3
        && t.iter().all(|p| all_digits(p, 1, 2))
        && frac.bytes().all(|b| b.is_ascii_digit());
    let zone_ok = match zone {
        "" | "Z" => true,
        z => {
            let z = &z[1..];
            let (h, m) = z.split_once(':').unwrap_or((z, "00"));
            all_digits(h, 2, 2) && all_digits(m, 2, 2)
        }
    };
    clock_ok && zone_ok
}

fn is_yaml_float(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.trim_start_matches(['-', '+']);
    let (num, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let num_ok = match num.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit()),
        Some((int, frac)) => {
            int.bytes().all(|c| c.is_ascii_digit()) && frac.bytes().all(|c| c.is_ascii_digit())
        }
        None => !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.trim_start_matches(['-', '+']);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    num_ok && exp_ok
}

fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    let last = s.chars().last().unwrap_or(' ');
    if first.is_whitespace() || last.is_whitespace() {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    let second = s.chars().nth(1);
    let followed_by_blank = second.is_none_or(char::is_whitespace);
    match first {
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' => return false,
        '-' | '?' | ':' if followed_by_blank => return false,
        _ => {}
    }
    if last == ':' {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.contains(":\t") || s.contains("\t#") {
        return false;
    }
    !s.chars()
        .any(|c| (c.is_control() && c != '\t') || c == '\u{feff}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn literal_block(s: &str, indent: usize) -> String {
    let content = s.trim_end_matches('\n');
    let trailing = s.len() - content.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let pad = " ".repeat(indent.max(2));
    let indicator = if content.starts_with(' ') { "2" } else { "" };
    let mut out = format!("|{indicator}{chomp}");
    for line in content.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    out
}

fn string_scalar(s: &str, indent: usize) -> String {
    if s.contains('\n') {
        return literal_block(s, indent);
    }
    if resolves_to_non_string(s) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_string();
    }
    if s.chars().any(|c| c.is_control() && c != '\t') {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_envelope() {
        let v = json!({
            "request_id": "abc",
            "lease_duration": 2764800,
            "renewable": false,
            "data": {"foo": "bar", "num": "123", "empty": "", "t": "true", "n": "no"},
            "warnings": null,
            "list": ["a", "b"],
            "nested": {"x": {}, "z": []}
        });
        assert_eq!(
            to_string(&v),
            "data:\n  empty: \"\"\n  foo: bar\n  \"n\": \"no\"\n  num: \"123\"\n  t: \"true\"\n\
             lease_duration: 2764800\nlist:\n- a\n- b\nnested:\n  x: {}\n  z: []\n\
             renewable: false\nrequest_id: abc\nwarnings: null\n"
        );
    }

    #[test]
    fn lists_of_maps_and_top_level_lists() {
        let v = json!([{"b": 1, "a": 2}, "x"]);
        assert_eq!(to_string(&v), "- a: 2\n  b: 1\n- x\n");
        assert_eq!(to_string(&json!({"k": [[1, 2]]})), "k:\n- - 1\n  - 2\n");
    }

    #[test]
    fn quoting_rules() {
        assert_eq!(string_scalar("plain text", 0), "plain text");
        assert_eq!(string_scalar("a: b", 0), "'a: b'");
        assert_eq!(string_scalar("- x", 0), "'- x'");
        assert_eq!(string_scalar("it's #1", 0), "'it''s #1'");
        assert_eq!(string_scalar("yes", 0), "\"yes\"");
        assert_eq!(string_scalar("1.5", 0), "\"1.5\"");
        assert_eq!(string_scalar("0x1F", 0), "\"0x1F\"");
        assert_eq!(string_scalar("1:20", 0), "\"1:20\"");
        assert_eq!(string_scalar("hvs.abc", 0), "hvs.abc");
        assert_eq!(
            string_scalar("2024-01-01T00:00:00.5Z", 0),
            "\"2024-01-01T00:00:00.5Z\""
        );
        assert_eq!(string_scalar("2024-01-01", 0), "\"2024-01-01\"");
        assert_eq!(string_scalar("2024-01-01x", 0), "2024-01-01x");
        assert_eq!(string_scalar(" lead", 0), "' lead'");
    }

    #[test]
    fn multiline_strings_use_literal_blocks() {
        let v = json!({"pem": "line1\nline2\n", "x": "a\nb", "z": "k\n\n"});
        assert_eq!(
            to_string(&v),
            "pem: |\n  line1\n  line2\nx: |-\n  a\n  b\nz: |+\n  k\n\n"
        );
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["a10", "a9", "B", "_x", "a"];
        keys.sort_by(|a, b| key_cmp(a, b));
        // Upper case sorts before lower case; non-letters before letters.
        assert_eq!(keys, vec!["_x", "B", "a", "a9", "a10"]);
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(123456.5), "123456.5");
        assert_eq!(go_float(1234567.5), "1.2345675e+06");
        assert_eq!(go_float(0.00001), "1e-05");
    }
}
