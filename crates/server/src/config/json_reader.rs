//! Reads JSON configuration text into the line-numbered [`Node`] tree.
//!
//! serde_json checks the syntax first (its errors carry line and column); a small scanner
//! then walks the already-valid text to record the line of every key, which serde_json does
//! not expose. String and number tokens are decoded by serde_json itself, so escapes and
//! number forms follow the JSON spec exactly.

use super::error::ConfigError;
use super::tree::{Entry, LineIndex, Node, Value};

/// Parses `text` (named `file` in errors) into a node; the root must be an object.
pub(crate) fn read(text: &str, file: &str) -> Result<Node, ConfigError> {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        // serde_json appends " at line L column C"; the position is reported separately.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        return Err(ConfigError::Syntax {
            file: file.to_string(),
            line: e.line().max(1),
            column: e.column().max(1),
            message,
        });
    }
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        lines: LineIndex::new(text),
    };
    let internal = |message: &str| ConfigError::Syntax {
        file: file.to_string(),
        line: 1,
        column: 1,
        message: message.to_string(),
    };
    let node = scanner.value().map_err(internal)?;
    if !matches!(node.value, Value::Object(_)) {
        return Err(ConfigError::Invalid {
            file: file.to_string(),
            line: node.line,
            message: "a JSON configuration must be an object".into(),
        });
    }
    Ok(node)
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    lines: LineIndex,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while let Some(b) = self.bytes.get(self.pos) {
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), &'static str> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err("unexpected token while re-reading JSON")
        }
    }

    fn value(&mut self) -> Result<Node, &'static str> {
        let first = self.peek().ok_or("unexpected end of JSON")?;
        let line = self.lines.line(self.pos);
        let value = match first {
            b'{' => Value::Object(self.object()?),
            b'[' => Value::List(self.list()?),
            b'"' => Value::Str(self.string()?),
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'n' => self.literal("null", Value::Null)?,
            _ => self.number()?,
        };
        Ok(Node { value, line })
    }

    fn object(&mut self) -> Result<Vec<Entry>, &'static str> {
        self.expect(b'{')?;
        let mut entries = Vec::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(entries);
        }
        loop {
            self.skip_ws();
            let line = self.lines.line(self.pos);
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            entries.push(Entry { key, line, value });
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(entries);
                }
                _ => return Err("unterminated object"),
            }
        }
    }

    fn list(&mut self) -> Result<Vec<Node>, &'static str> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.value()?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err("unterminated list"),
            }
        }
    }

    fn string(&mut self) -> Result<String, &'static str> {
        if self.peek() != Some(b'"') {
            return Err("expected a string");
        }
        let start = self.pos;
        self.pos += 1;
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    let raw = self.text.get(start..self.pos).ok_or("bad string")?;
                    return serde_json::from_str(raw).map_err(|_| "bad string");
                }
                _ => self.pos += 1,
            }
        }
        Err("unterminated string")
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, &'static str> {
        let end = self.pos + word.len();
        if self.text.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(value)
        } else {
            Err("unexpected literal")
        }
    }

    fn number(&mut self) -> Result<Value, &'static str> {
        let start = self.pos;
        while let Some(&b) = self.bytes.get(self.pos) {
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        let raw = self.text.get(start..self.pos).ok_or("bad number")?;
        let n: serde_json::Number = serde_json::from_str(raw).map_err(|_| "bad number")?;
        Ok(match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_lines() {
        let text = "{\n  \"ui\": true,\n  \"listener\": [\n    {\"tcp\": {\"address\": \"a\\\"b\"}}\n  ],\n  \"n\": -1.5e1\n}";
        let root = read(text, "c.json").unwrap();
        let Value::Object(entries) = &root.value else {
            panic!("not an object")
        };
        assert_eq!(entries[0].key, "ui");
        assert_eq!(entries[0].line, 2);
        assert_eq!(entries[1].line, 3);
        let Value::List(items) = &entries[1].value.value else {
            panic!("not a list")
        };
        assert_eq!(items[0].line, 4);
        let Value::Object(tcp) = &items[0].value else {
            panic!()
        };
        let Value::Object(inner) = &tcp[0].value.value else {
            panic!()
        };
        assert!(matches!(&inner[0].value.value, Value::Str(s) if s == "a\"b"));
        assert!(matches!(entries[2].value.value, Value::Float(f) if f == -15.0));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = read("{\n  \"ui\": true,\n  \"x\": \n}", "c.json")
            .err()
            .unwrap();
        match err {
            ConfigError::Syntax {
                line,
                file,
                message,
                ..
            } => {
                assert_eq!(file, "c.json");
                assert_eq!(line, 4);
                assert!(!message.contains(" at line "), "{message}");
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn root_must_be_an_object() {
        let err = read("[1]", "c.json").err().unwrap();
        assert_eq!(
            err.to_string(),
            "c.json:1: a JSON configuration must be an object"
        );
    }
}
