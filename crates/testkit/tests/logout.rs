//! Back-channel logout tokens and their delivery; RP-initiated logout at `/logout`.

// Helpers outside #[test] functions unwrap too: a panic there fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{param, setup, sign_in};
use govuk_one_login_core::Url;
use govuk_one_login_testkit::LogoutTokenFault;
use jsonwebtoken::{Algorithm, Validation, jwk::JwkSet};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

async fn verify_logout(
    op: &govuk_one_login_testkit::MockOneLogin,
    token: &str,
) -> Result<Value, jsonwebtoken::errors::Error> {
    let set: JwkSet = serde_json::from_value(op.jwks()).unwrap();
    let h = jsonwebtoken::decode_header(token)?;
    let jwk = h
        .kid
        .as_deref()
        .and_then(|k| set.find(k))
        .ok_or(jsonwebtoken::errors::ErrorKind::InvalidToken)?;
    let mut v = Validation::new(Algorithm::ES256);
    v.set_audience(&["client-1"]);
    v.set_issuer(&[op.issuer().as_str()]);
    v.leeway = 0;
    v.validate_nbf = true;
    Ok(
        jsonwebtoken::decode::<Value>(token, &jsonwebtoken::DecodingKey::from_jwk(jwk)?, &v)?
            .claims,
    )
}

#[tokio::test]
async fn mints_logout_tokens_as_one_login_does() {
    let (op, service) = setup().await;
    let sub = op.subject_for(&service);
    let token = op.mint_logout_token("client-1", &sub, None);
    let (header, _) = common::peek(&token);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "logout+jwt");
    let claims = verify_logout(&op, &token).await.unwrap();
    assert_eq!(claims["sub"], sub.as_str());
    assert_eq!(claims["events"], json!({ EVENT: {} }));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        120
    );
    assert!(
        claims["jti"].is_string() && claims.get("sid").is_none() && claims.get("nonce").is_none()
    );
    assert_ne!(
        op.mint_logout_token("client-1", &sub, None),
        token,
        "a fresh jti each time"
    );
}

#[tokio::test]
async fn each_logout_token_fault_changes_the_token() {
    let (op, _) = setup().await;
    let cases = [
        LogoutTokenFault::InvalidIss,
        LogoutTokenFault::InvalidAud,
        LogoutTokenFault::InvalidAlgHeader,
        LogoutTokenFault::InvalidSignature,
        LogoutTokenFault::UnknownKid,
        LogoutTokenFault::Expired,
        LogoutTokenFault::IssuedInFuture,
        LogoutTokenFault::MissingSub,
        LogoutTokenFault::MissingJti,
        LogoutTokenFault::MissingEvents,
        LogoutTokenFault::WrongEvent,
        LogoutTokenFault::NonEmptyEvent,
        LogoutTokenFault::WithNonce,
        LogoutTokenFault::WrongTyp,
    ];
    for fault in cases {
        let token = op.mint_logout_token("client-1", "sub-1", Some(fault));
        let (header, claims) = common::peek(&token);
        let verified = verify_logout(&op, &token).await;
        match fault {
            LogoutTokenFault::InvalidIss
            | LogoutTokenFault::InvalidAud
            | LogoutTokenFault::InvalidAlgHeader
            | LogoutTokenFault::InvalidSignature
            | LogoutTokenFault::UnknownKid
            | LogoutTokenFault::Expired => assert!(verified.is_err(), "{fault:?}"),
            // jsonwebtoken never checks iat: the relying party must.
            LogoutTokenFault::IssuedInFuture => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                assert!(claims["iat"].as_u64().unwrap() > now + 3_600);
            }
            LogoutTokenFault::MissingSub => assert!(claims.get("sub").is_none()),
            LogoutTokenFault::MissingJti => assert!(claims.get("jti").is_none()),
            LogoutTokenFault::MissingEvents => assert!(claims.get("events").is_none()),
            LogoutTokenFault::WrongEvent => assert!(claims["events"].get(EVENT).is_none()),
            LogoutTokenFault::NonEmptyEvent => assert_ne!(claims["events"][EVENT], json!({})),
            LogoutTokenFault::WithNonce => assert!(claims["nonce"].is_string()),
            LogoutTokenFault::WrongTyp => assert_eq!(header["typ"], "JWT"),
            _ => unreachable!("a new fault needs a case here"),
        }
    }
}

