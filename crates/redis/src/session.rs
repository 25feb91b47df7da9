//! [`RedisSessionStore`]: signed-in sessions in Redis, with their expiry and the subject index.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login::core::BoxFuture;
use govuk_one_login::{
    SessionKey, SessionLimits, SessionStore, SessionStoreError, StoredSession, StoredSignIn,
    SubjectKey,
};
use govuk_one_login::{StoreRole, metrics};
use redis::Script;
use serde::{Deserialize, Serialize};

use crate::connection::{CommandError, RedisConnection};

const PRELUDE: &str = include_str!("scripts/prelude.lua");

fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}\n{body}"))
}

/// Signed-in sessions every instance shares, within [`SessionLimits`].
///
/// Layout, under the connection's key prefix (every name a digest: nothing personal in them):
/// - `session:{SessionKey}`: a string holding JSON — per sign-in the service name, the
///   [`SubjectKey`], `signed_in_at`, `started_at` and the sealed bytes (AEAD-sealed by the
///   application's `Sealer`: no email, name or token in clear) — plus when it was last used and
///   its save order. Its Redis TTL is the idle lifetime, restarted by every load.
/// - `subject:{SubjectKey}`: a sorted set of the person's session keys scored by save order,
///   for back-channel logout and the cap per subject; its TTL is never shorter than theirs.
/// - `ended:{SubjectKey}`: the person's latest back-channel cut-off, so that a copy of a
///   session written back after the logout cannot bring an ended sign-in back; it lasts the
///   absolute lifetime.
/// - `tick`: the save counter.
///
/// Every operation is one Lua script (`EVALSHA`), so what changes several keys changes them
/// atomically; every one runs under the connection's command timeout and fails with
/// [`SessionStoreError::Unavailable`] (`store: "redis"`) rather than hanging.
///
/// Idle and absolute expiry are checked against the caller's `now` (the router's clock) as well,
/// so a session is never used past its lifetime whatever Redis's clock says.
/// [`SessionLimits::capacity`] does not apply: bound the memory with Redis's own `maxmemory`
/// (with `volatile-ttl` or `volatile-lru`, every key here has a TTL but the counter).
///
/// One primary: the scripts touch keys they compute, which Redis Cluster does not allow across
/// slots.
#[derive(Clone)]
pub struct RedisSessionStore {
    connection: RedisConnection,
    limits: SessionLimits,
    scripts: Arc<Scripts>,
}

struct Scripts {
    load: Script,
    save: Script,
    replace: Script,
    remove: Script,
    end_sign_ins: Script,
}

impl fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("connection", &self.connection)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A session as stored (what [`StoredSession`] becomes in Redis).
#[derive(Serialize, Deserialize)]
struct Value {
    sign_ins: Vec<SignInValue>,
}

#[derive(Serialize, Deserialize)]
struct SignInValue {
    service: String,
    subject: String,
    signed_in_at: String,
    started_at: String,
    sealed: String,
}

impl SignInValue {
    fn of(s: &StoredSignIn) -> Self {
        Self {
            service: s.service.clone(),
            subject: s.subject.as_str().to_owned(),
            signed_in_at: s.signed_in_at.to_string(),
            started_at: s.started_at.to_string(),
            sealed: URL_SAFE_NO_PAD.encode(&s.sealed),
        }
    }

    fn open(self) -> Option<StoredSignIn> {
        Some(StoredSignIn {
            subject: SubjectKey::from_stored(&self.subject)?,
            signed_in_at: self.signed_in_at.parse().ok()?,
            started_at: self.started_at.parse().ok()?,
            sealed: URL_SAFE_NO_PAD.decode(self.sealed).ok()?,
            service: self.service,
        })
    }
}

/// The error of a failed `operation`, logged and counted in `one_login_store_errors_total`.
fn unavailable(operation: &'static str) -> impl FnOnce(CommandError) -> SessionStoreError {
    move |e| {
        tracing::warn!(error = %e, operation, "the redis session store failed");
        metrics::count_store_error(StoreRole::Sessions.as_str(), operation);
        SessionStoreError::Unavailable {
            store: "redis",
            source: Arc::new(e),
        }
    }
}

const CORRUPT: SessionStoreError = SessionStoreError::Corrupt { store: "redis" };

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1_000)
}

impl RedisSessionStore {
    /// A store on `connection` keeping `limits` (give the router the same limits, for the
    /// cookie's lifetime).
    pub fn new(connection: RedisConnection, limits: SessionLimits) -> Self {
        Self {
            connection,
            limits,
            scripts: Arc::new(Scripts {
                load: script(include_str!("scripts/load.lua")),
                save: script(include_str!("scripts/save.lua")),
                replace: script(include_str!("scripts/replace.lua")),
                remove: script(include_str!("scripts/remove.lua")),
                end_sign_ins: script(include_str!("scripts/end_sign_ins.lua")),
            }),
        }
    }

    /// The limits it keeps.
    pub fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    fn session_prefix(&self) -> String {
        self.connection.key("session:")
    }

    fn subject_prefix(&self) -> String {
        self.connection.key("subject:")
    }

