//! Reads a benchmark config's HCL into a small tree that remembers the line of every
//! attribute and block, so a wrong field or value is reported with its line.
//!
//! Uses `hcl::edit` (the span-keeping parser behind hcl-rs). Values are evaluated with an
//! empty context: literals, lists and objects work; variables and functions are refused.

use hcl::edit::Span;
use hcl::edit::structure::{Body, Structure};
use hcl::eval::{Context, Evaluate};

use super::config::ConfigError;

/// One attribute or block of a body.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `key = value`.
    Attr {
        /// Attribute name.
        key: String,
        /// 1-based line of the name.
        line: usize,
        /// The evaluated value.
        value: hcl::Value,
    },
    /// `ident "label" ... { body }`.
    Block {
        /// Block type, e.g. `test`.
        ident: String,
        /// Labels in order.
        labels: Vec<String>,
        /// 1-based line of the block type.
        line: usize,
        /// What is inside the braces.
        body: Vec<Item>,
    },
}

impl Item {
    /// The attribute name or block type.
    pub fn key(&self) -> &str {
        match self {
            Item::Attr { key, .. } => key,
            Item::Block { ident, .. } => ident,
        }
    }

    /// Line where the item starts.
    pub fn line(&self) -> usize {
        match self {
            Item::Attr { line, .. } | Item::Block { line, .. } => *line,
        }
    }
}

/// Byte offsets of line starts, to turn spans into line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }

    fn line(&self, offset: usize) -> usize {
        match self.0.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// Parses `text` into items; a syntax error names line and column.
pub fn read(text: &str) -> Result<Vec<Item>, ConfigError> {
    let body = hcl::edit::parser::parse_body(text).map_err(|e| ConfigError {
        line: Some(e.location().line()),
        message: format!(
            "syntax error at column {}: {}",
            e.location().column(),
            e.message()
        ),
    })?;
    body_items(&body, &Lines::new(text), 1)
}

fn body_items(body: &Body, lines: &Lines, fallback: usize) -> Result<Vec<Item>, ConfigError> {
    let line_of =
        |span: Option<std::ops::Range<usize>>| span.map_or(fallback, |r| lines.line(r.start));
    let mut out = Vec::with_capacity(body.len());
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let line = line_of(attr.key.span());
                let expr: hcl::Expression = attr.value.clone().into();
                // The evaluator's message may quote the expression (a token, say): not shown.
                let value = expr.evaluate(&Context::new()).map_err(|_| ConfigError {
                    line: Some(line),
                    message: format!(
                        "{}: value cannot be evaluated (variables, functions and interpolation are not supported)",
                        attr.key.as_str()
                    ),
                })?;
                out.push(Item::Attr {
                    key: attr.key.as_str().to_string(),
                    line,
                    value,
                });
            }
            Structure::Block(block) => {
                let line = line_of(block.ident.span());
                out.push(Item::Block {
                    ident: block.ident.as_str().to_string(),
                    labels: block
                        .labels
                        .iter()
                        .map(|l| l.as_str().to_string())
                        .collect(),
                    line,
                    body: body_items(&block.body, lines, line)?,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_carry_lines_labels_and_values() {
        let items = read("a = 1\n\ntest \"kvv2_write\" \"w\" {\n  weight = 50\n  config {\n    numkvs = 10\n  }\n}\n").unwrap();
        assert_eq!(
            items[0],
            Item::Attr {
                key: "a".into(),
                line: 1,
                value: hcl::Value::from(1)
            }
        );
        let Item::Block {
            ident,
            labels,
            line,
            body,
        } = &items[1]
        else {
            panic!("{items:?}")
        };
        assert_eq!((ident.as_str(), *line), ("test", 3));
        assert_eq!(labels, &["kvv2_write", "w"]);
        assert_eq!(body[0].line(), 4);
        assert_eq!(body[1].key(), "config");
        let Item::Block { body: inner, .. } = &body[1] else {
            panic!()
        };
        assert_eq!(inner[0].line(), 6);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = read("a = 1\nb = \n").unwrap_err();
        assert!(e.line.is_some(), "{e}");
        assert!(e.to_string().contains("syntax error"), "{e}");
    }

    #[test]
    fn variables_are_refused_without_quoting_them() {
        let e = read("vault_token = var.secret\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
