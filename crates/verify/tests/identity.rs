//! Core identity JWTs verified against the pinned DID document.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use govuk_one_login_core::{ClientAssertionAlgorithm, IdentityLevel};
use govuk_one_login_verify::{
    ClaimError, DidDocument, HeaderError, KeySelectionError, NamePartKind, VerifiedCoreIdentity,
    VerifyError, verify_core_identity,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

fn verify(token: &str) -> Result<VerifiedCoreIdentity, VerifyError> {
    verify_core_identity(token, &did_document(), &identity_expect())
}

fn code(token: &str) -> &'static str {
    verify(token).unwrap_err().code()
}

fn with_header(header: &Value) -> String {
    sign(
        header,
        &Value::Object(identity_claims()),
        &ec_b(),
        Algorithm::ES256,
    )
}

#[test]
fn verifies_a_core_identity_jwt_and_types_the_credential() {
    let token = identity_token_with(|c| {
        c.insert("jti".into(), json!("urn:uuid:1"));
    });
    let v = verify(&token).unwrap();
    assert_eq!(v.sub(), SUB);
    assert_eq!(v.vot(), IdentityLevel::P2);
    assert_eq!(v.vtm(), Some(TRUSTMARK));
    assert_eq!(
        (v.iat(), v.exp(), v.nbf()),
        (NOW - 10, NOW + 1790, Some(NOW - 10))
    );
    assert_eq!(
        v.credential_types(),
        ["VerifiableCredential", "IdentityCheckCredential"]
    );
    assert_eq!(v.names().len(), 2);
    let current = v.current_name().unwrap();
    assert_eq!(current.given_names(), ["Kenneth"]);
    assert_eq!(current.family_names(), ["Decerqueira"]);
    assert!(current.is_current());
    let previous = &v.names()[1];
    assert_eq!(previous.valid_until.as_deref(), Some("2019-04-01"));
    assert!(!previous.is_current());
    assert_eq!(previous.parts[0].kind, NamePartKind::GivenName);
    assert_eq!(v.birth_dates()[0].value, "1965-07-08");
    assert_eq!(v.extra_claims().get("jti"), Some(&json!("urn:uuid:1")));
}

#[test]
fn keeps_unknown_name_part_types_and_partial_birth_dates() {
    let token = identity_token_with(|c| {
        c["vc"]["credentialSubject"] = json!({
            "name": [{"nameParts": [{"value": "MBE", "type": "HonorificSuffix"}], "description": "x"}],
            "birthDate": [{"value": "1965"}, {"value": "1965-07"}],
        });
    });
    let v = verify(&token).unwrap();
    assert_eq!(
        v.names()[0].parts[0].kind,
        NamePartKind::Other("HonorificSuffix".into())
    );
    assert_eq!(v.names()[0].description.as_deref(), Some("x"));
    assert_eq!(v.birth_dates().len(), 2);
}

