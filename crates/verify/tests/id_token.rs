//! ID token verification, including the RFC 8725 cases that apply to a verifier.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use govuk_one_login_core::{
    ClientAssertionAlgorithm, Clock, CredentialLevel, IdTokenAlgorithm, TestClock,
};
use govuk_one_login_verify::{
    ClaimError, HeaderError, KeySelectionError, KeySet, TokenFormError, TokenPart, VerifyError,
    access_token_hash, verify_id_token,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

fn verify(token: &str) -> Result<govuk_one_login_verify::VerifiedIdToken, VerifyError> {
    let n = nonce();
    verify_id_token(token, &provider_keys(), &expect(&n))
}

fn code(token: &str) -> &'static str {
    verify(token).unwrap_err().code()
}

// ---------------------------------------------------------------- accepted tokens

#[test]
fn verifies_a_valid_es256_id_token_and_exposes_typed_claims() {
    let token = id_token_with(|c| {
        c.insert("custom_claim".into(), json!({"kept": true}));
    });
    let v = verify(&token).unwrap();
    assert_eq!(v.sub(), SUB);
    assert_eq!(v.sid(), Some("dX5xv0XgHh6yfD1xy-ss_1EDK0I"));
    assert_eq!(v.vot(), CredentialLevel::ClCm);
    assert_eq!(v.vtm(), Some(TRUSTMARK));
    assert_eq!(v.auth_time(), Some(NOW - 60));
    assert_eq!(v.iat(), NOW - 10);
    assert_eq!(v.exp(), NOW + 110);
    assert_eq!(v.issuer(), ISSUER);
    assert_eq!(v.kid(), Some(EC_KID));
    assert_eq!(v.raw(), token);
    assert_eq!(
        v.extra_claims().get("custom_claim"),
        Some(&json!({"kept": true}))
    );
    assert!(!v.extra_claims().contains_key("nonce"));
    assert!(!v.extra_claims().contains_key("sub"));
}

#[test]
fn verifies_an_rs256_id_token_when_the_client_is_registered_for_rs256() {
    let token = sign(
        &json!({"alg": "RS256", "kid": RSA_KID}),
        &Value::Object(id_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    let n = nonce();
    let mut e = expect(&n);
    e.algorithm = IdTokenAlgorithm::RS256;
    assert_eq!(
        verify_id_token(&token, &provider_keys(), &e).unwrap().sub(),
        SUB
    );
}

#[test]
fn accepts_typ_jwt_and_absent_typ() {
    for header in [
        json!({"alg": "ES256", "kid": EC_KID, "typ": "JWT"}),
        es256_header(),
    ] {
        let token = sign(
            &header,
            &Value::Object(id_claims()),
            &ec_a(),
            Algorithm::ES256,
        );
        assert!(verify(&token).is_ok(), "{header}");
    }
}

#[test]
fn accepts_aud_as_an_array_holding_only_the_client_id() {
    assert!(
        verify(&id_token_with(|c| {
            c.insert("aud".into(), json!([CLIENT_ID]));
        }))
        .is_ok()
    );
}

#[test]
fn accepts_azp_equal_to_the_client_id() {
    assert!(
        verify(&id_token_with(|c| {
            c.insert("azp".into(), json!(CLIENT_ID));
        }))
        .is_ok()
    );
}

#[test]
fn accepts_a_token_without_kid_when_the_key_set_holds_one_key() {
    let keys = keyset(&[jwk(&ec_a(), Algorithm::ES256, EC_KID)]);
    let token = sign(
        &json!({"alg": "ES256"}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    let n = nonce();
    assert!(verify_id_token(&token, &keys, &expect(&n)).is_ok());
}

#[test]
fn debug_of_verified_id_token_redacts_subject_session_and_raw_token() {
    let token = id_token();
    let v = verify(&token).unwrap();
    let debug = format!("{v:?}");
    assert!(!debug.contains(SUB));
    assert!(!debug.contains("dX5xv0XgHh6yfD1xy"));
    assert!(!debug.contains(&token[..20]));
    assert!(debug.contains("[redacted]"));
}

// ---------------------------------------------------------------- header: algorithms

#[test]
fn rejects_id_token_with_alg_none() {
    let payload = b64(Value::Object(id_claims()).to_string().as_bytes());
    for alg in ["none", "None", "NONE"] {
        let header = b64(json!({"alg": alg, "kid": EC_KID}).to_string().as_bytes());
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}.AAAA"),
        ] {
            assert_eq!(
                verify(&token).unwrap_err(),
                VerifyError::Header(HeaderError::AlgorithmNone),
                "{alg}"
            );
        }
    }
}

#[test]
fn rejects_hs256_token_keyed_with_the_providers_public_key() {
    // The classic algorithm-confusion attack: HMAC keyed with bytes of the public key.
    let public_jwk = jwk(&ec_a(), Algorithm::ES256, EC_KID).to_string();
    let public_pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
    for secret in [public_jwk.as_bytes(), public_pem.as_bytes()] {
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let header = json!({"alg": format!("{alg:?}"), "kid": EC_KID});
            let token = sign(
                &header,
                &Value::Object(id_claims()),
                &EncodingKey::from_secret(secret),
                alg,
            );
            assert_eq!(
                verify(&token).unwrap_err(),
                VerifyError::Header(HeaderError::AlgorithmNotAllowed {
                    expected: "ES256",
                    actual: format!("{alg:?}")
                })
            );
        }
    }
}

#[test]
fn rejects_rs256_token_when_the_client_expects_es256_and_the_reverse() {
    let rs = sign(
        &json!({"alg": "RS256", "kid": RSA_KID}),
        &Value::Object(id_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify(&rs).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "ES256",
            actual: "RS256".into()
        })
    );
    let n = nonce();
    let mut e = expect(&n);
    e.algorithm = IdTokenAlgorithm::RS256;
    assert_eq!(
        verify_id_token(&id_token(), &provider_keys(), &e)
            .unwrap_err()
            .code(),
        "header.alg_not_allowed"
    );
}

