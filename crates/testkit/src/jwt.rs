//! Compact JWS helpers: the provider's keys, signing any header and claims, and reading tokens
//! without trusting them.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login_core::{RsaPrivateKey, ServiceKey, random_bytes};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Value, json};

use crate::error::StartError;

/// Installs jsonwebtoken's aws-lc provider; `Err` only means one was installed already.
pub(crate) fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A random base64url string of `n` random bytes (falls back to a fixed string only if the
/// system CSPRNG fails, which aws-lc treats as fatal anyway).
pub(crate) fn random_id(n: usize) -> String {
    random_bytes(n)
        .map(|b| b64(&b))
        .unwrap_or_else(|_| "testkit-random-failure".to_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// base64url of the left half of SHA-256 over the ASCII access token (`at_hash`).
pub(crate) fn at_hash(access_token: &str) -> String {
    let digest = sha256(access_token.as_bytes());
    b64(&digest[..16])
}

/// One of the provider's signing keys.
pub(crate) struct SigningKey {
    pub(crate) kid: String,
    pub(crate) alg: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public JWK members (kty, crv/x/y or n/e), without kid, alg or use.
    public: Value,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh P-256 key (microseconds, even in debug builds).
    pub(crate) fn generate_es256() -> Result<Arc<Self>, StartError> {
        let fail = |what: &str| StartError::KeyGeneration {
            reason: format!("P-256: {what}"),
        };
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| fail("generate"))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .map_err(|_| fail("reparse"))?;
        let point = pair.public_key().as_ref();
        if point.len() != 65 {
            return Err(fail("unexpected public point length"));
        }
        let (x, y) = (b64(&point[1..33]), b64(&point[33..65]));
        let decoding = DecodingKey::from_ec_components(&x, &y).map_err(|_| fail("decoding key"))?;
        Ok(Arc::new(Self {
            kid: hex(&sha256(point)),
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            decoding,
            public: json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y }),
        }))
    }

    /// A fresh RSA-2048 key (a few hundred milliseconds in debug builds).
    pub(crate) fn generate_rs256() -> Result<Arc<Self>, StartError> {
        let fail = |what: String| StartError::KeyGeneration {
            reason: format!("RSA: {what}"),
        };
        let key = RsaPrivateKey::generate("testkit").map_err(|e| fail(e.to_string()))?;
        let pem_text = key.pem().expose_secret();
        let encoding =
            EncodingKey::from_rsa_pem(pem_text.as_bytes()).map_err(|e| fail(e.to_string()))?;
        let parsed = pem::parse(pem_text.trim()).map_err(|e| fail(e.to_string()))?;
        let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(parsed.contents())
            .map_err(|e| fail(e.to_string()))?;
        let public = RsaComponents::from_key_pair(&pair);
        Ok(Arc::new(Self {
            kid: hex(&sha256(&public.pkcs1_der)),
            alg: Algorithm::RS256,
            encoding,
            decoding: public.decoding_key(),
            public: json!({ "kty": "RSA", "n": b64(&public.n), "e": b64(&public.e) }),
        }))
    }

    /// The JWK as published: the public members plus kid, alg and use.
    pub(crate) fn jwk(&self) -> Value {
        let mut jwk = self.public.clone();
        if let Value::Object(map) = &mut jwk {
            map.insert("kid".into(), Value::String(self.kid.clone()));
            map.insert("alg".into(), Value::String(alg_name(self.alg).into()));
            map.insert("use".into(), Value::String("sig".into()));
        }
        jwk
    }

    /// The public JWK members only (for a DID verification method, plus `alg`).
    pub(crate) fn public_jwk(&self) -> Value {
        self.public.clone()
    }

    /// Signs `header.claims` with this key whatever the header says.
    pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = signing_input(header, claims);
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &self.encoding, self.alg)
            .unwrap_or_default();
        format!("{input}.{signature}")
    }

    /// Whether the token's signature verifies with this key (header alg ignored; the key's own
    /// algorithm is used).
    pub(crate) fn verifies(&self, token: &str) -> bool {
        let Some((input, signature)) = token.rsplit_once('.') else {
            return false;
        };
        jsonwebtoken::crypto::verify(signature, input.as_bytes(), &self.decoding, self.alg)
            .unwrap_or(false)
    }
}

/// The JOSE name of an algorithm.
pub(crate) fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        _ => "unknown",
    }
}

/// The RSA algorithms One Login accepts for client assertions and request objects.
pub(crate) fn rsa_client_alg(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "RS384" => Some(Algorithm::RS384),
        "RS512" => Some(Algorithm::RS512),
        "PS256" => Some(Algorithm::PS256),
        "PS384" => Some(Algorithm::PS384),
        "PS512" => Some(Algorithm::PS512),
        _ => None,
    }
}

pub(crate) fn signing_input(header: &Value, claims: &Value) -> String {
    let h = serde_json::to_vec(header).unwrap_or_default();
    let c = serde_json::to_vec(claims).unwrap_or_default();
    format!("{}.{}", b64(&h), b64(&c))
}

/// Replaces a token's header, keeping its payload and signature.
pub(crate) fn replace_header(token: &str, header: &Value) -> String {
    let mut parts = token.splitn(2, '.');
    let _ = parts.next();
    let rest = parts.next().unwrap_or_default();
    let h = serde_json::to_vec(header).unwrap_or_default();
    format!("{}.{rest}", b64(&h))
}