#[test]
fn debug_of_a_core_identity_redacts_personal_data() {
    let v = verify(&identity_token_with(|_| {})).unwrap();
    let debug = format!(
        "{v:?} {:?} {:?} {:?}",
        v.names(),
        v.birth_dates(),
        identity_expect()
    );
    for secret in [SUB, "Kenneth", "Decerqueira", "1965-07-08", "2019-04-01"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
}

#[test]
fn accepts_a_missing_vtm_when_no_trustmark_is_configured() {
    let token = identity_token_with(|c| {
        c.remove("vtm");
    });
    let mut e = identity_expect();
    e.trustmark = None;
    assert!(verify_core_identity(&token, &did_document(), &e).is_ok());
    assert_eq!(code(&token), "claims.missing");
}

#[test]
fn accepts_a_method_listed_by_bare_fragment() {
    let mut doc = did_json();
    doc["assertionMethod"][0]["id"] = json!(DID_KEY);
    let did = DidDocument::from_json(&serde_json::to_vec(&doc).unwrap(), DID)
        .unwrap()
        .document;
    assert!(verify_core_identity(&identity_token_with(|_| {}), &did, &identity_expect()).is_ok());
}

#[test]
fn rejects_algorithms_other_than_es256() {
    let rs = sign(
        &json!({"alg": "RS256", "kid": format!("{DID}#{DID_KEY}")}),
        &Value::Object(identity_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    assert_eq!(code(&rs), "header.alg_not_allowed");
    let hs = sign(
        &json!({"alg": "HS256", "kid": format!("{DID}#{DID_KEY}")}),
        &Value::Object(identity_claims()),
        &EncodingKey::from_secret(did_json().to_string().as_bytes()),
        Algorithm::HS256,
    );
    assert_eq!(code(&hs), "header.alg_not_allowed");
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none"}).to_string().as_bytes()),
        b64(Value::Object(identity_claims()).to_string().as_bytes())
    );
    assert_eq!(
        verify(&none).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNone)
    );
}

#[test]
fn rejects_kids_naming_another_did_or_no_did() {
    for kid in [
        format!("did:web:identity.account.gov.uk#{DID_KEY}"),
        format!("did:web:attacker.example#{DID_KEY}"),
        format!("did:web:identity.integration.account.gov.uk%3A443#{DID_KEY}"),
        DID_KEY.to_owned(),
        DID.to_owned(),
    ] {
        let token = with_header(&json!({"alg": "ES256", "kid": kid}));
        assert_eq!(code(&token), "key.did_mismatch", "{kid}");
    }
    let unknown = with_header(&json!({"alg": "ES256", "kid": format!("{DID}#rotated")}));
    assert_eq!(
        verify(&unknown).unwrap_err(),
        VerifyError::Key(KeySelectionError::UnknownKid {
            kid: format!("{DID}#rotated")
        })
    );
    let no_kid = with_header(&json!({"alg": "ES256"}));
    assert_eq!(
        verify(&no_kid).unwrap_err(),
        VerifyError::Key(KeySelectionError::KidRequired { keys: 1 })
    );
}

#[test]
fn rejects_a_did_document_for_another_did_than_configured() {
    let mut e = identity_expect();
    e.did = "did:web:identity.account.gov.uk";
    assert_eq!(
        verify_core_identity(&identity_token_with(|_| {}), &did_document(), &e).unwrap_err(),
        VerifyError::Key(KeySelectionError::DidMismatch {
            expected: "did:web:identity.account.gov.uk".into(),
            actual: DID.into()
        })
    );
}

#[test]
fn rejects_header_attacks_on_identity_jwts() {
    let kid = format!("{DID}#{DID_KEY}");
    assert_eq!(
        code(&with_header(
            &json!({"alg": "ES256", "kid": kid, "jku": "https://x.example/did.json"})
        )),
        "header.embedded_key"
    );
    assert_eq!(
        code(&with_header(
            &json!({"alg": "ES256", "kid": kid, "crit": ["b64"]})
        )),
        "header.crit"
    );
    assert_eq!(
        code(&with_header(
            &json!({"alg": "ES256", "kid": kid, "cty": "JWT"})
        )),
        "header.cty"
    );
    assert_eq!(
        code(&with_header(
            &json!({"alg": "ES256", "kid": kid, "typ": "logout+jwt"})
        )),
        "header.typ"
    );
}

#[test]
fn rejects_a_signature_by_a_key_not_in_the_did_document() {
    let token = sign(
        &identity_header(),
        &Value::Object(identity_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(verify(&token).unwrap_err(), VerifyError::SignatureInvalid);
}

#[test]
fn rejects_each_required_claim_removed_in_turn() {
    for claim in ["iss", "aud", "exp", "iat", "sub", "vot", "vc"] {
        let token = identity_token_with(|c| {
            c.remove(claim);
        });
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Claims(ClaimError::Missing { claim }),
            "{claim}"
        );
    }
}

#[test]
fn rejects_wrong_issuer_audience_subject_level_and_trustmark() {
    let cases = [
        ("iss", json!(ISSUER), "claims.iss"),
        (
            "iss",
            json!("https://identity.integration.account.gov.uk"),
            "claims.iss",
        ),
        ("aud", json!("other-client"), "claims.aud"),
        ("aud", json!([CLIENT_ID, "other-client"]), "claims.aud"),
        (
            "sub",
            json!("urn:fdc:gov.uk:2022:someone-else"),
            "claims.sub",
        ),
        ("vot", json!("P1"), "claims.vot"),
        ("vot", json!("P3"), "claims.vot"),
        ("vot", json!("Cl.Cm.P2"), "claims.vot"),
        (
            "vtm",
            json!("https://oidc.account.gov.uk/trustmark"),
            "claims.vtm",
        ),
        ("vtm", json!(1), "claims.type"),
    ];
    for (claim, value, expected) in cases {
        let token = identity_token_with(|c| {
            c.insert(claim.into(), value.clone());
        });
        assert_eq!(code(&token), expected, "{claim}={value}");
    }
    let token = identity_token_with(|c| {
        c.insert("sub".into(), json!("urn:fdc:gov.uk:2022:someone-else"));
    });
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Claims(ClaimError::SubjectMismatch)
    );
    assert!(
        !VerifyError::Claims(ClaimError::SubjectMismatch)
            .to_string()
            .contains("someone-else")
    );
}

#[test]
fn rejects_expired_and_not_yet_valid_identity_jwts() {
    let expired = identity_token_with(|c| {
        c.insert("exp".into(), json!(NOW - 31));
    });
    assert_eq!(code(&expired), "claims.expired");
    let early = identity_token_with(|c| {
        c.insert("nbf".into(), json!(NOW + 31));
    });
    assert_eq!(code(&early), "claims.not_yet_valid");
    for value in [json!("1760000000"), json!(1.0), json!(null), json!(-1)] {
        let token = identity_token_with(|c| {
            c.insert("nbf".into(), value.clone());
        });
        assert_eq!(code(&token), "claims.malformed_time");
    }
}

#[test]
fn rejects_malformed_credentials() {
    let cases = [
        json!("vc"),
        json!({}),
        json!({"credentialSubject": []}),
        json!({"type": "VerifiableCredential", "credentialSubject": {}}),
        json!({"credentialSubject": {"birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [], "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": {}, "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [{}], "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": []}], "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": 1, "type": "GivenName"}]}], "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": "A"}]}], "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": "A", "type": "GivenName"}], "validFrom": 2020}], "birthDate": [{"value": "1965-07-08"}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": "A", "type": "GivenName"}]}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": "A", "type": "GivenName"}]}], "birthDate": []}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": "A", "type": "GivenName"}]}], "birthDate": [{}]}}),
        json!({"credentialSubject": {"name": [{"nameParts": [{"value": "A", "type": "GivenName"}]}], "birthDate": "1965-07-08"}}),
    ];
    for vc in cases {
        let token = identity_token_with(|c| {
            c.insert("vc".into(), vc.clone());
        });
        let err = verify(&token).unwrap_err();
        assert!(
            matches!(err.code(), "claims.vc" | "claims.type"),
            "{vc}: {err:?}"
        );
    }
}

