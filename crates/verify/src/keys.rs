//! Verification keys and key sets, parsed and filtered once when a JWKS is fetched.

use std::collections::HashMap;
use std::fmt;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::MAX_DOCUMENT_BYTES;
use crate::error::JwksError;
use crate::json::{self, JsonProblem};

/// The smallest RSA modulus accepted in a verification key, in bits.
pub const MIN_RSA_VERIFY_BITS: usize = 2048;
/// The largest RSA modulus accepted in a verification key, in bits (aws-lc verifies up to 8192).
pub const MAX_RSA_VERIFY_BITS: usize = 8192;
/// The longest `kid` accepted, in bytes.
pub const MAX_KID_BYTES: usize = 512;

/// The signature algorithms a [`VerificationKey`] can be for. Every other algorithm is refused
/// when the key is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA with P-256 and SHA-256 (ID tokens by default, logout tokens, core identity JWTs).
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (ID tokens of clients registered for RS256; an RSA key
    /// with no `alg` is taken to be for RS256).
    RS256,
    /// RSASSA-PSS with SHA-256 (client assertions signed with PS256, see
    /// [`verify_client_assertion`](crate::verify_client_assertion)). Never accepted for ID,
    /// logout or identity tokens.
    PS256,
}

impl KeyAlgorithm {
    /// The JOSE name (`ES256`, `RS256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<govuk_one_login_core::IdTokenAlgorithm> for KeyAlgorithm {
    fn from(value: govuk_one_login_core::IdTokenAlgorithm) -> Self {
        match value {
            govuk_one_login_core::IdTokenAlgorithm::ES256 => Self::ES256,
            govuk_one_login_core::IdTokenAlgorithm::RS256 => Self::RS256,
        }
    }
}

impl From<govuk_one_login_core::ClientAssertionAlgorithm> for KeyAlgorithm {
    fn from(value: govuk_one_login_core::ClientAssertionAlgorithm) -> Self {
        match value {
            govuk_one_login_core::ClientAssertionAlgorithm::RS256 => Self::RS256,
            govuk_one_login_core::ClientAssertionAlgorithm::PS256 => Self::PS256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyShape {
    EcP256,
    Rsa { bits: usize },
}

/// A public key fit for verifying signatures, parsed and checked once (not per token): an
/// aws-lc `ParsedPublicKey` bound to the key's one algorithm (so that no token pays for parsing
/// the key again), plus the metadata a token header is checked against.
///
/// Only EC P-256 keys (for ES256) and RSA keys of 2048 to 8192 bits (for RS256) exist; a JWK's
/// `alg`, `use`, `key_ops` and `crv` are honoured, never ignored.
#[derive(Clone)]
pub struct VerificationKey {
    kid: Option<String>,
    algorithm: KeyAlgorithm,
    shape: KeyShape,
    key: ParsedPublicKey,
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("VerificationKey");
        d.field("kid", &self.kid)
            .field("algorithm", &self.algorithm);
        match self.shape {
            KeyShape::EcP256 => d.field("kty", &"EC").field("crv", &"P-256"),
            KeyShape::Rsa { bits } => d.field("kty", &"RSA").field("bits", &bits),
        };
        d.finish_non_exhaustive()
    }
}

/// A key left out of a key set or DID document, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedKey {
    /// The key's `kid` (or the verification method's `id`), if it had a string one.
    pub kid: Option<String>,
    /// A stable code saying why, such as `jwk.symmetric`, `jwk.not_for_signatures`,
    /// `jwk.unsupported_curve`, `jwk.rsa_too_small`, `jwk.invalid_ec_point`,
    /// `jwk.duplicate_kid` or `jwk.no_kid`.
    pub reason: &'static str,
}

impl VerificationKey {
    /// The key id, if the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The RSA modulus size in bits, or `None` for an EC key.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self.shape {
            KeyShape::Rsa { bits } => Some(bits),
            KeyShape::EcP256 => None,
        }
    }

    /// The parsed aws-lc key, bound to [`VerificationKey::algorithm`].
    pub(crate) fn parsed_key(&self) -> &ParsedPublicKey {
        &self.key
    }

    pub(crate) fn with_kid(mut self, kid: String) -> Self {
        self.kid = Some(kid);
        self
    }

    /// Parses one JWK (a JSON object) into a verification key.
    ///
    /// Accepted: `kty: EC` with `crv: P-256` and a valid point, or `kty: RSA` of 2048 to 8192
    /// bits with an odd exponent of at least 3; `alg` absent or matching (`ES256`; `RS256` or
    /// `PS256`, the latter usable only for client assertions);
    /// `use` absent or `sig`; `key_ops` absent or containing `verify`. A JWK holding private
    /// parameters (`d`, `p`, ...) is refused too: it was published by mistake.
    ///
    /// # Errors
    /// A [`RejectedKey`] whose `reason` is a stable code.
    pub fn from_jwk(jwk: &Value) -> Result<Self, RejectedKey> {
        let Value::Object(obj) = jwk else {
            return Err(RejectedKey {
                kid: None,
                reason: "jwk.not_object",
            });
        };
        let kid = match obj.get("kid") {
            None => None,
            Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_KID_BYTES => Some(s.clone()),
            Some(_) => {
                return Err(RejectedKey {
                    kid: None,
                    reason: "jwk.bad_kid",
                });
            }
        };
        let reject = |reason: &'static str| RejectedKey {
            kid: kid.clone(),
            reason,
        };
        parse_jwk(obj)
            .map_err(reject)
            .map(|(algorithm, shape, key)| Self {
                kid: kid.clone(),
                algorithm,
                shape,
                key,
            })
    }
}

