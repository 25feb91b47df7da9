//! Shared test helpers: test keys, hand-made tokens and default expectations.
// Each test file uses a different subset of these helpers, and they are `pub` for that reason.
#![allow(dead_code, unreachable_pub)]
// A panic in a test helper is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login_core::{
    ClientAssertionAlgorithm, ClientId, IdentityLevel, Nonce, RsaPrivateKey, SecretString,
};
use govuk_one_login_verify::{
    ClientSigner, DidDocument, IdTokenExpectations, IdentityExpectations, KeySet,
    LogoutExpectations,
};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};

pub const ISSUER: &str = "https://oidc.integration.account.gov.uk/";
pub const IDENTITY_ISSUER: &str = "https://identity.integration.account.gov.uk/";
pub const DID: &str = "did:web:identity.integration.account.gov.uk";
pub const TRUSTMARK: &str = "https://oidc.integration.account.gov.uk/trustmark";
pub const CLIENT_ID: &str = "client-abc";
pub const SUB: &str = "urn:fdc:gov.uk:2022:VtcZjnU4Sif2oyJZola3OkN0e3Jeku1cIMN38rFlhU4";
pub const NONCE: &str = "n-0S6_WzA2Mj-nonce";
pub const NOW: i64 = 1_760_000_000;
pub const EC_KID: &str = "ec-a";
pub const EC_B_KID: &str = "ec-b";
pub const RSA_KID: &str = "rsa-a";
pub const DID_KEY: &str = "c9f9a2b1e4d3";

pub const EC_A_PEM: &str = include_str!("../../testdata/ec-p256-a.pem");
pub const EC_B_PEM: &str = include_str!("../../testdata/ec-p256-b.pem");
pub const EC_P384_PEM: &str = include_str!("../../testdata/ec-p384.pem");
pub const RSA_A_PEM: &str = include_str!("../../testdata/rsa-2048-a.pem");
pub const RSA_B_PEM: &str = include_str!("../../testdata/rsa-2048-b.pem");
pub const RSA_1024_JWK: &str = include_str!("../../testdata/rsa-1024.jwk.json");

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

pub fn ec_a() -> EncodingKey {
    EncodingKey::from_ec_pem(EC_A_PEM.as_bytes()).unwrap()
}

pub fn ec_b() -> EncodingKey {
    EncodingKey::from_ec_pem(EC_B_PEM.as_bytes()).unwrap()
}

pub fn rsa_a() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_A_PEM.as_bytes()).unwrap()
}

pub fn rsa_b() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_B_PEM.as_bytes()).unwrap()
}

/// The public JWK of a private key, with `kid`, `alg` and `use: sig`.
pub fn jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Value {
    let mut v = serde_json::to_value(Jwk::from_encoding_key(key, alg).unwrap()).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.insert("kid".into(), kid.into());
    obj.insert("use".into(), "sig".into());
    v
}

pub fn jwks_body(keys: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "keys": keys })).unwrap()
}

pub fn keyset(keys: &[Value]) -> KeySet {
    let parsed = KeySet::from_jwks_json(&jwks_body(keys)).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    parsed.keys
}

/// The provider's JWKS: EC key A (`ec-a`), EC key B (`ec-b`) and RSA key A (`rsa-a`).
pub fn provider_keys() -> KeySet {
    keyset(&[
        jwk(&ec_a(), Algorithm::ES256, EC_KID),
        jwk(&ec_b(), Algorithm::ES256, EC_B_KID),
        jwk(&rsa_a(), Algorithm::RS256, RSA_KID),
    ])
}

/// Signs the exact header and payload texts given (so tests can send duplicate members, odd
/// whitespace, anything).
pub fn sign_raw(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{sig}")
}

pub fn sign(header: &Value, payload: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    sign_raw(&header.to_string(), &payload.to_string(), key, alg)
}

pub fn es256_header() -> Value {
    json!({ "alg": "ES256", "kid": EC_KID })
}

/// ID token claims as One Login sends them.
pub fn id_claims() -> Map<String, Value> {
    json!({
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": SUB,
        "iat": NOW - 10,
        "exp": NOW + 110,
        "nonce": NONCE,
        "vot": "Cl.Cm",
        "vtm": TRUSTMARK,
        "sid": "dX5xv0XgHh6yfD1xy-ss_1EDK0I",
        "auth_time": NOW - 60,
    })
    .as_object()
    .unwrap()
    .clone()
}

/// An ES256 ID token (key `ec-a`) with the claims changed by `edit`.
pub fn id_token_with(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut c = id_claims();
    edit(&mut c);
    sign(
        &es256_header(),
        &Value::Object(c),
        &ec_a(),
        Algorithm::ES256,
    )
}

pub fn id_token() -> String {
    id_token_with(|_| {})
}

