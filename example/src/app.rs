//! The web app: its routes, and serving them.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{self, HeaderName};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use govuk_one_login::{
    BackChannelResponse, OneLogin, PendingSignIn, RelyingParty, SharedClock, SignInOptions,
    SignedIn, SystemClock,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::error::{ExampleError, PageError};
use crate::html;
use crate::session::{SESSION_COOKIE, Session, SessionStore};

/// What a service uses a path for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Callback,
    BackChannel,
    SignedOut,
}

impl Purpose {
    fn describe(self) -> &'static str {
        match self {
            Self::Callback => "redirect URI",
            Self::BackChannel => "back-channel logout URI",
            Self::SignedOut => "post-logout redirect URI",
        }
    }
}

/// The paths the services' URIs give the app, each with its purpose and services.
#[derive(Debug, Default)]
struct Paths {
    by_path: HashMap<String, (Purpose, Vec<String>)>,
}

impl Paths {
    fn of(one_login: &OneLogin) -> Result<Self, ExampleError> {
        let mut paths = Self::default();
        for rp in one_login.iter() {
            let svc = rp.config();
            let name = svc.name().as_str();
            let mut uses: Vec<(Purpose, &str)> = Vec::new();
            uses.extend(
                svc.redirect_uris()
                    .iter()
                    .map(|u| (Purpose::Callback, u.path())),
            );
            uses.extend(
                svc.post_logout_redirect_uris()
                    .iter()
                    .map(|u| (Purpose::SignedOut, u.path())),
            );
            uses.extend(
                svc.back_channel_logout_uri()
                    .map(|u| (Purpose::BackChannel, u.path())),
            );
            for (purpose, path) in uses {
                paths.add(name, purpose, path)?;
            }
        }
        Ok(paths)
    }

    fn add(&mut self, service: &str, purpose: Purpose, path: &str) -> Result<(), ExampleError> {
        let conflict = |other: String| ExampleError::PathConflict {
            service: service.to_owned(),
            path: path.to_owned(),
            purpose: purpose.describe(),
            other,
        };
        if path == "/" || path == "/me" {
            return Err(conflict("is one of the app's own pages".into()));
        }
        if path.starts_with("/sign-in/") || path.starts_with("/sign-out/") {
            return Err(conflict(
                "is under /sign-in/ or /sign-out/, the app's own pages".into(),
            ));
        }
        let entry = self
            .by_path
            .entry(path.to_owned())
            .or_insert_with(|| (purpose, Vec::new()));
        if entry.0 != purpose {
            let others = entry.1.join("`, `");
            return Err(conflict(format!(
                "service `{others}` uses as its {}",
                entry.0.describe()
            )));
        }
        if !entry.1.iter().any(|s| s == service) {
            entry.1.push(service.to_owned());
        }
        Ok(())
    }

    fn get(&self, path: &str) -> Option<(Purpose, &[String])> {
        self.by_path.get(path).map(|(p, s)| (*p, s.as_slice()))
    }
}

struct Inner {
    one_login: OneLogin,
    sessions: SessionStore,
    paths: Paths,
}

/// The example relying party: every service of a [`OneLogin`], with server-side sessions. Cheap
/// to clone; build the axum router with [`App::router`] or serve it with [`serve`].
///
/// Routes: `GET /`, `GET /sign-in/{service}` (`?identity=true`), `GET /me`,
/// `GET /sign-out/{service}`, and the paths of each service's redirect URIs (callback),
/// post-logout redirect URIs (a signed-out page) and back-channel logout URI (`POST`).
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("one_login", &self.inner.one_login)
            .field("sessions", &self.inner.sessions)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app serving every service of `one_login`, with sessions on the system clock.
    ///
    /// # Errors
    /// [`ExampleError::PathConflict`] when a service's redirect, post-logout or back-channel URI
    /// uses one of the app's own paths (`/`, `/me`, `/sign-in/…`, `/sign-out/…`) or a path another
    /// URI uses for a different purpose.
    pub fn new(one_login: OneLogin) -> Result<Self, ExampleError> {
        Self::with_clock(one_login, Arc::new(SystemClock))
    }

    /// [`App::new`], with sessions expiring by `clock`.
    ///
    /// # Errors
    /// As [`App::new`].
    pub fn with_clock(one_login: OneLogin, clock: SharedClock) -> Result<Self, ExampleError> {
        let paths = Paths::of(&one_login)?;
        Ok(Self {
            inner: Arc::new(Inner {
                one_login,
                sessions: SessionStore::new(clock),
                paths,
            }),
        })
    }

    /// The relying parties.
    pub fn one_login(&self) -> &OneLogin {
        &self.inner.one_login
    }

    /// The sessions.
    pub fn sessions(&self) -> &SessionStore {
        &self.inner.sessions
    }

    /// The axum router of the app.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(home))
            .route("/me", get(me))
            .route("/sign-in/{service}", get(sign_in))
            .route("/sign-out/{service}", get(sign_out))
            .fallback(service_paths)
            .with_state(self.clone())
    }
}

