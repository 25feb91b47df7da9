//! [`RedisReplayStore`]: used states and logout-token `jti`s, remembered by one atomic
//! `SET NX PX`.

use std::sync::Arc;

use govuk_one_login::core::{BoxFuture, ReplayCheck, ReplayStore, ReplayStoreError};
use govuk_one_login::secret_digest;
use govuk_one_login::{StoreRole, metrics};

use crate::connection::{CommandError, RedisConnection};

/// A [`ReplayStore`] every instance shares: each identifier is one key,
/// `{prefix}{namespace}{digest}`, set with `SET key 1 NX PX ttl` — one atomic command, so of two
/// instances checking the same identifier at once exactly one sees it fresh. The key name holds
/// a SHA-256 digest of the identifier, never the identifier (a logout token's `jti` and issuer,
/// a `state`). Redis forgets the key when its time is up.
///
/// The lifetime is `remember_until - now`, both on the caller's clock, so a difference between
/// the instances' clocks and Redis's own does not shorten it.
#[derive(Debug, Clone)]
pub struct RedisReplayStore {
    connection: RedisConnection,
    namespace: &'static str,
    role: StoreRole,
}

impl RedisReplayStore {
    /// The store for back-channel logout tokens (keys `{prefix}jti:…`).
    pub fn logout_tokens(connection: RedisConnection) -> Self {
        Self {
            connection,
            namespace: "jti:",
            role: StoreRole::LogoutTokens,
        }
    }

    /// The store for used `state` values (keys `{prefix}state:…`).
    pub fn states(connection: RedisConnection) -> Self {
        Self {
            connection,
            namespace: "state:",
            role: StoreRole::States,
        }
    }

    fn key(&self, id: &str) -> String {
        self.connection
            .key(&format!("{}{}", self.namespace, secret_digest(id)))
    }
}

impl RedisReplayStore {
    /// The error of a failed `operation`, logged and counted in `one_login_store_errors_total`.
    fn unavailable(
        &self,
        operation: &'static str,
    ) -> impl FnOnce(CommandError) -> ReplayStoreError {
        let store = self.role.as_str();
        move |e| {
            tracing::warn!(error = %e, store, operation, "the redis replay store failed");
            metrics::count_store_error(store, operation);
            ReplayStoreError::Unavailable {
                store: "redis",
                source: Arc::new(e),
            }
        }
    }
}

/// Milliseconds from `now` to `until`, at least one second (Redis refuses a zero lifetime).
fn ttl_ms(until: i64, now: i64) -> i64 {
    until.saturating_sub(now).max(1).saturating_mul(1_000)
}

impl ReplayStore for RedisReplayStore {
    fn check_and_remember(
        &self,
        id: &str,
        remember_until: i64,
        now: i64,
    ) -> BoxFuture<'_, Result<ReplayCheck, ReplayStoreError>> {
        let key = self.key(id);
        let ttl = ttl_ms(remember_until, now);
        Box::pin(async move {
            let set: Option<String> = self
                .connection
                .run(|mut conn| async move {
                    redis::cmd("SET")
                        .arg(&key)
                        .arg(1)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl)
                        .query_async(&mut conn)
                        .await
                })
                .await
                .map_err(self.unavailable("check_and_remember"))?;
            Ok(match set {
                Some(_) => ReplayCheck::Fresh,
                None => ReplayCheck::Replayed,
            })
        })
    }

    fn forget(&self, id: &str) -> BoxFuture<'_, Result<(), ReplayStoreError>> {
        let key = self.key(id);
        Box::pin(async move {
            self.connection
                .run(|mut conn| async move {
                    redis::cmd("DEL")
                        .arg(&key)
                        .query_async::<i64>(&mut conn)
                        .await
                })
                .await
                .map_err(self.unavailable("forget"))
                .map(drop)
        })
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), ReplayStoreError>> {
        Box::pin(async move {
            self.connection
                .ping()
                .await
                .map_err(self.unavailable("ping"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifetime_is_counted_on_the_callers_clock_and_never_zero() {
        assert_eq!(ttl_ms(1_120, 1_000), 120_000);
        assert_eq!(ttl_ms(1_000, 1_000), 1_000);
        assert_eq!(ttl_ms(900, 1_000), 1_000);
        assert_eq!(ttl_ms(i64::MAX, i64::MIN), i64::MAX);
    }
}