pub fn nonce() -> Nonce {
    Nonce::from_string(NONCE.to_owned())
}

pub fn expect(nonce: &Nonce) -> IdTokenExpectations<'_> {
    IdTokenExpectations::new(ISSUER, CLIENT_ID, nonce, NOW)
}

/// Logout token claims as One Login sends them.
pub fn logout_claims() -> Map<String, Value> {
    json!({
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": SUB,
        "iat": NOW - 5,
        "exp": NOW + 115,
        "jti": "6b3c1f5e-2f4a-4b7e-9f1e-0a1b2c3d4e5f",
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    })
    .as_object()
    .unwrap()
    .clone()
}

pub fn logout_header() -> Value {
    json!({ "alg": "ES256", "typ": "logout+jwt", "kid": EC_KID })
}

pub fn logout_token_with(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut c = logout_claims();
    edit(&mut c);
    sign(
        &logout_header(),
        &Value::Object(c),
        &ec_a(),
        Algorithm::ES256,
    )
}

pub fn logout_expect() -> LogoutExpectations<'static> {
    LogoutExpectations::new(ISSUER, CLIENT_ID, NOW)
}

/// The identity DID document holding EC key B as `<DID>#<DID_KEY>`.
pub fn did_json() -> Value {
    let mut key = jwk(&ec_b(), Algorithm::ES256, "ignored");
    key.as_object_mut().unwrap().remove("kid");
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": DID,
        "assertionMethod": [{
            "type": "JsonWebKey",
            "id": format!("{DID}#{DID_KEY}"),
            "controller": DID,
            "publicKeyJwk": key,
        }],
    })
}

pub fn did_document() -> DidDocument {
    let parsed = DidDocument::from_json(&serde_json::to_vec(&did_json()).unwrap(), DID).unwrap();
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    parsed.document
}

pub fn identity_header() -> Value {
    json!({ "alg": "ES256", "typ": "JWT", "kid": format!("{DID}#{DID_KEY}") })
}

pub fn identity_claims() -> Map<String, Value> {
    json!({
        "iss": IDENTITY_ISSUER,
        "aud": CLIENT_ID,
        "sub": SUB,
        "nbf": NOW - 10,
        "iat": NOW - 10,
        "exp": NOW + 1790,
        "vot": "P2",
        "vtm": TRUSTMARK,
        "vc": {
            "type": ["VerifiableCredential", "IdentityCheckCredential"],
            "credentialSubject": {
                "name": [{
                    "nameParts": [
                        { "value": "Kenneth", "type": "GivenName" },
                        { "value": "Decerqueira", "type": "FamilyName" }
                    ]
                }, {
                    "validUntil": "2019-04-01",
                    "nameParts": [
                        { "value": "Ken", "type": "GivenName" },
                        { "value": "Smith", "type": "FamilyName" }
                    ]
                }],
                "birthDate": [{ "value": "1965-07-08" }]
            }
        }
    })
    .as_object()
    .unwrap()
    .clone()
}

pub fn identity_token_with(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut c = identity_claims();
    edit(&mut c);
    sign(
        &identity_header(),
        &Value::Object(c),
        &ec_b(),
        Algorithm::ES256,
    )
}

pub fn identity_expect() -> IdentityExpectations<'static> {
    let mut e = IdentityExpectations::new(IDENTITY_ISSUER, DID, CLIENT_ID, SUB, NOW);
    e.vot = IdentityLevel::P2;
    e.trustmark = Some(TRUSTMARK);
    e
}

pub fn rsa_private_key(pem: &str, kid: &str) -> RsaPrivateKey {
    RsaPrivateKey::from_pem(SecretString::new(pem), kid, "test").unwrap()
}

pub fn client_signer(alg: ClientAssertionAlgorithm) -> ClientSigner {
    ClientSigner::new(
        &rsa_private_key(RSA_B_PEM, "client-key-1"),
        alg,
        &ClientId::new(CLIENT_ID),
    )
    .unwrap()
}

/// Splits a compact token into its three segments.
pub fn parts(token: &str) -> (String, String, String) {
    let mut it = token.split('.');
    let h = it.next().unwrap().to_owned();
    let p = it.next().unwrap().to_owned();
    let s = it.next().unwrap().to_owned();
    (h, p, s)
}

/// Converts a fixed 64-byte ES256 signature (r || s) into ASN.1 DER.
pub fn der_signature(raw: &[u8]) -> Vec<u8> {
    fn int(bytes: &[u8]) -> Vec<u8> {
        let mut b: Vec<u8> = bytes.iter().copied().skip_while(|&x| x == 0).collect();
        if b.first().is_none_or(|&x| x & 0x80 != 0) {
            b.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(b.len()).unwrap()];
        out.extend(b);
        out
    }
    let mut body = int(&raw[..32]);
    body.extend(int(&raw[32..]));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}
