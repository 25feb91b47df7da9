//! Every fault visibly changes what the provider serves; key rotation and removal; crafted
//! tokens.

// Helpers outside #[test] functions unwrap too: a panic there fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{get_json, peek, setup, setup_identity, sign_in, userinfo, verify_id_token};
use govuk_one_login_core::IdTokenAlgorithm;
use govuk_one_login_testkit::{
    CoreIdentityFault, Endpoint, EndpointFault, Faults, IdTokenFault, MockKey, TokenResponseFault,
};
use jsonwebtoken::errors::ErrorKind;
use serde_json::{Value, json};

async fn id_token_with(
    fault: IdTokenFault,
) -> (String, String, govuk_one_login_testkit::MockOneLogin) {
    let (op, service) = setup().await;
    op.set_faults(Faults::id_token(fault));
    let (pending, body) = sign_in(&op, &service, &[]).await;
    (
        body["id_token"].as_str().unwrap().to_owned(),
        pending.nonce,
        op,
    )
}

#[tokio::test]
async fn each_id_token_fault_breaks_exactly_what_the_simulator_breaks() {
    for fault in IdTokenFault::ALL {
        let (token, nonce, op) = id_token_with(fault).await;
        let (header, claims) = peek(&token);
        let verified = verify_id_token(&op, &token, "client-1").await;
        match fault {
            IdTokenFault::InvalidIss => {
                assert_eq!(claims["iss"], "https://example.com/identity-provider");
                assert_eq!(verified.unwrap_err().kind(), &ErrorKind::InvalidIssuer);
            }
            IdTokenFault::InvalidAud => {
                assert_ne!(claims["aud"], "client-1");
                assert_eq!(verified.unwrap_err().kind(), &ErrorKind::InvalidAudience);
            }
            IdTokenFault::InvalidAlgHeader => {
                assert_eq!(header["alg"], "HS256");
                assert_eq!(verified.unwrap_err().kind(), &ErrorKind::InvalidAlgorithm);
            }
            IdTokenFault::InvalidSignature => {
                assert_eq!(verified.unwrap_err().kind(), &ErrorKind::InvalidSignature);
            }
            IdTokenFault::TokenExpired => {
                assert_eq!(verified.unwrap_err().kind(), &ErrorKind::ExpiredSignature);
            }
            IdTokenFault::TokenNotValidYet => {
                let now = claims["exp"].as_i64().unwrap() - 120 - 86_400;
                assert!(claims["iat"].as_i64().unwrap() >= now + 86_400 - 5);
                assert!(
                    verified.is_ok(),
                    "only iat moves; the RP must check it itself"
                );
            }
            IdTokenFault::NonceNotMatching => {
                assert_ne!(verified.unwrap()["nonce"], nonce.as_str());
            }
            IdTokenFault::IncorrectVot => assert_eq!(verified.unwrap()["vot"], "Cl"),
            _ => unreachable!("a new fault needs a case here"),
        }
    }
}

#[tokio::test]
async fn unknown_kid_fault_signs_with_a_key_the_jwks_lacks() {
    let (op, service) = setup().await;
    op.set_faults(Faults::unknown_kid());
    let (_, body) = sign_in(&op, &service, &[]).await;
    let token = body["id_token"].as_str().unwrap();
    let kid = peek(token).0["kid"].as_str().unwrap().to_owned();
    assert!(common::jwks(&op).await.find(&kid).is_none());
    assert_eq!(
        verify_id_token(&op, token, "client-1")
            .await
            .unwrap_err()
            .kind(),
        &ErrorKind::InvalidToken
    );
}

