//! The router's handlers. Every protocol decision is the facade's; these only carry values
//! between HTTP, cookies and the session store.

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use govuk_one_login::core::internal::record;
use govuk_one_login::protocol::ReturnTo;
use govuk_one_login::{
    BackChannelResponse, OneLogin, PendingSignIn, PendingSignOut, RelyingParty, SessionId,
    SignInOptions, StoredSession, StoredSignIn, SubjectKey,
};

use crate::auth::Auth;
use crate::cookies::{self, MAX_PENDING_SIGN_INS, SESSION_COOKIE, SIGN_OUT_COOKIE};

/// The longest `return_to` the router keeps (bytes): it rides in a cookie on every request.
pub(crate) const MAX_RETURN_TO_IN_COOKIE: usize = 256;
use crate::error::RouteError;
use crate::page;

/// The browser's session as the request found it.
pub(crate) struct Browser {
    pub(crate) id: Option<SessionId>,
    pub(crate) session: StoredSession,
}

/// Loads the browser's session from its cookie (none, unknown or expired: an empty session).
pub(crate) async fn load(auth: &Auth, headers: &HeaderMap) -> Result<Browser, RouteError> {
    let Some(id) = cookies::get(headers, SESSION_COOKIE).and_then(SessionId::from_cookie) else {
        return Ok(Browser {
            id: None,
            session: StoredSession::default(),
        });
    };
    let session = auth.inner.store.load(&id.key(), auth.now()).await?;
    Ok(match session {
        Some(session) => Browser {
            id: Some(id),
            session,
        },
        None => Browser {
            id: None,
            session: StoredSession::default(),
        },
    })
}

/// Moves `session` to a new id (the old one ends), or ends it when it is empty; adds the session
/// cookie (or its deletion) to `headers`. `false` when the old session was no longer live (a
/// concurrent sign-out or logout ended it): nothing was written then.
async fn rotate(
    auth: &Auth,
    old: Option<&SessionId>,
    session: StoredSession,
    headers: &mut HeaderMap,
) -> Result<bool, RouteError> {
    let empty = session.is_empty();
    let new = SessionId::generate()?;
    let old_key = old.map(SessionId::key);
    let replaced = auth
        .inner
        .store
        .replace(old_key.as_ref(), &new.key(), session, auth.now())
        .await?;
    if empty || !replaced {
        cookies::clear(headers, SESSION_COOKIE);
    } else {
        cookies::set(
            headers,
            SESSION_COOKIE,
            new.cookie_value(),
            auth.inner.limits.absolute_secs(),
        );
    }
    Ok(replaced)
}

fn query_param(query: Option<&str>, name: &'static str) -> Result<Option<String>, RouteError> {
    let mut found = None;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if k == name {
            if found.is_some() {
                return Err(RouteError::bad_query(name));
            }
            found = Some(v.into_owned());
        }
    }
    Ok(found)
}

fn relying_party<'a>(auth: &'a Auth, service: &str) -> Result<&'a RelyingParty, RouteError> {
    auth.inner
        .one_login
        .relying_party(service)
        .ok_or_else(RouteError::unknown_service)
}

// ------------------------------------------------------------------------------------------------
// Sign-in
// ------------------------------------------------------------------------------------------------

/// `GET /sign-in/{service}`.
pub(crate) async fn sign_in(
    Extension(auth): Extension<Auth>,
    Path(service): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match start_sign_in(&auth, &service, query.as_deref(), &headers).await {
        Ok(r) => r,
        Err(e) => auth.error(&e, HeaderMap::new()),
    }
}

