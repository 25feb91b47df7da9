//! Compact JWS verification: size cap, shape, strict base64url, strict header parsing and
//! checks, key selection and the signature check (aws-lc directly; jsonwebtoken is not used here).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::{HeaderError, KeySelectionError, TokenFormError, TokenPart, VerifyError, echo};
use crate::json::{self, JsonProblem};
use crate::keys::{KeyAlgorithm, KeySet, MAX_KID_BYTES, VerificationKey};

/// Which `typ` header values a kind of token accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypRule {
    /// Absent or `JWT` (ID tokens, core identity JWTs).
    Jwt,
    /// Absent or `logout+jwt` (back-channel logout tokens).
    Logout,
}

impl TypRule {
    fn expected(self) -> &'static str {
        match self {
            Self::Jwt => "`JWT` or no `typ`",
            Self::Logout => "`logout+jwt` or no `typ`",
        }
    }

    fn accepts(self, typ: &str) -> bool {
        let t = typ.to_ascii_lowercase();
        let t = t.strip_prefix("application/").unwrap_or(&t);
        match self {
            Self::Jwt => t == "jwt",
            Self::Logout => t == "logout+jwt",
        }
    }
}

/// A compact JWS whose shape and header passed every check; nothing in it is verified yet.
/// (No `Debug`: it holds the token.)
pub(crate) struct Compact<'a> {
    pub(crate) algorithm: KeyAlgorithm,
    pub(crate) kid: Option<String>,
    signing_input: &'a str,
    payload_b64: &'a str,
    signature_b64: &'a str,
}

fn is_b64url(segment: &str) -> bool {
    segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn decode_segment(segment: &str, part: TokenPart) -> Result<Vec<u8>, VerifyError> {
    if !is_b64url(segment) {
        return Err(VerifyError::Form(TokenFormError::Base64 { part }));
    }
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| VerifyError::Form(TokenFormError::Base64 { part }))
}

fn parse_json(bytes: &[u8], part: TokenPart) -> Result<Map<String, Value>, VerifyError> {
    json::parse_object(bytes).map_err(|p| match p {
        JsonProblem::Duplicate(name) => {
            VerifyError::Form(TokenFormError::DuplicateMember { part, name })
        }
        JsonProblem::Invalid | JsonProblem::NotObject => {
            VerifyError::Form(TokenFormError::NotJson { part })
        }
    })
}

/// Splits the token and checks size and shape: at most `max_bytes`, exactly three segments of
/// unpadded base64url. Returns the three segments.
fn split(token: &str, max_bytes: usize) -> Result<[&str; 3], VerifyError> {
    if token.len() > max_bytes {
        return Err(VerifyError::Form(TokenFormError::TooLarge {
            max: max_bytes,
            actual: token.len(),
        }));
    }
    if token.is_empty() {
        return Err(VerifyError::Form(TokenFormError::Empty));
    }
    if token.trim_start().starts_with('{') {
        return Err(VerifyError::Form(TokenFormError::JsonSerialization));
    }
    let segments: Vec<&str> = token.split('.').collect();
    match segments.as_slice() {
        [h, p, s] => {
            for (seg, part) in [
                (h, TokenPart::Header),
                (p, TokenPart::Payload),
                (s, TokenPart::Signature),
            ] {
                if !is_b64url(seg) {
                    return Err(VerifyError::Form(TokenFormError::Base64 { part }));
                }
            }
            Ok([h, p, s])
        }
        [_, _, _, _, _] => Err(VerifyError::Form(TokenFormError::Encrypted)),
        other => Err(VerifyError::Form(TokenFormError::Segments {
            segments: other.len(),
        })),
    }
}

fn header_str<'h>(
    header: &'h Map<String, Value>,
    name: &'static str,
) -> Result<Option<&'h str>, VerifyError> {
    match header.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(VerifyError::Header(HeaderError::MemberType { name })),
    }
}

fn check_kid(kid: &str) -> Result<(), VerifyError> {
    if kid.is_empty() {
        return Err(VerifyError::Header(HeaderError::InvalidKid {
            reason: "empty",
        }));
    }
    if kid.len() > MAX_KID_BYTES {
        return Err(VerifyError::Header(HeaderError::InvalidKid {
            reason: "longer than 512 bytes",
        }));
    }
    if kid.chars().any(char::is_control) {
        return Err(VerifyError::Header(HeaderError::InvalidKid {
            reason: "holds control characters",
        }));
    }
    Ok(())
}

