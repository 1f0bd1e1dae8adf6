//! Paragraph wrapping as Vault's messages use it (minimum-raggedness wrap at 78 columns).
//!
//! Vault wraps its long messages (`operator init`, `login`) with a minimum-raggedness
//! algorithm rather than a greedy one; the line breaks differ for some inputs, and people
//! diff this output, so the same algorithm is used here.

/// Vault's maximum line width.
pub const MAX_LINE_LENGTH: usize = 78;

const PENALTY: u64 = 100_000;

/// Splits on single spaces after turning newlines into spaces, then wraps with minimal
/// raggedness: the cost of a line is the square of its unused width, the last line is free,
/// and an over-long line (one long word) costs an extra penalty.
pub fn wrap(s: &str, limit: usize) -> String {
    let flat = s.trim().replace('\n', " ");
    let words: Vec<&str> = flat.split(' ').collect();
    let n = words.len();
    let lens: Vec<usize> = words.iter().map(|w| w.chars().count()).collect();
    // length[i][j] for the line holding words i..=j is computed on the fly.
    let line_len = |i: usize, j: usize| -> usize { lens[i..=j].iter().sum::<usize>() + (j - i) };
    let mut cost = vec![u64::MAX; n];
    let mut next_break = vec![n; n];
    for i in (0..n).rev() {
        if line_len(i, n - 1) <= limit || i == n - 1 {
            cost[i] = 0;
            next_break[i] = n;
            continue;
        }
        for j in i + 1..n {
            let len = line_len(i, j - 1);
            let d = limit as i64 - len as i64;
            let mut c = (d * d) as u64;
            c = c.saturating_add(cost[j]);
            if len > limit {
                c = c.saturating_add(PENALTY);
            }
            if c < cost[i] {
                cost[i] = c;
                next_break[i] = j;
            }
        }
    }
    let mut lines = Vec::new();
    let mut i = 0;
    while i < n {
        let j = next_break[i];
        lines.push(words[i..j].join(" "));
        i = j;
    }
    lines.join("\n")
}

/// Vault's `wrapAtLength`.
pub fn wrap_at_length(s: &str) -> String {
    wrap_with_padding(s, 0)
}

/// Vault's `wrapAtLengthWithPadding`: wraps to `78 - pad` and indents every line by `pad`.
pub fn wrap_with_padding(s: &str, pad: usize) -> String {
    let wrapped = wrap(s, MAX_LINE_LENGTH.saturating_sub(pad));
    wrapped
        .split('\n')
        .map(|l| format!("{}{}", " ".repeat(pad), l))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_vault_init_message_breaks() {
        let text = "Vault initialized with 5 key shares and a key threshold of 3. Please \
            securely distribute the key shares printed above. When the Vault is \
            re-sealed, restarted, or stopped, you must supply at least 3 of these keys \
            to unseal it before it can start servicing requests.";
        assert_eq!(
            wrap_at_length(text),
            "Vault initialized with 5 key shares and a key threshold of 3. Please securely\n\
             distribute the key shares printed above. When the Vault is re-sealed,\n\
             restarted, or stopped, you must supply at least 3 of these keys to unseal it\n\
             before it can start servicing requests."
        );
    }

    #[test]
    fn short_text_is_one_line_and_padding_indents() {
        assert_eq!(wrap_at_length("hello world"), "hello world");
        assert_eq!(wrap_with_padding("* a warning", 2), "  * a warning");
    }

    #[test]
    fn prefers_even_lines_over_greedy_fill() {
        // Greedy filling gives "aaa bb" / "cc" / "ddddd"; minimum raggedness moves "bb" down.
        assert_eq!(wrap("aaa bb cc ddddd", 6), "aaa\nbb cc\nddddd");
    }
}
