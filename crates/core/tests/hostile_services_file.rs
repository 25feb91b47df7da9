//! Services files with random *structure* (the same inputs as the `services_file` fuzz target, on
//! stable): every known table and key, and some unknown ones, holding values of the right type,
//! the wrong type, or hostile text. Parsing and validation must never panic; a refused file names
//! each problem with a stable code; an accepted file keeps the invariants the rest of the library
//! relies on. Key and secret files always name paths that do not exist (a services file is
//! trusted configuration: this is about malformed input, not about reading arbitrary files).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers: a panic is a failed test.

use govuk_one_login_core::{MAX_LEEWAY, ProviderSpec, ServiceSpec, ServicesFile, TokenAuthSpec};
use proptest::prelude::*;
use toml::{Table, Value};

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(64)
    }
}

const MISSING_FILE: &str = "/nonexistent/govuk-one-login-tests/missing.pem";

/// Text that means something to some rule.
const TEXTS: &[&str] = &[
    "",
    "a",
    "https://apply.example.gov.uk/callback",
    "https://renew.example.gov.uk/callback",
    "https://APPLY.example.gov.uk/callback",
    "https://apply.example.gov.uk/callback#fragment",
    "http://apply.example.gov.uk/callback",
    "http://localhost:8080/callback",
    "http://127.0.0.1:3000/",
    "https://user:pass@example.gov.uk/",
    "https://example.gov.uk",
    "https://example.gov.uk/path?query",
    "javascript:alert(1)",
    "/relative",
    "not a url",
    "openid",
    "email",
    "phone",
    "wallet-subject-id",
    "offline_access",
    "Cl",
    "Cl.Cm",
    "Cl.Cm.P2",
    "Cl.Cm.P0",
    "P2",
    "Cl.Cm.P9",
    "ES256",
    "RS256",
    "PS256",
    "HS256",
    "none",
    "private_key_jwt",
    "client_secret_post",
    "client_secret_basic",
    "integration",
    "production",
    "custom",
    "coreIdentityJWT",
    "address",
    "https://vocab.account.gov.uk/v1/passport",
    "en",
    "cy",
    "fr",
    "NO_SUCH_VARIABLE_GOVUK_ONE_LOGIN",
    "PATH",
    "did:web:identity.integration.account.gov.uk",
    "my-org/1.0 (https://my-org.gov.uk)",
    "bad\nagent",
    "\u{0}",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(TEXTS).prop_map(str::to_owned),
        1 => "\\PC{0,24}",
    ]
}

fn integer() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => prop::sample::select(vec![-1_i64, 0, 1, 30, 300, 301, 86_400, i64::MAX]),
        1 => any::<i64>(),
    ]
}

/// A TOML value: mostly text, arrays of text, integers and booleans, sometimes a table.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        4 => text().prop_map(Value::String),
        3 => prop::collection::vec(text().prop_map(Value::String), 0..3).prop_map(Value::Array),
        2 => integer().prop_map(Value::Integer),
        2 => any::<bool>().prop_map(Value::Boolean),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
            .prop_map(|m| Value::Table(m.into_iter().collect()))
    })
}

/// A value of the type the services file expects for `key` (most of the time), or any value.
fn value_for(key: &str) -> BoxedStrategy<Value> {
    let typed: BoxedStrategy<Value> = match key {
        "redirect_uris" | "post_logout_redirect_uris" | "scopes" | "claims" | "ui_locales" => {
            prop::collection::vec(text().prop_map(Value::String), 0..3)
                .prop_map(Value::Array)
                .boxed()
        }
        "max_age_seconds" | "clock_leeway_seconds" => integer().prop_map(Value::Integer).boxed(),
        "pkce" | "request_objects" => any::<bool>().prop_map(Value::Boolean).boxed(),
        _ => text().prop_map(Value::String).boxed(),
    };
    prop_oneof![6 => typed, 1 => value()].boxed()
}

