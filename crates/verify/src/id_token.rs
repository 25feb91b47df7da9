//! ID token verification (ONE-LOGIN.md §5, OpenID Connect Core §3.1.3.7).

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login_core::{
    CredentialLevel, DEFAULT_LEEWAY, IdTokenAlgorithm, Nonce, constant_time_eq,
};
use serde_json::{Map, Value};

use crate::claims::{self, leeway_secs};
use crate::error::{ClaimError, VerifyError};
use crate::json::NameList;
use crate::jws::{self, TypRule};
use crate::keys::{KeyAlgorithm, KeySet};

/// What an ID token must say, from the service's configuration and the sign-in request.
///
/// `Debug` redacts the nonce and the access token. Build one with
/// [`IdTokenExpectations::new`] and set the fields that differ from its defaults.
#[derive(Clone)]
#[non_exhaustive]
pub struct IdTokenExpectations<'a> {
    /// The provider's issuer, compared byte for byte (One Login's has a trailing slash).
    pub issuer: &'a str,
    /// The service's client id: the only accepted audience.
    pub client_id: &'a str,
    /// The algorithm the client is registered for; no other is accepted.
    pub algorithm: IdTokenAlgorithm,
    /// The nonce sent in the authorization request (compared in constant time).
    pub nonce: &'a Nonce,
    /// The credential level requested: `vot` must equal it.
    pub vot: CredentialLevel,
    /// The `max_age` sent, if any: `auth_time` is then required and checked.
    pub max_age: Option<u64>,
    /// The access token from the same response: `at_hash` is checked when both are present.
    pub access_token: Option<&'a str>,
    /// The clock skew allowed on `exp`, `iat`, `nbf` and `auth_time`.
    pub leeway: Duration,
    /// The time of the check, in Unix seconds.
    pub now: i64,
    /// The size cap, checked before any decoding.
    pub max_token_bytes: usize,
}

impl fmt::Debug for IdTokenExpectations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenExpectations")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("algorithm", &self.algorithm)
            .field("nonce", &"[redacted]")
            .field("vot", &self.vot)
            .field("max_age", &self.max_age)
            .field("access_token", &self.access_token.map(|_| "[redacted]"))
            .field("leeway", &self.leeway)
            .field("now", &self.now)
            .field("max_token_bytes", &self.max_token_bytes)
            .finish()
    }
}

impl<'a> IdTokenExpectations<'a> {
    /// Expectations with the defaults: ES256, `Cl.Cm`, no `max_age`, no access token, the core
    /// default leeway (30 s) and [`DEFAULT_MAX_TOKEN_BYTES`](crate::DEFAULT_MAX_TOKEN_BYTES).
    pub fn new(issuer: &'a str, client_id: &'a str, nonce: &'a Nonce, now: i64) -> Self {
        Self {
            issuer,
            client_id,
            algorithm: IdTokenAlgorithm::ES256,
            nonce,
            vot: CredentialLevel::ClCm,
            max_age: None,
            access_token: None,
            leeway: DEFAULT_LEEWAY,
            now,
            max_token_bytes: crate::DEFAULT_MAX_TOKEN_BYTES,
        }
    }
}

/// An ID token whose signature and claims were all checked. There is no way to build one
/// except [`verify_id_token`].
///
/// `Debug` redacts the subject, the session id and the raw token.
#[derive(Clone)]
pub struct VerifiedIdToken {
    raw: String,
    kid: Option<String>,
    issuer: String,
    sub: String,
    sid: Option<String>,
    vot: CredentialLevel,
    vtm: Option<String>,
    auth_time: Option<i64>,
    iat: i64,
    exp: i64,
    extra: Map<String, Value>,
}