#[tokio::test]
async fn each_core_identity_fault_changes_the_served_jwt() {
    let (op, service) = setup_identity().await;
    let claims_param = r#"{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null}}"#;
    let fetch = async |faults: Faults| -> (Value, Value, String) {
        op.set_faults(faults);
        let (_, body) = sign_in(
            &op,
            &service,
            &[("vtr", r#"["Cl.Cm.P2"]"#), ("claims", claims_param)],
        )
        .await;
        let (_, _, info) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
        let jwt = info["https://vocab.account.gov.uk/v1/coreIdentityJWT"]
            .as_str()
            .unwrap()
            .to_owned();
        let (h, c) = peek(&jwt);
        (h, c, jwt)
    };
    let (good_header, good, good_jwt) = fetch(Faults::default()).await;
    for fault in CoreIdentityFault::ALL {
        let (header, claims, jwt) = fetch(Faults::core_identity(fault)).await;
        match fault {
            CoreIdentityFault::InvalidAlgHeader => {
                assert_eq!(header["alg"], "HS256");
                assert_eq!(header["kid"], good_header["kid"]);
            }
            CoreIdentityFault::InvalidSignature => {
                assert_eq!(header, good_header);
                assert_ne!(jwt.rsplit('.').next(), good_jwt.rsplit('.').next());
            }
            CoreIdentityFault::InvalidIss => assert_ne!(claims["iss"], good["iss"]),
            CoreIdentityFault::InvalidAud => assert_ne!(claims["aud"], good["aud"]),
            CoreIdentityFault::IncorrectSub => assert_ne!(claims["sub"], good["sub"]),
            CoreIdentityFault::TokenExpired => {
                assert!(claims["exp"].as_i64() < good["iat"].as_i64())
            }
            _ => unreachable!("a new fault needs a case here"),
        }
    }
}

#[tokio::test]
async fn endpoint_status_faults_answer_without_processing() {
    let (op, service) = setup().await;
    op.set_faults(Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500)));
    let (status, _, _) = get_json(op.issuer().join(".well-known/jwks.json").unwrap()).await;
    assert_eq!(status, 500);
    op.set_faults(Faults::endpoint(
        Endpoint::Discovery,
        EndpointFault::StatusWithRetryAfter {
            status: 503,
            retry_after_seconds: 7,
        },
    ));
    let (status, headers, _) = get_json(
        op.issuer()
            .join(".well-known/openid-configuration")
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, headers["retry-after"].to_str().unwrap()),
        (503, "7")
    );
    // A failing /token does not use the code up.
    let pending = common::authorize_url(&op, &service, &[]);
    let code = common::code_for(&op, &pending).await;
    op.set_faults(Faults::endpoint(
        Endpoint::Token,
        EndpointFault::Status(502),
    ));
    assert_eq!(
        common::exchange(&op, &service, &code, &pending).await.0,
        502
    );
    op.set_faults(Faults::default());
    assert_eq!(
        common::exchange(&op, &service, &code, &pending).await.0,
        200
    );
}

#[tokio::test]
async fn garbage_wrong_content_type_and_oversized_faults_break_the_body() {
    let (op, _) = setup().await;
    let url = op.issuer().join(".well-known/did.json").unwrap();
    op.set_faults(Faults::endpoint(
        Endpoint::DidDocument,
        EndpointFault::GarbageJson,
    ));
    let r = common::http().get(url.clone()).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
    op.set_faults(Faults::endpoint(
        Endpoint::DidDocument,
        EndpointFault::WrongContentType,
    ));
    let r = common::http().get(url.clone()).send().await.unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        serde_json::from_str::<Value>(&r.text().await.unwrap()).unwrap()["assertionMethod"]
            .is_array()
    );
    op.set_faults(Faults::endpoint(
        Endpoint::DidDocument,
        EndpointFault::Oversized(2_000_000),
    ));
    let r = common::http().get(url).send().await.unwrap();
    assert!(r.bytes().await.unwrap().len() >= 2_000_000);
}

