//! The core identity JWT (ONE-LOGIN.md §7): ES256, signed with a key of the pinned DID document.

use std::fmt;
use std::time::Duration;

use govuk_one_login_core::{DEFAULT_LEEWAY, IdentityLevel};
use serde_json::{Map, Value};

use crate::claims;
use crate::did::DidDocument;
use crate::error::{ClaimError, KeySelectionError, VerifyError, echo};
use crate::json::{Json, NameList};
use crate::jws::{self, TypRule};
use crate::keys::KeyAlgorithm;

/// What a core identity JWT must say. `Debug` redacts the subject.
#[derive(Clone)]
#[non_exhaustive]
pub struct IdentityExpectations<'a> {
    /// The identity issuer (`https://identity.integration.account.gov.uk/`, ...), byte for byte.
    pub issuer: &'a str,
    /// The configured controller DID (`did:web:identity.integration.account.gov.uk`, ...).
    pub did: &'a str,
    /// The service's client id: the only accepted audience.
    pub client_id: &'a str,
    /// The verified ID token's `sub`: the identity must be for the same user.
    pub sub: &'a str,
    /// The identity level requested (the P part of the vector of trust).
    pub vot: IdentityLevel,
    /// The trust mark (`<issuer>trustmark`): when given, `vtm` is required and must equal it.
    pub trustmark: Option<&'a str>,
    /// The clock skew allowed on `exp`, `iat` and `nbf`.
    pub leeway: Duration,
    /// The time of the check, in Unix seconds.
    pub now: i64,
    /// The size cap, checked before any decoding.
    pub max_token_bytes: usize,
}

impl fmt::Debug for IdentityExpectations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityExpectations")
            .field("issuer", &self.issuer)
            .field("did", &self.did)
            .field("client_id", &self.client_id)
            .field("sub", &"[redacted]")
            .field("vot", &self.vot)
            .field("trustmark", &self.trustmark)
            .field("leeway", &self.leeway)
            .field("now", &self.now)
            .field("max_token_bytes", &self.max_token_bytes)
            .finish()
    }
}

impl<'a> IdentityExpectations<'a> {
    /// Expectations for `P2` with no trust-mark check, the core default leeway and
    /// [`DEFAULT_MAX_TOKEN_BYTES`](crate::DEFAULT_MAX_TOKEN_BYTES).
    pub fn new(issuer: &'a str, did: &'a str, client_id: &'a str, sub: &'a str, now: i64) -> Self {
        Self {
            issuer,
            did,
            client_id,
            sub,
            vot: IdentityLevel::P2,
            trustmark: None,
            leeway: DEFAULT_LEEWAY,
            now,
            max_token_bytes: crate::DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// The kind of a name part.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum NamePartKind {
    /// A given name.
    GivenName,
    /// A family name.
    FamilyName,
    /// A kind this library does not know (kept, not guessed).
    Other(String),
}

/// One part of a name, in the order the credential gives.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NamePart {
    /// The text (unrestricted: hyphens, apostrophes, diacritics...).
    pub value: String,
    /// Given or family name.
    pub kind: NamePartKind,
}

impl fmt::Debug for NamePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamePart")
            .field("value", &"[redacted]")
            .field("kind", &self.kind)
            .finish()
    }
}

/// A name with its validity period. No `valid_until` means current; no `valid_from` may mean
/// "from birth".
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Name {
    /// The parts, in credential order.
    pub parts: Vec<NamePart>,
    /// From when the name was used (an ISO date, possibly partial).
    pub valid_from: Option<String>,
    /// Until when the name was used; `None` for the current name.
    pub valid_until: Option<String>,
    /// A free-text description, if any.
    pub description: Option<String>,
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Name")
            .field("parts", &self.parts)
            .field(
                "valid_from",
                &self.valid_from.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "valid_until",
                &self.valid_until.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl Name {
    /// Whether this is a current name (no `validUntil`).
    pub fn is_current(&self) -> bool {
        self.valid_until.is_none()
    }

    /// The given names, in order.
    pub fn given_names(&self) -> Vec<&str> {
        self.parts_of(&NamePartKind::GivenName)
    }

    /// The family names, in order.
    pub fn family_names(&self) -> Vec<&str> {
        self.parts_of(&NamePartKind::FamilyName)
    }

    fn parts_of(&self, kind: &NamePartKind) -> Vec<&str> {
        self.parts
            .iter()
            .filter(|p| &p.kind == kind)
            .map(|p| p.value.as_str())
            .collect()
    }
}

/// A birth date as the credential gives it: an ISO date, possibly partial (`YYYY`, `YYYY-MM`).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BirthDate {
    /// The date text.
    pub value: String,
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BirthDate([redacted])")
    }
}

/// A core identity JWT whose signature and claims were checked. Do not store it; store what you
/// need from it.
///
/// It serialises (so that the facade can seal it into an encrypted session value), but it has no
/// `Deserialize`: arbitrary JSON never becomes a "verified" identity.
///
/// `Debug` redacts the subject, names and birth dates.
#[derive(Clone, serde::Serialize)]
#[serde(transparent)]
pub struct VerifiedCoreIdentity(Checked);

