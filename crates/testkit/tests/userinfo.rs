//! `/userinfo` with and without identity, its Bearer-only rule, and pairwise subjects by sector.

// Helpers outside #[test] functions unwrap too: a panic there fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    REDIRECT, get_json, identity_spec, services, setup, setup_identity, sign_in, spec, userinfo,
};
use govuk_one_login_core::TestClock;
use govuk_one_login_testkit::{MockIdentity, MockOneLogin, MockUser};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

const CLAIMS: &str = r#"{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null,"https://vocab.account.gov.uk/v1/address":null,"https://vocab.account.gov.uk/v1/passport":null,"https://vocab.account.gov.uk/v1/returnCode":null}}"#;

async fn identity_sign_in(
    op: &MockOneLogin,
    service: &govuk_one_login_core::ServiceConfig,
) -> Value {
    let (_, body) = sign_in(
        op,
        service,
        &[("vtr", r#"["Cl.Cm.P2"]"#), ("claims", CLAIMS)],
    )
    .await;
    let (status, _, info) = userinfo(op, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{info}");
    info
}

#[tokio::test]
async fn userinfo_without_identity_returns_sub_and_the_scoped_claims() {
    let (op, service) = setup().await;
    let (_, body) = sign_in(&op, &service, &[]).await;
    let (status, headers, info) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(info["sub"], op.subject_for(&service).as_str());
    assert_eq!(info["email"], "test@example.com");
    assert_eq!(info["email_verified"], true);
    assert_eq!(info["phone_number"], "+447123456789");
    assert_eq!(info["phone_number_verified"], true);
    assert!(
        info.get("https://vocab.account.gov.uk/v1/coreIdentityJWT")
            .is_none()
    );

    let (_, body) = sign_in(&op, &service, &[("scope", "openid")]).await;
    let (_, _, info) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
    assert_eq!(
        info.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["sub"]
    );
}

#[tokio::test]
async fn userinfo_with_identity_returns_a_core_identity_jwt_verifiable_with_the_did_key() {
    let (op, service) = setup_identity().await;
    let mut user = MockUser::default();
    user.identity.as_mut().unwrap().passports = Some(MockIdentity::sample_passport());
    op.set_user(user);
    let info = identity_sign_in(&op, &service).await;
    assert_eq!(
        info["https://vocab.account.gov.uk/v1/address"][0]["postalCode"],
        "GL1 5QB"
    );
    assert_eq!(
        info["https://vocab.account.gov.uk/v1/passport"][0]["icaoIssuerCode"],
        "GBR"
    );
    assert!(
        info.get("https://vocab.account.gov.uk/v1/returnCode")
            .is_none()
    );
    let jwt = info["https://vocab.account.gov.uk/v1/coreIdentityJWT"]
        .as_str()
        .unwrap();

    let env = op.environment();
    let (header, _) = common::peek(jwt);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], op.identity_kid().as_str());
    let (_, _, did) = get_json(env.did_document_url().clone()).await;
    let jwk = &did["assertionMethod"][0]["publicKeyJwk"];
    let key =
        DecodingKey::from_ec_components(jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&["client-id"]);
    v.set_issuer(&[env.identity_issuer().as_str()]);
    v.validate_nbf = true;
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &v).unwrap().claims;
    assert_eq!(claims["sub"], info["sub"]);
    assert_eq!(claims["vot"], "P2");
    assert_eq!(claims["vtm"], format!("{}trustmark", op.issuer()));
    assert_eq!(
        claims["vc"]["credentialSubject"]["name"][0]["nameParts"][1]["value"],
        "HEARNSHAW"
    );
    assert_eq!(
        claims["vc"]["credentialSubject"]["birthDate"][0]["value"],
        "1955-04-19"
    );
}

