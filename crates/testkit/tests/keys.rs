//! The service's own keys through a rotation: the current key signs, One Login (the mock)
//! accepts an assertion from any key the service publishes, and refuses one from a key retired.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use govuk_one_login::core::{KeySpec, ServiceSpec, TokenAuthSpec};
use govuk_one_login::{OneLogin, RsaPrivateKey, SecretString, ServicesFile, SignInOptions};
use govuk_one_login_testkit::{Harness, TEST_CLIENT_KEY, auth_service};

/// The service with these keys, publishing them at a JWKS URL (One Login then knows them all).
fn with_keys(keys: Vec<KeySpec>) -> ServiceSpec {
    ServiceSpec {
        token_auth: TokenAuthSpec {
            keys,
            ..TokenAuthSpec::default()
        },
        jwks_uri: Some("https://app.example.gov.uk/.well-known/jwks.json".into()),
        ..auth_service("app", "app-client")
    }
}

fn key(pem: &SecretString, kid: &str, current: bool) -> KeySpec {
    KeySpec {
        key_pem: Some(pem.clone()),
        key_id: Some(kid.into()),
        current,
        ..KeySpec::default()
    }
}

/// A relying party for `spec` against the harness's mock, registered there as `spec` says.
fn deploy(h: &Harness, spec: ServiceSpec) -> OneLogin {
    let services = ServicesFile {
        provider: h.provider.provider_spec(),
        services: vec![spec],
        base_dir: None,
    }
    .validate()
    .unwrap();
    let built = OneLogin::builder(services.clone())
        .clock(Arc::new(h.clock.clone()))
        .build()
        .unwrap();
    for service in services.iter() {
        h.provider.register(service);
    }
    built
}

async fn sign_in(h: &Harness, one_login: &OneLogin) -> Result<(), &'static str> {
    let rp = one_login.relying_party("app").unwrap();
    let start = rp.start_sign_in(SignInOptions::default()).await.unwrap();
    let callback = h.provider.authorize(&start.url).await.unwrap();
    rp.finish_sign_in(callback.query().unwrap_or_default(), start.pending)
        .await
        .map(drop)
        .map_err(|e| e.code())
}

fn last_assertion_kid(h: &Harness) -> String {
    let token = h.provider.requests_to("/token");
    let assertion = token.last().unwrap().client_assertion.as_ref().unwrap();
    assertion.header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_rotation_signs_with_the_current_key_and_a_retired_key_is_refused() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    let old = SecretString::new(TEST_CLIENT_KEY);
    let next = RsaPrivateKey::generate("unused").unwrap().pem().clone();

    // 1. The next key is published beside the current one: the old key still signs.
    let published = deploy(
        &h,
        with_keys(vec![key(&old, "old", true), key(&next, "next", false)]),
    );
    let jwks = published.relying_party("app").unwrap().service_jwks();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["old", "next"]);
    sign_in(&h, &published).await.unwrap();
    assert_eq!(last_assertion_kid(&h), "old");

    // 2. The next key becomes current: it signs, and is accepted.
    let rotated = deploy(
        &h,
        with_keys(vec![key(&old, "old", false), key(&next, "next", true)]),
    );
    sign_in(&h, &rotated).await.unwrap();
    assert_eq!(last_assertion_kid(&h), "next");
    // An instance not yet updated still signs with the old key, which is still published.
    sign_in(&h, &published).await.unwrap();
    assert_eq!(last_assertion_kid(&h), "old");

    // 3. The old key is retired: only the next key is registered; the old key is refused.
    let retired = deploy(&h, with_keys(vec![key(&next, "next", true)]));
    sign_in(&h, &retired).await.unwrap();
    assert_eq!(
        sign_in(&h, &published).await,
        Err("sign_in.token_endpoint"),
        "an assertion signed by a retired key"
    );
    let refused = h.provider.requests_to("/token");
    assert_eq!(
        refused.last().unwrap().status,
        400,
        "invalid_client, as One Login answers"
    );
}

#[tokio::test]
async fn with_a_static_key_one_login_knows_only_the_current_one() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    let old = SecretString::new(TEST_CLIENT_KEY);
    let next = RsaPrivateKey::generate("unused").unwrap().pem().clone();
    let static_key = |keys| ServiceSpec {
        jwks_uri: None,
        ..with_keys(keys)
    };
    // Registered with the next key current: an instance still signing with the old one is
    // refused, since without a JWKS URL One Login has only the registered key.
    let stale = deploy(
        &h,
        static_key(vec![key(&old, "old", true), key(&next, "next", false)]),
    );
    deploy(
        &h,
        static_key(vec![key(&old, "old", false), key(&next, "next", true)]),
    );
    assert_eq!(sign_in(&h, &stale).await, Err("sign_in.token_endpoint"));
}