fn table(keys: &'static [&'static str]) -> impl Strategy<Value = Table> {
    prop::collection::vec(
        prop_oneof![
            9 => prop::sample::select(keys)
                .prop_flat_map(|k| value_for(k).prop_map(move |v| (k.to_owned(), v))),
            1 => ("[a-z_]{1,10}", value()),
        ],
        0..keys.len(),
    )
    .prop_map(|pairs| pairs.into_iter().collect())
}

const PROVIDER_KEYS: &[&str] = &[
    "environment",
    "issuer",
    "identity_issuer",
    "did_document_url",
    "did_controller",
    "clock_leeway_seconds",
    "user_agent_suffix",
];

const SERVICE_KEYS: &[&str] = &[
    "name",
    "client_id",
    "redirect_uris",
    "post_logout_redirect_uris",
    "back_channel_logout_uri",
    "scopes",
    "claims",
    "vtr",
    "identity_vtr",
    "id_token_signing_alg",
    "sector_identifier_uri",
    "share_users_group",
    "ui_locales",
    "pkce",
    "request_objects",
    "max_age_seconds",
    "clock_leeway_seconds",
    "user_agent_suffix",
];

const TOKEN_AUTH_KEYS: &[&str] = &[
    "method",
    "key_file",
    "key_env",
    "key_id",
    "alg",
    "secret_env",
    "secret_file",
];

fn service() -> impl Strategy<Value = Table> {
    (
        table(SERVICE_KEYS),
        prop::option::of(table(TOKEN_AUTH_KEYS)),
        text(),
        text(),
    )
        .prop_map(|(mut s, auth, name, client_id)| {
            // Both are required by the file's shape: without them nearly every case stops at parsing.
            s.entry("name").or_insert(Value::String(name));
            s.entry("client_id").or_insert(Value::String(client_id));
            if let Some(mut auth) = auth {
                for file in ["key_file", "secret_file"] {
                    if auth.contains_key(file) {
                        auth.insert(file.into(), Value::String(MISSING_FILE.into()));
                    }
                }
                s.insert("token_auth".into(), Value::Table(auth));
            }
            s
        })
}

/// Points every key and secret file at a path that does not exist.
fn without_real_files(file: &mut ServicesFile) {
    for s in &mut file.services {
        if s.token_auth.key_file.is_some() {
            s.token_auth.key_file = Some(MISSING_FILE.into());
        }
        if s.token_auth.secret_file.is_some() {
            s.token_auth.secret_file = Some(MISSING_FILE.into());
        }
    }
}

