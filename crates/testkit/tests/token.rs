//! `/token`: a good exchange, and every rejection One Login makes.

// Helpers outside #[test] functions unwrap too: a panic there fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    REDIRECT, assertion_claims, authorize_url, code_for, exchange, post_token, services, setup,
    sign_assertion, sign_in, spec, verify_id_token,
};
use govuk_one_login_core::{IdTokenAlgorithm, ServiceConfig, TestClock};
use govuk_one_login_testkit::MockOneLogin;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

/// A change to a client assertion's claims.
type Tweak = dyn FnOnce(&mut Value);

const BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Sends a token request whose assertion claims `tweak` changes, signed with `alg`.
async fn token_with(
    op: &MockOneLogin,
    service: &ServiceConfig,
    alg: Algorithm,
    tweak: impl FnOnce(&mut Value),
) -> (u16, Value) {
    let pending = authorize_url(op, service, &[]);
    let code = code_for(op, &pending).await;
    let mut claims = assertion_claims(op, service.client_id().as_str());
    tweak(&mut claims);
    let assertion = sign_assertion(&claims, alg);
    post_token(
        op,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &pending.redirect_uri),
            ("client_assertion_type", BEARER),
            ("client_assertion", &assertion),
            ("code_verifier", pending.verifier.secret()),
        ],
    )
    .await
}

fn error(body: &Value) -> (&str, &str) {
    (
        body["error"].as_str().unwrap_or_default(),
        body["error_description"].as_str().unwrap_or_default(),
    )
}

#[tokio::test]
async fn exchanges_a_code_for_an_es256_id_token_per_one_logins_contract() {
    let (op, service) = setup().await;
    let (pending, body) = sign_in(&op, &service, &[]).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 180);
    let access_token = body["access_token"].as_str().unwrap();
    let id_token = body["id_token"].as_str().unwrap();
    let (header, _) = common::peek(id_token);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(
        header["kid"],
        op.id_token_kid(IdTokenAlgorithm::ES256).as_str()
    );
    let claims = verify_id_token(&op, id_token, "client-1").await.unwrap();
    assert_eq!(claims["iss"], op.issuer().as_str());
    assert_eq!(claims["sub"], op.subject_for(&service).as_str());
    assert!(
        claims["sub"]
            .as_str()
            .unwrap()
            .starts_with("urn:fdc:gov.uk:2022:")
    );
    assert_eq!(claims["nonce"], pending.nonce.as_str());
    assert_eq!(claims["vot"], "Cl.Cm");
    assert_eq!(claims["vtm"], format!("{}trustmark", op.issuer()));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    assert!(claims["sid"].is_string() && claims["auth_time"].is_i64());
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16]);
    assert_eq!(claims["at_hash"], expected.as_str());
    let recorded = op.requests_to("/token");
    assert_eq!(recorded.len(), 1);
    let assertion = recorded[0].client_assertion.as_ref().unwrap();
    assert_eq!(assertion.header["alg"], "RS256");
    assert_eq!(assertion.claims["iss"], "client-1");
    assert_eq!(
        recorded[0].form_field("grant_type"),
        Some("authorization_code")
    );
    assert_eq!(recorded[0].user_agent(), Some(common::UA));
}

#[tokio::test]
async fn signs_rs256_clients_id_tokens_with_the_rs256_key_and_echoes_the_lowest_credential_level() {
    common::install_provider();
    let op = MockOneLogin::start().await;
    let mut s = spec("rsa", "client-rsa", REDIRECT);
    s.id_token_signing_alg = Some("RS256".into());
    let services = services(&op, vec![s]);
    let service = services.get("rsa").unwrap();
    let (_, body) = sign_in(&op, service, &[("vtr", r#"["Cl.Cm","Cl"]"#)]).await;
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(common::peek(id_token).0["alg"], "RS256");
    let claims = verify_id_token(&op, id_token, "client-rsa").await.unwrap();
    assert_eq!(claims["vot"], "Cl");
}

#[tokio::test]
async fn rejects_an_es256_client_assertion() {
    let (op, service) = setup().await;
    // An EC key of our own: One Login verifies with an RSA verifier, so ES256 can never pass.
    let pkcs8 = aws_lc_rs::signature::EcdsaKeyPair::generate_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &aws_lc_rs::rand::SystemRandom::new(),
    )
    .unwrap();
    let key = jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref());
    let assertion = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(Algorithm::ES256),
        &assertion_claims(&op, "client-1"),
        &key,
    )
    .unwrap();
    let pending = authorize_url(&op, &service, &[]);
    let code = code_for(&op, &pending).await;
    let (status, body) = post_token(
        &op,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_assertion_type", BEARER),
            ("client_assertion", &assertion),
            ("code_verifier", pending.verifier.secret()),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_client", "Invalid signature in private_key_jwt")
    );
}

