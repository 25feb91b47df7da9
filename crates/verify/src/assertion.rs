//! Verifying `private_key_jwt` client assertions: the provider's side of ONE-LOGIN.md §4.2, for
//! the testkit and for anyone playing One Login in tests.

use std::time::Duration;

use crate::claims;
use crate::error::{ClaimError, VerifyError, echo};
use crate::json::Json;
use crate::jws::{self, TypRule};
use crate::keys::{KeyAlgorithm, KeySet};
use govuk_one_login_core::{ClientAssertionAlgorithm, DEFAULT_LEEWAY};

/// What a client assertion must say.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientAssertionExpectations<'a> {
    /// The client id: both `iss` and `sub`.
    pub client_id: &'a str,
    /// The accepted audiences (One Login accepts the token URL and the issuer).
    pub audiences: &'a [&'a str],
    /// The algorithm the client signs with.
    pub algorithm: ClientAssertionAlgorithm,
    /// The clock skew allowed on `exp`, `iat` and `nbf`.
    pub leeway: Duration,
    /// The time of the check, in Unix seconds.
    pub now: i64,
    /// The size cap, checked before any decoding.
    pub max_token_bytes: usize,
}

impl<'a> ClientAssertionExpectations<'a> {
    /// Expectations for RS256 with the core default leeway and
    /// [`DEFAULT_MAX_TOKEN_BYTES`](crate::DEFAULT_MAX_TOKEN_BYTES).
    pub fn new(client_id: &'a str, audiences: &'a [&'a str], now: i64) -> Self {
        Self {
            client_id,
            audiences,
            algorithm: ClientAssertionAlgorithm::RS256,
            leeway: DEFAULT_LEEWAY,
            now,
            max_token_bytes: crate::DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// A client assertion whose signature and claims were checked. Remember its
/// [`jti`](Self::jti) to refuse a second use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClientAssertion {
    jti: String,
    audience: String,
    iat: i64,
    exp: i64,
}

impl VerifiedClientAssertion {
    /// The assertion's unique id.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// The audience that matched.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// When it was issued.
    pub fn iat(&self) -> i64 {
        self.iat
    }

    /// When it expires.
    pub fn exp(&self) -> i64 {
        self.exp
    }
}

/// Verifies a client assertion with the client's registered keys (a [`KeySet`] parsed from the
/// client's JWKS; an RSA key tagged `PS256` verifies PS256 assertions, one tagged `RS256` or
/// untagged verifies RS256 ones).
///
/// Checks: size and shape; header `alg` pinned to `expect.algorithm`, no `crit`, no embedded keys,
/// no `cty`, `typ` absent or `JWT`; the key by `kid`; the signature; `iss` and `sub` both the
/// client id; `aud` a string or array with a value in `expect.audiences` (as the provider's
/// Nimbus check does); `exp` and `iat` required (integers); `nbf` checked when present; `jti`
/// required.
///
/// # Errors
/// A [`VerifyError`] naming the first check that failed.
pub fn verify_client_assertion(
    token: &str,
    client_keys: &KeySet,
    expect: &ClientAssertionExpectations<'_>,
) -> Result<VerifiedClientAssertion, VerifyError> {
    let algorithm = KeyAlgorithm::from(expect.algorithm);
    let (payload, _kid) = jws::verify_with_keys(
        token,
        client_keys,
        expect.max_token_bytes,
        algorithm,
        TypRule::Jwt,
    )?;
    let c = payload.claims()?;

    claims::check_issuer(&c, expect.client_id)?;
    let sub = claims::req_str(&c, "sub")?;
    if sub != expect.client_id {
        return Err(VerifyError::Claims(ClaimError::SubjectMismatch));
    }
    const EXPECTED: &str = "a string or an array of strings";
    let audiences: Vec<&str> = match c.get("aud") {
        None => return Err(VerifyError::Claims(ClaimError::Missing { claim: "aud" })),
        Some(Json::String(s)) => vec![s.as_ref()],
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().ok_or(VerifyError::Claims(ClaimError::WrongType {
                    claim: "aud",
                    expected: EXPECTED,
                }))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(VerifyError::Claims(ClaimError::WrongType {
                claim: "aud",
                expected: EXPECTED,
            }));
        }
    };
    let Some(audience) = audiences.iter().find(|a| expect.audiences.contains(a)) else {
        return Err(VerifyError::Claims(ClaimError::AudienceMismatch {
            expected: expect.audiences.join(" or "),
            actual: audiences.iter().take(8).map(|a| echo(a, 256)).collect(),
        }));
    };
    let times = claims::check_times(&c, expect.now, expect.leeway)?;
    let jti = claims::req_str(&c, "jti")?;
    Ok(VerifiedClientAssertion {
        jti: jti.to_owned(),
        audience: (*audience).to_owned(),
        iat: times.iat,
        exp: times.exp,
    })
}