// ---------------------------------------------------------------- cross-token substitution

#[test]
fn rejects_an_id_token_presented_as_a_core_identity_jwt() {
    assert_eq!(
        verify(&id_token()).unwrap_err(),
        VerifyError::Key(KeySelectionError::DidMismatch {
            expected: DID.into(),
            actual: EC_KID.into()
        })
    );
    // Even signed by the identity key under the DID kid, its issuer and level are wrong.
    let resigned = sign(
        &identity_header(),
        &Value::Object(id_claims()),
        &ec_b(),
        Algorithm::ES256,
    );
    assert_eq!(code(&resigned), "claims.iss");
}

#[test]
fn rejects_a_logout_token_presented_as_a_core_identity_jwt() {
    assert_eq!(code(&logout_token_with(|_| {})), "header.typ");
    let resigned = sign(
        &identity_header(),
        &Value::Object(logout_claims()),
        &ec_b(),
        Algorithm::ES256,
    );
    assert_eq!(code(&resigned), "claims.iss");
}

#[test]
fn rejects_a_client_assertion_presented_as_a_core_identity_jwt() {
    let signer = client_signer(ClientAssertionAlgorithm::PS256);
    let assertion = signer
        .client_assertion("https://oidc.integration.account.gov.uk/token", NOW)
        .unwrap();
    assert_eq!(
        verify(&assertion).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "ES256",
            actual: "PS256".into()
        })
    );
}
