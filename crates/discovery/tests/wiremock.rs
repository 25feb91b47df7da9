//! The caches through the real reqwest transport against a wiremock One Login (a loopback
//! custom issuer), counting requests on the server.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{T0, discovery_document, jwks};
use govuk_one_login_core::{Environment, TestClock, user_agent};
use govuk_one_login_discovery::{CachePolicy, DiscoveryError, ProviderCache, ProviderRegistry};
use govuk_one_login_http::{HttpConfig, ReqwestTransport};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DISCOVERY: &str = "/.well-known/openid-configuration";
const JWKS: &str = "/.well-known/jwks.json";

fn issuer(server: &MockServer) -> String {
    format!("{}/", server.uri())
}

fn environment(server: &MockServer) -> Environment {
    Environment::custom(&issuer(server), None, None, None).unwrap()
}

fn transport() -> Arc<ReqwestTransport> {
    let config = HttpConfig {
        retry_base_delay: Duration::from_millis(1),
        ..HttpConfig::default()
    };
    Arc::new(ReqwestTransport::new(config).unwrap())
}

fn provider(server: &MockServer, clock: &TestClock, policy: CachePolicy) -> ProviderCache {
    ProviderCache::new(
        &environment(server),
        transport(),
        Arc::new(clock.clone()),
        policy,
        user_agent(Some("licences/1.0 (https://licences.example.gov.uk)")),
    )
}

async fn mount_one_login(server: &MockServer, max_age: &str) {
    Mock::given(method("GET"))
        .and(path(DISCOVERY))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", max_age)
                .set_body_json(discovery_document(&issuer(server))),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(JWKS))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", max_age)
                .set_body_json(jwks(&[("k1", 0)])),
        )
        .mount(server)
        .await;
}

async fn count(server: &MockServer, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .count()
}

#[tokio::test]
async fn hundred_services_cost_one_discovery_and_one_jwks_request_over_http() {
    let server = MockServer::start().await;
    mount_one_login(&server, "max-age=86400").await;
    let clock = TestClock::at(T0);
    let registry = ProviderRegistry::new();
    let env = environment(&server);
    let mut handles = Vec::new();
    for _ in 0..100 {
        let cache = registry.cache_for(&env, || provider(&server, &clock, CachePolicy::default()));
        handles.push(tokio::spawn(async move {
            cache.keys_for_kid(Some("k1")).await.is_ok()
        }));
    }
    for h in handles {
        assert!(h.await.unwrap());
    }
    assert_eq!(count(&server, DISCOVERY).await, 1);
    assert_eq!(count(&server, JWKS).await, 1);
}

#[tokio::test]
async fn every_request_carries_the_user_agent() {
    let server = MockServer::start().await;
    mount_one_login(&server, "max-age=60").await;
    let clock = TestClock::at(T0);
    let cache = provider(&server, &clock, CachePolicy::default());
    cache.keys().await.unwrap();
    clock.advance(Duration::from_secs(60));
    cache.keys().await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 4);
    let expected = user_agent(Some("licences/1.0 (https://licences.example.gov.uk)"));
    for r in requests {
        assert_eq!(
            r.headers.get("user-agent").unwrap().to_str().unwrap(),
            expected
        );
    }
}

#[tokio::test]
async fn honours_max_age_sent_by_the_server() {
    let server = MockServer::start().await;
    mount_one_login(&server, "max-age=600").await;
    let clock = TestClock::at(T0);
    let cache = provider(&server, &clock, CachePolicy::default());
    cache.keys().await.unwrap();
    clock.advance(Duration::from_secs(599));
    cache.keys().await.unwrap();
    assert_eq!(count(&server, JWKS).await, 1);
    clock.advance(Duration::from_secs(1));
    cache.keys().await.unwrap();
    assert_eq!(count(&server, JWKS).await, 2);
}

#[tokio::test]
async fn refuses_a_discovery_document_for_another_issuer() {
    let server = MockServer::start().await;
    Mock::given(path(DISCOVERY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(discovery_document("https://oidc.account.gov.uk/")),
        )
        .mount(&server)
        .await;
    let clock = TestClock::at(T0);
    let err = provider(&server, &clock, CachePolicy::default())
        .metadata()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::IssuerMismatch {
            expected: issuer(&server),
            actual: "https://oidc.account.gov.uk/".into()
        }
    );
}

#[tokio::test]
async fn refuses_an_oversized_jwks_while_reading_it() {
    let server = MockServer::start().await;
    Mock::given(path(DISCOVERY))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(discovery_document(&issuer(&server))),
        )
        .mount(&server)
        .await;
    let big = json!({"keys": [], "padding": "x".repeat(64 * 1024)});
    Mock::given(path(JWKS))
        .respond_with(ResponseTemplate::new(200).set_body_json(big))
        .mount(&server)
        .await;
    let clock = TestClock::at(T0);
    let policy = CachePolicy {
        max_document_bytes: 16 * 1024,
        ..CachePolicy::default()
    };
    let err = provider(&server, &clock, policy).keys().await.unwrap_err();
    assert_eq!(err.code(), "transport.too_large");
}

#[tokio::test]
async fn does_not_follow_a_redirected_jwks() {
    let server = MockServer::start().await;
    Mock::given(path(DISCOVERY))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(discovery_document(&issuer(&server))),
        )
        .mount(&server)
        .await;
    Mock::given(path(JWKS))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/evil-jwks"))
        .mount(&server)
        .await;
    Mock::given(path("/evil-jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("evil", 1)])))
        .expect(0)
        .mount(&server)
        .await;
    let clock = TestClock::at(T0);
    let err = provider(&server, &clock, CachePolicy::default())
        .keys()
        .await
        .unwrap_err();
    assert_eq!(err.code(), "transport.redirect");
}

#[tokio::test]
async fn reports_a_server_error_with_status_and_body_excerpt_after_retries() {
    let server = MockServer::start().await;
    Mock::given(path(DISCOVERY))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .mount(&server)
        .await;
    let clock = TestClock::at(T0);
    let err = provider(&server, &clock, CachePolicy::default())
        .metadata()
        .await
        .unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::Status {
            url: format!("{}{DISCOVERY}", server.uri()),
            status: 503,
            body_excerpt: "Service Unavailable".into()
        }
    );
    assert_eq!(
        count(&server, DISCOVERY).await,
        3,
        "the transport retried the GET twice"
    );
}
