//! The bounded in-memory session store: one process, every operation O(log n).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use govuk_one_login::core::BoxFuture;
use govuk_one_login::{
    SessionKey, SessionLimits, SessionStore, SessionStoreError, StoredSession, SubjectKey,
};

/// Signed-in sessions in this process's memory, within [`SessionLimits`]: idle and absolute
/// expiry, at most `max_per_subject` sessions per (service, `sub`), at most `capacity` sessions
/// (past it the least recently used one ends). Every operation costs O(log n) in the number of
/// sessions. Only signed-in people have sessions, so nothing an anonymous visitor does reaches it.
///
/// One process only: with several instances behind a load balancer, use a shared store
/// (`govuk-one-login-redis`).
pub struct InMemorySessionStore {
    limits: SessionLimits,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<SessionKey, Entry>,
    /// (last seen, tick) → session: the least recently used first.
    by_recency: BTreeMap<(i64, u64), SessionKey>,
    /// subject → (save tick → session): a subject's sessions, the least recently saved first.
    by_subject: HashMap<SubjectKey, SubjectSessions>,
    /// subject → the latest back-channel cut-off: sign-ins made at or before it are not saved.
    ended: HashMap<SubjectKey, (i64, i64)>,
    /// (forget at, subject): the cut-offs, the first to be forgotten first.
    ended_by_expiry: BTreeMap<(i64, SubjectKey), ()>,
    tick: u64,
}

/// One subject's sessions by save tick, the least recently saved first: a short sorted vector
/// (at most `max_per_subject` + 1 entries), smaller than a map for one or two.
#[derive(Default)]
struct SubjectSessions(Vec<(u64, SessionKey)>);

impl SubjectSessions {
    fn insert(&mut self, saved: u64, key: SessionKey) {
        match self.0.binary_search_by_key(&saved, |(t, _)| *t) {
            Ok(i) => self.0[i].1 = key,
            Err(i) => self.0.insert(i, (saved, key)),
        }
    }

    fn remove(&mut self, saved: u64) {
        if let Ok(i) = self.0.binary_search_by_key(&saved, |(t, _)| *t) {
            self.0.remove(i);
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn oldest(&self) -> Option<&SessionKey> {
        self.0.first().map(|(_, k)| k)
    }

    fn keys(&self) -> impl Iterator<Item = &SessionKey> {
        self.0.iter().map(|(_, k)| k)
    }
}

struct Entry {
    session: StoredSession,
    recency: (i64, u64),
    saved: u64,
}

impl fmt::Debug for InMemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemorySessionStore")
            .field("limits", &self.limits)
            .field("sessions", &self.len())
            .finish()
    }
}

impl Default for InMemorySessionStore {
    fn default() -> Self {
        Self::new(SessionLimits::default())
    }
}

