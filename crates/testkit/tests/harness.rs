//! The `Harness`: the testkit's mock wired to the `govuk-one-login` relying party.

use std::time::Duration;

use govuk_one_login::core::ServiceSpec;
use govuk_one_login::{DEFAULT_PENDING_TTL_SECS, SignInOptions};
use govuk_one_login_testkit::{Harness, MockUser, TEST_CLIENT_KEY, auth_service, identity_service};

fn identity() -> SignInOptions {
    SignInOptions {
        identity: true,
        ..SignInOptions::default()
    }
}

#[tokio::test]
async fn harness_signs_a_person_in_with_the_default_scopes() {
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
    let person = h.sign_in("apply", SignInOptions::default()).await.unwrap();

    assert_eq!(person.service().as_str(), "apply");
    assert_eq!(person.sub(), h.subject("apply"));
    assert_eq!(person.email(), Some("test@example.com"));
    assert_eq!(person.email_verified(), Some(true));
    assert_eq!(person.phone_number(), Some("+447123456789"));
    assert!(person.identity().is_none(), "no identity was asked for");
    let authorize = &h.provider.requests_to("/authorize")[0];
    assert_eq!(authorize.query_param("scope"), Some("openid email phone"));
    assert_eq!(
        authorize.query_param("redirect_uri"),
        Some("http://127.0.0.1:9/apply/callback")
    );
    assert_eq!(
        (h.calls_to("/token"), h.calls_to("/userinfo")),
        (1, 1),
        "one code exchange, one userinfo call"
    );
}

#[tokio::test]
async fn harness_identity_service_returns_the_default_persons_name() {
    let h = Harness::start(vec![identity_service("apply", "apply-client")]).await;
    let person = h.sign_in("apply", identity()).await.unwrap();

    let name = &person.names()[0];
    assert_eq!(name.given_names(), ["GEOFFREY"]);
    assert_eq!(name.family_names(), ["HEARNSHAW"]);
    assert_eq!(person.birth_dates()[0].value, "1955-04-19");
    assert!(person.identity().is_some());
    let authorize = &h.provider.requests_to("/authorize")[0];
    assert_eq!(authorize.query_param("vtr"), Some(r#"["Cl.Cm.P2"]"#));
}

#[tokio::test]
async fn harness_signs_in_whoever_the_provider_is_told_to() {
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
    let mut user = MockUser::default();
    user.email = "someone.else@example.com".into();
    user.phone_number = None;
    h.provider.set_user(user);

    let person = h.sign_in("apply", SignInOptions::default()).await.unwrap();
    assert_eq!(person.email(), Some("someone.else@example.com"));
    assert_eq!(person.phone_number(), None);
    assert_eq!(person.sub(), h.subject("apply"));
}

#[tokio::test]
async fn harness_standard_has_an_auth_and_an_identity_service_with_different_subjects() {
    let h = Harness::standard().await;
    assert_eq!(h.rp("auth").config().client_id().as_str(), "client-auth");
    assert_eq!(
        h.rp("identity").config().client_id().as_str(),
        "client-identity"
    );
    let auth = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let proven = h.sign_in("identity", identity()).await.unwrap();
    assert_eq!(auth.sub(), h.subject("auth"));
    assert_eq!(proven.sub(), h.subject("identity"));
}

#[tokio::test]
async fn harness_callback_stops_at_the_callback_with_a_code_and_the_state() {
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
    let (pending, query) = h.callback("apply", SignInOptions::default()).await;
    assert!(query.contains("code="), "{query}");
    assert!(query.contains("state="), "{query}");
    assert_eq!(h.calls_to("/token"), 0, "nothing exchanged yet");

    let person = h.rp("apply").finish_sign_in(&query, pending).await.unwrap();
    assert_eq!(person.sub(), h.subject("apply"));
}

#[tokio::test]
async fn harness_clock_is_the_one_both_sides_read() {
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;

    // The mock's codes live five minutes by the harness's clock.
    let (pending, query) = h.callback("apply", SignInOptions::default()).await;
    h.clock.advance(Duration::from_secs(301));
    let err = h
        .rp("apply")
        .finish_sign_in(&query, pending)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sign_in.token_endpoint", "{err:?}");

    // The relying party's pending sign-ins expire by the same clock.
    let (pending, query) = h.callback("apply", SignInOptions::default()).await;
    h.clock.advance(Duration::from_secs(
        DEFAULT_PENDING_TTL_SECS.unsigned_abs() + 1,
    ));
    let err = h
        .rp("apply")
        .finish_sign_in(&query, pending)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sign_in.pending_expired", "{err:?}");
}

#[tokio::test]
async fn harness_try_sign_in_returns_a_failure_to_start() {
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
    let err = h.try_sign_in("apply", identity()).await.unwrap_err();
    assert_eq!(err.code(), "sign_in.identity_not_configured");
    assert_eq!(h.calls_to("/authorize"), 0);
}

#[tokio::test]
async fn harness_services_sign_their_assertions_with_the_shipped_test_key() {
    assert!(TEST_CLIENT_KEY.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
    h.sign_in("apply", SignInOptions::default()).await.unwrap();
    let token = &h.provider.requests_to("/token")[0];
    let assertion = token.client_assertion.as_ref().unwrap();
    assert_eq!(assertion.header["kid"], "apply-key");
    assert_eq!(assertion.header["alg"], "RS256");
    assert_eq!(assertion.claims["iss"], "apply-client");
}

#[tokio::test]
async fn harness_start_with_adjusts_the_builder_and_keeps_the_shared_clock() {
    let h = Harness::start_with(vec![auth_service("apply", "apply-client")], |builder| {
        builder.pending_ttl(Duration::from_secs(60))
    })
    .await;
    let (pending, query) = h.callback("apply", SignInOptions::default()).await;
    h.clock.advance(Duration::from_secs(61));
    let err = h
        .rp("apply")
        .finish_sign_in(&query, pending)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sign_in.pending_expired", "{err:?}");
}

#[tokio::test]
async fn harness_start_configured_adjusts_the_provider_table_and_specs_adjust_services() {
    let spec = ServiceSpec {
        pkce: Some(false),
        ..auth_service("apply", "apply-client")
    };
    let h = Harness::start_configured(
        vec![spec],
        |table| table.user_agent_suffix = Some("harness-test/1.0 (https://example.gov.uk)".into()),
        |builder| builder,
    )
    .await;
    h.sign_in("apply", SignInOptions::default()).await.unwrap();
    let authorize = &h.provider.requests_to("/authorize")[0];
    assert_eq!(authorize.query_param("code_challenge"), None, "PKCE off");
    let token = &h.provider.requests_to("/token")[0];
    let user_agent = token.user_agent().unwrap();
    assert!(
        user_agent.contains("harness-test/1.0 (https://example.gov.uk)"),
        "{user_agent}"
    );
}

#[tokio::test]
#[should_panic(expected = "the harness has no service called \"nope\"")]
async fn harness_rp_panics_with_the_unknown_service_name() {
    let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
    let _ = h.rp("nope");
}