async fn start_sign_in(
    auth: &Auth,
    service: &str,
    query: Option<&str>,
    request: &HeaderMap,
) -> Result<Response, RouteError> {
    let rp = relying_party(auth, service)?;
    let identity = match query_param(query, "identity")?.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(RouteError::bad_query("identity")),
    };
    let return_to = match query_param(query, "return_to")? {
        None => None,
        Some(r) if r.len() <= MAX_RETURN_TO_IN_COOKIE => {
            Some(ReturnTo::parse(&r).map_err(|_| RouteError::bad_query("return_to"))?)
        }
        Some(_) => return Err(RouteError::bad_query("return_to")),
    };
    let start = rp
        .start_sign_in(SignInOptions {
            identity,
            return_to,
            ..SignInOptions::default()
        })
        .await?;
    let value = cookies::sealed_value(&auth.inner.sealer.seal(&start.pending)?)
        .ok_or_else(|| RouteError::bad_query("return_to"))?;
    let mut headers = HeaderMap::new();
    // At most a few sign-ins in flight per browser, and a few kilobytes of them: past that, the
    // oldest go, and so does any cookie that no longer opens.
    let mut held: Vec<(String, i64, usize)> = Vec::new();
    for (name, bytes) in cookies::pending(request) {
        match bytes.map(|b| (auth.inner.sealer.open::<PendingSignIn>(&b), b.len())) {
            Some((Ok(p), len)) => {
                let size = len * 4 / 3 + name.len();
                held.push((name, p.created_at(), size));
            }
            _ => cookies::clear(&mut headers, &name),
        }
    }
    held.sort_by_key(|(_, created, _)| std::cmp::Reverse(*created));
    let name = cookies::pending_name(start.pending.state().secret());
    let mut total = value.len() + name.len();
    let mut kept = 1;
    for (held_name, _, len) in held {
        if kept < MAX_PENDING_SIGN_INS && total + len <= cookies::MAX_PENDING_BYTES {
            kept += 1;
            total += len;
        } else {
            cookies::clear(&mut headers, &held_name);
        }
    }
    cookies::set(&mut headers, &name, &value, rp.pending_ttl_secs());
    Ok(page::redirect(start.url.as_str(), headers))
}

/// `GET` on a redirect URI's path.
pub(crate) async fn callback(
    Extension(auth): Extension<Auth>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut out = HeaderMap::new();
    match finish_sign_in(&auth, &uri, &headers, &mut out).await {
        Ok(r) => r,
        Err(e) => auth.error(&e, out),
    }
}

async fn finish_sign_in(
    auth: &Auth,
    uri: &Uri,
    request: &HeaderMap,
    out: &mut HeaderMap,
) -> Result<Response, RouteError> {
    let services = auth.inner.paths.services_at(uri.path());
    let query = uri.query().unwrap_or_default();
    // The browser's pending sign-ins for this path's services.
    let mut names = Vec::new();
    let mut pendings = Vec::new();
    for (name, bytes) in cookies::pending(request) {
        if let Some(Ok(p)) = bytes.map(|b| auth.inner.sealer.open::<PendingSignIn>(&b))
            && services.iter().any(|s| s == p.service())
        {
            names.push(name);
            pendings.push(p);
        }
    }
    if pendings.is_empty() {
        let error = RouteError::no_pending_sign_in();
        // Counted like the facade's unmatched callbacks: under no service, by its code.
        record::unclaimed_sign_in(error.code());
        return Err(error);
    }
    // The facade picks the one whose state the callback carries; a callback naming none of them
    // changes nothing at all.
    let index = OneLogin::pending_for(query, &pendings).inspect_err(|e| {
        // Counted under no service, as the facade counts the callbacks no service can claim.
        record::unclaimed_sign_in(e.code());
    })?;
    let pending = pendings.swap_remove(index);
    let name = names.swap_remove(index);
    let return_to = pending.return_to().map(|r| r.as_str().to_owned());
    // The state is used now, whatever happens next: its cookie goes.
    cookies::clear(out, &name);
    let signed_in = auth
        .inner
        .one_login
        .finish_sign_in(query, &mut vec![pending])
        .await?;
    let entry = StoredSignIn::seal(&auth.inner.sealer, &signed_in, auth.now())?;
    let browser = load(auth, request).await?;
    let mut session = browser.session;
    session.put(entry.clone());
    // A new session id for the signed-in person (no session fixation). When a concurrent request
    // ended the browser's session meanwhile, the new one holds this sign-in alone.
    if !rotate(auth, browser.id.as_ref(), session, out).await? {
        let alone = StoredSession {
            sign_ins: vec![entry],
        };
        rotate(auth, None, alone, out).await?;
    }
    let to = return_to.unwrap_or_else(|| auth.inner.after_sign_in.clone());
    Ok(page::redirect(&to, std::mem::take(out)))
}

