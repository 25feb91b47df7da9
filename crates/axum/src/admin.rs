//! The admin endpoints: liveness and readiness, for a separate admin listener.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use govuk_one_login::Health;

use crate::auth::Auth;

impl Auth {
    /// How this instance stands: [`OneLogin::health`](govuk_one_login::OneLogin::health) (the
    /// provider's cached documents and the replay and state stores) with the session store's
    /// ping among the others, all within
    /// [`HEALTH_PING_TIMEOUT`](govuk_one_login::HEALTH_PING_TIMEOUT).
    pub async fn health(&self) -> Health {
        self.one_login()
            .health_with_sessions(self.store().as_ref())
            .await
    }

    /// `GET /healthz` (liveness: the process answers, always 200) and `GET /readyz` (readiness:
    /// 200 when [`Health::is_ready`], else 503, with [`Health::to_json`] as the body).
    ///
    /// **Serve it on a separate admin listener, never on the public one**: its body names the
    /// services and their stores' errors. Add your metrics exporter's route beside it:
    ///
    /// ```no_run
    /// # async fn run(auth: govuk_one_login_axum::Auth) -> std::io::Result<()> {
    /// let admin = auth.admin_router(); // .route("/metrics", get(render)) for your exporter
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:9464").await?;
    /// tokio::spawn(async move { axum::serve(listener, admin).await });
    /// # Ok(()) }
    /// ```
    pub fn admin_router(&self) -> Router {
        let auth = self.clone();
        Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route(
                "/readyz",
                get(move || {
                    let auth = auth.clone();
                    async move { readiness(&auth.health().await) }
                }),
            )
    }
}

fn readiness(health: &Health) -> Response {
    let status = if health.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        health.to_json().to_string(),
    )
        .into_response()
}
