//! Property tests: no input makes a verifier or parser panic or succeed by accident, and every
//! signed token verifies.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use govuk_one_login_core::{ClientAssertionAlgorithm, IdTokenAlgorithm, Nonce};
use govuk_one_login_verify::{
    ClientAssertionExpectations, DEFAULT_MAX_TOKEN_BYTES, DidDocument, KeySet, UserInfo,
    verify_client_assertion, verify_core_identity, verify_id_token, verify_logout_token,
};
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use serde_json::{Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(64)
    }
}

/// Feeds `token` to every verifier; each must refuse it.
fn all_verifiers_refuse(token: &str) {
    let n = nonce();
    let keys = provider_keys();
    assert!(verify_id_token(token, &keys, &expect(&n)).is_err());
    assert!(verify_logout_token(token, &keys, &logout_expect()).is_err());
    assert!(verify_core_identity(token, &did_document(), &identity_expect()).is_err());
    let client_keys = keyset(&[client_signer(ClientAssertionAlgorithm::RS256).public_jwk()]);
    let audiences = ["https://oidc.integration.account.gov.uk/token"];
    let e = ClientAssertionExpectations::new(CLIENT_ID, &audiences, NOW);
    assert!(verify_client_assertion(token, &client_keys, &e).is_err());
    let _ = govuk_one_login_verify::token_kid(token, DEFAULT_MAX_TOKEN_BYTES);
}

fn segment() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{0,80}"
}

/// Arbitrary JSON values of bounded size.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_string_to_any_verifier_returns_an_error_and_never_panics(token in ".{0,400}") {
        all_verifiers_refuse(&token);
    }

    #[test]
    fn any_three_base64url_segments_are_refused_without_panicking(
        h in segment(), p in segment(), s in segment()
    ) {
        all_verifiers_refuse(&format!("{h}.{p}.{s}"));
    }

    #[test]
    fn any_header_and_payload_json_with_a_garbage_signature_is_refused(
        header in json_value(), payload in json_value(), sig in prop::collection::vec(any::<u8>(), 0..80)
    ) {
        let token = format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes()),
            b64(&sig)
        );
        all_verifiers_refuse(&token);
    }

    #[test]
    fn any_claims_signed_by_a_provider_key_never_panic_and_pass_only_with_the_right_claims(
        extra in prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..6)
    ) {
        // Arbitrary claims on top of a valid ID token: the verifier must never panic, and must
        // accept only if every checked claim still holds.
        let token = id_token_with(|c| {
            for (k, v) in &extra {
                c.insert(k.clone(), v.clone());
            }
        });
        let n = nonce();
        let result = verify_id_token(&token, &provider_keys(), &expect(&n));
        let touched_checked = extra.keys().any(|k| {
            ["iss", "aud", "azp", "exp", "iat", "nbf", "sub", "nonce", "vot", "auth_time",
             "sid", "vtm", "at_hash", "events"].contains(&k.as_str())
        });
        if !touched_checked {
            prop_assert!(result.is_ok());
        }
    }

    #[test]
    fn any_bytes_to_the_document_parsers_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = KeySet::from_jwks_json(&body);
        let _ = DidDocument::from_json(&body, DID);
        let _ = UserInfo::from_json(&body);
    }

    #[test]
    fn any_json_to_the_document_parsers_never_panics(doc in json_value()) {
        let body = serde_json::to_vec(&json!({"keys": [&doc], "id": DID, "assertionMethod": [&doc], "sub": "s", "https://vocab.account.gov.uk/v1/address": [doc]})).unwrap();
        let _ = KeySet::from_jwks_json(&body);
        let _ = DidDocument::from_json(&body, DID);
        let _ = UserInfo::from_json(&body);
    }

    #[test]
    fn sign_then_verify_round_trips_for_id_tokens(
        sub in "[ -~]{1,60}",
        sid in "[A-Za-z0-9_-]{1,30}",
        nonce_text in "[A-Za-z0-9_-]{1,64}",
        iat_offset in 0_i64..=30,
        lifetime in 31_i64..=600,
        rs256 in any::<bool>(),
    ) {
        let mut claims = id_claims();
        claims.insert("sub".into(), json!(sub));
        claims.insert("sid".into(), json!(sid));
        claims.insert("nonce".into(), json!(nonce_text));
        claims.insert("iat".into(), json!(NOW - iat_offset));
        claims.insert("exp".into(), json!(NOW - iat_offset + lifetime));
        let (token, alg) = if rs256 {
            (sign(&json!({"alg": "RS256", "kid": RSA_KID}), &Value::Object(claims), &rsa_a(), Algorithm::RS256), IdTokenAlgorithm::RS256)
        } else {
            (sign(&es256_header(), &Value::Object(claims), &ec_a(), Algorithm::ES256), IdTokenAlgorithm::ES256)
        };
        let n = Nonce::from_string(nonce_text);
        let mut e = expect(&n);
        e.algorithm = alg;
        let v = verify_id_token(&token, &provider_keys(), &e).unwrap();
        prop_assert_eq!(v.sub(), sub.as_str());
        prop_assert_eq!(v.sid(), Some(sid.as_str()));
        prop_assert_eq!(v.raw(), token.as_str());
    }

    #[test]
    fn sign_then_verify_round_trips_for_logout_tokens_and_identity_jwts(
        sub in "urn:fdc:gov.uk:2022:[A-Za-z0-9_-]{43}",
        jti in "[A-Za-z0-9-]{1,64}",
    ) {
        let logout = logout_token_with(|c| {
            c.insert("sub".into(), json!(sub));
            c.insert("jti".into(), json!(jti));
        });
        let v = verify_logout_token(&logout, &provider_keys(), &logout_expect()).unwrap();
        prop_assert_eq!(v.sub(), sub.as_str());
        prop_assert_eq!(v.jti(), jti.as_str());
        let identity = identity_token_with(|c| {
            c.insert("sub".into(), json!(sub));
        });
        let mut e = identity_expect();
        e.sub = &sub;
        let verified = verify_core_identity(&identity, &did_document(), &e).unwrap();
        prop_assert_eq!(verified.sub(), sub.as_str());
    }

    #[test]
    fn client_assertions_round_trip_through_the_signers_public_jwk(
        now in 1_600_000_000_i64..2_000_000_000,
        pss in any::<bool>(),
    ) {
        let (alg, jwt_alg) = if pss {
            (ClientAssertionAlgorithm::PS256, Algorithm::PS256)
        } else {
            (ClientAssertionAlgorithm::RS256, Algorithm::RS256)
        };
        let signer = client_signer(alg);
        let token = signer.client_assertion("https://oidc.integration.account.gov.uk/token", now).unwrap();
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(signer.public_jwk()).unwrap();
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let (h, p, s) = parts(&token);
        let input = format!("{h}.{p}");
        let valid = jsonwebtoken::crypto::verify(&s, input.as_bytes(), &key, jwt_alg).unwrap();
        prop_assert!(valid);
        let claims: Value = serde_json::from_slice(&unb64(&p)).unwrap();
        prop_assert_eq!(&claims["exp"], &json!(now + 300));
        prop_assert_eq!(&claims["iss"], &claims["sub"]);
    }
}
