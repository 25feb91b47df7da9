//! Server-side sessions, keyed by a random cookie. The cookie carries only the random id; the
//! pending sign-ins and the signed-in person stay in this process.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use govuk_one_login::{
    LogoutNotice, PendingSignIn, PendingSignOut, RandomError, SharedClock, SignedIn, random_token,
    secret_digest,
};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "example_rp_session";
/// A session unused for this long ends (seconds). One Login's own session lasts an hour.
pub const SESSION_IDLE_SECS: i64 = 60 * 60;
/// The most sessions kept at once; past it the least recently used one ends.
pub const MAX_SESSIONS: usize = 10_000;
/// The most sign-ins one browser may have in flight (several tabs); past it the oldest is dropped.
pub const MAX_PENDING_PER_SESSION: usize = 5;

/// One browser's session.
#[derive(Clone, Default)]
pub(crate) struct Session {
    pub(crate) pending: Vec<PendingSignIn>,
    pub(crate) person: Option<SignedIn>,
    /// A sign-out sent to One Login, checked when the browser comes back.
    pub(crate) sign_out: Option<PendingSignOut>,
    pub(crate) last_seen: i64,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("pending", &self.pending.len())
            .field("person", &self.person)
            .field("last_seen", &self.last_seen)
            .finish()
    }
}

/// The sessions of every browser, in memory. Cheap to clone (clones share the store). Keys are
/// digests of the cookie values, so the store never holds a usable cookie.
#[derive(Clone)]
pub struct SessionStore {
    inner: Arc<Mutex<HashMap<String, Session>>>,
    clock: SharedClock,
}

impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStore")
            .field("sessions", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl SessionStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            inner: Arc::new(Mutex::new(HashMap::new())),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock cannot leave a session half-written in a way that
        // matters here, so a poisoned lock is used as it is.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The time on the store's clock (Unix seconds).
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    /// How many sessions are live (not counting expired ones not yet swept).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are no sessions.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// A copy of the session of this cookie value, if it is live; touching it keeps it alive.
    pub(crate) fn get(&self, cookie: &str) -> Option<Session> {
        let now = self.now();
        let key = secret_digest(cookie);
        let mut map = self.lock();
        let live = map
            .get(&key)
            .is_some_and(|s| now.saturating_sub(s.last_seen) <= SESSION_IDLE_SECS);
        if !live {
            map.remove(&key);
            return None;
        }
        let session = map.get_mut(&key)?;
        session.last_seen = now;
        Some(session.clone())
    }

    /// The signed-in person of this cookie's session.
    pub(crate) fn person(&self, cookie: Option<&str>) -> Option<SignedIn> {
        cookie.and_then(|c| self.get(c)).and_then(|s| s.person)
    }

    /// Stores a session under a new random cookie value and returns that value.
    pub(crate) fn create(&self, mut session: Session) -> Result<String, RandomError> {
        let cookie = random_token()?;
        let now = self.now();
        session.last_seen = now;
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| now.saturating_sub(s.last_seen) <= SESSION_IDLE_SECS);
        }
        if map.len() >= MAX_SESSIONS
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.last_seen)
                .map(|(k, _)| k.clone())
        {
            map.remove(&oldest);
        }
        map.insert(secret_digest(&cookie), session);
        Ok(cookie)
    }

    /// Adds a pending sign-in to this cookie's session, or to a new session when there is none
    /// (or it expired). Returns the cookie value to set when a new session was made.
    pub(crate) fn add_pending(
        &self,
        cookie: Option<&str>,
        pending: PendingSignIn,
    ) -> Result<Option<String>, RandomError> {
        let now = self.now();
        if let Some(c) = cookie
            && self.get(c).is_some()
        {
            let mut map = self.lock();
            if let Some(session) = map.get_mut(&secret_digest(c)) {
                if session.pending.len() >= MAX_PENDING_PER_SESSION {
                    session.pending.remove(0);
                }
                session.pending.push(pending);
                session.last_seen = now;
                return Ok(None);
            }
        }
        let session = Session {
            pending: vec![pending],
            ..Session::default()
        };
        self.create(session).map(Some)
    }

    /// Removes this cookie's session and returns it.
    pub(crate) fn remove(&self, cookie: &str) -> Option<Session> {
        self.lock().remove(&secret_digest(cookie))
    }

    /// Ends every session whose person the back-channel logout `notice` ends (same service and
    /// subject, signed in at or before the logout, by One Login's clock). Returns how many ended.
    pub fn end_for(&self, notice: &LogoutNotice) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|_, s| !s.person.as_ref().is_some_and(|p| notice.ends(p)));
        before - map.len()
    }

    /// Forgets a session's pending sign-out (its return was checked).
    pub(crate) fn clear_sign_out(&self, cookie: &str) {
        if let Some(session) = self.lock().get_mut(&secret_digest(cookie)) {
            session.sign_out = None;
        }
    }

    /// Replaces a session's pending sign-ins (after one was taken out for a callback).
    pub(crate) fn set_pending(&self, cookie: &str, pending: Vec<PendingSignIn>) {
        if let Some(session) = self.lock().get_mut(&secret_digest(cookie)) {
            session.pending = pending;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use govuk_one_login::TestClock;

    use super::*;

    fn store() -> (SessionStore, TestClock) {
        let clock = TestClock::now();
        (SessionStore::new(Arc::new(clock.clone())), clock)
    }

    #[test]
    fn a_new_session_gets_a_random_cookie_that_finds_it() {
        let (store, _) = store();
        let a = store.create(Session::default()).unwrap();
        let b = store.create(Session::default()).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(store.get(&a).is_some());
        assert!(store.get("not-a-session").is_none());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn the_store_keys_sessions_by_digest_not_by_cookie() {
        let (store, _) = store();
        let cookie = store.create(Session::default()).unwrap();
        assert!(!store.lock().contains_key(&cookie));
    }

    #[test]
    fn an_idle_session_expires() {
        let (store, clock) = store();
        let cookie = store.create(Session::default()).unwrap();
        clock.advance(Duration::from_secs(
            u64::try_from(SESSION_IDLE_SECS).unwrap() + 1,
        ));
        assert!(store.get(&cookie).is_none());
        assert!(store.is_empty());
    }

    #[test]
    fn using_a_session_keeps_it_alive() {
        let (store, clock) = store();
        let cookie = store.create(Session::default()).unwrap();
        for _ in 0..3 {
            clock.advance(Duration::from_secs(40 * 60));
            assert!(store.get(&cookie).is_some());
        }
    }

    #[test]
    fn removed_sessions_are_gone() {
        let (store, _) = store();
        let cookie = store.create(Session::default()).unwrap();
        assert!(store.remove(&cookie).is_some());
        assert!(store.get(&cookie).is_none());
        assert!(store.remove(&cookie).is_none());
    }
}
