//! Health and readiness from the facade: warmed once and every store answering, whatever One
//! Login does afterwards; an instance started during an outage becomes ready once it ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use govuk_one_login::core::{BoxFuture, ReplayCheck, ReplayStore, ReplayStoreError, StoreCause};
use govuk_one_login::{Freshness, SignInOptions, StoreRole};
use govuk_one_login_testkit::{
    Endpoint, EndpointFault, Faults, Harness, auth_service, identity_service,
};

/// A replay store whose server is gone.
#[derive(Debug)]
struct Unreachable;

impl ReplayStore for Unreachable {
    fn check_and_remember(
        &self,
        _: &str,
        _: i64,
        _: i64,
    ) -> BoxFuture<'_, Result<ReplayCheck, ReplayStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn forget(&self, _: &str) -> BoxFuture<'_, Result<(), ReplayStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), ReplayStoreError>> {
        Box::pin(async { Err(gone()) })
    }
}

fn gone() -> ReplayStoreError {
    ReplayStoreError::Unavailable {
        store: "test",
        source: Arc::new(std::io::Error::other("connection refused")) as StoreCause,
    }
}

#[tokio::test]
async fn readiness_needs_a_warm_up_and_reachable_stores_but_survives_a_provider_outage() {
    let h = Harness::standard().await;
    let before = h.one_login.health().await;
    assert!(!before.is_ready(), "nothing fetched yet");
    assert_eq!(before.provider.jwks.freshness, Freshness::Missing);
    assert!(h.one_login.warm_up().await.is_complete());
    let warmed = h.one_login.health().await;
    assert!(warmed.is_ready());
    assert_eq!(warmed.provider.jwks.freshness, Freshness::Fresh);
    assert_eq!(warmed.provider.jwks.age_secs, Some(0));
    assert_eq!(
        warmed.stores.len(),
        2,
        "one store of each role, shared by both services"
    );
    assert!(warmed.stores.iter().all(|s| s.services.is_empty()));

    // One Login down for longer than the stale limit: reported, still ready.
    h.provider.set_faults(
        Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(503))
            .and(Faults::endpoint(
                Endpoint::Discovery,
                EndpointFault::Status(503),
            ))
            .and(Faults::endpoint(
                Endpoint::DidDocument,
                EndpointFault::Status(503),
            )),
    );
    h.clock.advance(Duration::from_secs(3 * 86_400));
    let refreshed = h.one_login.refresh_due().await;
    assert!(refreshed.failures().count() >= 1);
    assert!(
        h.try_sign_in("auth", SignInOptions::default())
            .await
            .is_err()
    );
    let outage = h.one_login.health().await;
    assert!(
        outage.is_ready(),
        "an outage of One Login must not take the instance out"
    );
    assert_eq!(outage.provider.discovery.freshness, Freshness::Expired);
    assert!(outage.provider.discovery.last_error.is_some());
    assert_eq!(outage.provider.jwks.age_secs, Some(3 * 86_400));
    let json = outage.to_json();
    assert_eq!(json["ready"], true);
    assert_eq!(
        json["provider"]["documents"]["discovery"]["freshness"],
        "expired"
    );
    assert_eq!(
        json["provider"]["documents"]["discovery"]["last_error"],
        "discovery.status"
    );

    // A store that cannot be reached: not ready, and said which.
    let broken = Harness::start_with(
        vec![
            auth_service("auth", "client-auth"),
            identity_service("identity", "client-identity"),
        ],
        |b| b.service_stores("identity", Arc::new(Unreachable), Arc::new(Unreachable)),
    )
    .await;
    assert!(broken.one_login.warm_up().await.is_complete());
    let health = broken.one_login.health().await;
    assert!(!health.is_ready());
    assert!(health.provider_warmed());
    let down: Vec<_> = health.stores.iter().filter(|s| !s.is_reachable()).collect();
    assert_eq!(down.len(), 2);
    assert!(down.iter().all(|s| s.services == ["identity"]));
    assert!(down.iter().any(|s| s.role == StoreRole::States));
    assert_eq!(down[0].error, Some("replay_store.unavailable"));
    assert_eq!(health.to_json()["stores"].as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn an_instance_started_during_an_outage_fetches_what_it_misses_and_becomes_ready() {
    let h = Harness::standard().await;
    h.provider.set_faults(
        Faults::endpoint(Endpoint::Discovery, EndpointFault::Status(503)).and(Faults::endpoint(
            Endpoint::DidDocument,
            EndpointFault::Status(503),
        )),
    );
    assert!(!h.one_login.warm_up().await.is_ready());
    assert!(!h.one_login.health().await.is_ready());
    // While a needed document is missing, the background loop looks again after the cache's
    // pause (30 s by default), not after five minutes, and sends nothing sooner.
    let wait = h.one_login.keep_fresh_once().await;
    assert_eq!(wait, Duration::from_secs(30));
    assert!(!h.one_login.health().await.provider_warmed());

    // One Login is back: no visitor, no sign-in, only the background loop.
    h.provider.set_faults(Faults::none());
    h.clock.advance(Duration::from_secs(31));
    let discovery_calls = h.calls_to("/.well-known/openid-configuration");
    h.one_login.keep_fresh_once().await;
    assert_eq!(
        h.calls_to("/.well-known/openid-configuration"),
        discovery_calls + 1
    );
    let health = h.one_login.health().await;
    assert!(health.is_ready(), "{:?}", health.provider);
    assert_eq!(
        health.provider.did.freshness,
        Freshness::Fresh,
        "a service proves identity"
    );
    let wait = h.one_login.keep_fresh_once().await;
    assert!(
        wait > Duration::from_secs(30),
        "back to the slow pace once warmed: {wait:?}"
    );
}

#[tokio::test]
async fn the_did_document_is_not_needed_when_no_service_proves_identity() {
    let h = Harness::start(vec![auth_service("auth", "client-auth")]).await;
    h.provider.set_faults(Faults::endpoint(
        Endpoint::DidDocument,
        EndpointFault::Status(404),
    ));
    let report = h.one_login.warm_up().await;
    assert!(report.is_ready() && !report.is_complete());
    let health = h.one_login.health().await;
    assert!(health.is_ready());
    assert!(!health.needs_did);
    assert_eq!(health.provider.did.freshness, Freshness::Missing);
    let did_calls = h.calls_to("/.well-known/did.json");
    h.clock.advance(Duration::from_secs(60));
    h.one_login.keep_fresh_once().await;
    assert_eq!(
        h.calls_to("/.well-known/did.json"),
        did_calls,
        "nothing fetched for nobody"
    );
}
