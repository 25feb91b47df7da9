//! The errors of this crate: one variant per failed check, each with a stable [`code`].
//!
//! [`code`]: VerifyError::code

use std::fmt;

use govuk_one_login_core::ReplayStoreError;

/// Which part of a compact token a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPart {
    /// The protected header (first segment).
    Header,
    /// The payload (second segment).
    Payload,
    /// The signature (third segment).
    Signature,
}

impl fmt::Display for TokenPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// Why a token (ID token, logout token or core identity JWT) was refused.
///
/// Values shown are never secret: nonces, access tokens, signatures and personal data are not
/// carried. A signature failure says nothing about why the bytes failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    // ---- shape ----
    /// The token is longer than the configured cap (checked before any decoding).
    #[error("the token is {actual} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// The cap.
        max: usize,
        /// The token's length.
        actual: usize,
    },
    /// The token is empty.
    #[error("the token is empty")]
    Empty,
    /// The token is a JWS in JSON serialization; only the compact form is accepted.
    #[error(
        "the token is in JSON serialization; only compact JWS (three base64url segments) is accepted"
    )]
    JsonSerialization,
    /// The token has five segments: an encrypted JWE, which is never accepted.
    #[error("the token is an encrypted JWE (five segments); only signed compact JWS is accepted")]
    Encrypted,
    /// The token does not have exactly three segments.
    #[error("the token has {segments} segments; a compact JWS has exactly three")]
    Segments {
        /// How many `.`-separated segments were found.
        segments: usize,
    },
    /// A segment holds characters outside the base64url alphabet (padding `=`, whitespace, `+`,
    /// `/`, ...) or is not canonical base64url.
    #[error("the token's {part} is not unpadded base64url")]
    Base64 {
        /// The segment.
        part: TokenPart,
    },
    /// A segment that must be JSON is not a JSON object.
    #[error("the token's {part} is not a JSON object")]
    NotJson {
        /// The segment.
        part: TokenPart,
    },
    /// A JSON object repeats a member name (parsers disagree on which one wins).
    #[error("the token's {part} repeats the member `{name}`")]
    DuplicateMember {
        /// The segment.
        part: TokenPart,
        /// The repeated name (truncated to 64 characters).
        name: String,
    },

    // ---- header ----
    /// The header has no `alg`.
    #[error("the token header has no `alg`")]
    AlgorithmMissing,
    /// `alg: none` (an unsigned token).
    #[error("the token is unsigned (`alg: none`)")]
    AlgorithmNone,
    /// An algorithm other than the one expected (HMAC, PS256, ES512, ...).
    #[error("the token is signed with `{actual}`; only `{expected}` is accepted here")]
    AlgorithmNotAllowed {
        /// The algorithm expected.
        expected: &'static str,
        /// The header's `alg` (truncated to 64 characters).
        actual: String,
    },
    /// A header member has the wrong JSON type (a non-string `alg`, `typ`, `kid` or `cty`).
    #[error("the token header member `{name}` has the wrong JSON type")]
    HeaderMemberType {
        /// The member.
        name: &'static str,
    },
    /// The header carries `crit`: no extension is understood here, so every one is refused.
    #[error("the token header carries `crit`; no critical extension is supported")]
    CriticalHeader,
    /// The header carries key material or a key URL (`jku`, `jwk`, `x5u`, `x5c`), which is never
    /// trusted.
    #[error("the token header carries `{name}`; keys are never taken from a token")]
    EmbeddedKey {
        /// The member.
        name: &'static str,
    },
    /// The header carries `cty` (a nested JWT, or some other content type).
    #[error("the token header carries `cty`; nested tokens are not accepted")]
    NestedToken,
    /// The header `typ` is not one accepted for this kind of token.
    #[error("the token type `{actual}` is not accepted here (expected {expected})")]
    UnexpectedType {
        /// What is accepted.
        expected: &'static str,
        /// The header's `typ` (truncated to 64 characters).
        actual: String,
    },
    /// The `kid` is unusable: empty, longer than 512 bytes or holding control characters.
    #[error("the token's `kid` is not a usable key id ({reason})")]
    InvalidKid {
        /// Why.
        reason: &'static str,
    },

    // ---- key selection ----
    /// No key in the key set has the token's `kid`.
    #[error("no key has the id `{kid}`; refresh the key set once, then refuse the token")]
    UnknownKid {
        /// The token's `kid`.
        kid: String,
    },
    /// The token has no `kid`, and the key set holds more than one key.
    #[error("the token has no `kid` and the key set holds {keys} keys")]
    KidRequired {
        /// How many keys are in the set.
        keys: usize,
    },
    /// The key set is empty.
    #[error("the key set holds no usable key")]
    NoKeys,
    /// The selected key is not for the token's algorithm.
    #[error(
        "the key `{kid}` is for {key_algorithm}, but the token is signed with {token_algorithm}"
    )]
    KeyAlgorithmMismatch {
        /// The key id.
        kid: String,
        /// The key's algorithm.
        key_algorithm: &'static str,
        /// The token's algorithm.
        token_algorithm: &'static str,
    },
    /// The core identity JWT's `kid` does not name the configured DID.
    #[error("the key id names the DID `{actual}`, not the configured `{expected}`")]
    DidMismatch {
        /// The configured controller DID.
        expected: String,
        /// The DID part of the `kid` (truncated to 128 characters).
        actual: String,
    },

    // ---- signature ----
    /// The signature does not verify. Deliberately says nothing more.
    #[error("the token's signature is invalid")]
    SignatureInvalid,

    // ---- claims ----
    /// A required claim is absent.
    #[error("the required claim `{claim}` is missing")]
    MissingClaim {
        /// The claim.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type or an empty value.
    #[error("the claim `{claim}` must be {expected}")]
    ClaimType {
        /// The claim.
        claim: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A time claim is not an integer number of seconds between 0 and the year 9999.
    #[error("the time claim `{claim}` is not an integer number of seconds since 1970")]
    MalformedTime {
        /// The claim.
        claim: &'static str,
    },
    /// A claim that must not appear here is present (a logout token's `events` in an ID token,
    /// a `nonce` in a logout token).
    #[error("the claim `{claim}` must not appear in this kind of token")]
    ForbiddenClaim {
        /// The claim.
        claim: &'static str,
    },
    /// `iss` is not byte-for-byte the expected issuer.
    #[error("the issuer is `{actual}`, expected exactly `{expected}`")]
    IssuerMismatch {
        /// The expected issuer.
        expected: String,
        /// The token's issuer (truncated to 256 characters).
        actual: String,
    },
    /// `aud` is not the client id alone.
    #[error("the audience is {actual:?}, expected exactly [\"{expected}\"]")]
    AudienceMismatch {
        /// The client id.
        expected: String,
        /// The token's audiences (at most 8, each truncated to 256 characters).
        actual: Vec<String>,
    },
    /// `azp` is present and is not the client id.
    #[error("the authorized party is `{actual}`, expected `{expected}`")]
    AuthorizedPartyMismatch {
        /// The client id.
        expected: String,
        /// The token's `azp` (truncated to 256 characters).
        actual: String,
    },
    /// The token has expired (`now >= exp + leeway`).
    #[error("the token expired at {exp} (now {now}, leeway {leeway} s)")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The time of the check.
        now: i64,
        /// The leeway in seconds.
        leeway: i64,
    },
    /// The token is not valid yet (`nbf > now + leeway`).
    #[error("the token is not valid before {nbf} (now {now}, leeway {leeway} s)")]
    NotYetValid {
        /// The `nbf` claim.
        nbf: i64,
        /// The time of the check.
        now: i64,
        /// The leeway in seconds.
        leeway: i64,
    },
    /// The token claims to be issued in the future (`iat > now + leeway`).
    #[error(
        "the token was issued in the future at {iat} (now {now}, leeway {leeway} s); check the clock"
    )]
    IssuedInFuture {
        /// The `iat` claim.
        iat: i64,
        /// The time of the check.
        now: i64,
        /// The leeway in seconds.
        leeway: i64,
    },
    /// `nonce` is not the one sent in the authorization request.
    #[error("the nonce does not match the one sent; start sign-in again")]
    NonceMismatch,
    /// `vot` is not the requested credential or identity level.
    #[error("the level of trust is `{actual}`, expected `{expected}`")]
    VotMismatch {
        /// The level requested.
        expected: &'static str,
        /// The token's `vot` (truncated to 64 characters).
        actual: String,
    },
    /// `vtm` is not the configured trust mark.
    #[error("the trust mark is `{actual}`, expected `{expected}`")]
    TrustmarkMismatch {
        /// The configured trust mark.
        expected: String,
        /// The token's `vtm` (truncated to 256 characters).
        actual: String,
    },
    /// `auth_time` is older than `max_age` allows.
    #[error(
        "the user authenticated at {auth_time}, more than max_age {max_age} s before {now}; authenticate again"
    )]
    AuthenticationTooOld {
        /// The `auth_time` claim.
        auth_time: i64,
        /// The `max_age` sent.
        max_age: u64,
        /// The time of the check.
        now: i64,
    },
    /// `at_hash` does not match the access token.
    #[error("the at_hash claim does not match the access token")]
    AccessTokenHashMismatch,
    /// `sub` is not the expected subject (the values are personal data and not shown).
    #[error("the subject does not match the ID token's subject")]
    SubjectMismatch,
    /// The logout token's `events` claim is not a JSON object holding exactly the back-channel
    /// logout event as a JSON object.
    #[error("the logout token's `events` claim is unusable ({reason})")]
    BadLogoutEvent {
        /// Why.
        reason: &'static str,
    },
    /// The core identity credential (`vc`) is malformed.
    #[error("the identity credential is malformed ({reason})")]
    BadCredential {
        /// Why (never personal data).
        reason: &'static str,
    },

    // ---- replay ----
    /// The logout token's `jti` was seen before.
    #[error("the logout token was already used (a replay)")]
    Replayed,
    /// The replay store could not answer.
    #[error("the replay store failed: {0}")]
    ReplayStore(#[source] ReplayStoreError),

    // ---- internal ----
    /// The crypto backend refused a key it should have accepted (a bug, not an attack).
    #[error("the crypto backend refused the verification key")]
    Crypto,
}

