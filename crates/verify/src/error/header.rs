//! Why a token's protected header is refused.

/// Why a token's protected header is refused. Under
/// [`VerifyError::Header`](crate::VerifyError::Header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
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
    MemberType {
        /// The member.
        name: &'static str,
    },
    /// The header carries `crit`: no extension is understood here, so every one is refused.
    #[error("the token header carries `crit`; no critical extension is supported")]
    Critical,
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
}

impl HeaderError {
    /// A stable machine-readable code (`header.*`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlgorithmMissing => "header.alg_missing",
            Self::AlgorithmNone => "header.alg_none",
            Self::AlgorithmNotAllowed { .. } => "header.alg_not_allowed",
            Self::MemberType { .. } => "header.member_type",
            Self::Critical => "header.crit",
            Self::EmbeddedKey { .. } => "header.embedded_key",
            Self::NestedToken => "header.cty",
            Self::UnexpectedType { .. } => "header.typ",
            Self::InvalidKid { .. } => "header.kid_invalid",
        }
    }
}