// ------------------------------------------------------------------------------------------------
// Sign-out
// ------------------------------------------------------------------------------------------------

/// Where a request says it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    /// This site's own page, or an address the person typed.
    Same,
    /// Another site.
    Other,
    /// The request says nothing (an old browser, a script).
    Unknown,
}

/// Where the request came from, judged by `Sec-Fetch-Site`, else by `Origin` against the
/// origins of this service's own redirect URIs.
pub(crate) fn site_of(rp: &RelyingParty, headers: &HeaderMap) -> Site {
    if let Some(v) = headers.get("sec-fetch-site") {
        return match v.to_str() {
            Ok("same-origin" | "none") => Site::Same,
            _ => Site::Other,
        };
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ours = rp
            .config()
            .redirect_uris()
            .iter()
            .any(|u| origin.to_str().ok() == Some(u.origin().ascii_serialization().as_str()));
        return if ours { Site::Same } else { Site::Other };
    }
    Site::Unknown
}

/// `GET /sign-out/{service}`: signs out only a request from this site; another site's is refused;
/// one that says nothing gets a page with the sign-out form.
pub(crate) async fn sign_out_get(
    Extension(auth): Extension<Auth>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let rp = relying_party(&auth, &service)?;
        match site_of(rp, &headers) {
            Site::Other => Err(RouteError::cross_site()),
            Site::Same => sign_out(&auth, rp, &headers).await,
            Site::Unknown => {
                let browser = load(&auth, &headers).await?;
                match (&browser.id, browser.session.sign_in(rp.name())) {
                    (Some(id), Some(_)) => Ok(page::html_with_csp(
                        StatusCode::OK,
                        &auth.inner.csp,
                        format!(
                            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign out</title></head><body><h1>Sign out</h1>{}</body></html>",
                            page::sign_out_form(rp.name(), &id.csrf_token())
                        ),
                    )),
                    _ => Ok(page::redirect("/", HeaderMap::new())),
                }
            }
        }
    }
    .await;
    result.unwrap_or_else(|e| auth.error(&e, HeaderMap::new()))
}

/// `POST /sign-out/{service}` with the session's CSRF token.
pub(crate) async fn sign_out_post(
    Extension(auth): Extension<Auth>,
    Path(service): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let rp = relying_party(&auth, &service)?;
        if site_of(rp, &headers) == Site::Other {
            return Err(RouteError::cross_site());
        }
        let token = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let id = cookies::get(&headers, SESSION_COOKIE).and_then(SessionId::from_cookie);
        if !id.is_some_and(|id| id.csrf_matches(&token)) {
            return Err(RouteError::bad_csrf());
        }
        sign_out(&auth, rp, &headers).await
    }
    .await;
    result.unwrap_or_else(|e| auth.error(&e, HeaderMap::new()))
}

/// Ends the service's sign-in in this browser now, then sends the browser to One Login's logout
/// with a sealed pending sign-out to check its return against.
async fn sign_out(
    auth: &Auth,
    rp: &RelyingParty,
    request: &HeaderMap,
) -> Result<Response, RouteError> {
    let browser = load(auth, request).await?;
    let mut session = browser.session;
    let Some(stored) = session.sign_in(rp.name()).cloned() else {
        return Ok(page::redirect("/", HeaderMap::new()));
    };
    session.remove(rp.name());
    let mut out = HeaderMap::new();
    // `false`: a concurrent request ended the session already; the sign-in is ended either way.
    rotate(auth, browser.id.as_ref(), session, &mut out).await?;
    // A sign-in that no longer opens (its key was retired) is ended all the same.
    let Ok(signed_in) = stored.open(&auth.inner.sealer) else {
        return Ok(page::redirect("/", out));
    };
    let start = match rp.start_sign_out(&signed_in, None).await {
        Ok(start) => start,
        // The local sign-in has ended; the page says One Login's could not be.
        Err(e) => return Ok(auth.error(&RouteError::from(e), out)),
    };
    if let Some(pending) = &start.pending
        && let Some(value) = cookies::sealed_value(&auth.inner.sealer.seal(pending)?)
    {
        cookies::set(&mut out, SIGN_OUT_COOKIE, &value, rp.pending_ttl_secs());
    }
    Ok(page::redirect(start.url.as_str(), out))
}