impl VerifyError {
    /// A stable machine-readable code, for metrics and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "token.too_large",
            Self::Empty => "token.empty",
            Self::JsonSerialization => "token.json_serialization",
            Self::Encrypted => "token.encrypted",
            Self::Segments { .. } => "token.segments",
            Self::Base64 { .. } => "token.base64",
            Self::NotJson { .. } => "token.not_json",
            Self::DuplicateMember { .. } => "token.duplicate_member",
            Self::AlgorithmMissing => "header.alg_missing",
            Self::AlgorithmNone => "header.alg_none",
            Self::AlgorithmNotAllowed { .. } => "header.alg_not_allowed",
            Self::HeaderMemberType { .. } => "header.member_type",
            Self::CriticalHeader => "header.crit",
            Self::EmbeddedKey { .. } => "header.embedded_key",
            Self::NestedToken => "header.cty",
            Self::UnexpectedType { .. } => "header.typ",
            Self::InvalidKid { .. } => "header.kid_invalid",
            Self::UnknownKid { .. } => "key.unknown_kid",
            Self::KidRequired { .. } => "key.kid_required",
            Self::NoKeys => "key.none",
            Self::KeyAlgorithmMismatch { .. } => "key.alg_mismatch",
            Self::DidMismatch { .. } => "key.did_mismatch",
            Self::SignatureInvalid => "signature.invalid",
            Self::MissingClaim { .. } => "claims.missing",
            Self::ClaimType { .. } => "claims.type",
            Self::MalformedTime { .. } => "claims.malformed_time",
            Self::ForbiddenClaim { .. } => "claims.forbidden",
            Self::IssuerMismatch { .. } => "claims.iss",
            Self::AudienceMismatch { .. } => "claims.aud",
            Self::AuthorizedPartyMismatch { .. } => "claims.azp",
            Self::Expired { .. } => "claims.expired",
            Self::NotYetValid { .. } => "claims.not_yet_valid",
            Self::IssuedInFuture { .. } => "claims.iat_future",
            Self::NonceMismatch => "claims.nonce",
            Self::VotMismatch { .. } => "claims.vot",
            Self::TrustmarkMismatch { .. } => "claims.vtm",
            Self::AuthenticationTooOld { .. } => "claims.auth_time",
            Self::AccessTokenHashMismatch => "claims.at_hash",
            Self::SubjectMismatch => "claims.sub",
            Self::BadLogoutEvent { .. } => "claims.events",
            Self::BadCredential { .. } => "claims.vc",
            Self::Replayed => "logout.replayed",
            Self::ReplayStore(_) => "logout.replay_store",
            Self::Crypto => "internal.crypto",
        }
    }
}

