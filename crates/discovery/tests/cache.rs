//! The cache rules, through an in-memory transport that counts requests, on a `TestClock`.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use govuk_one_login_core::{DEFAULT_USER_AGENT, Environment, TestClock, random_token};
use govuk_one_login_discovery::{
    CachePolicy, DiscoveryError, DocumentKind, ProviderCache, ProviderRegistry,
};
use serde_json::json;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

async fn yield_a_while() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn thousand_concurrent_cold_lookups_make_exactly_one_jwks_request() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    fake.close_gate();
    let tasks: Vec<_> = (0..1_000)
        .map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.keys_for_kid(Some("k1")).await })
        })
        .collect();
    while fake.started() == 0 {
        tokio::task::yield_now().await;
    }
    // On this single-threaded runtime one yield lets every spawned task run up to its wait
    // (the first at the gate, the others behind it); a few more for good measure.
    yield_a_while().await;
    fake.open_gate();
    for task in tasks {
        let keys = task.await.unwrap().unwrap();
        assert!(keys.get("k1").is_some());
    }
    assert_eq!(fake.count(JWKS), 1);
    assert_eq!(fake.count(DISCOVERY), 1);
    assert_eq!(cache.stats().jwks.requests, 1);
    assert_eq!(cache.stats().discovery.requests, 1);
}

#[tokio::test]
async fn ten_thousand_random_unknown_kids_cost_at_most_one_request_per_cooldown_window() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 1);
    // 10,000 forged kids spread over 150 seconds, starting right after a regular fetch: the
    // cool-down windows start at T0 (the first forged kid's refresh), T0+60 and T0+120.
    for i in 0..10_000u64 {
        if i > 0 && i % 200 == 0 {
            clock.advance(secs(3));
        }
        let kid = random_token().unwrap();
        let err = cache.keys_for_kid(Some(&kid)).await.unwrap_err();
        assert_eq!(err.code(), "discovery.unknown_kid");
    }
    assert_eq!(clock_offset(&clock), 147);
    // The regular fetch, then one request per cool-down window: at T0, T0+60 and T0+120.
    assert_eq!(fake.count(JWKS), 4);
    let stats = cache.stats().jwks;
    assert_eq!(stats.unknown_kid_refreshes, 3);
    assert_eq!(stats.unknown_kid_fast_failures, 9_997);
}

fn clock_offset(clock: &TestClock) -> i64 {
    use govuk_one_login_core::Clock;
    clock.now_unix() - T0
}

#[tokio::test]
async fn ten_thousand_concurrent_unknown_kids_after_the_cooldown_make_one_request() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    clock.advance(secs(61));
    fake.close_gate();
    let tasks: Vec<_> = (0..10_000)
        .map(|i| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.keys_for_kid(Some(&format!("forged-{i}"))).await })
        })
        .collect();
    while fake.started() < 1 {
        tokio::task::yield_now().await;
    }
    yield_a_while().await;
    fake.open_gate();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code(), "discovery.unknown_kid");
    }
    assert_eq!(fake.count(JWKS), 2, "the warm-up fetch and one refresh");
}

#[tokio::test]
async fn unknown_kid_refreshes_once_then_fails_fast_during_the_cooldown() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    clock.advance(secs(60));
    let err = cache.keys_for_kid(Some("nope")).await.unwrap_err();
    assert_eq!(err, DiscoveryError::UnknownKid { kid: "nope".into() });
    assert_eq!(fake.count(JWKS), 2);
    clock.advance(secs(59));
    assert_eq!(
        cache.keys_for_kid(Some("nope")).await.unwrap_err().code(),
        "discovery.unknown_kid"
    );
    assert_eq!(fake.count(JWKS), 2, "no request during the cool-down");
    clock.advance(secs(1));
    cache.keys_for_kid(Some("nope")).await.unwrap_err();
    assert_eq!(fake.count(JWKS), 3, "the cool-down is over");
}

#[tokio::test]
async fn an_unknown_kid_right_after_a_cold_fetch_costs_no_second_request() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let err = cache.keys_for_kid(Some("nope")).await.unwrap_err();
    assert_eq!(err.code(), "discovery.unknown_kid");
    assert_eq!(fake.count(JWKS), 1);
}

