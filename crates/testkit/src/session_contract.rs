//! What every `SessionStore` must do, as one check any implementation's tests can run.

use std::time::Duration;

use govuk_one_login::{
    SessionId, SessionKey, SessionLimits, SessionStore, StoredSession, StoredSignIn, SubjectKey,
};

fn sign_in(service: &str, sub: &str, signed_in_at: i64, started_at: i64) -> StoredSignIn {
    StoredSignIn {
        service: service.to_owned(),
        subject: SubjectKey::of(service, sub),
        signed_in_at,
        started_at,
        sealed: vec![7; 64],
    }
}

fn session(sign_ins: Vec<StoredSignIn>) -> StoredSession {
    StoredSession { sign_ins }
}

fn key() -> SessionKey {
    match SessionId::generate() {
        Ok(id) => id.key(),
        Err(e) => panic!("random: {e}"),
    }
}

async fn load(store: &dyn SessionStore, key: &SessionKey, now: i64) -> Option<StoredSession> {
    match store.load(key, now).await {
        Ok(found) => found,
        Err(e) => panic!("load failed: {e}"),
    }
}

async fn save(store: &dyn SessionStore, key: &SessionKey, value: StoredSession, now: i64) {
    if let Err(e) = store.save(key, value, now).await {
        panic!("save failed: {e}");
    }
}

