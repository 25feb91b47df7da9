//! The testkit's faults as `/config` names them: the simulator's `authoriseErrors` and ours, and
//! the `faults` object that switches on every [`Faults`] value.

use serde_json::Value;

use crate::faults::{
    AuthorizeFault, Endpoint, EndpointFault, Faults, LogoutTokenFault, TokenResponseFault,
};

/// An `/authorize` fault by name: the simulator's two, and the testkit's others.
pub(crate) fn authorize_fault(name: &str) -> Option<AuthorizeFault> {
    match name {
        "ACCESS_DENIED" => Some(AuthorizeFault::AccessDenied),
        "TEMPORARILY_UNAVAILABLE" => Some(AuthorizeFault::TemporarilyUnavailable),
        "LOGIN_REQUIRED" => Some(AuthorizeFault::LoginRequired),
        "CLIENT_DEACTIVATED" => Some(AuthorizeFault::ClientDeactivated),
        _ => None,
    }
}

/// The testkit's faults from the `faults` object of `/config`:
///
/// ```json
/// { "authorize": "LOGIN_REQUIRED",
///   "endpoints": { "token": { "status": 503, "retryAfter": 5 }, "jwks": "GARBAGE_JSON",
///                  "userinfo": { "delayMs": 2000 }, "discovery": { "oversized": 200000 } },
///   "unknownKid": true, "discoveryIssuer": "WITHOUT_TRAILING_SLASH",
///   "idTokenOverride": "<a JWT>", "userinfoSubMismatch": true,
///   "tokenResponse": ["MISSING_ID_TOKEN"], "logoutToken": "INVALID_SIGNATURE" }
/// ```
pub(crate) fn parse_faults(v: &Value) -> Result<Faults, (String, String)> {
    let err = |path: &str, msg: &str| Err((format!("faults.{path}"), msg.to_owned()));
    let map = match v {
        Value::Null => return Ok(Faults::default()),
        Value::Object(map) => map,
        _ => return Err(("faults".into(), "must be an object".into())),
    };
    let mut faults = Faults::default();
    for (key, value) in map {
        match key.as_str() {
            "authorize" => match value.as_str().and_then(authorize_fault) {
                Some(f) => faults = faults.and(Faults::authorize(f)),
                None => {
                    return err(
                        key,
                        "one of ACCESS_DENIED, TEMPORARILY_UNAVAILABLE, LOGIN_REQUIRED, CLIENT_DEACTIVATED",
                    );
                }
            },
            "endpoints" => {
                let Some(endpoints) = value.as_object() else {
                    return err(key, "must be an object: endpoint name → fault");
                };
                for (name, spec) in endpoints {
                    let path = format!("endpoints.{name}");
                    let Some(endpoint) = endpoint_named(name) else {
                        return err(
                            &path,
                            "endpoint is one of discovery, jwks, token, userinfo, did, trustmark",
                        );
                    };
                    let Some(fault) = endpoint_fault(spec) else {
                        return err(
                            &path,
                            "fault is {\"status\": N[, \"retryAfter\": S]}, {\"delayMs\": N}, \
                             {\"oversized\": BYTES}, \"GARBAGE_JSON\" or \"WRONG_CONTENT_TYPE\"",
                        );
                    };
                    faults = faults.and(Faults::endpoint(endpoint, fault));
                }
            }
            "requireUserAgent" => {
                if !value.is_boolean() {
                    return err(key, "must be a boolean");
                }
            }
            "unknownKid" | "userinfoSubMismatch" => match value.as_bool() {
                Some(true) if key == "unknownKid" => faults = faults.and(Faults::unknown_kid()),
                Some(true) => faults = faults.and(Faults::userinfo_sub_mismatch()),
                Some(false) => {}
                None => return err(key, "must be a boolean"),
            },
            "discoveryIssuer" => match value.as_str() {
                Some("WITHOUT_TRAILING_SLASH") => {
                    faults = faults.and(Faults::discovery_issuer_mismatch());
                }
                Some(other) if !other.is_empty() => {
                    faults = faults.and(Faults::discovery_issuer(other));
                }
                _ => return err(key, "WITHOUT_TRAILING_SLASH or the issuer to announce"),
            },
            "idTokenOverride" => match value.as_str() {
                Some(t) => faults = faults.and(Faults::id_token_override(t)),
                None => return err(key, "must be a string (the token /token serves)"),
            },
            "tokenResponse" => {
                let Some(items) = value.as_array() else {
                    return err(key, "must be an array of names");
                };
                for item in items {
                    match item.as_str().and_then(token_response_fault) {
                        Some(f) => faults = faults.and(Faults::token_response(f)),
                        None => {
                            return err(
                                key,
                                "names are MISSING_ID_TOKEN, MISSING_ACCESS_TOKEN, \
                                 TOKEN_TYPE_NOT_BEARER, ERROR_MEMBER_WITH_TOKENS, DUPLICATE_ID_TOKEN",
                            );
                        }
                    }
                }
            }
            "logoutToken" => match value.as_str().and_then(logout_token_fault) {
                Some(f) => faults = faults.and(Faults::logout_token(f)),
                None => return err(key, "a logout-token fault name, e.g. INVALID_SIGNATURE"),
            },
            _ => return err(key, "Unknown field"),
        }
    }
    Ok(faults)
}

