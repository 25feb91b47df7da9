//! `GET /logout`: RP-initiated logout as One Login does it (§8.1).

use govuk_one_login_core::Url;
use serde_json::Value;

use super::{Incoming, Reply, first};
use crate::jwt;
use crate::state::Shared;

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
    let Some(raw) = first(&req.query, "post_logout_redirect_uri") else {
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
    Reply::redirect(target.as_str())
}
