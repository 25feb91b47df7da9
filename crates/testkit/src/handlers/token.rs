//! `POST /token`: client authentication as One Login checks it (§4), single-use codes, PKCE, and
//! the ID token of §5.1 with any configured fault.

use govuk_one_login_core::{CredentialLevel, constant_time_eq};
use serde_json::{Map, Value, json};

use super::{Body, Incoming, Reply, has_duplicates, single};
use crate::faults::{IdTokenFault, TokenResponseFault};
use crate::jwt::{self, at_hash, random_id};
use crate::state::{
    ACCESS_TOKEN_LIFETIME, ASSERTION_SKEW, AccessGrant, CODE_LIFETIME, ID_TOKEN_LIFETIME,
    MAX_RECORDED_DELIVERIES, NoKeys, PRUNE_GRANTS_ABOVE, RegisteredAuth, Shared, State, cap,
};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn bad(error: &str, description: &str) -> Reply {
    Reply::oauth_error(400, error, description)
}

pub(super) fn token(shared: &Shared, req: &Incoming) -> Reply {
    if !req.is_form {
        return bad(
            "invalid_request",
            "Request must be application/x-www-form-urlencoded",
        );
    }
    let form = &req.form;
    if has_duplicates(form) {
        return bad(
            "invalid_request",
            "Request includes a parameter more than once",
        );
    }
    let field = |name: &str| single(form, name).ok().flatten();
    match field("grant_type") {
        None => return bad("invalid_request", "Request is missing grant_type parameter"),
        Some("authorization_code") => {}
        Some(_) => return bad("unsupported_grant_type", "Unsupported grant type"),
    }
    let mut state = shared.lock();
    let client_id = match authenticate(shared, &mut state, req) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let Some(code) = field("code") else {
        return bad("invalid_request", "Request is missing code parameter");
    };
    let Some(redirect_uri) = field("redirect_uri") else {
        return bad(
            "invalid_request",
            "Request is missing redirect_uri parameter",
        );
    };
    let now = shared.now();
    let Some(grant) = state.codes.get_mut(code) else {
        return bad("invalid_grant", "Invalid authorization code");
    };
    if grant.client_id != client_id {
        return bad("invalid_grant", "Invalid authorization code");
    }
    if grant.used {
        // A replayed code revokes what it was exchanged for (RFC 6749 §4.1.2).
        let revoked = std::mem::take(&mut grant.access_tokens);
        for t in revoked {
            state.access_tokens.remove(&t);
        }
        return bad("invalid_grant", "Authorization code has already been used");
    }
    grant.used = true;
    if now > grant.issued_at + CODE_LIFETIME {
        return bad("invalid_grant", "Authorization code has expired");
    }
    if grant.redirect_uri != redirect_uri {
        return bad(
            "invalid_grant",
            "Redirect URI does not match the authorization request",
        );
    }
    match (&grant.code_challenge, field("code_verifier")) {
        (None, None) => {}
        (None, Some(_)) => return bad("invalid_grant", "PKCE code verification failed"),
        (Some(_), None) => return bad("invalid_grant", "PKCE code verification failed"),
        (Some(challenge), Some(verifier)) => {
            let ok = well_formed_verifier(verifier) && {
                let digest =
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
                constant_time_eq(jwt::b64(digest.as_ref()).as_bytes(), challenge.as_bytes())
            };
            if !ok {
                return bad("invalid_grant", "PKCE code verification failed");
            }
        }
    }
    let grant = grant.clone();
    let Some(client) = state.clients.get(&client_id).cloned() else {
        return bad("invalid_client", "Client not found");
    };
    let access_token = random_id(32);
    if let Some(g) = state.codes.get_mut(code) {
        g.access_tokens.push(access_token.clone());
    }
    if state.access_tokens.len() > PRUNE_GRANTS_ABOVE {
        state.access_tokens.retain(|_, g| now <= g.expires_at);
    }
    state.access_tokens.insert(
        access_token.clone(),
        AccessGrant {
            client_id: client_id.clone(),
            sector: client.sector.clone(),
            vector: grant.vector,
            scopes: grant.scopes.clone(),
            claims: grant.claims.clone(),
            expires_at: now + ACCESS_TOKEN_LIFETIME,
            user: grant.user.clone(),
        },
    );

    let sub = grant.user.subject(&client.sector);
    if shared.standalone {
        let session = (client_id.clone(), sub.clone());
        if !state.sessions.contains(&session) {
            cap(&mut state.sessions, MAX_RECORDED_DELIVERIES);
            state.sessions.push(session);
        }
    }
    let faults = state.faults.clone();
    let mut claims = json!({
        "iss": shared.issuer.as_str(),
        "sub": sub,
        "aud": client_id,
        "exp": now + ID_TOKEN_LIFETIME,
        "iat": now,
        "nonce": grant.nonce,
        "vot": grant.vector.credential().as_str(),
        "vtm": shared.trustmark_url(),
        "sid": grant.sid,
        "auth_time": grant.auth_time,
        "at_hash": at_hash(&access_token),
    });
    for fault in &faults.id_token {
        apply_claims_fault(&mut claims, *fault, now);
    }
    let key = if faults.unknown_kid {
        state.keys.unpublished.clone()
    } else {
        state.keys.id_key(client.id_token_alg).clone()
    };
    drop(state);
    let header = json!({ "alg": jwt::alg_name(key.alg), "kid": key.kid });
    let mut id_token = key.sign(&header, &claims);
    if faults.id_token.contains(&IdTokenFault::InvalidAlgHeader) {
        id_token = jwt::replace_header(&id_token, &json!({ "alg": "HS256", "kid": key.kid }));
    }
    if faults.id_token.contains(&IdTokenFault::InvalidSignature) {
        id_token = jwt::garble_signature(&id_token);
    }
    if let Some(crafted) = &faults.id_token_override {
        id_token.clone_from(crafted);
    }

    let mut body = Map::new();
    if !faults
        .token_response
        .contains(&TokenResponseFault::MissingAccessToken)
    {
        body.insert("access_token".into(), Value::String(access_token));
    }
    let token_type = if faults
        .token_response
        .contains(&TokenResponseFault::TokenTypeNotBearer)
    {
        "mac"
    } else {
        "Bearer"
    };
    body.insert("token_type".into(), Value::String(token_type.into()));
    body.insert("expires_in".into(), Value::from(ACCESS_TOKEN_LIFETIME));
    if faults
        .token_response
        .contains(&TokenResponseFault::ErrorMemberWithTokens)
    {
        body.insert("error".into(), Value::String("invalid_grant".into()));
    }
    let duplicate = faults
        .token_response
        .contains(&TokenResponseFault::DuplicateIdToken);
    if !faults
        .token_response
        .contains(&TokenResponseFault::MissingIdToken)
        && !duplicate
    {
        body.insert("id_token".into(), Value::String(id_token.clone()));
    }
    let reply = if duplicate {
        // serde_json maps cannot hold a member twice: write the text by hand.
        let mut text = Value::Object(body).to_string();
        text.pop();
        let forged = Value::String("forged.forged.forged".into());
        let text = format!(
            "{text},\"id_token\":{forged},\"id_token\":{}}}",
            Value::String(id_token)
        );
        Reply::new(200, Body::Raw(text.into_bytes(), "application/json"))
    } else {
        Reply::json(200, Value::Object(body))
    };
    reply
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
}