fn endpoint_named(name: &str) -> Option<Endpoint> {
    Some(match name {
        "discovery" => Endpoint::Discovery,
        "jwks" => Endpoint::Jwks,
        "token" => Endpoint::Token,
        "userinfo" => Endpoint::Userinfo,
        "did" => Endpoint::DidDocument,
        "trustmark" => Endpoint::Trustmark,
        _ => return None,
    })
}

fn endpoint_fault(spec: &Value) -> Option<EndpointFault> {
    match spec {
        Value::String(s) if s == "GARBAGE_JSON" => Some(EndpointFault::GarbageJson),
        Value::String(s) if s == "WRONG_CONTENT_TYPE" => Some(EndpointFault::WrongContentType),
        Value::Object(map) if map.len() == 1 || map.len() == 2 => {
            let number = |k: &str| map.get(k).and_then(Value::as_u64);
            if let Some(status) = number("status") {
                let status = u16::try_from(status)
                    .ok()
                    .filter(|s| (100..600).contains(s))?;
                return match (map.len(), number("retryAfter")) {
                    (1, None) => Some(EndpointFault::Status(status)),
                    (2, Some(retry_after_seconds)) => Some(EndpointFault::StatusWithRetryAfter {
                        status,
                        retry_after_seconds,
                    }),
                    _ => None,
                };
            }
            if map.len() != 1 {
                return None;
            }
            if let Some(ms) = number("delayMs").filter(|ms| *ms <= 120_000) {
                return Some(EndpointFault::Delay(std::time::Duration::from_millis(ms)));
            }
            number("oversized")
                .filter(|b| *b <= 16 * 1024 * 1024)
                .and_then(|b| usize::try_from(b).ok())
                .map(EndpointFault::Oversized)
        }
        _ => None,
    }
}

fn token_response_fault(name: &str) -> Option<TokenResponseFault> {
    Some(match name {
        "MISSING_ID_TOKEN" => TokenResponseFault::MissingIdToken,
        "MISSING_ACCESS_TOKEN" => TokenResponseFault::MissingAccessToken,
        "TOKEN_TYPE_NOT_BEARER" => TokenResponseFault::TokenTypeNotBearer,
        "ERROR_MEMBER_WITH_TOKENS" => TokenResponseFault::ErrorMemberWithTokens,
        "DUPLICATE_ID_TOKEN" => TokenResponseFault::DuplicateIdToken,
        _ => return None,
    })
}

fn logout_token_fault(name: &str) -> Option<LogoutTokenFault> {
    Some(match name {
        "INVALID_ISS" => LogoutTokenFault::InvalidIss,
        "INVALID_AUD" => LogoutTokenFault::InvalidAud,
        "INVALID_ALG_HEADER" => LogoutTokenFault::InvalidAlgHeader,
        "INVALID_SIGNATURE" => LogoutTokenFault::InvalidSignature,
        "UNKNOWN_KID" => LogoutTokenFault::UnknownKid,
        "TOKEN_EXPIRED" => LogoutTokenFault::Expired,
        "TOKEN_NOT_VALID_YET" => LogoutTokenFault::IssuedInFuture,
        "MISSING_SUB" => LogoutTokenFault::MissingSub,
        "MISSING_JTI" => LogoutTokenFault::MissingJti,
        "MISSING_EVENTS" => LogoutTokenFault::MissingEvents,
        "WRONG_EVENT" => LogoutTokenFault::WrongEvent,
        "NON_EMPTY_EVENT" => LogoutTokenFault::NonEmptyEvent,
        "WITH_NONCE" => LogoutTokenFault::WithNonce,
        "WRONG_TYP" => LogoutTokenFault::WrongTyp,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_fault_name_parses() {
        let f = parse_faults(&json!({
            "authorize": "LOGIN_REQUIRED",
            "endpoints": { "token": { "status": 503, "retryAfter": 5 }, "jwks": "GARBAGE_JSON",
                           "userinfo": { "delayMs": 10 }, "discovery": { "oversized": 10 },
                           "did": { "status": 500 }, "trustmark": "WRONG_CONTENT_TYPE" },
            "unknownKid": true, "discoveryIssuer": "WITHOUT_TRAILING_SLASH",
            "idTokenOverride": "a.b.c", "userinfoSubMismatch": true,
            "tokenResponse": ["MISSING_ID_TOKEN", "DUPLICATE_ID_TOKEN"], "logoutToken": "WRONG_TYP"
        }))
        .unwrap();
        assert_eq!(f.endpoints.len(), 6);
        assert!(f.unknown_kid && f.userinfo_sub_mismatch);
        assert_eq!(f.logout_token, Some(LogoutTokenFault::WrongTyp));
        for bad in [
            json!({ "authorize": "NOPE" }),
            json!({ "endpoints": { "nowhere": { "status": 500 } } }),
            json!({ "endpoints": { "token": { "status": 99 } } }),
            json!({ "endpoints": { "token": { "status": 500, "delayMs": 5 } } }),
            json!({ "mystery": true }),
            json!([1]),
        ] {
            assert!(parse_faults(&bad).is_err(), "{bad}");
        }
    }
}
