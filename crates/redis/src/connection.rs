//! The shared connection: a reconnecting [`ConnectionManager`], the key prefix and the timeouts
//! every command runs under.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use govuk_one_login::core::internal::redact_userinfo;
use govuk_one_login::core::{StoreConfig, StoreKind};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::RedisStoreError;

/// Why one command failed: the client's error or the command timeout. The `source` of every
/// `Unavailable` error this crate gives.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// Redis answered with an error, or the connection failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// No answer within the command timeout.
    #[error("no answer from redis within {} ms", .0.as_millis())]
    TimedOut(Duration),
}

/// One Redis connection for every store of a deployment: cheap to clone (clones share the
/// connection), reconnecting by itself after a failure. Keys are written under its
/// [`key_prefix`](Self::key_prefix); every command gives up after the command timeout.
#[derive(Clone)]
pub struct RedisConnection {
    manager: ConnectionManager,
    prefix: Arc<str>,
    command_timeout: Duration,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The manager's Debug shows the connection info, which may hold a password.
        f.debug_struct("RedisConnection")
            .field("key_prefix", &self.prefix)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// Connects to the Redis the `[store]` table names (kind `redis`), within its connect
    /// timeout. A `rediss://` URL connects over TLS with rustls and the system's roots (the
    /// process-wide aws-lc-rs crypto provider is installed first if none is).
    ///
    /// # Errors
    /// [`RedisStoreError::NotRedis`] for a store of another kind, [`RedisStoreError::NoUrl`],
    /// [`RedisStoreError::BadUrl`], [`RedisStoreError::Connect`] or
    /// [`RedisStoreError::TimedOut`] when the server cannot be reached in time.
    pub async fn connect(config: &StoreConfig) -> Result<Self, RedisStoreError> {
        if config.kind() != StoreKind::Redis {
            return Err(RedisStoreError::NotRedis {
                kind: config.kind().as_str(),
            });
        }
        let url = config.url().ok_or(RedisStoreError::NoUrl)?.expose_secret();
        if url.starts_with("rediss:") {
            // redis-rs's rustls has no provider of its own (redis-rs #1397); an `Err` only
            // means the application installed one already.
            let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        }
        let client = redis::Client::open(url).map_err(|source| RedisStoreError::BadUrl {
            url: redact_userinfo(url),
            source,
        })?;
        let connect_timeout = config.connect_timeout();
        let command_timeout = config.command_timeout();
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(command_timeout))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(1));
        let manager = tokio::time::timeout(
            connect_timeout,
            ConnectionManager::new_with_config(client, manager_config),
        )
        .await
        .map_err(|_| RedisStoreError::TimedOut {
            after: connect_timeout,
        })?
        .map_err(|source| RedisStoreError::Connect { source })?;
        Ok(Self {
            manager,
            prefix: Arc::from(config.key_prefix()),
            command_timeout,
        })
    }

    /// The same connection (shared, not a new one) writing under another key prefix: for a
    /// second deployment on one Redis, or a test that wants a fresh, empty store.
    #[must_use]
    pub fn with_key_prefix(&self, prefix: &str) -> Self {
        Self {
            prefix: Arc::from(prefix),
            ..self.clone()
        }
    }

    /// What every key name starts with.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// How long one command may take.
    pub fn command_timeout(&self) -> Duration {
        self.command_timeout
    }

    /// `PING`, under the command timeout: for a readiness check.
    ///
    /// # Errors
    /// [`CommandError`] when Redis does not answer in time or fails.
    pub async fn ping(&self) -> Result<(), CommandError> {
        self.run(
            |mut conn| async move { redis::cmd("PING").query_async::<String>(&mut conn).await },
        )
        .await
        .map(drop)
    }

    /// The full name of a key: the prefix, then `rest`.
    pub(crate) fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// Runs one command (or script) on a clone of the connection, under the command timeout.
    pub(crate) async fn run<T, F, Fut>(&self, command: F) -> Result<T, CommandError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.command_timeout, command(self.manager.clone())).await {
            Ok(result) => result.map_err(CommandError::Redis),
            Err(_) => Err(CommandError::TimedOut(self.command_timeout)),
        }
    }
}
