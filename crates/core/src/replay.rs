//! Replay protection for back-channel logout tokens (and anything else with a `jti`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use crate::transport::BoxFuture;

/// Whether an identifier was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayCheck {
    /// First sighting: it is now remembered.
    Fresh,
    /// Seen before and still remembered: a replay.
    Replayed,
}

/// The error a shared store's client gave (a Redis or database error), kept as the source.
pub type StoreCause = Arc<dyn std::error::Error + Send + Sync>;

/// Why a replay store could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayStoreError {
    /// The in-memory store is full of identifiers that have not yet expired.
    #[error(
        "the replay store is full ({capacity} live identifiers); refusing rather than forgetting"
    )]
    Full {
        /// The capacity.
        capacity: usize,
    },
    /// A shared store (Redis, a database) failed or timed out: retry later.
    #[error("the {store} replay store is unavailable: {source}")]
    Unavailable {
        /// Which store (for example `redis`).
        store: &'static str,
        /// What its client said.
        #[source]
        source: StoreCause,
    },
}

impl PartialEq for ReplayStoreError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Full { capacity: a }, Self::Full { capacity: b }) => a == b,
            (Self::Unavailable { store: a, .. }, Self::Unavailable { store: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl Eq for ReplayStoreError {}

impl ReplayStoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Full { .. } => "replay_store.full",
            Self::Unavailable { .. } => "replay_store.unavailable",
        }
    }
}

/// Remembers identifiers until they expire. Several instances of a service behind a load balancer
/// must share one store (implement this trait over Redis or a database); the in-memory default
/// protects one process.
pub trait ReplayStore: Send + Sync + Debug {
    /// Atomically checks `id` and remembers it until `remember_until` (Unix seconds).
    fn check_and_remember(
        &self,
        id: &str,
        remember_until: i64,
        now: i64,
    ) -> BoxFuture<'_, Result<ReplayCheck, ReplayStoreError>>;

    /// Forgets `id`, so that its next sighting is [`ReplayCheck::Fresh`] again. Used when the
    /// work an identifier stood for failed after it was remembered (a back-channel logout whose
    /// sessions could not be ended), so that the provider's retry is not taken for a replay.
    /// Forgetting an identifier that is not remembered is not an error.
    fn forget(&self, id: &str) -> BoxFuture<'_, Result<(), ReplayStoreError>>;

    /// Whether the store answers now, for a readiness check: a shared store asks its server
    /// (within its timeouts); an in-process store is always reachable, which is the default.
    /// **A shared store must implement it**: with the default, readiness cannot see it fail.
    fn ping(&self) -> BoxFuture<'_, Result<(), ReplayStoreError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A bounded in-memory replay store for one process.
#[derive(Debug)]
pub struct InMemoryReplayStore {
    capacity: usize,
    evict_when_full: bool,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_id: HashMap<String, i64>,
    by_expiry: BTreeMap<(i64, String), ()>,
}

impl InMemoryReplayStore {
    /// A store holding at most `capacity` live identifiers. When full of unexpired identifiers it
    /// refuses new ones ([`ReplayStoreError::Full`]) rather than forgetting any.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            evict_when_full: false,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// A store holding at most `capacity` identifiers that, when full, forgets the one expiring
    /// soonest to make room. For identifiers whose replay another check also stops (a used
    /// `state`: its code is single-use at the provider), so that a flood of them cannot block
    /// sign-ins.
    pub fn evicting(capacity: usize) -> Self {
        Self {
            capacity,
            evict_when_full: true,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn check(&self, id: &str, until: i64, now: i64) -> Result<ReplayCheck, ReplayStoreError> {
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Forget everything that has expired.
        while let Some(((exp, key), ())) = inner.by_expiry.pop_first() {
            if exp >= now {
                inner.by_expiry.insert((exp, key), ());
                break;
            }
            inner.by_id.remove(&key);
        }
        if inner.by_id.contains_key(id) {
            return Ok(ReplayCheck::Replayed);
        }
        if inner.by_id.len() >= self.capacity {
            if !self.evict_when_full || self.capacity == 0 {
                return Err(ReplayStoreError::Full {
                    capacity: self.capacity,
                });
            }
            if let Some(((_, key), ())) = inner.by_expiry.pop_first() {
                inner.by_id.remove(&key);
            }
        }
        inner.by_id.insert(id.to_owned(), until);
        inner.by_expiry.insert((until, id.to_owned()), ());
        Ok(ReplayCheck::Fresh)
    }

    fn remove(&self, id: &str) {
        let mut inner = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(until) = inner.by_id.remove(id) {
            inner.by_expiry.remove(&(until, id.to_owned()));
        }
    }

    /// How many identifiers are remembered now.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|g| g.by_id.len()).unwrap_or(0)
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for InMemoryReplayStore {
    /// 100,000 identifiers: far more logout tokens than one process sees in their lifetime.
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn check_and_remember(
        &self,
        id: &str,
        remember_until: i64,
        now: i64,
    ) -> BoxFuture<'_, Result<ReplayCheck, ReplayStoreError>> {
        let result = self.check(id, remember_until, now);
        Box::pin(std::future::ready(result))
    }

    fn forget(&self, id: &str) -> BoxFuture<'_, Result<(), ReplayStoreError>> {
        self.remove(id);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        store: &InMemoryReplayStore,
        id: &str,
        until: i64,
        now: i64,
    ) -> Result<ReplayCheck, ReplayStoreError> {
        store.check(id, until, now)
    }

    #[test]
    fn remembers_until_expiry_then_forgets() {
        let s = InMemoryReplayStore::new(10);
        assert_eq!(run(&s, "a", 200, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(run(&s, "a", 200, 150), Ok(ReplayCheck::Replayed));
        assert_eq!(run(&s, "a", 300, 200), Ok(ReplayCheck::Replayed));
        assert_eq!(run(&s, "a", 400, 201), Ok(ReplayCheck::Fresh));
    }

    #[test]
    fn a_forgotten_id_is_fresh_again_and_forgetting_an_unknown_id_is_harmless() {
        let s = InMemoryReplayStore::new(10);
        assert_eq!(run(&s, "a", 200, 100), Ok(ReplayCheck::Fresh));
        s.remove("a");
        assert!(s.is_empty());
        assert_eq!(run(&s, "a", 200, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(run(&s, "a", 200, 100), Ok(ReplayCheck::Replayed));
        s.remove("never-seen");
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn an_evicting_store_forgets_the_soonest_expiring_id_when_full() {
        let s = InMemoryReplayStore::evicting(2);
        assert_eq!(run(&s, "a", 150, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(run(&s, "b", 200, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(run(&s, "c", 300, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(s.len(), 2);
        assert_eq!(run(&s, "b", 200, 100), Ok(ReplayCheck::Replayed));
        assert_eq!(run(&s, "c", 300, 100), Ok(ReplayCheck::Replayed));
    }

    #[test]
    fn refuses_when_full_of_live_ids_instead_of_forgetting() {
        let s = InMemoryReplayStore::new(2);
        assert_eq!(run(&s, "a", 200, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(run(&s, "b", 200, 100), Ok(ReplayCheck::Fresh));
        assert_eq!(
            run(&s, "c", 200, 100).unwrap_err().code(),
            "replay_store.full"
        );
        assert_eq!(run(&s, "a", 200, 100), Ok(ReplayCheck::Replayed));
        assert_eq!(run(&s, "c", 400, 201), Ok(ReplayCheck::Fresh));
        assert_eq!(s.len(), 1);
    }
}
