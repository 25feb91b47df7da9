//! One cached document: freshness, single-flight refresh, stale-if-error, failure back-off, the
//! unknown-`kid` cool-down and refresh ahead of expiry. Generic over the parsed document type.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use govuk_one_login_core::internal::record;
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
    refreshes_ahead: AtomicU64,
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
    /// Fetches sent by [`ProviderCache::refresh_due`](crate::ProviderCache::refresh_due)
    /// (ahead of expiry, or for a copy that has already expired).
    pub refreshes_ahead: u64,
}

/// How one cached document stands: [`ProviderCache::health`](crate::ProviderCache::health).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DocumentHealth {
    /// Which document.
    pub document: DocumentKind,
    /// Whether it is fresh, stale but served, expired past the stale limit, or never fetched.
    pub freshness: Freshness,
    /// Seconds since the cached copy was fetched; `None` when nothing is cached.
    pub age_secs: Option<i64>,
    /// The code of the latest fetch's error, when the latest fetch failed.
    pub last_error: Option<&'static str>,
}

/// Whether a cached document can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// Within its cache lifetime.
    Fresh,
    /// Past its lifetime but within [`CachePolicy::max_stale`]: served if a refresh fails.
    Stale,
    /// Past its lifetime and the stale limit: refused until a refresh succeeds.
    Expired,
    /// Never fetched successfully.
    Missing,
}

impl Freshness {
    /// A short stable name: `fresh`, `stale`, `expired` or `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::Stale => "stale",
            Self::Expired => "expired",
            Self::Missing => "missing",
        }
    }
}

/// What [`ProviderCache::refresh_due`](crate::ProviderCache::refresh_due) did for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshStatus {
    /// Never fetched successfully: nothing to keep fresh, no request sent. It is fetched on
    /// first use, or by [`ProviderCache::warm_up`](crate::ProviderCache::warm_up).
    NotCached,
    /// Fresh, and not yet within the refresh-ahead margin: no request sent.
    NotDue,
    /// Refreshed, by this call or by a concurrent one whose request it shared.
    Refreshed,
    /// Due, but a fetch of it failed less than
    /// [`CachePolicy::retry_after_error`] ago: no request sent. The cached copy stays in use.
    Paused {
        /// When a new fetch may be tried (Unix seconds, by the cache's clock).
        retry_at: i64,
    },
    /// The refresh failed. The cached copy stays in use by the stale-if-error rules of
    /// [`CachePolicy::max_stale`]; no new fetch is tried for
    /// [`CachePolicy::retry_after_error`].
    Failed(DiscoveryError),
}

impl RefreshStatus {
    /// The error, for [`Failed`](Self::Failed).
    pub fn error(&self) -> Option<&DiscoveryError> {
        match self {
            Self::Failed(error) => Some(error),
            _ => None,
        }
    }
}

struct Entry<T> {
    value: Arc<T>,
    /// When the fetch that produced it finished.
    fetched_at: i64,
    expires_at: i64,
    /// The number of the fetch that produced it (see `State::fetches_started`).
    fetch_seq: u64,
}

struct State<T> {
    current: Option<Entry<T>>,
    /// Incremented by every finished fetch, successful or not.
    generation: u64,
    last_error: Option<DiscoveryError>,
    /// Incremented when a fetch starts: a lookup that began before fetch `n` started knows
    /// that fetch `n` reflects everything published before the lookup began.
    fetches_started: u64,
    /// When the latest fetch triggered by an unknown `kid` started: the cool-down runs from
    /// here, and only from here.
    last_unknown_kid_refresh_at: Option<i64>,
    /// No new fetch before this time after a failure.
    retry_not_before: i64,
    in_flight: bool,
}