#[tokio::test]
async fn a_kid_unknown_right_after_a_regular_fetch_triggers_one_refresh() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    clock.advance(secs(2));
    let err = cache.keys_for_kid(Some("nope")).await.unwrap_err();
    assert_eq!(err, DiscoveryError::UnknownKid { kid: "nope".into() });
    assert_eq!(fake.count(JWKS), 2, "the regular fetch and one refresh");
    cache.keys_for_kid(Some("still-nope")).await.unwrap_err();
    assert_eq!(fake.count(JWKS), 2, "the refresh started the cool-down");
    let stats = cache.stats().jwks;
    assert_eq!(stats.unknown_kid_refreshes, 1);
    assert_eq!(stats.unknown_kid_fast_failures, 1);
}

#[tokio::test]
async fn a_key_used_the_second_after_it_was_published_is_accepted() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys_for_kid(Some("k1")).await.unwrap();
    // As GDS's simulator does: publish k2 and sign with it at once.
    clock.advance(secs(1));
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k1", 0), ("k2", 1)]), Some("max-age=86400")),
    );
    let keys = cache.keys_for_kid(Some("k2")).await.unwrap();
    assert!(keys.get("k2").is_some());
    assert_eq!(fake.count(JWKS), 2);
    assert_eq!(cache.stats().jwks.unknown_kid_refreshes, 1);
}

#[tokio::test]
async fn an_identity_kid_unknown_right_after_a_regular_fetch_triggers_one_refresh() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.did_document().await.unwrap();
    fake.route(
        DID_PATH,
        Route::json(
            &did_document(&[("d1", 0), ("d2", 1)]),
            Some("max-age=3600, private"),
        ),
    );
    let doc = cache
        .did_document_for_kid(&format!("{DID}#d2"))
        .await
        .unwrap();
    assert!(doc.key_for_kid(&format!("{DID}#d2")).is_some());
    assert_eq!(fake.count(DID_PATH), 2);
    let err = cache
        .did_document_for_kid(&format!("{DID}#forged"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "discovery.unknown_identity_kid");
    assert_eq!(fake.count(DID_PATH), 2, "the refresh started the cool-down");
}

#[tokio::test]
async fn a_flood_of_unknown_kids_after_regular_refreshes_is_still_one_request_per_window() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let policy = CachePolicy {
        min_ttl: secs(10),
        max_ttl: secs(10),
        ..CachePolicy::default()
    };
    let cache = cache_with(&fake, &clock, policy);
    // A 10-second JWKS: a regular fetch every 10 s, forged kids every second, for 300 s.
    for _ in 0..300 {
        for _ in 0..20 {
            let kid = random_token().unwrap();
            cache.keys_for_kid(Some(&kid)).await.unwrap_err();
        }
        clock.advance(secs(1));
    }
    let stats = cache.stats().jwks;
    assert_eq!(stats.unknown_kid_refreshes, 5, "one per 60 s window");
    assert_eq!(
        fake.count(JWKS),
        30 + 5,
        "30 regular fetches and 5 refreshes"
    );
}

#[tokio::test]
async fn concurrent_unknown_kids_right_after_a_regular_fetch_share_one_refresh() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    fake.close_gate();
    let tasks: Vec<_> = (0..1_000)
        .map(|i| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.keys_for_kid(Some(&format!("forged-{i}"))).await })
        })
        .collect();
    while fake.started() < 1 {
        tokio::task::yield_now().await;
    }
    yield_a_while().await;
    fake.open_gate();
    for task in tasks {
        assert_eq!(
            task.await.unwrap().unwrap_err().code(),
            "discovery.unknown_kid"
        );
    }
    assert_eq!(
        fake.count(JWKS),
        2,
        "the regular fetch and one shared refresh"
    );
}

#[tokio::test]
async fn known_kid_and_absent_kid_are_served_from_the_cache() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let keys = cache.keys_for_kid(Some("k1")).await.unwrap();
    assert_eq!(keys.len(), 1);
    let keys = cache.keys_for_kid(None).await.unwrap();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["k1"]);
    assert_eq!(fake.total(), 2, "one discovery and one JWKS request");
}

