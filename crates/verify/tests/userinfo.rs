//! Typed `/userinfo` responses.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use govuk_one_login_verify::{ClaimsError, ReturnCode, UserInfo};
use serde_json::{Value, json};

const SUB: &str = "urn:fdc:gov.uk:2022:VtcZjnU4Sif2oyJZola3OkN0e3Jeku1cIMN38rFlhU4";

fn parse(v: &Value) -> Result<UserInfo, ClaimsError> {
    UserInfo::from_json(v.to_string().as_bytes())
}

fn identity_userinfo() -> Value {
    json!({
        "sub": SUB,
        "email": "test@example.com",
        "email_verified": true,
        "phone_number": "+447700900000",
        "phone_number_verified": true,
        "wallet_subject_id": "urn:fdc:wallet.account.gov.uk:2024:abc",
        "https://vocab.account.gov.uk/v1/coreIdentityJWT": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
        "https://vocab.account.gov.uk/v1/address": [{
            "uprn": 10022812929_u64,
            "subBuildingName": "FLAT 5",
            "buildingName": "WEST LEA",
            "buildingNumber": "16",
            "dependentStreetName": "KINGS PARK",
            "streetName": "HIGH STREET",
            "doubleDependentAddressLocality": "EREWASH",
            "dependentAddressLocality": "LONG EATON",
            "addressLocality": "GREAT MISSENDEN",
            "postalCode": "HP16 0AL",
            "addressCountry": "GB",
            "validFrom": "2022-01-01"
        }, {
            "uprn": "100120012077",
            "buildingNumber": 7,
            "organisationName": "",
            "addressCountry": "GB",
            "validUntil": "2021-12-31"
        }],
        "https://vocab.account.gov.uk/v1/passport": [{
            "documentNumber": "1223456", "icaoIssuerCode": "GBR", "expiryDate": "2032-02-02"
        }],
        "https://vocab.account.gov.uk/v1/drivingPermit": [{
            "personalNumber": "DOE99802085J99FG", "expiryDate": "2032-02-02",
            "issueNumber": "5", "issuedBy": "DVLA", "issueDate": "2022-02-02"
        }],
        "https://vocab.account.gov.uk/v1/returnCode": [{"code": "B"}, {"code": "C"}],
        "https://vocab.account.gov.uk/v1/socialSecurityRecord": [{"personalNumber": "AA123456C"}],
        "unknown_claim": {"kept": 1}
    })
}

#[test]
fn parses_an_identity_userinfo_response_into_typed_claims() {
    let u = parse(&identity_userinfo()).unwrap();
    assert_eq!(u.sub, SUB);
    assert_eq!(u.email.as_deref(), Some("test@example.com"));
    assert_eq!(u.email_verified, Some(true));
    assert_eq!(u.phone_number.as_deref(), Some("+447700900000"));
    assert_eq!(u.phone_number_verified, Some(true));
    assert_eq!(
        u.wallet_subject_id.as_deref(),
        Some("urn:fdc:wallet.account.gov.uk:2024:abc")
    );
    assert_eq!(
        u.core_identity_jwt.as_deref(),
        Some("eyJhbGciOiJFUzI1NiJ9.e30.sig")
    );
    assert_eq!(u.addresses.len(), 2);
    assert_eq!(u.addresses[0].uprn, Some(10_022_812_929));
    assert_eq!(u.addresses[0].postal_code.as_deref(), Some("HP16 0AL"));
    assert_eq!(u.addresses[0].valid_until, None);
    assert_eq!(u.passports[0].icao_issuer_code.as_deref(), Some("GBR"));
    assert_eq!(u.driving_permits[0].issued_by.as_deref(), Some("DVLA"));
    assert_eq!(
        u.return_codes,
        [
            ReturnCode { code: "B".into() },
            ReturnCode { code: "C".into() }
        ]
    );
    assert_eq!(u.extra.get("unknown_claim"), Some(&json!({"kept": 1})));
    assert!(
        u.extra
            .contains_key("https://vocab.account.gov.uk/v1/socialSecurityRecord")
    );
    assert!(!u.extra.contains_key("email"));
    assert!(
        !u.extra
            .contains_key("https://vocab.account.gov.uk/v1/address")
    );
}

