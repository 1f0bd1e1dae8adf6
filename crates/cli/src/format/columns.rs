//! Column alignment as Vault's tables do it (the `columnize` rules Vault configures).
//!
//! Each line is split on a delimiter, every cell is trimmed, an empty cell prints as `n/a`,
//! columns are padded to the widest cell (counted in characters) and joined by four spaces;
//! the last cell of a line is never padded. `table` adds a dashed underline below the header.
//! `vault status` output is parsed by probes and scripts, so the spacing must be exact.

/// The delimiter Vault uses for secret tables; chosen because it never appears in data.
pub const HOPE_DELIM: &str = "♨";

const GLUE: &str = "    ";
const EMPTY: &str = "n/a";

fn cells<'a>(line: &'a str, delim: &str) -> Vec<&'a str> {
    line.split(delim)
        .map(|c| {
            let t = c.trim();
            if t.is_empty() { EMPTY } else { t }
        })
        .collect()
}

/// Aligns `lines` into columns without adding a header underline.
pub fn columns(lines: &[String], delim: &str) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<&str>> = lines.iter().map(|l| cells(l, delim)).collect();
    let mut widths: Vec<usize> = Vec::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(existing) => *existing = (*existing).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                out.push_str(cell);
            } else {
                out.push_str(cell);
                let pad = widths[i].saturating_sub(cell.chars().count());
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(GLUE);
            }
        }
        out.push('\n');
    }
    out.pop();
    out
}

/// Aligns `lines` whose first line is a header, inserting the dashed underline.
pub fn table(lines: &[String], delim: &str) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let underline: Vec<String> = lines[0]
        .split(delim)
        .map(|h| "-".repeat(h.trim().len()))
        .collect();
    let mut all = Vec::with_capacity(lines.len() + 1);
    all.push(lines[0].clone());
    all.push(underline.join(delim));
    all.extend(lines[1..].iter().cloned());
    columns(&all, delim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn status_style_table() {
        let out = table(
            &s(&[
                "Key | Value",
                "Seal Type | shamir",
                "Unseal Nonce | ",
                "Total Shares | 5",
            ]),
            "|",
        );
        assert_eq!(
            out,
            "Key             Value\n\
             ---             -----\n\
             Seal Type       shamir\n\
             Unseal Nonce    n/a\n\
             Total Shares    5"
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let out = table(
            &s(&["Key♨Value", "token_duration ♨ ∞", "token_renewable ♨ false"]),
            HOPE_DELIM,
        );
        assert_eq!(
            out,
            "Key                Value\n\
             ---                -----\n\
             token_duration     ∞\n\
             token_renewable    false"
        );
    }

    #[test]
    fn last_cell_is_not_padded_and_ragged_rows_work() {
        let out = columns(&s(&["a | bb | c", "aaa | b"]), "|");
        assert_eq!(out, "a      bb    c\naaa    b");
    }

    #[test]
    fn empty_input_gives_empty_output() {
        assert_eq!(table(&[], "|"), "");
    }
}