/// The simulator's ID-token claim faults.
fn apply_claims_fault(claims: &mut Value, fault: IdTokenFault, now: i64) {
    const DAY: i64 = 86_400;
    match fault {
        IdTokenFault::InvalidIss => claims["iss"] = json!("https://example.com/identity-provider"),
        IdTokenFault::InvalidAud => claims["aud"] = json!(random_id(16)),
        IdTokenFault::TokenExpired => claims["exp"] = json!(now - DAY),
        IdTokenFault::TokenNotValidYet => {
            claims["iat"] = json!(now + DAY);
            claims["exp"] = json!(now + DAY + ID_TOKEN_LIFETIME);
        }
        IdTokenFault::NonceNotMatching => claims["nonce"] = json!(random_id(32)),
        IdTokenFault::IncorrectVot => {
            let other = match claims["vot"].as_str().and_then(CredentialLevel::from_wire) {
                Some(CredentialLevel::Cl) => CredentialLevel::ClCm,
                _ => CredentialLevel::Cl,
            };
            claims["vot"] = json!(other.as_str());
        }
        // Applied to the signed token afterwards.
        IdTokenFault::InvalidAlgHeader | IdTokenFault::InvalidSignature => {}
    }
}

/// Whether `secret` matches an Argon2 hash in PHC form (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
fn argon2_matches(hash: &str, secret: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok()
    })
}