/// Checks that a [`SessionStore`] keeps the contract `govuk-one-login-axum` relies on: what is
/// saved loads back whole; `replace` moving a live session and refusing a stale one; removal, idle expiry (restarted by each load) and absolute expiry per
/// sign-in; the cap per (service, `sub`) ending the least recently saved sessions; and
/// back-channel logout ending, in every session, only the subject's sign-ins made at or before
/// the cut-off, and remembering it against sign-ins saved later. `make` builds an empty store keeping the limits it is given (each call a fresh,
/// empty store: for a shared store, a fresh key prefix).
///
/// `govuk-one-login-axum`'s tests run it against its `InMemorySessionStore`; a shared store's
/// tests run it against a real server.
///
/// # Panics
/// On the first broken rule, saying which.
pub async fn session_store_contract<F>(make: F)
where
    F: Fn(SessionLimits) -> std::sync::Arc<dyn SessionStore>,
{
    let limits = SessionLimits::default()
        .with_idle(Duration::from_secs(100))
        .with_absolute(Duration::from_secs(1_000))
        .with_max_per_subject(2);
    let t0 = 1_700_000_000;

    // Saved, loaded back whole; removed, gone.
    let store = make(limits);
    let store = store.as_ref();
    let a = key();
    let value = session(vec![
        sign_in("s1", "alice", t0, t0),
        sign_in("s2", "alice", t0, t0),
    ]);
    save(store, &a, value.clone(), t0).await;
    assert_eq!(
        load(store, &a, t0).await,
        Some(value),
        "a saved session loads back whole"
    );
    assert_eq!(
        load(store, &key(), t0).await,
        None,
        "an unknown key is no session"
    );
    if let Err(e) = store.remove(&a).await {
        panic!("remove failed: {e}");
    }
    assert_eq!(load(store, &a, t0).await, None, "a removed session is gone");
    save(store, &a, StoredSession::default(), t0).await;
    assert_eq!(
        load(store, &a, t0).await,
        None,
        "an empty session is not kept"
    );

    // Replace: the old key ends and the new one holds the session, unless the old one is gone.
    let store = make(limits);
    let store = store.as_ref();
    let (old, new, late) = (key(), key(), key());
    let value = session(vec![sign_in("s1", "hal", t0, t0)]);
    save(store, &old, value.clone(), t0).await;
    let replaced = store.replace(Some(&old), &new, value.clone(), t0 + 1).await;
    assert!(matches!(replaced, Ok(true)), "a live session is replaced");
    assert_eq!(load(store, &old, t0 + 1).await, None, "the old key ends");
    assert_eq!(
        load(store, &new, t0 + 1).await,
        Some(value.clone()),
        "the new key holds it"
    );
    let stale = store
        .replace(Some(&old), &late, value.clone(), t0 + 2)
        .await;
    assert!(matches!(stale, Ok(false)), "a stale copy is refused");
    assert_eq!(
        load(store, &late, t0 + 2).await,
        None,
        "and nothing is written"
    );
    let fresh = store.replace(None, &late, value.clone(), t0 + 2).await;
    assert!(matches!(fresh, Ok(true)), "no old key: a new session");
    let emptied = store
        .replace(Some(&late), &key(), StoredSession::default(), t0 + 3)
        .await;
    assert!(
        matches!(emptied, Ok(true)),
        "an empty session only ends the old key"
    );
    assert_eq!(load(store, &late, t0 + 3).await, None);

    // Idle expiry, restarted by each load.
    let store = make(limits);
    let store = store.as_ref();
    let busy = key();
    let idle = key();
    save(
        store,
        &busy,
        session(vec![sign_in("s1", "bob", t0, t0)]),
        t0,
    )
    .await;
    save(
        store,
        &idle,
        session(vec![sign_in("s1", "carol", t0, t0)]),
        t0,
    )
    .await;
    for step in 1..=3 {
        assert!(
            load(store, &busy, t0 + step * 90).await.is_some(),
            "loading restarts the idle lifetime"
        );
    }
    assert_eq!(
        load(store, &idle, t0 + 270).await,
        None,
        "an idle session ends"
    );

    // Absolute expiry per sign-in, however busy.
    let store = make(limits);
    let store = store.as_ref();
    let k = key();
    let early = sign_in("s1", "dan", t0, t0);
    let late = sign_in("s2", "dan", t0 + 500, t0 + 500);
    save(store, &k, session(vec![early, late.clone()]), t0 + 500).await;
    let mut now = t0 + 500;
    while now < t0 + 1_050 {
        now += 90;
        let _ = load(store, &k, now).await;
    }
    assert_eq!(
        load(store, &k, now).await,
        Some(session(vec![late])),
        "a sign-in past its absolute lifetime is left out; the later one stays"
    );

    // The cap per subject ends the least recently saved sessions.
    let store = make(limits);
    let store = store.as_ref();
    let keys: Vec<SessionKey> = (0..4).map(|_| key()).collect();
    for (i, k) in keys.iter().enumerate() {
        let other = sign_in("s2", &format!("other-{i}"), t0, t0);
        save(
            store,
            k,
            session(vec![sign_in("s1", "eve", t0, t0), other]),
            t0 + 1,
        )
        .await;
    }
    let mut eve = Vec::new();
    for k in &keys {
        let found = load(store, k, t0 + 2).await;
        eve.push(found.is_some_and(|s| s.sign_in("s1").is_some()));
    }
    assert_eq!(
        eve,
        [false, false, true, true],
        "only the newest two keep eve's sign-in"
    );
    assert!(
        load(store, &keys[0], t0 + 2).await.is_some(),
        "a capped session keeps its other services' sign-ins"
    );

    // Back-channel logout: the subject's sign-ins made at or before the cut-off, everywhere.
    let store = make(limits.with_max_per_subject(10));
    let store = store.as_ref();
    let (laptop, phone, tablet, stranger) = (key(), key(), key(), key());
    save(
        store,
        &laptop,
        session(vec![sign_in("s1", "fay", t0, t0)]),
        t0,
    )
    .await;
    let phone_value = session(vec![
        sign_in("s1", "fay", t0 + 5, t0),
        sign_in("s2", "fay", t0, t0),
    ]);
    save(store, &phone, phone_value, t0).await;
    save(
        store,
        &tablet,
        session(vec![sign_in("s1", "fay", t0 + 60, t0)]),
        t0,
    )
    .await;
    save(
        store,
        &stranger,
        session(vec![sign_in("s1", "gus", t0, t0)]),
        t0,
    )
    .await;
    let ended = match store
        .end_sign_ins(&SubjectKey::of("s1", "fay"), t0 + 10)
        .await
    {
        Ok(n) => n,
        Err(e) => panic!("end_sign_ins failed: {e}"),
    };
    assert_eq!(
        ended, 2,
        "two of fay's s1 sign-ins were made before the cut-off"
    );
    assert_eq!(
        load(store, &laptop, t0 + 1).await,
        None,
        "a session left empty ends"
    );
    assert_eq!(
        load(store, &phone, t0 + 1).await,
        Some(session(vec![sign_in("s2", "fay", t0, t0)])),
        "another service's sign-in of the same person stays"
    );
    assert!(
        load(store, &tablet, t0 + 1).await.is_some(),
        "a later sign-in survives"
    );
    assert!(
        load(store, &stranger, t0 + 1).await.is_some(),
        "another person is untouched"
    );
    let again = store
        .end_sign_ins(&SubjectKey::of("s1", "fay"), t0 + 10)
        .await;
    assert!(matches!(again, Ok(0)), "ending again ends nothing");
    // The cut-off is remembered: a copy written back afterwards, or a sign-in that was finishing
    // while the logout arrived, cannot bring an ended sign-in back; a later sign-in can be saved.
    let (stale, later) = (key(), key());
    save(
        store,
        &stale,
        session(vec![sign_in("s1", "fay", t0 + 3, t0)]),
        t0 + 20,
    )
    .await;
    assert_eq!(
        load(store, &stale, t0 + 20).await,
        None,
        "an ended sign-in is not saved again"
    );
    save(
        store,
        &later,
        session(vec![sign_in("s1", "fay", t0 + 11, t0 + 20)]),
        t0 + 20,
    )
    .await;
    assert!(
        load(store, &later, t0 + 20).await.is_some(),
        "a sign-in after the cut-off is"
    );
}