/// What a verified core identity JWT said: serialised transparently by [`VerifiedCoreIdentity`],
/// and deserialised only by `VerifiedCoreIdentity::from_sealed_json_unchecked` (the facade's feature), from a value this library
/// sealed (authenticated encryption under the application's key) after verifying it.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Checked {
    sub: String,
    vot: IdentityLevel,
    vtm: Option<String>,
    iat: i64,
    exp: i64,
    nbf: Option<i64>,
    credential_types: Vec<String>,
    names: Vec<Name>,
    birth_dates: Vec<BirthDate>,
    extra: Map<String, Value>,
}

impl VerifiedCoreIdentity {
    /// For the `govuk-one-login` facade only (behind this crate's `facade-sealing` feature, which
    /// only the facade turns on): rebuilds an identity from the JSON the facade serialised and
    /// sealed itself, under the application's key, after verification. It checks nothing.
    ///
    /// # Errors
    /// The JSON does not have the serialised shape.
    #[doc(hidden)]
    #[cfg(feature = "facade-sealing")]
    pub fn from_sealed_json_unchecked(value: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value).map(Self)
    }
}

impl fmt::Debug for VerifiedCoreIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedCoreIdentity")
            .field("sub", &"[redacted]")
            .field("vot", &self.0.vot)
            .field("vtm", &self.0.vtm)
            .field("iat", &self.0.iat)
            .field("exp", &self.0.exp)
            .field("credential_types", &self.0.credential_types)
            .field("names", &format_args!("[redacted; {}]", self.0.names.len()))
            .field(
                "birth_dates",
                &format_args!("[redacted; {}]", self.0.birth_dates.len()),
            )
            .finish_non_exhaustive()
    }
}

impl VerifiedCoreIdentity {
    /// The subject (equal to the ID token's).
    pub fn sub(&self) -> &str {
        &self.0.sub
    }

    /// The identity level achieved (equal to the one requested).
    pub fn vot(&self) -> IdentityLevel {
        self.0.vot
    }

    /// The trust mark, if sent.
    pub fn vtm(&self) -> Option<&str> {
        self.0.vtm.as_deref()
    }

    /// When the JWT was issued.
    pub fn iat(&self) -> i64 {
        self.0.iat
    }

    /// When the JWT expires.
    pub fn exp(&self) -> i64 {
        self.0.exp
    }

    /// Not valid before, if sent.
    pub fn nbf(&self) -> Option<i64> {
        self.0.nbf
    }

    /// The credential's `type` list, as sent (not validated: the docs and simulator differ).
    pub fn credential_types(&self) -> &[String] {
        &self.0.credential_types
    }

    /// The names, current first as the credential orders them. Never empty.
    pub fn names(&self) -> &[Name] {
        &self.0.names
    }

    /// The first current name (no `validUntil`), if any.
    pub fn current_name(&self) -> Option<&Name> {
        self.0.names.iter().find(|n| n.is_current())
    }

    /// The birth dates, most trusted first. Never empty.
    pub fn birth_dates(&self) -> &[BirthDate] {
        &self.0.birth_dates
    }

    /// Claims not exposed by a getter (such as `jti`).
    pub fn extra_claims(&self) -> &Map<String, Value> {
        &self.0.extra
    }
}

const TYPED: NameList<10> = NameList::new([
    "iss", "aud", "azp", "exp", "iat", "nbf", "sub", "vot", "vtm", "vc",
]);