/// Reads the header's `kid` after the size and shape checks, without checking anything else.
fn read_kid(header: &Map<String, Value>) -> Result<Option<String>, VerifyError> {
    let kid = header_str(header, "kid")?;
    if let Some(kid) = kid {
        check_kid(kid)?;
    }
    Ok(kid.map(str::to_owned))
}

fn decode_header(segment: &str) -> Result<Map<String, Value>, VerifyError> {
    let bytes = decode_segment(segment, TokenPart::Header)?;
    parse_json(&bytes, TokenPart::Header)
}

/// The unverified `kid` of a token, after the size and shape checks and a strict header parse.
pub(crate) fn token_kid(token: &str, max_bytes: usize) -> Result<Option<String>, VerifyError> {
    let [h, _, _] = split(token, max_bytes)?;
    read_kid(&decode_header(h)?)
}

/// Parses and checks a token's shape and header. `allowed` is the one algorithm accepted.
pub(crate) fn parse(
    token: &str,
    max_bytes: usize,
    allowed: KeyAlgorithm,
    typ: TypRule,
) -> Result<Compact<'_>, VerifyError> {
    let [h, p, s] = split(token, max_bytes)?;
    let header = decode_header(h)?;

    let alg = match header.get("alg") {
        None => return Err(VerifyError::Header(HeaderError::AlgorithmMissing)),
        Some(Value::String(a)) => a.as_str(),
        Some(_) => return Err(VerifyError::Header(HeaderError::MemberType { name: "alg" })),
    };
    if alg.eq_ignore_ascii_case("none") {
        return Err(VerifyError::Header(HeaderError::AlgorithmNone));
    }
    if alg != allowed.as_str() {
        return Err(VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: allowed.as_str(),
            actual: echo(alg, 64),
        }));
    }
    if header.contains_key("crit") {
        return Err(VerifyError::Header(HeaderError::Critical));
    }
    for name in ["jku", "jwk", "x5u", "x5c"] {
        if header.contains_key(name) {
            return Err(VerifyError::Header(HeaderError::EmbeddedKey { name }));
        }
    }
    if header.contains_key("cty") {
        return Err(VerifyError::Header(HeaderError::NestedToken));
    }
    if let Some(t) = header_str(&header, "typ")?
        && !typ.accepts(t)
    {
        return Err(VerifyError::Header(HeaderError::UnexpectedType {
            expected: typ.expected(),
            actual: echo(t, 64),
        }));
    }
    let kid = read_kid(&header)?;
    let signing_input = &token[..h.len() + 1 + p.len()];
    Ok(Compact {
        algorithm: allowed,
        kid,
        signing_input,
        payload_b64: p,
        signature_b64: s,
    })
}

/// Selects the key for the token: exactly one key with its `kid`; with no `kid`, the only key of
/// a one-key set.
pub(crate) fn select_key<'k>(
    keys: &'k KeySet,
    kid: Option<&str>,
) -> Result<&'k VerificationKey, VerifyError> {
    if keys.is_empty() {
        return Err(VerifyError::Key(KeySelectionError::NoKeys));
    }
    match kid {
        Some(kid) => keys.get(kid).ok_or_else(|| {
            VerifyError::Key(KeySelectionError::UnknownKid {
                kid: kid.to_owned(),
            })
        }),
        None => keys
            .single()
            .ok_or(VerifyError::Key(KeySelectionError::KidRequired {
                keys: keys.len(),
            })),
    }
}

impl Compact<'_> {
    /// Checks the key suits the token, then the signature; on success returns the payload as a
    /// strictly parsed JSON object.
    pub(crate) fn verify(&self, key: &VerificationKey) -> Result<Map<String, Value>, VerifyError> {
        if key.algorithm() != self.algorithm {
            return Err(VerifyError::Key(KeySelectionError::AlgorithmMismatch {
                kid: key.kid().unwrap_or_default().to_owned(),
                key_algorithm: key.algorithm().as_str(),
                token_algorithm: self.algorithm.as_str(),
            }));
        }
        let signature = decode_segment(self.signature_b64, TokenPart::Signature)
            .map_err(|_| VerifyError::SignatureInvalid)?;
        if self.algorithm == KeyAlgorithm::ES256 && signature.len() != 64 {
            return Err(VerifyError::SignatureInvalid);
        }
        // The key was parsed once, when the JWKS was; aws-lc only checks the signature here.
        key.parsed_key()
            .verify_sig(self.signing_input.as_bytes(), &signature)
            .map_err(|_| VerifyError::SignatureInvalid)?;
        let payload = decode_segment(self.payload_b64, TokenPart::Payload)?;
        parse_json(&payload, TokenPart::Payload)
    }
}
