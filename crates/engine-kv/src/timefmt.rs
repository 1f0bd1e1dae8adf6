//! Time and duration text in the forms Vault's responses use.

use std::time::Duration;

use arca_sdk::duration::format_go_duration;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Formats Unix nanoseconds as Go's `time.RFC3339Nano` in UTC
/// (`2018-03-22T02:24:06.945319214Z`, trailing zeros of the fraction dropped), which is
/// what Vault prints for `created_time` and `deletion_time`.
pub(crate) fn rfc3339_nanos(nanos: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Formats an optional timestamp; Vault prints an unset one as "".
pub(crate) fn rfc3339_opt(nanos: Option<i64>) -> String {
    nanos.map(rfc3339_nanos).unwrap_or_default()
}

/// Formats signed whole seconds like Go's `time.Duration.String()` ("-1s", "1h0m0s").
pub(crate) fn go_duration_signed(secs: i64) -> String {
    let text = format_go_duration(Duration::from_secs(secs.unsigned_abs()));
    if secs < 0 { format!("-{text}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_rfc3339nano() {
        assert_eq!(
            rfc3339_nanos(1_521_685_446_945_319_214),
            "2018-03-22T02:24:06.945319214Z"
        );
        assert_eq!(
            rfc3339_nanos(1_521_685_446_900_000_000),
            "2018-03-22T02:24:06.9Z"
        );
        assert_eq!(
            rfc3339_nanos(1_521_685_446_000_000_000),
            "2018-03-22T02:24:06Z"
        );
        assert_eq!(rfc3339_opt(None), "");
    }

    #[test]
    fn signed_durations() {
        assert_eq!(go_duration_signed(-1), "-1s");
        assert_eq!(go_duration_signed(0), "0s");
        assert_eq!(go_duration_signed(3600), "1h0m0s");
        assert_eq!(go_duration_signed(90), "1m30s");
    }
}
