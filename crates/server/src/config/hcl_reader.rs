//! Reads HCL text into the line-numbered [`Node`] tree.
//!
//! Uses `hcl::edit` (the span-keeping parser behind hcl-rs) so every key knows its line.
//! Literal values are converted directly; anything else (templates, heredocs, arithmetic)
//! is evaluated by hcl-rs with an empty context, so `"${var}"` is refused with a clear error
//! rather than silently kept as text.

use std::ops::Range;

use hcl::edit::Span;
use hcl::edit::expr::{Expression, ObjectKey};
use hcl::edit::structure::{Body, Structure};
use hcl::eval::{Context, Evaluate};

use super::error::ConfigError;
use super::tree::{Entry, LineIndex, Node, Value};

/// Parses `text` (named `file` in errors) into an object node.
pub(crate) fn read(text: &str, file: &str) -> Result<Node, ConfigError> {
    let body = hcl::edit::parser::parse_body(text).map_err(|e| ConfigError::Syntax {
        file: file.to_string(),
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_string(),
    })?;
    let reader = Reader {
        lines: LineIndex::new(text),
        file,
    };
    Ok(Node {
        value: Value::Object(reader.body(&body, 1)?),
        line: 1,
    })
}

struct Reader<'a> {
    lines: LineIndex,
    file: &'a str,
}

impl Reader<'_> {
    fn line_of(&self, span: Option<Range<usize>>, fallback: usize) -> usize {
        span.map_or(fallback, |r| self.lines.line(r.start))
    }

    fn body(&self, body: &Body, fallback: usize) -> Result<Vec<Entry>, ConfigError> {
        let mut out = Vec::with_capacity(body.len());
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let line = self.line_of(attr.key.span(), fallback);
                    out.push(Entry {
                        key: attr.key.as_str().to_string(),
                        line,
                        value: self.expr(&attr.value, line)?,
                    });
                }
                Structure::Block(block) => {
                    let line = self.line_of(block.ident.span(), fallback);
                    let mut node = Node {
                        value: Value::Object(self.body(&block.body, line)?),
                        line,
                    };
                    // `a "b" "c" { .. }` becomes a = { b = { c = { .. } } }.
                    for label in block.labels.iter().rev() {
                        let label_line = self.line_of(label.span(), line);
                        node = Node {
                            value: Value::Object(vec![Entry {
                                key: label.as_str().to_string(),
                                line: label_line,
                                value: node,
                            }]),
                            line: label_line,
                        };
                    }
                    out.push(Entry {
                        key: block.ident.as_str().to_string(),
                        line,
                        value: node,
                    });
                }
            }
        }
        Ok(out)
    }

    fn expr(&self, expr: &Expression, fallback: usize) -> Result<Node, ConfigError> {
        let line = self.line_of(expr.span(), fallback);
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => number(n.value()),
            Expression::String(s) => Value::Str(s.value().clone()),
            Expression::Array(items) => Value::List(
                items
                    .iter()
                    .map(|item| self.expr(item, line))
                    .collect::<Result<_, _>>()?,
            ),
            Expression::Object(object) => {
                let mut entries = Vec::with_capacity(object.len());
                for (key, value) in object.iter() {
                    let key_line = self.line_of(key.span(), line);
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(e) => match self.evaluate(e, key_line)? {
                            Value::Str(s) => s,
                            _ => return Err(self.invalid(key_line, "object keys must be strings")),
                        },
                    };
                    entries.push(Entry {
                        key,
                        line: key_line,
                        value: self.expr(value.expr(), key_line)?,
                    });
                }
                Value::Object(entries)
            }
            other => self.evaluate(other, line)?,
        };
        Ok(Node { value, line })
    }

    /// Evaluates a non-literal expression with no variables or functions defined.
    fn evaluate(&self, expr: &Expression, line: usize) -> Result<Value, ConfigError> {
        let expr: hcl::Expression = expr.clone().into();
        // The evaluator's message quotes the expression, which may hold a secret: not shown.
        let value = expr.evaluate(&Context::new()).map_err(|_| {
            self.invalid(
                line,
                "expression cannot be evaluated (variables, functions and interpolation are not supported)",
            )
        })?;
        Ok(from_hcl_value(value, line))
    }

    fn invalid(&self, line: usize, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            line,
            message: message.into(),
        }
    }
}

fn number(n: &hcl::Number) -> Value {
    match n.as_i64() {
        Some(i) => Value::Int(i),
        None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

fn from_hcl_value(value: hcl::Value, line: usize) -> Value {
    match value {
        hcl::Value::Null => Value::Null,
        hcl::Value::Bool(b) => Value::Bool(b),
        hcl::Value::Number(n) => number(&n),
        hcl::Value::String(s) => Value::Str(s),
        hcl::Value::Array(items) => Value::List(
            items
                .into_iter()
                .map(|v| Node {
                    value: from_hcl_value(v, line),
                    line,
                })
                .collect(),
        ),
        hcl::Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| Entry {
                    key,
                    line,
                    value: Node {
                        value: from_hcl_value(v, line),
                        line,
                    },
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(node: &Node) -> &[Entry] {
        match &node.value {
            Value::Object(entries) => entries,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn blocks_nest_labels_and_keep_lines() {
        let text = "ui = true\n\nlistener \"tcp\" {\n  address = \"[::]:8200\"\n}\n";
        let root = read(text, "c.hcl").unwrap();
        let entries = object(&root);
        assert_eq!(entries[0].key, "ui");
        assert_eq!(entries[0].line, 1);
        assert_eq!(entries[1].key, "listener");
        assert_eq!(entries[1].line, 3);
        let tcp = &object(&entries[1].value)[0];
        assert_eq!(tcp.key, "tcp");
        let inner = &object(&tcp.value)[0];
        assert_eq!(inner.key, "address");
        assert_eq!(inner.line, 4);
        assert!(matches!(&inner.value.value, Value::Str(s) if s == "[::]:8200"));
    }

    #[test]
    fn heredoc_and_negative_numbers_evaluate() {
        let text = "a = -1\nb = <<EOT\nhello\nEOT\nc = \"x${\"y\"}\"\n";
        let root = read(text, "c.hcl").unwrap();
        let e = object(&root);
        assert!(matches!(e[0].value.value, Value::Int(-1)));
        assert!(matches!(&e[1].value.value, Value::Str(s) if s == "hello\n"));
        assert!(matches!(&e[2].value.value, Value::Str(s) if s == "xy"));
    }

    #[test]
    fn variables_are_refused_with_line() {
        let err = read("a = 1\nb = \"${foo}\"\n", "c.hcl").err().unwrap();
        assert!(err.to_string().starts_with("c.hcl:2: "), "{err}");
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let err = read(
            "ui = true\nlistener \"tcp\" {\n  address = \n}\n",
            "bad.hcl",
        )
        .err()
        .unwrap();
        match err {
            ConfigError::Syntax { file, line, .. } => {
                assert_eq!(file, "bad.hcl");
                assert!(line == 3 || line == 4, "line {line}");
            }
            other => panic!("unexpected {other}"),
        }
    }
}
