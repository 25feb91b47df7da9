//! Warm-up and refresh ahead of expiry, through the counting in-memory transport, on a
//! `TestClock`.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use govuk_one_login_core::{Environment, TestClock};
use govuk_one_login_discovery::{
    CachePolicy, DiscoveryError, DocumentKind, ProviderRegistry, RefreshStatus,
};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// One Login's lifetimes less the default five-minute margin.
const DID_DUE: i64 = 3_600 - 300;
const JWKS_DUE: i64 = 86_400 - 300;

async fn yield_a_while() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

fn status_503() -> DiscoveryError {
    DiscoveryError::Status {
        url: "https://identity.integration.account.gov.uk/.well-known/did.json".into(),
        status: 503,
        body_excerpt: "down".into(),
    }
}

#[tokio::test]
async fn warm_up_fetches_every_document_once() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let report = cache.warm_up().await;
    assert!(report.is_complete(), "{report:?}");
    assert!(report.is_ready());
    assert_eq!(report.errors().count(), 0);
    assert_eq!(
        (
            fake.count(DISCOVERY),
            fake.count(JWKS),
            fake.count(DID_PATH)
        ),
        (1, 1, 1)
    );
    // Everything is now served from the cache.
    cache.keys_for_kid(Some("k1")).await.unwrap();
    cache
        .did_document_for_kid(&format!("{DID}#d1"))
        .await
        .unwrap();
    assert!(cache.warm_up().await.is_complete());
    assert_eq!(fake.total(), 3);
}

#[tokio::test]
async fn warm_up_reports_a_missing_did_document_and_leaves_the_decision_to_the_caller() {
    let fake = FakeProvider::one_login();
    fake.route(DID_PATH, Route::status(404, "not found"));
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let report = cache.warm_up().await;
    assert!(
        report.is_ready(),
        "sign-in needs only discovery and the JWKS"
    );
    assert!(!report.is_complete());
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, DocumentKind::DidDocument);
    assert_eq!(errors[0].1.code(), "discovery.status");
    // Never cached, so never refreshed: a provider without a DID document costs one request.
    clock.advance(secs(10 * 86_400));
    let outcome = cache.refresh_due().await;
    assert_eq!(outcome.did, RefreshStatus::NotCached);
    assert_eq!(fake.count(DID_PATH), 1);
}

#[tokio::test]
async fn warm_up_reports_each_document_on_its_own() {
    let fake = FakeProvider::one_login();
    fake.route(DISCOVERY, Route::status(503, "maintenance"));
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let report = cache.warm_up().await;
    let expected = DiscoveryError::Status {
        url: "https://oidc.integration.account.gov.uk/.well-known/openid-configuration".into(),
        status: 503,
        body_excerpt: "maintenance".into(),
    };
    assert_eq!(report.discovery, Err(expected.clone()));
    assert_eq!(report.jwks, Err(expected), "the JWKS's URL is in discovery");
    assert_eq!(report.did, Ok(()));
    assert!(!report.is_ready());
    assert_eq!(fake.count(DISCOVERY), 1, "the JWKS shares the one failure");
    assert_eq!(fake.count(JWKS), 0);
}

#[tokio::test]
async fn refresh_due_does_nothing_while_documents_are_fresh() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let outcome = cache.refresh_due().await;
    assert!(
        outcome
            .iter()
            .all(|(_, status)| *status == RefreshStatus::NotCached),
        "{outcome:?}"
    );
    assert_eq!(fake.total(), 0, "nothing is fetched that was never used");

    cache.warm_up().await;
    for at in [0, 1, 60, DID_DUE - 1] {
        clock.set(T0 + at);
        let outcome = cache.refresh_due().await;
        assert!(
            outcome
                .iter()
                .all(|(_, status)| *status == RefreshStatus::NotDue),
            "{outcome:?}"
        );
    }
    assert_eq!(fake.total(), 3, "only the warm-up's requests");
    assert_eq!(cache.stats().did.refreshes_ahead, 0);
}

