//! [`Auth`]: every service of a `OneLogin` as one router, and the state the extractors read.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use govuk_one_login::protocol::ReturnTo;
use govuk_one_login::{
    MAX_BACK_CHANNEL_BODY, OneLogin, Sealer, SessionLimits, SessionStore, SharedClock, SignedOut,
    SystemClock,
};

use crate::error::{AuthError, RouteError};
use crate::extract::Unauthenticated;
use crate::memory::InMemorySessionStore;
use crate::page::{self, ErrorPage};
use crate::routes;

/// Renders the page of the return from One Login's logout (see
/// [`AuthBuilder::signed_out_page`]). It gets the verified sign-out, or `None` when the return
/// was not one this browser's sign-out sent (a forged or stale link: nothing was ended), and
/// whoever is still signed in in this browser.
pub type SignedOutPage =
    Arc<dyn Fn(Option<&SignedOut>, &crate::MaybeSignedIn) -> Response + Send + Sync>;

/// What a service uses a path for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Callback,
    BackChannel,
    SignedOut,
    Jwks,
}

impl Purpose {
    fn describe(self) -> &'static str {
        match self {
            Self::Callback => "redirect URI",
            Self::BackChannel => "back-channel logout URI",
            Self::SignedOut => "post-logout redirect URI",
            Self::Jwks => "JWKS URI",
        }
    }
}

/// The paths the services' URIs give the router, each with its purpose and services.
#[derive(Debug, Default)]
pub(crate) struct Paths {
    pub(crate) by_path: HashMap<String, (Purpose, Vec<String>)>,
    /// The application's own paths, which no service may use.
    reserved: Vec<String>,
}

impl Paths {
    fn of(one_login: &OneLogin, reserved: &[String]) -> Result<Self, AuthError> {
        let mut paths = Self {
            by_path: HashMap::new(),
            reserved: reserved.to_vec(),
        };
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
            uses.extend(svc.jwks_uri().map(|u| (Purpose::Jwks, u.path())));
            for (purpose, path) in uses {
                paths.add(name, purpose, path)?;
            }
        }
        Ok(paths)
    }

    /// The services whose URIs have `path` (none for a path no service has).
    pub(crate) fn services_at(&self, path: &str) -> &[String] {
        self.by_path
            .get(path)
            .map(|(_, s)| s.as_slice())
            .unwrap_or_default()
    }

    fn add(&mut self, service: &str, purpose: Purpose, path: &str) -> Result<(), AuthError> {
        let conflict = |other: String| AuthError::PathConflict {
            service: service.to_owned(),
            path: path.to_owned(),
            purpose: purpose.describe(),
            other,
        };
        if path == "/" {
            return Err(conflict("is the site's home page".into()));
        }
        if self.reserved.iter().any(|r| r == path) {
            return Err(conflict("is one of the app's own pages".into()));
        }
        if path.starts_with("/sign-in/") || path.starts_with("/sign-out/") {
            return Err(conflict(
                "is under /sign-in/ or /sign-out/, the router's own pages".into(),
            ));
        }
        if path.contains(['{', '}', '*', ':']) {
            return Err(conflict("holds a character axum reads as a pattern".into()));
        }
        let entry = self
            .by_path
            .entry(path.to_owned())
            .or_insert_with(|| (purpose, Vec::new()));
        if purpose == Purpose::Jwks && entry.1.iter().any(|s| s != service) {
            let others = entry.1.join("`, `");
            return Err(conflict(format!(
                "is the JWKS URI of service `{others}`: each service publishes its own keys at its own path"
            )));
        }
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
}

pub(crate) struct Inner {
    pub(crate) one_login: OneLogin,
    pub(crate) sealer: Sealer,
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) limits: SessionLimits,
    pub(crate) clock: SharedClock,
    pub(crate) paths: Paths,
    pub(crate) unauthenticated: Unauthenticated,
    pub(crate) after_sign_in: String,
    pub(crate) error_page: ErrorPage,
    pub(crate) signed_out_page: SignedOutPage,
    pub(crate) csp: String,
}