/// RFC 7636 §4.1: 43–128 characters from the unreserved set.
fn well_formed_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Authenticates the client as One Login does; returns its id.
fn authenticate(shared: &Shared, state: &mut State, req: &Incoming) -> Result<String, Reply> {
    let field = |name: &str| single(&req.form, name).ok().flatten();
    if let Some(assertion) = field("client_assertion") {
        if field("client_assertion_type") != Some(JWT_BEARER) {
            return Err(bad("invalid_request", "Invalid private_key_jwt"));
        }
        return check_assertion(shared, state, assertion, field("client_id"));
    }
    if let Some(secret) = field("client_secret") {
        let Some(client_id) = field("client_id") else {
            return Err(bad(
                "invalid_request",
                "Invalid token authentication method used",
            ));
        };
        let Some(client) = state.clients.get(client_id) else {
            return Err(bad("invalid_client", "Client authentication failed"));
        };
        let matches = match &client.auth {
            RegisteredAuth::ClientSecretPost(expected) => {
                constant_time_eq(expected.expose_secret().as_bytes(), secret.as_bytes())
            }
            RegisteredAuth::ClientSecretHash(hash) => argon2_matches(hash, secret),
            RegisteredAuth::PrivateKeyJwt(_) | RegisteredAuth::Jwks(_) => {
                return Err(bad(
                    "invalid_client",
                    "Client is not registered to use client_secret_post",
                ));
            }
        };
        if !matches {
            return Err(bad("invalid_client", "Client authentication failed"));
        }
        return Ok(client_id.to_owned());
    }
    Err(bad(
        "invalid_request",
        "Invalid token authentication method used",
    ))
}

fn check_assertion(
    shared: &Shared,
    state: &mut State,
    assertion: &str,
    form_client_id: Option<&str>,
) -> Result<String, Reply> {
    let invalid_signature = || bad("invalid_client", "Invalid signature in private_key_jwt");
    let Some(parsed) = jwt::parse(assertion) else {
        return Err(bad("invalid_request", "Invalid private_key_jwt"));
    };
    if parsed.signature.is_empty() {
        return Err(bad("invalid_request", "Invalid private_key_jwt"));
    }
    let claims = &parsed.claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let (Some(iss), Some(sub)) = (text("iss"), text("sub")) else {
        return Err(bad("invalid_request", "Invalid private_key_jwt"));
    };
    if iss != sub {
        return Err(bad(
            "invalid_client",
            "private_key_jwt iss and sub must both be the client id",
        ));
    }
    if form_client_id.is_some_and(|id| id != sub) {
        return Err(bad(
            "invalid_client",
            "client_id does not match the private_key_jwt sub",
        ));
    }
    let Some(client) = state.clients.get(sub) else {
        return Err(bad("invalid_client", "Client not found"));
    };
    let kid = parsed.header.get("kid").and_then(Value::as_str);
    let keys = match state.verification_keys(client, kid) {
        Ok(keys) => keys,
        Err(NoKeys::SecretClient) => {
            return Err(bad(
                "invalid_client",
                "Client is not registered to use private_key_jwt",
            ));
        }
        Err(NoKeys::NoKid) => {
            return Err(bad(
                "invalid_client",
                "private_key_jwt has no kid, and the client's keys come from its JWKS",
            ));
        }
        Err(NoKeys::UnknownKid) => {
            return Err(bad(
                "invalid_client",
                "No key with the private_key_jwt's kid in the client's JWKS",
            ));
        }
    };
    // One Login verifies with an RSA verifier: only RS* and PS* can ever pass.
    let alg = parsed
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(alg) = jwt::rsa_client_alg(alg) else {
        return Err(invalid_signature());
    };
    if !keys.iter().any(|k| k.verifies(&parsed, alg)) {
        return Err(invalid_signature());
    }
    let token_url = shared.token_url();
    let issuer = shared.issuer.as_str();
    let aud_ok = |a: &str| a == token_url || a == issuer;
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => aud_ok(a),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(aud_ok),
        _ => false,
    };
    if !aud {
        return Err(invalid_signature());
    }
    let now = shared.now();
    // Any JSON number (a float `exp` too), as the simulator takes it.
    #[allow(clippy::cast_possible_truncation)] // Seconds since 1970 fit an i64.
    let Some(exp) = claims
        .get("exp")
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f.floor() as i64)))
    else {
        return Err(bad(
            "invalid_request",
            "Invalid private_key_jwt: exp is missing or not a number",
        ));
    };
    if exp < now - ASSERTION_SKEW {
        return Err(bad("invalid_grant", "private_key_jwt has expired"));
    }
    if claims
        .get("nbf")
        .and_then(Value::as_i64)
        .is_some_and(|nbf| nbf > now + ASSERTION_SKEW)
    {
        return Err(bad("invalid_grant", "private_key_jwt is not valid yet"));
    }
    let Some(jti) = text("jti").filter(|j| !j.is_empty()) else {
        return Err(bad(
            "invalid_request",
            "Invalid private_key_jwt: jti is missing",
        ));
    };
    let client_id = sub.to_owned();
    if !state.used_jtis.insert(format!("{client_id}\u{0}{jti}")) {
        return Err(bad(
            "invalid_client",
            "private_key_jwt has already been used",
        ));
    }
    Ok(client_id)
}
