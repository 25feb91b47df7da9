//! Signed-in sessions kept server-side, behind a store every web integration shares.
//!
//! A browser session holds at most one signed-in person per service, each as a sealed
//! [`SignedIn`] (never clear personal data). The store is keyed by a digest of the session
//! cookie ([`SessionKey`]), so a leaked store holds no usable cookie, and it keeps an index from
//! (service, `sub`) to sessions ([`SubjectKey`], a digest too: nothing personal in key names), so
//! a back-channel logout ends the person's sessions in every browser and on every instance.
//!
//! The trait lives here, below any web framework, so that the in-memory store of
//! `govuk-one-login-axum`, the Redis store of `govuk-one-login-redis` and any later integration
//! share it. Every implementation is expected to honour the same [`SessionLimits`]: the
//! testkit's `session_store_contract` checks one.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use govuk_one_login_core::{BoxFuture, RandomError, random_token, secret_digest};

use crate::seal::{SealError, Sealer};
use crate::signed_in::{LogoutNotice, SignedIn};

/// A browser session's id: the secret the session cookie carries (256 random bits, base64url).
/// Stores never see it, only its [`SessionKey`]. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// A new random id.
    ///
    /// # Errors
    /// [`RandomError`] when the system's random number generator fails.
    pub fn generate() -> Result<Self, RandomError> {
        random_token().map(Self)
    }

    /// The id a browser sent in its cookie, if it has the shape of one (43 base64url characters);
    /// anything else is no session at all.
    pub fn from_cookie(value: &str) -> Option<Self> {
        let well_formed = value.len() == 43
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(value.to_owned()))
    }

    /// The value to put in the cookie.
    pub fn cookie_value(&self) -> &str {
        &self.0
    }

    /// The token a form that changes this session (sign-out) must carry: a digest of the id, so
    /// another site, which cannot read the cookie, cannot make it.
    pub fn csrf_token(&self) -> String {
        secret_digest(&format!("csrf\0{}", self.0))
    }

    /// Whether `token` is this session's [`csrf_token`](Self::csrf_token) (compared in constant
    /// time).
    pub fn csrf_matches(&self, token: &str) -> bool {
        govuk_one_login_core::internal::constant_time_eq(
            self.csrf_token().as_bytes(),
            token.as_bytes(),
        )
    }

    /// The key a store files the session under: a one-way digest of the id.
    pub fn key(&self) -> SessionKey {
        SessionKey(secret_digest(&self.0).into())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId([redacted])")
    }
}

/// What a [`SessionStore`] files a session under: a digest of its [`SessionId`], safe to use as a
/// key name (43 base64url characters). Cheap to clone (the text is shared), so a store can index
/// it in several places.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey(Arc<str>);

impl SessionKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from a store's index (a store's own bookkeeping). `None` unless it has the
    /// shape of a key.
    pub fn from_stored(text: &str) -> Option<Self> {
        is_digest(text).then(|| Self(text.into()))
    }
}

/// One person of one service, as a store indexes them: a digest of (service, `sub`), so that no
/// key name holds the person's identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubjectKey(Arc<str>);

impl SubjectKey {
    /// The key of `sub` in `service`.
    pub fn of(service: &str, sub: &str) -> Self {
        // The service name cannot contain NUL (config validation), so the pair is unambiguous.
        Self(secret_digest(&format!("{service}\0{sub}")).into())
    }

    /// The key of the person a back-channel logout is about.
    pub fn of_notice(notice: &LogoutNotice) -> Self {
        Self::of(notice.service().as_str(), notice.sub())
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key read back from a store's index. `None` unless it has the shape of a key.
    pub fn from_stored(text: &str) -> Option<Self> {
        is_digest(text).then(|| Self(text.into()))
    }
}

fn is_digest(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One service's signed-in person in a session, sealed.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSignIn {
    /// The service's name.
    pub service: String,
    /// Who, as the store indexes them.
    pub subject: SubjectKey,
    /// When One Login signed them in (the ID token's `iat`, One Login's clock): what a
    /// back-channel logout compares with.
    pub signed_in_at: i64,
    /// When this sign-in entered the session (Unix seconds, the store's clock): where its
    /// absolute lifetime starts.
    pub started_at: i64,
    /// The [`SignedIn`], sealed by a [`Sealer`].
    pub sealed: Vec<u8>,
}

impl StoredSignIn {
    /// Seals `signed_in` for a store, starting its lifetime at `now`.
    ///
    /// # Errors
    /// [`SealError`] when sealing fails.
    pub fn seal(sealer: &Sealer, signed_in: &SignedIn, now: i64) -> Result<Self, SealError> {
        Ok(Self {
            service: signed_in.service().as_str().to_owned(),
            subject: SubjectKey::of(signed_in.service().as_str(), signed_in.sub()),
            signed_in_at: signed_in.signed_in_at(),
            started_at: now,
            sealed: sealer.seal(signed_in)?,
        })
    }

