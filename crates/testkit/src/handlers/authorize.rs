//! `GET /authorize`: validates like One Login (§3), then redirects with a code or an error.

use govuk_one_login_core::{ClaimName, IdentityLevel, Scope, Url, VectorOfTrust};
use serde_json::Value;

use super::{Incoming, Reply, first, has_duplicates, single};
use crate::jwt::{self, random_id};
use crate::state::{ASSERTION_SKEW, CODE_LIFETIME, Client, CodeGrant, PRUNE_GRANTS_ABOVE, Shared};

type Params = Vec<(String, String)>;
/// An OAuth error (`error`, `error_description`) to redirect with later.
type Deferred = Option<(&'static str, &'static str)>;

/// The WAF's limit on the `/authorize` query string.
const MAX_QUERY: usize = 4096;

/// Where and how errors go back to the relying party once its redirect URI is trusted.
struct Callback {
    redirect_uri: Url,
    fragment: bool,
    state: Option<String>,
}

impl Callback {
    fn send(&self, pairs: &[(&str, &str)]) -> Reply {
        let mut url = self.redirect_uri.clone();
        let mut all: Vec<(&str, &str)> = pairs.to_vec();
        if let Some(s) = &self.state {
            all.push(("state", s));
        }
        if self.fragment {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            ser.extend_pairs(all);
            url.set_fragment(Some(&ser.finish()));
        } else {
            url.query_pairs_mut().extend_pairs(all);
        }
        Reply::redirect(url.as_str())
    }

    fn error(&self, error: &str, description: &str) -> Reply {
        if description.is_empty() {
            self.send(&[("error", error)])
        } else {
            self.send(&[("error", error), ("error_description", description)])
        }
    }
}