/// GOV.UK One Login for an axum app: the routes of every service of a [`OneLogin`], sessions
/// kept in a [`SessionStore`], and the state the [`SignedInUser`](crate::SignedInUser) and
/// [`MaybeSignedIn`](crate::MaybeSignedIn) extractors read. Cheap to clone.
///
/// Routes (all answers but the JWKS carry `Cache-Control: no-store` and
/// `Referrer-Policy: no-referrer`):
/// - `GET /sign-in/{service}` (`?identity=true`, `?return_to=/path`): redirects to One Login; the
///   pending sign-in rides in a sealed cookie, so an anonymous visitor stores nothing here;
/// - `GET` on each service's redirect URI path: finishes the sign-in whose `state` the callback
///   carries, rotates the session id, redirects to the `return_to` path (or
///   [`AuthBuilder::after_sign_in`]); a callback naming no sign-in of this browser is 400 and
///   changes nothing;
/// - `POST /sign-out/{service}` (form field `csrf`), or `GET` from this site's own pages: ends the
///   service's sign-in in this browser and redirects to One Login's logout;
/// - `GET` on each post-logout redirect URI path: checks the return against the sealed pending
///   sign-out and shows [`AuthBuilder::signed_out_page`]; it never ends anything;
/// - `POST` on each back-channel logout URI path: ends the person's sign-ins made before the
///   logout, in every browser;
/// - `GET` on each service's `jwks_uri` path: the service's public keys (`public, max-age=3600`).
///
/// [`Auth::admin_router`] serves `/healthz` and `/readyz` for a separate admin listener.
#[derive(Clone)]
pub struct Auth {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("one_login", &self.inner.one_login)
            .field("store", &self.inner.store)
            .field("sealer", &self.inner.sealer)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Starts building the router for every service of `one_login`.
    pub fn builder(one_login: OneLogin) -> AuthBuilder {
        AuthBuilder {
            one_login,
            sealer: None,
            store: None,
            limits: SessionLimits::default(),
            clock: None,
            unauthenticated: Unauthenticated::default(),
            after_sign_in: "/".to_owned(),
            error_page: None,
            signed_out_page: None,
            reserved: Vec::new(),
        }
    }

    /// A `Content-Security-Policy` for pages that show
    /// [`MaybeSignedIn::sign_out_form`](crate::MaybeSignedIn::sign_out_form): nothing loads from elsewhere, no framing, and forms
    /// post only to this site — whose sign-out then redirects to One Login's logout, which
    /// browsers check against `form-action` too, so the provider's origins are listed.
    pub fn content_security_policy(&self) -> &str {
        &self.inner.csp
    }

    /// Adds to an app's page what the router's own pages carry, where the page has not set it:
    /// [`add_security_headers`](crate::add_security_headers) and the
    /// [`content_security_policy`](Self::content_security_policy).
    pub fn add_page_headers(&self, headers: &mut axum::http::HeaderMap) {
        if let Ok(csp) = axum::http::HeaderValue::from_str(&self.inner.csp) {
            headers
                .entry(axum::http::header::CONTENT_SECURITY_POLICY)
                .or_insert(csp);
        }
        page::add_security_headers(headers);
    }

    /// The relying parties.
    pub fn one_login(&self) -> &OneLogin {
        &self.inner.one_login
    }

    /// The session store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.inner.store
    }

    /// Every path the router serves (its own and the services'), to check an app's routes
    /// against.
    pub fn paths(&self) -> Vec<String> {
        let mut paths = vec![
            "/sign-in/{service}".to_owned(),
            "/sign-out/{service}".to_owned(),
        ];
        let mut services: Vec<String> = self.inner.paths.by_path.keys().cloned().collect();
        services.sort();
        paths.extend(services);
        paths
    }

    /// The router's routes alone, with the state the extractors read on them. Prefer
    /// [`Auth::mount`], which also gives the app's own routes that state.
    pub fn router(&self) -> Router {
        let mut router = Router::new()
            .route("/sign-in/{service}", get(routes::sign_in))
            .route(
                "/sign-out/{service}",
                get(routes::sign_out_get).post(routes::sign_out_post),
            );
        for (path, (purpose, _)) in &self.inner.paths.by_path {
            router = match purpose {
                Purpose::Callback => router.route(path, get(routes::callback)),
                Purpose::SignedOut => router.route(path, get(routes::signed_out)),
                Purpose::Jwks => router.route(path, get(routes::jwks)),
                Purpose::BackChannel => router.route(
                    path,
                    post(routes::back_channel).layer(DefaultBodyLimit::max(MAX_BACK_CHANNEL_BODY)),
                ),
            };
        }
        router.layer(Extension(self.clone()))
    }

    /// `app` with the router's routes merged in and the state every extractor reads layered over
    /// all of them. Call it after adding the app's routes (a route added later does not see the
    /// state, and its extractors answer 500). Mount it at the root, never under
    /// [`Router::nest`]: the routes are the paths of the services' registered URIs, as written.
    ///
    /// # Panics
    /// As [`Router::merge`] does, when `app` already routes one of [`Auth::paths`]: a
    /// programming error found at start-up.
    pub fn mount(&self, app: Router) -> Router {
        app.merge(self.router()).layer(self.layer())
    }

    /// The layer that gives handlers' extractors this state, for routes not given it by
    /// [`Auth::mount`].
    pub fn layer(&self) -> Extension<Self> {
        Extension(self.clone())
    }

    /// A layer naming the service whose signed-in person [`SignedInUser`](crate::SignedInUser)
    /// reads on the routes it wraps (`.route_layer(auth.guard("licences")?)`).
    ///
    /// # Errors
    /// [`AuthError::UnknownService`] for a service not in the configuration.
    pub fn guard(&self, service: &str) -> Result<Extension<crate::RequireService>, AuthError> {
        self.inner
            .one_login
            .relying_party(service)
            .map(|rp| Extension(crate::RequireService(rp.name().to_owned())))
            .ok_or_else(|| AuthError::UnknownService(service.chars().take(100).collect()))
    }

    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now_unix()
    }

    pub(crate) fn error(&self, e: &RouteError, extra: axum::http::HeaderMap) -> Response {
        page::error_with(&self.inner.error_page, e, extra)
    }
}

