//! Shared fixtures for the fuzz targets in `fuzz_targets/`: the real test keys of
//! `crates/verify/testdata`, the provider's key set and DID document built from them, the
//! expectations every verifier is given, and a signer that turns fuzzer bytes into a correctly
//! signed compact JWS, so that the verifiers' claim checks (not only their shape checks) are
//! reached.
//!
//! Run a target with `cargo +nightly fuzz run TARGET` inside this folder, or every target in turn
//! with `cargo xtask fuzz --seconds N` from the repository root. Seed inputs live in `seeds/`.

#![forbid(unsafe_code)]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login_core::{IdentityLevel, Nonce};
use govuk_one_login_verify::{
    DidDocument, IdTokenExpectations, IdentityExpectations, KeySet, LogoutExpectations,
};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

/// The provider's issuer.
pub const ISSUER: &str = "https://oidc.integration.account.gov.uk/";
/// The core identity issuer.
pub const IDENTITY_ISSUER: &str = "https://identity.integration.account.gov.uk/";
/// The identity DID controller.
pub const DID: &str = "did:web:identity.integration.account.gov.uk";
/// The fragment of the DID document's one key.
pub const DID_KEY: &str = "c9f9a2b1e4d3";
/// The trust mark (`vtm`).
pub const TRUSTMARK: &str = "https://oidc.integration.account.gov.uk/trustmark";
/// The relying party's client id.
pub const CLIENT_ID: &str = "client-abc";
/// The subject every identity JWT must be for.
pub const SUB: &str = "urn:fdc:gov.uk:2022:VtcZjnU4Sif2oyJZola3OkN0e3Jeku1cIMN38rFlhU4";
/// The nonce the ID token must carry.
pub const NONCE: &str = "n-0S6_WzA2Mj-nonce";
/// The time of every check.
pub const NOW: i64 = 1_760_000_000;
/// The `kid` of EC key A in the provider's JWKS.
pub const EC_KID: &str = "ec-a";
/// The `kid` of RSA key A in the provider's JWKS.
pub const RSA_KID: &str = "rsa-a";
/// The clock leeway the expectations use (the core default).
pub const LEEWAY_SECS: i64 = 30;

const EC_A_PEM: &[u8] = include_bytes!("../../crates/verify/testdata/ec-p256-a.pem");
const EC_B_PEM: &[u8] = include_bytes!("../../crates/verify/testdata/ec-p256-b.pem");
const RSA_A_PEM: &[u8] = include_bytes!("../../crates/verify/testdata/rsa-2048-a.pem");

/// The keys and documents built once per fuzzing process.
pub struct Fixtures {
    /// The provider's JWKS, parsed: `ec-a` (ES256) and `rsa-a` (RS256).
    pub provider_keys: KeySet,
    /// The identity DID document holding EC key B as `<DID>#<DID_KEY>`.
    pub did: DidDocument,
    /// The JWKS body the key set was parsed from.
    pub jwks_body: Vec<u8>,
    /// The DID document body.
    pub did_body: Vec<u8>,
    ec_a: EncodingKey,
    ec_b: EncodingKey,
    rsa_a: EncodingKey,
    nonce: Nonce,
}

fn public_jwk(key: &EncodingKey, alg: Algorithm) -> Value {
    let jwk = Jwk::from_encoding_key(key, alg).unwrap_or_else(|e| panic!("fixture key: {e}"));
    serde_json::to_value(jwk).unwrap_or_else(|e| panic!("fixture key: {e}"))
}

fn with(mut value: Value, members: &[(&str, &str)]) -> Value {
    if let Value::Object(obj) = &mut value {
        for (k, v) in members {
            obj.insert((*k).to_owned(), Value::String((*v).to_owned()));
        }
    }
    value
}

fn build() -> Fixtures {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
    let load = |pem: &[u8], ec: bool| {
        if ec {
            EncodingKey::from_ec_pem(pem)
        } else {
            EncodingKey::from_rsa_pem(pem)
        }
        .unwrap_or_else(|e| panic!("fixture key: {e}"))
    };
    let ec_a = load(EC_A_PEM, true);
    let ec_b = load(EC_B_PEM, true);
    let rsa_a = load(RSA_A_PEM, false);

    let jwks = json!({ "keys": [
        with(public_jwk(&ec_a, Algorithm::ES256), &[("kid", EC_KID), ("use", "sig")]),
        with(public_jwk(&rsa_a, Algorithm::RS256), &[("kid", RSA_KID), ("use", "sig")]),
    ]});
    let jwks_body = jwks.to_string().into_bytes();
    let parsed = KeySet::from_jwks_json(&jwks_body).unwrap_or_else(|e| panic!("fixture: {e}"));
    assert!(parsed.rejected.is_empty(), "fixture JWKS rejected a key");

    let mut did_key = public_jwk(&ec_b, Algorithm::ES256);
    if let Value::Object(obj) = &mut did_key {
        obj.remove("kid");
    }
    let did_doc = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": DID,
        "assertionMethod": [{
            "type": "JsonWebKey",
            "id": format!("{DID}#{DID_KEY}"),
            "controller": DID,
            "publicKeyJwk": did_key,
        }],
    });
    let did_body = did_doc.to_string().into_bytes();
    let did = DidDocument::from_json(&did_body, DID).unwrap_or_else(|e| panic!("fixture: {e}"));
    assert!(
        did.rejected.is_empty(),
        "fixture DID document rejected a key"
    );

    Fixtures {
        provider_keys: parsed.keys,
        did: did.document,
        jwks_body,
        did_body,
        ec_a,
        ec_b,
        rsa_a,
        nonce: Nonce::from_string(NONCE.to_owned()),
    }
}