    /// The signed-in person, opened (and checked to be the service this entry says).
    ///
    /// # Errors
    /// [`SealError`] when the bytes do not open with the sealer's keys, or hold another
    /// service's person ([`SealError::WrongKind`]).
    pub fn open(&self, sealer: &Sealer) -> Result<SignedIn, SealError> {
        let signed_in: SignedIn = sealer.open(&self.sealed)?;
        if signed_in.service().as_str() != self.service
            || SubjectKey::of(&self.service, signed_in.sub()) != self.subject
        {
            return Err(SealError::WrongKind);
        }
        Ok(signed_in)
    }
}

impl fmt::Debug for StoredSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSignIn")
            .field("service", &self.service)
            .field("signed_in_at", &self.signed_in_at)
            .field("started_at", &self.started_at)
            .field("sealed_bytes", &self.sealed.len())
            .finish_non_exhaustive()
    }
}

/// A browser session: at most one sign-in per service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSession {
    /// The sign-ins, one per service.
    pub sign_ins: Vec<StoredSignIn>,
}

impl StoredSession {
    /// The sign-in of `service`, if any.
    pub fn sign_in(&self, service: &str) -> Option<&StoredSignIn> {
        self.sign_ins.iter().find(|s| s.service == service)
    }

    /// Puts `sign_in` in, replacing any earlier sign-in of the same service.
    pub fn put(&mut self, sign_in: StoredSignIn) {
        self.sign_ins.retain(|s| s.service != sign_in.service);
        self.sign_ins.push(sign_in);
    }

    /// Takes the sign-in of `service` out; whether there was one.
    pub fn remove(&mut self, service: &str) -> bool {
        let before = self.sign_ins.len();
        self.sign_ins.retain(|s| s.service != service);
        before != self.sign_ins.len()
    }

    /// Whether no service is signed in.
    pub fn is_empty(&self) -> bool {
        self.sign_ins.is_empty()
    }

    /// The sign-ins still within their absolute lifetime at `now`.
    pub fn live(mut self, limits: &SessionLimits, now: i64) -> Self {
        let absolute = secs(limits.absolute);
        self.sign_ins
            .retain(|s| now.saturating_sub(s.started_at) <= absolute);
        self
    }
}

/// The rules every [`SessionStore`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionLimits {
    /// A session unused for this long ends. Default 1 hour (One Login's own session lasts an hour).
    pub idle: Duration,
    /// A sign-in ends this long after it entered the session, however busy. Default 12 hours.
    pub absolute: Duration,
    /// The most sessions one person of one service may have at once; past it their oldest ends,
    /// so even a signed-in attacker looping sign-ins cannot fill the store. Default 10.
    pub max_per_subject: usize,
    /// The most sessions a bounded store keeps; past it the least recently used one ends.
    /// Default 100,000. (Only signed-in people have sessions: nothing an anonymous visitor does
    /// makes one.)
    pub capacity: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(60 * 60),
            absolute: Duration::from_secs(12 * 60 * 60),
            max_per_subject: 10,
            capacity: 100_000,
        }
    }
}

impl SessionLimits {
    /// The defaults with another capacity.
    #[must_use]
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The defaults with another idle lifetime.
    #[must_use]
    pub fn with_idle(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// The defaults with another absolute lifetime.
    #[must_use]
    pub fn with_absolute(mut self, absolute: Duration) -> Self {
        self.absolute = absolute;
        self
    }

    /// The defaults with another cap per (service, `sub`).
    #[must_use]
    pub fn with_max_per_subject(mut self, max: usize) -> Self {
        self.max_per_subject = max.max(1);
        self
    }

    /// The idle lifetime in whole seconds.
    pub fn idle_secs(&self) -> i64 {
        secs(self.idle)
    }

    /// The absolute lifetime in whole seconds.
    pub fn absolute_secs(&self) -> i64 {
        secs(self.absolute)
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// The cause a shared store's client gave.
pub type SessionStoreCause = Arc<dyn std::error::Error + Send + Sync>;

/// Why a session store could not answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SessionStoreError {
    /// A shared store (Redis, a database) failed or timed out: retry later.
    #[error("the {store} session store is unavailable: {source}")]
    Unavailable {
        /// Which store (for example `redis`).
        store: &'static str,
        /// What its client said.
        #[source]
        source: SessionStoreCause,
    },
    /// The store holds a value it cannot read back (written by something else, or corrupted).
    #[error("the {store} session store holds a value it cannot read")]
    Corrupt {
        /// Which store.
        store: &'static str,
    },
}

impl SessionStoreError {
    /// A stable code: `session_store.unavailable` or `session_store.corrupt`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => "session_store.unavailable",
            Self::Corrupt { .. } => "session_store.corrupt",
        }
    }

    /// What to do: retry later (both are the store's trouble, not the person's).
    pub fn action(&self) -> crate::Action {
        crate::Action::RetryLater
    }
}

