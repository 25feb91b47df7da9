//! One cached document: freshness, single-flight refresh, stale-if-error, failure back-off and
//! the unknown-`kid` cool-down. Generic over the parsed document type.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use govuk_one_login_core::{Clock, Url};

use crate::error::{DiscoveryError, DocumentKind};
use crate::policy::CachePolicy;

/// What a successful fetch produced: the parsed document and how long it stays fresh.
pub(crate) struct Fetched<T> {
    pub(crate) value: T,
    pub(crate) ttl: Duration,
}

/// Counters for one document. A snapshot of them is a [`DocumentStats`].
#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    refreshes: AtomicU64,
    failures: AtomicU64,
    stale_serves: AtomicU64,
    unknown_kid_refreshes: AtomicU64,
    unknown_kid_fast_failures: AtomicU64,
}

/// What one cached document has cost and served, since the cache was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentStats {
    /// Fetches sent to the transport (a transport's own retries of one fetch count once).
    pub requests: u64,
    /// Successful fetches that replaced an earlier copy.
    pub refreshes: u64,
    /// Fetches that failed (transport, status, parse or issuer errors).
    pub failures: u64,
    /// Lookups answered with the last-known-good copy after a failed refresh.
    pub stale_serves: u64,
    /// Fetches triggered by an unknown `kid`.
    pub unknown_kid_refreshes: u64,
    /// Unknown `kid`s refused at once, without a request, during the cool-down.
    pub unknown_kid_fast_failures: u64,
}

struct Entry<T> {
    value: Arc<T>,
    expires_at: i64,
}

struct State<T> {
    current: Option<Entry<T>>,
    /// Incremented by every finished fetch, successful or not.
    generation: u64,
    last_error: Option<DiscoveryError>,
    /// When the latest fetch started (the unknown-`kid` cool-down runs from here).
    last_attempt_at: Option<i64>,
    /// No new fetch before this time after a failure.
    retry_not_before: i64,
    in_flight: bool,
}

/// Whether a refresh is an ordinary one or was asked for by an unknown `kid`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Expiry,
    UnknownKid,
}

pub(crate) struct DocumentCache<T> {
    kind: DocumentKind,
    /// For events: which provider this is.
    issuer: String,
    state: Mutex<State<T>>,
    /// Held while fetching: concurrent refreshes wait here and reuse the outcome.
    refresh: tokio::sync::Mutex<()>,
    counters: Counters,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Clears `in_flight` even when the fetching future is dropped half-way.
struct InFlight<'a, T>(&'a DocumentCache<T>);

impl<T> Drop for InFlight<'_, T> {
    fn drop(&mut self) {
        self.0.lock().in_flight = false;
    }
}

impl<T> DocumentCache<T> {
    pub(crate) fn new(kind: DocumentKind, issuer: &Url) -> Self {
        Self {
            kind,
            issuer: issuer.as_str().to_owned(),
            state: Mutex::new(State {
                current: None,
                generation: 0,
                last_error: None,
                last_attempt_at: None,
                retry_not_before: i64::MIN,
                in_flight: false,
            }),
            refresh: tokio::sync::Mutex::new(()),
            counters: Counters::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The state is consistent after every statement that changes it; a panic elsewhere while
        // holding the lock cannot leave it half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn stats(&self) -> DocumentStats {
        let c = &self.counters;
        DocumentStats {
            requests: c.requests.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            stale_serves: c.stale_serves.load(Ordering::Relaxed),
            unknown_kid_refreshes: c.unknown_kid_refreshes.load(Ordering::Relaxed),
            unknown_kid_fast_failures: c.unknown_kid_fast_failures.load(Ordering::Relaxed),
        }
    }

    /// The document: the cached copy while fresh, else one (single-flight) fetch.
    pub(crate) async fn get<F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        fetch: F,
    ) -> Result<Arc<T>, DiscoveryError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, DiscoveryError>>,
    {
        let seen = {
            let state = self.lock();
            if let Some(entry) = &state.current
                && clock.now_unix() < entry.expires_at
            {
                return Ok(entry.value.clone());
            }
            state.generation
        };
        self.refresh(clock, policy, seen, Trigger::Expiry, fetch)
            .await
    }