/// Verifies a core identity JWT against the pinned DID document.
///
/// Checks: size and shape; header `alg` ES256 only, no `crit`, no embedded keys, no `cty`, `typ`
/// absent or `JWT`; a `kid` of the form `<did>#<key-id>` whose DID is `expect.did` and the
/// document's; the signature with that method's key; `iss`, `aud` (the ID-token rule), `exp` and
/// `iat` required and `nbf` checked when present; `sub` equal to `expect.sub`; `vot` equal to
/// `expect.vot`; `vtm` equal to `expect.trustmark` when given; a `vc` with a non-empty list of
/// names (each with non-empty `nameParts`) and of birth dates.
///
/// # Errors
/// A [`VerifyError`] naming the first check that failed.
pub fn verify_core_identity(
    token: &str,
    did: &DidDocument,
    expect: &IdentityExpectations<'_>,
) -> Result<VerifiedCoreIdentity, VerifyError> {
    let compact = jws::parse(
        token,
        expect.max_token_bytes,
        KeyAlgorithm::ES256,
        TypRule::Jwt,
    )?;
    if did.id() != expect.did {
        return Err(VerifyError::Key(KeySelectionError::DidMismatch {
            expected: expect.did.to_owned(),
            actual: echo(did.id(), 128),
        }));
    }
    let kid = compact
        .kid
        .as_deref()
        .ok_or(VerifyError::Key(KeySelectionError::KidRequired {
            keys: did.len(),
        }))?;
    let kid_did = kid.split_once('#').map_or(kid, |(d, _)| d);
    if kid_did != expect.did || !kid.contains('#') {
        return Err(VerifyError::Key(KeySelectionError::DidMismatch {
            expected: expect.did.to_owned(),
            actual: echo(kid_did, 128),
        }));
    }
    let key = did.key_for_kid(kid).ok_or_else(|| {
        VerifyError::Key(KeySelectionError::UnknownKid {
            kid: kid.to_owned(),
        })
    })?;
    let payload = compact.verify(key)?;
    let c = payload.claims()?;

    claims::check_issuer(&c, expect.issuer)?;
    claims::check_audience(&c, expect.client_id)?;
    let times = claims::check_times(&c, expect.now, expect.leeway)?;
    let sub = claims::req_str(&c, "sub")?;
    if sub != expect.sub {
        return Err(VerifyError::Claims(ClaimError::SubjectMismatch));
    }
    let vot = claims::check_vot(
        &c,
        expect.vot,
        expect.vot.as_str(),
        IdentityLevel::from_wire,
    )?;
    let vtm = claims::opt_str(&c, "vtm")?;
    if let Some(expected) = expect.trustmark {
        let actual = vtm.ok_or(VerifyError::Claims(ClaimError::Missing { claim: "vtm" }))?;
        if actual != expected {
            return Err(VerifyError::Claims(ClaimError::TrustmarkMismatch {
                expected: expected.to_owned(),
                actual: echo(actual, 256),
            }));
        }
    }
    let vc = match c.get("vc") {
        None => return Err(VerifyError::Claims(ClaimError::Missing { claim: "vc" })),
        // The credential is read through owned JSON: one per sign-in, not worth a second reader.
        Some(Json::Object(vc)) => vc.to_map(),
        Some(_) => {
            return Err(VerifyError::Claims(ClaimError::WrongType {
                claim: "vc",
                expected: "a JSON object",
            }));
        }
    };
    let credential = parse_credential(&vc)?;
    Ok(VerifiedCoreIdentity(Checked {
        sub: sub.to_owned(),
        vot,
        vtm: vtm.map(str::to_owned),
        iat: times.iat,
        exp: times.exp,
        nbf: times.nbf,
        credential_types: credential.types,
        names: credential.names,
        birth_dates: credential.birth_dates,
        extra: claims::extra(&c, &TYPED),
    }))
}

struct Credential {
    types: Vec<String>,
    names: Vec<Name>,
    birth_dates: Vec<BirthDate>,
}

fn bad(reason: &'static str) -> VerifyError {
    VerifyError::Claims(ClaimError::BadCredential { reason })
}

fn opt_string(
    obj: &Map<String, Value>,
    name: &str,
    reason: &'static str,
) -> Result<Option<String>, VerifyError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(reason)),
    }
}

fn parse_credential(vc: &Map<String, Value>) -> Result<Credential, VerifyError> {
    let types = match vc.get("type") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or(bad("`type` holds a non-string"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("`type` is not an array")),
    };
    let subject = match vc.get("credentialSubject") {
        Some(Value::Object(s)) => s,
        None => return Err(bad("no `credentialSubject`")),
        Some(_) => return Err(bad("`credentialSubject` is not an object")),
    };
    let names = match subject.get("name") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(parse_name)
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::Array(_)) => return Err(bad("`name` is empty")),
        None => return Err(bad("no `name`")),
        Some(_) => return Err(bad("`name` is not an array")),
    };
    let birth_dates = match subject.get("birthDate") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|b| match b.get("value") {
                Some(Value::String(v)) if !v.is_empty() => Ok(BirthDate { value: v.clone() }),
                _ => Err(bad("a `birthDate` has no string `value`")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::Array(_)) => return Err(bad("`birthDate` is empty")),
        None => return Err(bad("no `birthDate`")),
        Some(_) => return Err(bad("`birthDate` is not an array")),
    };
    Ok(Credential {
        types,
        names,
        birth_dates,
    })
}

fn parse_name(value: &Value) -> Result<Name, VerifyError> {
    let Value::Object(obj) = value else {
        return Err(bad("a `name` is not an object"));
    };
    let parts = match obj.get("nameParts") {
        Some(Value::Array(parts)) if !parts.is_empty() => parts,
        _ => return Err(bad("a `name` has no non-empty `nameParts` array")),
    };
    let parts = parts
        .iter()
        .map(|p| {
            let value = match p.get("value") {
                Some(Value::String(v)) => v.clone(),
                _ => return Err(bad("a name part has no string `value`")),
            };
            let kind = match p.get("type") {
                Some(Value::String(t)) => match t.as_str() {
                    "GivenName" => NamePartKind::GivenName,
                    "FamilyName" => NamePartKind::FamilyName,
                    other => NamePartKind::Other(other.to_owned()),
                },
                _ => return Err(bad("a name part has no string `type`")),
            };
            Ok(NamePart { value, kind })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Name {
        parts,
        valid_from: opt_string(obj, "validFrom", "a `validFrom` is not a string")?,
        valid_until: opt_string(obj, "validUntil", "a `validUntil` is not a string")?,
        description: opt_string(obj, "description", "a `description` is not a string")?,
    })
}
