//! Claim checks shared by every token kind. jsonwebtoken's own claim validation is never used:
//! it skips a missing or wrongly typed `iss`/`aud`, `nbf` by default, `iat`, `azp` and `nonce`.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{ClaimError, echo};
use crate::json::{Json, NameList, Object};

/// The latest time accepted in a time claim: 9999-12-31T23:59:59Z.
pub(crate) const MAX_TIME: i64 = 253_402_300_799;

pub(crate) fn leeway_secs(leeway: Duration) -> i64 {
    i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX)
}

/// An optional string claim: absent is `None`; any other type (including `null`) is an error.
pub(crate) fn opt_str<'a>(
    claims: &'a Object<'_>,
    claim: &'static str,
) -> Result<Option<&'a str>, ClaimError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s)),
        Some(_) => Err(ClaimError::WrongType {
            claim,
            expected: "a string",
        }),
    }
}

/// A required, non-empty string claim.
pub(crate) fn req_str<'a>(
    claims: &'a Object<'_>,
    claim: &'static str,
) -> Result<&'a str, ClaimError> {
    match opt_str(claims, claim)? {
        None => Err(ClaimError::Missing { claim }),
        Some("") => Err(ClaimError::WrongType {
            claim,
            expected: "a non-empty string",
        }),
        Some(s) => Ok(s),
    }
}

/// An optional time claim. Present means an integer in 0..=year 9999: a string, a float, a
/// negative number, a huge number or `null` is [`ClaimError::MalformedTime`], never "absent".
pub(crate) fn opt_time(
    claims: &Object<'_>,
    claim: &'static str,
) -> Result<Option<i64>, ClaimError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(Json::Number(n)) => match n.as_i64() {
            Some(t) if (0..=MAX_TIME).contains(&t) => Ok(Some(t)),
            _ => Err(ClaimError::MalformedTime { claim }),
        },
        Some(_) => Err(ClaimError::MalformedTime { claim }),
    }
}

/// A required time claim.
pub(crate) fn req_time(claims: &Object<'_>, claim: &'static str) -> Result<i64, ClaimError> {
    opt_time(claims, claim)?.ok_or(ClaimError::Missing { claim })
}

/// `iss` must be present, a string, and byte-for-byte the expected issuer.
pub(crate) fn check_issuer(claims: &Object<'_>, expected: &str) -> Result<(), ClaimError> {
    let iss = req_str(claims, "iss")?;
    if iss != expected {
        return Err(ClaimError::IssuerMismatch {
            expected: expected.to_owned(),
            actual: echo(iss, 256),
        });
    }
    Ok(())
}

/// The audience rule: `aud` is the client id as a string, or an array holding exactly one
/// element, the client id. Extra audiences are refused (this library never accepts a token meant
/// for several parties). `azp`, when present, must be the client id.
pub(crate) fn check_audience(claims: &Object<'_>, client_id: &str) -> Result<(), ClaimError> {
    const EXPECTED: &str = "a string or an array of strings";
    let wrong_type = ClaimError::WrongType {
        claim: "aud",
        expected: EXPECTED,
    };
    let matches = match claims.get("aud") {
        None => return Err(ClaimError::Missing { claim: "aud" }),
        Some(Json::String(s)) => s == client_id,
        Some(Json::Array(items)) => {
            if items.iter().any(|item| item.as_str().is_none()) {
                return Err(wrong_type);
            }
            matches!(items.as_slice(), [only] if only.as_str() == Some(client_id))
        }
        Some(_) => return Err(wrong_type),
    };
    if !matches {
        return Err(ClaimError::AudienceMismatch {
            expected: client_id.to_owned(),
            actual: audiences(claims).take(8).map(|a| echo(a, 256)).collect(),
        });
    }
    if let Some(azp) = opt_str(claims, "azp")?
        && azp != client_id
    {
        return Err(ClaimError::AuthorizedPartyMismatch {
            expected: client_id.to_owned(),
            actual: echo(azp, 256),
        });
    }
    Ok(())
}

/// The strings of `aud` (a string, or the strings of an array), for error messages and the
/// client-assertion rule.
pub(crate) fn audiences<'c>(claims: &'c Object<'_>) -> impl Iterator<Item = &'c str> {
    let items: &[Json<'_>] = match claims.get("aud") {
        Some(one @ Json::String(_)) => std::slice::from_ref(one),
        Some(Json::Array(items)) => items,
        _ => &[],
    };
    items.iter().filter_map(Json::as_str)
}

/// The time claims every token kind carries, checked against `now` with `leeway`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    pub(crate) exp: i64,
    pub(crate) iat: i64,
    pub(crate) nbf: Option<i64>,
}

/// `exp` and `iat` required, `nbf` checked when present:
/// the token is accepted while `now < exp + leeway`, when `iat <= now + leeway` and
/// `nbf <= now + leeway`.
pub(crate) fn check_times(
    claims: &Object<'_>,
    now: i64,
    leeway: Duration,
) -> Result<Times, ClaimError> {
    let leeway = leeway_secs(leeway);
    let exp = req_time(claims, "exp")?;
    let iat = req_time(claims, "iat")?;
    let nbf = opt_time(claims, "nbf")?;
    if now >= exp.saturating_add(leeway) {
        return Err(ClaimError::Expired { exp, now, leeway });
    }
    if iat > now.saturating_add(leeway) {
        return Err(ClaimError::IssuedInFuture { iat, now, leeway });
    }
    if let Some(nbf) = nbf
        && nbf > now.saturating_add(leeway)
    {
        return Err(ClaimError::NotYetValid { nbf, now, leeway });
    }
    Ok(Times { exp, iat, nbf })
}

/// `vot` must be present and read by `from_wire` as exactly `expected` (a credential level in
/// an ID token, an identity level in a core identity JWT).
pub(crate) fn check_vot<L: Copy + PartialEq>(
    claims: &Object<'_>,
    expected: L,
    expected_wire: &'static str,
    from_wire: fn(&str) -> Option<L>,
) -> Result<L, ClaimError> {
    let vot = req_str(claims, "vot")?;
    match from_wire(vot) {
        Some(level) if level == expected => Ok(level),
        _ => Err(ClaimError::VotMismatch {
            expected: expected_wire,
            actual: echo(vot, 64),
        }),
    }
}

/// The claims not consumed into typed fields, as owned JSON.
pub(crate) fn extra<const N: usize>(
    claims: &Object<'_>,
    typed: &NameList<N>,
) -> Map<String, Value> {
    let mut extra = Map::new();
    for (name, value) in claims.iter_except(typed) {
        extra.insert(name.to_owned(), value.to_value());
    }
    extra
}
