//! `GET /logout`: RP-initiated logout as One Login does it (§8.1).

use govuk_one_login_core::Url;
use serde_json::Value;

use super::{Incoming, Reply, first};
use serde_json::json;

use crate::faults::LogoutTokenFault;
use crate::jwt::{self, random_id};
use crate::provider::BACKCHANNEL_EVENT;
use crate::state::{Delivery, LOGOUT_TOKEN_LIFETIME, Shared};

/// The WAF's limit on the `/logout` query string.
const MAX_QUERY: usize = 2048;

fn error_page(shared: &Shared, error: &str, description: &str) -> Reply {
    let Ok(mut url) = Url::parse(&shared.url("logout-error")) else {
        return Reply::text(400, format!("{error}: {description}"));
    };
    url.query_pairs_mut()
        .append_pair("error", error)
        .append_pair("error_description", description);
    Reply::redirect(url.as_str())
}

pub(super) fn logout(shared: &Shared, req: &Incoming) -> Reply {
    if req.raw_query_len > MAX_QUERY {
        return Reply::text(403, "The request could not be satisfied");
    }
    let signed_out = shared.url("signed-out");
    let Some(hint) = first(&req.query, "id_token_hint").filter(|h| !h.is_empty()) else {
        return Reply::redirect(&signed_out);
    };
    let Some(parsed) = jwt::parse(hint) else {
        return error_page(
            shared,
            "invalid_request",
            "unable to validate id_token_hint",
        );
    };
    // The signature only: an expired ID token is a fine hint.
    let verified = {
        let state = shared.lock();
        state.keys.jwks.iter().any(|k| k.verifies(hint))
    };
    if !verified {
        return error_page(
            shared,
            "invalid_request",
            "unable to validate id_token_hint",
        );
    }
    let aud = match parsed.claims.get("aud") {
        Some(Value::String(a)) => Some(a.clone()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let Some(aud) = aud else {
        return error_page(shared, "invalid_request", "invalid id_token_hint");
    };
    let Some(client) = shared.lock().clients.get(&aud).cloned() else {
        return error_page(shared, "unauthorized_client", "client not found");
    };
    let sub = parsed.claims.get("sub").and_then(Value::as_str);
    let Some(raw) = first(&req.query, "post_logout_redirect_uri") else {
        signed_out_everywhere(shared, &client.client_id, sub);
        return Reply::redirect(&signed_out);
    };
    let Some(mut target) = Url::parse(raw)
        .ok()
        .filter(|u| client.post_logout_redirect_uris.contains(u))
    else {
        return error_page(
            shared,
            "invalid_request",
            "client registry does not contain post_logout_redirect_uri",
        );
    };
    if let Some(state) = first(&req.query, "state") {
        target.query_pairs_mut().append_pair("state", state);
    }
    signed_out_everywhere(shared, &client.client_id, sub);
    Reply::redirect(target.as_str())
}

/// The person signed out of One Login: the standalone server tells every client they signed in
/// to (the one signing out and the others with the same `sub`), each with a back-channel URI,
/// as One Login does. The in-process mock leaves deliveries to the test.
fn signed_out_everywhere(shared: &Shared, client_id: &str, sub: Option<&str>) {
    let Some(sub) = sub.filter(|_| shared.standalone) else {
        return;
    };
    let mut state = shared.lock();
    let mut targets: Vec<String> = state
        .sessions
        .iter()
        .filter(|(_, s)| s == sub)
        .map(|(c, _)| c.clone())
        .collect();
    if !targets.iter().any(|c| c == client_id) {
        targets.push(client_id.to_owned());
    }
    state.sessions.retain(|(_, s)| s != sub);
    let fault = state.faults.logout_token;
    let urls: Vec<(String, Url)> = targets
        .into_iter()
        .filter_map(|c| {
            let url = state.clients.get(&c)?.back_channel_logout_uri.clone()?;
            Some((c, url))
        })
        .collect();
    drop(state);
    for (client, url) in urls {
        let token = mint_logout_token(shared, &client, sub, fault);
        shared.lock().outbox.push(Delivery {
            url,
            client_id: client,
            sub: sub.to_owned(),
            token,
        });
    }
}

/// A back-channel logout token for `sub` at `client_id`, as One Login mints them, or with `fault`.
pub(crate) fn mint_logout_token(
    shared: &Shared,
    client_id: &str,
    sub: &str,
    fault: Option<LogoutTokenFault>,
) -> String {
    let now = shared.now();
    let keys = shared.lock().keys.clone();
    let mut claims = json!({
        "iss": shared.issuer.as_str(),
        "aud": client_id,
        "sub": sub,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_LIFETIME,
        "jti": random_id(16),
        "events": { BACKCHANNEL_EVENT: {} }
    });
    let mut key = keys.id_es256.clone();
    let mut typ = "logout+jwt";
    match fault {
        None | Some(LogoutTokenFault::InvalidAlgHeader | LogoutTokenFault::InvalidSignature) => {}
        Some(LogoutTokenFault::InvalidIss) => {
            claims["iss"] = json!("https://example.com/identity-provider")
        }
        Some(LogoutTokenFault::InvalidAud) => claims["aud"] = json!(format!("not-{client_id}")),
        Some(LogoutTokenFault::UnknownKid) => key.clone_from(&keys.unpublished),
        Some(LogoutTokenFault::Expired) => {
            claims["iat"] = json!(now - 86_400 - LOGOUT_TOKEN_LIFETIME);
            claims["exp"] = json!(now - 86_400);
        }
        Some(LogoutTokenFault::IssuedInFuture) => {
            claims["iat"] = json!(now + 86_400);
            claims["exp"] = json!(now + 86_400 + LOGOUT_TOKEN_LIFETIME);
        }
        Some(LogoutTokenFault::MissingSub) => remove(&mut claims, "sub"),
        Some(LogoutTokenFault::MissingJti) => remove(&mut claims, "jti"),
        Some(LogoutTokenFault::MissingEvents) => remove(&mut claims, "events"),
        Some(LogoutTokenFault::WrongEvent) => {
            claims["events"] = json!({ "http://schemas.openid.net/event/other": {} });
        }
        Some(LogoutTokenFault::NonEmptyEvent) => {
            claims["events"] = json!({ BACKCHANNEL_EVENT: { "reason": "testkit" } });
        }
        Some(LogoutTokenFault::WithNonce) => claims["nonce"] = json!(random_id(16)),
        Some(LogoutTokenFault::WrongTyp) => typ = "JWT",
    }
    let header = json!({ "alg": "ES256", "typ": typ, "kid": key.kid });
    let token = key.sign(&header, &claims);
    match fault {
        Some(LogoutTokenFault::InvalidAlgHeader) => jwt::replace_header(
            &token,
            &json!({ "alg": "HS256", "typ": typ, "kid": key.kid }),
        ),
        Some(LogoutTokenFault::InvalidSignature) => jwt::garble_signature(&token),
        _ => token,
    }
}

fn remove(claims: &mut Value, name: &str) {
    if let Value::Object(map) = claims {
        map.remove(name);
    }
}
