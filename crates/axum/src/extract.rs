//! Extractors: who is signed in, to which service.

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govuk_one_login::{SessionId, SignedIn};
use serde_json::json;

use crate::auth::Auth;
use crate::error::RouteError;
use crate::page;
use crate::routes;

/// What [`SignedInUser`] answers when nobody is signed in to the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unauthenticated {
    /// A page request (its `Accept` names `text/html`) is redirected to sign-in, returning to
    /// where it was; anything else gets 401 with a JSON body. The default.
    #[default]
    Auto,
    /// Always 401 with a JSON body (an API).
    Unauthorized,
    /// Always a redirect to sign-in.
    RedirectToSignIn,
}

/// The service whose signed-in person [`SignedInUser`] reads on the routes it wraps, made by
/// [`Auth::guard`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequireService(pub(crate) String);

impl RequireService {
    /// The service's name.
    pub fn service(&self) -> &str {
        &self.0
    }
}

/// Everyone this browser is signed in to, one person per service (none when nobody is).
#[derive(Clone, Debug, Default)]
pub struct MaybeSignedIn {
    id: Option<SessionId>,
    people: Vec<SignedIn>,
}

impl MaybeSignedIn {
    /// The person signed in to `service`.
    pub fn get(&self, service: &str) -> Option<&SignedIn> {
        self.people.iter().find(|p| p.service().as_str() == service)
    }

    /// Every signed-in person, one per service.
    pub fn iter(&self) -> impl Iterator<Item = &SignedIn> {
        self.people.iter()
    }

    /// The first signed-in person (the only one for an app of one service).
    pub fn first(&self) -> Option<&SignedIn> {
        self.people.first()
    }

    /// Whether anyone is signed in.
    pub fn is_signed_in(&self) -> bool {
        !self.people.is_empty()
    }

    /// The token a sign-out form of this session must carry (`None` without a session).
    pub fn csrf_token(&self) -> Option<String> {
        self.id.as_ref().map(SessionId::csrf_token)
    }

    /// The HTML of a sign-out button for `service`: a POST form carrying the CSRF token, which
    /// another site cannot make. Empty without a session.
    pub fn sign_out_form(&self, service: &str) -> String {
        self.csrf_token()
            .map(|t| page::sign_out_form(service, &t))
            .unwrap_or_default()
    }
}

/// The cached result of reading the session, so several extractors in one request read the
/// store once.
#[derive(Clone)]
struct Loaded(Arc<MaybeSignedIn>);

fn auth_of(parts: &Parts) -> Result<Auth, RouteError> {
    parts.extensions.get::<Auth>().cloned().ok_or_else(|| {
        tracing::error!(
            "an extractor of govuk-one-login-axum ran on a route without its state: build the app with `auth.mount(router)` (after adding the routes) or add `.layer(auth.layer())`"
        );
        RouteError::not_set_up()
    })
}

async fn people(parts: &mut Parts, auth: &Auth) -> Result<Arc<MaybeSignedIn>, RouteError> {
    if let Some(Loaded(found)) = parts.extensions.get::<Loaded>() {
        return Ok(found.clone());
    }
    let found = Arc::new(signed_in(auth, &parts.headers).await?);
    parts.extensions.insert(Loaded(found.clone()));
    Ok(found)
}

/// Everyone the browser sending `headers` is signed in to.
pub(crate) async fn signed_in(
    auth: &Auth,
    headers: &HeaderMap,
) -> Result<MaybeSignedIn, RouteError> {
    let browser = routes::load(auth, headers).await?;
    let mut people = Vec::with_capacity(browser.session.sign_ins.len());
    for stored in &browser.session.sign_ins {
        match stored.open(&auth.inner.sealer) {
            Ok(p) => people.push(p),
            Err(e) => tracing::warn!(code = e.code(), "a stored sign-in did not open; ignored"),
        }
    }
    Ok(MaybeSignedIn {
        id: browser.id,
        people,
    })
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeSignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let auth = auth_of(parts).map_err(|e| page::default_error_page(&e))?;
        people(parts, &auth)
            .await
            .map(|p| (*p).clone())
            .map_err(|e| auth.error(&e, HeaderMap::new()))
    }
}

/// The person signed in to the route's service: the one named by [`Auth::guard`] on the route,
/// or the only service configured. Without one, the request is answered as
/// [`Unauthenticated`] says. Derefs to [`SignedIn`].
#[derive(Clone, Debug)]
pub struct SignedInUser(pub SignedIn);

impl Deref for SignedInUser {
    type Target = SignedIn;
    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let auth = auth_of(parts).map_err(|e| page::default_error_page(&e))?;
        let service = match parts.extensions.get::<RequireService>() {
            Some(RequireService(name)) => name.clone(),
            None => {
                let mut all = auth.one_login().iter();
                match (all.next(), all.next()) {
                    (Some(only), None) => only.name().to_owned(),
                    _ => {
                        tracing::error!(
                            "SignedInUser on a route with no service: wrap the route in `auth.guard(\"service\")`"
                        );
                        return Err(auth.error(&RouteError::no_service(), HeaderMap::new()));
                    }
                }
            }
        };
        let found = people(parts, &auth)
            .await
            .map_err(|e| auth.error(&e, HeaderMap::new()))?;
        match found.get(&service) {
            Some(p) => Ok(Self(p.clone())),
            None => Err(unauthenticated(&auth, parts, &service)),
        }
    }
}

fn unauthenticated(auth: &Auth, parts: &Parts, service: &str) -> Response {
    let wants_page = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let redirect = match auth.inner.unauthenticated {
        Unauthenticated::Auto => wants_page,
        Unauthenticated::Unauthorized => false,
        Unauthenticated::RedirectToSignIn => true,
    };
    if redirect {
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let mut to = format!("/sign-in/{}", page::path_segment(service));
        if govuk_one_login::ReturnTo::parse(&here).is_ok() {
            to.push_str("?return_to=");
            to.push_str(&page::path_segment(&here));
        }
        page::redirect(&to, HeaderMap::new())
    } else {
        page::json(
            StatusCode::UNAUTHORIZED,
            &json!({
                "error": "not_signed_in",
                "error_description": "nobody is signed in to this service in this browser",
            }),
        )
    }
}

/// Maps the signed-in person to the application's own user, for [`User`].
pub trait FromSignedIn: Sized + Send {
    /// The answer when the person has no user here (or the lookup failed).
    type Rejection: IntoResponse;

    /// The application's user for `signed_in` (from its own database, say); `parts` gives the
    /// request's extensions (a database pool layered onto the route).
    fn from_signed_in(
        signed_in: SignedIn,
        parts: &mut Parts,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;
}

/// The application's user for the person signed in to the route's service, through its
/// [`FromSignedIn`].
#[derive(Clone, Debug)]
pub struct User<U>(pub U);

impl<S: Send + Sync, U: FromSignedIn> FromRequestParts<S> for User<U> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedInUser(signed_in) = SignedInUser::from_request_parts(parts, state).await?;
        U::from_signed_in(signed_in, parts)
            .await
            .map(User)
            .map_err(IntoResponse::into_response)
    }
}