pub(super) fn authorize(shared: &Shared, req: &Incoming) -> Reply {
    if req.raw_query_len > MAX_QUERY {
        return Reply::text(403, "The request could not be satisfied");
    }
    let query = &req.query;
    if query.is_empty() {
        return Reply::text(400, "Request is missing parameters");
    }
    let Ok(Some(client_id)) = single(query, "client_id") else {
        return Reply::text(400, "Request is missing parameters");
    };
    let Some(client) = shared.lock().clients.get(client_id).cloned() else {
        return Reply::text(400, "Invalid request");
    };

    // The parameters: from a signed request object, or from the query.
    let (params, deferred, from_jar) = match first(query, "request") {
        Some(object) => match request_object(shared, &client, object, query) {
            Ok((params, deferred)) => (params, deferred, true),
            Err(reply) => return reply,
        },
        None => {
            let deferred = has_duplicates(query).then_some((
                "invalid_request",
                "Request includes a parameter more than once",
            ));
            (query.clone(), deferred, false)
        }
    };
    let get = |name: &str| first(&params, name).filter(|v| !v.is_empty());

    // Until the redirect URI is trusted, errors are plain 400s.
    let Some(raw_redirect) = get("redirect_uri") else {
        return Reply::text(400, "Request is missing parameters");
    };
    let Some(redirect_uri) = Url::parse(raw_redirect)
        .ok()
        .filter(|u| client.redirect_uris.contains(u))
    else {
        return Reply::text(400, "Invalid request");
    };
    let fragment = match get("response_mode") {
        None | Some("query") => false,
        Some("fragment") => true,
        Some(_) => return Reply::text(400, "Invalid request"),
    };
    let cb = Callback {
        redirect_uri,
        fragment,
        state: get("state").map(str::to_owned),
    };

    if let Some((error, description)) = deferred {
        return cb.error(error, description);
    }
    if !from_jar && client.jar_required {
        return cb.error(
            "access_denied",
            "JAR required for client but request does not contain Request Object",
        );
    }
    if get("request_uri").is_some() {
        return cb.error(
            "request_uri_not_supported",
            "Request URI parameter not supported",
        );
    }
    match get("response_type") {
        Some("code") => {}
        None => {
            return cb.error(
                "invalid_request",
                "Request is missing response_type parameter",
            );
        }
        Some(_) => return cb.error("unsupported_response_type", "Unsupported response type"),
    }
    if cb.state.is_none() {
        return cb.error("invalid_request", "Request is missing state parameter");
    }
    let Some(nonce) = get("nonce") else {
        return cb.error("invalid_request", "Request is missing nonce parameter");
    };
    let scopes = match check_scopes(&client, get("scope")) {
        Ok(s) => s,
        Err(description) => return cb.error("invalid_scope", description),
    };
    let vector = match check_vtr(&client, get("vtr")) {
        Ok(v) => v,
        Err(description) => return cb.error("invalid_request", description),
    };
    let Ok(claims) = check_claims(&client, get("claims")) else {
        return cb.error("invalid_request", "Request contains invalid claims");
    };
    let code_challenge =
        match check_pkce(&client, get("code_challenge"), get("code_challenge_method")) {
            Ok(c) => c,
            Err(description) => return cb.error("invalid_request", description),
        };
    if let Some(prompt) = get("prompt") {
        let values: Vec<&str> = prompt.split(' ').collect();
        if values.iter().any(|p| {
            !matches!(
                *p,
                "none" | "login" | "consent" | "select_account" | "create"
            )
        }) {
            return cb.error("invalid_request", "Invalid prompt parameter");
        }
        if values.contains(&"select_account") {
            return cb.error(
                "unmet_authentication_requirements",
                "Unmet authentication requirement",
            );
        }
    }
    if get("max_age").is_some_and(|m| m.parse::<i64>().map_or(true, |m| m < 0)) {
        return cb.error("invalid_request", "Max age is negative or not a number");
    }
    if get("channel").is_some_and(|c| !matches!(c, "web" | "generic_app")) {
        return cb.error("invalid_request", "Invalid value for channel parameter.");
    }

    let mut state = shared.lock();
    if let Some(fault) = state.faults.authorize {
        return cb.error(fault.error_code(), fault.description());
    }
    // The person signing in: the one registered for the request's state (taken: each state
    // signs in once), else for its login_hint, else the default.
    let by_state = get("state").and_then(|s| state.users_by_state.remove(s));
    let user = match by_state {
        Some(user) => user,
        None => get("login_hint")
            .filter(|_| from_jar)
            .and_then(|hint| state.users_by_login_hint.get(hint))
            .unwrap_or(&state.user)
            .clone(),
    };
    // A failed identity check: access_denied, unless the service asked for return codes. The
    // standalone server, as the simulator, signs in with whatever identity is configured (its
    // core identity JWT then says the lower level).
    if let Some(level) = vector
        .identity()
        .filter(|l| l.proves_identity() && !shared.standalone)
    {
        let proven = user.identity.as_ref().is_some_and(|i| i.max_level >= level);
        if !proven && !claims.contains(&ClaimName::ReturnCode) {
            return cb.error("access_denied", "Identity check failed");
        }
    }
    let now = shared.now();
    let code = random_id(32);
    let grant = CodeGrant {
        client_id: client.client_id.clone(),
        redirect_uri: raw_redirect.to_owned(),
        nonce: nonce.to_owned(),
        vector,
        scopes,
        claims,
        code_challenge,
        issued_at: now,
        auth_time: now,
        sid: random_id(20),
        user,
        used: false,
        access_tokens: Vec::new(),
    };
    if state.codes.len() > PRUNE_GRANTS_ABOVE {
        state
            .codes
            .retain(|_, g| !g.used && now <= g.issued_at + CODE_LIFETIME);
    }
    state.codes.insert(code.clone(), grant);
    drop(state);
    cb.send(&[("code", &code)])
}

fn check_scopes(client: &Client, scope: Option<&str>) -> Result<Vec<Scope>, &'static str> {
    let Some(scope) = scope else {
        return Err("Request is missing scope parameter");
    };
    let mut scopes = Vec::new();
    for s in scope.split(' ') {
        let parsed: Scope = s.parse().map_err(|()| "Invalid scope")?;
        if !client.scopes.contains(&parsed) {
            return Err("Invalid scope");
        }
        if !scopes.contains(&parsed) {
            scopes.push(parsed);
        }
    }
    if !scopes.contains(&Scope::OpenId) {
        return Err("Invalid scope: openid is required");
    }
    Ok(scopes)
}

fn check_vtr(client: &Client, vtr: Option<&str>) -> Result<VectorOfTrust, &'static str> {
    let vectors = match vtr {
        None => vec![VectorOfTrust::AUTH_MEDIUM],
        Some(v) => VectorOfTrust::parse_vtr_param(v).map_err(|_| "Request vtr not valid")?,
    };
    for v in &vectors {
        if v.requests_identity() && (!client.identity_allowed || client.auth.is_secret()) {
            return Err("Request vtr is not permitted");
        }
        if v.identity()
            .is_some_and(|level| !client.allowed_levels.contains(&level))
        {
            return Err("Request vtr is not permitted");
        }
    }
    // One Login keeps the lowest vector: by level of confidence, then credential level.
    let rank = |v: &VectorOfTrust| {
        let p = match v.identity() {
            None => 0,
            Some(IdentityLevel::P0) => 1,
            Some(IdentityLevel::P1) => 2,
            Some(IdentityLevel::P2) => 3,
            Some(IdentityLevel::P3) => 4,
        };
        (p, v.credential())
    };
    vectors
        .into_iter()
        .min_by_key(rank)
        .ok_or("Request vtr not valid")
}

