//! JSON printed the way Go's `json.MarshalIndent(v, "", "  ")` prints it.
//!
//! Two details differ from serde_json's pretty printer and are visible to scripts that diff or
//! hash `-format=json` output: Go escapes `<`, `>`, `&`, U+2028 and U+2029 as `\u003c` etc.,
//! and writes backspace and form feed as `\u0008` / `\u000c` instead of `\b` / `\f`.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};

/// Wraps serde_json's pretty formatter with Go's string escaping.
struct GoFormatter<'a> {
    inner: PrettyFormatter<'a>,
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $name<W: ?Sized + Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> io::Result<()> {
                self.inner.$name(w $(, $arg)*)
            }
        )*
    };
}

impl Formatter for GoFormatter<'_> {
    delegate! {
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object();
        end_object();
        begin_object_key(first: bool);
        begin_object_value();
        end_object_value();
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let esc = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(esc.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let s: String = match escape {
            CharEscape::Quote => "\\\"".into(),
            CharEscape::ReverseSolidus => "\\\\".into(),
            CharEscape::Solidus => "/".into(),
            CharEscape::Backspace => "\\u0008".into(),
            CharEscape::FormFeed => "\\u000c".into(),
            CharEscape::LineFeed => "\\n".into(),
            CharEscape::CarriageReturn => "\\r".into(),
            CharEscape::Tab => "\\t".into(),
            CharEscape::AsciiControl(b) => format!("\\u{b:04x}"),
        };
        w.write_all(s.as_bytes())
    }
}

/// Serialises `value` as Go's indented JSON (two-space indent, Go escaping).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut buf = Vec::new();
    let formatter = GoFormatter {
        inner: PrettyFormatter::with_indent(b"  "),
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    value.serialize(&mut ser)?;
    // serde_json only ever writes valid UTF-8.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indents_like_go() {
        let v = json!({"b": [1, 2], "a": {}, "c": []});
        assert_eq!(
            to_string(&v).unwrap(),
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": []\n}"
        );
    }

    #[test]
    fn escapes_like_go() {
        let v = json!("<a href=\"x\">&\u{8}\u{c}\n\u{2028}\u{1}");
        assert_eq!(
            to_string(&v).unwrap(),
            "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u0008\\u000c\\n\\u2028\\u0001\""
        );
    }

    #[test]
    fn struct_field_order_is_kept() {
        #[derive(Serialize)]
        struct S {
            z: u8,
            a: u8,
        }
        assert_eq!(
            to_string(&S { z: 1, a: 2 }).unwrap(),
            "{\n  \"z\": 1,\n  \"a\": 2\n}"
        );
    }
}
