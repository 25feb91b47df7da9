//! Verification touches no process-wide state: the four verifiers check signatures with aws-lc
//! directly, so none of them installs (or lazily picks) jsonwebtoken's crypto provider. Only the
//! `ClientSigner`, which signs with jsonwebtoken, does.
//!
//! This file is its own test binary with a single test, so nothing else in the process can have
//! touched jsonwebtoken first: every token and key here is made with aws-lc alone, and the last
//! step proves the provider was never chosen by installing one successfully.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use govuk_one_login_core::Nonce;
use govuk_one_login_verify::{
    ClientAssertionExpectations, DidDocument, IdTokenExpectations, IdentityExpectations, KeySet,
    LogoutExpectations, verify_client_assertion, verify_core_identity, verify_id_token,
    verify_logout_token,
};
use serde_json::{Value, json};

const ISSUER: &str = "https://oidc.integration.account.gov.uk/";
const IDENTITY_ISSUER: &str = "https://identity.integration.account.gov.uk/";
const DID: &str = "did:web:identity.integration.account.gov.uk";
const CLIENT_ID: &str = "client-abc";
const SUB: &str = "urn:fdc:gov.uk:2022:VtcZjnU4Sif2oyJZola3OkN0e3Jeku1cIMN38rFlhU4";
const NONCE: &str = "n-0S6_WzA2Mj-nonce";
const NOW: i64 = 1_760_000_000;
const TOKEN_URL: &str = "https://oidc.integration.account.gov.uk/token";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn ec_key(pem: &str) -> EcdsaKeyPair {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pem_der(pem)).unwrap()
}

/// The public JWK of a P-256 key (the uncompressed point is `04 || x || y`).
fn ec_jwk(key: &EcdsaKeyPair) -> Value {
    let point = key.public_key().as_ref();
    json!({ "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
            "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn es256(header: &Value, claims: &Value, key: &EcdsaKeyPair) -> String {
    let input = signing_input(header, claims);
    let sig = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    format!("{input}.{}", b64(sig.as_ref()))
}

fn rs256(header: &Value, claims: &Value, key: &RsaKeyPair) -> String {
    let input = signing_input(header, claims);
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{input}.{}", b64(&sig))
}

fn keyset(keys: &[Value]) -> KeySet {
    let parsed =
        KeySet::from_jwks_json(&serde_json::to_vec(&json!({ "keys": keys })).unwrap()).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    parsed.keys
}

#[test]
fn verifiers_never_install_or_pick_jsonwebtokens_crypto_provider() {
    let provider = ec_key(include_str!("../testdata/ec-p256-a.pem"));
    let identity = ec_key(include_str!("../testdata/ec-p256-b.pem"));
    let client =
        RsaKeyPair::from_pkcs8(&pem_der(include_str!("../testdata/rsa-2048-b.pem"))).unwrap();

    let mut provider_jwk = ec_jwk(&provider);
    provider_jwk["kid"] = json!("ec-a");
    let provider_keys = keyset(&[provider_jwk]);

    // An ID token.
    let id_token = es256(
        &json!({ "alg": "ES256", "kid": "ec-a" }),
        &json!({ "iss": ISSUER, "aud": CLIENT_ID, "sub": SUB, "iat": NOW - 10, "exp": NOW + 110,
                 "nonce": NONCE, "vot": "Cl.Cm" }),
        &provider,
    );
    let nonce = Nonce::from_string(NONCE.to_owned());
    let expect = IdTokenExpectations::new(ISSUER, CLIENT_ID, &nonce, NOW);
    assert_eq!(
        verify_id_token(&id_token, &provider_keys, &expect)
            .unwrap()
            .sub(),
        SUB
    );

    // A back-channel logout token.
    let logout = es256(
        &json!({ "alg": "ES256", "typ": "logout+jwt", "kid": "ec-a" }),
        &json!({ "iss": ISSUER, "aud": CLIENT_ID, "sub": SUB, "iat": NOW - 5, "exp": NOW + 115,
                 "jti": "jti-1",
                 "events": { "http://schemas.openid.net/event/backchannel-logout": {} } }),
        &provider,
    );
    let expect = LogoutExpectations::new(ISSUER, CLIENT_ID, NOW);
    assert_eq!(
        verify_logout_token(&logout, &provider_keys, &expect)
            .unwrap()
            .jti(),
        "jti-1"
    );

    // A core identity JWT against the DID document.
    let did = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": DID,
        "assertionMethod": [{
            "type": "JsonWebKey", "id": format!("{DID}#key-1"), "controller": DID,
            "publicKeyJwk": ec_jwk(&identity),
        }],
    });
    let did = DidDocument::from_json(&serde_json::to_vec(&did).unwrap(), DID).unwrap();
    assert!(did.rejected.is_empty(), "{:?}", did.rejected);
    let core_identity = es256(
        &json!({ "alg": "ES256", "typ": "JWT", "kid": format!("{DID}#key-1") }),
        &json!({ "iss": IDENTITY_ISSUER, "aud": CLIENT_ID, "sub": SUB, "nbf": NOW - 10,
                 "iat": NOW - 10, "exp": NOW + 1790, "vot": "P2",
                 "vc": { "type": ["VerifiableCredential", "IdentityCheckCredential"],
                         "credentialSubject": {
                             "name": [{ "nameParts": [
                                 { "value": "Kenneth", "type": "GivenName" },
                                 { "value": "Decerqueira", "type": "FamilyName" } ] }],
                             "birthDate": [{ "value": "1965-07-08" }] } } }),
        &identity,
    );
    let expect = IdentityExpectations::new(IDENTITY_ISSUER, DID, CLIENT_ID, SUB, NOW);
    verify_core_identity(&core_identity, &did.document, &expect).unwrap();

    // A client assertion against the client's RSA key.
    let public = client.public_key();
    let client_keys = keyset(&[json!({
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "client-key-1",
        "n": b64(public.modulus().big_endian_without_leading_zero()),
        "e": b64(public.exponent().big_endian_without_leading_zero()),
    })]);
    let assertion = rs256(
        &json!({ "alg": "RS256", "typ": "JWT", "kid": "client-key-1" }),
        &json!({ "iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "jti": "j-1",
                 "iat": NOW, "exp": NOW + 300 }),
        &client,
    );
    let audiences = [TOKEN_URL];
    let expect = ClientAssertionExpectations::new(CLIENT_ID, &audiences, NOW);
    verify_client_assertion(&assertion, &client_keys, &expect).unwrap();

    // And a refusal, which must not reach for a provider either.
    let other = Nonce::from_string("another-nonce".to_owned());
    let expect = IdTokenExpectations::new(ISSUER, CLIENT_ID, &other, NOW);
    let err = verify_id_token(&id_token, &provider_keys, &expect).unwrap_err();
    assert_eq!(err.code(), "claims.nonce");

    // jsonwebtoken's provider is a `OnceLock` set by the first install or the first use of its
    // crypto: installing one now succeeds only if no verifier did either.
    assert!(
        jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
        )
        .is_ok(),
        "a verifier installed or picked jsonwebtoken's process-wide crypto provider"
    );
}