impl fmt::Debug for VerifiedIdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedIdToken")
            .field("raw", &"[redacted]")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .field("sub", &"[redacted]")
            .field("sid", &self.sid.as_ref().map(|_| "[redacted]"))
            .field("vot", &self.vot)
            .field("vtm", &self.vtm)
            .field("auth_time", &self.auth_time)
            .field("iat", &self.iat)
            .field("exp", &self.exp)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl VerifiedIdToken {
    /// The pairwise subject identifier. Personal data: never log it.
    pub fn sub(&self) -> &str {
        &self.sub
    }

    /// The One Login session ("journey") id, if sent.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// The credential level achieved (equal to the one requested).
    pub fn vot(&self) -> CredentialLevel {
        self.vot
    }

    /// The trust mark URL, if sent.
    pub fn vtm(&self) -> Option<&str> {
        self.vtm.as_deref()
    }

    /// When the user last authenticated, if sent.
    pub fn auth_time(&self) -> Option<i64> {
        self.auth_time
    }

    /// When the token was issued.
    pub fn iat(&self) -> i64 {
        self.iat
    }

    /// When the token expires.
    pub fn exp(&self) -> i64 {
        self.exp
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The `kid` of the key that signed it.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Every claim not exposed by a getter above (the nonce and `at_hash` are left out).
    pub fn extra_claims(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// The compact token, kept for the logout request's `id_token_hint`. Never log it.
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

const TYPED: NameList<13> = NameList::new([
    "iss",
    "aud",
    "azp",
    "exp",
    "iat",
    "nbf",
    "sub",
    "sid",
    "vot",
    "vtm",
    "auth_time",
    "nonce",
    "at_hash",
]);

/// Verifies an ID token: size and shape, header (`alg` pinned to `expect.algorithm`, no `crit`,
/// no embedded keys, no `cty`, `typ` absent or `JWT`), key selection by `kid`, the signature, then
/// every claim.
///
/// Rules decided here:
/// * `aud` is the client id as a string, or an array holding only the client id; a token with
///   extra audiences is refused. `azp`, when present, must be the client id.
/// * Time claims are integers (floats, strings and `null` are refused, never treated as absent).
///   The token is accepted while `now < exp + leeway`, and when `iat <= now + leeway` and
///   `nbf <= now + leeway`.
/// * An `events` claim (a logout token) is refused.
///
/// # Errors
/// A [`VerifyError`] naming the first check that failed.
pub fn verify_id_token(
    token: &str,
    keys: &KeySet,
    expect: &IdTokenExpectations<'_>,
) -> Result<VerifiedIdToken, VerifyError> {
    let algorithm = KeyAlgorithm::from(expect.algorithm);
    let (payload, kid) =
        jws::verify_with_keys(token, keys, expect.max_token_bytes, algorithm, TypRule::Jwt)?;
    let c = payload.claims()?;

    claims::check_issuer(&c, expect.issuer)?;
    claims::check_audience(&c, expect.client_id)?;
    let times = claims::check_times(&c, expect.now, expect.leeway)?;
    let sub = claims::req_str(&c, "sub")?;
    if c.contains_key("events") {
        return Err(VerifyError::Claims(ClaimError::Forbidden {
            claim: "events",
        }));
    }
    let nonce = claims::req_str(&c, "nonce")?;
    if !expect.nonce.matches(nonce) {
        return Err(VerifyError::Claims(ClaimError::NonceMismatch));
    }
    let vot = claims::check_vot(
        &c,
        expect.vot,
        expect.vot.as_str(),
        CredentialLevel::from_wire,
    )?;
    let auth_time = claims::opt_time(&c, "auth_time")?;
    if let Some(max_age) = expect.max_age {
        let auth_time = auth_time.ok_or(VerifyError::Claims(ClaimError::Missing {
            claim: "auth_time",
        }))?;
        let max_age_secs = i64::try_from(max_age).unwrap_or(i64::MAX);
        let limit = auth_time
            .saturating_add(max_age_secs)
            .saturating_add(leeway_secs(expect.leeway));
        if expect.now > limit {
            return Err(VerifyError::Claims(ClaimError::AuthenticationTooOld {
                auth_time,
                max_age,
                now: expect.now,
            }));
        }
    }
    let at_hash = claims::opt_str(&c, "at_hash")?;
    if let (Some(at_hash), Some(access_token)) = (at_hash, expect.access_token)
        && !constant_time_eq(
            at_hash.as_bytes(),
            access_token_hash(access_token).as_bytes(),
        )
    {
        return Err(VerifyError::Claims(ClaimError::AccessTokenHashMismatch));
    }
    let sid = claims::opt_str(&c, "sid")?.map(str::to_owned);
    let vtm = claims::opt_str(&c, "vtm")?.map(str::to_owned);

    Ok(VerifiedIdToken {
        raw: token.to_owned(),
        kid,
        issuer: expect.issuer.to_owned(),
        sub: sub.to_owned(),
        sid,
        vot,
        vtm,
        auth_time,
        iat: times.iat,
        exp: times.exp,
        extra: claims::extra(&c, &TYPED),
    })
}

/// The `at_hash` of an access token: base64url of the left half of its SHA-256 (One Login uses
/// SHA-256 for both ES256 and RS256).
pub fn access_token_hash(access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest.as_ref()[..16])
}
