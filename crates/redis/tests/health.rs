//! Readiness and the store metrics against a real `redis-server`: an unreachable Redis makes an
//! instance unready and is counted; reachable again, ready again.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::instances::Deployment;
use govuk_one_login::StoreRole;
use govuk_one_login::metrics::{BACK_CHANNEL_LOGOUTS, STORE_ERRORS};
use govuk_one_login_testkit::MetricsRecorder;
use reqwest::StatusCode;

async fn readyz(admin: &str) -> (StatusCode, serde_json::Value) {
    let response = reqwest::get(format!("{admin}readyz")).await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_redis_makes_the_instance_unready_and_is_counted_then_it_is_ready_again() {
    let m = MetricsRecorder::global().unwrap();
    let Some(redis) = common::server() else {
        return;
    };
    let d = Deployment::start(&redis).await;
    assert!(d.a.auth.one_login().warm_up().await.is_ready());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = format!("http://{}/", listener.local_addr().unwrap());
    let router = d.a.auth.admin_router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let (status, body) = readyz(&admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ready"], true);
    let roles: Vec<&str> = body["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["logout_tokens", "states", "sessions"]);
    let token = d.logout_token();

    redis.pause();
    let started = Instant::now();
    let health = d.a.auth.health().await;
    assert!(!health.is_ready());
    assert!(
        health.provider_warmed(),
        "the provider is fine: only the stores are not"
    );
    assert!(health.stores.iter().all(|s| !s.is_reachable()));
    let sessions = health
        .stores
        .iter()
        .find(|s| s.role == StoreRole::Sessions)
        .unwrap();
    assert_eq!(sessions.error, Some("session_store.unavailable"));
    let (status, body) = readyz(&admin).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["stores"][0]["error"], "replay_store.unavailable");
    assert_eq!(body["stores"][2]["error"], "session_store.unavailable");
    // A logout token arriving now cannot be checked for replay: 5xx, and counted as lost so a
    // team can end those sessions another way if the outage outlives One Login's retries.
    let logout = d.back_channel_logout(&token, &d.a).await;
    assert!((500..600).contains(&logout), "{logout}");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "health checks and the logout within the timeouts: {:?}",
        started.elapsed()
    );
    redis.resume();

    let mut ready = false;
    for _ in 0..50 {
        if readyz(&admin).await.0 == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "ready again once Redis answers");
    server.abort();

    for (store, operation) in [
        ("logout_tokens", "ping"),
        ("states", "ping"),
        ("sessions", "ping"),
        ("logout_tokens", "check_and_remember"),
    ] {
        assert!(
            m.counter(STORE_ERRORS, &[("store", store), ("operation", operation)]) >= 1,
            "{store} {operation}: {:?}",
            m.counters()
        );
    }
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &[
                ("service", "app"),
                ("client_id", "app-client"),
                ("outcome", "failure"),
                ("code", "replay_store.unavailable")
            ]
        ),
        1
    );
}
