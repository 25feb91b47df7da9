//! Every fault the GDS simulator can inject, each refused with its precise error and nothing
//! called after the refusal.

use govuk_one_login::{SignInError, SignInOptions};
use govuk_one_login_conformance::{Harness, expect_failure};
use govuk_one_login_testkit::{AuthorizeFault, CoreIdentityFault, Faults, IdTokenFault};

const F: &str = "simulator_faults";

fn code(e: &SignInError) -> &'static str {
    e.code()
}

async fn id_token_fault(fault: IdTokenFault, expected: &str) {
    let h = Harness::standard().await;
    h.provider.set_faults(Faults::id_token(fault));
    let r = h.sign_in("auth", SignInOptions::default()).await;
    let scenario = format!("id_token_{}", fault.simulator_name());
    expect_failure(F, &scenario, expected, r, code);
    assert_eq!(h.calls_to("/token"), 1);
    assert_eq!(
        h.calls_to("/userinfo"),
        0,
        "{scenario}: userinfo called after a refused ID token"
    );
}

#[tokio::test]
async fn id_token_invalid_iss() {
    id_token_fault(IdTokenFault::InvalidIss, "id_token.claims.iss").await;
}
#[tokio::test]
async fn id_token_invalid_aud() {
    id_token_fault(IdTokenFault::InvalidAud, "id_token.claims.aud").await;
}
#[tokio::test]
async fn id_token_invalid_alg_header() {
    id_token_fault(
        IdTokenFault::InvalidAlgHeader,
        "id_token.header.alg_not_allowed",
    )
    .await;
}
#[tokio::test]
async fn id_token_invalid_signature() {
    id_token_fault(IdTokenFault::InvalidSignature, "id_token.signature.invalid").await;
}
#[tokio::test]
async fn id_token_token_expired() {
    id_token_fault(IdTokenFault::TokenExpired, "id_token.claims.expired").await;
}
#[tokio::test]
async fn id_token_token_not_valid_yet() {
    id_token_fault(IdTokenFault::TokenNotValidYet, "id_token.claims.iat_future").await;
}
#[tokio::test]
async fn id_token_nonce_not_matching() {
    id_token_fault(IdTokenFault::NonceNotMatching, "id_token.claims.nonce").await;
}
#[tokio::test]
async fn id_token_incorrect_vot() {
    id_token_fault(IdTokenFault::IncorrectVot, "id_token.claims.vot").await;
}

async fn identity_fault(fault: CoreIdentityFault, expected: &str) {
    let h = Harness::standard().await;
    h.provider.set_faults(Faults::core_identity(fault));
    let options = SignInOptions {
        identity: true,
        ..SignInOptions::default()
    };
    let r = h.sign_in("identity", options).await;
    let scenario = format!("core_identity_{}", fault.simulator_name());
    expect_failure(F, &scenario, expected, r, code);
}

#[tokio::test]
async fn core_identity_invalid_alg_header() {
    identity_fault(
        CoreIdentityFault::InvalidAlgHeader,
        "core_identity.header.alg_not_allowed",
    )
    .await;
}
#[tokio::test]
async fn core_identity_invalid_signature() {
    identity_fault(
        CoreIdentityFault::InvalidSignature,
        "core_identity.signature.invalid",
    )
    .await;
}
#[tokio::test]
async fn core_identity_invalid_iss() {
    identity_fault(CoreIdentityFault::InvalidIss, "core_identity.claims.iss").await;
}
#[tokio::test]
async fn core_identity_invalid_aud() {
    identity_fault(CoreIdentityFault::InvalidAud, "core_identity.claims.aud").await;
}
#[tokio::test]
async fn core_identity_incorrect_sub() {
    identity_fault(CoreIdentityFault::IncorrectSub, "core_identity.claims.sub").await;
}
#[tokio::test]
async fn core_identity_token_expired() {
    identity_fault(
        CoreIdentityFault::TokenExpired,
        "core_identity.claims.expired",
    )
    .await;
}

async fn authorize_fault(fault: AuthorizeFault, expected: &str) {
    let h = Harness::standard().await;
    h.provider.set_faults(Faults::authorize(fault));
    let r = h.sign_in("auth", SignInOptions::default()).await;
    let scenario = format!("authorize_{}", fault.error_code());
    expect_failure(F, &scenario, expected, r, code);
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn authorize_access_denied() {
    authorize_fault(
        AuthorizeFault::AccessDenied,
        "sign_in.provider.access_denied",
    )
    .await;
}
#[tokio::test]
async fn authorize_temporarily_unavailable() {
    authorize_fault(
        AuthorizeFault::TemporarilyUnavailable,
        "sign_in.provider.temporarily_unavailable",
    )
    .await;
}
#[tokio::test]
async fn authorize_login_required() {
    authorize_fault(
        AuthorizeFault::LoginRequired,
        "sign_in.provider.login_required",
    )
    .await;
}
#[tokio::test]
async fn authorize_client_deactivated() {
    authorize_fault(
        AuthorizeFault::ClientDeactivated,
        "sign_in.provider.unauthorized_client",
    )
    .await;
}