/// Serves `app` on `listener` until the process is stopped.
///
/// # Errors
/// [`ExampleError::Serve`] when the server fails.
pub async fn serve(listener: TcpListener, app: App) -> Result<(), ExampleError> {
    serve_until(listener, app, std::future::pending()).await
}

/// Serves `app` on `listener` until `shutdown` completes (e.g. `tokio::signal::ctrl_c`), then
/// finishes the requests in flight.
///
/// # Errors
/// [`ExampleError::Serve`] when the server fails.
pub async fn serve_until(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ExampleError> {
    // The provider's documents, fetched before the first visitor and kept fresh ahead of expiry.
    let report = app.one_login().warm_up().await;
    if !report.is_ready() {
        tracing::warn!(
            "One Login's documents could not be fetched at start-up; sign-ins will retry"
        );
    }
    let refresher = tokio::spawn(app.one_login().clone().keep_fresh());
    let served = axum::serve(listener, app.router())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| ExampleError::Serve(e.to_string()));
    refresher.abort();
    served
}

// ------------------------------------------------------------------------------------------------
// Responses
// ------------------------------------------------------------------------------------------------

fn respond(status: u16, headers: Vec<(HeaderName, String)>, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.append(name, v);
        }
    }
    // No page of this app should be cached, framed, sniffed or leak its URL (a callback URL holds
    // the authorization code) in a Referer.
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

fn html_page(status: u16, extra: Vec<(HeaderName, String)>, body: String) -> Response {
    let mut headers = vec![
        (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'"
                .to_owned(),
        ),
    ];
    headers.extend(extra);
    respond(status, headers, body)
}

fn redirect(to: &str, extra: Vec<(HeaderName, String)>) -> Response {
    let mut headers = vec![(header::LOCATION, to.to_owned())];
    headers.extend(extra);
    respond(303, headers, Body::empty())
}

fn error_page(e: &PageError, extra: Vec<(HeaderName, String)>) -> Response {
    tracing::warn!(code = e.code(), status = e.status(), "request failed");
    html_page(e.status(), extra, html::error(&e.to_string(), e.code()))
}

fn set_cookie(value: &str, secure: bool) -> (HeaderName, String) {
    let secure = if secure { "; Secure" } else { "" };
    (
        header::SET_COOKIE,
        format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"),
    )
}

fn clear_cookie(secure: bool) -> (HeaderName, String) {
    let secure = if secure { "; Secure" } else { "" };
    (
        header::SET_COOKIE,
        format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
    )
}