#[test]
fn parses_numbers_and_numeric_strings_leniently_where_one_login_varies() {
    let u = parse(&identity_userinfo()).unwrap();
    assert_eq!(u.addresses[1].uprn, Some(100_120_012_077));
    assert_eq!(u.addresses[1].building_number.as_deref(), Some("7"));
    assert_eq!(u.addresses[1].organisation_name.as_deref(), Some(""));
    let u = parse(&json!({"sub": SUB, "email_verified": "true", "phone_number_verified": "false", "email": null})).unwrap();
    assert_eq!(u.email_verified, Some(true));
    assert_eq!(u.phone_number_verified, Some(false));
    assert_eq!(u.email, None);
}

#[test]
fn parses_an_authentication_only_response() {
    let u = parse(&json!({"sub": SUB})).unwrap();
    assert_eq!(u.sub, SUB);
    assert!(u.core_identity_jwt.is_none() && u.addresses.is_empty() && u.return_codes.is_empty());
    assert!(u.extra.is_empty());
}

#[test]
fn debug_of_userinfo_redacts_personal_data_and_the_identity_jwt() {
    let u = parse(&identity_userinfo()).unwrap();
    let debug = format!(
        "{u:?} {:?} {:?} {:?}",
        u.addresses, u.passports, u.driving_permits
    );
    for secret in [
        SUB,
        "test@example.com",
        "+447700900000",
        "eyJhbGci",
        "HP16",
        "1223456",
        "DOE99802085J99FG",
        "wallet.account",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("\"B\""));
}

#[test]
fn refuses_unusable_userinfo_responses() {
    assert_eq!(
        UserInfo::from_json(b"not json").unwrap_err(),
        ClaimsError::NotJson
    );
    assert_eq!(
        UserInfo::from_json(b"[]").unwrap_err(),
        ClaimsError::NotJson
    );
    assert_eq!(
        parse(&json!({"email": "a@b.c"})).unwrap_err(),
        ClaimsError::MissingSub
    );
    assert_eq!(
        parse(&json!({"sub": 1})).unwrap_err().code(),
        "userinfo.wrong_type"
    );
    assert_eq!(
        parse(&json!({"sub": ""})).unwrap_err().code(),
        "userinfo.wrong_type"
    );
    let dup = format!(r#"{{"sub":"{SUB}","sub":"urn:other"}}"#);
    assert_eq!(
        UserInfo::from_json(dup.as_bytes()).unwrap_err(),
        ClaimsError::DuplicateMember { name: "sub".into() }
    );
    let cases = [
        (
            "https://vocab.account.gov.uk/v1/coreIdentityJWT",
            json!(["jwt"]),
            "coreIdentityJWT",
        ),
        (
            "https://vocab.account.gov.uk/v1/address",
            json!({"postalCode": "X"}),
            "address",
        ),
        (
            "https://vocab.account.gov.uk/v1/address",
            json!(["line"]),
            "address",
        ),
        (
            "https://vocab.account.gov.uk/v1/address",
            json!([{"uprn": -1}]),
            "address",
        ),
        (
            "https://vocab.account.gov.uk/v1/address",
            json!([{"uprn": "12a"}]),
            "address",
        ),
        (
            "https://vocab.account.gov.uk/v1/address",
            json!([{"postalCode": ["X"]}]),
            "address",
        ),
        (
            "https://vocab.account.gov.uk/v1/passport",
            json!("1223456"),
            "passport",
        ),
        (
            "https://vocab.account.gov.uk/v1/drivingPermit",
            json!([{"issuedBy": {}}]),
            "drivingPermit",
        ),
        (
            "https://vocab.account.gov.uk/v1/returnCode",
            json!([{}]),
            "returnCode",
        ),
        (
            "https://vocab.account.gov.uk/v1/returnCode",
            json!(["B"]),
            "returnCode",
        ),
        ("email", json!(1), "email"),
        ("email_verified", json!("yes"), "email_verified"),
    ];
    for (name, value, claim) in cases {
        let mut body = json!({"sub": SUB});
        body.as_object_mut()
            .unwrap()
            .insert(name.into(), value.clone());
        let err = parse(&body).unwrap_err();
        assert!(
            matches!(err, ClaimsError::WrongType { claim: c, .. } if c == claim),
            "{name}={value}: {err:?}"
        );
    }
    let big = vec![b' '; govuk_one_login_verify::MAX_DOCUMENT_BYTES + 1];
    assert_eq!(
        UserInfo::from_json(&big).unwrap_err().code(),
        "userinfo.too_large"
    );
}
