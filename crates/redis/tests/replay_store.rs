//! The Redis replay store against a real `redis-server`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use govuk_one_login::core::{ReplayCheck, ReplayStore, StoreConfig};
use govuk_one_login_redis::{RedisReplayStore, RedisStoreError, Stores};

const NOW: i64 = 1_700_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_is_fresh_once_then_replayed_until_forgotten() {
    let Some(redis) = common::server() else {
        return;
    };
    let store = RedisReplayStore::logout_tokens(redis.connect(&common::fresh_prefix()).await);
    let id = "logout-jti https://oidc.example/ jti-1";
    assert_eq!(
        store.check_and_remember(id, NOW + 300, NOW).await,
        Ok(ReplayCheck::Fresh)
    );
    assert_eq!(
        store.check_and_remember(id, NOW + 300, NOW + 1).await,
        Ok(ReplayCheck::Replayed)
    );
    store.forget(id).await.unwrap();
    assert_eq!(
        store.check_and_remember(id, NOW + 300, NOW + 2).await,
        Ok(ReplayCheck::Fresh)
    );
    store.forget("never seen").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_instances_checking_one_id_at_once_see_it_fresh_exactly_once() {
    let Some(redis) = common::server() else {
        return;
    };
    let connection = redis.connect(&common::fresh_prefix()).await;
    let store: Arc<dyn ReplayStore> = Arc::new(RedisReplayStore::states(connection));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .check_and_remember("state:the-same", NOW + 60, NOW)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut fresh = 0;
    for task in tasks {
        if task.await.unwrap() == ReplayCheck::Fresh {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn states_and_logout_tokens_are_kept_apart_under_digests_with_a_ttl() {
    let Some(redis) = common::server() else {
        return;
    };
    let prefix = common::fresh_prefix();
    let connection = redis.connect(&prefix).await;
    let jtis = RedisReplayStore::logout_tokens(connection.clone());
    let states = RedisReplayStore::states(connection);
    let id = "logout-jti https://oidc.example/ secret-jti-value";
    assert_eq!(
        jtis.check_and_remember(id, NOW + 120, NOW).await,
        Ok(ReplayCheck::Fresh)
    );
    assert_eq!(
        states.check_and_remember(id, NOW + 120, NOW).await,
        Ok(ReplayCheck::Fresh)
    );
    let keys = redis.dump(&prefix).await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[0].0.starts_with(&format!("{prefix}jti:")), "{keys:?}");
    assert!(
        keys[1].0.starts_with(&format!("{prefix}state:")),
        "{keys:?}"
    );
    for (key, _) in &keys {
        assert!(
            !key.contains("secret-jti-value") && !key.contains("oidc"),
            "{key}"
        );
        let mut conn = redis.raw().await;
        let ttl: i64 = redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!((110_000..=120_000).contains(&ttl), "{key}: {ttl}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_is_a_typed_error_within_the_timeout_and_then_works_again() {
    let Some(redis) = common::server() else {
        return;
    };
    let store = RedisReplayStore::logout_tokens(redis.connect(&common::fresh_prefix()).await);
    assert_eq!(
        store.check_and_remember("before", NOW + 60, NOW).await,
        Ok(ReplayCheck::Fresh)
    );
    redis.pause();
    let started = Instant::now();
    let err = store
        .check_and_remember("during", NOW + 60, NOW)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.code(), "replay_store.unavailable");
    assert!(err.to_string().contains("redis"), "{err}");
    assert!(store.forget("during").await.is_err());
    redis.resume();
    let mut answered = None;
    for _ in 0..50 {
        if let Ok(check) = store.check_and_remember("before", NOW + 60, NOW).await {
            answered = Some(check);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        answered,
        Some(ReplayCheck::Replayed),
        "what was stored is still there"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_refuses_a_memory_table_and_an_unreachable_server_in_time() {
    let not_redis = Stores::connect(&StoreConfig::default()).await.unwrap_err();
    assert!(matches!(
        not_redis,
        RedisStoreError::NotRedis { kind: "memory" }
    ));
    assert_eq!(not_redis.code(), "redis_store.not_redis");
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = StoreConfig::redis(format!("redis://:hunter2@127.0.0.1:{port}/"))
        .with_timeouts(Duration::from_millis(500), Duration::from_millis(200));
    let started = Instant::now();
    let err = Stores::connect(&config).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.code(), "redis_store.connect" | "redis_store.timed_out"),
        "{err}"
    );
    assert!(!err.to_string().contains("hunter2"), "{err}");
    let bad = Stores::connect(&StoreConfig::redis("redis://[::1"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "redis_store.bad_url", "{bad}");
}
