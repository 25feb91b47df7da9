//! Why no key could be chosen to verify a token.

/// Why no key could be chosen to verify a token. Under
/// [`VerifyError::Key`](crate::VerifyError::Key).
///
/// (Not to be confused with `govuk_one_login_core::KeyError`, a private key that cannot be
/// loaded.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeySelectionError {
    /// No key in the key set has the token's `kid`.
    #[error("no key has the id `{kid}`; refresh the key set once, then refuse the token")]
    UnknownKid {
        /// The token's `kid`.
        kid: String,
    },
    /// The token has no `kid`, and the key set holds more than one key.
    #[error(
        "the token has no `kid` and the key set holds {keys} keys, so none can be chosen; refuse the token"
    )]
    KidRequired {
        /// How many keys are in the set.
        keys: usize,
    },
    /// The key set is empty.
    #[error(
        "the key set holds no usable key; check the provider's JWKS (unfit keys are listed when it is parsed)"
    )]
    NoKeys,
    /// The selected key is not for the token's algorithm.
    #[error(
        "the key `{kid}` is for {key_algorithm}, but the token is signed with {token_algorithm}; refuse the token"
    )]
    AlgorithmMismatch {
        /// The key id.
        kid: String,
        /// The key's algorithm.
        key_algorithm: &'static str,
        /// The token's algorithm.
        token_algorithm: &'static str,
    },
    /// The core identity JWT's `kid` does not name the configured DID.
    #[error(
        "the key id names the DID `{actual}`, not the configured `{expected}`; check the configured DID, else refuse the token"
    )]
    DidMismatch {
        /// The configured controller DID.
        expected: String,
        /// The DID part of the `kid` (truncated to 128 characters).
        actual: String,
    },
}

impl KeySelectionError {
    /// A stable machine-readable code (`key.*`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownKid { .. } => "key.unknown_kid",
            Self::KidRequired { .. } => "key.kid_required",
            Self::NoKeys => "key.none",
            Self::AlgorithmMismatch { .. } => "key.alg_mismatch",
            Self::DidMismatch { .. } => "key.did_mismatch",
        }
    }
}