/// Builds an [`Auth`].
pub struct AuthBuilder {
    one_login: OneLogin,
    sealer: Option<Sealer>,
    store: Option<Arc<dyn SessionStore>>,
    limits: SessionLimits,
    clock: Option<SharedClock>,
    unauthenticated: Unauthenticated,
    after_sign_in: String,
    error_page: Option<ErrorPage>,
    signed_out_page: Option<SignedOutPage>,
    reserved: Vec<String>,
}

impl fmt::Debug for AuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthBuilder")
            .field("limits", &self.limits)
            .field("unauthenticated", &self.unauthenticated)
            .field("after_sign_in", &self.after_sign_in)
            .finish_non_exhaustive()
    }
}

impl AuthBuilder {
    /// The keys that seal sessions and pending sign-ins and sign-outs: required, and the same on
    /// every instance ([`Sealer::from_key_list`] reads them from configuration).
    #[must_use]
    pub fn sealer(mut self, sealer: Sealer) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Where sessions live: a shared store for several instances. Default: an
    /// [`InMemorySessionStore`] with the [`limits`](Self::limits).
    #[must_use]
    pub fn store(mut self, store: Arc<dyn SessionStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The session limits of the default in-memory store, and the lifetime of the session
    /// cookie. A store given with [`store`](Self::store) keeps its own limits; give it the same.
    #[must_use]
    pub fn limits(mut self, limits: SessionLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The clock sessions expire by (a `TestClock` in tests). Default: the system clock.
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// What [`SignedInUser`](crate::SignedInUser) answers when nobody is signed in.
    #[must_use]
    pub fn unauthenticated(mut self, unauthenticated: Unauthenticated) -> Self {
        self.unauthenticated = unauthenticated;
        self
    }

    /// Where to go after sign-in when the sign-in asked for no `return_to`. Default `/`.
    #[must_use]
    pub fn after_sign_in(mut self, path: impl Into<String>) -> Self {
        self.after_sign_in = path.into();
        self
    }

    /// Renders the page of a failed request (status, code and message in the [`RouteError`]).
    /// Default: a plain page with the message and the code.
    #[must_use]
    pub fn error_page(
        mut self,
        page: impl Fn(&RouteError) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.error_page = Some(Arc::new(page));
        self
    }

    /// Renders the page of the return from One Login's logout, given the verified sign-out (or
    /// `None`) and whoever is still signed in. Default: a redirect to `/`.
    #[must_use]
    pub fn signed_out_page(
        mut self,
        page: impl Fn(Option<&SignedOut>, &crate::MaybeSignedIn) -> Response + Send + Sync + 'static,
    ) -> Self {
        self.signed_out_page = Some(Arc::new(page));
        self
    }

    /// The application's own paths (`/me`, `/account`): a service whose redirect, post-logout
    /// or back-channel URI uses one is refused at start-up ([`AuthError::PathConflict`]) rather
    /// than colliding with the app's route.
    #[must_use]
    pub fn reserve_paths<I, P>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        self.reserved.extend(paths.into_iter().map(Into::into));
        self
    }

    /// The [`Auth`].
    ///
    /// # Errors
    /// [`AuthError::NoSealer`] without sealing keys, [`AuthError::PathConflict`] when a service's
    /// URIs collide with each other or with the router's own paths, [`AuthError::BadPath`] for an
    /// `after_sign_in` that is not a path on this site.
    pub fn build(self) -> Result<Auth, AuthError> {
        let sealer = self.sealer.ok_or(AuthError::NoSealer)?;
        ReturnTo::parse(&self.after_sign_in).map_err(|e| AuthError::BadPath {
            setting: "after_sign_in",
            problem: e.to_string(),
        })?;
        let paths = Paths::of(&self.one_login, &self.reserved)?;
        let mut origins: Vec<String> = self
            .one_login
            .iter()
            .map(|rp| rp.environment().issuer().origin().ascii_serialization())
            .collect();
        origins.sort();
        origins.dedup();
        let csp = format!(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' {}",
            origins.join(" ")
        );
        let limits = self.limits;
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(InMemorySessionStore::new(limits)));
        Ok(Auth {
            inner: Arc::new(Inner {
                one_login: self.one_login,
                sealer,
                store,
                limits,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                paths,
                unauthenticated: self.unauthenticated,
                after_sign_in: self.after_sign_in,
                error_page: self
                    .error_page
                    .unwrap_or_else(|| Arc::new(page::default_error_page)),
                signed_out_page: self.signed_out_page.unwrap_or_else(|| {
                    Arc::new(|_: Option<&SignedOut>, _: &crate::MaybeSignedIn| {
                        page::redirect("/", Default::default())
                    })
                }),
                csp,
            }),
        })
    }
}