impl InMemorySessionStore {
    /// An empty store keeping `limits`.
    pub fn new(limits: SessionLimits) -> Self {
        Self {
            limits,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The limits it keeps.
    pub fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    /// How many sessions it holds (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every change below leaves the maps consistent before it can panic (it cannot), so a
        // poisoned lock is used as it is.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn load_now(&self, key: &SessionKey, now: i64) -> Option<StoredSession> {
        let mut inner = self.lock();
        inner.sweep(&self.limits, now);
        let entry = inner.sessions.get(key)?;
        let live = entry.session.clone().live(&self.limits, now);
        if live.is_empty() {
            inner.remove(key);
            return None;
        }
        if live.sign_ins.len() != entry.session.sign_ins.len() {
            let saved = inner.remove(key).map_or(0, |e| e.saved);
            inner.insert(key.clone(), live.clone(), now, Some(saved));
        } else {
            inner.touch(key, now);
        }
        Some(live)
    }

    fn save_now(&self, key: &SessionKey, session: StoredSession, now: i64) {
        let mut inner = self.lock();
        inner.sweep(&self.limits, now);
        inner.remove(key);
        self.put(&mut inner, key, session, now);
    }

    fn replace_now(
        &self,
        old: Option<&SessionKey>,
        new: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> bool {
        let mut inner = self.lock();
        inner.sweep(&self.limits, now);
        if let Some(old) = old
            && inner.remove(old).is_none()
        {
            return false;
        }
        inner.remove(new);
        self.put(&mut inner, new, session, now);
        true
    }

    /// Files `session` (live, without ended sign-ins) under `key`, then keeps the caps.
    fn put(&self, inner: &mut Inner, key: &SessionKey, session: StoredSession, now: i64) {
        let mut session = session.live(&self.limits, now);
        session.sign_ins.retain(|s| {
            inner
                .ended
                .get(&s.subject)
                .is_none_or(|(cutoff, _)| s.signed_in_at > *cutoff)
        });
        if session.is_empty() {
            return;
        }
        let subjects: Vec<SubjectKey> =
            session.sign_ins.iter().map(|s| s.subject.clone()).collect();
        inner.insert(key.clone(), session, now, None);
        for subject in subjects {
            inner.cap_subject(&subject, self.limits.max_per_subject.max(1));
        }
        while inner.sessions.len() > self.limits.capacity.max(1) {
            let Some(oldest) = inner.by_recency.values().next().cloned() else {
                break;
            };
            inner.remove(&oldest);
        }
    }

    fn end_now(&self, subject: &SubjectKey, made_at_or_before: i64) -> usize {
        let mut inner = self.lock();
        let forget_at = made_at_or_before.saturating_add(self.limits.absolute_secs());
        let cutoff = match inner.ended.get(subject).copied() {
            Some((earlier, at)) => {
                inner.ended_by_expiry.remove(&(at, subject.clone()));
                made_at_or_before.max(earlier)
            }
            None => made_at_or_before,
        };
        inner.ended.insert(subject.clone(), (cutoff, forget_at));
        inner
            .ended_by_expiry
            .insert((forget_at, subject.clone()), ());
        while inner.ended.len() > self.limits.capacity.max(1) {
            let Some(((_, oldest), ())) = inner.ended_by_expiry.pop_first() else {
                break;
            };
            inner.ended.remove(&oldest);
        }
        let keys: Vec<SessionKey> = inner
            .by_subject
            .get(subject)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut ended = 0;
        for key in keys {
            ended += inner.end_in(&key, subject, made_at_or_before);
        }
        ended
    }
}

impl Inner {
    fn next_tick(&mut self) -> u64 {
        self.tick = self.tick.wrapping_add(1);
        self.tick
    }

    fn insert(
        &mut self,
        key: SessionKey,
        mut session: StoredSession,
        now: i64,
        saved: Option<u64>,
    ) {
        session.sign_ins.shrink_to_fit();
        let tick = self.next_tick();
        let saved = saved.unwrap_or(tick);
        for sign_in in &session.sign_ins {
            self.by_subject
                .entry(sign_in.subject.clone())
                .or_default()
                .insert(saved, key.clone());
        }
        self.by_recency.insert((now, tick), key.clone());
        self.sessions.insert(
            key,
            Entry {
                session,
                recency: (now, tick),
                saved,
            },
        );
    }

    fn remove(&mut self, key: &SessionKey) -> Option<Entry> {
        let entry = self.sessions.remove(key)?;
        self.by_recency.remove(&entry.recency);
        for sign_in in &entry.session.sign_ins {
            self.unindex(&sign_in.subject, entry.saved);
        }
        Some(entry)
    }

    fn unindex(&mut self, subject: &SubjectKey, saved: u64) {
        if let Some(sessions) = self.by_subject.get_mut(subject) {
            sessions.remove(saved);
            if sessions.is_empty() {
                self.by_subject.remove(subject);
            }
        }
    }

    fn touch(&mut self, key: &SessionKey, now: i64) {
        let tick = self.next_tick();
        if let Some(entry) = self.sessions.get_mut(key) {
            self.by_recency.remove(&entry.recency);
            entry.recency = (now, tick);
            self.by_recency.insert((now, tick), key.clone());
        }
    }

    /// Drops idle sessions and cut-offs past their time.
    fn sweep(&mut self, limits: &SessionLimits, now: i64) {
        self.sweep_idle(limits, now);
        while let Some(((at, subject), ())) = self.ended_by_expiry.first_key_value() {
            if *at > now {
                break;
            }
            let subject = subject.clone();
            self.ended_by_expiry.pop_first();
            self.ended.remove(&subject);
        }
    }

    /// Drops the sessions idle for longer than the limit, the least recently used first.
    fn sweep_idle(&mut self, limits: &SessionLimits, now: i64) {
        let idle = limits.idle_secs();
        while let Some(((seen, _), key)) = self.by_recency.first_key_value() {
            if now.saturating_sub(*seen) <= idle {
                break;
            }
            let key = key.clone();
            self.remove(&key);
        }
    }

    /// Ends the subject's sign-in in its least recently saved sessions past `max`.
    fn cap_subject(&mut self, subject: &SubjectKey, max: usize) {
        loop {
            let Some(sessions) = self.by_subject.get(subject) else {
                return;
            };
            if sessions.len() <= max {
                return;
            }
            let Some(oldest) = sessions.oldest().cloned() else {
                return;
            };
            self.end_in(&oldest, subject, i64::MAX);
        }
    }

    /// Ends `subject`'s sign-ins made at or before `cutoff` in one session; how many ended.
    fn end_in(&mut self, key: &SessionKey, subject: &SubjectKey, cutoff: i64) -> usize {
        let Some(entry) = self.sessions.get_mut(key) else {
            return 0;
        };
        let before = entry.session.sign_ins.len();
        entry
            .session
            .sign_ins
            .retain(|s| !(s.subject == *subject && s.signed_in_at <= cutoff));
        let ended = before - entry.session.sign_ins.len();
        let still_has_subject = entry.session.sign_ins.iter().any(|s| s.subject == *subject);
        let empty = entry.session.is_empty();
        let saved = entry.saved;
        if empty {
            self.remove(key);
        }
        if !still_has_subject {
            // `remove` unindexes only the sign-ins still in the session.
            self.unindex(subject, saved);
        }
        ended
    }
}

impl SessionStore for InMemorySessionStore {
    fn load(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> BoxFuture<'_, Result<Option<StoredSession>, SessionStoreError>> {
        let result = self.load_now(key, now);
        Box::pin(async move { Ok(result) })
    }

    fn save(
        &self,
        key: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        self.save_now(key, session, now);
        Box::pin(async { Ok(()) })
    }

    fn replace(
        &self,
        old: Option<&SessionKey>,
        new: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> BoxFuture<'_, Result<bool, SessionStoreError>> {
        let replaced = self.replace_now(old, new, session, now);
        Box::pin(async move { Ok(replaced) })
    }

    fn remove(&self, key: &SessionKey) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        self.lock().remove(key);
        Box::pin(async { Ok(()) })
    }

    fn end_sign_ins(
        &self,
        subject: &SubjectKey,
        made_at_or_before: i64,
    ) -> BoxFuture<'_, Result<usize, SessionStoreError>> {
        let ended = self.end_now(subject, made_at_or_before);
        Box::pin(async move { Ok(ended) })
    }
}