/// Why a JWKS document could not be parsed at all. (Single unfit keys are not errors: they are
/// left out and listed in [`ParsedKeySet::rejected`](crate::ParsedKeySet::rejected).)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The body is not a JSON object.
    #[error("the JWKS is not a JSON object")]
    NotJson,
    /// The body repeats a member name.
    #[error("the JWKS repeats the member `{name}`")]
    DuplicateMember {
        /// The repeated name.
        name: String,
    },
    /// There is no `keys` member.
    #[error("the JWKS has no `keys` member")]
    NoKeysMember,
    /// `keys` is not an array.
    #[error("the JWKS `keys` member is not an array")]
    KeysNotArray,
    /// The body is larger than [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES).
    #[error("the JWKS is {actual} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// The cap.
        max: usize,
        /// The body's length.
        actual: usize,
    },
}

impl JwksError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson => "jwks.not_json",
            Self::DuplicateMember { .. } => "jwks.duplicate_member",
            Self::NoKeysMember => "jwks.no_keys_member",
            Self::KeysNotArray => "jwks.keys_not_array",
            Self::TooLarge { .. } => "jwks.too_large",
        }
    }
}

/// Why a DID document could not be parsed at all. (Single unfit verification methods are left out
/// and listed in [`ParsedDidDocument::rejected`](crate::ParsedDidDocument::rejected).)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidError {
    /// The body is not a JSON object.
    #[error("the DID document is not a JSON object")]
    NotJson,
    /// The body repeats a member name.
    #[error("the DID document repeats the member `{name}`")]
    DuplicateMember {
        /// The repeated name.
        name: String,
    },
    /// The body is larger than [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES).
    #[error("the DID document is {actual} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// The cap.
        max: usize,
        /// The body's length.
        actual: usize,
    },
    /// The configured DID is not a `did:web:` identifier.
    #[error("the configured DID `{did}` is not a did:web identifier")]
    BadConfiguredDid {
        /// The configured value.
        did: String,
    },
    /// There is no `id` string.
    #[error("the DID document has no `id` string")]
    MissingId,
    /// The document's `id` is not the configured DID.
    #[error("the DID document is for `{actual}`, expected `{expected}`")]
    IdMismatch {
        /// The configured DID.
        expected: String,
        /// The document's `id` (truncated to 128 characters).
        actual: String,
    },
    /// There is no `assertionMethod` array.
    #[error("the DID document has no `assertionMethod` array")]
    NoAssertionMethods,
}