#[tokio::test]
async fn refresh_due_refreshes_documents_before_they_expire() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.warm_up().await;

    // The DID document is due five minutes before its hour is up; it has a new key by then.
    fake.route(
        DID_PATH,
        Route::json(
            &did_document(&[("d1", 0), ("d2", 1)]),
            Some("max-age=3600, private"),
        ),
    );
    clock.set(T0 + DID_DUE);
    let outcome = cache.refresh_due().await;
    assert_eq!(outcome.did, RefreshStatus::Refreshed);
    assert_eq!(outcome.discovery, RefreshStatus::NotDue);
    assert_eq!(outcome.jwks, RefreshStatus::NotDue);
    assert_eq!(fake.count(DID_PATH), 2);
    cache
        .did_document_for_kid(&format!("{DID}#d2"))
        .await
        .unwrap();
    assert_eq!(fake.count(DID_PATH), 2, "the new key was seen before use");
    assert_eq!(cache.next_refresh_at(), Some(T0 + 2 * DID_DUE));

    // A week of a refresh loop: the JWKS gains a key, nothing is ever used expired.
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k1", 0), ("k2", 1)]), Some("max-age=86400")),
    );
    let end = T0 + 7 * 86_400;
    while let Some(at) = cache.next_refresh_at()
        && at <= end
    {
        clock.set(at);
        let outcome = cache.refresh_due().await;
        assert_eq!(outcome.failures().count(), 0, "{outcome:?}");
        cache.keys().await.unwrap();
        cache.did_document().await.unwrap();
    }
    cache.keys_for_kid(Some("k2")).await.unwrap();
    let stats = cache.stats();
    assert_eq!(stats.jwks.unknown_kid_refreshes, 0);
    assert_eq!(stats.jwks.refreshes_ahead, 7, "every 86,100 s");
    assert_eq!(stats.discovery.refreshes_ahead, 7);
    assert_eq!(stats.did.refreshes_ahead, 183, "every 3,300 s");
    for doc in [stats.discovery, stats.jwks, stats.did] {
        assert_eq!(
            doc.requests,
            1 + doc.refreshes_ahead,
            "no lookup found an expired copy"
        );
        assert_eq!(doc.stale_serves, 0);
    }
}

#[tokio::test]
async fn a_failed_refresh_ahead_is_reported_keeps_the_copy_and_waits_for_the_pause() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.warm_up().await;
    fake.route(DID_PATH, Route::status(503, "down"));
    clock.set(T0 + DID_DUE);
    let outcome = cache.refresh_due().await;
    assert_eq!(outcome.did, RefreshStatus::Failed(status_503()));
    let failures: Vec<_> = outcome.failures().collect();
    assert_eq!(failures, [(DocumentKind::DidDocument, &status_503())]);
    cache.did_document().await.unwrap();
    assert_eq!(fake.count(DID_PATH), 2, "the copy is still fresh");
    assert_eq!(cache.stats().did.stale_serves, 0);

    let retry_at = T0 + DID_DUE + 30;
    assert_eq!(cache.next_refresh_at(), Some(retry_at));
    clock.set(retry_at - 1);
    assert_eq!(
        cache.refresh_due().await.did,
        RefreshStatus::Paused { retry_at }
    );
    assert_eq!(fake.count(DID_PATH), 2);

    fake.route(
        DID_PATH,
        Route::json(&did_document(&[("d1", 0)]), Some("max-age=3600, private")),
    );
    clock.set(retry_at);
    assert_eq!(cache.refresh_due().await.did, RefreshStatus::Refreshed);
    assert_eq!(fake.count(DID_PATH), 3);
    assert_eq!(cache.next_refresh_at(), Some(retry_at + DID_DUE));
}

