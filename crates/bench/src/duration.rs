//! Parses run lengths like `10s`, `500ms`, `2m`, `1.5s` for `--duration` and `--timeout`.
//!
//! Hand-written rather than a dependency: the bench needs four units and good error texts.

use std::time::Duration;

use thiserror::Error;

/// Why a duration string was rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DurationError {
    /// Nothing to parse.
    #[error("empty duration")]
    Empty,
    /// The number part is not a non-negative decimal.
    #[error("invalid number in duration {0:?}")]
    Number(String),
    /// The unit is not one of ms, s, m, h.
    #[error("unknown unit in duration {0:?} (use ms, s, m or h)")]
    Unit(String),
    /// Zero or too large to represent.
    #[error("duration {0:?} must be positive and under a year")]
    Range(String),
}

/// Parses `<number><unit>` with unit `ms`, `s`, `m` or `h`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| DurationError::Number(text.to_string()))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(DurationError::Unit(text.to_string())),
    };
    let secs = value * scale;
    if !secs.is_finite() || secs <= 0.0 || secs > 365.0 * 86400.0 {
        return Err(DurationError::Range(text.to_string()));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert!(matches!(parse_duration("s"), Err(DurationError::Number(_))));
        assert!(matches!(
            parse_duration("1.2.3s"),
            Err(DurationError::Number(_))
        ));
        assert!(matches!(parse_duration("5d"), Err(DurationError::Unit(_))));
        assert!(matches!(
            parse_duration("-5s"),
            Err(DurationError::Number(_))
        ));
        assert!(matches!(parse_duration("0s"), Err(DurationError::Range(_))));
        assert!(matches!(
            parse_duration("9999h"),
            Err(DurationError::Range(_))
        ));
    }
}