/// Validates and checks the outcome's invariants.
fn check(file: &ServicesFile) {
    match file.validate() {
        Err(e) => {
            assert_eq!(e.code(), "config.invalid");
            assert!(!e.problems().is_empty());
            for p in e.problems() {
                assert!(!p.kind.code().is_empty());
                assert!(!p.field.is_empty());
                assert!(!p.fix.is_empty());
                assert!(p.to_string().contains(p.kind.code()));
            }
        }
        Ok(services) => {
            assert_eq!(services.len(), file.services.len());
            for s in services.iter() {
                assert!(!s.name().as_str().is_empty());
                assert!(!s.client_id().as_str().is_empty());
                assert!(!s.redirect_uris().is_empty());
                assert!(s.clock_leeway() <= MAX_LEEWAY);
                assert!(!s.sector().is_empty());
                for uri in s.redirect_uris() {
                    assert!(uri.fragment().is_none());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn services_files_with_random_structure_never_panic(
        provider in prop::option::of(table(PROVIDER_KEYS)),
        services in prop::collection::vec(service(), 0..3),
        top_level_extra in prop::option::of(("[a-z]{1,8}", value())),
    ) {
        let mut root = Table::new();
        if let Some(p) = provider {
            root.insert("provider".into(), Value::Table(p));
        }
        root.insert(
            "service".into(),
            Value::Array(services.into_iter().map(Value::Table).collect()),
        );
        if let Some((k, v)) = top_level_extra {
            root.entry(k).or_insert(v);
        }
        let text = toml::to_string(&root).unwrap();
        match ServicesFile::parse_toml(&text) {
            Err(e) => prop_assert_eq!(e.code(), "config.parse"),
            Ok(mut file) => {
                without_real_files(&mut file);
                check(&file);
                let _ = file.to_toml();
            }
        }
    }

    #[test]
    fn services_built_in_code_with_hostile_text_in_every_field_never_panic(
        (name, client_id, redirects, logout_redirects, back_channel, scopes) in (
            text(), text(),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(text(), 0..2),
            prop::option::of(text()),
            prop::option::of(prop::collection::vec(text(), 0..3)),
        ),
        (claims, vtr, identity_vtr, alg, sector, group, locales) in (
            prop::collection::vec(text(), 0..2),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::collection::vec(text(), 0..2),
        ),
        (method, key_env, key_id, assertion_alg, secret_env, leeway, max_age) in (
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(any::<u64>()),
            prop::option::of(any::<u64>()),
        ),
        (environment, issuer, agent, key_file) in (
            prop::option::of(text()),
            prop::option::of(text()),
            prop::option::of(text()),
            any::<bool>(),
        ),
    ) {
        let spec = ServiceSpec {
            name,
            client_id,
            redirect_uris: redirects,
            post_logout_redirect_uris: logout_redirects,
            back_channel_logout_uri: back_channel,
            scopes,
            claims,
            vtr,
            identity_vtr,
            id_token_signing_alg: alg,
            token_auth: TokenAuthSpec {
                method,
                key_file: key_file.then(|| MISSING_FILE.into()),
                key_env,
                key_id,
                alg: assertion_alg,
                secret_env,
                ..TokenAuthSpec::default()
            },
            sector_identifier_uri: sector,
            share_users_group: group,
            ui_locales: locales,
            max_age_seconds: max_age,
            clock_leeway_seconds: leeway,
            user_agent_suffix: agent.clone(),
            ..ServiceSpec::default()
        };
        let file = ServicesFile {
            provider: ProviderSpec {
                environment,
                issuer,
                user_agent_suffix: agent,
                clock_leeway_seconds: leeway,
                ..ProviderSpec::default()
            },
            services: vec![spec.clone(), spec],
            base_dir: None,
        };
        check(&file);
        // Two copies of one service always collide on name and client id.
        let err = file.validate().unwrap_err();
        let kinds: Vec<&str> = err.problems().iter().map(|p| p.kind.code()).collect();
        prop_assert!(kinds.iter().any(|k| k.contains("duplicate") || k.contains("empty")), "{:?}", kinds);
    }

    #[test]
    fn a_user_agent_suffix_with_control_or_non_ascii_characters_is_refused(
        prefix in "[ -~]{0,10}",
        bad in prop_oneof![Just('\n'), Just('\r'), Just('\u{0}'), Just('\u{7f}'), Just('é'), Just('\u{2028}')],
        suffix in "[ -~]{0,10}",
        on_provider in any::<bool>(),
    ) {
        let agent = format!("{prefix}{bad}{suffix}");
        let mut file = ServicesFile {
            services: vec![ServiceSpec {
                name: "apply".into(),
                client_id: "apply-client".into(),
                redirect_uris: vec!["https://apply.example.gov.uk/callback".into()],
                token_auth: TokenAuthSpec {
                    key_env: Some("NO_SUCH_VARIABLE_GOVUK_ONE_LOGIN".into()),
                    key_id: Some("k1".into()),
                    ..TokenAuthSpec::default()
                },
                ..ServiceSpec::default()
            }],
            ..ServicesFile::default()
        };
        let field = if on_provider {
            file.provider.user_agent_suffix = Some(agent);
            "provider.user_agent_suffix"
        } else {
            file.services[0].user_agent_suffix = Some(agent);
            "user_agent_suffix"
        };
        let err = file.validate().unwrap_err();
        let problem = err
            .problems()
            .iter()
            .find(|p| p.kind.code() == "config.bad_user_agent")
            .expect("a bad_user_agent problem");
        prop_assert_eq!(problem.field.as_str(), field);
    }
}
