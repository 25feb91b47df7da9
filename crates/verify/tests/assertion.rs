//! Client assertions checked as One Login checks them, and tokens of other kinds presented as one.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use govuk_one_login_core::ClientAssertionAlgorithm;
use govuk_one_login_verify::{
    ClaimError, ClientAssertionExpectations, HeaderError, KeySet, VerifiedClientAssertion,
    VerifyError, verify_client_assertion,
};
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value, json};

const TOKEN_URL: &str = "https://oidc.integration.account.gov.uk/token";
const AUDIENCES: &[&str] = &[TOKEN_URL, ISSUER];

fn client_keys(alg: ClientAssertionAlgorithm) -> KeySet {
    keyset(&[client_signer(alg).public_jwk()])
}

fn check(
    token: &str,
    alg: ClientAssertionAlgorithm,
) -> Result<VerifiedClientAssertion, VerifyError> {
    let mut e = ClientAssertionExpectations::new(CLIENT_ID, AUDIENCES, NOW);
    e.algorithm = alg;
    verify_client_assertion(token, &client_keys(alg), &e)
}

fn code(token: &str) -> &'static str {
    check(token, ClientAssertionAlgorithm::RS256)
        .unwrap_err()
        .code()
}

fn assertion_claims() -> Map<String, Value> {
    json!({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "jti": "j-1", "iat": NOW, "exp": NOW + 300})
        .as_object()
        .unwrap()
        .clone()
}

fn assertion_with(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut c = assertion_claims();
    edit(&mut c);
    sign(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "client-key-1"}),
        &Value::Object(c),
        &rsa_b(),
        Algorithm::RS256,
    )
}

#[test]
fn verifies_client_assertions_made_by_the_client_signer() {
    for alg in [
        ClientAssertionAlgorithm::RS256,
        ClientAssertionAlgorithm::PS256,
    ] {
        let token = client_signer(alg).client_assertion(TOKEN_URL, NOW).unwrap();
        let v = check(&token, alg).unwrap();
        assert_eq!(v.audience(), TOKEN_URL);
        assert_eq!((v.iat(), v.exp()), (NOW, NOW + 300));
        assert_eq!(v.jti().len(), 43);
    }
}

#[test]
fn accepts_the_issuer_as_audience_and_an_array_holding_an_accepted_value() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let token = signer.client_assertion(ISSUER, NOW).unwrap();
    assert_eq!(
        check(&token, ClientAssertionAlgorithm::RS256)
            .unwrap()
            .audience(),
        ISSUER
    );
    let token = assertion_with(|c| {
        c.insert(
            "aud".into(),
            json!(["https://elsewhere.example", TOKEN_URL]),
        );
    });
    assert_eq!(
        check(&token, ClientAssertionAlgorithm::RS256)
            .unwrap()
            .audience(),
        TOKEN_URL
    );
}

#[test]
fn rejects_an_assertion_signed_with_another_algorithm_than_registered() {
    let ps = client_signer(ClientAssertionAlgorithm::PS256)
        .client_assertion(TOKEN_URL, NOW)
        .unwrap();
    assert_eq!(
        check(&ps, ClientAssertionAlgorithm::RS256).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "RS256",
            actual: "PS256".into()
        })
    );
    // A PS256 assertion checked against a key registered for RS256.
    let mut e = ClientAssertionExpectations::new(CLIENT_ID, AUDIENCES, NOW);
    e.algorithm = ClientAssertionAlgorithm::PS256;
    let err = verify_client_assertion(&ps, &client_keys(ClientAssertionAlgorithm::RS256), &e);
    assert_eq!(err.unwrap_err().code(), "key.alg_mismatch");
}

#[test]
fn rejects_wrong_issuer_subject_audience_and_missing_claims() {
    let cases = [
        ("iss", json!("other-client"), "claims.iss"),
        ("sub", json!("other-client"), "claims.sub"),
        (
            "aud",
            json!("https://oidc.account.gov.uk/token"),
            "claims.aud",
        ),
        ("aud", json!([]), "claims.aud"),
        ("aud", json!(1), "claims.type"),
        ("exp", json!("1760000300"), "claims.malformed_time"),
        ("jti", json!(""), "claims.type"),
    ];
    for (claim, value, expected) in cases {
        let token = assertion_with(|c| {
            c.insert(claim.into(), value.clone());
        });
        assert_eq!(code(&token), expected, "{claim}={value}");
    }
    for claim in ["iss", "sub", "aud", "exp", "iat", "jti"] {
        let token = assertion_with(|c| {
            c.remove(claim);
        });
        assert_eq!(
            check(&token, ClientAssertionAlgorithm::RS256).unwrap_err(),
            VerifyError::Claims(ClaimError::Missing { claim })
        );
    }
}

#[test]
fn rejects_an_expired_assertion_at_the_boundary() {
    let token = assertion_with(|_| {});
    let keys = client_keys(ClientAssertionAlgorithm::RS256);
    let mut e = ClientAssertionExpectations::new(CLIENT_ID, AUDIENCES, NOW + 329);
    assert!(verify_client_assertion(&token, &keys, &e).is_ok());
    e.now = NOW + 330;
    assert_eq!(
        verify_client_assertion(&token, &keys, &e)
            .unwrap_err()
            .code(),
        "claims.expired"
    );
}

#[test]
fn rejects_an_assertion_signed_by_another_key() {
    let forged = sign(
        &json!({"alg": "RS256", "kid": "client-key-1"}),
        &Value::Object(assertion_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    assert_eq!(code(&forged), "signature.invalid");
}

#[test]
fn rejects_an_id_token_presented_as_a_client_assertion() {
    assert_eq!(
        check(&id_token(), ClientAssertionAlgorithm::RS256).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "RS256",
            actual: "ES256".into()
        })
    );
    // An RS256 ID token signed with a key the client registered: its iss is the provider.
    let rs = sign(
        &json!({"alg": "RS256", "kid": "client-key-1"}),
        &Value::Object(id_claims()),
        &rsa_b(),
        Algorithm::RS256,
    );
    assert_eq!(code(&rs), "claims.iss");
}

#[test]
fn rejects_logout_tokens_and_identity_jwts_presented_as_client_assertions() {
    assert_eq!(code(&logout_token_with(|_| {})), "header.alg_not_allowed");
    assert_eq!(code(&identity_token_with(|_| {})), "header.alg_not_allowed");
    let typed = sign(
        &json!({"alg": "RS256", "typ": "logout+jwt", "kid": "client-key-1"}),
        &Value::Object(assertion_claims()),
        &rsa_b(),
        Algorithm::RS256,
    );
    assert_eq!(code(&typed), "header.typ");
}