#[test]
fn rejects_other_algorithms_ps256_es384_es512_eddsa() {
    let payload = b64(Value::Object(id_claims()).to_string().as_bytes());
    for alg in ["PS256", "ES384", "ES512", "EdDSA", "RS512", "es256"] {
        let header = b64(json!({"alg": alg, "kid": EC_KID}).to_string().as_bytes());
        let token = format!("{header}.{payload}.AAAA");
        assert_eq!(code(&token), "header.alg_not_allowed", "{alg}");
    }
}

#[test]
fn rejects_es256_token_whose_kid_names_an_rsa_key() {
    let token = sign(
        &json!({"alg": "ES256", "kid": RSA_KID}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Key(KeySelectionError::AlgorithmMismatch {
            kid: RSA_KID.into(),
            key_algorithm: "RS256",
            token_algorithm: "ES256"
        })
    );
}

#[test]
fn rejects_header_with_missing_or_non_string_alg() {
    let payload = b64(Value::Object(id_claims()).to_string().as_bytes());
    let no_alg = b64(json!({"kid": EC_KID}).to_string().as_bytes());
    assert_eq!(
        verify(&format!("{no_alg}.{payload}.AAAA")).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmMissing)
    );
    for alg in [
        json!(256),
        json!(null),
        json!(["ES256"]),
        json!({"alg": "ES256"}),
    ] {
        let header = b64(json!({"alg": alg, "kid": EC_KID}).to_string().as_bytes());
        assert_eq!(
            verify(&format!("{header}.{payload}.AAAA")).unwrap_err(),
            VerifyError::Header(HeaderError::MemberType { name: "alg" })
        );
    }
}

// ---------------------------------------------------------------- header: other members

#[test]
fn rejects_id_token_with_crit_header() {
    for crit in [json!(["exp"]), json!(["b64"]), json!([]), json!("urn:x")] {
        let token = sign(
            &json!({"alg": "ES256", "kid": EC_KID, "crit": crit}),
            &Value::Object(id_claims()),
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Header(HeaderError::Critical)
        );
    }
}

