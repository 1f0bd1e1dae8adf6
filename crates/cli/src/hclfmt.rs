//! Canonical layout for policy HCL, as `vault policy fmt` writes it.
//!
//! Vault runs policies through HCL's printer: two-space indentation per nesting level, one
//! space around `=` and after `,`, the `=` of consecutive one-line attributes aligned, one
//! blank line at most between items, and a blank line between top-level blocks. This
//! formatter works line by line and keeps comments and string contents untouched, so
//! formatting never loses anything the operator wrote; the caller validates the policy
//! first, so the input is known to be well-formed.

/// Where a scan of one line ended up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// Ordinary code.
    #[default]
    Code,
    /// Inside a `/* ... */` comment.
    BlockComment,
}

/// One line after normalising its spacing.
struct Line {
    /// The normalised text, without indentation (empty for a blank line).
    text: String,
    /// Nesting depth for its indentation.
    depth: usize,
    /// Byte length of the key of a one-line `key = value` attribute (for alignment).
    key_len: Option<usize>,
    /// Copied unchanged (heredoc bodies, block-comment continuations).
    verbatim: bool,
}

/// Normalises the spacing of one line of code outside strings and comments. Returns the
/// text, the net change in nesting, the number of closers it starts with, where a top-level
/// `=` is (byte offset in the result) and whether a heredoc starts here (its terminator).
fn normalise(line: &str, carry: &mut Carry) -> (String, i64, usize, Option<usize>, Option<String>) {
    let mut out = String::new();
    let mut net: i64 = 0;
    let mut leading_closers = 0;
    let mut seen_code = false;
    let mut eq_at = None;
    let mut heredoc = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut pending_space = false;
    let push_space = |out: &mut String| {
        if !out.is_empty() && !out.ends_with([' ', '[', '(']) {
            out.push(' ');
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if *carry == Carry::BlockComment {
            out.push(c);
            if c == '*' && chars.get(i + 1) == Some(&'/') {
                out.push('/');
                i += 1;
                *carry = Carry::Code;
            }
            i += 1;
            continue;
        }
        match c {
            ' ' | '\t' => pending_space = true,
            '"' => {
                if pending_space {
                    push_space(&mut out);
                }
                pending_space = false;
                seen_code = true;
                out.push('"');
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        out.push(chars[i + 1]);
                        i += 1;
                    } else if chars[i] == '"' {
                        break;
                    }
                    i += 1;
                }
            }
            '#' => {
                push_space(&mut out);
                out.extend(&chars[i..]);
                break;
            }
            '/' if matches!(chars.get(i + 1), Some('/') | Some('*')) => {
                push_space(&mut out);
                if chars[i + 1] == '/' {
                    out.extend(&chars[i..]);
                    break;
                }
                out.push_str("/*");
                i += 1;
                *carry = Carry::BlockComment;
            }
            '=' => {
                out.truncate(out.trim_end().len());
                if !out.is_empty() {
                    out.push(' ');
                }
                if net == 0 && eq_at.is_none() {
                    eq_at = Some(out.len());
                }
                out.push('=');
                pending_space = true;
                seen_code = true;
            }
            ',' => {
                out.truncate(out.trim_end().len());
                out.push(',');
                pending_space = true;
            }
            '{' | '[' | '(' => {
                if c == '{' || pending_space {
                    push_space(&mut out);
                }
                pending_space = false;
                out.push(c);
                net += 1;
                seen_code = true;
            }
            '}' | ']' | ')' => {
                if c == '}' && !out.ends_with('{') && !out.is_empty() {
                    push_space(&mut out);
                } else {
                    out.truncate(out.trim_end().len());
                }
                pending_space = false;
                out.push(c);
                net -= 1;
                if !seen_code {
                    leading_closers += 1;
                }
            }
            '<' if chars.get(i + 1) == Some(&'<') => {
                if pending_space {
                    push_space(&mut out);
                }
                let rest: String = chars[i + 2..].iter().collect();
                let marker = rest.trim_start_matches('-').trim().to_string();
                out.push_str("<<");
                out.push_str(&rest);
                if !marker.is_empty() {
                    heredoc = Some(marker);
                }
                break;
            }
            _ => {
                if pending_space {
                    push_space(&mut out);
                }
                pending_space = false;
                out.push(c);
                seen_code = true;
            }
        }
        i += 1;
    }
    (out, net, leading_closers, eq_at, heredoc)
}

