//! Time, behind a trait so that every expiry check can be tested without sleeping.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + Debug {
    /// The current time in whole seconds since the Unix epoch (may be negative for a broken clock).
    fn now_unix(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
        }
    }
}

/// A clock that only moves when a test moves it. Clones share the same time.
#[derive(Debug, Clone)]
pub struct TestClock {
    now: Arc<AtomicI64>,
}

impl TestClock {
    /// A clock showing `unix_seconds`.
    pub fn at(unix_seconds: i64) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(unix_seconds)),
        }
    }

    /// A clock showing the current system time (then frozen).
    pub fn now() -> Self {
        Self::at(SystemClock.now_unix())
    }

    /// Sets the time.
    pub fn set(&self, unix_seconds: i64) {
        self.now.store(unix_seconds, Ordering::SeqCst);
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.now.fetch_add(secs, Ordering::SeqCst);
    }

    /// Moves the time backward.
    pub fn rewind(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.now.fetch_sub(secs, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_unix(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// A shared clock handle, as the other crates hold it.
pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_moves_only_when_told_and_clones_share_time() {
        let clock = TestClock::at(1_000);
        let other = clock.clone();
        clock.advance(Duration::from_secs(30));
        assert_eq!(other.now_unix(), 1_030);
        other.rewind(Duration::from_secs(40));
        assert_eq!(clock.now_unix(), 990);
        clock.set(5);
        assert_eq!(other.now_unix(), 5);
    }

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.now_unix() > 1_700_000_000);
    }
}
