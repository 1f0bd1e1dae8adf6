//! Go duration parsing and printing.
//!
//! Vault's flags accept durations the way `parseutil.ParseDurationSecond` does (`30s`, `1h30m`,
//! `7d`, or a bare number of seconds) and send them to the server as Go's
//! `time.Duration.String()` (`768h0m0s`). Table output shortens TTLs with Vault's
//! `humanDuration`. Matching these byte for byte keeps request bodies and printed tables
//! identical to what the real CLI produces.

const NS: i128 = 1;
const US: i128 = 1_000;
const MS: i128 = 1_000_000;
const SEC: i128 = 1_000_000_000;
const MIN: i128 = 60 * SEC;
const HOUR: i128 = 60 * MIN;

/// Parses a duration flag value into nanoseconds: empty is zero, a bare integer is seconds,
/// `Nd` is days, anything else follows Go's `time.ParseDuration`.
pub fn parse(input: &str) -> Option<i128> {
    let s = input.trim();
    if s.is_empty() {
        return Some(0);
    }
    if let Ok(secs) = s.parse::<i64>() {
        return Some(i128::from(secs) * SEC);
    }
    if let Some(days) = s.strip_suffix('d')
        && let Ok(d) = days.parse::<i64>()
    {
        return Some(i128::from(d) * 24 * HOUR);
    }
    parse_go(s)
}

/// Go's `time.ParseDuration`.
pub fn parse_go(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_end];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_end] {
            "ns" => NS,
            "us" | "µs" | "μs" => US,
            "ms" => MS,
            "s" => SEC,
            "m" => MIN,
            "h" => HOUR,
            _ => return None,
        };
        rest = &rest[unit_end..];
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        let int: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().ok()?
        };
        let mut value = int.checked_mul(unit)?;
        let mut scale = unit;
        for digit in frac_part.bytes() {
            scale /= 10;
            value += i128::from(digit - b'0') * scale;
        }
        total = total.checked_add(value)?;
    }
    if total > i128::from(i64::MAX) {
        return None;
    }
    Some(if neg { -total } else { total })
}

fn frac(mut v: u128, prec: u32, out: &mut String) -> u128 {
    let mut digits = Vec::new();
    let mut printed = false;
    for _ in 0..prec {
        let digit = v % 10;
        printed = printed || digit != 0;
        if printed {
            digits.push(char::from(b'0' + digit as u8));
        }
        v /= 10;
    }
    if printed {
        digits.push('.');
    }
    digits.reverse();
    out.insert_str(0, &digits.into_iter().collect::<String>());
    v
}

/// Go's `time.Duration.String()` for a number of nanoseconds.
pub fn format_go(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    let mut out = String::new();
    if u < SEC as u128 {
        let (prec, unit) = if u < US as u128 {
            (0, "ns")
        } else if u < MS as u128 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        out.push_str(unit);
        u = frac(u, prec, &mut out);
        out.insert_str(0, &u.to_string());
    } else {
        out.push('s');
        u = frac(u, 9, &mut out);
        out.insert_str(0, &(u % 60).to_string());
        u /= 60;
        if u > 0 {
            out.insert(0, 'm');
            out.insert_str(0, &(u % 60).to_string());
            u /= 60;
            if u > 0 {
                out.insert(0, 'h');
                out.insert_str(0, &u.to_string());
            }
        }
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Vault's `humanDuration`: Go's format without the noisy zero minutes and seconds
/// (`768h0m0s` prints as `768h`).
pub fn human(nanos: i128) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let mut s = format_go(nanos);
    if s.ends_with("m0s") {
        s.truncate(s.len() - 2);
    }
    if let Some(idx) = s.find("h0m")
        && idx > 0
    {
        s = format!("{}{}", &s[..=idx], &s[idx + 3..]);
    }
    s
}

/// `humanDuration` of a whole number of seconds.
pub fn human_seconds(secs: i64) -> String {
    human(i128::from(secs) * SEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vault_flag_forms() {
        assert_eq!(parse(""), Some(0));
        assert_eq!(parse("30"), Some(30 * SEC));
        assert_eq!(parse("30s"), Some(30 * SEC));
        assert_eq!(parse("1h30m"), Some(90 * MIN));
        assert_eq!(parse("7d"), Some(7 * 24 * HOUR));
        assert_eq!(parse("1.5h"), Some(90 * MIN));
        assert_eq!(parse("250ms"), Some(250 * MS));
        assert_eq!(parse("-1s"), Some(-SEC));
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("5x"), None);
        assert_eq!(parse("h"), None);
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_go(0), "0s");
        assert_eq!(format_go(768 * HOUR), "768h0m0s");
        assert_eq!(format_go(5 * MIN), "5m0s");
        assert_eq!(format_go(30 * SEC), "30s");
        assert_eq!(format_go(3 * HOUR + 25 * MIN + 19 * SEC), "3h25m19s");
        assert_eq!(format_go(1500 * MS), "1.5s");
        assert_eq!(format_go(250 * MS), "250ms");
        assert_eq!(format_go(1500 * US), "1.5ms");
        assert_eq!(format_go(12), "12ns");
        assert_eq!(format_go(-SEC), "-1s");
    }

    #[test]
    fn human_duration_drops_zero_units() {
        assert_eq!(human_seconds(0), "0s");
        assert_eq!(human_seconds(2_764_800), "768h");
        assert_eq!(human_seconds(3600), "1h");
        assert_eq!(human_seconds(3605), "1h5s");
        assert_eq!(human_seconds(90), "1m30s");
        assert_eq!(human_seconds(120), "2m");
        assert_eq!(human_seconds(45), "45s");
        assert_eq!(human_seconds(3660), "1h1m");
    }
}
