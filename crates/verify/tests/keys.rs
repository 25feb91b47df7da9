//! JWKS filtering and DID document parsing.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use govuk_one_login_verify::{
    DidDocument, DidError, JwksError, KeyAlgorithm, KeySet, RejectedKey, VerificationKey,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

fn parse(keys: &[Value]) -> govuk_one_login_verify::ParsedKeySet {
    KeySet::from_jwks_json(&jwks_body(keys)).unwrap()
}

fn rejected_reason(key: Value) -> &'static str {
    let parsed = parse(&[key]);
    assert!(parsed.keys.is_empty());
    assert_eq!(parsed.rejected.len(), 1);
    parsed.rejected[0].reason
}

fn edit(mut key: Value, f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    f(key.as_object_mut().unwrap());
    key
}

fn ec_jwk() -> Value {
    jwk(&ec_a(), Algorithm::ES256, EC_KID)
}

fn rsa_jwk() -> Value {
    jwk(&rsa_a(), Algorithm::RS256, RSA_KID)
}

// ---------------------------------------------------------------- JWKS

#[test]
fn parses_a_provider_jwks_with_ec_and_rsa_keys_in_document_order() {
    let parsed = parse(&[
        ec_jwk(),
        jwk(&ec_b(), Algorithm::ES256, EC_B_KID),
        rsa_jwk(),
    ]);
    assert!(parsed.rejected.is_empty());
    let keys = parsed.keys;
    assert_eq!(keys.len(), 3);
    assert!(!keys.is_empty());
    assert_eq!(keys.kids().collect::<Vec<_>>(), [EC_KID, EC_B_KID, RSA_KID]);
    assert_eq!(keys.get(EC_KID).unwrap().algorithm(), KeyAlgorithm::ES256);
    assert_eq!(keys.get(RSA_KID).unwrap().algorithm(), KeyAlgorithm::RS256);
    assert_eq!(keys.get(RSA_KID).unwrap().rsa_bits(), Some(2048));
    assert_eq!(keys.get(EC_KID).unwrap().rsa_bits(), None);
    assert!(keys.get("missing").is_none());
}

#[test]
fn accepts_keys_without_alg_or_use_and_infers_the_algorithm_from_the_key_type() {
    let ec = edit(ec_jwk(), |o| {
        o.remove("alg");
        o.remove("use");
    });
    let rsa = edit(rsa_jwk(), |o| {
        o.remove("alg");
        o.insert("key_ops".into(), json!(["verify"]));
    });
    let keys = parse(&[ec, rsa]).keys;
    assert_eq!(keys.get(EC_KID).unwrap().algorithm(), KeyAlgorithm::ES256);
    assert_eq!(keys.get(RSA_KID).unwrap().algorithm(), KeyAlgorithm::RS256);
}

#[test]
fn leaves_out_encryption_keys() {
    assert_eq!(
        rejected_reason(edit(ec_jwk(), |o| {
            o.insert("use".into(), json!("enc"));
        })),
        "jwk.not_for_signatures"
    );
    assert_eq!(
        rejected_reason(edit(rsa_jwk(), |o| {
            o.insert("key_ops".into(), json!(["encrypt", "wrapKey"]));
        })),
        "jwk.not_for_signatures"
    );
}

#[test]
fn leaves_out_symmetric_oct_keys() {
    let oct = json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0", "alg": "HS256", "use": "sig"});
    assert_eq!(rejected_reason(oct), "jwk.symmetric");
}

#[test]
fn leaves_out_unknown_key_types_and_algorithms() {
    let okp = json!({"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"});
    assert_eq!(rejected_reason(okp), "jwk.unsupported_kty");
    assert_eq!(
        rejected_reason(edit(ec_jwk(), |o| {
            o.remove("kty");
        })),
        "jwk.kty_missing"
    );
    for alg in ["RS512", "PS384", "HS256", "none", "ES256"] {
        assert_eq!(
            rejected_reason(edit(rsa_jwk(), |o| {
                o.insert("alg".into(), json!(alg));
            })),
            "jwk.unsupported_alg",
            "{alg}"
        );
    }
    for alg in ["ES384", "ES512", "RS256", "HS256"] {
        assert_eq!(
            rejected_reason(edit(ec_jwk(), |o| {
                o.insert("alg".into(), json!(alg));
            })),
            "jwk.unsupported_alg",
            "{alg}"
        );
    }
    assert_eq!(
        rejected_reason(edit(ec_jwk(), |o| {
            o.insert("alg".into(), json!(7));
        })),
        "jwk.bad_member"
    );
}

