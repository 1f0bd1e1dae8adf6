//! A small value tree with line numbers, shared by the HCL and JSON readers.
//!
//! Both file formats are first turned into this tree so that one decoder (with one set of
//! error messages) serves both. HCL blocks become nested objects the way HCL 1 (which Vault
//! uses) sees them: `listener "tcp" { .. }` is the entry `listener = { tcp = { .. } }`, and a
//! repeated block is a repeated entry, never merged.
//!
//! No `Debug` on purpose: values may be secrets.

/// A value and the line it starts on.
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) line: usize,
}

/// The value kinds both formats share.
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Node>),
    /// Entries in source order; keys may repeat (repeated blocks).
    Object(Vec<Entry>),
}

/// One `key = value` or block inside an object.
pub(crate) struct Entry {
    pub(crate) key: String,
    /// Line of the key, which is where errors about this entry point.
    pub(crate) line: usize,
    pub(crate) value: Node,
}

impl Value {
    /// A short name of the kind, for "expected X, found Y" messages (never the value).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Object(_) => "a block",
        }
    }
}

/// Maps byte offsets to one-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the start of every line of `text`.
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// The one-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i.max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line(6), 3);
        assert_eq!(idx.line(7), 4);
        assert_eq!(idx.line(100), 4);
    }
}
