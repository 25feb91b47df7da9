//! `/healthz` and `/readyz` from `Auth::admin_router`: ready through an outage of One Login,
//! not ready when the session store is gone; and the callbacks no service can claim, counted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use govuk_one_login::core::BoxFuture;
use govuk_one_login::metrics::SIGN_INS;
use govuk_one_login::{SessionKey, SessionStore, SessionStoreError, StoredSession, SubjectKey};
use govuk_one_login_axum::{InMemorySessionStore, TestApp};
use govuk_one_login_testkit::{Endpoint, EndpointFault, Faults, MetricsRecorder, auth_service};
use serde_json::Value;
use tower::ServiceExt;

async fn get(router: &Router, path: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn readyz(router: &Router) -> (StatusCode, Value) {
    let (status, body) = get(router, "/readyz").await;
    (status, serde_json::from_str(&body).unwrap())
}

#[tokio::test]
async fn readyz_stays_ready_through_an_outage_of_one_login_past_the_stale_limit_and_says_so() {
    let app = TestApp::start(|auth| auth.mount(Router::new())).await;
    let admin = app.auth.admin_router();
    let (status, body) = readyz(&admin).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "not warmed yet: {body}"
    );
    assert_eq!(body["provider"]["warmed"], false);
    assert!(app.auth.one_login().warm_up().await.is_ready());
    let (status, body) = readyz(&admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stores"][2]["role"], "sessions");
    assert_eq!(get(&admin, "/healthz").await.0, StatusCode::OK);

    let down = EndpointFault::Status(503);
    app.harness.provider.set_faults(
        Faults::endpoint(Endpoint::Discovery, down.clone())
            .and(Faults::endpoint(Endpoint::Jwks, down.clone()))
            .and(Faults::endpoint(Endpoint::DidDocument, down)),
    );
    app.harness.clock.advance(Duration::from_secs(3 * 86_400));
    app.auth.one_login().refresh_due().await;
    let (status, body) = readyz(&admin).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an outage of One Login keeps instances in: {body}"
    );
    let documents = &body["provider"]["documents"];
    assert_eq!(documents["discovery"]["freshness"], "expired", "{body}");
    assert_eq!(
        documents["discovery"]["last_error"], "discovery.status",
        "{body}"
    );
    assert_eq!(documents["jwks"]["freshness"], "expired", "{body}");
    assert_eq!(
        documents["jwks"]["last_error"], "discovery.stale",
        "the JWKS's address is in the expired discovery document: {body}"
    );
    assert_eq!(documents["jwks"]["age_seconds"], 3 * 86_400);

    // Not on the public router.
    let public = app.auth.mount(Router::new());
    for path in ["/readyz", "/healthz"] {
        assert_eq!(get(&public, path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
}

/// A session store whose server is gone: every call fails.
#[derive(Debug)]
struct Gone;

fn gone() -> SessionStoreError {
    SessionStoreError::Unavailable {
        store: "test",
        source: Arc::new(std::io::Error::other("connection refused")),
    }
}

impl SessionStore for Gone {
    fn load(
        &self,
        _: &SessionKey,
        _: i64,
    ) -> BoxFuture<'_, Result<Option<StoredSession>, SessionStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn save(
        &self,
        _: &SessionKey,
        _: StoredSession,
        _: i64,
    ) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn replace(
        &self,
        _: Option<&SessionKey>,
        _: &SessionKey,
        _: StoredSession,
        _: i64,
    ) -> BoxFuture<'_, Result<bool, SessionStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn remove(&self, _: &SessionKey) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn end_sign_ins(
        &self,
        _: &SubjectKey,
        _: i64,
    ) -> BoxFuture<'_, Result<usize, SessionStoreError>> {
        Box::pin(async { Err(gone()) })
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(async { Err(gone()) })
    }
}

#[tokio::test]
async fn readyz_is_503_naming_the_session_store_when_it_cannot_be_reached() {
    let app = TestApp::start_configured(
        vec![auth_service("app", "app-client")],
        |b| b.store(Arc::new(Gone)),
        |auth| auth.mount(Router::new()),
    )
    .await;
    assert!(app.auth.one_login().warm_up().await.is_ready());
    let (status, body) = readyz(&app.auth.admin_router()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["provider"]["warmed"], true);
    assert_eq!(body["stores"][2]["role"], "sessions");
    assert_eq!(body["stores"][2]["error"], "session_store.unavailable");
    assert_eq!(body["stores"][0]["reachable"], true);

    // The in-memory default always answers.
    let fine = TestApp::start_configured(
        vec![auth_service("app", "app-client")],
        |b| b.store(Arc::new(InMemorySessionStore::default())),
        |auth| auth.mount(Router::new()),
    )
    .await;
    assert!(fine.auth.one_login().warm_up().await.is_ready());
    assert!(fine.auth.health().await.is_ready());
}