#[tokio::test]
async fn rotated_key_is_accepted_after_one_refresh_and_removed_key_refused_after_the_next() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys_for_kid(Some("k1")).await.unwrap();

    // The provider publishes k2 beside k1, and starts signing with k2.
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k1", 0), ("k2", 1)]), Some("max-age=86400")),
    );
    clock.advance(secs(3_600));
    let keys = cache.keys_for_kid(Some("k2")).await.unwrap();
    assert!(keys.get("k2").is_some());
    assert_eq!(fake.count(JWKS), 2);
    assert_eq!(cache.stats().jwks.unknown_kid_refreshes, 1);
    cache.keys_for_kid(Some("k1")).await.unwrap();

    // k1 is retired; the next refresh (here, at expiry) drops it.
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k2", 1)]), Some("max-age=86400")),
    );
    clock.advance(secs(86_400));
    let keys = cache.keys().await.unwrap();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["k2"]);
    assert_eq!(fake.count(JWKS), 3);
    let err = cache.keys_for_kid(Some("k1")).await.unwrap_err();
    assert_eq!(err, DiscoveryError::UnknownKid { kid: "k1".into() });
    assert_eq!(
        fake.count(JWKS),
        4,
        "one refresh: a regular fetch does not start the cool-down"
    );
    let err = cache.keys_for_kid(Some("k1")).await.unwrap_err();
    assert_eq!(err, DiscoveryError::UnknownKid { kid: "k1".into() });
    assert_eq!(
        fake.count(JWKS),
        4,
        "refused during the cool-down, without a request"
    );
    assert_eq!(cache.stats().jwks.refreshes, 3);
}

#[tokio::test]
async fn honours_max_age() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    clock.advance(secs(86_399));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 1);
    assert_eq!(fake.count(DISCOVERY), 1);
    clock.advance(secs(1));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 2);
    assert_eq!(fake.count(DISCOVERY), 2);
}

#[tokio::test]
async fn clamps_a_tiny_max_age_to_the_minimum_ttl() {
    let fake = FakeProvider::one_login();
    fake.route(
        DISCOVERY,
        Route::json(&discovery_document(ISSUER), Some("no-store")),
    );
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    for _ in 0..100 {
        cache.metadata().await.unwrap();
    }
    assert_eq!(fake.count(DISCOVERY), 1);
    clock.advance(secs(59));
    cache.metadata().await.unwrap();
    assert_eq!(fake.count(DISCOVERY), 1);
    clock.advance(secs(1));
    cache.metadata().await.unwrap();
    assert_eq!(fake.count(DISCOVERY), 2);
}

#[tokio::test]
async fn clamps_a_long_max_age_to_the_maximum_ttl() {
    let fake = FakeProvider::one_login();
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k1", 0)]), Some("max-age=31536000")),
    );
    let clock = TestClock::at(T0);
    let policy = CachePolicy {
        max_ttl: secs(7_200),
        ..CachePolicy::default()
    };
    let cache = cache_with(&fake, &clock, policy);
    cache.keys().await.unwrap();
    clock.advance(secs(7_199));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 1);
    clock.advance(secs(1));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 2);
}

#[tokio::test]
async fn uses_the_default_ttl_without_cache_control() {
    let fake = FakeProvider::one_login();
    fake.route(JWKS, Route::json(&jwks(&[("k1", 0)]), None));
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    clock.advance(secs(3_599));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 1);
    clock.advance(secs(1));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(JWKS), 2);
}

#[tokio::test]
async fn serves_last_known_good_keys_within_max_stale_when_the_provider_fails() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    fake.route(JWKS, Route::status(503, "down"));
    clock.advance(secs(86_400 + 3_600));
    let keys = cache.keys_for_kid(Some("k1")).await.unwrap();
    assert!(keys.get("k1").is_some());
    let stats = cache.stats().jwks;
    assert_eq!(
        (stats.requests, stats.failures, stats.stale_serves),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn returns_a_typed_stale_error_after_max_stale() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    fake.route(JWKS, Route::status(503, "down"));
    clock.advance(secs(86_400 + 86_400));
    cache.keys().await.unwrap();
    clock.advance(secs(31));
    let err = cache.keys().await.unwrap_err();
    assert_eq!(err.code(), "discovery.stale");
    let DiscoveryError::Stale {
        document,
        stale_for,
        max_stale,
        cause,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*document, DocumentKind::Jwks);
    assert_eq!(*stale_for, secs(86_431));
    assert_eq!(*max_stale, secs(86_400));
    assert_eq!(
        **cause,
        DiscoveryError::Status {
            url: "https://oidc.integration.account.gov.uk/.well-known/jwks.json".into(),
            status: 503,
            body_excerpt: "down".into()
        }
    );
    assert!(err.is_unavailable());
}