#[tokio::test]
async fn accepts_ps256_and_the_issuer_as_audience() {
    let (op, service) = setup().await;
    let (status, body) = token_with(&op, &service, Algorithm::PS256, |c| {
        c["aud"] = json!(op.issuer().as_str())
    })
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = token_with(&op, &service, Algorithm::RS256, |c| {
        c["aud"] = json!(["x", op.issuer().join("token").unwrap().as_str()])
    })
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn rejects_an_assertion_with_the_wrong_audience() {
    let (op, service) = setup().await;
    for aud in [
        json!("https://oidc.account.gov.uk/token"),
        json!(op.issuer().join("authorize").unwrap().as_str()),
        json!(op.issuer().as_str().trim_end_matches('/')),
    ] {
        let (status, body) =
            token_with(&op, &service, Algorithm::RS256, |c| c["aud"] = aud.clone()).await;
        assert_eq!(status, 400);
        assert_eq!(error(&body).0, "invalid_client", "{aud}");
    }
}

#[tokio::test]
async fn rejects_an_expired_assertion_beyond_thirty_seconds_of_skew() {
    let (op, service) = setup().await;
    let (status, body) = token_with(&op, &service, Algorithm::RS256, |c| {
        c["exp"] = json!(c["iat"].as_i64().unwrap() - 31)
    })
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_grant", "private_key_jwt has expired")
    );
    let (status, _) = token_with(&op, &service, Algorithm::RS256, |c| {
        c["exp"] = json!(c["iat"].as_i64().unwrap() - 10)
    })
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn rejects_assertions_whose_iss_sub_or_client_id_disagree_or_lack_jti_or_exp() {
    let (op, service) = setup().await;
    let cases: Vec<(Box<Tweak>, (&str, &str))> = vec![
        (
            Box::new(|c| c["iss"] = json!("other")),
            (
                "invalid_client",
                "private_key_jwt iss and sub must both be the client id",
            ),
        ),
        (
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
            ("invalid_request", "Invalid private_key_jwt: jti is missing"),
        ),
        (
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            (
                "invalid_request",
                "Invalid private_key_jwt: exp is missing or not a number",
            ),
        ),
        (
            Box::new(|c| {
                c["iss"] = json!("nobody");
                c["sub"] = json!("nobody");
            }),
            ("invalid_client", "Client not found"),
        ),
    ];
    for (tweak, expected) in cases {
        let (status, body) = token_with(&op, &service, Algorithm::RS256, tweak).await;
        assert_eq!(status, 400);
        assert_eq!(error(&body), expected);
    }
}

#[tokio::test]
async fn rejects_a_reused_jti() {
    let (op, service) = setup().await;
    let claims = assertion_claims(&op, "client-1");
    let jti = claims["jti"].clone();
    let (status, _) = token_with(&op, &service, Algorithm::RS256, |c| c["jti"] = jti.clone()).await;
    assert_eq!(status, 200);
    let (status, body) =
        token_with(&op, &service, Algorithm::RS256, |c| c["jti"] = jti.clone()).await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_client", "private_key_jwt has already been used")
    );
}

#[tokio::test]
async fn rejects_a_reused_code_and_revokes_its_access_token() {
    let (op, service) = setup().await;
    let pending = authorize_url(&op, &service, &[]);
    let code = code_for(&op, &pending).await;
    let (status, body) = exchange(&op, &service, &code, &pending).await;
    assert_eq!(status, 200);
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = exchange(&op, &service, &code, &pending).await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_grant", "Authorization code has already been used")
    );
    assert_eq!(common::userinfo(&op, &access_token).await.0, 401);
}

#[tokio::test]
async fn rejects_a_code_presented_with_another_redirect_uri() {
    let (op, service) = setup().await;
    let mut pending = authorize_url(&op, &service, &[]);
    let code = code_for(&op, &pending).await;
    pending.redirect_uri = "http://127.0.0.1:9/other".into();
    let (status, body) = exchange(&op, &service, &code, &pending).await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        (
            "invalid_grant",
            "Redirect URI does not match the authorization request"
        )
    );
}

