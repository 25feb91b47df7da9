//! Hostile JWKS, DID documents and userinfo responses with random *structure* (the same inputs as
//! the `jwks`, `did_document` and `userinfo` fuzz targets, on stable): real keys and real claim
//! names with members removed, retyped or swapped. The parsers must never panic, must answer with
//! stable codes, and must keep only what their rules allow (checked against the input).

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use govuk_one_login_verify::{DidDocument, KeyAlgorithm, KeySet, UserInfo};
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(64)
    }
}

/// Arbitrary JSON values of bounded size.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Interesting values for a JWK member.
fn member_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        prop::sample::select(vec![
            "EC", "RSA", "oct", "OKP", "P-256", "P-384", "P-521", "ES256", "RS256", "PS256",
            "HS256", "none", "sig", "enc", "verify", "", "AQAB", "AA", "AQ",
        ])
        .prop_map(|s| json!(s)),
        Just(json!(["verify"])),
        Just(json!(["sign", "encrypt"])),
        "[A-Za-z0-9_-]{0,90}".prop_map(Value::String),
        json_value(),
    ]
}

const JWK_MEMBERS: [&str; 13] = [
    "kty", "crv", "alg", "use", "key_ops", "kid", "x", "y", "n", "e", "d", "k", "p",
];

/// A real public JWK (EC key A, EC key B or RSA key A) with up to three members set, replaced
/// or removed; or any JSON value.
fn hostile_jwk() -> impl Strategy<Value = Value> {
    let real = prop::sample::select(vec![0usize, 1, 2]).prop_map(|i| match i {
        0 => jwk(&ec_a(), Algorithm::ES256, "ec-a"),
        1 => jwk(&ec_b(), Algorithm::ES256, "ec-b"),
        _ => jwk(&rsa_a(), Algorithm::RS256, "rsa-a"),
    });
    let edits = prop::collection::vec(
        (
            prop::sample::select(JWK_MEMBERS.to_vec()),
            prop::option::of(member_value()),
        ),
        0..3,
    );
    prop_oneof![
        6 => (real, edits).prop_map(|(mut key, edits)| {
            let obj = key.as_object_mut().unwrap();
            for (name, value) in edits {
                match value {
                    Some(v) => obj.insert(name.to_owned(), v),
                    None => obj.remove(name),
                };
            }
            key
        }),
        1 => json_value(),
    ]
}

/// What the rules allow a kept key's JWK to look like.
fn assert_jwk_fit_for_signatures(input: &Value, algorithm: KeyAlgorithm) {
    let obj = input.as_object().expect("a kept key came from an object");
    let kty = obj.get("kty").and_then(Value::as_str);
    let alg = obj.get("alg").and_then(Value::as_str);
    match algorithm {
        KeyAlgorithm::ES256 => {
            assert_eq!(kty, Some("EC"));
            assert_eq!(obj.get("crv").and_then(Value::as_str), Some("P-256"));
            assert!(matches!(alg, None | Some("ES256")));
        }
        _ => {
            assert_eq!(kty, Some("RSA"));
            assert!(matches!(alg, None | Some("RS256") | Some("PS256")));
        }
    }
    assert!(matches!(obj.get("use"), None | Some(Value::String(_))));
    if let Some(u) = obj.get("use") {
        assert_eq!(u, "sig");
    }
    if let Some(ops) = obj.get("key_ops") {
        assert!(ops.as_array().unwrap().iter().any(|o| o == "verify"));
    }
    for private in ["d", "p", "k"] {
        assert!(!obj.contains_key(private), "kept a key with `{private}`");
    }
}

/// A userinfo member: absent, a plausible value, or anything.
fn claim_value(plausible: Value) -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => Just(None),
        3 => Just(Some(plausible)),
        2 => json_value().prop_map(Some),
    ]
}

/// An identity claim: absent, an array of objects with the claim's own member names holding
/// random values, or anything.
fn identity_claim(members: &'static [&'static str]) -> impl Strategy<Value = Option<Value>> {
    let entry = prop::collection::vec(
        (prop::sample::select(members.to_vec()), member_value()),
        0..4,
    )
    .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()));
    prop_oneof![
        2 => Just(None),
        3 => prop::collection::vec(entry, 0..3).prop_map(|v| Some(Value::Array(v))),
        1 => json_value().prop_map(Some),
    ]
}