#[test]
fn accepts_rsa_keys_tagged_ps256_for_client_assertions_only() {
    let ps = edit(rsa_jwk(), |o| {
        o.insert("alg".into(), json!("PS256"));
    });
    let keys = parse(&[ps]).keys;
    assert_eq!(keys.get(RSA_KID).unwrap().algorithm(), KeyAlgorithm::PS256);
    // An RS256 ID token naming that key is refused: the key is for PS256.
    let token = sign(
        &json!({"alg": "RS256", "kid": RSA_KID}),
        &Value::Object(id_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    let n = nonce();
    let mut e = expect(&n);
    e.algorithm = govuk_one_login_core::IdTokenAlgorithm::RS256;
    assert_eq!(
        govuk_one_login_verify::verify_id_token(&token, &keys, &e)
            .unwrap_err()
            .code(),
        "key.alg_mismatch"
    );
}

#[test]
fn leaves_out_ec_keys_on_the_wrong_curve() {
    let p384 = EncodingKey::from_ec_pem(EC_P384_PEM.as_bytes()).unwrap();
    let key = jwk(&p384, Algorithm::ES384, "p384");
    assert_eq!(rejected_reason(key.clone()), "jwk.unsupported_alg");
    let no_alg = edit(key.clone(), |o| {
        o.remove("alg");
    });
    assert_eq!(rejected_reason(no_alg), "jwk.unsupported_curve");
    // P-384 coordinates labelled P-256: the coordinates are the wrong size.
    let relabelled = edit(key, |o| {
        o.remove("alg");
        o.insert("crv".into(), json!("P-256"));
    });
    assert_eq!(rejected_reason(relabelled), "jwk.bad_ec_coordinates");
    for crv in ["P-521", "secp256k1", "p-256"] {
        assert_eq!(
            rejected_reason(edit(ec_jwk(), |o| {
                o.insert("crv".into(), json!(crv));
            })),
            "jwk.unsupported_curve"
        );
    }
}

#[test]
fn leaves_out_invalid_ec_points() {
    let off_curve = edit(ec_jwk(), |o| {
        let mut y = unb64(o["y"].as_str().unwrap());
        y[31] ^= 1;
        o.insert("y".into(), json!(b64(&y)));
    });
    assert_eq!(rejected_reason(off_curve), "jwk.invalid_ec_point");
    let zeros = edit(ec_jwk(), |o| {
        o.insert("x".into(), json!(b64(&[0; 32])));
        o.insert("y".into(), json!(b64(&[0; 32])));
    });
    assert_eq!(rejected_reason(zeros), "jwk.invalid_ec_point");
    let short = edit(ec_jwk(), |o| {
        o.insert("x".into(), json!(b64(&[1; 31])));
    });
    assert_eq!(rejected_reason(short), "jwk.bad_ec_coordinates");
    let not_b64 = edit(ec_jwk(), |o| {
        o.insert("x".into(), json!("not base64!"));
    });
    assert_eq!(rejected_reason(not_b64), "jwk.bad_ec_coordinates");
    let missing = edit(ec_jwk(), |o| {
        o.remove("y");
    });
    assert_eq!(rejected_reason(missing), "jwk.bad_ec_coordinates");
}

#[test]
fn leaves_out_rsa_keys_under_2048_bits_and_bad_exponents() {
    let small: Value = serde_json::from_str(RSA_1024_JWK).unwrap();
    assert_eq!(rejected_reason(small), "jwk.rsa_too_small");
    // 2047 bits: clear the top bit of a 2048-bit modulus.
    let short = edit(rsa_jwk(), |o| {
        let mut n = unb64(o["n"].as_str().unwrap());
        n[0] &= 0x7f;
        o.insert("n".into(), json!(b64(&n)));
    });
    assert_eq!(rejected_reason(short), "jwk.rsa_too_small");
    for e in [vec![], vec![1], vec![1, 0], vec![0, 0, 1], vec![1; 9]] {
        let key = edit(rsa_jwk(), |o| {
            o.insert("e".into(), json!(b64(&e)));
        });
        let reason = rejected_reason(key);
        assert_eq!(reason, "jwk.bad_rsa_exponent", "{e:?}");
    }
    let huge = edit(rsa_jwk(), |o| {
        o.insert("n".into(), json!(b64(&[0xff; 1025])));
    });
    assert_eq!(rejected_reason(huge), "jwk.rsa_too_large");
}

#[test]
fn leaves_out_published_private_keys() {
    let with_d = edit(ec_jwk(), |o| {
        o.insert("d".into(), json!(b64(&[7; 32])));
    });
    assert_eq!(rejected_reason(with_d), "jwk.private_key");
}

#[test]
fn leaves_out_keys_without_kid_and_every_key_sharing_a_kid() {
    let no_kid = edit(ec_jwk(), |o| {
        o.remove("kid");
    });
    let twin = jwk(&ec_b(), Algorithm::ES256, EC_KID);
    let parsed = parse(&[no_kid, ec_jwk(), twin, rsa_jwk()]);
    assert_eq!(parsed.keys.kids().collect::<Vec<_>>(), [RSA_KID]);
    assert_eq!(
        parsed.rejected,
        [
            RejectedKey {
                kid: None,
                reason: "jwk.no_kid"
            },
            RejectedKey {
                kid: Some(EC_KID.into()),
                reason: "jwk.duplicate_kid"
            },
            RejectedKey {
                kid: Some(EC_KID.into()),
                reason: "jwk.duplicate_kid"
            },
        ]
    );
    // A kid shared with an unusable key is ambiguous too.
    let enc_twin = edit(rsa_jwk(), |o| {
        o.insert("kid".into(), json!(EC_KID));
        o.insert("use".into(), json!("enc"));
    });
    let parsed = parse(&[ec_jwk(), enc_twin]);
    assert!(parsed.keys.is_empty());
    assert_eq!(parsed.rejected.len(), 2);
}

#[test]
fn leaves_out_entries_that_are_not_objects_or_have_bad_kids() {
    let parsed = parse(&[json!("key"), json!(null), json!(["EC"])]);
    assert!(parsed.keys.is_empty());
    assert!(parsed.rejected.iter().all(|r| r.reason == "jwk.not_object"));
    for kid in [json!(1), json!(""), json!("k".repeat(513))] {
        assert_eq!(
            rejected_reason(edit(ec_jwk(), |o| {
                o.insert("kid".into(), kid.clone());
            })),
            "jwk.bad_kid"
        );
    }
}

#[test]
fn refuses_jwks_documents_that_are_unusable_as_a_whole() {
    assert_eq!(
        KeySet::from_jwks_json(b"not json").unwrap_err(),
        JwksError::NotJson
    );
    assert_eq!(
        KeySet::from_jwks_json(b"[]").unwrap_err(),
        JwksError::NotJson
    );
    assert_eq!(
        KeySet::from_jwks_json(b"{}").unwrap_err(),
        JwksError::NoKeysMember
    );
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":{}}"#).unwrap_err(),
        JwksError::KeysNotArray
    );
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":[],"keys":[]}"#).unwrap_err(),
        JwksError::DuplicateMember {
            name: "keys".into()
        }
    );
    let big = vec![b' '; govuk_one_login_verify::MAX_DOCUMENT_BYTES + 1];
    assert_eq!(
        KeySet::from_jwks_json(&big).unwrap_err().code(),
        "jwks.too_large"
    );
    // A duplicate member inside one key refuses the whole document: parsers would disagree.
    let body = format!(r#"{{"keys":[{{"kty":"EC","kty":"oct","kid":"{EC_KID}"}}]}}"#);
    assert_eq!(
        KeySet::from_jwks_json(body.as_bytes()).unwrap_err().code(),
        "jwks.duplicate_member"
    );
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":[]}"#)
            .unwrap()
            .keys
            .len(),
        0
    );
}

