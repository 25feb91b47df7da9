//! Why a token's claims are refused.

/// Why a token's claims are refused, once its signature verified. Under
/// [`VerifyError::Claims`](crate::VerifyError::Claims).
///
/// (A `/userinfo` response that cannot be parsed is a [`ClaimsError`](crate::ClaimsError).)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClaimError {
    /// A required claim is absent.
    #[error("the required claim `{claim}` is missing")]
    Missing {
        /// The claim.
        claim: &'static str,
    },
    /// A claim has the wrong JSON type or an empty value.
    #[error("the claim `{claim}` must be {expected}")]
    WrongType {
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
    Forbidden {
        /// The claim.
        claim: &'static str,
    },
    /// `iss` is not byte-for-byte the expected issuer.
    #[error(
        "the issuer is `{actual}`, expected exactly `{expected}`; check the configured environment"
    )]
    IssuerMismatch {
        /// The expected issuer.
        expected: String,
        /// The token's issuer (truncated to 256 characters).
        actual: String,
    },
    /// `aud` is not the client id alone.
    #[error(
        "the audience is {actual:?}, expected exactly [\"{expected}\"]; check the service's client id"
    )]
    AudienceMismatch {
        /// The client id.
        expected: String,
        /// The token's audiences (at most 8, each truncated to 256 characters).
        actual: Vec<String>,
    },
    /// `azp` is present and is not the client id.
    #[error(
        "the authorized party is `{actual}`, expected `{expected}`; check the service's client id"
    )]
    AuthorizedPartyMismatch {
        /// The client id.
        expected: String,
        /// The token's `azp` (truncated to 256 characters).
        actual: String,
    },
    /// The token has expired (`now >= exp + leeway`).
    #[error(
        "the token expired at {exp} (now {now}, leeway {leeway} s); get a fresh one (and check the clock if fresh ones fail so)"
    )]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The time of the check.
        now: i64,
        /// The leeway in seconds.
        leeway: i64,
    },
    /// The token is not valid yet (`nbf > now + leeway`).
    #[error("the token is not valid before {nbf} (now {now}, leeway {leeway} s); check the clock")]
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
    #[error(
        "the trust mark is `{actual}`, expected `{expected}`; check the configured environment"
    )]
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
    #[error("the at_hash claim does not match the access token; refuse both")]
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
}

impl ClaimError {
    /// A stable machine-readable code (`claims.*`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing { .. } => "claims.missing",
            Self::WrongType { .. } => "claims.type",
            Self::MalformedTime { .. } => "claims.malformed_time",
            Self::Forbidden { .. } => "claims.forbidden",
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
        }
    }
}