#[tokio::test]
async fn concurrent_refresh_due_calls_make_one_request_per_document() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let registry = ProviderRegistry::new();
    let env = Environment::integration();
    // A hundred services of one issuer, each with its own refresh loop, one shared cache.
    let caches: Vec<_> = (0..100)
        .map(|_| registry.cache_for(&env, || cache(&fake, &clock)))
        .collect();
    assert!(caches[0].warm_up().await.is_complete());
    clock.set(T0 + JWKS_DUE);
    fake.close_gate();
    let tasks: Vec<_> = caches
        .into_iter()
        .map(|cache| tokio::spawn(async move { cache.refresh_due().await }))
        .collect();
    while fake.started() < 2 {
        tokio::task::yield_now().await;
    }
    yield_a_while().await;
    fake.open_gate();
    for task in tasks {
        let outcome = task.await.unwrap();
        for (document, status) in outcome.iter() {
            assert!(
                matches!(status, RefreshStatus::Refreshed | RefreshStatus::NotDue),
                "{document}: {status:?}"
            );
        }
    }
    assert_eq!(
        (
            fake.count(DISCOVERY),
            fake.count(JWKS),
            fake.count(DID_PATH)
        ),
        (2, 2, 2)
    );
}

#[tokio::test]
async fn a_key_published_while_a_refresh_ahead_is_under_way_is_still_accepted() {
    let fake = FakeProvider::one_login();
    fake.route(JWKS, Route::json(&jwks(&[("k1", 0)]), Some("max-age=3600")));
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    clock.set(T0 + DID_DUE);
    fake.close_gate();
    let ahead = {
        let cache = cache.clone();
        tokio::spawn(async move { cache.refresh_due().await })
    };
    while fake.started() < 3 {
        tokio::task::yield_now().await;
    }
    // The refresh ahead has its answer (without k2) when k2 is published and used.
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k1", 0), ("k2", 1)]), Some("max-age=3600")),
    );
    let lookup = {
        let cache = cache.clone();
        tokio::spawn(async move { cache.keys_for_kid(Some("k2")).await })
    };
    yield_a_while().await;
    fake.open_gate();
    assert_eq!(ahead.await.unwrap().jwks, RefreshStatus::Refreshed);
    let keys = lookup.await.unwrap().unwrap();
    assert!(
        keys.get("k2").is_some(),
        "the lookup did not settle for the older fetch"
    );
    assert_eq!(fake.count(JWKS), 3);
    assert_eq!(cache.stats().jwks.unknown_kid_refreshes, 1);
}

#[tokio::test]
async fn next_refresh_at_is_the_earliest_due_time_by_the_cache_clock() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    assert_eq!(cache.next_refresh_at(), None, "nothing cached yet");
    cache.keys().await.unwrap();
    assert_eq!(cache.next_refresh_at(), Some(T0 + JWKS_DUE));
    clock.advance(secs(100));
    cache.did_document().await.unwrap();
    assert_eq!(cache.next_refresh_at(), Some(T0 + 100 + DID_DUE));
}

#[tokio::test]
async fn next_refresh_at_follows_the_jitter_the_lifetime_cap_and_a_zero_margin() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let jittered = CachePolicy {
        refresh_jitter: secs(60),
        ..CachePolicy::default()
    };
    let cache = cache_with(&fake, &clock, jittered.clone());
    cache.did_document().await.unwrap();
    assert_eq!(cache.next_refresh_at(), Some(T0 + DID_DUE - 60));

    // A 60-second document: the margin is a tenth of it, and so is the most jitter.
    fake.route(
        DISCOVERY,
        Route::json(&discovery_document(ISSUER), Some("no-store")),
    );
    let cache = cache_with(&fake, &clock, CachePolicy::default());
    cache.metadata().await.unwrap();
    assert_eq!(cache.next_refresh_at(), Some(T0 + 54));
    let cache = cache_with(&fake, &clock, jittered);
    cache.metadata().await.unwrap();
    assert_eq!(cache.next_refresh_at(), Some(T0 + 48));

    let at_expiry = CachePolicy {
        refresh_ahead: Duration::ZERO,
        refresh_jitter: secs(60),
        ..CachePolicy::default()
    };
    let cache = cache_with(&fake, &clock, at_expiry);
    cache.did_document().await.unwrap();
    assert_eq!(cache.next_refresh_at(), Some(T0 + 3_600));
}
