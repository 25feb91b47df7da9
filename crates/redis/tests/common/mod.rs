//! A throwaway `redis-server` per test, and the pieces the tests share.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub(crate) mod instances;

use govuk_one_login_redis::{RedisConnection, test_util};

/// The throwaway `redis-server` of `govuk_one_login_redis::test_util`, with the readers the
/// tests use to look at what the stores wrote.
pub(crate) struct RedisServer(test_util::RedisServer);

impl std::ops::Deref for RedisServer {
    type Target = test_util::RedisServer;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// A fresh server, or `None` (after printing SKIPPED) when `redis-server` is not installed. With
/// `CI` set, a missing `redis-server` fails the test instead.
pub(crate) fn server() -> Option<RedisServer> {
    test_util::RedisServer::start().map(RedisServer)
}

impl RedisServer {
    /// A connection under `prefix`.
    pub(crate) async fn connect(&self, prefix: &str) -> RedisConnection {
        RedisConnection::connect(&self.store(prefix)).await.unwrap()
    }

    /// A plain client connection, to read what the stores wrote.
    pub(crate) async fn raw(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// Every key under `prefix` with its value as text (strings, hashes and sorted sets).
    pub(crate) async fn dump(&self, prefix: &str) -> Vec<(String, String)> {
        let mut conn = self.raw().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap();
        let mut out = Vec::new();
        for key in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap();
            let value: Vec<String> = match kind.as_str() {
                "string" => vec![
                    redis::cmd("GET")
                        .arg(&key)
                        .query_async(&mut conn)
                        .await
                        .unwrap(),
                ],
                "hash" => redis::cmd("HGETALL")
                    .arg(&key)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
                "zset" => redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut conn)
                    .await
                    .unwrap(),
                other => vec![format!("<{other}>")],
            };
            out.push((key, value.join(" ")));
        }
        out.sort();
        out
    }
}

/// A key prefix no other test uses.
pub(crate) fn fresh_prefix() -> String {
    format!(
        "t{}:",
        govuk_one_login::random_token().unwrap()[..12].replace(['-', '_'], "x")
    )
}
