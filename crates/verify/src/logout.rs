//! Back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4/§2.6, ONE-LOGIN.md §8.2).

use std::fmt;
use std::time::Duration;

use crate::claims;
use crate::error::{ClaimError, VerifyError};
use crate::json::Json;
use crate::jws::{self, TypRule};
use crate::keys::{KeyAlgorithm, KeySet};
use govuk_one_login_core::{DEFAULT_LEEWAY, ReplayCheck, ReplayStore};

/// The member of `events` that marks a back-channel logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// How long a logout token's `jti` is remembered at least, in seconds (ONE-LOGIN.md §8.2: three
/// minutes).
pub const LOGOUT_REPLAY_WINDOW_SECS: i64 = 180;

/// What a logout token must say.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LogoutExpectations<'a> {
    /// The provider's issuer, compared byte for byte.
    pub issuer: &'a str,
    /// The service's client id: the only accepted audience.
    pub client_id: &'a str,
    /// The clock skew allowed on `exp`, `iat` and `nbf`.
    pub leeway: Duration,
    /// The time of the check, in Unix seconds.
    pub now: i64,
    /// The size cap, checked before any decoding.
    pub max_token_bytes: usize,
}

impl<'a> LogoutExpectations<'a> {
    /// Expectations with the core default leeway and
    /// [`DEFAULT_MAX_TOKEN_BYTES`](crate::DEFAULT_MAX_TOKEN_BYTES).
    pub fn new(issuer: &'a str, client_id: &'a str, now: i64) -> Self {
        Self {
            issuer,
            client_id,
            leeway: DEFAULT_LEEWAY,
            now,
            max_token_bytes: crate::DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// A logout token whose signature and claims were checked. Before acting on it, check it is not
/// a replay with [`VerifiedLogoutToken::check_replay`].
///
/// `Debug` redacts the subject.
#[derive(Clone)]
pub struct VerifiedLogoutToken {
    issuer: String,
    sub: String,
    sid: Option<String>,
    jti: String,
    iat: i64,
    exp: i64,
    /// The leeway the token was accepted with: it stays acceptable until `exp + leeway`.
    leeway: i64,
}

impl fmt::Debug for VerifiedLogoutToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedLogoutToken")
            .field("issuer", &self.issuer)
            .field("sub", &"[redacted]")
            .field("sid", &self.sid.as_ref().map(|_| "[redacted]"))
            .field("jti", &self.jti)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .finish()
    }
}

impl VerifiedLogoutToken {
    /// The subject whose sessions must all end. Personal data: never log it.
    pub fn sub(&self) -> &str {
        &self.sub
    }

    /// The session id, if sent (One Login sends none).
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The token's unique id.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// When the token was issued.
    pub fn iat(&self) -> i64 {
        self.iat
    }

    /// When the token expires.
    pub fn exp(&self) -> i64 {
        self.exp
    }

    /// The key under which the `jti` is remembered: issuer and `jti` together.
    pub fn replay_id(&self) -> String {
        format!("logout-jti {} {}", self.issuer, self.jti)
    }

    /// Until when the `jti` must be remembered: the later of `exp` and `now`, plus the leeway the
    /// token was accepted with (it stays acceptable that long), plus three minutes.
    pub fn remember_until(&self, now: i64) -> i64 {
        self.exp
            .max(now)
            .saturating_add(self.leeway)
            .saturating_add(LOGOUT_REPLAY_WINDOW_SECS)
    }