#[tokio::test]
async fn return_codes_replace_the_identity_when_proving_failed() {
    let (op, service) = setup_identity().await;
    let mut user = MockUser::default();
    user.identity = None;
    user.return_codes = vec!["B".into(), "C".into()];
    op.set_user(user);
    let info = identity_sign_in(&op, &service).await;
    assert_eq!(
        info["https://vocab.account.gov.uk/v1/returnCode"],
        serde_json::json!([{"code": "B"}, {"code": "C"}])
    );
    assert!(
        info.get("https://vocab.account.gov.uk/v1/coreIdentityJWT")
            .is_none()
    );
    assert!(
        info.get("https://vocab.account.gov.uk/v1/address")
            .is_none()
    );
}

#[tokio::test]
async fn identity_claims_need_an_identity_vector_in_the_request() {
    let (op, service) = setup_identity().await;
    let (_, body) = sign_in(&op, &service, &[]).await;
    let (_, _, info) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
    assert!(
        info.get("https://vocab.account.gov.uk/v1/coreIdentityJWT")
            .is_none()
    );
}

#[tokio::test]
async fn userinfo_takes_only_a_bearer_header() {
    let (op, service) = setup().await;
    let (_, body) = sign_in(&op, &service, &[]).await;
    let token = body["access_token"].as_str().unwrap();
    let http = common::http();
    let url = op.issuer().join("userinfo").unwrap();
    let r = http.get(url.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let mut in_query = url.clone();
    in_query
        .query_pairs_mut()
        .append_pair("access_token", token);
    let r = http.get(in_query).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_request")
    );
    let r = http
        .get(url.clone())
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (status, headers, _) = userinfo(&op, "not-a-token").await;
    assert_eq!(status, 401);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
    let recorded = op.requests_to("/userinfo");
    assert!(!format!("{recorded:?}").contains(token));
}

#[tokio::test]
async fn access_tokens_expire_after_180_seconds() {
    common::install_provider();
    let clock = TestClock::now();
    let op = MockOneLogin::try_start_with_clock(Arc::new(clock.clone()))
        .await
        .unwrap();
    let services = services(&op, vec![spec("svc", "client-1", REDIRECT)]);
    let (_, body) = sign_in(&op, services.get("svc").unwrap(), &[]).await;
    let token = body["access_token"].as_str().unwrap();
    clock.advance(Duration::from_secs(180));
    assert_eq!(userinfo(&op, token).await.0, 200);
    clock.advance(Duration::from_secs(1));
    assert_eq!(userinfo(&op, token).await.0, 401);
}

#[tokio::test]
async fn services_in_one_sector_share_a_sub_and_other_sectors_get_another() {
    common::install_provider();
    let op = MockOneLogin::start().await;
    let mut a = spec("a", "client-a", "https://a.creatures.gov.uk/callback");
    a.sector_identifier_uri = Some("https://creatures.gov.uk".into());
    let mut b = identity_spec("b", "client-b", "https://b.creatures.gov.uk/callback");
    b.sector_identifier_uri = Some("https://www.creatures.gov.uk".into());
    let c = spec("c", "client-c", "https://fishing.gov.uk/callback");
    let services = services(&op, vec![a, b, c]);
    let (a, b, c) = (
        services.get("a").unwrap(),
        services.get("b").unwrap(),
        services.get("c").unwrap(),
    );
    let sub_a = op.subject_for(a);
    assert_eq!(sub_a, op.subject_for(b));
    assert_ne!(sub_a, op.subject_for(c));
    assert_eq!(
        sub_a,
        govuk_one_login_sector::pairwise_subject(
            "creatures.gov.uk",
            &MockUser::default().internal_id,
            &MockUser::default().salt
        )
    );
    // What the endpoints serve agrees.
    for (service, expected) in [(a, &sub_a), (c, &op.subject_for(c))] {
        let (_, body) = sign_in(&op, service, &[]).await;
        let (_, _, info) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
        assert_eq!(info["sub"], expected.as_str());
        assert_eq!(
            common::peek(body["id_token"].as_str().unwrap()).1["sub"],
            expected.as_str()
        );
    }
    // Another user gets another sub in the same sector.
    let mut other = MockUser::default();
    other.internal_id = "someone-else".into();
    op.set_user(other);
    assert_ne!(op.subject_for(a), sub_a);
}
