//! Client assertions and request objects.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use govuk_one_login_core::{ClientAssertionAlgorithm, ClientId};
use govuk_one_login_verify::{ClientSigner, SignError};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value, json};

const TOKEN_URL: &str = "https://oidc.integration.account.gov.uk/token";
const AUTHORIZE_URL: &str = "https://oidc.integration.account.gov.uk/authorize";

/// Checks the signature with the signer's public JWK and returns (header, claims).
fn open(token: &str, signer: &ClientSigner, alg: Algorithm) -> (Value, Map<String, Value>) {
    let jwk: Jwk = serde_json::from_value(signer.public_jwk()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let (h, p, s) = parts(token);
    let ok = jsonwebtoken::crypto::verify(&s, format!("{h}.{p}").as_bytes(), &key, alg).unwrap();
    assert!(ok, "signature does not verify");
    let header: Value = serde_json::from_slice(&unb64(&h)).unwrap();
    let claims: Value = serde_json::from_slice(&unb64(&p)).unwrap();
    (header, claims.as_object().unwrap().clone())
}

#[test]
fn client_assertion_carries_the_claims_and_header_one_login_requires() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let token = signer.client_assertion(TOKEN_URL, NOW).unwrap();
    let (header, c) = open(&token, &signer, Algorithm::RS256);
    assert_eq!(
        header,
        json!({"alg": "RS256", "typ": "JWT", "kid": "client-key-1"})
    );
    assert_eq!(c["iss"], json!(CLIENT_ID));
    assert_eq!(c["sub"], json!(CLIENT_ID));
    assert_eq!(c["aud"], json!(TOKEN_URL));
    assert_eq!(c["iat"], json!(NOW));
    assert_eq!(c["exp"], json!(NOW + 300));
    assert_eq!(c["jti"].as_str().unwrap().len(), 43);
    assert_eq!(c.len(), 6);
}

#[test]
fn client_assertion_uses_ps256_on_request() {
    let signer = client_signer(ClientAssertionAlgorithm::PS256);
    let token = signer.client_assertion(ISSUER, NOW).unwrap();
    let (header, c) = open(&token, &signer, Algorithm::PS256);
    assert_eq!(header["alg"], json!("PS256"));
    assert_eq!(c["aud"], json!(ISSUER));
    assert_eq!(signer.algorithm(), ClientAssertionAlgorithm::PS256);
}

#[test]
fn client_assertion_has_a_fresh_jti_every_time() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let jtis: std::collections::HashSet<String> = (0..5)
        .map(|_| {
            let (_, c) = open(
                &signer.client_assertion(TOKEN_URL, NOW).unwrap(),
                &signer,
                Algorithm::RS256,
            );
            c["jti"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(jtis.len(), 5);
}

#[test]
fn client_assertion_refuses_an_empty_audience() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    assert_eq!(
        signer.client_assertion("", NOW).unwrap_err(),
        SignError::EmptyAudience
    );
    assert_eq!(SignError::EmptyAudience.code(), "sign.empty_audience");
}

#[test]
fn signer_refuses_an_empty_client_id() {
    let key = rsa_private_key(RSA_B_PEM, "k");
    assert_eq!(
        ClientSigner::new(&key, ClientAssertionAlgorithm::RS256, &ClientId::new("")).unwrap_err(),
        SignError::EmptyClientId
    );
}

#[test]
fn public_jwk_holds_only_the_public_half() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let jwk = signer.public_jwk();
    let obj = jwk.as_object().unwrap();
    assert_eq!(obj["kty"], json!("RSA"));
    assert_eq!(obj["kid"], json!("client-key-1"));
    assert_eq!(obj["alg"], json!("RS256"));
    assert_eq!(obj["use"], json!("sig"));
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(!obj.contains_key(private), "{private}");
    }
    assert_eq!(signer.kid(), "client-key-1");
    assert_eq!(signer.client_id(), CLIENT_ID);
}

#[test]
fn debug_of_the_signer_redacts_the_key() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let debug = format!("{signer:?}");
    assert!(debug.contains("[redacted]") && debug.contains(CLIENT_ID));
    assert!(!debug.contains("BEGIN") && !debug.contains("MII"));
}

fn params() -> Map<String, Value> {
    json!({
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": "https://service.example.gov.uk/callback",
        "state": "state-1",
        "nonce": NONCE,
        "vtr": "[\"Cl.Cm\"]",
        "ui_locales": "en cy",
        "claims": {"userinfo": {"https://vocab.account.gov.uk/v1/coreIdentityJWT": null}},
    })
    .as_object()
    .unwrap()
    .clone()
}