    /// Records the `jti` in `store` and refuses a token seen before.
    ///
    /// Use the same store for every instance of the service (the in-memory
    /// [`InMemoryReplayStore`](govuk_one_login_core::InMemoryReplayStore) protects one process).
    /// A replay ends nothing; the `govuk-one-login` facade answers it with HTTP 400, and forgets
    /// the `jti` again when the application could not apply the logout, so that the provider's
    /// retry is applied rather than taken for a replay.
    ///
    /// # Errors
    /// [`VerifyError::Replayed`] for a replay, [`VerifyError::ReplayStore`] when the store fails.
    pub async fn check_replay(&self, store: &dyn ReplayStore, now: i64) -> Result<(), VerifyError> {
        let id = self.replay_id();
        match store
            .check_and_remember(&id, self.remember_until(now), now)
            .await
        {
            Ok(ReplayCheck::Fresh) => Ok(()),
            Ok(ReplayCheck::Replayed) => Err(VerifyError::Replayed),
            Err(e) => Err(VerifyError::ReplayStore(e)),
        }
    }
}

/// Verifies a back-channel logout token. The algorithm is ES256 whatever the service's ID-token
/// algorithm.
///
/// Rules decided here:
/// * `typ` must be `logout+jwt` (or `application/logout+jwt`) when present; an **absent** `typ` is
///   accepted, because Back-Channel Logout 1.0 makes explicit typing optional. An ID token cannot
///   pass anyway: it has no `events` and carries a `nonce`, both refused.
/// * `iss`, `aud` (the ID-token rule), `iat`, `exp`, `jti` and `sub` are required; `nbf` is
///   checked when present; `nonce` is refused.
/// * `events` must be a JSON object holding exactly one member, the back-channel logout event,
///   whose value is a JSON object. (Other events are refused: One Login never sends them.)
///
/// # Errors
/// A [`VerifyError`] naming the first check that failed.
pub fn verify_logout_token(
    token: &str,
    keys: &KeySet,
    expect: &LogoutExpectations<'_>,
) -> Result<VerifiedLogoutToken, VerifyError> {
    let (payload, _kid) = jws::verify_with_keys(
        token,
        keys,
        expect.max_token_bytes,
        KeyAlgorithm::ES256,
        TypRule::Logout,
    )?;
    let c = payload.claims()?;

    claims::check_issuer(&c, expect.issuer)?;
    claims::check_audience(&c, expect.client_id)?;
    let times = claims::check_times(&c, expect.now, expect.leeway)?;
    let jti = claims::req_str(&c, "jti")?;
    if jti.len() > 256 {
        return Err(VerifyError::Claims(ClaimError::WrongType {
            claim: "jti",
            expected: "a string of at most 256 bytes",
        }));
    }
    let sub = claims::req_str(&c, "sub")?;
    if c.contains_key("nonce") {
        return Err(VerifyError::Claims(ClaimError::Forbidden {
            claim: "nonce",
        }));
    }
    match c.get("events") {
        None => return Err(VerifyError::Claims(ClaimError::Missing { claim: "events" })),
        Some(Json::Object(events)) => {
            match events.get(BACKCHANNEL_LOGOUT_EVENT) {
                None => {
                    return Err(VerifyError::Claims(ClaimError::BadLogoutEvent {
                        reason: "no back-channel logout member",
                    }));
                }
                Some(Json::Object(_)) => {}
                Some(_) => {
                    return Err(VerifyError::Claims(ClaimError::BadLogoutEvent {
                        reason: "the back-channel logout member is not a JSON object",
                    }));
                }
            }
            if events.len() != 1 {
                return Err(VerifyError::Claims(ClaimError::BadLogoutEvent {
                    reason: "other events are present",
                }));
            }
        }
        Some(_) => {
            return Err(VerifyError::Claims(ClaimError::BadLogoutEvent {
                reason: "not a JSON object",
            }));
        }
    }
    let sid = claims::opt_str(&c, "sid")?.map(str::to_owned);
    Ok(VerifiedLogoutToken {
        issuer: expect.issuer.to_owned(),
        sub: sub.to_owned(),
        sid,
        jti: jti.to_owned(),
        iat: times.iat,
        exp: times.exp,
        leeway: i64::try_from(expect.leeway.as_secs()).unwrap_or(i64::MAX),
    })
}