#[tokio::test]
async fn rejects_a_wrong_or_missing_pkce_verifier() {
    let (op, service) = setup().await;
    let mut pending = authorize_url(&op, &service, &[]);
    let code = code_for(&op, &pending).await;
    pending.verifier = govuk_one_login_core::PkceVerifier::generate().unwrap();
    let (status, body) = exchange(&op, &service, &code, &pending).await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_grant", "PKCE code verification failed")
    );

    let pending = authorize_url(&op, &service, &[]);
    let code = code_for(&op, &pending).await;
    let assertion = sign_assertion(&assertion_claims(&op, "client-1"), Algorithm::RS256);
    let (status, body) = post_token(
        &op,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_assertion_type", BEARER),
            ("client_assertion", &assertion),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_grant", "PKCE code verification failed")
    );
}

#[tokio::test]
async fn codes_expire_after_five_minutes() {
    common::install_provider();
    let clock = TestClock::now();
    let op = MockOneLogin::try_start_with_clock(Arc::new(clock.clone()))
        .await
        .unwrap();
    let services = services(&op, vec![spec("svc", "client-1", REDIRECT)]);
    let service = services.get("svc").unwrap();
    let pending = authorize_url(&op, service, &[]);
    let code = code_for(&op, &pending).await;
    clock.advance(Duration::from_secs(301));
    // The assertion is dated by the real clock; move it forward too.
    let mut claims = assertion_claims(&op, "client-1");
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 301);
    let assertion = sign_assertion(&claims, Algorithm::RS256);
    let (status, body) = post_token(
        &op,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_assertion_type", BEARER),
            ("client_assertion", &assertion),
            ("code_verifier", pending.verifier.secret()),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        ("invalid_grant", "Authorization code has expired")
    );
}

#[tokio::test]
async fn rejects_malformed_requests_with_oauth_errors() {
    let (op, service) = setup().await;
    let (status, body) = post_token(&op, &[("code", "x")]).await;
    assert_eq!(
        (status, error(&body)),
        (
            400,
            ("invalid_request", "Request is missing grant_type parameter")
        )
    );
    let (_, body) = post_token(&op, &[("grant_type", "refresh_token")]).await;
    assert_eq!(error(&body).0, "unsupported_grant_type");
    let (_, body) = post_token(&op, &[("grant_type", "authorization_code"), ("code", "x")]).await;
    assert_eq!(
        error(&body),
        (
            "invalid_request",
            "Invalid token authentication method used"
        )
    );
    let (_, body) = post_token(
        &op,
        &[
            ("grant_type", "authorization_code"),
            ("client_assertion_type", BEARER),
            ("client_assertion", "not.a.jwt"),
        ],
    )
    .await;
    assert_eq!(error(&body), ("invalid_request", "Invalid private_key_jwt"));
    let (_, body) = token_with(&op, &service, Algorithm::RS256, |_| {}).await;
    assert!(body["access_token"].is_string());
    let (_, body) = post_token(
        &op,
        &[
            ("grant_type", "authorization_code"),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    assert_eq!(
        error(&body),
        (
            "invalid_request",
            "Request includes a parameter more than once"
        )
    );
    let r = common::http()
        .post(op.issuer().join("token").unwrap())
        .json(&json!({"grant_type": "authorization_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn client_secret_post_clients_authenticate_with_their_secret() {
    common::install_provider();
    let op = MockOneLogin::start().await;
    let mut s = spec("cognito", "client-secret", REDIRECT);
    s.token_auth = govuk_one_login_core::TokenAuthSpec {
        method: Some("client_secret_post".into()),
        secret: Some("s3cr3t-value".into()),
        ..Default::default()
    };
    let services = services(&op, vec![s]);
    let service = services.get("cognito").unwrap();
    for (secret, expected) in [("wrong", 400), ("s3cr3t-value", 200)] {
        let pending = authorize_url(&op, service, &[]);
        let code = code_for(&op, &pending).await;
        let (status, body) = post_token(
            &op,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", "client-secret"),
                ("client_secret", secret),
                ("code_verifier", pending.verifier.secret()),
            ],
        )
        .await;
        assert_eq!(status, expected, "{body}");
    }
    // And an assertion is refused for a client_secret_post client.
    let (status, body) = token_with(&op, service, Algorithm::RS256, |c| {
        c["iss"] = json!("client-secret");
        c["sub"] = json!("client-secret");
    })
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        error(&body),
        (
            "invalid_client",
            "Client is not registered to use private_key_jwt"
        )
    );
}
