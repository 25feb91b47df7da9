//! The Redis session store keeps the session-store contract against a real `redis-server`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use govuk_one_login::{
    SessionId, SessionLimits, SessionStore, StoredSession, StoredSignIn, SubjectKey,
};
use govuk_one_login_redis::RedisSessionStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_store_keeps_the_session_store_contract() {
    let Some(redis) = common::server() else {
        return;
    };
    let connection = redis.connect("unused:").await;
    govuk_one_login_testkit::session_store_contract(|limits| {
        let fresh = connection.with_key_prefix(&common::fresh_prefix());
        Arc::new(RedisSessionStore::new(fresh, limits)) as Arc<dyn SessionStore>
    })
    .await;
}

fn one(service: &str, sub: &str, now: i64) -> StoredSession {
    StoredSession {
        sign_ins: vec![StoredSignIn {
            service: service.into(),
            subject: SubjectKey::of(service, sub),
            signed_in_at: now,
            started_at: now,
            sealed: vec![9; 48],
        }],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_their_index_expire_in_redis_itself_and_name_nobody() {
    let Some(redis) = common::server() else {
        return;
    };
    let prefix = common::fresh_prefix();
    let limits = SessionLimits::default().with_idle(Duration::from_secs(600));
    let store = RedisSessionStore::new(redis.connect(&prefix).await, limits);
    let key = SessionId::generate().unwrap().key();
    let now = 1_700_000_000;
    store
        .save(&key, one("apply", "urn:fdc:gov.uk:2022:person", now), now)
        .await
        .unwrap();
    let mut conn = redis.raw().await;
    for (key, _) in redis.dump(&prefix).await {
        assert!(!key.contains("urn:fdc"), "{key}");
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        if key.ends_with("tick") {
            assert_eq!(ttl, -1, "the save counter is kept");
        } else {
            assert!((590_000..=600_000).contains(&ttl), "{key}: {ttl}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_fails_every_operation_within_the_timeout_and_loses_nothing() {
    let Some(redis) = common::server() else {
        return;
    };
    let store = RedisSessionStore::new(
        redis.connect(&common::fresh_prefix()).await,
        SessionLimits::default(),
    );
    let key = SessionId::generate().unwrap().key();
    let now = 1_700_000_000;
    store.save(&key, one("s", "p", now), now).await.unwrap();
    redis.pause();
    let started = Instant::now();
    let subject = SubjectKey::of("s", "p");
    let errors = [
        store.load(&key, now).await.map(drop).unwrap_err(),
        store.save(&key, one("s", "p", now), now).await.unwrap_err(),
        store
            .replace(Some(&key), &key, one("s", "p", now), now)
            .await
            .map(drop)
            .unwrap_err(),
        store.remove(&key).await.unwrap_err(),
        store
            .end_sign_ins(&subject, now)
            .await
            .map(drop)
            .unwrap_err(),
    ];
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    for e in &errors {
        assert_eq!(e.code(), "session_store.unavailable", "{e}");
    }
    redis.resume();
    let mut found = None;
    for _ in 0..50 {
        if let Ok(session) = store.load(&key, now + 1).await {
            found = session;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, Some(one("s", "p", now)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_written_by_something_else_is_reported_corrupt_not_trusted() {
    let Some(redis) = common::server() else {
        return;
    };
    let prefix = common::fresh_prefix();
    let store = RedisSessionStore::new(redis.connect(&prefix).await, SessionLimits::default());
    let key = SessionId::generate().unwrap().key();
    let mut conn = redis.raw().await;
    for planted in [
        "not json",
        r#"{"seen":"1700000000","sign_ins":[{"service":"s","subject":"short","signed_in_at":"1","started_at":"1700000000","sealed":""}]}"#,
    ] {
        let _: () = redis::cmd("SET")
            .arg(format!("{prefix}session:{}", key.as_str()))
            .arg(planted)
            .query_async(&mut conn)
            .await
            .unwrap();
        let err = store.load(&key, 1_700_000_000).await.unwrap_err();
        assert_eq!(err.code(), "session_store.corrupt", "{planted}");
    }
    store.remove(&key).await.unwrap();
    assert_eq!(store.load(&key, 1_700_000_000).await.unwrap(), None);
}