/// `GET` on a post-logout redirect URI's path: "signed out" only when the return carries the
/// state this browser's sign-out sent. It ends nothing either way.
pub(crate) async fn signed_out(
    Extension(auth): Extension<Auth>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let pending = cookies::sealed(&headers, SIGN_OUT_COOKIE)
        .and_then(|b| auth.inner.sealer.open::<PendingSignOut>(&b).ok());
    let had_pending = pending.is_some();
    let outcome = auth
        .inner
        .one_login
        .finish_sign_out(query.as_deref().unwrap_or_default(), pending)
        .await;
    let people = match crate::extract::signed_in(&auth, &headers).await {
        Ok(people) => people,
        Err(e) => return auth.error(&e, HeaderMap::new()),
    };
    let mut response = (auth.inner.signed_out_page)(outcome.as_ref().ok(), &people);
    if outcome.is_ok() && had_pending {
        let mut out = HeaderMap::new();
        cookies::clear(&mut out, SIGN_OUT_COOKIE);
        for (name, value) in &out {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    page::add_security_headers(response.headers_mut());
    response
}

// ------------------------------------------------------------------------------------------------
// Back-channel logout
// ------------------------------------------------------------------------------------------------

/// `POST` on a back-channel logout URI's path.
pub(crate) async fn back_channel(
    Extension(auth): Extension<Auth>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let names: Vec<&str> = auth
        .inner
        .paths
        .services_at(uri.path())
        .iter()
        .map(String::as_str)
        .collect();
    let one_login = &auth.inner.one_login;
    let answer = match one_login.back_channel_logout_among(&names, &body).await {
        Ok(notice) => {
            let ended = auth
                .inner
                .store
                .end_sign_ins(
                    &SubjectKey::of_notice(&notice),
                    notice.ends_sign_ins_made_at_or_before(),
                )
                .await;
            match ended {
                Ok(ended) => {
                    tracing::info!(service = %notice.service(), ended, "back-channel logout applied");
                    BackChannelResponse::applied()
                }
                Err(e) => {
                    tracing::error!(service = %notice.service(), code = e.code(), "back-channel logout could not end the sessions");
                    one_login.back_channel_failed(&notice).await
                }
            }
        }
        Err(e) => e.response(),
    };
    let mut headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        headers.insert(page::header_name(name), HeaderValue::from_static(value));
    }
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    page::respond(status, headers, Body::from(answer.body().to_owned()))
}

/// `Cache-Control` of a service's JWKS: an hour, so that readers other than One Login see a new
/// key soon; One Login itself may keep a copy for up to 24 hours whatever this says, which the
/// rotation procedure waits out (docs/keys.md).
pub(crate) const JWKS_CACHE_CONTROL: &str = "public, max-age=3600";

/// `GET` a service's JWKS path: the service's public keys (one service per JWKS path: `Auth`
/// refuses two), never a private part.
pub(crate) async fn jwks(Extension(auth): Extension<Auth>, uri: Uri) -> Response {
    // One service per JWKS path (`Paths::add` refuses a second): its keys, or none.
    let jwks = auth
        .inner
        .paths
        .services_at(uri.path())
        .first()
        .and_then(|name| auth.inner.one_login.relying_party(name))
        .map_or_else(|| serde_json::json!({ "keys": [] }), |rp| rp.service_jwks());
    let mut response = Response::new(Body::from(jwks.to_string()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(JWKS_CACHE_CONTROL),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
