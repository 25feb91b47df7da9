//! The example services file in docs/ parses and validates; services files round-trip through TOML.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers: a panic is a failed test.

use govuk_one_login_core::{ProviderSpec, SecretString, ServiceSpec, ServicesFile, TokenAuthSpec};
use proptest::prelude::*;

const RSA_2048: &str = include_str!("../testdata/rsa-2048-pkcs1.pem");

#[test]
fn the_documented_example_file_is_valid_and_its_services_share_users() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/services.example.toml"
    );
    let mut file = ServicesFile::read(path).unwrap();
    assert_eq!(file.services.len(), 2);
    assert_eq!(
        file.services[0].token_auth.key_file.as_deref(),
        Some("keys/apply.pem".as_ref())
    );
    assert_eq!(
        file.services[1].token_auth.key_env.as_deref(),
        Some("RENEW_CLIENT_KEY")
    );
    // The example names a key file and a variable this test machine does not have: swap in a test key.
    for s in &mut file.services {
        s.token_auth.key_file = None;
        s.token_auth.key_env = None;
        s.token_auth.key_pem = Some(SecretString::new(RSA_2048));
    }
    let services = file.validate().unwrap();
    let apply = services.get("apply-for-a-licence").unwrap();
    let renew = services.get("renew-a-licence").unwrap();
    assert_eq!(apply.sector(), "dragons.example.gov.uk");
    assert_eq!(apply.sector(), renew.sector());
    assert_eq!(services.sectors().len(), 1);
    assert_eq!(apply.identity_vtr().unwrap().to_string(), "Cl.Cm.P2");
    assert!(renew.request_objects());
    assert!(
        apply
            .user_agent()
            .ends_with("dragon-licensing/1.0 (https://dragons.example.gov.uk)")
    );
}

fn spec_strategy() -> impl Strategy<Value = ServiceSpec> {
    (
        "[a-z][a-z-]{0,20}",
        "[A-Za-z0-9]{1,32}",
        proptest::collection::vec("https://[a-z]{1,10}\\.gov\\.uk/[a-z]{0,8}", 1..3),
        proptest::option::of(proptest::sample::subsequence(
            vec!["openid", "email", "phone"],
            0..3,
        )),
        proptest::option::of(prop_oneof![Just("Cl"), Just("Cl.Cm")]),
        proptest::option::of(any::<bool>()),
        proptest::option::of(0u64..100_000),
        proptest::option::of("[a-z]{1,8}"),
    )
        .prop_map(
            |(name, client_id, redirect_uris, scopes, vtr, pkce, max_age, kid)| ServiceSpec {
                name,
                client_id,
                redirect_uris,
                scopes: scopes.map(|s| s.into_iter().map(String::from).collect()),
                vtr: vtr.map(String::from),
                pkce,
                max_age_seconds: max_age,
                token_auth: TokenAuthSpec {
                    key_file: Some("key.pem".into()),
                    key_id: kid,
                    ..TokenAuthSpec::default()
                },
                ..ServiceSpec::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::with_cases(64)
    })]

    #[test]
    fn services_files_round_trip_through_toml(services in proptest::collection::vec(spec_strategy(), 0..4),
                                               leeway in proptest::option::of(0u64..300)) {
        let file = ServicesFile {
            provider: ProviderSpec { clock_leeway_seconds: leeway, ..ProviderSpec::default() },
            services,
            base_dir: None,
        };
        let text = file.to_toml().unwrap();
        let back = ServicesFile::parse_toml(&text).unwrap();
        prop_assert_eq!(back, file);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,200}") {
        if let Ok(file) = ServicesFile::parse_toml(&text) {
            let _ = file.validate();
        }
    }
}