fn check_claims(client: &Client, claims: Option<&str>) -> Result<Vec<ClaimName>, ()> {
    let Some(claims) = claims else {
        return Ok(Vec::new());
    };
    let value: Value = serde_json::from_str(claims).map_err(|_| ())?;
    let object = value.as_object().ok_or(())?;
    let mut out = Vec::new();
    if let Some(userinfo) = object.get("userinfo") {
        for name in userinfo.as_object().ok_or(())?.keys() {
            let claim = ClaimName::ALL
                .into_iter()
                .find(|c| c.uri() == name)
                .ok_or(())?;
            if !client.claims.contains(&claim) {
                return Err(());
            }
            out.push(claim);
        }
    }
    Ok(out)
}

fn check_pkce(
    client: &Client,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>, &'static str> {
    match (challenge, method) {
        (None, _) if client.pkce_enforced => {
            Err("Request is missing code_challenge parameter, but PKCE is enforced.")
        }
        (None, _) => Ok(None),
        (Some(c), _) if c.trim().is_empty() => Err("Invalid value for code_challenge parameter."),
        (Some(_), None) => Err(
            "Request is missing code_challenge_method parameter. code_challenge_method is required when code_challenge is present.",
        ),
        (Some(c), Some("S256")) => Ok(Some(c.to_owned())),
        (Some(_), Some(_)) => Err("Invalid value for code_challenge_method parameter."),
    }
}

/// Verifies a request object (§3.5) and returns its parameters, plus an error to redirect with
/// once the redirect URI in it is known to be registered.
fn request_object(
    shared: &Shared,
    client: &Client,
    object: &str,
    query: &Params,
) -> Result<(Params, Deferred), Reply> {
    let Some(parsed) = jwt::parse(object) else {
        return Err(Reply::text(400, "Invalid request"));
    };
    let alg = parsed
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or("none");
    let Some(alg) = jwt::rsa_client_alg(alg) else {
        // Unsigned (alg none) objects are refused outright; any other non-RSA alg cannot verify.
        return Err(if alg == "none" {
            Reply::text(400, "Invalid request")
        } else {
            Reply::text(400, "Validation failed")
        });
    };
    let kid = parsed.header.get("kid").and_then(Value::as_str);
    let Ok(keys) = shared.lock().verification_keys(client, kid) else {
        return Err(Reply::text(400, "Validation failed"));
    };
    if !keys.iter().any(|k| k.verifies(&parsed, alg)) {
        return Err(Reply::text(400, "Validation failed"));
    }
    let claims = parsed.claims.as_object().cloned().unwrap_or_default();
    let now = shared.now();
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    if number("exp").is_some_and(|exp| exp < now - ASSERTION_SKEW) {
        return Err(Reply::text(400, "Request expired"));
    }
    if number("nbf").is_some_and(|nbf| nbf > now + ASSERTION_SKEW) {
        return Err(Reply::text(400, "Invalid request"));
    }
    // Every member as a parameter string: strings as they are, anything else as JSON.
    let params: Params = claims
        .iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), s)
        })
        .collect();
    let str_claim = |name: &str| claims.get(name).and_then(Value::as_str);
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => *a == shared.authorize_url(),
        Some(Value::Array(a)) => a
            .iter()
            .any(|x| x.as_str() == Some(shared.authorize_url().as_str())),
        _ => false,
    };
    let deferred = if claims.contains_key("request") || claims.contains_key("request_uri") {
        Some((
            "invalid_request",
            "Request object must not contain request or request_uri",
        ))
    } else if str_claim("client_id") != Some(client.client_id.as_str()) {
        Some((
            "unauthorized_client",
            "Request object client_id does not match the client",
        ))
    } else if str_claim("iss") != Some(client.client_id.as_str()) {
        Some((
            "unauthorized_client",
            "Request object iss does not match the client",
        ))
    } else if !aud_ok {
        Some((
            "access_denied",
            "Request object aud is not the authorization endpoint",
        ))
    } else if str_claim("sub") == Some(client.client_id.as_str()) {
        Some((
            "invalid_request",
            "Request object sub must not be the client id",
        ))
    } else if first(query, "response_type") != str_claim("response_type")
        || first(query, "scope") != str_claim("scope")
    {
        Some((
            "invalid_request",
            "Query parameters do not match the request object",
        ))
    } else {
        None
    };
    Ok((params, deferred))
}
