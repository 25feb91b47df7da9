//! The errors of this crate, nested by kind as rustls nests them: a [`VerifyError`] says which
//! stage refused the token (its form, its header, the key, the signature, its claims, the replay
//! check) and carries the specific reason from that stage's enum. Every case has a stable
//! [`code`](VerifyError::code) for metrics and logs.

use std::fmt;

use govuk_one_login_core::ReplayStoreError;

mod claim;
mod documents;
mod form;
mod header;
mod key;
mod sign;

pub use claim::ClaimError;
pub use documents::{ClaimsError, DidError, JwksError};
pub use form::TokenFormError;
pub use header::HeaderError;
pub use key::KeySelectionError;
pub use sign::SignError;

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

/// Why a token (ID token, logout token, core identity JWT or client assertion) was refused: the
/// stage that refused it, with the specific reason nested inside (also its
/// [`source`](std::error::Error::source)).
///
/// Values shown are never secret: nonces, access tokens, signatures and personal data are not
/// carried. A signature failure says nothing about why the bytes failed.
///
/// ```
/// use govuk_one_login_verify::{ClaimError, VerifyError};
///
/// # fn check(err: &VerifyError) {
/// match err {
///     VerifyError::Claims(ClaimError::Expired { .. }) => { /* ask for a fresh sign-in */ }
///     VerifyError::Key(_) => { /* refresh the key set once, then refuse */ }
///     _ => { /* refuse */ }
/// }
/// # }
/// let err = VerifyError::Claims(ClaimError::NonceMismatch);
/// assert_eq!(err.code(), "claims.nonce");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is not a well-formed compact JWS (size, segments, base64url, JSON).
    #[error(
        "the token is malformed: {0}; refuse it (if every token fails so, check it reaches the verifier unaltered)"
    )]
    Form(#[from] TokenFormError),
    /// The protected header breaks a rule (algorithm, `crit`, embedded keys, `cty`, `typ`, `kid`).
    #[error(
        "the token's header is refused: {0}; refuse the token (if every token fails so, check the algorithm registered for the service)"
    )]
    Header(#[from] HeaderError),
    /// No key fits the token (unknown `kid`, no `kid` among several keys, wrong key type, DID).
    #[error("no key can verify the token: {0}")]
    Key(#[from] KeySelectionError),
    /// The signature does not verify. Deliberately says nothing more.
    #[error("the token's signature is invalid; refuse the token")]
    SignatureInvalid,
    /// The signature verified, but a claim is missing, malformed or not what was expected.
    #[error("the token's claims are refused: {0}")]
    Claims(#[from] ClaimError),
    /// The logout token's `jti` was seen before.
    #[error(
        "the logout token was already used (a replay); it was handled the first time, so answer 200 and do nothing more"
    )]
    Replayed,
    /// The replay store could not answer.
    #[error(
        "the replay store failed: {0}; the logout token was not acted on, so answer with an error and check the store"
    )]
    ReplayStore(#[source] ReplayStoreError),
    /// The crypto backend refused a key it should have accepted (a bug, not an attack).
    #[error("the crypto backend refused the verification key; this is a bug, please report it")]
    Crypto,
}

impl VerifyError {
    /// A stable machine-readable code, for metrics and logs: `token.*`, `header.*`, `key.*`,
    /// `signature.invalid`, `claims.*`, `logout.*` or `internal.crypto`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Form(e) => e.code(),
            Self::Header(e) => e.code(),
            Self::Key(e) => e.code(),
            Self::SignatureInvalid => "signature.invalid",
            Self::Claims(e) => e.code(),
            Self::Replayed => "logout.replayed",
            Self::ReplayStore(_) => "logout.replay_store",
            Self::Crypto => "internal.crypto",
        }
    }
}

/// Untrusted text echoed in an error: core's one helper (bounded, control characters, line
/// separators and bidirectional controls replaced), under the name the token modules import.
pub(crate) use govuk_one_login_core::internal::printable as echo;
