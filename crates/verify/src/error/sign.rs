//! Why a client assertion or request object could not be signed.

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
    /// The key is held by an external signer (a KMS, an HSM): sign
    /// [`SigningInput`](crate::SigningInput)s with it instead.
    #[error("the key is held by an external signer; sign the signing input with it")]
    ExternalKey,
    /// The external signer refused or failed.
    #[error("the external signer failed: {reason}")]
    Signer {
        /// The signer's reason (no secrets).
        reason: String,
        /// Whether it lasts until the configuration changes (access denied, a disabled key),
        /// rather than passing (throttling, a timeout).
        permanent: bool,
    },
    /// The external signer's signature does not verify with the key's public half (the wrong
    /// key, the wrong algorithm, or a DER-wrapped signature).
    #[error("the external signer's signature does not verify with the key's public half")]
    BadSignature,
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
            Self::ExternalKey => "sign.external_key",
            Self::Signer { .. } => "sign.signer",
            Self::BadSignature => "sign.bad_signature",
        }
    }
}
