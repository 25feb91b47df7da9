//! Hostile discovery documents with random *structure* (the same inputs as the
//! `discovery_metadata` fuzz target, on stable): every member of One Login's document removed,
//! retyped or pointed at a hostile URL, plus random extra members. `ProviderMetadata::parse` must
//! never panic, must answer with a `discovery.*` error, and must accept only metadata naming the
//! configured issuer and secure endpoints.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use govuk_one_login_core::internal::is_loopback;
use govuk_one_login_core::{Environment, Url};
use govuk_one_login_discovery::ProviderMetadata;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const ENDPOINTS: [&str; 6] = [
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
    "trustmarks",
];

const LISTS: [&str; 5] = [
    "id_token_signing_alg_values_supported",
    "token_endpoint_auth_methods_supported",
    "scopes_supported",
    "ui_locales_supported",
    "code_challenge_methods_supported",
];

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(64)
    }
}

fn document(issuer: &str) -> Map<String, Value> {
    let mut doc = Map::new();
    doc.insert("issuer".into(), json!(issuer));
    for (field, path) in ENDPOINTS.iter().zip([
        "authorize",
        "token",
        "userinfo",
        ".well-known/jwks.json",
        "logout",
        "trustmark",
    ]) {
        doc.insert((*field).into(), json!(format!("{issuer}{path}")));
    }
    doc.insert(
        "id_token_signing_alg_values_supported".into(),
        json!(["ES256", "RS256"]),
    );
    doc.insert("backchannel_logout_supported".into(), json!(true));
    doc
}

/// Arbitrary JSON values of bounded size.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// URLs an attacker (or a misconfigured provider) could publish.
fn hostile_url() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("http://oidc.integration.account.gov.uk/token".to_owned()),
        Just("http://127.0.0.1:3000/token".to_owned()),
        Just("http://localhost/jwks".to_owned()),
        Just("http://[::1]:8080/userinfo".to_owned()),
        Just("https://attacker.example/jwks".to_owned()),
        Just("javascript:alert(1)".to_owned()),
        Just("data:text/plain,hello".to_owned()),
        Just("/relative/token".to_owned()),
        Just("https://".to_owned()),
        Just(String::new()),
        "(https?|ftp|file|wss?)://[a-z0-9.\\-]{0,24}(:[0-9]{1,6})?/[ -~]{0,24}",
        "\\PC{0,40}",
    ]
}

/// What happens to one member.
#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Remove,
    Url(String),
    Json(Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => Just(Edit::Keep),
        1 => Just(Edit::Remove),
        2 => hostile_url().prop_map(Edit::Url),
        1 => json_value().prop_map(Edit::Json),
    ]
}

fn environments() -> Vec<(Environment, bool)> {
    vec![
        (Environment::integration(), false),
        (Environment::production(), false),
        (
            Environment::custom("http://127.0.0.1:3000/", None, None, None).unwrap(),
            true,
        ),
    ]
}

/// Parses `body` for `env` and checks the outcome's invariants.
fn check(body: &[u8], env: &Environment, loopback: bool) -> Option<ProviderMetadata> {
    match ProviderMetadata::parse(body, env) {
        Err(e) => {
            assert!(e.code().starts_with("discovery."), "{}", e.code());
            assert!(!e.to_string().is_empty());
            None
        }
        Ok(m) => {
            assert_eq!(m.issuer(), env.issuer());
            let mut endpoints: Vec<&Url> = vec![
                m.authorization_endpoint(),
                m.token_endpoint(),
                m.userinfo_endpoint(),
                m.jwks_uri(),
            ];
            endpoints.extend(m.end_session_endpoint());
            endpoints.extend(m.trustmark());
            for url in endpoints {
                let secure = url.scheme() == "https"
                    || (loopback && url.scheme() == "http" && is_loopback(url));
                assert!(secure, "accepted an insecure endpoint: {url}");
            }
            Some(m)
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn discovery_documents_with_hostile_members_are_refused_or_safe(
        issuer_edit in edit(),
        endpoint_edits in prop::collection::vec(edit(), ENDPOINTS.len()),
        list_edits in prop::collection::vec(edit(), LISTS.len()),
        flag in json_value(),
        extra in prop::collection::btree_map("[a-z_]{1,12}", json_value(), 0..4),
        env_index in 0usize..3,
    ) {
        let (env, loopback) = environments().swap_remove(env_index);
        let mut doc = document(env.issuer().as_str());
        let fields = std::iter::once("issuer")
            .chain(ENDPOINTS)
            .chain(LISTS)
            .zip(std::iter::once(&issuer_edit).chain(&endpoint_edits).chain(&list_edits));
        for (field, e) in fields {
            match e {
                Edit::Keep => {}
                Edit::Remove => {
                    doc.remove(field);
                }
                Edit::Url(u) => {
                    doc.insert(field.into(), json!(u));
                }
                Edit::Json(v) => {
                    doc.insert(field.into(), v.clone());
                }
            }
        }
        doc.insert("backchannel_logout_supported".into(), flag);
        for (k, v) in extra {
            doc.entry(k).or_insert(v);
        }
        let body = serde_json::to_vec(&Value::Object(doc.clone())).unwrap();
        let parsed = check(&body, &env, loopback);
        // The issuer is compared byte for byte: any edit to it that changes it is refused.
        if doc.get("issuer") != Some(&json!(env.issuer().as_str())) {
            prop_assert!(parsed.is_none());
        }
    }

    #[test]
    fn any_json_value_as_a_discovery_document_never_panics(doc in json_value()) {
        let body = serde_json::to_vec(&doc).unwrap();
        for (env, loopback) in environments() {
            prop_assert!(check(&body, &env, loopback).is_none());
        }
    }

    #[test]
    fn truncated_and_corrupted_documents_are_typed_errors(cut in 0usize..600, byte in any::<u8>(), at in 0usize..600) {
        let env = Environment::integration();
        let mut body = serde_json::to_vec(&Value::Object(document(env.issuer().as_str()))).unwrap();
        let at = at % body.len();
        body[at] = byte;
        body.truncate(cut.min(body.len()));
        let _ = check(&body, &env, false);
    }
}