/// Formats policy HCL text; the result always ends with one newline.
pub fn format(text: &str) -> String {
    let mut lines: Vec<Line> = Vec::new();
    let mut depth: i64 = 0;
    let mut carry = Carry::Code;
    let mut heredoc: Option<String> = None;
    for raw in text.lines() {
        if let Some(marker) = &heredoc {
            if raw.trim() == marker {
                heredoc = None;
            }
            lines.push(Line {
                text: raw.to_string(),
                depth: 0,
                key_len: None,
                verbatim: true,
            });
            continue;
        }
        if carry == Carry::BlockComment {
            normalise(raw, &mut carry);
            lines.push(Line {
                text: raw.to_string(),
                depth: 0,
                key_len: None,
                verbatim: true,
            });
            continue;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            lines.push(Line {
                text: String::new(),
                depth: 0,
                key_len: None,
                verbatim: false,
            });
            continue;
        }
        let (out, net, closers, eq_at, doc) = normalise(trimmed, &mut carry);
        let own_depth = (depth - closers as i64).max(0) as usize;
        let one_line_attr = net == 0 && doc.is_none() && carry == Carry::Code;
        lines.push(Line {
            key_len: eq_at.filter(|_| one_line_attr).map(|at| at - 1),
            text: out,
            depth: own_depth,
            verbatim: false,
        });
        depth = (depth + net).max(0);
        heredoc = doc;
    }
    render(&lines)
}

/// Lays the lines out: indentation, alignment of `=`, blank-line rules.
fn render(lines: &[Line]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.verbatim {
            out.push(line.text.clone());
            i += 1;
            continue;
        }
        if line.text.is_empty() {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            i += 1;
            continue;
        }
        // A top-level item right after a closed top-level block gets a blank line.
        if line.depth == 0 && out.last().is_some_and(|l| l == "}") && !line.text.starts_with('}') {
            out.push(String::new());
        }
        if line.key_len.is_some() {
            let mut end = i;
            while end < lines.len()
                && !lines[end].verbatim
                && lines[end].depth == line.depth
                && lines[end].key_len.is_some()
            {
                end += 1;
            }
            let width = lines[i..end]
                .iter()
                .filter_map(|l| l.key_len)
                .max()
                .unwrap_or(0);
            for l in &lines[i..end] {
                let key_len = l.key_len.unwrap_or(0);
                let (key, rest) = l.text.split_at(key_len);
                out.push(format!(
                    "{}{key}{}{rest}",
                    "  ".repeat(l.depth),
                    " ".repeat(width - key_len)
                ));
            }
            i = end;
            continue;
        }
        out.push(format!("{}{}", "  ".repeat(line.depth), line.text));
        i += 1;
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn indents_spaces_and_separates_blocks() {
        let input = "path \"secret/*\"{\ncapabilities=[\"create\",\"read\"]\n}\npath   \"sys/*\" {\n        capabilities = [\"deny\"]\n}\n\n\n";
        assert_eq!(
            format(input),
            "path \"secret/*\" {\n  capabilities = [\"create\", \"read\"]\n}\n\npath \"sys/*\" {\n  capabilities = [\"deny\"]\n}\n"
        );
    }

    #[test]
    fn aligns_consecutive_attributes_and_keeps_comments() {
        let input = "# top comment\npath \"a\" {\n  capabilities = [\"read\"] # why\n  max_wrapping_ttl=\"1h\"\n\n  allowed_parameters = {\n\"k\" = []\n  }\n}\n";
        assert_eq!(
            format(input),
            "# top comment\npath \"a\" {\n  capabilities     = [\"read\"] # why\n  max_wrapping_ttl = \"1h\"\n\n  allowed_parameters = {\n    \"k\" = []\n  }\n}\n"
        );
    }

    #[test]
    fn strings_and_block_comments_are_untouched() {
        let input = "/* keep   this\n   as is */\npath \"a  b=c,d\" {\n  capabilities = [ \"read\" ,\"list\" ]\n}";
        assert_eq!(
            format(input),
            "/* keep   this\n   as is */\npath \"a  b=c,d\" {\n  capabilities = [\"read\", \"list\"]\n}\n"
        );
    }

    #[test]
    fn formatting_is_idempotent() {
        let input = "path \"x\" {\n capabilities=[\"read\"]\n  denied_parameters={\n \"a\"=[]\n \"bb\"=[\"c\"]\n}\n}\n";
        let once = format(input);
        assert_eq!(format(&once), once);
        assert!(
            once.contains("    \"a\"  = []\n    \"bb\" = [\"c\"]\n"),
            "{once}"
        );
    }
}