#[tokio::test]
async fn does_not_refetch_during_the_pause_after_a_failure_then_recovers() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    fake.route(JWKS, Route::status(500, "oops"));
    clock.advance(secs(86_400));
    for _ in 0..50 {
        cache.keys().await.unwrap();
    }
    assert_eq!(
        fake.count(JWKS),
        2,
        "one failed refresh, then the stale copy"
    );
    assert_eq!(cache.stats().jwks.stale_serves, 50);
    fake.route(
        JWKS,
        Route::json(&jwks(&[("k2", 1)]), Some("max-age=86400")),
    );
    clock.advance(secs(30));
    let keys = cache.keys().await.unwrap();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["k2"]);
    assert_eq!(fake.count(JWKS), 3);
}

#[tokio::test]
async fn a_cold_failure_is_typed_and_not_retried_until_the_pause_ends() {
    let fake = FakeProvider::one_login();
    fake.route(DISCOVERY, Route::status(503, "maintenance"));
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let expected = DiscoveryError::Status {
        url: "https://oidc.integration.account.gov.uk/.well-known/openid-configuration".into(),
        status: 503,
        body_excerpt: "maintenance".into(),
    };
    assert_eq!(cache.metadata().await.unwrap_err(), expected);
    assert_eq!(cache.keys().await.unwrap_err(), expected);
    assert_eq!(fake.count(DISCOVERY), 1);
    assert_eq!(fake.count(JWKS), 0);
    fake.route(
        DISCOVERY,
        Route::json(&discovery_document(ISSUER), Some("max-age=86400")),
    );
    clock.advance(secs(30));
    cache.keys().await.unwrap();
    assert_eq!(fake.count(DISCOVERY), 2);
}

#[tokio::test]
async fn refuses_discovery_with_another_issuer() {
    let fake = FakeProvider::one_login();
    fake.route(
        DISCOVERY,
        Route::json(
            &discovery_document("https://evil.example/"),
            Some("max-age=86400"),
        ),
    );
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let err = cache.keys().await.unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::IssuerMismatch {
            expected: ISSUER.into(),
            actual: "https://evil.example/".into()
        }
    );
    assert_eq!(
        fake.count(JWKS),
        0,
        "no key is fetched from an untrusted document"
    );
}

#[tokio::test]
async fn keeps_trusted_metadata_when_a_refresh_names_another_issuer() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.metadata().await.unwrap();
    fake.route(
        DISCOVERY,
        Route::json(
            &discovery_document("https://evil.example/"),
            Some("max-age=86400"),
        ),
    );
    clock.advance(secs(86_400));
    let metadata = cache.metadata().await.unwrap();
    assert_eq!(metadata.issuer().as_str(), ISSUER);
    assert_eq!(cache.stats().discovery.failures, 1);
}

#[tokio::test]
async fn refuses_an_oversized_document_from_a_transport_that_ignores_the_limit() {
    let fake = FakeProvider::one_login();
    let mut big = discovery_document(ISSUER);
    big["padding"] = json!("x".repeat(2_000));
    fake.route(DISCOVERY, Route::json(&big, None));
    let clock = TestClock::at(T0);
    let policy = CachePolicy {
        max_document_bytes: 1_024,
        ..CachePolicy::default()
    };
    let err = cache_with(&fake, &clock, policy)
        .metadata()
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport.too_large");
}

#[tokio::test]
async fn refuses_a_redirect_from_a_transport_that_passes_it_through() {
    let fake = FakeProvider::one_login();
    fake.route(JWKS, Route::status(301, ""));
    let clock = TestClock::at(T0);
    let err = cache(&fake, &clock).keys().await.unwrap_err();
    assert_eq!(err.code(), "transport.redirect");
}

#[tokio::test]
async fn reports_an_unparsable_jwks_with_its_own_code() {
    let fake = FakeProvider::one_login();
    fake.route(JWKS, Route::json(&json!({"keys": {}}), None));
    let clock = TestClock::at(T0);
    let err = cache(&fake, &clock).keys().await.unwrap_err();
    assert_eq!(err.code(), "jwks.keys_not_array");
}