/// Why a refresh is made: a missing or expired copy, an unknown `kid`, or `refresh_due`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// `seen` is the generation the caller found missing or expired: a fetch finished since
    /// then is shared.
    Expiry {
        seen: u64,
    },
    /// `entered` is `fetches_started` when the lookup began: only a fetch numbered above it
    /// can hold a key published before the token arrived.
    UnknownKid {
        entered: u64,
    },
    Ahead,
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
                fetches_started: 0,
                last_unknown_kid_refresh_at: None,
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
            refreshes_ahead: c.refreshes_ahead.load(Ordering::Relaxed),
        }
    }

    /// How the cached copy stands at `now`, without fetching.
    pub(crate) fn health(&self, now: i64, policy: &CachePolicy) -> DocumentHealth {
        let state = self.lock();
        let freshness = match &state.current {
            None => Freshness::Missing,
            Some(entry) if now < entry.expires_at => Freshness::Fresh,
            Some(entry) if now.saturating_sub(entry.expires_at) <= secs(policy.max_stale) => {
                Freshness::Stale
            }
            Some(_) => Freshness::Expired,
        };
        DocumentHealth {
            document: self.kind,
            freshness,
            age_secs: state
                .current
                .as_ref()
                .map(|entry| now.saturating_sub(entry.fetched_at).max(0)),
            last_error: state.last_error.as_ref().map(DiscoveryError::code),
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
        self.refresh(clock, policy, Trigger::Expiry { seen }, fetch)
            .await
    }

    /// The document, refreshed at most once if `contains` is false for the cached copy. No
    /// refresh is made (and `Ok((doc, false))` is returned at once) when the copy comes from a
    /// fetch that started after this lookup began (it already shows every key published before
    /// the token arrived), or during the cool-down after the latest unknown-`kid` refresh; a
    /// refresh already under way is joined instead of starting another.
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
        let entered = self.lock().fetches_started;
        let doc = self.get(clock, policy, &fetch).await?;
        if contains(&doc) {
            return Ok((doc, true));
        }
        {
            let state = self.lock();
            if let Some(entry) = &state.current
                && entry.fetch_seq > entered
            {
                // This lookup's own fetch (or one that started after it began): refreshing
                // again could show nothing new.
                let found = contains(&entry.value);
                return Ok((entry.value.clone(), found));
            }
            if !state.in_flight && self.cooling_down(&state, clock.now_unix(), policy) {
                self.counters
                    .unknown_kid_fast_failures
                    .fetch_add(1, Ordering::Relaxed);
                return Ok((doc, false));
            }
        }
        let doc = self
            .refresh(clock, policy, Trigger::UnknownKid { entered }, fetch)
            .await?;
        let found = contains(&doc);
        Ok((doc, found))
    }

    fn cooling_down(&self, state: &State<T>, now: i64, policy: &CachePolicy) -> bool {
        state
            .last_unknown_kid_refresh_at
            .is_some_and(|at| now < at.saturating_add(secs(policy.unknown_kid_cooldown)))
    }

    /// When `refresh_due` should next refresh this document (Unix seconds): its due time, or
    /// the end of the pause after a failure if that is later; `None` if nothing is cached.
    pub(crate) fn next_refresh_at(&self, policy: &CachePolicy) -> Option<i64> {
        let state = self.lock();
        let entry = state.current.as_ref()?;
        Some(due_at(entry, policy).max(state.retry_not_before))
    }

    /// Whether `refresh_due` has nothing to do now (and why), or `None` if it should fetch.
    fn not_due(&self, state: &State<T>, now: i64, policy: &CachePolicy) -> Option<RefreshStatus> {
        let Some(entry) = &state.current else {
            return Some(RefreshStatus::NotCached);
        };
        if now < due_at(entry, policy) {
            return Some(RefreshStatus::NotDue);
        }
        if now < state.retry_not_before {
            return Some(RefreshStatus::Paused {
                retry_at: state.retry_not_before,
            });
        }
        None
    }

    /// Refreshes the document if it is cached and within the refresh-ahead margin of its
    /// expiry (or past it), single-flight with every other refresh of it.
    pub(crate) async fn refresh_if_due<F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        fetch: F,
    ) -> RefreshStatus
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, DiscoveryError>>,
    {
        let seen = {
            let state = self.lock();
            if let Some(status) = self.not_due(&state, clock.now_unix(), policy) {
                return status;
            }
            state.generation
        };
        let settle = |state: &State<T>, now| {
            if state.generation != seen {
                // A concurrent refresh finished while we waited: its outcome is ours.
                return Some(match &state.last_error {
                    Some(error) => RefreshStatus::Failed(error.clone()),
                    None => RefreshStatus::Refreshed,
                });
            }
            self.not_due(state, now, policy)
        };
        let finish = |fetched: Result<Arc<T>, DiscoveryError>| match fetched {
            Ok(_) => RefreshStatus::Refreshed,
            Err(error) => RefreshStatus::Failed(error),
        };
        self.single_flight(clock, policy, Trigger::Ahead, settle, finish, fetch)
            .await
    }

    /// Marks a fetch as started (under the state lock); returns its number.
    fn start_fetch(&self, state: &mut State<T>, now: i64, trigger: Trigger) -> u64 {
        state.in_flight = true;
        state.fetches_started = state.fetches_started.wrapping_add(1);
        if matches!(trigger, Trigger::UnknownKid { .. }) {
            state.last_unknown_kid_refresh_at = Some(now);
        }
        state.fetches_started
    }

    /// A refresh for a missing or expired copy or an unknown `kid`, answered from another
    /// caller's fetch or the back-off rules when they allow (see [`Self::settled`]).
    async fn refresh<F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        trigger: Trigger,
        fetch: F,
    ) -> Result<Arc<T>, DiscoveryError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, DiscoveryError>>,
    {
        let settle = |state: &State<T>, now| self.settled(state, now, policy, trigger);
        self.single_flight(clock, policy, trigger, settle, |fetched| fetched, fetch)
            .await
    }

    /// What a `refresh` can answer without fetching, once it holds the single-flight lock.
    fn settled(
        &self,
        state: &State<T>,
        now: i64,
        policy: &CachePolicy,
        trigger: Trigger,
    ) -> Option<Result<Arc<T>, DiscoveryError>> {
        match trigger {
            Trigger::UnknownKid { entered } => {
                // A fetch that started after the lookup began is as good as our own, but
                // not one that was already under way: it may predate the key.
                if let Some(entry) = &state.current
                    && entry.fetch_seq > entered
                {
                    return Some(Ok(entry.value.clone()));
                }
            }
            Trigger::Expiry { seen } => {
                if state.generation != seen {
                    // Another caller's fetch finished while we waited: share its outcome.
                    if let Some(outcome) = self.outcome(state, now, policy, true) {
                        return Some(outcome);
                    }
                }
            }
            Trigger::Ahead => {}
        }
        if matches!(trigger, Trigger::UnknownKid { .. }) && self.cooling_down(state, now, policy) {
            self.counters
                .unknown_kid_fast_failures
                .fetch_add(1, Ordering::Relaxed);
            if let Some(outcome) = self.outcome(state, now, policy, true) {
                return Some(outcome);
            }
        }
        if now < state.retry_not_before {
            return self.outcome(state, now, policy, false);
        }
        None
    }

    /// Every refresh, single-flight: waits for the one under way, then, under the state lock,
    /// lets `settle` answer without a request (from what that refresh left, or the back-off
    /// rules); otherwise starts one fetch, stores its outcome and lets `finish` answer from it.
    async fn single_flight<A, F, Fut>(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        trigger: Trigger,
        settle: impl FnOnce(&State<T>, i64) -> Option<A>,
        finish: impl FnOnce(Result<Arc<T>, DiscoveryError>) -> A,
        fetch: F,
    ) -> A
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched<T>, DiscoveryError>>,
    {
        let _single_flight = self.refresh.lock().await;
        let (started, seq) = {
            let mut state = self.lock();
            let now = clock.now_unix();
            if let Some(answer) = settle(&state, now) {
                return answer;
            }
            (now, self.start_fetch(&mut state, now, trigger))
        };
        let _in_flight = InFlight(self);
        self.count_request(trigger);
        let fetched = fetch().await;
        finish(self.store(clock, policy, started, seq, trigger, fetched))
    }

    /// Counts a request about to be sent, and why.
    fn count_request(&self, trigger: Trigger) {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        if self.kind != DocumentKind::Discovery {
            let reason = match trigger {
                Trigger::Expiry { .. } => "expired",
                Trigger::UnknownKid { .. } => "unknown_kid",
                Trigger::Ahead => "background",
            };
            record::key_refresh(&self.issuer, self.kind.as_str(), reason);
        }
        match trigger {
            Trigger::UnknownKid { .. } => {
                self.counters
                    .unknown_kid_refreshes
                    .fetch_add(1, Ordering::Relaxed);
            }
            Trigger::Ahead => {
                self.counters
                    .refreshes_ahead
                    .fetch_add(1, Ordering::Relaxed);
            }
            Trigger::Expiry { .. } => {}
        }
    }

    /// Stores the outcome of the fetch started by `start_fetch` at `started`. A failed refresh
    /// answers with the last-known-good copy when stale-if-error allows, except for `Ahead`,
    /// which reports the failure itself (nothing was asked of the copy).
    fn store(
        &self,
        clock: &dyn Clock,
        policy: &CachePolicy,
        started: i64,
        seq: u64,
        trigger: Trigger,
        result: Result<Fetched<T>, DiscoveryError>,
    ) -> Result<Arc<T>, DiscoveryError> {
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
                    fetched_at: now,
                    expires_at: now.saturating_add(secs(fetched.ttl)),
                    fetch_seq: seq,
                });
                state.last_error = None;
                state.retry_not_before = i64::MIN;
                Ok(value)
            }
            Err(error) => {
                self.counters.failures.fetch_add(1, Ordering::Relaxed);
                state.retry_not_before = now.saturating_add(secs(policy.retry_after_error));
                if trigger == Trigger::Ahead {
                    tracing::warn!(
                        issuer = %self.issuer,
                        document = self.kind.as_str(),
                        error = error.code(),
                        detail = %error,
                        "refresh ahead of expiry failed; the cached copy stays in use"
                    );
                    state.last_error = Some(error.clone());
                    return Err(error);
                }
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
            record::stale_served(&self.issuer, self.kind.as_str());
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

/// When `refresh_due` should refresh this copy: `refresh_ahead` (at most a tenth of its
/// lifetime) plus `refresh_jitter` (at most as much again) before it expires, and never sooner
/// than a second after it was fetched, so that even a zero lifetime cannot make a refresh loop
/// spin.
fn due_at<T>(entry: &Entry<T>, policy: &CachePolicy) -> i64 {
    let lifetime = entry.expires_at.saturating_sub(entry.fetched_at).max(0);
    let margin = secs(policy.refresh_ahead).min(lifetime / 10);
    let jitter = secs(policy.refresh_jitter).min(margin);
    entry
        .expires_at
        .saturating_sub(margin)
        .saturating_sub(jitter)
        .max(entry.fetched_at.saturating_add(1))
}