const ADDRESS: &[&str] = &[
    "uprn",
    "buildingNumber",
    "streetName",
    "postalCode",
    "validFrom",
];
const PASSPORT: &[&str] = &["documentNumber", "icaoIssuerCode", "expiryDate"];
const PERMIT: &[&str] = &["personalNumber", "issuedBy", "fullAddress"];
const RETURN_CODE: &[&str] = &["code"];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn jwks_with_hostile_keys_keep_only_unique_signature_keys(
        keys in prop::collection::vec(hostile_jwk(), 0..5),
        wrapper in prop::option::of(json_value()),
    ) {
        let mut doc = json!({ "keys": keys });
        if let (Some(Value::Object(extra)), Value::Object(d)) = (wrapper, &mut doc) {
            for (k, v) in extra {
                d.entry(k).or_insert(v);
            }
        }
        let body = serde_json::to_vec(&doc).unwrap();
        let parsed = KeySet::from_jwks_json(&body).unwrap();
        let inputs = doc["keys"].as_array().unwrap();
        prop_assert_eq!(parsed.keys.len() + parsed.rejected.len(), inputs.len());
        for r in &parsed.rejected {
            prop_assert!(r.reason.starts_with("jwk."), "{}", r.reason);
        }
        for key in parsed.keys.iter() {
            let kid = key.kid().unwrap();
            let matching: Vec<&Value> = inputs.iter().filter(|k| k.get("kid") == Some(&json!(kid))).collect();
            prop_assert_eq!(matching.len(), 1, "a kid shared by two entries was kept");
            assert_jwk_fit_for_signatures(matching[0], key.algorithm());
            prop_assert!(parsed.keys.get(kid).is_some());
        }
    }

    #[test]
    fn did_documents_with_hostile_methods_keep_only_p256_keys_of_the_configured_did(
        id in prop_oneof![Just(json!(DID)), Just(json!("did:web:attacker.example")), json_value()],
        methods in prop::collection::vec(
            (
                prop_oneof![
                    Just(format!("{DID}#{DID_KEY}")),
                    Just(DID_KEY.to_owned()),
                    Just(format!("did:web:attacker.example#{DID_KEY}")),
                    Just(format!("{DID}#")),
                    "\\PC{0,24}",
                ],
                prop_oneof![Just(json!(DID)), Just(json!("did:web:attacker.example")), json_value()],
                prop_oneof![Just(json!("JsonWebKey")), Just(json!("JsonWebKey2020")), Just(json!("Multikey")), json_value()],
                hostile_jwk(),
            ),
            0..4,
        ),
        assertion_method_is_array in prop::bool::weighted(0.9),
    ) {
        let entries: Vec<Value> = methods
            .iter()
            .map(|(mid, controller, kind, key)| json!({
                "id": mid, "controller": controller, "type": kind, "publicKeyJwk": key,
            }))
            .collect();
        let assertion = if assertion_method_is_array { json!(entries) } else { json!({"0": entries}) };
        let doc = json!({ "id": id, "assertionMethod": assertion });
        let body = serde_json::to_vec(&doc).unwrap();
        match DidDocument::from_json(&body, DID) {
            Err(e) => {
                prop_assert!(e.code().starts_with("did."), "{}", e.code());
                prop_assert!(id != json!(DID) || !assertion_method_is_array);
            }
            Ok(parsed) => {
                prop_assert_eq!(&id, &json!(DID));
                let doc = parsed.document;
                prop_assert_eq!(doc.len() + parsed.rejected.len(), methods.len());
                for kid in doc.kids() {
                    let prefix = format!("{DID}#");
                    prop_assert!(kid.starts_with(&prefix), "{}", kid);
                    let key = doc.key_for_kid(kid).unwrap();
                    prop_assert_eq!(key.algorithm(), KeyAlgorithm::ES256);
                }
                for r in &parsed.rejected {
                    prop_assert!(r.reason.starts_with("did.") || r.reason.starts_with("jwk."), "{}", r.reason);
                }
                // Keys whose controller is another DID are never kept.
                let foreign = methods.iter().filter(|m| m.1 != json!(DID)).count();
                prop_assert!(doc.len() <= methods.len() - foreign);
            }
        }
    }

    #[test]
    fn userinfo_with_hostile_claims_is_typed_or_refused_and_never_leaks_in_debug(
        sub in prop_oneof![
            3 => Just(Some(json!(SUB))),
            1 => Just(None),
            1 => Just(Some(json!(""))),
            1 => json_value().prop_map(Some),
        ],
        email in claim_value(json!("person.name@example.gov.uk")),
        email_verified in claim_value(json!("true")),
        phone in claim_value(json!("+447700900123")),
        core_identity in claim_value(json!("eyJhbGciOiJFUzI1NiJ9.e30.c2ln")),
        address in identity_claim(ADDRESS),
        passport in identity_claim(PASSPORT),
        permit in identity_claim(PERMIT),
        return_code in identity_claim(RETURN_CODE),
        extra in prop::collection::btree_map("[a-z_]{1,10}", json_value(), 0..3),
    ) {
        let mut obj = Map::new();
        let vocab = |name: &str| format!("https://vocab.account.gov.uk/v1/{name}");
        for (name, value) in [
            ("sub".to_owned(), &sub),
            ("email".to_owned(), &email),
            ("email_verified".to_owned(), &email_verified),
            ("phone_number".to_owned(), &phone),
            (vocab("coreIdentityJWT"), &core_identity),
            (vocab("address"), &address),
            (vocab("passport"), &passport),
            (vocab("drivingPermit"), &permit),
            (vocab("returnCode"), &return_code),
        ] {
            if let Some(v) = value {
                obj.insert(name, v.clone());
            }
        }
        for (k, v) in extra {
            obj.entry(k).or_insert(v);
        }
        let body = serde_json::to_vec(&Value::Object(obj)).unwrap();
        match UserInfo::from_json(&body) {
            Err(e) => prop_assert!(e.code().starts_with("userinfo."), "{}", e.code()),
            Ok(info) => {
                prop_assert_eq!(Some(&json!(info.sub)), sub.as_ref());
                prop_assert!(!info.sub.is_empty());
                let count = |v: &Option<Value>| v.as_ref().and_then(Value::as_array).map_or(0, Vec::len);
                prop_assert_eq!(info.addresses.len(), count(&address));
                prop_assert_eq!(info.passports.len(), count(&passport));
                prop_assert_eq!(info.driving_permits.len(), count(&permit));
                prop_assert_eq!(info.return_codes.len(), count(&return_code));
                let debug = format!("{info:?}");
                prop_assert!(!debug.contains(SUB));
                prop_assert!(!debug.contains("person.name@example.gov.uk"));
                prop_assert!(!debug.contains("+447700900123"));
            }
        }
    }
}
