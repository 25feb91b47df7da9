//! The numbers a team charts: scripted flows against the mock One Login, then every counter and
//! label checked exactly, and no label holding a person's data, a token, a code or a return code.
//!
//! One test per process (nextest): the `metrics` facade has one global recorder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use govuk_one_login::core::{BoxFuture, ReplayCheck, ReplayStore, ReplayStoreError, StoreCause};
use govuk_one_login::metrics::{
    BACK_CHANNEL_LOGOUTS, IDENTITY, KEY_REFRESHES, PROVIDER_REQUEST_DURATION, PROVIDER_REQUESTS,
    SIGN_IN_DURATION, SIGN_INS, SIGN_INS_STARTED, SIGN_OUTS, STALE_DOCUMENTS_SERVED,
};
use govuk_one_login::{Freshness, SignInOptions, StoreRole};
use govuk_one_login_testkit::{
    CoreIdentityFault, Endpoint, EndpointFault, Faults, Harness, IdTokenFault, LogoutTokenFault,
    MetricsRecorder, MockUser, auth_service, identity_service,
};

const AUTH: [(&str, &str); 2] = [("service", "auth"), ("client_id", "client-auth")];
const IDV: [(&str, &str); 2] = [("service", "identity"), ("client_id", "client-identity")];

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

fn identity() -> SignInOptions {
    SignInOptions {
        identity: true,
        ..SignInOptions::default()
    }
}