/// The session cookie's value, if the browser sent one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// Whether cookies for this service must be `Secure`: its callback is on https, or a TLS proxy
/// in front of the app says the request came over https.
fn secure_for(rp: Option<&RelyingParty>, headers: &HeaderMap) -> bool {
    let proxied = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    proxied || rp.is_some_and(|rp| rp.config().default_redirect_uri().scheme() == "https")
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

// ------------------------------------------------------------------------------------------------
// Handlers
// ------------------------------------------------------------------------------------------------

fn home_page(app: &App, person: Option<&SignedIn>, notice: Option<&str>) -> Response {
    let issuer = app
        .one_login()
        .iter()
        .next()
        .map(|rp| rp.environment().issuer().to_string())
        .unwrap_or_default();
    html_page(
        200,
        Vec::new(),
        html::home(app.one_login().iter(), person, notice, &issuer),
    )
}

async fn home(State(app): State<App>, headers: HeaderMap) -> Response {
    let person = app.sessions().person(session_cookie(&headers).as_deref());
    home_page(&app, person.as_ref(), None)
}

/// The signed-in person as JSON: no ID token, no raw claims.
fn person_json(p: &SignedIn) -> Value {
    let identity = p.identity().map(|_| {
        let names: Vec<Value> = p
            .names()
            .iter()
            .map(|n| {
                json!({
                    "given_names": n.given_names(),
                    "family_names": n.family_names(),
                    "valid_from": n.valid_from,
                    "valid_until": n.valid_until,
                })
            })
            .collect();
        let birth_dates: Vec<&str> = p.birth_dates().iter().map(|d| d.value.as_str()).collect();
        json!({ "names": names, "birth_dates": birth_dates })
    });
    json!({
        "service": p.service().as_str(),
        "sub": p.sub(),
        "email": p.email(),
        "email_verified": p.email_verified(),
        "phone_number": p.phone_number(),
        "phone_number_verified": p.phone_number_verified(),
        "vot": p.vot().as_str(),
        "identity": identity,
    })
}

async fn me(State(app): State<App>, headers: HeaderMap) -> Response {
    let json_type = (header::CONTENT_TYPE, "application/json".to_owned());
    match app.sessions().person(session_cookie(&headers).as_deref()) {
        Some(p) => respond(200, vec![json_type], person_json(&p).to_string()),
        None => respond(
            401,
            vec![json_type],
            json!({"error": "not_signed_in", "error_description": "nobody is signed in in this browser"})
                .to_string(),
        ),
    }
}

async fn sign_in(
    State(app): State<App>,
    Path(service): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    match sign_in_inner(&app, &service, query.as_deref(), &headers).await {
        Ok(r) => r,
        Err(e) => error_page(&e, Vec::new()),
    }
}

async fn sign_in_inner(
    app: &App,
    service: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, PageError> {
    let rp = app
        .one_login()
        .relying_party(service)
        .ok_or_else(|| PageError::UnknownService(service.chars().take(100).collect()))?;
    let identity = match query_param(query, "identity").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(PageError::BadQuery { name: "identity" }),
    };
    let start = rp
        .start_sign_in(SignInOptions {
            identity,
            ..SignInOptions::default()
        })
        .await?;
    let cookie = session_cookie(headers);
    let new_cookie = app
        .sessions()
        .add_pending(cookie.as_deref(), start.pending)?;
    let extra = new_cookie
        .map(|c| set_cookie(&c, secure_for(Some(rp), headers)))
        .into_iter()
        .collect();
    Ok(redirect(start.url.as_str(), extra))
}

async fn sign_out(
    State(app): State<App>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(rp) = app.one_login().relying_party(&service) else {
        return error_page(
            &PageError::UnknownService(service.chars().take(100).collect()),
            Vec::new(),
        );
    };
    let secure = secure_for(Some(rp), &headers);
    // The local session ends now, when the person asks, and only if it is this service's; the
    // return from One Login ends nothing.
    let cookie = session_cookie(&headers);
    let person = cookie
        .as_deref()
        .and_then(|c| app.sessions().person(Some(c)))
        .filter(|p| p.service() == rp.config().name());
    if person.is_some()
        && let Some(c) = &cookie
    {
        app.sessions().remove(c);
    }
    let Some(person) = person else {
        return redirect("/", Vec::new());
    };
    match rp.start_sign_out(&person, None).await {
        Ok(start) => {
            // A new anonymous session holds only the pending sign-out's state.
            let cookie = match start.pending {
                Some(pending) => app.sessions().create(Session {
                    sign_out: Some(pending),
                    ..Session::default()
                }),
                None => Ok(String::new()),
            };
            match cookie {
                Ok(c) if !c.is_empty() => {
                    redirect(start.url.as_str(), vec![set_cookie(&c, secure)])
                }
                Ok(_) => redirect(start.url.as_str(), vec![clear_cookie(secure)]),
                Err(e) => error_page(&PageError::from(e), vec![clear_cookie(secure)]),
            }
        }
        Err(e) => error_page(&PageError::from(e), vec![clear_cookie(secure)]),
    }
}

/// The return from One Login's logout: "signed out" only when the state is the one this
/// browser's sign-out sent. A forged return ends nothing and shows the person's real state.
async fn signed_out(app: &App, query: Option<&str>, headers: &HeaderMap) -> Response {
    let cookie = session_cookie(headers);
    let session = cookie.as_deref().and_then(|c| app.sessions().get(c));
    let pending = session.as_ref().and_then(|s| s.sign_out.clone());
    let person = session.and_then(|s| s.person);
    match app
        .one_login()
        .finish_sign_out(query.unwrap_or_default(), pending)
        .await
    {
        Ok(_) => {
            if let Some(c) = &cookie {
                app.sessions().clear_sign_out(c);
            }
            home_page(app, person.as_ref(), Some("You have signed out."))
        }
        Err(_) => home_page(app, person.as_ref(), None),
    }
}

/// The services' own paths: callbacks, post-logout pages and back-channel logout.
async fn service_paths(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let not_found = || {
        html_page(
            404,
            Vec::new(),
            html::error("There is no page at this address.", "example.not_found"),
        )
    };
    let Some((purpose, services)) = app.inner.paths.get(uri.path()) else {
        return not_found();
    };
    match (purpose, &method) {
        (Purpose::Callback, &Method::GET) => callback(&app, services, uri.query(), &headers).await,
        (Purpose::SignedOut, &Method::GET) => signed_out(&app, uri.query(), &headers).await,
        (Purpose::BackChannel, &Method::POST) => back_channel(&app, services, &body).await,
        _ => {
            let allow = if purpose == Purpose::BackChannel {
                "POST"
            } else {
                "GET"
            };
            respond(405, vec![(header::ALLOW, allow.to_owned())], Body::empty())
        }
    }
}

async fn callback(
    app: &App,
    services: &[String],
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let first_rp = services
        .first()
        .and_then(|s| app.one_login().relying_party(s));
    let secure = secure_for(first_rp, headers);
    let cookie = session_cookie(headers);
    let session = cookie.as_deref().and_then(|c| app.sessions().get(c));
    let (Some(cookie), Some(session)) = (cookie, session) else {
        return error_page(&PageError::NoPendingSignIn, vec![clear_cookie(secure)]);
    };
    // Only this path's services' sign-ins can finish here; the library picks the one whose
    // state the callback carries and takes it out (usable once). A callback naming none of them
    // takes nothing out and leaves the session as it is: a forged callback ends nothing.
    let (mut here, elsewhere): (Vec<PendingSignIn>, Vec<PendingSignIn>) = session
        .pending
        .into_iter()
        .partition(|p| services.iter().any(|s| s == p.service()));
    if here.is_empty() {
        return error_page(&PageError::NoPendingSignIn, Vec::new());
    }
    let query = query.unwrap_or_default();
    let result = app.one_login().finish_sign_in(query, &mut here).await;
    let mut rest = elsewhere;
    rest.extend(here);
    app.sessions().set_pending(&cookie, rest.clone());
    match result {
        Ok(person) => {
            let secure = secure_for(
                app.one_login().relying_party(person.service().as_str()),
                headers,
            );
            // A new session id for the signed-in person (no session fixation).
            app.sessions().remove(&cookie);
            let session = Session {
                pending: rest,
                person: Some(person),
                ..Session::default()
            };
            match app.sessions().create(session) {
                Ok(new_cookie) => redirect("/", vec![set_cookie(&new_cookie, secure)]),
                Err(e) => error_page(&PageError::from(e), vec![clear_cookie(secure)]),
            }
        }
        Err(e) => error_page(&PageError::from(e), Vec::new()),
    }
}

async fn back_channel(app: &App, services: &[String], body: &[u8]) -> Response {
    let names: Vec<&str> = services.iter().map(String::as_str).collect();
    let response = match app
        .one_login()
        .back_channel_logout_among(&names, body)
        .await
    {
        Ok(notice) => {
            let ended = app.sessions().end_for(&notice);
            tracing::info!(service = %notice.service(), ended, "back-channel logout");
            BackChannelResponse::applied()
        }
        Err(e) => e.response(),
    };
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (HeaderName::from_static(k), (*v).to_owned()))
        .collect();
    respond(response.status(), headers, response.body().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; example_rp_session=abc; b=2"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("abc"));
        let mut empty = HeaderMap::new();
        empty.append(
            header::COOKIE,
            HeaderValue::from_static("example_rp_session="),
        );
        assert_eq!(session_cookie(&empty), None);
    }

    #[test]
    fn session_cookies_are_http_only_and_lax_and_secure_only_on_https() {
        let (_, plain) = set_cookie("v", false);
        assert_eq!(
            plain,
            "example_rp_session=v; Path=/; HttpOnly; SameSite=Lax"
        );
        let (_, secure) = set_cookie("v", true);
        assert!(secure.ends_with("; Secure"));
        let (_, cleared) = clear_cookie(false);
        assert!(cleared.contains("Max-Age=0"));
    }
}
