#![doc = include_str!("../README.md")]

mod demo;
mod pages;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::{Router, routing::get};
use govuk_one_login::{ConfigError, Name, OneLogin, SealError, Sealer, SessionStore, SetupError};
use govuk_one_login_axum::{Auth, AuthError, InMemorySessionStore, MaybeSignedIn};
use govuk_one_login_redis::RedisStoreError;
use govuk_one_login_testkit::StartError;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use tokio::net::TcpListener;

pub use demo::{DEMO_CLIENT_ID, DEMO_SERVICE, base_url, demo};
pub use govuk_one_login::{CheckReport, check_services_file as check_file};

/// The environment variable holding the sealing keys when serving a services file: base64
/// 32-byte keys, comma-separated, the first sealing and all opening; the same on every instance.
pub const SEALING_KEYS_VAR: &str = "ONE_LOGIN_SEALING_KEYS";

/// Why the example could not start: what to fix, and a stable code (the library's or
/// `example.*`).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExampleError {
    /// The stable machine-readable code.
    pub code: &'static str,
    /// What went wrong and what to do about it.
    pub message: String,
}

impl ExampleError {
    /// An error with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

macro_rules! from_library_errors {
    ($($error:ty),*) => {$(
        impl From<$error> for ExampleError {
            fn from(e: $error) -> Self {
                Self::new(e.code(), e.to_string())
            }
        }
    )*};
}
from_library_errors!(StartError, ConfigError, SetupError);
from_library_errors!(AuthError, SealError, RedisStoreError);

/// The sealing keys from [`SEALING_KEYS_VAR`].
///
/// # Errors
/// `example.sealing_keys`, naming the variable, when it is missing or holds a bad key.
pub fn sealer_from_env() -> Result<Sealer, ExampleError> {
    let keys = std::env::var(SEALING_KEYS_VAR).map_err(|e| e.to_string());
    let sealer = keys.and_then(|k| Sealer::from_key_list(&k).map_err(|e| e.to_string()));
    let fix = "base64 32-byte keys, comma-separated, current first: `openssl rand -base64 32`";
    let why = |e| format!("{SEALING_KEYS_VAR} must hold the sealing keys ({fix}): {e}");
    sealer.map_err(|e| ExampleError::new("example.sealing_keys", why(e)))
}

/// The buckets of the `*_seconds` histograms: a sign-in takes tens of milliseconds to seconds.
const SECONDS_BUCKETS: &[f64] = &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Installs the Prometheus recorder as the process's `metrics` recorder (histograms with
/// buckets, so that `histogram_quantile` works across instances) and describes the library's
/// metrics. Call it once, before building the `OneLogin`.
///
/// # Errors
/// `example.metrics` when another recorder is already installed.
pub fn install_prometheus() -> Result<PrometheusHandle, ExampleError> {
    let why = |e: metrics_exporter_prometheus::BuildError| {
        ExampleError::new("example.metrics", format!("cannot record metrics: {e}"))
    };
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
        .map_err(why)?
        .install_recorder()
        .map_err(why)?;
    govuk_one_login::metrics::describe();
    Ok(handle)
}

/// The example relying party: `GET /` and `GET /me`, and the sign-in, sign-out and back-channel
/// routes of [`govuk_one_login_axum`] for every service of a [`OneLogin`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    auth: Auth,
    memory: Option<Arc<InMemorySessionStore>>,
    draining: Arc<AtomicBool>,
}