#[test]
fn rejects_id_token_carrying_jku_jwk_x5u_or_x5c() {
    let embedded = [
        ("jku", json!("https://attacker.example/jwks.json")),
        ("jwk", jwk(&ec_b(), Algorithm::ES256, EC_KID)),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIU"])),
    ];
    for (name, value) in embedded {
        let mut header = es256_header();
        header.as_object_mut().unwrap().insert(name.into(), value);
        let token = sign(
            &header,
            &Value::Object(id_claims()),
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(
            verify(&token).unwrap_err().code(),
            "header.embedded_key",
            "{name}"
        );
        assert!(
            matches!(verify(&token).unwrap_err(), VerifyError::Header(HeaderError::EmbeddedKey { name: n }) if n == name)
        );
    }
}

#[test]
fn echoes_a_refused_header_alg_or_typ_without_its_newline() {
    // The header is the attacker's: an `alg` or `typ` with a newline must not forge a log line.
    let forged = "ES512\nlevel=info msg=signed-in";
    let token = sign_raw(
        &json!({"alg": forged, "kid": EC_KID}).to_string(),
        &Value::Object(id_claims()).to_string(),
        &ec_a(),
        Algorithm::ES256,
    );
    let err = verify(&token).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "ES256",
            actual: "ES512\u{fffd}level=info msg=signed-in".into()
        })
    );
    assert!(!err.to_string().contains('\n'), "{err}");

    let token = sign(
        &json!({"alg": "ES256", "kid": EC_KID, "typ": "JWT\r\nx"}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert!(
        matches!(verify(&token).unwrap_err(), VerifyError::Header(HeaderError::UnexpectedType { actual, .. }) if actual == "JWT\u{fffd}\u{fffd}x")
    );
}

#[test]
fn rejects_nested_jwt_with_cty() {
    let inner = id_token();
    for cty in ["JWT", "jwt", "application/json"] {
        let token = sign_raw(
            &json!({"alg": "ES256", "kid": EC_KID, "cty": cty}).to_string(),
            &inner,
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Header(HeaderError::NestedToken)
        );
    }
}

#[test]
fn rejects_logout_typ_and_other_types_in_an_id_token() {
    for typ in [
        "logout+jwt",
        "application/logout+jwt",
        "at+jwt",
        "JWS",
        "secevent+jwt",
    ] {
        let token = sign(
            &json!({"alg": "ES256", "kid": EC_KID, "typ": typ}),
            &Value::Object(id_claims()),
            &ec_a(),
            Algorithm::ES256,
        );
        assert!(
            matches!(verify(&token).unwrap_err(), VerifyError::Header(HeaderError::UnexpectedType { actual, .. }) if actual == typ)
        );
    }
    let token = sign(
        &json!({"alg": "ES256", "kid": EC_KID, "typ": 1}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Header(HeaderError::MemberType { name: "typ" })
    );
}

#[test]
fn rejects_kid_injection_strings() {
    let claims = Value::Object(id_claims());
    let unknown = [
        "../../../../etc/passwd",
        "/dev/null",
        "' OR '1'='1",
        "ec-a' --",
        "ec-a; DROP TABLE keys",
        "https://attacker.example/key",
        "EC-A",
        "ec-a ",
    ];
    for kid in unknown {
        let token = sign(
            &json!({"alg": "ES256", "kid": kid}),
            &claims,
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Key(KeySelectionError::UnknownKid { kid: kid.into() }),
            "{kid}"
        );
    }
    let long = "k".repeat(10_000);
    let invalid = ["ec-a\u{0}", "\u{0}", "ec-a\n", "", long.as_str()];
    for kid in invalid {
        let token = sign(
            &json!({"alg": "ES256", "kid": kid}),
            &claims,
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(verify(&token).unwrap_err().code(), "header.kid_invalid");
    }
    for kid in [
        json!(1),
        json!(null),
        json!(true),
        json!(["ec-a"]),
        json!({"kid": "ec-a"}),
    ] {
        let token = sign(
            &json!({"alg": "ES256", "kid": kid}),
            &claims,
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Header(HeaderError::MemberType { name: "kid" })
        );
    }
}

#[test]
fn rejects_a_token_without_kid_when_the_key_set_holds_several_keys() {
    let token = sign(
        &json!({"alg": "ES256"}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Key(KeySelectionError::KidRequired { keys: 3 })
    );
}

#[test]
fn rejects_an_unknown_kid_and_an_empty_key_set() {
    let token = sign(
        &json!({"alg": "ES256", "kid": "rotated-out"}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Key(KeySelectionError::UnknownKid {
            kid: "rotated-out".into()
        })
    );
    let n = nonce();
    assert_eq!(
        verify_id_token(&id_token(), &KeySet::default(), &expect(&n)).unwrap_err(),
        VerifyError::Key(KeySelectionError::NoKeys)
    );
}

// ---------------------------------------------------------------- shape

#[test]
fn rejects_jwe_with_five_segments() {
    let jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ";
    assert_eq!(
        verify(jwe).unwrap_err(),
        VerifyError::Form(TokenFormError::Encrypted)
    );
}

#[test]
fn rejects_two_and_four_segments() {
    let token = id_token();
    let (h, p, s) = parts(&token);
    assert_eq!(
        verify(&format!("{h}.{p}")).unwrap_err(),
        VerifyError::Form(TokenFormError::Segments { segments: 2 })
    );
    assert_eq!(
        verify(&format!("{h}.{p}.{s}.{s}")).unwrap_err(),
        VerifyError::Form(TokenFormError::Segments { segments: 4 })
    );
    assert_eq!(
        verify("abc").unwrap_err(),
        VerifyError::Form(TokenFormError::Segments { segments: 1 })
    );
    assert_eq!(
        verify("a.b.c.d.e.f").unwrap_err(),
        VerifyError::Form(TokenFormError::Segments { segments: 6 })
    );
}

#[test]
fn rejects_json_serialization() {
    let token = id_token();
    let (h, p, s) = parts(&token);
    let json = json!({"payload": p, "protected": h, "signature": s}).to_string();
    assert_eq!(
        verify(&json).unwrap_err(),
        VerifyError::Form(TokenFormError::JsonSerialization)
    );
    let general =
        json!({"payload": p, "signatures": [{"protected": h, "signature": s}]}).to_string();
    assert_eq!(
        verify(&general).unwrap_err(),
        VerifyError::Form(TokenFormError::JsonSerialization)
    );
}

#[test]
fn rejects_non_base64url_characters_and_padding_in_every_segment() {
    let token = id_token();
    let (h, p, s) = parts(&token);
    for bad in ["=", "==", "+", "/", " ", "\n", "%", "\u{e9}"] {
        assert_eq!(
            verify(&format!("{h}{bad}.{p}.{s}")).unwrap_err(),
            VerifyError::Form(TokenFormError::Base64 {
                part: TokenPart::Header
            }),
            "{bad:?}"
        );
        assert_eq!(
            verify(&format!("{h}.{p}{bad}.{s}")).unwrap_err(),
            VerifyError::Form(TokenFormError::Base64 {
                part: TokenPart::Payload
            })
        );
        assert_eq!(
            verify(&format!("{h}.{p}.{s}{bad}")).unwrap_err(),
            VerifyError::Form(TokenFormError::Base64 {
                part: TokenPart::Signature
            })
        );
    }
    // A leading or trailing space or newline around the whole token is refused too.
    assert_eq!(code(&format!(" {token}")), "token.base64");
    assert_eq!(code(&format!("{token}\n")), "token.base64");
    // A segment of impossible length (one base64 character left over) is refused.
    let mut odd = h;
    while odd.len() % 4 != 1 {
        odd.push('A');
    }
    assert_eq!(
        verify(&format!("{odd}.{p}.{s}")).unwrap_err().code(),
        "token.base64"
    );
}

#[test]
fn rejects_duplicate_members_in_header_and_payload() {
    let header = format!(r#"{{"alg":"ES256","kid":"{EC_KID}","alg":"ES256"}}"#);
    let token = sign_raw(
        &header,
        &Value::Object(id_claims()).to_string(),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Form(TokenFormError::DuplicateMember {
            part: TokenPart::Header,
            name: "alg".into()
        })
    );
    let claims = Value::Object(id_claims()).to_string();
    let payload = format!(r#"{{"sub":"urn:other",{}"#, &claims[1..]);
    let token = sign_raw(
        &es256_header().to_string(),
        &payload,
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Form(TokenFormError::DuplicateMember {
            part: TokenPart::Payload,
            name: "sub".into()
        })
    );
}

#[test]
fn rejects_header_and_payload_that_are_not_json_objects() {
    let claims = Value::Object(id_claims()).to_string();
    for header in ["[]", "\"ES256\"", "{", "null", ""] {
        let token = sign_raw(header, &claims, &ec_a(), Algorithm::ES256);
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Form(TokenFormError::NotJson {
                part: TokenPart::Header
            })
        );
    }
    for payload in ["[]", "\"x\"", "{", "1", ""] {
        let token = sign_raw(
            &es256_header().to_string(),
            payload,
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Form(TokenFormError::NotJson {
                part: TokenPart::Payload
            })
        );
    }
}

#[test]
fn rejects_oversized_tokens_before_decoding() {
    let huge = "!".repeat(16 * 1024 + 1);
    assert_eq!(
        verify(&huge).unwrap_err(),
        VerifyError::Form(TokenFormError::TooLarge {
            max: 16 * 1024,
            actual: 16 * 1024 + 1
        })
    );
    let token = id_token_with(|c| {
        c.insert("padding".into(), json!("x".repeat(20_000)));
    });
    assert_eq!(verify(&token).unwrap_err().code(), "token.too_large");
    let n = nonce();
    let mut e = expect(&n);
    e.max_token_bytes = 64;
    assert_eq!(
        verify_id_token(&id_token(), &provider_keys(), &e).unwrap_err(),
        VerifyError::Form(TokenFormError::TooLarge {
            max: 64,
            actual: id_token().len()
        })
    );
}

#[test]
fn rejects_the_empty_token() {
    assert_eq!(
        verify("").unwrap_err(),
        VerifyError::Form(TokenFormError::Empty)
    );
}

// ---------------------------------------------------------------- signature

fn with_signature(sig: &[u8]) -> String {
    let (h, p, _) = parts(&id_token());
    format!("{h}.{p}.{}", b64(sig))
}

#[test]
fn rejects_es256_signature_of_all_zeros() {
    assert_eq!(
        verify(&with_signature(&[0u8; 64])).unwrap_err(),
        VerifyError::SignatureInvalid
    );
}

#[test]
fn rejects_es256_signature_that_is_not_64_bytes() {
    let (_, _, s) = parts(&id_token());
    let sig = unb64(&s);
    assert_eq!(
        verify(&with_signature(&sig[..63])).unwrap_err(),
        VerifyError::SignatureInvalid
    );
    let mut longer = sig.clone();
    longer.push(0);
    assert_eq!(
        verify(&with_signature(&longer)).unwrap_err(),
        VerifyError::SignatureInvalid
    );
    assert_eq!(
        verify(&with_signature(&[sig.clone(), sig].concat())).unwrap_err(),
        VerifyError::SignatureInvalid
    );
}

#[test]
fn rejects_der_encoded_es256_signature() {
    let (_, _, s) = parts(&id_token());
    let der = der_signature(&unb64(&s));
    assert_eq!(
        verify(&with_signature(&der)).unwrap_err(),
        VerifyError::SignatureInvalid
    );
}

#[test]
fn rejects_empty_signature() {
    assert_eq!(
        verify(&with_signature(&[])).unwrap_err(),
        VerifyError::SignatureInvalid
    );
}

#[test]
fn rejects_tampered_payload_and_a_signature_by_another_key_with_the_same_kid() {
    let token = id_token();
    let (h, _, s) = parts(&token);
    let mut c = id_claims();
    c.insert("sub".into(), json!("urn:fdc:gov.uk:2022:attacker"));
    let forged = format!("{h}.{}.{s}", b64(Value::Object(c).to_string().as_bytes()));
    assert_eq!(verify(&forged).unwrap_err(), VerifyError::SignatureInvalid);
    let other = sign(
        &es256_header(),
        &Value::Object(id_claims()),
        &ec_b(),
        Algorithm::ES256,
    );
    assert_eq!(verify(&other).unwrap_err(), VerifyError::SignatureInvalid);
}

#[test]
fn rejects_rs256_signature_by_another_key_or_truncated() {
    let n = nonce();
    let mut e = expect(&n);
    e.algorithm = IdTokenAlgorithm::RS256;
    let token = sign(
        &json!({"alg": "RS256", "kid": RSA_KID}),
        &Value::Object(id_claims()),
        &rsa_b(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify_id_token(&token, &provider_keys(), &e).unwrap_err(),
        VerifyError::SignatureInvalid
    );
    let good = sign(
        &json!({"alg": "RS256", "kid": RSA_KID}),
        &Value::Object(id_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    let (h, p, s) = parts(&good);
    let sig = unb64(&s);
    let truncated = format!("{h}.{p}.{}", b64(&sig[..255]));
    assert_eq!(
        verify_id_token(&truncated, &provider_keys(), &e).unwrap_err(),
        VerifyError::SignatureInvalid
    );
}

// ---------------------------------------------------------------- time claims

#[test]
fn rejects_time_claims_as_strings_floats_negatives_huge_numbers_and_null() {
    let bad = [
        json!("1760000100"),
        json!(1_760_000_100.0),
        json!(1_760_000_100.5),
        json!(1.7600001e9),
        json!(-1),
        json!(-1_760_000_100_i64),
        json!(u64::MAX),
        json!(i64::MAX),
        json!(253_402_300_800_i64),
        json!(null),
        json!(true),
        json!([1_760_000_100]),
        json!({"t": 1}),
    ];
    for claim in ["exp", "iat", "nbf", "auth_time"] {
        for value in &bad {
            let token = id_token_with(|c| {
                c.insert(claim.into(), value.clone());
            });
            let err = verify(&token).unwrap_err();
            assert!(
                matches!(err, VerifyError::Claims(ClaimError::MalformedTime { claim: c }) if c == claim),
                "{claim}={value}: {err:?}"
            );
        }
    }
}

#[test]
fn accepts_boundary_times_with_a_test_clock_and_refuses_one_second_later() {
    let clock = TestClock::at(NOW);
    let n = nonce();
    let keys = provider_keys();
    let token = id_token_with(|c| {
        c.insert("exp".into(), json!(NOW + 100));
    });
    let at = |t: i64, leeway: u64| {
        clock.set(t);
        let mut e = expect(&n);
        e.now = clock.now_unix();
        e.leeway = Duration::from_secs(leeway);
        verify_id_token(&token, &keys, &e)
    };
    // Accepted while now < exp + leeway.
    assert!(at(NOW + 129, 30).is_ok());
    assert_eq!(
        at(NOW + 130, 30).unwrap_err(),
        VerifyError::Claims(ClaimError::Expired {
            exp: NOW + 100,
            now: NOW + 130,
            leeway: 30
        })
    );
    assert!(at(NOW + 99, 0).is_ok());
    assert_eq!(at(NOW + 100, 0).unwrap_err().code(), "claims.expired");
}

#[test]
fn rejects_iat_in_the_future_beyond_the_leeway() {
    let ok = id_token_with(|c| {
        c.insert("iat".into(), json!(NOW + 30));
    });
    assert!(verify(&ok).is_ok());
    let future = id_token_with(|c| {
        c.insert("iat".into(), json!(NOW + 31));
    });
    assert_eq!(
        verify(&future).unwrap_err(),
        VerifyError::Claims(ClaimError::IssuedInFuture {
            iat: NOW + 31,
            now: NOW,
            leeway: 30
        })
    );
    let day_ahead = id_token_with(|c| {
        c.insert("iat".into(), json!(NOW + 86_400));
    });
    assert_eq!(code(&day_ahead), "claims.iat_future");
}

#[test]
fn rejects_nbf_in_the_future_beyond_the_leeway() {
    let ok = id_token_with(|c| {
        c.insert("nbf".into(), json!(NOW + 30));
    });
    assert!(verify(&ok).is_ok());
    let later = id_token_with(|c| {
        c.insert("nbf".into(), json!(NOW + 31));
    });
    assert_eq!(
        verify(&later).unwrap_err(),
        VerifyError::Claims(ClaimError::NotYetValid {
            nbf: NOW + 31,
            now: NOW,
            leeway: 30
        })
    );
}

// ---------------------------------------------------------------- required claims

#[test]
fn rejects_each_required_claim_removed_in_turn() {
    for claim in ["iss", "aud", "exp", "iat", "sub", "nonce", "vot"] {
        let token = id_token_with(|c| {
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
fn rejects_wrongly_typed_or_empty_string_claims() {
    for (claim, value) in [
        ("iss", json!(1)),
        ("iss", json!(null)),
        ("iss", json!([ISSUER])),
        ("sub", json!(42)),
        ("sub", json!("")),
        ("nonce", json!(1)),
        ("vot", json!(["Cl.Cm"])),
        ("sid", json!(7)),
        ("vtm", json!(false)),
        ("at_hash", json!(1)),
    ] {
        let token = id_token_with(|c| {
            c.insert(claim.into(), value.clone());
        });
        assert!(
            matches!(verify(&token).unwrap_err(), VerifyError::Claims(ClaimError::WrongType { claim: c, .. }) if c == claim),
            "{claim}={value}"
        );
    }
}

// ---------------------------------------------------------------- iss and aud

#[test]
fn rejects_issuer_near_misses() {
    for iss in [
        "https://oidc.integration.account.gov.uk",
        "https://oidc.integration.account.gov.uk//",
        "HTTPS://oidc.integration.account.gov.uk/",
        "https://OIDC.integration.account.gov.uk/",
        "http://oidc.integration.account.gov.uk/",
        "https://oidc.integration.account.gov.uk/1",
        "https://oidc.integration.account.gov.uk:443/",
        " https://oidc.integration.account.gov.uk/",
        "https://oidc.integration.account.gov.uk/ ",
        "https://oidc.account.gov.uk/",
        "https://identity.integration.account.gov.uk/",
    ] {
        let token = id_token_with(|c| {
            c.insert("iss".into(), json!(iss));
        });
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Claims(ClaimError::IssuerMismatch {
                expected: ISSUER.into(),
                actual: iss.into()
            })
        );
    }
}

#[test]
fn rejects_audience_shapes_other_than_the_client_id_alone() {
    let mismatches = [
        (json!("other-client"), vec!["other-client"]),
        (
            json!([CLIENT_ID, "other-client"]),
            vec![CLIENT_ID, "other-client"],
        ),
        (
            json!(["other-client", CLIENT_ID]),
            vec!["other-client", CLIENT_ID],
        ),
        (json!([CLIENT_ID, CLIENT_ID]), vec![CLIENT_ID, CLIENT_ID]),
        (json!([]), vec![]),
        (json!(""), vec![""]),
        (json!("CLIENT-ABC"), vec!["CLIENT-ABC"]),
    ];
    for (aud, actual) in mismatches {
        let token = id_token_with(|c| {
            c.insert("aud".into(), aud.clone());
        });
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Claims(ClaimError::AudienceMismatch {
                expected: CLIENT_ID.into(),
                actual: actual.into_iter().map(String::from).collect()
            }),
            "{aud}"
        );
    }
    for aud in [
        json!(12345),
        json!(null),
        json!([CLIENT_ID, 1]),
        json!({"aud": CLIENT_ID}),
        json!([[CLIENT_ID]]),
    ] {
        let token = id_token_with(|c| {
            c.insert("aud".into(), aud.clone());
        });
        assert_eq!(verify(&token).unwrap_err().code(), "claims.type", "{aud}");
    }
}

#[test]
fn rejects_azp_naming_another_party() {
    let token = id_token_with(|c| {
        c.insert("azp".into(), json!("other-client"));
    });
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Claims(ClaimError::AuthorizedPartyMismatch {
            expected: CLIENT_ID.into(),
            actual: "other-client".into()
        })
    );
}

// ---------------------------------------------------------------- nonce, vot, auth_time, at_hash

#[test]
fn rejects_a_nonce_that_does_not_match() {
    for nonce in ["other", "", "n-0S6_WzA2Mj-nonc", "n-0S6_WzA2Mj-nonce "] {
        let token = id_token_with(|c| {
            c.insert("nonce".into(), json!(nonce));
        });
        let err = verify(&token).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Claims(ClaimError::NonceMismatch)
                    | VerifyError::Claims(ClaimError::WrongType { claim: "nonce", .. })
            ),
            "{nonce}"
        );
    }
    let token = id_token_with(|c| {
        c.insert("nonce".into(), json!("other"));
    });
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Claims(ClaimError::NonceMismatch)
    );
    assert!(!verify(&token).unwrap_err().to_string().contains("other"));
}

#[test]
fn rejects_vot_other_than_the_requested_credential_level() {
    for vot in ["Cl", "Cl.Cm.P2", "P2", "Cm.Cl", "cl.cm", ""] {
        let token = id_token_with(|c| {
            c.insert("vot".into(), json!(vot));
        });
        let err = verify(&token).unwrap_err();
        assert!(
            matches!(&err, VerifyError::Claims(ClaimError::VotMismatch { expected: "Cl.Cm", actual }) if actual == vot)
                || (vot.is_empty() && err.code() == "claims.type"),
            "{vot}: {err:?}"
        );
    }
    let n = nonce();
    let mut e = expect(&n);
    e.vot = CredentialLevel::Cl;
    assert_eq!(
        verify_id_token(&id_token(), &provider_keys(), &e).unwrap_err(),
        VerifyError::Claims(ClaimError::VotMismatch {
            expected: "Cl",
            actual: "Cl.Cm".into()
        })
    );
}

#[test]
fn checks_auth_time_against_max_age() {
    let n = nonce();
    let keys = provider_keys();
    let mut e = expect(&n);
    e.max_age = Some(60);
    e.leeway = Duration::ZERO;
    // auth_time = NOW - 60: exactly max_age ago is accepted.
    assert!(verify_id_token(&id_token(), &keys, &e).is_ok());
    e.max_age = Some(59);
    assert_eq!(
        verify_id_token(&id_token(), &keys, &e).unwrap_err(),
        VerifyError::Claims(ClaimError::AuthenticationTooOld {
            auth_time: NOW - 60,
            max_age: 59,
            now: NOW
        })
    );
    let without = id_token_with(|c| {
        c.remove("auth_time");
    });
    assert_eq!(
        verify_id_token(&without, &keys, &e).unwrap_err(),
        VerifyError::Claims(ClaimError::Missing { claim: "auth_time" })
    );
    e.max_age = None;
    assert!(verify_id_token(&without, &keys, &e).is_ok());
}

#[test]
fn checks_at_hash_when_present_and_the_access_token_is_given() {
    let n = nonce();
    let keys = provider_keys();
    let access_token = "SlAV32hkKG";
    let token = id_token_with(|c| {
        c.insert("at_hash".into(), json!(access_token_hash(access_token)));
    });
    let mut e = expect(&n);
    e.access_token = Some(access_token);
    assert!(verify_id_token(&token, &keys, &e).is_ok());
    e.access_token = Some("another-access-token");
    assert_eq!(
        verify_id_token(&token, &keys, &e).unwrap_err(),
        VerifyError::Claims(ClaimError::AccessTokenHashMismatch)
    );
    // Absent at_hash with an access token, or no access token given: not checked.
    assert!(verify_id_token(&id_token(), &keys, &e).is_ok());
    e.access_token = None;
    assert!(verify_id_token(&token, &keys, &e).is_ok());
}

#[test]
fn computes_at_hash_as_the_left_half_of_sha256_in_base64url() {
    // OpenID Connect Core examples use this access token; the value is SHA-256 based.
    assert_eq!(
        access_token_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
}

// ---------------------------------------------------------------- cross-token substitution

#[test]
fn rejects_a_logout_token_presented_as_an_id_token() {
    // With its typ header: refused at the header.
    let logout = logout_token_with(|_| {});
    assert_eq!(code(&logout), "header.typ");
    // Without typ, signed by a provider key: refused for carrying `events`.
    let untyped = sign(
        &es256_header(),
        &Value::Object(logout_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&untyped).unwrap_err(),
        VerifyError::Claims(ClaimError::Forbidden { claim: "events" })
    );
    // Even with a nonce added.
    let mut c = logout_claims();
    c.insert("nonce".into(), json!(NONCE));
    c.insert("vot".into(), json!("Cl.Cm"));
    let with_nonce = sign(
        &es256_header(),
        &Value::Object(c),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(
        verify(&with_nonce).unwrap_err(),
        VerifyError::Claims(ClaimError::Forbidden { claim: "events" })
    );
}

#[test]
fn rejects_a_core_identity_jwt_presented_as_an_id_token() {
    // Its kid names the DID document's key, not a provider key.
    let identity = identity_token_with(|_| {});
    assert_eq!(code(&identity), "key.unknown_kid");
    // Even signed with a provider key, its issuer is the identity issuer.
    let resigned = sign(
        &es256_header(),
        &Value::Object(identity_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(code(&resigned), "claims.iss");
}

#[test]
fn rejects_a_client_assertion_presented_as_an_id_token() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let assertion = signer
        .client_assertion("https://oidc.integration.account.gov.uk/token", NOW)
        .unwrap();
    assert_eq!(code(&assertion), "header.alg_not_allowed");
    let n = nonce();
    let mut e = expect(&n);
    e.algorithm = IdTokenAlgorithm::RS256;
    assert_eq!(
        verify_id_token(&assertion, &provider_keys(), &e)
            .unwrap_err()
            .code(),
        "key.unknown_kid"
    );
    // Even if the client's key were in the set, iss and aud are wrong.
    let keys = keyset(&[signer.public_jwk()]);
    assert_eq!(
        verify_id_token(&assertion, &keys, &e).unwrap_err().code(),
        "claims.iss"
    );
}

#[test]
fn debug_of_expectations_redacts_the_nonce_and_access_token() {
    let n = nonce();
    let mut e = expect(&n);
    e.access_token = Some("secret-access-token");
    let debug = format!("{e:?}");
    assert!(!debug.contains(NONCE) && !debug.contains("secret-access-token"));
    assert!(debug.contains(CLIENT_ID));
}
