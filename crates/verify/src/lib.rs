//! # govuk-one-login-verify
//!
//! Token verification and client-assertion signing for GOV.UK One Login relying parties, with
//! no I/O: give it keys, the time and what you expect, and it verifies
//!
//! * **ID tokens** ([`verify_id_token`]),
//! * **back-channel logout tokens** ([`verify_logout_token`], with replay protection through
//!   core's [`ReplayStore`](govuk_one_login_core::ReplayStore)),
//! * **core identity JWTs** ([`verify_core_identity`]) against the pinned [`DidDocument`],
//!
//! parses the provider's JWKS into a filtered [`KeySet`], types the `/userinfo` response
//! ([`UserInfo`]), and signs `private_key_jwt` client assertions and request objects
//! ([`ClientSigner`]). For tests that play the provider, [`verify_client_assertion`] checks a
//! client assertion as One Login does.
//!
//! **Who should depend on it:** a team that only verifies tokens (an API receiving ID tokens, a
//! logout endpoint) depends on this crate and `govuk-one-login-core` alone: its normal
//! dependency tree has no tokio, reqwest or hyper. A web service doing the whole sign-in flow
//! depends on the `govuk-one-login` facade, which fetches the keys and calls this crate.
//!
//! Everything is strict by default: compact JWS only, a size cap before any decoding, `alg`
//! pinned per token kind and checked against the key, `crit`/`jku`/`jwk`/`x5u`/`x5c`/`cty`
//! refused, duplicate JSON members refused, time claims integers only, `iss` byte-exact, `aud`
//! the client id alone. Every failure is a [`VerifyError`] naming the stage that refused the token
//! ([`Form`](VerifyError::Form), [`Header`](VerifyError::Header), [`Key`](VerifyError::Key),
//! [`SignatureInvalid`](VerifyError::SignatureInvalid), [`Claims`](VerifyError::Claims), the
//! replay check) with the specific reason nested inside, and a stable
//! [`code`](VerifyError::code); a bad signature says nothing about why.
//!
//! ## Verifying an ID token
//!
//! ```
//! use govuk_one_login_core::{CredentialLevel, Nonce};
//! use govuk_one_login_verify::{IdTokenExpectations, KeySet, verify_id_token};
//! # use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::{Jwk, JwkSet}};
//! # let provider_key = EncodingKey::from_ec_pem(include_bytes!("../testdata/ec-p256-a.pem")).unwrap();
//! # let mut jwk = Jwk::from_encoding_key(&provider_key, Algorithm::ES256).unwrap();
//! # jwk.common.key_id = Some("key-1".into());
//! # let jwks_body = serde_json::to_vec(&JwkSet { keys: vec![jwk] }).unwrap();
//! # let now = 1_760_000_000;
//! # let nonce = Nonce::from_string("n-0S6_WzA2Mj".into());
//! # let mut header = Header::new(Algorithm::ES256);
//! # header.kid = Some("key-1".into());
//! # let id_token = jsonwebtoken::encode(&header, &serde_json::json!({
//! #     "iss": "https://oidc.integration.account.gov.uk/", "aud": "my-client-id",
//! #     "sub": "urn:fdc:gov.uk:2022:abc", "iat": now, "exp": now + 120,
//! #     "nonce": "n-0S6_WzA2Mj", "vot": "Cl.Cm", "sid": "journey-1",
//! # }), &provider_key).unwrap();
//!
//! // Once per JWKS fetch (the discovery crate caches this): unfit keys are left out.
//! let parsed = KeySet::from_jwks_json(&jwks_body)?;
//! assert!(parsed.rejected.is_empty());
//!
//! // Per sign-in: what this service expects, from its configuration and the session.
//! let mut expect = IdTokenExpectations::new(
//!     "https://oidc.integration.account.gov.uk/",
//!     "my-client-id",
//!     &nonce, // the nonce stored in the session when the sign-in started
//!     now,
//! );
//! expect.vot = CredentialLevel::ClCm;
//!
//! let verified = verify_id_token(&id_token, &parsed.keys, &expect)?;
//! assert_eq!(verified.vot(), CredentialLevel::ClCm);
//! assert_eq!(verified.sid(), Some("journey-1"));
//!
//! // A token for another service fails with a precise, stable error.
//! let mut other = expect.clone();
//! other.client_id = "another-client";
//! let err = verify_id_token(&id_token, &parsed.keys, &other).unwrap_err();
//! assert_eq!(err.code(), "claims.aud");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Decisions worth knowing
//!
//! * `aud` must be the client id, as a string or as an array holding only it; a token with extra
//!   audiences is refused, and `azp`, when present, must be the client id.
//! * Time claims must be integers from 0 to the year 9999: a float, string, negative number or
//!   `null` is [`ClaimError::MalformedTime`], never "absent". A token is accepted while
//!   `now < exp + leeway`, when `iat <= now + leeway` and `nbf <= now + leeway`.
//! * A token without `kid` is accepted only when the key set holds exactly one key.
//! * Logout tokens accept an absent `typ` (explicit typing is optional in Back-Channel Logout
//!   1.0); an ID token still cannot pass as one, since `events` is required and `nonce` refused.

