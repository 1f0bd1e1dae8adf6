//! Policy path patterns and Vault's priority between the patterns that match a path.
//!
//! Three kinds exist, as in Vault:
//! * exact (`secret/data/app`) — matches that path only and beats every wildcard;
//! * prefix (`secret/data/*`) — a trailing `*` matches any remainder, including `/`;
//! * segment (`secret/+/app`, `secret/+/app/*`) — each `+` matches exactly one path
//!   segment; may end in a prefix glob too.
//!
//! When several wildcard patterns match, the most specific wins. Vault ranks them by,
//! in order: the later position of the first `+` or `*` wins; a pattern without a
//! trailing `*` beats one with it; fewer `+` segments win; the longer pattern wins; the
//! lexicographically larger pattern wins (a deterministic last resort).

use std::cmp::Ordering;

use crate::PolicyError;

/// A parsed `path "..."` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPattern {
    /// Matches one path exactly.
    Exact(String),
    /// Matches every path starting with the prefix (the pattern without its `*`).
    Prefix(String),
    /// Contains `+` segment wildcards.
    Segments(SegmentPattern),
}

/// A pattern with `+` segments (kept whole, including a trailing `*`, as its identity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentPattern {
    /// The full pattern as written (leading `/` removed).
    pub full: String,
    /// The pattern without a trailing `*`, split on `/`.
    parts: Vec<String>,
    /// Whether it ended in `*` (the last part is then a prefix of the path's segment).
    prefix: bool,
    /// Byte position of the first `+`.
    first_plus: usize,
    /// Length of the pattern without its trailing `*`.
    len: usize,
}

impl PathPattern {
    /// Parses a pattern as written in a policy.
    ///
    /// Leading slashes are ignored as in Vault. `+*` is refused like Vault does; a `*`
    /// anywhere but at the end is refused too (Vault would silently treat it as a
    /// literal character, which never does what the author meant).
    pub fn parse(raw: &str) -> Result<PathPattern, PolicyError> {
        let path = raw.trim_start_matches('/');
        let invalid = |reason: &str| PolicyError::InvalidPath {
            path: raw.to_string(),
            reason: reason.to_string(),
        };
        if path.contains("+*") {
            return Err(invalid("invalid use of wildcards ('+*' is forbidden)"));
        }
        let body = path.strip_suffix('*');
        if body.unwrap_or(path).contains('*') {
            return Err(invalid(
                "'*' is only allowed at the end of a path (use '+' to match one segment)",
            ));
        }
        let has_segments = path == "+" || path.starts_with("+/") || path.contains("/+");
        if has_segments {
            let stripped = body.unwrap_or(path);
            return Ok(PathPattern::Segments(SegmentPattern {
                full: path.to_string(),
                parts: stripped.split('/').map(str::to_string).collect(),
                prefix: body.is_some(),
                first_plus: path.find('+').unwrap_or(0),
                len: stripped.len(),
            }));
        }
        Ok(match body {
            Some(prefix) => PathPattern::Prefix(prefix.to_string()),
            None => PathPattern::Exact(path.to_string()),
        })
    }
}

impl SegmentPattern {
    /// The match of this pattern against a path split on `/`, if any.
    pub(crate) fn matches(&self, path_parts: &[&str]) -> Option<Specificity> {
        if path_parts.len() < self.parts.len() {
            return None;
        }
        if !self.prefix && path_parts.len() != self.parts.len() {
            return None;
        }
        let last = self.parts.len() - 1;
        let mut wildcards = 0;
        for (i, part) in self.parts.iter().enumerate() {
            let segment = path_parts[i];
            if part == "+" {
                wildcards += 1;
            } else if part == segment || (self.prefix && i == last && segment.starts_with(part)) {
                continue;
            } else {
                return None;
            }
        }
        Some(Specificity {
            first_wildcard: self.first_plus,
            is_prefix: self.prefix,
            wildcards,
            len: self.len,
            pattern: self.full.clone(),
        })
    }
}

/// How specific a matching wildcard pattern is; greater is more specific.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Specificity {
    pub(crate) first_wildcard: usize,
    pub(crate) is_prefix: bool,
    pub(crate) wildcards: usize,
    pub(crate) len: usize,
    pub(crate) pattern: String,
}

impl Specificity {
    /// The specificity of a matching prefix pattern (`prefix` without its `*`).
    pub(crate) fn of_prefix(prefix: &str) -> Specificity {
        Specificity {
            first_wildcard: prefix.len(),
            is_prefix: true,
            wildcards: 0,
            len: prefix.len(),
            pattern: prefix.to_string(),
        }
    }
}