/// Captures `tracing` output for one test (on the current thread).
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn ignores_keys_unfit_for_signatures_with_a_warning_and_never_uses_them() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeProvider::one_login();
    let (x, y) = EC_KEYS[1];
    let set = json!({"keys": [
        ec_jwk("good", 0),
        {"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "enc", "kid": "enc-key"},
        {"kty": "EC", "crv": "P-384", "x": x, "y": y, "kid": "p384-key"},
        {"kty": "RSA", "n": SMALL_RSA_N, "e": "AQAB", "alg": "RS256", "kid": "small-rsa"},
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac-key"},
        ec_jwk("dup", 1),
        ec_jwk("dup", 2),
    ]});
    fake.route(JWKS, Route::json(&set, Some("max-age=86400")));
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let keys = cache.keys().await.unwrap();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["good"]);
    clock.advance(secs(60));
    for kid in ["enc-key", "p384-key", "small-rsa", "hmac-key", "dup"] {
        let err = cache.keys_for_kid(Some(kid)).await.unwrap_err();
        assert_eq!(err, DiscoveryError::UnknownKid { kid: kid.into() });
    }
    let logs = capture.text();
    for (kid, reason) in [
        ("enc-key", "jwk.not_for_signatures"),
        ("p384-key", "jwk.unsupported_curve"),
        ("small-rsa", "jwk.rsa_too_small"),
        ("hmac-key", "jwk.symmetric"),
        ("dup", "jwk.duplicate_kid"),
    ] {
        let line = logs
            .lines()
            .find(|l| l.contains(&format!("kid=\"{kid}\"")))
            .unwrap_or_else(|| panic!("no warning for {kid}: {logs}"));
        assert!(line.contains("WARN"), "{line}");
        assert!(line.contains(&format!("reason=\"{reason}\"")), "{line}");
        assert!(line.contains(&format!("issuer=\"{ISSUER}\"")), "{line}");
    }
    assert!(
        !logs.contains(x) && !logs.contains("c2VjcmV0"),
        "no key material is logged"
    );
}

#[tokio::test]
async fn a_jwks_without_any_usable_key_is_a_failure_that_keeps_the_old_keys() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    fake.route(
        JWKS,
        Route::json(
            &json!({"keys": [{"kty": "oct", "k": "AA", "kid": "h"}]}),
            None,
        ),
    );
    clock.advance(secs(86_400));
    let keys = cache.keys().await.unwrap();
    assert_eq!(keys.kids().collect::<Vec<_>>(), ["k1"]);
    clock.advance(secs(86_400 + 31));
    let err = cache.keys().await.unwrap_err();
    let DiscoveryError::Stale { cause, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        *cause,
        DiscoveryError::NoUsableKeys {
            document: DocumentKind::Jwks,
            url: "https://oidc.integration.account.gov.uk/.well-known/jwks.json".into(),
            rejected: 1
        }
    );
}

#[tokio::test]
async fn did_document_comes_from_the_pinned_url_and_honours_max_age_3600() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let doc = cache.did_document().await.unwrap();
    assert_eq!(doc.id(), DID);
    assert!(doc.key_for_kid(&format!("{DID}#d1")).is_some());
    assert_eq!(fake.count(DID_PATH), 1);
    assert_eq!(
        fake.count(DISCOVERY),
        0,
        "the DID document does not need discovery"
    );
    clock.advance(secs(3_599));
    cache.did_document().await.unwrap();
    assert_eq!(fake.count(DID_PATH), 1);
    clock.advance(secs(1));
    cache.did_document().await.unwrap();
    assert_eq!(fake.count(DID_PATH), 2);
}

#[tokio::test]
async fn did_document_for_an_unknown_kid_refreshes_once_under_the_same_rules() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache
        .did_document_for_kid(&format!("{DID}#d1"))
        .await
        .unwrap();
    let new_kid = format!("{DID}#d2");
    let err = cache.did_document_for_kid(&new_kid).await.unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::UnknownIdentityKid {
            kid: new_kid.clone()
        }
    );
    assert_eq!(
        fake.count(DID_PATH),
        2,
        "one refresh, even right after the first fetch"
    );
    cache.did_document_for_kid(&new_kid).await.unwrap_err();
    assert_eq!(
        fake.count(DID_PATH),
        2,
        "cool-down after the unknown-kid refresh"
    );
    fake.route(
        DID_PATH,
        Route::json(
            &did_document(&[("d1", 0), ("d2", 1)]),
            Some("max-age=3600, private"),
        ),
    );
    clock.advance(secs(60));
    let doc = cache.did_document_for_kid(&new_kid).await.unwrap();
    assert!(doc.key_for_kid(&new_kid).is_some());
    assert_eq!(fake.count(DID_PATH), 3);
    let err = cache
        .did_document_for_kid("did:web:evil.example#d1")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "discovery.unknown_identity_kid");
    assert_eq!(fake.count(DID_PATH), 3);
}