#[tokio::test]
async fn forged_callbacks_are_counted_under_no_service_and_leave_every_service_rate_alone() {
    let m = MetricsRecorder::global().unwrap();
    let app = TestApp::start(|auth| auth.mount(Router::new())).await;
    let browser = app.browser();
    for _ in 0..3 {
        let r = browser.get("/app/callback?code=forged&state=forged").await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        m.counter(
            SIGN_INS,
            &[("outcome", "failure"), ("code", "axum.no_pending_sign_in")]
        ),
        3
    );
    assert_eq!(
        m.counter_total(SIGN_INS, &[("service", "app")]),
        0,
        "nothing counted against the service"
    );
}

/// A session store that never answers.
#[derive(Debug)]
struct Hangs;

impl SessionStore for Hangs {
    fn load(
        &self,
        _: &SessionKey,
        _: i64,
    ) -> BoxFuture<'_, Result<Option<StoredSession>, SessionStoreError>> {
        Box::pin(std::future::pending())
    }
    fn save(
        &self,
        _: &SessionKey,
        _: StoredSession,
        _: i64,
    ) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(std::future::pending())
    }
    fn replace(
        &self,
        _: Option<&SessionKey>,
        _: &SessionKey,
        _: StoredSession,
        _: i64,
    ) -> BoxFuture<'_, Result<bool, SessionStoreError>> {
        Box::pin(std::future::pending())
    }
    fn remove(&self, _: &SessionKey) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(std::future::pending())
    }
    fn end_sign_ins(
        &self,
        _: &SubjectKey,
        _: i64,
    ) -> BoxFuture<'_, Result<usize, SessionStoreError>> {
        Box::pin(std::future::pending())
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), SessionStoreError>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn a_store_that_hangs_is_reported_unreachable_after_the_ping_timeout_not_awaited_forever() {
    let app = TestApp::start_configured(
        vec![auth_service("app", "app-client")],
        |b| b.store(Arc::new(Hangs)),
        |auth| auth.mount(Router::new()),
    )
    .await;
    tokio::time::pause();
    let started = tokio::time::Instant::now();
    let health = app.auth.health().await;
    let waited = started.elapsed();
    let limit = govuk_one_login::HEALTH_PING_TIMEOUT;
    assert!(
        waited >= limit && waited < limit + Duration::from_millis(100),
        "waited the ping timeout once: {waited:?}"
    );
    let sessions = health.stores.last().unwrap();
    assert_eq!(sessions.error, Some("health.ping_timeout"));
    assert!(!health.is_ready());
}

#[tokio::test]
async fn each_service_publishes_its_public_keys_at_its_jwks_path() {
    let spec = govuk_one_login::core::ServiceSpec {
        jwks_uri: Some("https://app.example.gov.uk/app/jwks.json".into()),
        ..auth_service("app", "app-client")
    };
    let app = TestApp::start_with(vec![spec], |auth| auth.mount(Router::new())).await;
    let public = app.auth.mount(Router::new());
    let response = public
        .clone()
        .oneshot(Request::get("/app/jwks.json").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=3600",
        "an hour: One Login keeps its own copy for up to a day whatever this says"
    );
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let jwks: Value = serde_json::from_slice(&body).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], "app-key");
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0].get("d").is_none(), "never a private part");
    assert_eq!(
        jwks,
        app.auth
            .one_login()
            .relying_party("app")
            .unwrap()
            .service_jwks()
    );
    assert!(app.auth.paths().contains(&"/app/jwks.json".to_owned()));
}

#[tokio::test]
async fn two_services_cannot_share_a_jwks_path() {
    let spec = |name: &str, client: &str, host: &str| govuk_one_login::core::ServiceSpec {
        jwks_uri: Some(format!("https://{host}/.well-known/jwks.json")),
        ..auth_service(name, client)
    };
    let h = govuk_one_login_testkit::Harness::start(vec![
        spec("a", "a-client", "a.example.gov.uk"),
        spec("b", "b-client", "b.example.gov.uk"),
    ])
    .await;
    let (key, _) = govuk_one_login::SealingKey::generate().unwrap();
    let refused = govuk_one_login_axum::Auth::builder(h.one_login)
        .sealer(govuk_one_login::Sealer::new(key))
        .build()
        .unwrap_err();
    assert_eq!(refused.code(), "axum.path_conflict");
    assert!(
        refused
            .to_string()
            .contains("each service publishes its own keys"),
        "{refused}"
    );
}