#[test]
fn from_keys_applies_the_same_kid_rules() {
    let a = VerificationKey::from_jwk(&ec_jwk()).unwrap();
    let b = VerificationKey::from_jwk(&jwk(&ec_b(), Algorithm::ES256, EC_KID)).unwrap();
    let none = VerificationKey::from_jwk(&edit(rsa_jwk(), |o| {
        o.remove("kid");
    }))
    .unwrap();
    assert_eq!(none.kid(), None);
    let parsed = KeySet::from_keys([a.clone(), b, none]);
    assert!(parsed.keys.is_empty());
    assert_eq!(parsed.rejected.len(), 3);
    assert_eq!(KeySet::from_keys([a]).keys.len(), 1);
}

#[test]
fn debug_of_a_key_shows_metadata_only() {
    let key = VerificationKey::from_jwk(&ec_jwk()).unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("ES256") && debug.contains(EC_KID) && debug.contains("P-256"));
    let x = ec_jwk()["x"].as_str().unwrap().to_owned();
    assert!(!debug.contains(&x));
    let keys = provider_keys();
    assert!(format!("{keys:?}").contains(RSA_KID));
}

// ---------------------------------------------------------------- DID documents

fn did_with_methods(methods: Value) -> Vec<u8> {
    let mut doc = did_json();
    doc["assertionMethod"] = methods;
    serde_json::to_vec(&doc).unwrap()
}

