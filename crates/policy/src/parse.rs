//! Reading policy text (HCL, or the JSON form) into raw `path` rules.
//!
//! Both syntaxes are reduced to the same shape — a list of (pattern, attributes) with the
//! line each came from when known — so the rules about what a `path` block may contain
//! live in one place ([`crate::policy`]).

use std::ops::Range;

use hcl::edit::{
    Span,
    structure::{Body, Structure},
};
use hcl::eval::{Context, Evaluate};
use serde_json::Value;

use crate::PolicyError;

/// One attribute of a `path` block.
#[derive(Debug, Clone)]
pub(crate) struct RawAttr {
    pub(crate) key: String,
    pub(crate) value: Value,
    pub(crate) line: Option<usize>,
}

/// One `path "<pattern>" { ... }` block before validation.
#[derive(Debug, Clone)]
pub(crate) struct RawRule {
    pub(crate) pattern: String,
    pub(crate) line: Option<usize>,
    pub(crate) attrs: Vec<RawAttr>,
}

/// Reads `text` as JSON when it is a JSON object, else as HCL.
pub(crate) fn read_rules(text: &str) -> Result<Vec<RawRule>, PolicyError> {
    if text.trim_start().starts_with('{') {
        read_json(text)
    } else {
        read_hcl(text)
    }
}

/// Maps byte offsets to 1-based line numbers.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn of(&self, span: Option<Range<usize>>) -> Option<usize> {
        let start = span?.start.min(self.0.len());
        Some(
            self.0.as_bytes()[..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1,
        )
    }
}

fn read_hcl(text: &str) -> Result<Vec<RawRule>, PolicyError> {
    let body = hcl::edit::parser::parse_body(text).map_err(|e| PolicyError::Syntax {
        line: e.location().line(),
        column: e.location().column(),
        message: e.message().to_string(),
    })?;
    let lines = Lines(text);
    let mut rules = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Block(block) if block.ident.as_str() == "path" => {
                let line = lines.of(block.ident.span());
                let [label] = block.labels.as_slice() else {
                    return Err(PolicyError::value(
                        at_line(line),
                        "a path block needs exactly one label: the path pattern",
                    ));
                };
                rules.push(RawRule {
                    pattern: label.as_str().to_string(),
                    line,
                    attrs: hcl_attrs(&block.body, &lines)?,
                });
            }
            Structure::Block(block) => {
                return Err(PolicyError::InvalidKey {
                    key: block.ident.as_str().to_string(),
                    line: lines.of(block.ident.span()).unwrap_or(0),
                });
            }
            Structure::Attribute(attr) => {
                let line = lines.of(attr.key.span());
                match attr.key.as_str() {
                    "name" => {}
                    // `path = { "pattern" = { ... } }`: the object form of the same rules.
                    "path" => {
                        let value = evaluate(&attr.value, line)?;
                        rules.extend(rules_from_value(&value, line)?);
                    }
                    other => {
                        return Err(PolicyError::InvalidKey {
                            key: other.to_string(),
                            line: line.unwrap_or(0),
                        });
                    }
                }
            }
        }
    }
    Ok(rules)
}

/// The attributes of a `path` block; a nested block (`allowed_parameters { ... }`, the
/// HCL1 spelling of an object attribute) becomes an object value.
fn hcl_attrs(body: &Body, lines: &Lines<'_>) -> Result<Vec<RawAttr>, PolicyError> {
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let line = lines.of(attr.key.span());
                out.push(RawAttr {
                    key: attr.key.as_str().to_string(),
                    value: evaluate(&attr.value, line)?,
                    line,
                });
            }
            Structure::Block(block) => {
                let line = lines.of(block.ident.span());
                let mut object = serde_json::Map::new();
                for inner in hcl_attrs(&block.body, lines)? {
                    object.insert(inner.key, inner.value);
                }
                out.push(RawAttr {
                    key: block.ident.as_str().to_string(),
                    value: Value::Object(object),
                    line,
                });
            }
        }
    }
    Ok(out)
}

/// Evaluates an attribute value with no variables or functions: literals, lists,
/// objects, heredocs and interpolation of literals work; references are refused.
fn evaluate(expr: &hcl::edit::expr::Expression, line: Option<usize>) -> Result<Value, PolicyError> {
    let expr: hcl::Expression = expr.clone().into();
    let value = expr.evaluate(&Context::new()).map_err(|_| {
        PolicyError::value(
            at_line(line),
            "expression cannot be evaluated (variables and functions are not supported)",
        )
    })?;
    serde_json::to_value(value)
        .map_err(|e| PolicyError::value(at_line(line), format!("unsupported value: {e}")))
}

