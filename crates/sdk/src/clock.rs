//! The source of "now" for backends. Secret IDs, KV versions and similar records carry
//! creation and expiry times that requests compare with the current time; injecting the
//! clock lets tests move time forward deterministically instead of sleeping.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};
use std::time::{SystemTime, UNIX_EPOCH};

/// Tells the current time as nanoseconds since the Unix epoch (UTC).
pub trait Clock: Send + Sync {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    fn now_nanos(&self) -> i64;
}

/// The real wall clock, used by every production backend.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_nanos(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            // i64 nanoseconds last until 2262; saturate rather than wrap after that.
            Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
            // A wall clock set before 1970 reads as the epoch rather than a negative time.
            Err(_) => 0,
        }
    }
}

/// The clock a production backend uses.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A clock that only moves when a test says so; backends' tests inject it to check
/// expiry without sleeping.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at `start_nanos` since the epoch.
    pub fn new(start_nanos: i64) -> Self {
        ManualClock(AtomicI64::new(start_nanos))
    }

    /// Moves the clock forward by `secs` seconds.
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1_000_000_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_nanos() > 1_577_836_800 * 1_000_000_000);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(5);
        assert_eq!(c.now_nanos(), 5);
        c.advance_secs(2);
        assert_eq!(c.now_nanos(), 2_000_000_005);
    }
}
