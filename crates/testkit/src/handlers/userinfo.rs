//! `GET /userinfo`: Bearer only; the scoped claims and, when identity was requested and allowed,
//! the identity claims with a core identity JWT (§6, §7).

use govuk_one_login_core::{ClaimName, Scope};
use serde_json::{Map, Value, json};

use super::{Incoming, Reply, first};
use crate::faults::CoreIdentityFault;
use crate::jwt::{self, random_id};
use crate::state::{CORE_IDENTITY_LIFETIME, Shared};

fn unauthorized(challenge: &str) -> Reply {
    Reply::new(401, super::Body::Empty).header("www-authenticate", challenge)
}

pub(super) fn userinfo(shared: &Shared, req: &Incoming) -> Reply {
    if first(&req.query, "access_token").is_some() || first(&req.form, "access_token").is_some() {
        return unauthorized(
            "Bearer error=\"invalid_request\", error_description=\"Send the access token in the Authorization header\"",
        );
    }
    let Some(authorization) = req.header("authorization") else {
        return unauthorized("Bearer");
    };
    let Some(token) = authorization
        .strip_prefix("Bearer ")
        .filter(|t| !t.is_empty())
    else {
        return unauthorized(
            "Bearer error=\"invalid_request\", error_description=\"Bearer scheme required\"",
        );
    };
    let now = shared.now();
    let state = shared.lock();
    let invalid = || {
        unauthorized("Bearer error=\"invalid_token\", error_description=\"Invalid access token\"")
    };
    let Some(grant) = state.access_tokens.get(token).cloned() else {
        return invalid();
    };
    if now > grant.expires_at {
        return invalid();
    }
    let Some(client) = state.clients.get(&grant.client_id).cloned() else {
        return invalid();
    };
    let faults = state.faults.clone();
    let identity_key = state.keys.identity.clone();
    drop(state);

    let user = &grant.user;
    let sub = user.subject(&grant.sector);
    let mut body = Map::new();
    let served_sub = if faults.userinfo_sub_mismatch {
        govuk_one_login_sector::pairwise_subject(
            "testkit-other-sector.example",
            &user.internal_id,
            &user.salt,
        )
    } else {
        sub.clone()
    };
    body.insert("sub".into(), json!(served_sub));
    if grant.scopes.contains(&Scope::Email) {
        body.insert("email".into(), json!(user.email));
        body.insert("email_verified".into(), json!(user.email_verified));
    }
    if let Some(phone) = user
        .phone_number
        .as_ref()
        .filter(|_| grant.scopes.contains(&Scope::Phone))
    {
        body.insert("phone_number".into(), json!(phone));
        body.insert(
            "phone_number_verified".into(),
            json!(user.phone_number_verified),
        );
    }
    if grant.scopes.contains(&Scope::WalletSubjectId) {
        body.insert(
            "wallet_subject_id".into(),
            json!(govuk_one_login_sector::wallet_subject_id(
                &grant.sector,
                &user.internal_id
            )),
        );
    }

    let level = grant.vector.identity().filter(|l| l.proves_identity());
    if let Some(level) = level.filter(|_| client.identity_allowed) {
        // The standalone server serves the identity configured, whatever level it reached (its
        // `vot` says which), as the simulator does; One Login's hosts fail the sign-in instead.
        let proven = user
            .identity
            .as_ref()
            .filter(|i| shared.standalone || i.max_level >= level);
        for claim in &grant.claims {
            let value = match (claim, proven) {
                (ClaimName::CoreIdentityJwt, Some(identity)) => {
                    let claims = json!({
                        "iss": shared.identity_issuer.as_str(),
                        "sub": sub,
                        "aud": grant.client_id,
                        "nbf": now,
                        "iat": now,
                        "exp": now + CORE_IDENTITY_LIFETIME,
                        "vot": if shared.standalone {
                            identity.max_level.as_str()
                        } else {
                            level.as_str()
                        },
                        "vtm": shared.trustmark_url(),
                        "vc": {
                            "type": ["VerifiableCredential", "IdentityCheckCredential"],
                            "credentialSubject": {
                                "name": identity.names,
                                "birthDate": identity.birth_dates
                            }
                        }
                    });
                    let mut claims = claims;
                    if let Some(vc) = &identity.vc {
                        claims["vc"] = vc.clone();
                    }
                    Some(json!(core_identity_jwt(
                        shared,
                        claims,
                        &faults.core_identity,
                        &identity_key
                    )))
                }
                (ClaimName::Address, Some(identity)) => Some(identity.addresses.clone()),
                (ClaimName::Passport, Some(identity)) => identity.passports.clone(),
                (ClaimName::DrivingPermit, Some(identity)) => identity.driving_permits.clone(),
                (ClaimName::ReturnCode, _)
                    if shared.standalone || !user.return_codes.is_empty() =>
                {
                    Some(Value::Array(
                        user.return_codes
                            .iter()
                            .map(|c| json!({ "code": c }))
                            .collect(),
                    ))
                }
                _ => None,
            };
            if let Some(v) = value.filter(|v| !v.is_null()) {
                body.insert(claim.uri().into(), v);
            }
        }
    }
    Reply::json(200, Value::Object(body)).header("cache-control", "no-store")
}

fn core_identity_jwt(
    shared: &Shared,
    mut claims: Value,
    faults: &[CoreIdentityFault],
    key: &jwt::SigningKey,
) -> String {
    let now = shared.now();
    for fault in faults {
        match fault {
            CoreIdentityFault::InvalidIss => {
                claims["iss"] = json!(format!("https://{}.example/", random_id(6)))
            }
            CoreIdentityFault::InvalidAud => claims["aud"] = json!(random_id(16)),
            CoreIdentityFault::IncorrectSub => {
                claims["sub"] = json!(format!("urn:fdc:gov.uk:2022:{}", random_id(32)));
            }
            CoreIdentityFault::TokenExpired => claims["exp"] = json!(now - 86_400),
            CoreIdentityFault::InvalidAlgHeader | CoreIdentityFault::InvalidSignature => {}
        }
    }
    let kid = format!("{}#{}", shared.did, key.kid);
    let mut token = key.sign(
        &json!({ "alg": "ES256", "kid": kid, "typ": "JWT" }),
        &claims,
    );
    if faults.contains(&CoreIdentityFault::InvalidAlgHeader) {
        token = jwt::replace_header(&token, &json!({ "alg": "HS256", "kid": kid }));
    }
    if faults.contains(&CoreIdentityFault::InvalidSignature) {
        token = jwt::garble_signature(&token);
    }
    token
}