#[tokio::test]
async fn delivers_the_logout_token_as_a_form_post_and_reports_the_status() {
    let (op, _) = setup().await;
    let rp = MockServer::start().await;
    let token = op.mint_logout_token("client-1", "sub-1", None);
    Mock::given(method("POST"))
        .and(path("/back-channel-logout"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains(format!("logout_token={token}")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&rp)
        .await;
    let url = Url::parse(&format!("{}/back-channel-logout", rp.uri())).unwrap();
    assert_eq!(op.deliver_back_channel_logout(&url, &token).await, Ok(200));
    let elsewhere = Url::parse(&format!("{}/nope", rp.uri())).unwrap();
    assert_eq!(
        op.deliver_back_channel_logout(&elsewhere, &token).await,
        Ok(404)
    );
    let err = op
        .deliver_back_channel_logout(&Url::parse("ftp://127.0.0.1/x").unwrap(), &token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "testkit.delivery.bad_url");
    let closed = Url::parse("http://127.0.0.1:9/x").unwrap();
    assert_eq!(
        op.deliver_back_channel_logout(&closed, &token)
            .await
            .unwrap_err()
            .code(),
        "testkit.delivery.transport"
    );
}

fn logout_url(op: &govuk_one_login_testkit::MockOneLogin, pairs: &[(&str, &str)]) -> Url {
    let mut url = op.issuer().join("logout").unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url
}

#[tokio::test]
async fn logout_redirects_to_a_registered_post_logout_uri_with_state() {
    let (op, service) = setup().await;
    let (_, body) = sign_in(&op, &service, &[]).await;
    let hint = body["id_token"].as_str().unwrap();
    let to = op
        .logout(&logout_url(
            &op,
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", "http://127.0.0.1:9/signed-out"),
                ("state", "bye"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(to.as_str(), "http://127.0.0.1:9/signed-out?state=bye");
    // No hint: One Login's own signed-out page.
    let to = op
        .logout(&logout_url(
            &op,
            &[("post_logout_redirect_uri", "http://127.0.0.1:9/signed-out")],
        ))
        .await
        .unwrap();
    assert_eq!(to.as_str(), format!("{}signed-out", op.issuer()));
}

#[tokio::test]
async fn logout_accepts_an_expired_hint_but_not_a_forged_one_or_an_unregistered_uri() {
    let (op, service) = setup().await;
    let mut claims = op.id_token_claims(&service, "n");
    claims["exp"] = json!(1_000);
    let expired = op.mint_id_token(
        claims.clone(),
        json!({}),
        govuk_one_login_testkit::MockKey::IdTokenEs256,
    );
    let ok = op
        .logout(&logout_url(
            &op,
            &[
                ("id_token_hint", &expired),
                ("post_logout_redirect_uri", "http://127.0.0.1:9/signed-out"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(ok.path(), "/signed-out");
    assert_eq!(ok.port(), Some(9));
    let forged = op.mint_id_token(
        claims,
        json!({}),
        govuk_one_login_testkit::MockKey::Unpublished,
    );
    let err = op
        .logout(&logout_url(&op, &[("id_token_hint", &forged)]))
        .await
        .unwrap();
    assert_eq!(err.path(), "/logout-error");
    assert_eq!(
        param(&err, "error_description").as_deref(),
        Some("unable to validate id_token_hint")
    );
    let err = op
        .logout(&logout_url(
            &op,
            &[
                ("id_token_hint", &expired),
                ("post_logout_redirect_uri", "https://evil.example/"),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(
        param(&err, "error_description").as_deref(),
        Some("client registry does not contain post_logout_redirect_uri")
    );
    let long = "x".repeat(2100);
    assert_eq!(
        op.logout(&logout_url(&op, &[("state", &long)]))
            .await
            .unwrap_err()
            .code(),
        "testkit.browser.refused"
    );
}