#[test]
fn request_object_carries_the_jar_claims_and_no_sub() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let token = signer.request_object(AUTHORIZE_URL, params(), NOW).unwrap();
    let (header, c) = open(&token, &signer, Algorithm::RS256);
    assert_eq!(header["kid"], json!("client-key-1"));
    assert_eq!(c["aud"], json!(AUTHORIZE_URL));
    assert_eq!(c["iss"], json!(CLIENT_ID));
    assert_eq!(c["client_id"], json!(CLIENT_ID));
    assert!(!c.contains_key("sub"));
    assert_eq!(c["iat"], json!(NOW));
    assert_eq!(c["exp"], json!(NOW + 300));
    assert_eq!(c["state"], json!("state-1"));
    assert_eq!(c["nonce"], json!(NONCE));
    // The claims request travels as a JSON string.
    let claims_text = c["claims"].as_str().unwrap();
    let claims: Value = serde_json::from_str(claims_text).unwrap();
    assert_eq!(claims, params()["claims"]);
}

#[test]
fn request_object_keeps_a_claims_string_and_accepts_its_own_client_id() {
    let signer = client_signer(ClientAssertionAlgorithm::PS256);
    let mut p = params();
    p.insert("claims".into(), json!("{\"userinfo\":{}}"));
    p.insert("client_id".into(), json!(CLIENT_ID));
    let token = signer.request_object(AUTHORIZE_URL, p, NOW).unwrap();
    let (_, c) = open(&token, &signer, Algorithm::PS256);
    assert_eq!(c["claims"], json!("{\"userinfo\":{}}"));
}

#[test]
fn request_object_refuses_forbidden_and_reserved_parameters() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    for name in ["request", "request_uri", "sub"] {
        let mut p = params();
        p.insert(name.into(), json!("x"));
        assert_eq!(
            signer.request_object(AUTHORIZE_URL, p, NOW).unwrap_err(),
            SignError::ForbiddenParameter { name: name.into() }
        );
    }
    for name in ["iss", "aud", "exp", "iat", "nbf", "jti"] {
        let mut p = params();
        p.insert(name.into(), json!("x"));
        assert_eq!(
            signer.request_object(AUTHORIZE_URL, p, NOW).unwrap_err(),
            SignError::ReservedParameter { name: name.into() }
        );
    }
    let mut p = params();
    p.insert("client_id".into(), json!("another-client"));
    assert_eq!(
        signer
            .request_object(AUTHORIZE_URL, p, NOW)
            .unwrap_err()
            .code(),
        "sign.reserved_parameter"
    );
    let mut p = params();
    p.insert("claims".into(), json!(["userinfo"]));
    assert_eq!(
        signer.request_object(AUTHORIZE_URL, p, NOW).unwrap_err(),
        SignError::BadClaimsParameter
    );
    assert_eq!(
        signer.request_object("", params(), NOW).unwrap_err(),
        SignError::EmptyAudience
    );
}

#[test]
fn an_external_signers_signature_is_checked_before_it_makes_a_jws() {
    let local = client_signer(ClientAssertionAlgorithm::RS256);
    let key = rsa_private_key(RSA_B_PEM, "client-key-1");
    let external = ClientSigner::for_key(
        &govuk_one_login_core::ServiceKey::External {
            signer: "kms".into(),
            public: key.public_key().clone(),
        },
        ClientAssertionAlgorithm::RS256,
        &ClientId::new(CLIENT_ID),
    )
    .unwrap();
    assert!(external.is_external() && !local.is_external());
    // What the KMS does: sign the input with the key it holds.
    let good = external.assertion_input(TOKEN_URL, NOW).unwrap();
    let pem = pem::parse(key.pem().expose_secret().trim()).unwrap();
    let pair = match pem.tag() {
        "PRIVATE KEY" => aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pem.contents()),
        _ => aws_lc_rs::signature::RsaKeyPair::from_der(pem.contents()),
    }
    .unwrap();
    let mut raw = vec![0; pair.public_modulus_len()];
    pair.sign(
        &aws_lc_rs::signature::RSA_PKCS1_SHA256,
        &aws_lc_rs::rand::SystemRandom::new(),
        good.as_bytes(),
        &mut raw,
    )
    .unwrap();
    let token = good.finish(&raw).unwrap();
    let (header, claims) = open(&token, &local, Algorithm::RS256);
    assert_eq!(header["kid"], "client-key-1");
    assert_eq!(claims["aud"], json!(TOKEN_URL));
    // The external signer cannot sign by itself.
    assert_eq!(
        external.client_assertion(TOKEN_URL, NOW).unwrap_err(),
        SignError::ExternalKey
    );
    // A good signature (made here by the local key) finishes into a JWS that verifies.
    let input = external.assertion_input(TOKEN_URL, NOW).unwrap();
    let made_locally = local.client_assertion(TOKEN_URL, NOW).unwrap();
    let signature = unb64(&parts(&made_locally).2);
    assert_eq!(
        input.clone().finish(&signature).unwrap_err(),
        SignError::BadSignature,
        "another input's signature"
    );
    for bad in [Vec::new(), vec![0; 256], vec![1; 3]] {
        assert_eq!(
            input.clone().finish(&bad).unwrap_err(),
            SignError::BadSignature
        );
    }
    // A local signer's inputs are checked the same way.
    let local_input = local.assertion_input(TOKEN_URL, NOW).unwrap();
    assert_eq!(
        local_input.finish(&[7; 256]).unwrap_err(),
        SignError::BadSignature
    );
}