/// The fixtures, built on first use.
pub fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(build)
}

/// Which real key signs a fuzzed token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// EC key A (`ec-a` in the provider's JWKS), ES256.
    ProviderEc,
    /// RSA key A (`rsa-a` in the provider's JWKS), RS256.
    ProviderRsa,
    /// EC key B (the DID document's key), ES256.
    Identity,
}

/// A fuzz input split into a header and a payload.
#[derive(Debug, Clone, Copy)]
pub struct TokenInput<'a> {
    /// The mode byte: bit 0 picks RS256 for ID tokens; bit 7 says the header is fuzzed too.
    pub mode: u8,
    /// The header JSON text, when fuzzed (otherwise the signer's valid header is used).
    pub header: Option<&'a [u8]>,
    /// The payload bytes (meant to be JSON claims; anything goes).
    pub payload: &'a [u8],
}

/// Splits fuzz bytes: the first byte is the mode; with bit 7 set, the rest is `header NUL
/// payload`, otherwise the rest is the payload.
pub fn split_input(data: &[u8]) -> TokenInput<'_> {
    let Some((&mode, rest)) = data.split_first() else {
        return TokenInput {
            mode: 0,
            header: None,
            payload: &[],
        };
    };
    if mode & 0x80 == 0 {
        return TokenInput {
            mode,
            header: None,
            payload: rest,
        };
    }
    match rest.iter().position(|&b| b == 0) {
        Some(i) => TokenInput {
            mode,
            header: Some(&rest[..i]),
            payload: &rest[i + 1..],
        },
        None => TokenInput {
            mode,
            header: Some(rest),
            payload: &[],
        },
    }
}

/// Signs `header` (or the signer's valid header) and `payload` exactly as given with a real key,
/// producing a compact JWS whose signature verifies.
pub fn sign(signer: Signer, header: Option<&[u8]>, payload: &[u8], typ: Option<&str>) -> String {
    let f = fixtures();
    let (key, alg, default_header) = match signer {
        Signer::ProviderEc => (
            &f.ec_a,
            Algorithm::ES256,
            json!({"alg": "ES256", "kid": EC_KID}),
        ),
        Signer::ProviderRsa => (
            &f.rsa_a,
            Algorithm::RS256,
            json!({"alg": "RS256", "kid": RSA_KID}),
        ),
        Signer::Identity => (
            &f.ec_b,
            Algorithm::ES256,
            json!({"alg": "ES256", "kid": format!("{DID}#{DID_KEY}")}),
        ),
    };
    let header = match header {
        Some(h) => h.to_vec(),
        None => {
            let mut h = default_header;
            if let (Some(t), Value::Object(obj)) = (typ, &mut h) {
                obj.insert("typ".into(), Value::String(t.to_owned()));
            }
            h.to_string().into_bytes()
        }
    };
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg)
        .unwrap_or_else(|e| panic!("signing with a fixture key: {e}"));
    format!("{input}.{signature}")
}

/// The ID token expectations (ES256 or RS256).
pub fn id_expectations(rs256: bool) -> IdTokenExpectations<'static> {
    let mut e = IdTokenExpectations::new(ISSUER, CLIENT_ID, &fixtures().nonce, NOW);
    if rs256 {
        e.algorithm = govuk_one_login_core::IdTokenAlgorithm::RS256;
    }
    e
}

/// The logout token expectations.
pub fn logout_expectations() -> LogoutExpectations<'static> {
    LogoutExpectations::new(ISSUER, CLIENT_ID, NOW)
}

/// The core identity expectations (P2, with the trust mark).
pub fn identity_expectations() -> IdentityExpectations<'static> {
    let mut e = IdentityExpectations::new(IDENTITY_ISSUER, DID, CLIENT_ID, SUB, NOW);
    e.vot = IdentityLevel::P2;
    e.trustmark = Some(TRUSTMARK);
    e
}

/// Parses the payload the way an oracle would (lenient serde_json), for checking that what a
/// verifier accepted really says what it must.
pub fn claims_of(payload: &[u8]) -> serde_json::Map<String, Value> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Object(map)) => map,
        _ => panic!("a verifier accepted a payload that is not a JSON object"),
    }
}

/// Whether `aud` names the client id alone (a string, or an array of exactly it).
pub fn audience_is_client(claims: &serde_json::Map<String, Value>) -> bool {
    match claims.get("aud") {
        Some(Value::String(s)) => s == CLIENT_ID,
        Some(Value::Array(a)) => a.len() == 1 && a[0] == CLIENT_ID,
        _ => false,
    }
}

/// Whether the time claims hold at [`NOW`] with [`LEEWAY_SECS`].
pub fn times_hold(claims: &serde_json::Map<String, Value>) -> bool {
    let time = |name: &str| claims.get(name).and_then(Value::as_i64);
    let (Some(exp), Some(iat)) = (time("exp"), time("iat")) else {
        return false;
    };
    let nbf_ok = match claims.get("nbf") {
        None => true,
        Some(v) => v.as_i64().is_some_and(|nbf| nbf <= NOW + LEEWAY_SECS),
    };
    NOW < exp.saturating_add(LEEWAY_SECS) && iat <= NOW + LEEWAY_SECS && nbf_ok
}