/// Where signed-in sessions live. Implementations: the bounded in-memory store of
/// `govuk-one-login-axum` (one process) and the Redis store of `govuk-one-login-redis` (several
/// instances). Each keeps the [`SessionLimits`] it was built with: idle expiry on every
/// [`load`](SessionStore::load), absolute expiry per sign-in, the cap per subject and (for a
/// bounded store) the capacity.
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The session filed under `key`, if it is live at `now`: touching it restarts its idle
    /// lifetime. Sign-ins past their absolute lifetime are left out (and may be dropped); a
    /// session with none left is `None`.
    fn load(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> BoxFuture<'_, Result<Option<StoredSession>, SessionStoreError>>;

    /// Files `session` under `key` (new or replacing), indexed by each sign-in's subject. When a
    /// subject then has more than [`SessionLimits::max_per_subject`] sessions, its least
    /// recently saved ones end. An empty session is removed.
    fn save(
        &self,
        key: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> BoxFuture<'_, Result<(), SessionStoreError>>;

    /// Moves a browser's session to a new key (the session id changes at every sign-in and
    /// sign-out), in one step: `old` (if any) ends and `session` is filed under `new` as
    /// [`save`](Self::save) files it — unless `old` is given and no longer live (it was signed
    /// out, logged out or rotated by a concurrent request), in which case nothing is written and
    /// the answer is `false`. The caller then starts again from what is live, so a concurrent
    /// sign-out is never undone by a stale copy. An empty `session` only ends `old`.
    fn replace(
        &self,
        old: Option<&SessionKey>,
        new: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> BoxFuture<'_, Result<bool, SessionStoreError>>;

    /// Ends the session filed under `key` (nothing if there is none).
    fn remove(&self, key: &SessionKey) -> BoxFuture<'_, Result<(), SessionStoreError>>;

    /// Ends, in every session, the sign-ins of `subject` made at or before `made_at_or_before`
    /// (their `signed_in_at`, on One Login's clock); a session left with no sign-in ends. Returns
    /// how many sign-ins ended. Sign-ins made later survive.
    ///
    /// The cut-off is also remembered for the subject (for the absolute lifetime): a later
    /// [`save`](Self::save) or [`replace`](Self::replace) drops that subject's sign-ins made at or
    /// before it, so a sign-in finishing while the logout arrived, or a concurrent request
    /// writing back a copy read before it, cannot bring an ended sign-in back.
    fn end_sign_ins(
        &self,
        subject: &SubjectKey,
        made_at_or_before: i64,
    ) -> BoxFuture<'_, Result<usize, SessionStoreError>>;

    /// Whether the store answers now, for a readiness check: a shared store asks its server
    /// (within its timeouts); an in-process store is always reachable, which is the default.
    /// **A shared store must implement it**: with the default, readiness cannot see it fail.
    fn ping(&self) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_random_well_formed_and_redacted() {
        let a = SessionId::generate().unwrap();
        let b = SessionId::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(SessionId::from_cookie(a.cookie_value()), Some(a.clone()));
        assert_eq!(format!("{a:?}"), "SessionId([redacted])");
        assert_ne!(a.key().as_str(), a.cookie_value());
        assert!(a.csrf_matches(&a.csrf_token()));
        assert!(!b.csrf_matches(&a.csrf_token()));
        assert!(!a.csrf_matches(""));
        assert_ne!(a.csrf_token(), a.key().as_str());
        for bad in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}=", &"a".repeat(42)),
        ] {
            assert_eq!(SessionId::from_cookie(bad), None, "{bad}");
        }
    }

    #[test]
    fn subject_keys_hide_the_subject_and_tell_services_apart() {
        let a = SubjectKey::of("a", "urn:fdc:gov.uk:2022:abc");
        assert!(!a.as_str().contains("abc"));
        assert_ne!(a, SubjectKey::of("b", "urn:fdc:gov.uk:2022:abc"));
        assert_eq!(SubjectKey::from_stored(a.as_str()), Some(a));
        assert_eq!(SubjectKey::from_stored("x"), None);
    }

    #[test]
    fn a_session_holds_one_sign_in_per_service_and_drops_those_past_their_lifetime() {
        let entry = |service: &str, started_at| StoredSignIn {
            service: service.into(),
            subject: SubjectKey::of(service, "s"),
            signed_in_at: 0,
            started_at,
            sealed: vec![1],
        };
        let mut session = StoredSession::default();
        session.put(entry("a", 0));
        session.put(entry("a", 5));
        session.put(entry("b", 100));
        assert_eq!(session.sign_ins.len(), 2);
        assert_eq!(session.sign_in("a").map(|s| s.started_at), Some(5));
        let limits = SessionLimits::default().with_absolute(Duration::from_secs(50));
        let live = session.clone().live(&limits, 60);
        assert_eq!(live.sign_ins.len(), 1);
        assert!(session.remove("b"));
        assert!(!session.remove("b"));
    }
}
