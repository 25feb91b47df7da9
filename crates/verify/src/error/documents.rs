//! Why a JWKS, a DID document or a `/userinfo` response could not be parsed at all.

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