/// Replaces a token's signature with random bytes of the same length.
pub(crate) fn garble_signature(token: &str) -> String {
    let Some((input, signature)) = token.rsplit_once('.') else {
        return token.to_owned();
    };
    let len = b64_decode(signature).map_or(64, |s| s.len().max(1));
    let random = random_bytes(len).unwrap_or_else(|_| vec![0; len]);
    format!("{input}.{}", b64(&random))
}

/// A compact JWS read without checking anything.
pub(crate) struct Parsed {
    pub(crate) header: Value,
    pub(crate) claims: Value,
    pub(crate) signing_input: String,
    pub(crate) signature: String,
}

/// Splits and decodes a compact JWS; `None` if it is not three base64url JSON parts.
pub(crate) fn parse(token: &str) -> Option<Parsed> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64_decode(h)?).ok()?;
    let claims: Value = serde_json::from_slice(&b64_decode(c)?).ok()?;
    if !header.is_object() || !claims.is_object() {
        return None;
    }
    Some(Parsed {
        header,
        claims,
        signing_input: format!("{h}.{c}"),
        signature: s.to_owned(),
    })
}

/// The public half of an RSA key pair: modulus and exponent, and the PKCS#1 DER the provider's
/// own `kid`s are digests of.
struct RsaComponents {
    pkcs1_der: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl RsaComponents {
    fn from_key_pair(pair: &aws_lc_rs::rsa::KeyPair) -> Self {
        let public = pair.public_key();
        Self {
            pkcs1_der: public.as_ref().to_vec(),
            n: public.modulus().big_endian_without_leading_zero().to_vec(),
            e: public.exponent().big_endian_without_leading_zero().to_vec(),
        }
    }

    fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_rsa_raw_components(&self.n, &self.e)
    }
}

/// A registered client's RSA public key, with the `kid` its JWKS gave it (if it came from one).
#[derive(Clone)]
pub(crate) struct RsaPublic {
    decoding: DecodingKey,
    pub(crate) kid: Option<String>,
}

impl fmt::Debug for RsaPublic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublic")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl RsaPublic {
    /// The public half of one of a service's keys (held here or by its signer).
    pub(crate) fn from_service_key(key: &ServiceKey) -> Option<Self> {
        Self::from_jwk(&key.public_jwk("RS256"))
    }

    /// An RSA public key in PEM (`PUBLIC KEY`, SubjectPublicKeyInfo, or PKCS#1 `RSA PUBLIC KEY`),
    /// as the simulator's `publicKey` holds it: the lines may be run together or the BEGIN/END
    /// lines left out, so the base64 body is taken and wrapped again.
    pub(crate) fn from_public_pem(text: &str) -> Option<Self> {
        let tag = if text.contains("RSA PUBLIC KEY") {
            "RSA PUBLIC KEY"
        } else {
            "PUBLIC KEY"
        };
        let body: String = text
            .replace(&format!("-----BEGIN {tag}-----"), "")
            .replace(&format!("-----END {tag}-----"), "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if body.is_empty() || body.contains('-') {
            return None;
        }
        let mut pem_text = format!("-----BEGIN {tag}-----\n");
        for chunk in body.as_bytes().chunks(64) {
            pem_text.push_str(std::str::from_utf8(chunk).ok()?);
            pem_text.push('\n');
        }
        pem_text.push_str(&format!("-----END {tag}-----\n"));
        let decoding = DecodingKey::from_rsa_pem(pem_text.as_bytes()).ok()?;
        Some(Self {
            decoding,
            kid: None,
        })
    }

    /// An RSA signing key of a JWK set (`kty: RSA`, `n`, `e`; a `use` other than `sig` refused).
    pub(crate) fn from_jwk(jwk: &Value) -> Option<Self> {
        let text = |name: &str| jwk.get(name).and_then(Value::as_str);
        if text("kty") != Some("RSA") || text("use").is_some_and(|u| u != "sig") {
            return None;
        }
        let (n, e) = (b64_decode(text("n")?)?, b64_decode(text("e")?)?);
        if n.len() < 256 || e.is_empty() {
            return None;
        }
        Some(Self {
            decoding: DecodingKey::from_rsa_raw_components(&n, &e),
            kid: text("kid").map(str::to_owned),
        })
    }

    /// Whether `parsed` carries a valid signature by this key under `alg`.
    pub(crate) fn verifies(&self, parsed: &Parsed, alg: Algorithm) -> bool {
        jsonwebtoken::crypto::verify(
            &parsed.signature,
            parsed.signing_input.as_bytes(),
            &self.decoding,
            alg,
        )
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn es256_and_rs256_keys_sign_tokens_they_verify() {
        install_crypto_provider();
        for key in [
            SigningKey::generate_es256().unwrap(),
            SigningKey::generate_rs256().unwrap(),
        ] {
            let token = key.sign(&json!({"alg": alg_name(key.alg)}), &json!({"a": 1}));
            assert!(key.verifies(&token));
            assert!(!key.verifies(&garble_signature(&token)));
            let parsed = parse(&token).unwrap();
            assert_eq!(parsed.claims["a"], 1);
            assert_eq!(key.kid.len(), 64);
        }
    }

    #[test]
    fn parse_refuses_anything_but_three_json_parts() {
        assert!(parse("a.b").is_none());
        assert!(parse("a.b.c.d").is_none());
        assert!(parse("!!.??.x").is_none());
        assert!(parse(&format!("{}.{}.", b64(b"[1]"), b64(b"{}"))).is_none());
    }

    #[test]
    fn at_hash_matches_the_oidc_example() {
        // OIDC Core A.3/A.4 example: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y".
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