fn method(id: &str, controller: &str, key: Value) -> Value {
    let mut m = json!({"type": "JsonWebKey", "id": id, "controller": controller});
    m.as_object_mut()
        .unwrap()
        .insert("publicKeyJwk".into(), key);
    m
}

fn did_key() -> Value {
    edit(jwk(&ec_b(), Algorithm::ES256, "x"), |o| {
        o.remove("kid");
    })
}

#[test]
fn parses_the_did_document_and_finds_the_key_by_full_kid() {
    let doc = did_document();
    assert_eq!(doc.len(), 1);
    assert!(!doc.is_empty());
    assert_eq!(doc.id(), DID);
    let kid = format!("{DID}#{DID_KEY}");
    let key = doc.key_for_kid(&kid).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::ES256);
    assert_eq!(key.kid(), Some(kid.as_str()));
    assert_eq!(doc.kids().collect::<Vec<_>>(), [kid.as_str()]);
    assert!(doc.key_for_kid(DID_KEY).is_none());
    assert!(
        doc.key_for_kid(&format!("did:web:identity.account.gov.uk#{DID_KEY}"))
            .is_none()
    );
    assert!(doc.key_for_kid(&format!("{DID}#other")).is_none());
    assert!(doc.key_for_kid(&format!("{DID}#{DID_KEY}#x")).is_none());
}

#[test]
fn accepts_a_bare_fragment_method_id_only_after_the_controller_check() {
    let body = did_with_methods(json!([method(DID_KEY, DID, did_key())]));
    let parsed = DidDocument::from_json(&body, DID).unwrap();
    assert!(parsed.rejected.is_empty());
    assert!(
        parsed
            .document
            .key_for_kid(&format!("{DID}#{DID_KEY}"))
            .is_some()
    );
    let body = did_with_methods(json!([method(
        DID_KEY,
        "did:web:attacker.example",
        did_key()
    )]));
    let parsed = DidDocument::from_json(&body, DID).unwrap();
    assert!(parsed.document.is_empty());
    assert_eq!(parsed.rejected[0].reason, "did.controller_mismatch");
}

