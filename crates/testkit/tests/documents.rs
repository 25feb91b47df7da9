//! Discovery, JWKS, DID document and trust mark: shapes and cache headers; the WAF's User-Agent
//! rule; loopback-only binding.

// Helpers outside #[test] functions unwrap too: a panic there fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, TcpStream, UdpSocket};
use std::time::Duration;

use common::{get_json, setup};
use govuk_one_login_testkit::MockOneLogin;

#[tokio::test]
async fn discovery_document_is_shaped_like_one_logins_and_cached_for_a_day() {
    let (op, _) = setup().await;
    let (status, headers, doc) = get_json(
        op.issuer()
            .join(".well-known/openid-configuration")
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "max-age=86400");
    let issuer = op.issuer().to_string();
    assert!(issuer.ends_with('/'));
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["token_endpoint"], format!("{issuer}token"));
    assert_eq!(doc["authorization_endpoint"], format!("{issuer}authorize"));
    assert_eq!(doc["userinfo_endpoint"], format!("{issuer}userinfo"));
    assert_eq!(doc["end_session_endpoint"], format!("{issuer}logout"));
    assert_eq!(doc["jwks_uri"], format!("{issuer}.well-known/jwks.json"));
    assert_eq!(doc["trustmarks"], format!("{issuer}trustmark"));
    assert_eq!(
        doc["token_endpoint_auth_signing_alg_values_supported"],
        serde_json::json!(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
    );
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["ES256", "RS256"])
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["request_uri_parameter_supported"], false);
    assert_eq!(doc["backchannel_logout_supported"], true);
}

#[tokio::test]
async fn jwks_publishes_an_es256_and_an_rs256_key_with_kid_alg_and_use() {
    let (op, _) = setup().await;
    let (status, headers, jwks) =
        get_json(op.issuer().join(".well-known/jwks.json").unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "max-age=86400");
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let es = keys.iter().find(|k| k["alg"] == "ES256").unwrap();
    assert_eq!(
        (es["kty"].as_str(), es["crv"].as_str(), es["use"].as_str()),
        (Some("EC"), Some("P-256"), Some("sig"))
    );
    assert!(es["x"].is_string() && es["y"].is_string() && es["d"].is_null());
    let rs = keys.iter().find(|k| k["alg"] == "RS256").unwrap();
    assert_eq!(
        (rs["kty"].as_str(), rs["use"].as_str()),
        (Some("RSA"), Some("sig"))
    );
    assert!(rs["n"].is_string() && rs["e"].is_string() && rs["d"].is_null());
    assert_ne!(es["kid"], rs["kid"]);
    assert_eq!(
        es["kid"],
        op.id_token_kid(govuk_one_login_core::IdTokenAlgorithm::ES256)
            .as_str()
    );
    assert_eq!(jwks, op.jwks());
}

#[tokio::test]
async fn did_document_publishes_the_identity_key_under_the_environments_controller() {
    let (op, _) = setup().await;
    let env = op.environment();
    assert_eq!(
        env.did_document_url().as_str(),
        format!("{}.well-known/did.json", op.issuer())
    );
    assert_eq!(
        env.identity_issuer().as_str(),
        format!("{}identity/", op.issuer())
    );
    assert_eq!(
        env.did_controller(),
        format!("did:web:127.0.0.1%3A{}", op.local_addr().port())
    );
    let (status, headers, doc) = get_json(env.did_document_url().clone()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "max-age=3600, private");
    assert_eq!(doc["id"], env.did_controller());
    assert_eq!(doc["@context"][0], "https://www.w3.org/ns/did/v1");
    let method = &doc["assertionMethod"][0];
    assert_eq!(method["id"], op.identity_kid().as_str());
    assert!(
        op.identity_kid()
            .starts_with(&format!("{}#", env.did_controller()))
    );
    assert_eq!(method["type"], "JsonWebKey");
    assert_eq!(method["controller"], env.did_controller());
    assert_eq!(method["publicKeyJwk"]["crv"], "P-256");
    assert_eq!(method["publicKeyJwk"]["alg"], "ES256");
}

#[tokio::test]
async fn provider_spec_validates_into_the_same_environment() {
    let (op, service) = setup().await;
    let services = common::services(
        &op,
        vec![common::spec("again", "client-again", common::REDIRECT)],
    );
    assert_eq!(services.environment(), &op.environment());
    assert_eq!(op.provider_spec().environment.as_deref(), Some("custom"));
    assert_eq!(service.client_id().as_str(), "client-1");
}

#[tokio::test]
async fn trustmark_lists_the_credential_and_identity_levels() {
    let (op, _) = setup().await;
    let (status, _, doc) = get_json(op.issuer().join("trustmark").unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(doc["idp"], op.issuer().as_str());
    assert_eq!(doc["C"], serde_json::json!(["Cl", "Cl.Cm"]));
    assert_eq!(doc["P"], serde_json::json!(["P0", "P1", "P2", "P3"]));
}

#[tokio::test]
async fn api_calls_without_a_user_agent_get_the_wafs_403() {
    let (op, _) = setup().await;
    let bare = reqwest::Client::new();
    for path in [
        ".well-known/openid-configuration",
        ".well-known/jwks.json",
        ".well-known/did.json",
        "userinfo",
    ] {
        let r = bare
            .get(op.issuer().join(path).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{path}");
        assert_eq!(
            r.text().await.unwrap(),
            "The request could not be satisfied"
        );
    }
    let r = bare
        .post(op.issuer().join("token").unwrap())
        .header("user-agent", " ")
        .form(&[("a", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let recorded = op.requests();
    assert_eq!(recorded.len(), 5);
    assert!(recorded.iter().all(|r| r.status == 403));
    assert_eq!(recorded[0].user_agent(), None);
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_and_both_are_recorded() {
    let (op, _) = setup().await;
    let http = common::http();
    let r = http
        .get(op.issuer().join("nope").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = http
        .get(op.issuer().join("token").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let r = http
        .post(op.issuer().join("authorize").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let paths: Vec<_> = op
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path, r.status))
        .collect();
    assert_eq!(
        paths,
        [
            ("GET".to_owned(), "/nope".to_owned(), 404),
            ("GET".to_owned(), "/token".to_owned(), 405),
            ("POST".to_owned(), "/authorize".to_owned(), 405)
        ]
    );
}

#[tokio::test]
async fn binds_only_the_loopback_interface() {
    let op = MockOneLogin::start().await;
    let addr = op.local_addr();
    assert!(addr.ip().is_loopback(), "{addr}");
    assert_eq!(op.issuer().host_str(), Some("127.0.0.1"));
    assert_eq!(op.issuer().port(), Some(addr.port()));
    // If the machine has a non-loopback address, the port must not answer there.
    let outward = UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|()| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip: &IpAddr| !ip.is_loopback() && !ip.is_unspecified());
    if let Some(ip) = outward {
        let target = std::net::SocketAddr::new(ip, addr.port());
        assert!(
            TcpStream::connect_timeout(&target, Duration::from_millis(500)).is_err(),
            "{target} answered"
        );
    }
}

#[tokio::test]
async fn try_start_gives_each_provider_its_own_port_and_keys() {
    let a = MockOneLogin::try_start().await.unwrap();
    let b = MockOneLogin::try_start().await.unwrap();
    assert_ne!(a.issuer(), b.issuer());
    assert_ne!(a.jwks(), b.jwks());
    assert!(!format!("{a:?}").contains("BEGIN"));
}
