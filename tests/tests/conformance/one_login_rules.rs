//! One Login's own rules: vot, identity against the pinned DID document, the User-Agent, key
//! rotation, token responses, userinfo, and outages of each endpoint.

use std::time::Duration;

use govuk_one_login::{SignInError, SignInOptions};
use govuk_one_login_conformance::{Harness, expect_failure, expect_success};
use govuk_one_login_core::IdTokenAlgorithm;
use govuk_one_login_testkit::{Endpoint, EndpointFault, Faults, TokenResponseFault};

const F: &str = "one_login_rules";

fn code(e: &SignInError) -> &'static str {
    e.code()
}

#[tokio::test]
async fn refuses_a_userinfo_sub_that_differs_from_the_id_token() {
    let h = Harness::standard().await;
    h.provider.set_faults(Faults::userinfo_sub_mismatch());
    let r = h.sign_in("auth", SignInOptions::default()).await;
    expect_failure(
        F,
        "userinfo_sub_mismatch",
        "sign_in.userinfo_sub_mismatch",
        r,
        code,
    );
}

#[tokio::test]
async fn refuses_token_responses_without_tokens_or_bearer() {
    for (fault, scenario, expected) in [
        (
            TokenResponseFault::MissingIdToken,
            "token_response_missing_id_token",
            "token_response.missing_id_token",
        ),
        (
            TokenResponseFault::MissingAccessToken,
            "token_response_missing_access_token",
            "token_response.missing_access_token",
        ),
        (
            TokenResponseFault::TokenTypeNotBearer,
            "token_response_not_bearer",
            "token_response.not_bearer",
        ),
        (
            TokenResponseFault::ErrorMemberWithTokens,
            "token_response_200_with_error_and_valid_tokens",
            "token_response.error_member",
        ),
        (
            TokenResponseFault::DuplicateIdToken,
            "token_response_duplicate_id_token_member",
            "token_response.duplicate_member",
        ),
    ] {
        let h = Harness::standard().await;
        h.provider.set_faults(Faults::token_response(fault));
        let r = h.sign_in("auth", SignInOptions::default()).await;
        expect_failure(F, scenario, expected, r, code);
        assert_eq!(h.calls_to("/userinfo"), 0);
    }
}

#[tokio::test]
async fn refuses_a_discovery_document_naming_another_issuer() {
    let h = Harness::standard().await;
    h.provider.set_faults(Faults::discovery_issuer_mismatch());
    let r = h.rp("auth").start_sign_in(SignInOptions::default()).await;
    expect_failure(
        F,
        "discovery_issuer_mismatch",
        "discovery.issuer_mismatch",
        r,
        code,
    );
    assert_eq!(h.calls_to("/authorize"), 0);
}

#[tokio::test]
async fn accepts_rotated_id_token_keys_after_one_refresh() {
    let h = Harness::standard().await;
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    // Past the unknown-kid cool-down (which runs from the last fetch), the new kid is looked up.
    h.clock.advance(Duration::from_secs(61));
    h.provider.rotate_id_token_keys();
    expect_success(
        F,
        "key_rotation",
        h.sign_in("auth", SignInOptions::default()).await,
    );
    assert_eq!(
        h.calls_to("/.well-known/jwks.json"),
        2,
        "one fetch, one refresh for the new kid"
    );
}

#[tokio::test]
async fn keeps_signing_in_after_the_old_key_is_removed_and_the_cache_expires() {
    let h = Harness::standard().await;
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let old = h.provider.id_token_kid(IdTokenAlgorithm::ES256);
    h.provider.rotate_id_token_keys();
    assert!(h.provider.remove_key(&old));
    // Past the JWKS max-age the cache refreshes: the removed key is gone, the new one is used.
    h.clock.advance(Duration::from_secs(86_401));
    expect_success(
        F,
        "key_removal",
        h.sign_in("auth", SignInOptions::default()).await,
    );
    assert_eq!(h.calls_to("/.well-known/jwks.json"), 2);
    assert!(!h.provider.jwks().to_string().contains(&old));
}

#[tokio::test]
async fn an_rs256_service_verifies_rs256_id_tokens() {
    let mut spec = govuk_one_login_conformance::auth_service("rsa", "client-rsa");
    spec.id_token_signing_alg = Some("RS256".into());
    let h = Harness::start(vec![spec]).await;
    expect_success(
        F,
        "rs256_service",
        h.sign_in("rsa", SignInOptions::default()).await,
    );
}

#[tokio::test]
async fn the_client_assertion_follows_one_logins_rules() {
    let h = Harness::standard().await;
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let token = &h.provider.requests_to("/token")[0];
    let assertion = token.client_assertion.as_ref().expect("a client assertion");
    assert_eq!(assertion.header["alg"], "RS256");
    assert_eq!(assertion.header["kid"], "auth-key");
    assert_eq!(assertion.claims["iss"], "client-auth");
    assert_eq!(assertion.claims["sub"], "client-auth");
    assert_eq!(
        assertion.claims["aud"],
        format!("{}token", h.provider.issuer())
    );
    let exp = assertion.claims["exp"].as_i64().unwrap();
    let iat = assertion.claims["iat"].as_i64().unwrap();
    assert!(exp - iat <= 300);
    assert!(
        assertion.claims["jti"]
            .as_str()
            .is_some_and(|j| j.len() >= 20)
    );
}

#[tokio::test]
async fn outages_give_typed_errors_on_every_endpoint() {
    for (endpoint, fault, scenario, expected) in [
        (
            Endpoint::Discovery,
            EndpointFault::Status(500),
            "discovery_500",
            "discovery.status",
        ),
        (
            Endpoint::Discovery,
            EndpointFault::GarbageJson,
            "discovery_garbage",
            "discovery.invalid_json",
        ),
        (
            Endpoint::Jwks,
            EndpointFault::Status(503),
            "jwks_503",
            "discovery.status",
        ),
        (
            Endpoint::Jwks,
            EndpointFault::GarbageJson,
            "jwks_garbage",
            "jwks.not_json",
        ),
        (
            Endpoint::Jwks,
            EndpointFault::Oversized(2 * 1024 * 1024),
            "jwks_oversized",
            "transport.too_large",
        ),
        (
            Endpoint::Token,
            EndpointFault::Status(500),
            "token_500",
            "sign_in.token_endpoint",
        ),
        (
            Endpoint::Token,
            EndpointFault::GarbageJson,
            "token_garbage",
            "token_response.not_json",
        ),
        (
            Endpoint::Userinfo,
            EndpointFault::Status(500),
            "userinfo_500",
            "sign_in.userinfo_endpoint",
        ),
        (
            Endpoint::Userinfo,
            EndpointFault::GarbageJson,
            "userinfo_garbage",
            "userinfo.not_json",
        ),
    ] {
        let h = Harness::standard().await;
        h.provider.set_faults(Faults::endpoint(endpoint, fault));
        let r = h.try_sign_in("auth", SignInOptions::default()).await;
        expect_failure(F, scenario, expected, r, code);
    }
}
