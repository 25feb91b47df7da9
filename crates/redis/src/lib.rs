#![doc = include_str!("../README.md")]

mod connection;
mod error;
mod replay;
mod session;
#[cfg(feature = "test-util")]
pub mod test_util;

use std::sync::Arc;

use govuk_one_login::core::{ReplayStore, StoreConfig};
use govuk_one_login::{SessionLimits, SessionStore};

pub use connection::{CommandError, RedisConnection};
pub use error::RedisStoreError;
pub use replay::RedisReplayStore;
pub use session::RedisSessionStore;

/// The three stores a deployment shares, on one [`RedisConnection`]: hand
/// [`replay`](Self::replay) and [`states`](Self::states) to `OneLogin::builder(..)` and
/// [`sessions`](Self::sessions) to the router's builder.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Logout-token `jti`s (`OneLoginBuilder::replay_store`).
    pub replay: Arc<dyn ReplayStore>,
    /// Used `state` values (`OneLoginBuilder::state_store`).
    pub states: Arc<dyn ReplayStore>,
    /// Signed-in sessions (for example `govuk_one_login_axum::AuthBuilder::store`).
    pub sessions: Arc<dyn SessionStore>,
    /// The connection they share (for a readiness check: [`RedisConnection::ping`]).
    pub connection: RedisConnection,
}

impl Stores {
    /// Connects to the Redis of a `[store]` table (`Services::store()`) and builds the stores,
    /// sessions keeping the default [`SessionLimits`].
    ///
    /// # Errors
    /// [`RedisStoreError`] when the table is not of kind `redis`, or Redis cannot be reached
    /// within the connect timeout.
    pub async fn connect(config: &StoreConfig) -> Result<Self, RedisStoreError> {
        Self::connect_with_limits(config, SessionLimits::default()).await
    }

    /// Like [`Stores::connect`], sessions keeping `limits` (give the router the same).
    ///
    /// # Errors
    /// As [`Stores::connect`].
    pub async fn connect_with_limits(
        config: &StoreConfig,
        limits: SessionLimits,
    ) -> Result<Self, RedisStoreError> {
        let connection = RedisConnection::connect(config).await?;
        Ok(Self::on(&connection, limits))
    }

    /// The stores on a connection made already.
    pub fn on(connection: &RedisConnection, limits: SessionLimits) -> Self {
        Self {
            replay: Arc::new(RedisReplayStore::logout_tokens(connection.clone())),
            states: Arc::new(RedisReplayStore::states(connection.clone())),
            sessions: Arc::new(RedisSessionStore::new(connection.clone(), limits)),
            connection: connection.clone(),
        }
    }
}
