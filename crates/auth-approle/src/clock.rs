//! The source of "now". Secret IDs carry creation and expiry times that logins compare
//! with the current time; injecting the clock lets tests move time forward instead of
//! sleeping.

use std::sync::Arc;

/// Tells the current time as nanoseconds since the Unix epoch (UTC).
pub(crate) trait Clock: Send + Sync {
    fn now_nanos(&self) -> i64;
}

/// The real wall clock.
struct SystemClock;

impl Clock for SystemClock {
    fn now_nanos(&self) -> i64 {
        let n = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        // i64 nanoseconds last until 2262; saturate rather than wrap after that.
        i64::try_from(n).unwrap_or(i64::MAX)
    }
}

/// The clock a production backend uses.
pub(crate) fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
pub(crate) mod manual {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::Clock;

    /// A clock that only moves when a test says so.
    pub(crate) struct ManualClock(AtomicI64);

    impl ManualClock {
        pub(crate) fn new(start_nanos: i64) -> Self {
            ManualClock(AtomicI64::new(start_nanos))
        }
        pub(crate) fn advance_secs(&self, secs: i64) {
            self.0.fetch_add(secs * 1_000_000_000, Ordering::SeqCst);
        }
    }

    impl Clock for ManualClock {
        fn now_nanos(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }
}
