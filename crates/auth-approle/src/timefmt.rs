//! Timestamps in the form Vault prints for secret IDs (Go's `time.RFC3339Nano`).

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Formats Unix nanoseconds as RFC 3339 with the fraction's trailing zeros dropped
/// (`2023-02-10T18:17:27.089757383Z`). Zero is Go's zero time, which Vault prints for
/// a secret ID that never expires.
pub(crate) fn rfc3339_nanos(nanos: i64) -> String {
    if nanos == 0 {
        return "0001-01-01T00:00:00Z".to_string();
    }
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        assert_eq!(
            rfc3339_nanos(1_676_053_047_089_757_383),
            "2023-02-10T18:17:27.089757383Z"
        );
        assert_eq!(rfc3339_nanos(0), "0001-01-01T00:00:00Z");
    }
}
