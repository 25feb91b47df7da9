//! The in-memory store keeps the session-store contract, and its own bounds.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use govuk_one_login::{
    SessionId, SessionLimits, SessionStore, StoredSession, StoredSignIn, SubjectKey,
};
use govuk_one_login_axum::InMemorySessionStore;

#[tokio::test]
async fn the_in_memory_store_keeps_the_session_store_contract() {
    govuk_one_login_testkit::session_store_contract(|limits| {
        Arc::new(InMemorySessionStore::new(limits)) as Arc<dyn SessionStore>
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
            sealed: vec![1; 32],
        }],
    }
}

#[tokio::test]
async fn past_its_capacity_the_store_ends_the_least_recently_used_session() {
    let store = InMemorySessionStore::new(SessionLimits::default().with_capacity(3));
    let keys: Vec<_> = (0..4)
        .map(|_| SessionId::generate().unwrap().key())
        .collect();
    let now = 1_700_000_000;
    for (i, k) in keys.iter().take(3).enumerate() {
        store
            .save(k, one("s", &format!("p{i}"), now), now)
            .await
            .unwrap();
    }
    // The first is used again, so the second is now the least recently used.
    assert!(store.load(&keys[0], now + 1).await.unwrap().is_some());
    store
        .save(&keys[3], one("s", "p3", now), now + 2)
        .await
        .unwrap();
    assert_eq!(store.len(), 3);
    assert!(store.load(&keys[1], now + 3).await.unwrap().is_none());
    for k in [&keys[0], &keys[2], &keys[3]] {
        assert!(store.load(k, now + 3).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn a_hundred_thousand_sessions_and_their_logouts_stay_fast_and_bounded() {
    // O(log n) per operation: this takes seconds in a debug build; an O(n) scan per insert
    // (the example's old store) would take hours.
    let store = InMemorySessionStore::new(SessionLimits::default().with_capacity(50_000));
    let now = 1_700_000_000;
    for i in 0..100_000 {
        let k = SessionId::generate().unwrap().key();
        store
            .save(&k, one("s", &format!("p{}", i % 10_000), now), now)
            .await
            .unwrap();
    }
    assert_eq!(store.len(), 50_000);
    let ended = store
        .end_sign_ins(&SubjectKey::of("s", "p7"), now)
        .await
        .unwrap();
    // p7 saved a session at 7, 10,007, … 90,007; the least recently used 50,000 went.
    assert_eq!(ended, 5);
}