impl Ord for Specificity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.first_wildcard
            .cmp(&other.first_wildcard)
            // Non-prefix (false) is more specific than prefix (true).
            .then_with(|| other.is_prefix.cmp(&self.is_prefix))
            // Fewer wildcards is more specific.
            .then_with(|| other.wildcards.cmp(&self.wildcards))
            .then_with(|| self.len.cmp(&other.len))
            .then_with(|| self.pattern.cmp(&other.pattern))
    }
}

impl PartialOrd for Specificity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(p: &str) -> SegmentPattern {
        match PathPattern::parse(p).unwrap() {
            PathPattern::Segments(s) => s,
            other => panic!("{p} parsed as {other:?}"),
        }
    }

    fn parts(p: &str) -> Vec<&str> {
        p.split('/').collect()
    }

    #[test]
    fn kinds() {
        assert_eq!(
            PathPattern::parse("/secret/a").unwrap(),
            PathPattern::Exact("secret/a".into())
        );
        assert_eq!(
            PathPattern::parse("secret/*").unwrap(),
            PathPattern::Prefix("secret/".into())
        );
        assert_eq!(
            PathPattern::parse("*").unwrap(),
            PathPattern::Prefix(String::new())
        );
        assert_eq!(seg("secret/+/a").full, "secret/+/a");
        assert_eq!(seg("+").full, "+");
        assert_eq!(seg("+/x/*").full, "+/x/*");
        // '+' inside a segment is not a wildcard for the "is it segment-based" test.
        assert_eq!(
            PathPattern::parse("a+b/c").unwrap(),
            PathPattern::Exact("a+b/c".into())
        );
    }

    #[test]
    fn bad_wildcards_are_refused_with_the_path() {
        let e = PathPattern::parse("secret/+*").unwrap_err();
        assert!(e.to_string().contains("secret/+*"), "{e}");
        let e = PathPattern::parse("secret/*/x").unwrap_err();
        assert!(e.to_string().contains("only allowed at the end"), "{e}");
        assert!(PathPattern::parse("secret/**").is_err());
    }

    #[test]
    fn segment_matching() {
        let p = seg("secret/+/config");
        assert!(p.matches(&parts("secret/a/config")).is_some());
        assert!(p.matches(&parts("secret/a/b/config")).is_none());
        assert!(p.matches(&parts("secret/a/config/x")).is_none());
        assert!(p.matches(&parts("secret/a")).is_none());

        let p = seg("secret/+/conf*");
        assert!(p.matches(&parts("secret/a/config")).is_some());
        assert!(p.matches(&parts("secret/a/conf/deeper/still")).is_some());
        assert!(p.matches(&parts("secret/a/other")).is_none());

        let p = seg("secret/+/+/*");
        assert!(p.matches(&parts("secret/a/b/c")).is_some());
        assert!(p.matches(&parts("secret/a/b/")).is_some());
        assert!(p.matches(&parts("secret/a/b")).is_none());
        assert_eq!(p.matches(&parts("secret/a/b/c")).unwrap().wildcards, 2);
    }

    #[test]
    fn vault_priority_examples() {
        // From Vault's "Priority matching" documentation.
        let spec = |pattern: &str, path: &str| -> Specificity {
            match PathPattern::parse(pattern).unwrap() {
                PathPattern::Prefix(p) => {
                    assert!(path.starts_with(&p));
                    Specificity::of_prefix(&p)
                }
                PathPattern::Segments(s) => s.matches(&parts(path)).unwrap(),
                PathPattern::Exact(_) => panic!("exact"),
            }
        };
        // "secret/*" loses to "secret/+/*" only by first-wildcard position: secret/* has
        // its glob at 7, secret/+ has '+' at 7; then prefix vs prefix, then wildcards.
        let path = "secret/foo/bar";
        assert!(spec("secret/*", path) < spec("secret/foo/*", path));
        assert!(spec("secret/+/bar", path) > spec("secret/+/*", path));
        assert!(spec("secret/foo*", path) > spec("secret/+/bar", path));
        // Docs: "a/+/c/*" vs "a/b/+/d*" style: first wildcard later wins.
        let path = "a/b/c/d";
        assert!(spec("a/b/+/d*", path) > spec("a/+/c/*", path));
        // Fewer '+' wins at the same first position.
        assert!(spec("a/+/c/d", path) > spec("a/+/+/d", path));
        // Longer wins when everything else ties.
        assert!(spec("a/+/c/d*", path) > spec("a/+/c/*", path));
        // The documentation's own example: same first wildcard position, both globs,
        // zero '+' beats two.
        let path = "secret/a/b/foo/bar";
        assert!(spec("secret/*", path) > spec("secret/+/+/foo/*", path));
    }
}