impl App {
    /// The app for every service of `one_login`, its sessions sealed by `sealer` and kept in
    /// `store` (Redis, for several instances) or, with `None`, in this process's memory.
    ///
    /// # Errors
    /// `axum.path_conflict` when a service's URI is `/` or `/me`, under `/sign-in/` or
    /// `/sign-out/`, or another URI's path for something else.
    pub fn new(
        one_login: OneLogin,
        sealer: Sealer,
        store: Option<Arc<dyn SessionStore>>,
    ) -> Result<Self, ExampleError> {
        let (store, memory) = match store {
            Some(shared) => (shared, None),
            None => {
                let memory = Arc::new(InMemorySessionStore::default());
                (memory.clone() as Arc<dyn SessionStore>, Some(memory))
            }
        };
        let services = one_login.clone();
        let auth = Auth::builder(one_login)
            .sealer(sealer)
            .store(store)
            .reserve_paths(["/me"])
            .error_page(|e| pages::error(e.status(), e.message(), e.code()))
            .signed_out_page(move |signed_out, people| match signed_out {
                Some(_) => pages::home(&services, people, true),
                None => Redirect::to("/").into_response(),
            })
            .build()?;
        Ok(Self {
            auth,
            memory,
            draining: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The sign-in routes and the relying parties.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The in-memory session store (`None` with a shared store).
    pub fn sessions(&self) -> Option<&InMemorySessionStore> {
        self.memory.as_deref()
    }

    /// The admin router: `/healthz`, `/readyz` ([`Auth::admin_router`]) and, given the
    /// Prometheus handle, `/metrics` in Prometheus text. Serve it on the admin address only:
    /// it names the services, their client ids and failure rates.
    pub fn admin_router(&self, metrics: Option<PrometheusHandle>) -> Router {
        // While draining, `/readyz` is 503 so that the load balancer stops sending new requests.
        let draining = self.draining.clone();
        let admin = self.auth.admin_router().layer(middleware::from_fn(
            move |request: Request, next: Next| {
                let draining = draining.load(Ordering::Relaxed);
                async move {
                    if draining && request.uri().path() == "/readyz" {
                        let body = json!({"ready": false, "draining": true});
                        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
                    }
                    next.run(request).await
                }
            },
        ));
        let Some(handle) = metrics else {
            return admin;
        };
        admin.route(
            "/metrics",
            get(move || {
                let handle = handle.clone();
                async move {
                    handle.run_upkeep();
                    let text = "text/plain; version=0.0.4; charset=utf-8";
                    ([(axum::http::header::CONTENT_TYPE, text)], handle.render())
                }
            }),
        )
    }

    /// Marks the instance as shutting down: `/readyz` answers 503 from now on, while the requests
    /// in flight finish.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// The axum router of the app.
    pub fn router(&self) -> Router {
        let not_found = || async {
            let why = "There is no page at this address.";
            pages::error(StatusCode::NOT_FOUND, why, "example.not_found")
        };
        let own = Router::new().route("/", get(home)).route("/me", get(me));
        let own = own.fallback(not_found).with_state(self.clone());
        let finish = middleware::from_fn_with_state(self.clone(), finish);
        self.auth.mount(own).layer(finish)
    }
}

/// Every answer gets the security headers and a CSP whose `form-action` lets the sign-out form's
/// redirect reach One Login.
async fn finish(State(app): State<App>, request: Request, next: Next) -> Response {
    let mut answer = next.run(request).await;
    app.auth.add_page_headers(answer.headers_mut());
    answer
}

async fn home(State(app): State<App>, people: MaybeSignedIn) -> Response {
    pages::home(app.auth.one_login(), &people, false)
}

/// The first signed-in person as JSON (no token, no raw claims), or 401.
async fn me(people: MaybeSignedIn) -> Response {
    let Some(p) = people.first() else {
        let why = "nobody is signed in in this browser";
        let body = json!({"error": "not_signed_in", "error_description": why});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    };
    let name = |n: &Name| {
        json!({ "given_names": n.given_names(), "family_names": n.family_names(),
                "valid_from": &n.valid_from, "valid_until": &n.valid_until })
    };
    let identity = p.identity().map(|_| {
        let names: Vec<_> = p.names().iter().map(name).collect();
        let birth_dates: Vec<&str> = p.birth_dates().iter().map(|d| d.value.as_str()).collect();
        json!({ "names": names, "birth_dates": birth_dates })
    });
    Json(json!({
        "service": p.service().as_str(), "sub": p.sub(), "vot": p.vot().as_str(),
        "email": p.email(), "email_verified": p.email_verified(), "phone_number": p.phone_number(),
        "phone_number_verified": p.phone_number_verified(), "identity": identity,
    }))
    .into_response()
}

/// Serves the admin router on `listener` until the process ends.
///
/// # Errors
/// `example.serve` when the server fails.
pub async fn serve_admin(listener: TcpListener, admin: Router) -> Result<(), ExampleError> {
    axum::serve(listener, admin)
        .await
        .map_err(|e| ExampleError::new("example.serve", format!("the admin server stopped: {e}")))
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in flight;
/// One Login's documents are fetched before the first visitor and kept fresh ahead of expiry.
///
/// # Errors
/// `example.serve` when the server fails.
pub async fn serve_until(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ExampleError> {
    let one_login = app.auth.one_login().clone();
    if !one_login.warm_up().await.is_ready() {
        tracing::warn!(
            "One Login's documents could not be fetched yet: they are fetched again in the \
             background until they arrive, and /readyz says not ready meanwhile"
        );
    }
    let refresher = tokio::spawn(one_login.keep_fresh());
    let served = axum::serve(listener, app.router()).with_graceful_shutdown(shutdown);
    let served = served.await;
    refresher.abort();
    served.map_err(|e| ExampleError::new("example.serve", format!("the server stopped: {e}")))
}