impl DidError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson => "did.not_json",
            Self::DuplicateMember { .. } => "did.duplicate_member",
            Self::TooLarge { .. } => "did.too_large",
            Self::BadConfiguredDid { .. } => "did.bad_configured_did",
            Self::MissingId => "did.missing_id",
            Self::IdMismatch { .. } => "did.id_mismatch",
            Self::NoAssertionMethods => "did.no_assertion_methods",
        }
    }
}

/// Why a client assertion or request object could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The crypto backend refused the private key.
    #[error("the RSA private key cannot be used for signing")]
    KeyRejected,
    /// The system random number generator failed (for `jti`).
    #[error("the system random number generator failed")]
    Random,
    /// The signature could not be computed.
    #[error("signing failed")]
    Signing,
    /// The audience (token endpoint or authorize URL) is empty.
    #[error("the audience is empty; give the token endpoint or authorize URL")]
    EmptyAudience,
    /// The client id is empty.
    #[error("the client id is empty")]
    EmptyClientId,
    /// A request-object parameter that must never be sent (`request`, `request_uri`, `sub`).
    #[error("the request object must not contain `{name}`")]
    ForbiddenParameter {
        /// The parameter.
        name: String,
    },
    /// A request-object parameter the signer sets itself (`iss`, `aud`, `exp`, `iat`, `nbf`,
    /// `jti`, or a `client_id` other than the signer's).
    #[error("the request object parameter `{name}` is set by the signer; leave it out")]
    ReservedParameter {
        /// The parameter.
        name: String,
    },
    /// The `claims` parameter is neither a JSON object nor a string.
    #[error("the `claims` parameter must be a JSON object or a JSON string")]
    BadClaimsParameter,
}

impl SignError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyRejected => "sign.key_rejected",
            Self::Random => "sign.random",
            Self::Signing => "sign.failed",
            Self::EmptyAudience => "sign.empty_audience",
            Self::EmptyClientId => "sign.empty_client_id",
            Self::ForbiddenParameter { .. } => "sign.forbidden_parameter",
            Self::ReservedParameter { .. } => "sign.reserved_parameter",
            Self::BadClaimsParameter => "sign.bad_claims_parameter",
        }
    }
}

/// Why a `/userinfo` response could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The body is not a JSON object.
    #[error("the userinfo response is not a JSON object")]
    NotJson,
    /// The body repeats a member name.
    #[error("the userinfo response repeats the member `{name}`")]
    DuplicateMember {
        /// The repeated name.
        name: String,
    },
    /// There is no `sub`.
    #[error("the userinfo response has no `sub`")]
    MissingSub,
    /// A claim has the wrong JSON type.
    #[error("the userinfo claim `{claim}` must be {expected}")]
    WrongType {
        /// The claim (its short name).
        claim: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// The body is larger than [`MAX_DOCUMENT_BYTES`](crate::MAX_DOCUMENT_BYTES).
    #[error("the userinfo response is {actual} bytes, more than the {max}-byte limit")]
    TooLarge {
        /// The cap.
        max: usize,
        /// The body's length.
        actual: usize,
    },
}

impl ClaimsError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson => "userinfo.not_json",
            Self::DuplicateMember { .. } => "userinfo.duplicate_member",
            Self::MissingSub => "userinfo.missing_sub",
            Self::WrongType { .. } => "userinfo.wrong_type",
            Self::TooLarge { .. } => "userinfo.too_large",
        }
    }
}

/// Truncates untrusted text echoed in an error to `max` characters.
pub(crate) fn echo(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}