mod assertion;
mod claims;
mod did;
mod error;
mod id_token;
mod identity;
mod json;
mod jws;
mod keys;
mod logout;
mod sign;
mod userinfo;

pub use assertion::{
    ClientAssertionExpectations, VerifiedClientAssertion, verify_client_assertion,
};
pub use did::{DidDocument, ParsedDidDocument};
pub use error::{
    ClaimError, ClaimsError, DidError, HeaderError, JwksError, KeySelectionError, SignError,
    TokenFormError, TokenPart, VerifyError,
};
pub use id_token::{IdTokenExpectations, VerifiedIdToken, access_token_hash, verify_id_token};
pub use identity::{
    BirthDate, IdentityExpectations, Name, NamePart, NamePartKind, VerifiedCoreIdentity,
    verify_core_identity,
};
pub use keys::{
    KeyAlgorithm, KeySet, MAX_KID_BYTES, MAX_RSA_VERIFY_BITS, MIN_RSA_VERIFY_BITS, ParsedKeySet,
    RejectedKey, VerificationKey,
};
pub use logout::{
    BACKCHANNEL_LOGOUT_EVENT, LOGOUT_REPLAY_WINDOW_SECS, LogoutExpectations, VerifiedLogoutToken,
    verify_logout_token,
};
pub use sign::{ClientSigner, SIGNED_JWT_LIFETIME_SECS, SigningInput};
pub use userinfo::{DrivingPermit, Passport, PostalAddress, ReturnCode, UserInfo};

/// Strict JSON (a repeated member name anywhere is refused), for the sibling crates that read
/// provider documents and responses with the same rule as the verifiers. Not a stable API.
#[doc(hidden)]
pub mod strict_json {
    pub use crate::json::{JsonProblem, parse_object};
}

/// The default size cap for a token, in bytes (16 KiB): checked before any decoding. Core
/// identity JWTs and RS256 ID tokens are a few KiB; ES256 ID tokens under one.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The largest JWKS, DID document or userinfo response parsed, in bytes (1 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// Reads the unverified `kid` of a token after the same size and shape checks as the verifiers
/// (and a strict header parse), so that a caller can ask its key cache for that `kid` first.
/// Nothing else about the token is checked: never trust anything else from it.
///
/// # Errors
/// A [`VerifyError`] for an oversized or malformed token, a non-string `kid`, or an unusable one
/// (empty, over [`MAX_KID_BYTES`], control characters).
pub fn token_kid(token: &str, max_token_bytes: usize) -> Result<Option<String>, VerifyError> {
    jws::token_kid(token, max_token_bytes)
}
