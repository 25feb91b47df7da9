//! OpenID Connect Back-Channel Logout 1.0 §2.6 as One Login sends it (ONE-LOGIN.md §8.2).

use govuk_one_login::{BackChannelError, BackChannelResponse, LogoutNotice, SignInOptions};
use govuk_one_login_conformance::{Harness, expect_failure, expect_success};
use govuk_one_login_testkit::LogoutTokenFault;

const F: &str = "back_channel_logout";

fn code(e: &BackChannelError) -> &'static str {
    e.code()
}

/// The answer an application gives after ending the sessions (or for a refusal).
fn back_channel_response(result: &Result<LogoutNotice, BackChannelError>) -> BackChannelResponse {
    match result {
        Ok(_) => BackChannelResponse::applied(),
        Err(e) => e.response(),
    }
}

fn form(token: &str) -> Vec<u8> {
    format!("logout_token={token}").into_bytes()
}

#[tokio::test]
async fn accepts_a_valid_logout_token_once_and_answers_200_no_store() {
    let h = Harness::standard().await;
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let token = h
        .provider
        .mint_logout_token("client-auth", signed_in.sub(), None);
    let rp = h.rp("auth");
    let result = rp.back_channel_logout(&form(&token)).await;
    let response = back_channel_response(&result);
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains(&("cache-control", "no-store")));
    let notice = expect_success(F, "valid_token", result);
    assert_eq!(notice.sub(), signed_in.sub());

    // The same token again ends no session and is refused with 400 (a replay).
    let again = rp.back_channel_logout(&form(&token)).await;
    assert_eq!(back_channel_response(&again).status(), 400);
    expect_failure(F, "replayed_jti", "back_channel.replayed", again, code);
}

async fn refused(fault: LogoutTokenFault, scenario: &str, expected: &str) {
    let h = Harness::standard().await;
    let token =
        h.provider
            .mint_logout_token("client-auth", "urn:fdc:gov.uk:2022:someone", Some(fault));
    let result = h.rp("auth").back_channel_logout(&form(&token)).await;
    assert_eq!(back_channel_response(&result).status(), 400, "{scenario}");
    expect_failure(F, scenario, expected, result, code);
}

#[tokio::test]
async fn refuses_wrong_issuer() {
    refused(
        LogoutTokenFault::InvalidIss,
        "invalid_iss",
        "logout_token.claims.iss",
    )
    .await;
}
#[tokio::test]
async fn refuses_wrong_audience() {
    refused(
        LogoutTokenFault::InvalidAud,
        "invalid_aud",
        "logout_token.claims.aud",
    )
    .await;
}
#[tokio::test]
async fn refuses_hmac_header() {
    refused(
        LogoutTokenFault::InvalidAlgHeader,
        "invalid_alg_header",
        "logout_token.header.alg_not_allowed",
    )
    .await;
}
#[tokio::test]
async fn refuses_bad_signature() {
    refused(
        LogoutTokenFault::InvalidSignature,
        "invalid_signature",
        "logout_token.signature.invalid",
    )
    .await;
}
#[tokio::test]
async fn refuses_unknown_kid() {
    refused(
        LogoutTokenFault::UnknownKid,
        "unknown_kid",
        "logout_token.key.unknown_kid",
    )
    .await;
}
#[tokio::test]
async fn refuses_expired_token() {
    refused(
        LogoutTokenFault::Expired,
        "expired",
        "logout_token.claims.expired",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_issued_in_the_future() {
    refused(
        LogoutTokenFault::IssuedInFuture,
        "issued_in_future",
        "logout_token.claims.iat_future",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_without_sub() {
    refused(
        LogoutTokenFault::MissingSub,
        "missing_sub",
        "logout_token.claims.missing",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_without_jti() {
    refused(
        LogoutTokenFault::MissingJti,
        "missing_jti",
        "logout_token.claims.missing",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_without_events() {
    refused(
        LogoutTokenFault::MissingEvents,
        "missing_events",
        "logout_token.claims.missing",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_with_another_event() {
    refused(
        LogoutTokenFault::WrongEvent,
        "wrong_event",
        "logout_token.claims.events",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_with_a_nonce() {
    refused(
        LogoutTokenFault::WithNonce,
        "with_nonce",
        "logout_token.claims.forbidden",
    )
    .await;
}
#[tokio::test]
async fn refuses_token_with_a_wrong_typ() {
    refused(
        LogoutTokenFault::WrongTyp,
        "wrong_typ",
        "logout_token.header.typ",
    )
    .await;
}

#[tokio::test]
async fn refuses_an_id_token_presented_as_a_logout_token() {
    let h = Harness::standard().await;
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let r = h
        .rp("auth")
        .back_channel_logout(&form(signed_in.id_token().expose_secret()))
        .await;
    // An ID token has no `events` and no `jti`: refused before its nonce is even looked at.
    expect_failure(
        F,
        "id_token_as_logout_token",
        "logout_token.claims.missing",
        r,
        code,
    );
}

#[tokio::test]
async fn refuses_a_body_without_exactly_one_logout_token() {
    let h = Harness::standard().await;
    let rp = h.rp("auth");
    let r = rp.back_channel_logout(b"something=else").await;
    expect_failure(
        F,
        "missing_logout_token",
        "back_channel.missing_token",
        r,
        code,
    );
    let r = rp
        .back_channel_logout(b"logout_token=a&logout_token=b")
        .await;
    expect_failure(
        F,
        "two_logout_tokens",
        "back_channel.missing_token",
        r,
        code,
    );
    let r = rp.back_channel_logout(&vec![b'a'; 70 * 1024]).await;
    expect_failure(F, "oversized_body", "back_channel.too_large", r, code);
}

#[tokio::test]
async fn refuses_a_logout_token_for_another_service() {
    let h = Harness::standard().await;
    let token =
        h.provider
            .mint_logout_token("client-identity", "urn:fdc:gov.uk:2022:someone", None);
    let r = h.rp("auth").back_channel_logout(&form(&token)).await;
    expect_failure(
        F,
        "other_services_token",
        "logout_token.claims.aud",
        r,
        code,
    );
}