#[tokio::test]
async fn delay_fault_makes_a_short_client_timeout_fire() {
    let (op, _) = setup().await;
    op.set_faults(Faults::endpoint(
        Endpoint::Userinfo,
        EndpointFault::Delay(Duration::from_millis(600)),
    ));
    let client = reqwest::Client::builder()
        .user_agent(common::UA)
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .get(op.issuer().join("userinfo").unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert!(started.elapsed() < Duration::from_millis(550));
}

#[tokio::test]
async fn discovery_issuer_faults_name_another_issuer() {
    let (op, _) = setup().await;
    let url = op
        .issuer()
        .join(".well-known/openid-configuration")
        .unwrap();
    op.set_faults(Faults::discovery_issuer_mismatch());
    let (_, _, doc) = get_json(url.clone()).await;
    assert_eq!(doc["issuer"], op.issuer().as_str().trim_end_matches('/'));
    op.set_faults(Faults::discovery_issuer("https://oidc.attacker.example/"));
    let (_, _, doc) = get_json(url).await;
    assert_eq!(doc["issuer"], "https://oidc.attacker.example/");
    assert_eq!(doc["token_endpoint"], format!("{}token", op.issuer()));
}

#[tokio::test]
async fn a_crafted_token_is_served_verbatim_from_token() {
    let (op, service) = setup().await;
    let mut claims = op.id_token_claims(&service, "n");
    claims["aud"] = json!(["client-1", "another-client"]);
    let crafted = op.mint_id_token(claims, json!({ "typ": "JWT" }), MockKey::IdTokenEs256);
    let (header, _) = peek(&crafted);
    assert_eq!(
        header["kid"],
        op.id_token_kid(IdTokenAlgorithm::ES256).as_str()
    );
    assert_eq!(header["alg"], "ES256");
    assert!(verify_id_token(&op, &crafted, "client-1").await.is_ok());
    op.set_faults(Faults::id_token_override(crafted.clone()));
    let (_, body) = sign_in(&op, &service, &[]).await;
    assert_eq!(body["id_token"], crafted.as_str());
}

#[tokio::test]
async fn crafted_tokens_can_lie_in_the_header_or_go_unsigned() {
    let (op, service) = setup().await;
    let claims = op.id_token_claims(&service, "n");
    let none = op.mint_id_token(claims.clone(), json!({}), MockKey::Unsigned);
    assert_eq!(peek(&none).0["alg"], "none");
    assert!(none.ends_with('.'));
    let lying = op.mint_id_token(
        claims.clone(),
        json!({ "alg": "RS256" }),
        MockKey::IdTokenEs256,
    );
    assert!(verify_id_token(&op, &lying, "client-1").await.is_err());
    let jwks_bytes = serde_json::to_vec(&op.jwks()).unwrap();
    let confused = op.mint_id_token(
        claims.clone(),
        json!({ "kid": op.id_token_kid(IdTokenAlgorithm::ES256) }),
        MockKey::Hmac(jwks_bytes),
    );
    assert_eq!(peek(&confused).0["alg"], "HS256");
    assert_eq!(
        verify_id_token(&op, &confused, "client-1")
            .await
            .unwrap_err()
            .kind(),
        &ErrorKind::InvalidAlgorithm
    );
    let stranger = op.mint_id_token(claims, json!({}), MockKey::Unpublished);
    assert!(verify_id_token(&op, &stranger, "client-1").await.is_err());
    assert_eq!(
        format!("{:?}", MockKey::Hmac(b"secret".to_vec())),
        "Hmac([redacted])"
    );
}

#[tokio::test]
async fn userinfo_sub_mismatch_serves_another_sub() {
    let (op, service) = setup().await;
    op.set_faults(Faults::userinfo_sub_mismatch());
    let (_, body) = sign_in(&op, &service, &[]).await;
    let (_, _, info) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
    assert_ne!(
        info["sub"],
        peek(body["id_token"].as_str().unwrap()).1["sub"]
    );
}

#[tokio::test]
async fn token_response_faults_drop_members_or_change_the_token_type() {
    let (op, service) = setup().await;
    for (fault, check) in [
        (TokenResponseFault::MissingIdToken, "id_token"),
        (TokenResponseFault::MissingAccessToken, "access_token"),
        (TokenResponseFault::TokenTypeNotBearer, "token_type"),
    ] {
        op.set_faults(Faults::token_response(fault));
        let (_, body) = sign_in(&op, &service, &[]).await;
        if check == "token_type" {
            assert_eq!(body["token_type"], "mac");
        } else {
            assert!(body.get(check).is_none(), "{fault:?}");
        }
    }
}

#[tokio::test]
async fn rotation_publishes_new_keys_and_signs_with_them_while_old_stay_published() {
    let (op, service) = setup().await;
    let old = op.id_token_kid(IdTokenAlgorithm::ES256);
    op.rotate_id_token_keys();
    let new = op.id_token_kid(IdTokenAlgorithm::ES256);
    assert_ne!(old, new);
    let set = common::jwks(&op).await;
    assert_eq!(set.keys.len(), 4);
    assert!(set.find(&old).is_some() && set.find(&new).is_some());
    let (_, body) = sign_in(&op, &service, &[]).await;
    assert_eq!(
        peek(body["id_token"].as_str().unwrap()).0["kid"],
        new.as_str()
    );
}

#[tokio::test]
async fn removing_the_signing_key_unpublishes_it_but_tokens_keep_its_kid() {
    let (op, service) = setup().await;
    let kid = op.id_token_kid(IdTokenAlgorithm::ES256);
    assert!(op.remove_key(&kid));
    assert!(!op.remove_key(&kid));
    assert!(common::jwks(&op).await.find(&kid).is_none());
    let (_, body) = sign_in(&op, &service, &[]).await;
    let token = body["id_token"].as_str().unwrap();
    assert_eq!(peek(token).0["kid"], kid.as_str());
    assert!(verify_id_token(&op, token, "client-1").await.is_err());
    // Identity keys by their full DID URL.
    let identity = op.identity_kid();
    op.rotate_identity_key();
    assert!(op.remove_key(&identity));
    let (_, _, did) = get_json(op.environment().did_document_url().clone()).await;
    assert_eq!(did["assertionMethod"].as_array().unwrap().len(), 1);
    assert_eq!(did["assertionMethod"][0]["id"], op.identity_kid().as_str());
}

#[tokio::test]
async fn nothing_after_a_rejection_is_visible_in_the_request_log() {
    let (op, service) = setup().await;
    op.set_faults(Faults::id_token(IdTokenFault::InvalidSignature));
    let (_, body) = sign_in(&op, &service, &[]).await;
    assert!(
        verify_id_token(&op, body["id_token"].as_str().unwrap(), "client-1")
            .await
            .is_err()
    );
    let paths: Vec<String> = op.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/authorize", "/token", "/.well-known/jwks.json"]);
    assert!(op.requests_to("/userinfo").is_empty());
}
