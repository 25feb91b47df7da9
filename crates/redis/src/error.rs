//! Why the stores could not be built.

use std::time::Duration;

/// Why [`Stores::connect`](crate::Stores::connect) (or [`RedisConnection::connect`](crate::RedisConnection::connect))
/// failed. `Display` never shows a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The `[store]` table names another kind of store (`memory`): there is nothing to connect to.
    #[error("the [store] table says kind = \"{kind}\", not \"redis\"")]
    NotRedis {
        /// The kind it names.
        kind: &'static str,
    },
    /// A redis store without a URL (a `StoreConfig` built in code without one).
    #[error("the redis store has no URL")]
    NoUrl,
    /// The URL is not one the Redis client accepts.
    #[error("the redis URL {url} is not valid: {source}")]
    BadUrl {
        /// The URL, with any password redacted.
        url: String,
        /// What the client said.
        #[source]
        source: redis::RedisError,
    },
    /// Redis could not be reached, or refused the connection (a wrong password, a TLS failure).
    #[error("cannot connect to redis: {source}")]
    Connect {
        /// What the client said.
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer within the connect timeout.
    #[error("redis did not answer within {} ms", .after.as_millis())]
    TimedOut {
        /// The connect timeout.
        after: Duration,
    },
}

impl RedisStoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRedis { .. } => "redis_store.not_redis",
            Self::NoUrl => "redis_store.no_url",
            Self::BadUrl { .. } => "redis_store.bad_url",
            Self::Connect { .. } => "redis_store.connect",
            Self::TimedOut { .. } => "redis_store.timed_out",
        }
    }
}