    async fn load_now(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> Result<Option<StoredSession>, SessionStoreError> {
        let session_key = self.session_key(key);
        let subject_prefix = self.subject_prefix();
        let limits = self.limits;
        let raw: Option<String> = self
            .connection
            .run(|mut conn| async move {
                self.scripts
                    .load
                    .key(&session_key)
                    .arg(key.as_str())
                    .arg(&subject_prefix)
                    .arg(now)
                    .arg(limits.idle_secs())
                    .arg(limits.absolute_secs())
                    .arg(millis(limits.idle))
                    .invoke_async(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable("load"))?;
        let Some(raw) = raw else {
            return Ok(None);
        };
        let value: Value = serde_json::from_str(&raw).map_err(|_| CORRUPT)?;
        let sign_ins = value
            .sign_ins
            .into_iter()
            .map(SignInValue::open)
            .collect::<Option<Vec<_>>>()
            .ok_or(CORRUPT)?;
        Ok(Some(StoredSession { sign_ins }))
    }

    fn session_key(&self, key: &SessionKey) -> String {
        self.connection.key(&format!("session:{}", key.as_str()))
    }

    /// The sign-ins of `session` still live at `now`, as the scripts take them.
    fn sign_ins_json(&self, session: StoredSession, now: i64) -> Result<String, SessionStoreError> {
        let session = session.live(&self.limits, now);
        let sign_ins: Vec<SignInValue> = session.sign_ins.iter().map(SignInValue::of).collect();
        serde_json::to_string(&sign_ins).map_err(|_| CORRUPT)
    }

    /// The arguments `put` (in the scripts) takes after the member and the sign-ins.
    fn put_args(&self, invocation: &mut redis::ScriptInvocation<'_>, now: i64) {
        invocation
            .arg(self.subject_prefix())
            .arg(self.session_prefix())
            .arg(self.connection.key("ended:"))
            .arg(now)
            .arg(self.limits.idle_secs())
            .arg(millis(self.limits.idle))
            .arg(self.limits.max_per_subject.max(1));
    }

    async fn save_now(
        &self,
        key: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> Result<(), SessionStoreError> {
        let json = self.sign_ins_json(session, now)?;
        let mut invocation = self.scripts.save.key(self.session_key(key));
        invocation
            .key(self.connection.key("tick"))
            .arg(key.as_str())
            .arg(&json);
        self.put_args(&mut invocation, now);
        let invocation = &invocation;
        self.connection
            .run(|mut conn| async move { invocation.invoke_async::<i64>(&mut conn).await })
            .await
            .map_err(unavailable("save"))
            .map(drop)
    }

    async fn replace_now(
        &self,
        old: Option<&SessionKey>,
        new: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> Result<bool, SessionStoreError> {
        let json = self.sign_ins_json(session, now)?;
        let mut invocation = self.scripts.replace.key(self.session_key(new));
        invocation.key(self.connection.key("tick"));
        if let Some(old) = old {
            invocation.key(self.session_key(old));
        }
        invocation.arg(new.as_str()).arg(&json);
        self.put_args(&mut invocation, now);
        if let Some(old) = old {
            invocation.arg(old.as_str());
        }
        let invocation = &invocation;
        let done: i64 = self
            .connection
            .run(|mut conn| async move { invocation.invoke_async(&mut conn).await })
            .await
            .map_err(unavailable("replace"))?;
        Ok(done == 1)
    }

    async fn remove_now(&self, key: &SessionKey) -> Result<(), SessionStoreError> {
        let session_key = self.session_key(key);
        let subject_prefix = self.subject_prefix();
        self.connection
            .run(|mut conn| async move {
                self.scripts
                    .remove
                    .key(&session_key)
                    .arg(key.as_str())
                    .arg(&subject_prefix)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await
            .map_err(unavailable("remove"))
            .map(drop)
    }

    async fn end_now(
        &self,
        subject: &SubjectKey,
        made_at_or_before: i64,
    ) -> Result<usize, SessionStoreError> {
        let mut invocation = self.scripts.end_sign_ins.key(
            self.connection
                .key(&format!("subject:{}", subject.as_str())),
        );
        invocation
            .key(self.connection.key(&format!("ended:{}", subject.as_str())))
            .arg(self.session_prefix())
            .arg(subject.as_str())
            .arg(made_at_or_before)
            .arg(made_at_or_before.saturating_add(self.limits.absolute_secs()))
            .arg(millis(self.limits.absolute));
        let invocation = &invocation;
        let ended: i64 = self
            .connection
            .run(|mut conn| async move { invocation.invoke_async(&mut conn).await })
            .await
            .map_err(unavailable("end_sign_ins"))?;
        Ok(usize::try_from(ended).unwrap_or(0))
    }
}

impl SessionStore for RedisSessionStore {
    fn load(
        &self,
        key: &SessionKey,
        now: i64,
    ) -> BoxFuture<'_, Result<Option<StoredSession>, SessionStoreError>> {
        let key = key.clone();
        Box::pin(async move { self.load_now(&key, now).await })
    }

    fn save(
        &self,
        key: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        let key = key.clone();
        Box::pin(async move { self.save_now(&key, session, now).await })
    }

    fn replace(
        &self,
        old: Option<&SessionKey>,
        new: &SessionKey,
        session: StoredSession,
        now: i64,
    ) -> BoxFuture<'_, Result<bool, SessionStoreError>> {
        let (old, new) = (old.cloned(), new.clone());
        Box::pin(async move { self.replace_now(old.as_ref(), &new, session, now).await })
    }

    fn remove(&self, key: &SessionKey) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        let key = key.clone();
        Box::pin(async move { self.remove_now(&key).await })
    }

    fn end_sign_ins(
        &self,
        subject: &SubjectKey,
        made_at_or_before: i64,
    ) -> BoxFuture<'_, Result<usize, SessionStoreError>> {
        let subject = subject.clone();
        Box::pin(async move { self.end_now(&subject, made_at_or_before).await })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(async move { self.connection.ping().await.map_err(unavailable("ping")) })
    }
}