fn at_line(line: Option<usize>) -> String {
    match line {
        Some(l) => format!("line {l}"),
        None => "policy".to_string(),
    }
}

fn read_json(text: &str) -> Result<Vec<RawRule>, PolicyError> {
    let value: Value = serde_json::from_str(text).map_err(|e| PolicyError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let Value::Object(top) = value else {
        return Err(PolicyError::value(
            "policy",
            "a JSON policy must be an object",
        ));
    };
    let mut rules = Vec::new();
    for (key, value) in &top {
        match key.as_str() {
            "name" => {}
            "path" => rules.extend(rules_from_value(value, None)?),
            other => {
                return Err(PolicyError::InvalidKey {
                    key: other.to_string(),
                    line: 0,
                });
            }
        }
    }
    Ok(rules)
}

/// Rules from the object form `{ "<pattern>": { attrs } }`, where HCL1's JSON mapping
/// also allows a list of such objects, or a list of attribute objects per pattern.
fn rules_from_value(value: &Value, line: Option<usize>) -> Result<Vec<RawRule>, PolicyError> {
    let mut rules = Vec::new();
    match value {
        Value::Array(items) => {
            for item in items {
                rules.extend(rules_from_value(item, line)?);
            }
        }
        Value::Object(patterns) => {
            for (pattern, body) in patterns {
                let bodies: Vec<&Value> = match body {
                    Value::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for body in bodies {
                    let Value::Object(attrs) = body else {
                        return Err(PolicyError::value(
                            format!("path {pattern:?}"),
                            "the rules of a path must be an object",
                        ));
                    };
                    rules.push(RawRule {
                        pattern: pattern.clone(),
                        line,
                        attrs: attrs
                            .iter()
                            .map(|(k, v)| RawAttr {
                                key: k.clone(),
                                value: v.clone(),
                                line,
                            })
                            .collect(),
                    });
                }
            }
        }
        _ => {
            return Err(PolicyError::value(
                at_line(line),
                "\"path\" must be an object of path patterns",
            ));
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_blocks_keep_lines_and_values() {
        let text = "# comment\npath \"secret/*\" {\n  capabilities = [\"read\"]\n  allowed_parameters = {\n    \"a\" = [1, \"x\"]\n  }\n}\n";
        let rules = read_rules(text).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].pattern, "secret/*");
        assert_eq!(rules[0].line, Some(2));
        assert_eq!(rules[0].attrs[0].key, "capabilities");
        assert_eq!(rules[0].attrs[0].line, Some(3));
        assert_eq!(rules[0].attrs[1].value, serde_json::json!({"a": [1, "x"]}));
    }

    #[test]
    fn hcl1_block_style_objects_and_single_line_blocks() {
        let text = "path \"a\" { capabilities = [\"read\"] }\npath \"b\" {\n  denied_parameters {\n    x = []\n  }\n}\n";
        let rules = read_rules(text).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[1].attrs[0].key, "denied_parameters");
        assert_eq!(rules[1].attrs[0].value, serde_json::json!({"x": []}));
    }

    #[test]
    fn json_forms() {
        let text =
            r#"{"path": {"a/*": {"capabilities": ["read"]}, "b": [{"capabilities": ["list"]}]}}"#;
        let rules = read_rules(text).unwrap();
        assert_eq!(rules.len(), 2);
        let text = r#"{"name": "x", "path": [{"c": {"capabilities": ["deny"]}}]}"#;
        assert_eq!(read_rules(text).unwrap()[0].pattern, "c");
        assert!(matches!(
            read_rules(r#"{"paths": {}}"#),
            Err(PolicyError::InvalidKey { .. })
        ));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = read_rules("path \"a\" {\n  capabilities = [\"read\"\n}\n").unwrap_err();
        match err {
            PolicyError::Syntax { line, .. } => assert!((2..=3).contains(&line), "{line}"),
            other => panic!("{other}"),
        }
        let err = read_rules("path \"a\" {}\nnope = 1\n").unwrap_err();
        assert_eq!(
            err,
            PolicyError::InvalidKey {
                key: "nope".into(),
                line: 2
            }
        );
        let err = read_rules("path \"a\" {\n  capabilities = [var.x]\n}\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