#[test]
fn leaves_out_unfit_verification_methods() {
    let good_id = format!("{DID}#{DID_KEY}");
    let p384 = EncodingKey::from_ec_pem(EC_P384_PEM.as_bytes()).unwrap();
    let cases = [
        (
            method(&good_id, "did:web:other.example", did_key()),
            "did.controller_mismatch",
        ),
        (
            method(&format!("did:web:other.example#{DID_KEY}"), DID, did_key()),
            "did.method_id_mismatch",
        ),
        (
            method(&format!("{DID}#"), DID, did_key()),
            "did.method_id_mismatch",
        ),
        (
            method(&good_id, DID, jwk(&rsa_a(), Algorithm::RS256, "r")),
            "did.not_ec_p256",
        ),
        (
            method(&good_id, DID, jwk(&p384, Algorithm::ES384, "p")),
            "jwk.unsupported_alg",
        ),
        (
            method(&good_id, DID, json!({"kty": "oct", "k": "c2VjcmV0"})),
            "jwk.symmetric",
        ),
        (
            json!({"type": "Ed25519VerificationKey2020", "id": good_id, "controller": DID, "publicKeyJwk": did_key()}),
            "did.not_json_web_key",
        ),
        (
            json!({"type": "JsonWebKey", "id": good_id, "controller": DID}),
            "did.no_public_key_jwk",
        ),
        (
            json!({"type": "JsonWebKey", "controller": DID, "publicKeyJwk": did_key()}),
            "did.method_id_missing",
        ),
        (json!(good_id), "did.method_not_object"),
    ];
    for (m, reason) in cases {
        let parsed = DidDocument::from_json(&did_with_methods(json!([m])), DID).unwrap();
        assert!(parsed.document.is_empty(), "{reason}");
        assert_eq!(parsed.rejected[0].reason, reason);
    }
}

#[test]
fn leaves_out_every_method_sharing_an_id() {
    let id = format!("{DID}#{DID_KEY}");
    let body = did_with_methods(json!([
        method(&id, DID, did_key()),
        method(DID_KEY, DID, jwk(&ec_a(), Algorithm::ES256, "a")),
        method(
            &format!("{DID}#next"),
            DID,
            jwk(&ec_a(), Algorithm::ES256, "a")
        ),
    ]));
    let parsed = DidDocument::from_json(&body, DID).unwrap();
    assert_eq!(parsed.document.len(), 1);
    assert!(
        parsed
            .document
            .key_for_kid(&format!("{DID}#next"))
            .is_some()
    );
    assert_eq!(
        parsed
            .rejected
            .iter()
            .filter(|r| r.reason == "did.duplicate_method")
            .count(),
        2
    );
}

#[test]
fn refuses_did_documents_unusable_as_a_whole() {
    let body = serde_json::to_vec(&did_json()).unwrap();
    assert_eq!(
        DidDocument::from_json(&body, "did:web:identity.account.gov.uk").unwrap_err(),
        DidError::IdMismatch {
            expected: "did:web:identity.account.gov.uk".into(),
            actual: DID.into()
        }
    );
    for bad in [
        "",
        "did:web:",
        "did:key:z6Mk",
        "https://identity.account.gov.uk",
        "did:web:a#b",
    ] {
        assert_eq!(
            DidDocument::from_json(&body, bad).unwrap_err().code(),
            "did.bad_configured_did"
        );
    }
    assert_eq!(
        DidDocument::from_json(b"[]", DID).unwrap_err(),
        DidError::NotJson
    );
    assert_eq!(
        DidDocument::from_json(b"{}", DID).unwrap_err(),
        DidError::MissingId
    );
    let no_methods = serde_json::to_vec(&json!({"id": DID})).unwrap();
    assert_eq!(
        DidDocument::from_json(&no_methods, DID).unwrap_err(),
        DidError::NoAssertionMethods
    );
    let dup = format!(r#"{{"id":"{DID}","id":"{DID}","assertionMethod":[]}}"#);
    assert_eq!(
        DidDocument::from_json(dup.as_bytes(), DID)
            .unwrap_err()
            .code(),
        "did.duplicate_member"
    );
    let big = vec![b' '; govuk_one_login_verify::MAX_DOCUMENT_BYTES + 1];
    assert_eq!(
        DidDocument::from_json(&big, DID).unwrap_err().code(),
        "did.too_large"
    );
}