#[tokio::test]
async fn did_document_for_another_did_is_refused() {
    let fake = FakeProvider::one_login();
    let mut doc = did_document(&[("d1", 0)]);
    doc["id"] = json!("did:web:identity.account.gov.uk");
    fake.route(DID_PATH, Route::json(&doc, None));
    let clock = TestClock::at(T0);
    let err = cache(&fake, &clock).did_document().await.unwrap_err();
    assert_eq!(err.code(), "did.id_mismatch");
}

#[tokio::test]
async fn every_request_carries_the_cache_user_agent() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    cache.keys().await.unwrap();
    cache.did_document().await.unwrap();
    assert_eq!(
        fake.user_agents(),
        vec![Some("govuk-one-login-rs/0.1.0 tests/1.0".to_owned()); 3]
    );
    let fake = FakeProvider::one_login();
    let blank = ProviderCache::new(
        &Environment::integration(),
        fake.clone(),
        Arc::new(clock.clone()),
        CachePolicy::default(),
        "  ".into(),
    );
    blank.metadata().await.unwrap();
    assert_eq!(
        fake.user_agents(),
        vec![Some(DEFAULT_USER_AGENT.to_owned())]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_services_share_one_discovery_and_one_jwks_request() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let registry = ProviderRegistry::new();
    let env = Environment::integration();
    let mut made = 0;
    let caches: Vec<ProviderCache> = (0..100)
        .map(|_| {
            registry.cache_for(&env, || {
                made += 1;
                cache(&fake, &clock)
            })
        })
        .collect();
    assert_eq!(made, 1);
    assert_eq!(registry.len(), 1);
    let tasks: Vec<_> = caches
        .into_iter()
        .map(|c| tokio::spawn(async move { c.keys_for_kid(Some("k1")).await.map(|k| k.len()) }))
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    assert_eq!(fake.count(DISCOVERY), 1);
    assert_eq!(fake.count(JWKS), 1);
}

#[tokio::test]
async fn registry_keeps_separate_caches_for_separate_issuers() {
    let registry = ProviderRegistry::default();
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let a = registry.cache_for(&Environment::integration(), || cache(&fake, &clock));
    let b = registry.cache_for(&Environment::production(), || {
        ProviderCache::new(
            &Environment::production(),
            fake.clone(),
            Arc::new(clock.clone()),
            CachePolicy::default(),
            String::new(),
        )
    });
    assert_eq!(registry.len(), 2);
    assert_eq!(a.environment().issuer().as_str(), ISSUER);
    assert_eq!(
        b.environment().issuer().as_str(),
        "https://oidc.account.gov.uk/"
    );
}

#[tokio::test]
async fn a_cancelled_refresh_does_not_wedge_the_cache() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    fake.close_gate();
    let stuck = {
        let cache = cache.clone();
        tokio::spawn(async move { cache.metadata().await })
    };
    while fake.started() == 0 {
        tokio::task::yield_now().await;
    }
    stuck.abort();
    assert!(stuck.await.unwrap_err().is_cancelled());
    fake.open_gate();
    let metadata = cache.metadata().await.unwrap();
    assert_eq!(
        metadata.jwks_uri().as_str(),
        format!("{ISSUER}.well-known/jwks.json")
    );
    assert_eq!(
        fake.count(DISCOVERY),
        1,
        "the aborted request never completed"
    );
}

#[tokio::test]
async fn truncates_a_huge_unknown_kid_in_the_error() {
    let fake = FakeProvider::one_login();
    let clock = TestClock::at(T0);
    let cache = cache(&fake, &clock);
    let kid = "k".repeat(10_000);
    let DiscoveryError::UnknownKid { kid: shown } =
        cache.keys_for_kid(Some(&kid)).await.unwrap_err()
    else {
        panic!("expected unknown kid");
    };
    // At most 128 characters, with no ellipsis: core's `printable` bounds every echoed value.
    assert_eq!(shown.chars().count(), 128);
}