fn member_str<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, &'static str> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err("jwk.bad_member"),
    }
}

fn b64(value: Option<&str>, reason: &'static str) -> Result<Vec<u8>, &'static str> {
    let text = value.ok_or(reason)?;
    URL_SAFE_NO_PAD.decode(text).map_err(|_| reason)
}

fn parse_jwk(
    obj: &Map<String, Value>,
) -> Result<(KeyAlgorithm, KeyShape, ParsedPublicKey), &'static str> {
    let kty = member_str(obj, "kty")?.ok_or("jwk.kty_missing")?;
    if let Some(usage) = member_str(obj, "use")?
        && usage != "sig"
    {
        return Err("jwk.not_for_signatures");
    }
    if let Some(ops) = obj.get("key_ops") {
        let Value::Array(ops) = ops else {
            return Err("jwk.bad_member");
        };
        if !ops.iter().any(|o| o.as_str() == Some("verify")) {
            return Err("jwk.not_for_signatures");
        }
    }
    let alg = member_str(obj, "alg")?;
    for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
        if obj.contains_key(private) && kty != "oct" {
            return Err("jwk.private_key");
        }
    }
    match kty {
        "EC" => {
            if !matches!(alg, None | Some("ES256")) {
                return Err("jwk.unsupported_alg");
            }
            if member_str(obj, "crv")? != Some("P-256") {
                return Err("jwk.unsupported_curve");
            }
            let x = b64(member_str(obj, "x")?, "jwk.bad_ec_coordinates")?;
            let y = b64(member_str(obj, "y")?, "jwk.bad_ec_coordinates")?;
            if x.len() != 32 || y.len() != 32 {
                return Err("jwk.bad_ec_coordinates");
            }
            let mut point = Vec::with_capacity(65);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
                .map_err(|_| "jwk.invalid_ec_point")?;
            Ok((KeyAlgorithm::ES256, KeyShape::EcP256, key))
        }
        "RSA" => {
            let algorithm = match alg {
                None | Some("RS256") => KeyAlgorithm::RS256,
                Some("PS256") => KeyAlgorithm::PS256,
                Some(_) => return Err("jwk.unsupported_alg"),
            };
            let n = b64(member_str(obj, "n")?, "jwk.bad_rsa_parameters")?;
            let e = b64(member_str(obj, "e")?, "jwk.bad_rsa_parameters")?;
            let n = strip_leading_zeros(&n);
            let e = strip_leading_zeros(&e);
            let bits = match n.first() {
                None => 0,
                Some(&top) => (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
            };
            if bits < MIN_RSA_VERIFY_BITS {
                return Err("jwk.rsa_too_small");
            }
            if bits > MAX_RSA_VERIFY_BITS {
                return Err("jwk.rsa_too_large");
            }
            let odd = e.last().is_some_and(|b| b & 1 == 1);
            if e.is_empty() || e.len() > 8 || !odd || e == [1] {
                return Err("jwk.bad_rsa_exponent");
            }
            let params = match algorithm {
                KeyAlgorithm::PS256 => &RSA_PSS_2048_8192_SHA256,
                KeyAlgorithm::RS256 | KeyAlgorithm::ES256 => &RSA_PKCS1_2048_8192_SHA256,
            };
            let key = RsaPublicKeyComponents { n, e }
                .to_parsed_public_key(params)
                .map_err(|_| "jwk.bad_rsa_parameters")?;
            Ok((algorithm, KeyShape::Rsa { bits }, key))
        }
        "oct" => Err("jwk.symmetric"),
        _ => Err("jwk.unsupported_kty"),
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// A JWKS after filtering: only signature keys fit for use, each with a unique `kid`.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<VerificationKey>,
}

/// The result of parsing a JWKS: the usable keys, and those left out with their reasons (so that
/// the caller can emit a warning event).
#[derive(Clone, Debug)]
pub struct ParsedKeySet {
    /// The usable keys.
    pub keys: KeySet,
    /// The keys left out, and why. They are never usable.
    pub rejected: Vec<RejectedKey>,
}

impl KeySet {
    /// Parses a JWKS document. Keys unfit for signatures (`use: enc`, `kty: oct`, unknown
    /// `kty`/`alg`, wrong curve, RSA under 2048 bits, an invalid EC point, a `kid` shared by two
    /// keys, no `kid`) are left out and reported in [`ParsedKeySet::rejected`]; they are never
    /// usable.
    ///
    /// # Errors
    /// A [`JwksError`] when the document as a whole is unusable (not a JSON object, repeated
    /// members, no `keys` array, larger than [`MAX_DOCUMENT_BYTES`]).
    pub fn from_jwks_json(body: &[u8]) -> Result<ParsedKeySet, JwksError> {
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(JwksError::TooLarge {
                max: MAX_DOCUMENT_BYTES,
                actual: body.len(),
            });
        }
        let doc = json::parse_object(body).map_err(|p| match p {
            JsonProblem::Duplicate(name) => JwksError::DuplicateMember { name },
            JsonProblem::Invalid | JsonProblem::NotObject => JwksError::NotJson,
        })?;
        let keys = match doc.get("keys") {
            None => return Err(JwksError::NoKeysMember),
            Some(Value::Array(keys)) => keys,
            Some(_) => return Err(JwksError::KeysNotArray),
        };
        let mut rejected = Vec::new();
        let mut parsed = Vec::new();
        for jwk in keys {
            match VerificationKey::from_jwk(jwk) {
                Ok(key) => parsed.push(key),
                Err(r) => rejected.push(r),
            }
        }
        // A kid shared by two entries (usable or not) is ambiguous: neither is used.
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for jwk in keys {
            if let Some(kid) = jwk.get("kid").and_then(Value::as_str) {
                *counts.entry(kid).or_default() += 1;
            }
        }
        let shared: Vec<String> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k.to_owned())
            .collect();
        let ParsedKeySet {
            keys,
            rejected: more,
        } = Self::filter(parsed, &shared);
        rejected.extend(more);
        Ok(ParsedKeySet { keys, rejected })
    }

    /// Builds a key set from keys parsed elsewhere (a pinned key, a test key), applying the same
    /// rules as [`KeySet::from_jwks_json`]: keys without a `kid` and keys sharing a `kid` are
    /// left out.
    pub fn from_keys(keys: impl IntoIterator<Item = VerificationKey>) -> ParsedKeySet {
        let keys: Vec<VerificationKey> = keys.into_iter().collect();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for key in &keys {
            if let Some(kid) = key.kid() {
                *counts.entry(kid.to_owned()).or_default() += 1;
            }
        }
        let shared: Vec<String> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k)
            .collect();
        Self::filter(keys, &shared)
    }

    fn filter(keys: Vec<VerificationKey>, shared: &[String]) -> ParsedKeySet {
        let mut rejected = Vec::new();
        let mut usable = Vec::new();
        for key in keys {
            match key.kid() {
                None => rejected.push(RejectedKey {
                    kid: None,
                    reason: "jwk.no_kid",
                }),
                Some(kid) if shared.iter().any(|s| s == kid) => rejected.push(RejectedKey {
                    kid: Some(kid.to_owned()),
                    reason: "jwk.duplicate_kid",
                }),
                Some(_) => usable.push(key),
            }
        }
        ParsedKeySet {
            keys: Self { keys: usable },
            rejected,
        }
    }

    /// The key with this `kid`, if any.
    pub fn get(&self, kid: &str) -> Option<&VerificationKey> {
        self.keys.iter().find(|k| k.kid() == Some(kid))
    }

    /// How many usable keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `kid`s of the usable keys, in document order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().filter_map(VerificationKey::kid)
    }

    /// The usable keys, in document order.
    pub fn iter(&self) -> impl Iterator<Item = &VerificationKey> {
        self.keys.iter()
    }

    /// The only key, when the set holds exactly one.
    pub(crate) fn single(&self) -> Option<&VerificationKey> {
        match self.keys.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }
}