    /// The document, refreshed at most once if `contains` is false for the cached copy: the
    /// refresh is skipped (and `Ok((doc, false))` returned at once) during the cool-down after
    /// the latest fetch, and joins a refresh already under way instead of starting another.
    pub(crate) async fn get_containing<F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        contains: impl Fn(&T) -> bool,
        fetch: F,
    ) -> Result<(Arc<T>, bool), DiscoveryError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, DiscoveryError>>,
    {
        let doc = self.get(clock, policy, &fetch).await?;
        if contains(&doc) {
            return Ok((doc, true));
        }
        let seen = {
            let state = self.lock();
            if !state.in_flight && self.cooling_down(&state, clock.now_unix(), policy) {
                self.counters
                    .unknown_kid_fast_failures
                    .fetch_add(1, Ordering::Relaxed);
                return Ok((doc, false));
            }
            state.generation
        };
        let doc = self
            .refresh(clock, policy, seen, Trigger::UnknownKid, fetch)
            .await?;
        let found = contains(&doc);
        Ok((doc, found))
    }

    fn cooling_down(&self, state: &State<T>, now: i64, policy: &CachePolicy) -> bool {
        state
            .last_attempt_at
            .is_some_and(|at| now < at.saturating_add(secs(policy.unknown_kid_cooldown)))
    }

    async fn refresh<F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        seen: u64,
        trigger: Trigger,
        fetch: F,
    ) -> Result<Arc<T>, DiscoveryError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, DiscoveryError>>,
    {
        let _single_flight = self.refresh.lock().await;
        let started = {
            let mut state = self.lock();
            let now = clock.now_unix();
            if state.generation != seen {
                // Another caller's fetch finished while we waited: share its outcome.
                if let Some(outcome) = self.outcome(&state, now, policy, true) {
                    return outcome;
                }
            }
            if trigger == Trigger::UnknownKid && self.cooling_down(&state, now, policy) {
                self.counters
                    .unknown_kid_fast_failures
                    .fetch_add(1, Ordering::Relaxed);
                if let Some(outcome) = self.outcome(&state, now, policy, true) {
                    return outcome;
                }
            }
            if now < state.retry_not_before
                && let Some(outcome) = self.outcome(&state, now, policy, false)
            {
                return outcome;
            }
            state.in_flight = true;
            state.last_attempt_at = Some(now);
            now
        };
        let _in_flight = InFlight(self);
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        if trigger == Trigger::UnknownKid {
            self.counters
                .unknown_kid_refreshes
                .fetch_add(1, Ordering::Relaxed);
        }
        let result = fetch().await;

        let now = clock.now_unix().max(started);
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        match result {
            Ok(fetched) => {
                if state.current.is_some() {
                    self.counters.refreshes.fetch_add(1, Ordering::Relaxed);
                }
                let value = Arc::new(fetched.value);
                state.current = Some(Entry {
                    value: value.clone(),
                    expires_at: now.saturating_add(secs(fetched.ttl)),
                });
                state.last_error = None;
                state.retry_not_before = i64::MIN;
                Ok(value)
            }
            Err(error) => {
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
                state.retry_not_before = now.saturating_add(secs(policy.retry_after_error));
                let outcome = self.stale_or_error(&state, &error, now, policy);
                match &outcome {
                    Ok(_) => tracing::warn!(
                        issuer = %self.issuer,
                        document = self.kind.as_str(),
                        error = error.code(),
                        detail = %error,
                        "refresh failed; serving the last-known-good copy"
                    ),
                    Err(e) => tracing::warn!(
                        issuer = %self.issuer,
                        document = self.kind.as_str(),
                        error = e.code(),
                        detail = %e,
                        "refresh failed and no usable copy is cached"
                    ),
                }
                state.last_error = Some(error);
                outcome
            }
        }
    }

    /// What the latest finished fetch means for a caller now, without fetching: `None` when
    /// the state gives no answer (nothing cached and no error remembered).
    fn outcome(
        &self,
        state: &State<T>,
        now: i64,
        policy: &CachePolicy,
        just_fetched: bool,
    ) -> Option<Result<Arc<T>, DiscoveryError>> {
        match (&state.current, &state.last_error) {
            (Some(entry), _) if now < entry.expires_at => Some(Ok(entry.value.clone())),
            (_, Some(error)) => Some(self.stale_or_error(state, error, now, policy)),
            // A copy fetched moments ago with a zero lifetime is still the newest there is.
            (Some(entry), None) if just_fetched => Some(Ok(entry.value.clone())),
            _ => None,
        }
    }

    fn stale_or_error(
        &self,
        state: &State<T>,
        error: &DiscoveryError,
        now: i64,
        policy: &CachePolicy,
    ) -> Result<Arc<T>, DiscoveryError> {
        let Some(entry) = &state.current else {
            return Err(error.clone());
        };
        let stale_for = now.saturating_sub(entry.expires_at).max(0);
        if stale_for <= secs(policy.max_stale) {
            self.counters.stale_serves.fetch_add(1, Ordering::Relaxed);
            Ok(entry.value.clone())
        } else {
            Err(DiscoveryError::Stale {
                document: self.kind,
                stale_for: Duration::from_secs(u64::try_from(stale_for).unwrap_or(0)),
                max_stale: policy.max_stale,
                cause: Box::new(error.clone()),
            })
        }
    }
}