#[tokio::test]
async fn every_counter_and_label_has_its_expected_value_after_scripted_flows() {
    let m = MetricsRecorder::global().unwrap();
    govuk_one_login::metrics::describe();
    let h = Harness::standard().await;
    let issuer = h.provider.issuer().to_string();
    let mut secrets: Vec<String> = vec![h.subject("auth"), h.subject("identity")];
    secrets.push(h.provider.user().email);

    // auth: two successes and one refused ID token.
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    secrets.push(signed_in.id_token().expose_secret().to_owned());
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    h.provider
        .set_faults(Faults::id_token(IdTokenFault::InvalidSignature));
    let refused = h
        .sign_in("auth", SignInOptions::default())
        .await
        .unwrap_err();
    h.provider.set_faults(Faults::none());
    let refused_code = refused.code();
    assert!(refused_code.starts_with("id_token."), "{refused_code}");

    // identity: proven, not proven (with a return code), and a forged core identity JWT.
    let proven = h.sign_in("identity", identity()).await.unwrap();
    assert!(proven.identity().is_some());
    let mut unproven = MockUser::default();
    unproven.identity = None;
    unproven.return_codes = vec!["X".into()];
    h.provider.set_user(unproven);
    let not_proven = h.sign_in("identity", identity()).await.unwrap();
    assert!(not_proven.identity().is_none());
    assert_eq!(not_proven.return_codes().len(), 1);
    h.provider.set_user(MockUser::default());
    h.provider
        .set_faults(Faults::core_identity(CoreIdentityFault::InvalidSignature));
    let forged = h.sign_in("identity", identity()).await.unwrap_err();
    h.provider.set_faults(Faults::none());
    let forged_code = forged.code();
    assert!(forged_code.starts_with("core_identity."), "{forged_code}");

    // A callback that names no pending sign-in of the browser: no service to count it under.
    let (pending, _) = h.callback("auth", SignInOptions::default()).await;
    let mut pendings = vec![pending];
    let stray = h
        .one_login
        .finish_sign_in("code=x&state=forged", &mut pendings)
        .await
        .unwrap_err();
    assert_eq!(stray.code(), "sign_in.state_mismatch");

    // Back-channel logouts: applied, replayed, forged, for nobody here, and not applied.
    let sub = h.subject("auth");
    let token = h.provider.mint_logout_token("client-auth", &sub, None);
    secrets.push(token.clone());
    let body = format!("logout_token={token}");
    let notice = h
        .one_login
        .back_channel_logout(body.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        h.one_login
            .back_channel_logout(body.as_bytes())
            .await
            .unwrap_err()
            .code(),
        "back_channel.replayed"
    );
    let forged_logout = h.provider.mint_logout_token(
        "client-auth",
        &sub,
        Some(LogoutTokenFault::InvalidSignature),
    );
    let forged_logout_code = h
        .one_login
        .back_channel_logout(format!("logout_token={forged_logout}").as_bytes())
        .await
        .unwrap_err()
        .code();
    let nobody = h.provider.mint_logout_token("someone-else", &sub, None);
    assert_eq!(
        h.one_login
            .back_channel_logout(format!("logout_token={nobody}").as_bytes())
            .await
            .unwrap_err()
            .code(),
        "back_channel.unknown_audience"
    );
    let failed = h.one_login.back_channel_failed(&notice).await;
    assert_eq!(failed.status(), 500);

    // Sign-out: started twice, returned once, and one return with a forged state.
    let post_logout = h.rp("auth").config().post_logout_redirect_uris()[0].clone();
    let out = h
        .one_login
        .start_sign_out(&signed_in, Some(&post_logout))
        .await
        .unwrap();
    let back = h.provider.logout(&out.url).await.unwrap();
    h.one_login
        .finish_sign_out(back.query().unwrap_or_default(), out.pending)
        .await
        .unwrap();
    let again = h
        .one_login
        .start_sign_out(&signed_in, Some(&post_logout))
        .await
        .unwrap();
    let forged_return = h
        .one_login
        .finish_sign_out("state=forged", again.pending)
        .await
        .unwrap_err();
    assert_eq!(forged_return.code(), "sign_out.state_mismatch");

    // A JWKS outage: the copy expires, its refresh gets a 500, the stale copy is served and
    // the sign-in still succeeds.
    h.provider
        .set_faults(Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500)));
    h.clock.advance(Duration::from_secs(86_400 + 60));
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    h.provider.set_faults(Faults::none());

    // Per service.
    assert_eq!(m.counter(SIGN_INS_STARTED, &AUTH), 5);
    assert_eq!(m.counter(SIGN_INS_STARTED, &IDV), 3);
    assert_eq!(
        m.counter(SIGN_INS, &with(&AUTH, &[("outcome", "success")])),
        3
    );
    assert_eq!(
        m.counter(
            SIGN_INS,
            &with(&AUTH, &[("outcome", "failure"), ("code", refused_code)])
        ),
        1
    );
    assert_eq!(
        m.counter(SIGN_INS, &with(&IDV, &[("outcome", "success")])),
        2
    );
    assert_eq!(
        m.counter(
            SIGN_INS,
            &with(&IDV, &[("outcome", "failure"), ("code", forged_code)])
        ),
        1
    );
    assert_eq!(
        m.counter(
            SIGN_INS,
            &[("outcome", "failure"), ("code", "sign_in.state_mismatch")]
        ),
        1,
        "the stray callback is counted once, under no service"
    );
    assert_eq!(m.counter_total(SIGN_INS, &[]), 3 + 1 + 2 + 1 + 1);
    assert_eq!(m.histogram(SIGN_IN_DURATION, &AUTH).len(), 3);
    assert_eq!(m.histogram(SIGN_IN_DURATION, &IDV).len(), 2);
    assert!(
        m.histogram(SIGN_IN_DURATION, &AUTH)
            .iter()
            .all(|s| (0.0..60.0).contains(s))
    );
    assert_eq!(
        m.counter(IDENTITY, &with(&IDV, &[("outcome", "proven")])),
        1
    );
    assert_eq!(
        m.counter(IDENTITY, &with(&IDV, &[("outcome", "not_proven")])),
        1
    );
    assert_eq!(
        m.counter(
            IDENTITY,
            &with(&IDV, &[("outcome", "failure"), ("code", forged_code)])
        ),
        1
    );
    assert_eq!(
        m.counter_total(IDENTITY, &AUTH),
        0,
        "no identity counted for a service that does not prove it"
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(&AUTH, &[("outcome", "success")])
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(
                &AUTH,
                &[("outcome", "failure"), ("code", "back_channel.replayed")]
            )
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(
                &AUTH,
                &[("outcome", "failure"), ("code", forged_logout_code)]
            )
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &[
                ("outcome", "failure"),
                ("code", "back_channel.unknown_audience")
            ]
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(&AUTH, &[("outcome", "not_applied")])
        ),
        1
    );
    assert_eq!(
        m.counter(SIGN_OUTS, &with(&AUTH, &[("outcome", "started")])),
        2
    );
    assert_eq!(
        m.counter(SIGN_OUTS, &with(&AUTH, &[("outcome", "returned")])),
        1
    );
    assert_eq!(
        m.counter(
            SIGN_OUTS,
            &with(
                &AUTH,
                &[("outcome", "failure"), ("code", "sign_out.state_mismatch")]
            )
        ),
        1
    );

    // Per provider.
    let at = |document| [("issuer", issuer.as_str()), ("document", document)];
    let status = |document, status| {
        m.counter(
            PROVIDER_REQUESTS,
            &with(&at(document), &[("status", status)]),
        )
    };
    assert_eq!(
        status("token", "200"),
        7,
        "one token request per callback with a code"
    );
    assert_eq!(
        status("userinfo", "200"),
        7 - 1,
        "none after the refused ID token"
    );
    assert_eq!(status("jwks", "200"), 1, "one JWKS fetch for every service");
    assert_eq!(status("jwks", "500"), 1);
    assert_eq!(status("did", "200"), 1);
    assert_eq!(
        status("discovery", "200"),
        2,
        "at start, and after it expired"
    );
    assert_eq!(
        m.histogram(PROVIDER_REQUEST_DURATION, &at("token")).len(),
        7
    );
    assert_eq!(
        m.counter(KEY_REFRESHES, &with(&at("jwks"), &[("reason", "expired")])),
        2,
        "the first fetch and the one after expiry"
    );
    assert_eq!(m.counter_total(KEY_REFRESHES, &at("discovery")), 0);
    assert!(m.counter(STALE_DOCUMENTS_SERVED, &at("jwks")) >= 1);
    assert_eq!(m.counter(STALE_DOCUMENTS_SERVED, &at("did")), 0);

    // Every label is from a fixed vocabulary or the services file, never a person's data.
    let names: BTreeSet<&str> = govuk_one_login::metrics::ALL
        .iter()
        .map(|(n, _, _)| *n)
        .collect();
    let allowed_keys = [
        "service",
        "client_id",
        "outcome",
        "code",
        "issuer",
        "document",
        "status",
        "reason",
    ];
    let series = m.series();
    assert!(!series.is_empty());
    for s in &series {
        assert!(names.contains(s.name.as_str()), "unknown metric {}", s.name);
        for (key, value) in &s.labels {
            assert!(
                allowed_keys.contains(&key.as_str()),
                "label {key} on {}",
                s.name
            );
            for secret in &secrets {
                assert!(!value.contains(secret.as_str()), "{key} holds a secret");
            }
            assert!(!value.contains('@'), "{key}={value}");
            assert_ne!(value, "X", "a return code is never a label");
            let fine = match key.as_str() {
                "service" => ["auth", "identity"].contains(&value.as_str()),
                "client_id" => ["client-auth", "client-identity"].contains(&value.as_str()),
                "issuer" => value == &issuer,
                "code" => {
                    value.split('.').count() >= 2
                        && value
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
                }
                _ => value.len() <= 20,
            };
            assert!(fine, "{key}={value} on {}", s.name);
        }
    }
    for (name, _, _) in govuk_one_login::metrics::ALL {
        assert!(m.description(name).is_some(), "{name} has no help text");
    }
}

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
