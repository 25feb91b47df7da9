//! Table tests for every services-file rule: each mistake is refused with the service, the field,
//! the exact message and the fix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers: a panic is a failed test.

use govuk_one_login_core::{
    ClaimName, ClientAuth, ConfigError, KeySpec, ProblemKind, ProviderSpec, RsaPrivateKey,
    SecretString, ServiceSpec, Services, ServicesFile, TokenAuthSpec,
    internal::fixtures::service_spec,
};

const RSA_2048: &str = include_str!("../testdata/rsa-2048-pkcs1.pem");
const RSA_1024: &str = include_str!("../testdata/rsa-1024.pem");
const EC_P256: &str = include_str!("../testdata/ec-p256.pem");

fn key_auth(pem: &str) -> TokenAuthSpec {
    TokenAuthSpec {
        key_pem: Some(SecretString::new(pem)),
        key_id: Some("key-1".into()),
        ..TokenAuthSpec::default()
    }
}

fn service(name: &str, client_id: &str) -> ServiceSpec {
    ServiceSpec {
        scopes: Some(vec!["openid".into(), "email".into()]),
        ..service_spec(
            name,
            client_id,
            &format!("https://{name}.example.gov.uk/callback"),
            &SecretString::new(RSA_2048),
            "key-1",
        )
    }
}

fn file(services: Vec<ServiceSpec>) -> ServicesFile {
    ServicesFile {
        services,
        ..ServicesFile::default()
    }
}

/// Validates and returns the single problem, asserting there is exactly one.
fn only_problem(f: &ServicesFile) -> govuk_one_login_core::ConfigProblem {
    let err = f
        .validate()
        .expect_err("the configuration should be refused");
    let problems = err.problems().to_vec();
    assert_eq!(problems.len(), 1, "expected one problem, got: {err}");
    problems.into_iter().next().unwrap()
}

#[test]
fn a_valid_service_passes_with_defaults() {
    let services = file(vec![service("licences", "client-1")])
        .validate()
        .unwrap();
    let s = services.get("licences").unwrap();
    assert_eq!(s.client_id().as_str(), "client-1");
    assert_eq!(s.vtr().to_string(), "Cl.Cm");
    assert!(s.pkce());
    assert!(!s.request_objects());
    assert_eq!(s.clock_leeway().as_secs(), 30);
    assert_eq!(s.sector(), "licences.example.gov.uk");
    assert!(matches!(s.client_auth(), ClientAuth::PrivateKeyJwt { .. }));
    assert_eq!(
        services.environment().issuer().as_str(),
        "https://oidc.integration.account.gov.uk/"
    );
}

/// (description, how to break a valid service, expected kind, field, message, fix)
type Case = (
    &'static str,
    fn(&mut ServiceSpec),
    ProblemKind,
    &'static str,
    &'static str,
    &'static str,
);

#[test]
fn every_service_rule_is_refused_with_field_message_and_fix() {
    let cases: Vec<Case> = vec![
        (
            "missing openid",
            |s| s.scopes = Some(vec!["email".into()]),
            ProblemKind::MissingOpenId,
            "scopes",
            "the scopes do not include openid, which One Login requires.",
            "add \"openid\" to scopes.",
        ),
        (
            "unknown scope",
            |s| s.scopes = Some(vec!["openid".into(), "profile".into()]),
            ProblemKind::UnknownScope,
            "scopes",
            "`profile` is not a scope One Login offers.",
            "use only openid, email, phone and wallet-subject-id (space-free, one per list entry).",
        ),
        (
            "unknown claim",
            |s| {
                s.identity_vtr = Some("Cl.Cm.P2".into());
                s.claims = vec!["https://vocab.account.gov.uk/v1/socialSecurityRecord".into()];
            },
            ProblemKind::UnknownClaim,
            "claims",
            "`https://vocab.account.gov.uk/v1/socialSecurityRecord` is not a claim One Login offers.",
            "use https://vocab.account.gov.uk/v1/ followed by coreIdentityJWT, address, passport, drivingPermit or returnCode.",
        ),
        (
            "identity claims without identity level",
            |s| s.claims = vec!["coreIdentityJWT".into()],
            ProblemKind::ClaimsWithoutIdentity,
            "claims",
            "identity claims are listed but the service has no identity vector of trust, so One Login would never release them.",
            "set identity_vtr = \"Cl.Cm.P2\", or remove claims.",
        ),
        (
            "vtr grammar",
            |s| s.vtr = Some("Cl.Cx".into()),
            ProblemKind::InvalidVtr,
            "vtr",
            "the credential part of `Cl.Cx` must be exactly Cl or Cl.Cm.",
            "use Cl or Cl.Cm.",
        ),
        (
            "P level without Cl.Cm",
            |s| s.identity_vtr = Some("Cl.P2".into()),
            ProblemKind::InvalidVtr,
            "identity_vtr",
            "`Cl.P2` asks for identity with Cl; identity needs Cl.Cm (for example Cl.Cm.P2).",
            "use Cl.Cm.P2 (medium identity), Cl.Cm.P1 or Cl.Cm.P3.",
        ),
        (
            "identity in the sign-in vector",
            |s| s.vtr = Some("Cl.Cm.P2".into()),
            ProblemKind::IdentityInSignInVtr,
            "vtr",
            "`Cl.Cm.P2` asks for identity in the sign-in vector.",
            "set vtr = \"Cl.Cm\" and put the identity vector in identity_vtr (One Login recommends separate sign-in and identity requests).",
        ),
        (
            "identity vector without identity",
            |s| s.identity_vtr = Some("Cl.Cm".into()),
            ProblemKind::IdentityVtrWithoutIdentity,
            "identity_vtr",
            "`Cl.Cm` does not ask for an identity level above P0.",
            "use Cl.Cm.P2 (or Cl.Cm.P1 / Cl.Cm.P3 as registered), or remove identity_vtr.",
        ),
        (
            "client_secret_post with identity",
            |s| {
                s.identity_vtr = Some("Cl.Cm.P2".into());
                s.token_auth = TokenAuthSpec {
                    method: Some("client_secret_post".into()),
                    secret: Some(SecretString::new("s3cret")),
                    ..TokenAuthSpec::default()
                };
            },
            ProblemKind::SecretPostWithIdentity,
            "token_auth.method",
            "client_secret_post cannot be used by a service that proves identity.",
            "use method = \"private_key_jwt\" with an RSA key, or remove identity_vtr and claims.",
        ),
        (
            "EC key for client authentication",
            |s| s.token_auth = key_auth(EC_P256),
            ProblemKind::NonRsaKey,
            "token_auth.key_pem",
            "the key from PEM supplied in code is not an RSA key; One Login accepts only RSA keys for client authentication (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048).",
            "generate an RSA key: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem, and register its public half.",
        ),
        (
            "RSA key under 2048 bits",
            |s| s.token_auth = key_auth(RSA_1024),
            ProblemKind::SmallRsaKey,
            "token_auth.key_pem",
            "the RSA key from PEM supplied in code is smaller than 2048 bits; generate a 2048-bit or larger key.",
            "generate a 2048-bit (or larger) RSA key and register its public half.",
        ),
        (
            "http redirect URI on a public host",
            |s| s.redirect_uris = vec!["http://licences.example.gov.uk/callback".into()],
            ProblemKind::InsecureHttp,
            "redirect_uris",
            "`http://licences.example.gov.uk/callback` uses http on a host that is not loopback.",
            "use https (http is only for 127.0.0.1, ::1 or localhost while developing).",
        ),
        (
            "fragment in a redirect URI",
            |s| s.redirect_uris = vec!["https://licences.example.gov.uk/callback#x".into()],
            ProblemKind::FragmentInUri,
            "redirect_uris",
            "`https://licences.example.gov.uk/callback#x` has a #fragment, which OAuth forbids in redirect URIs.",
            "remove the part from '#' on.",
        ),
        (
            "javascript: redirect URI",
            |s| s.redirect_uris = vec!["javascript:alert(1)".into()],
            ProblemKind::BadScheme,
            "redirect_uris",
            "`javascript:alert(1)` uses the `javascript` scheme.",
            "use an https URL.",
        ),
        (
            "relative redirect URI",
            |s| s.redirect_uris = vec!["/callback".into()],
            ProblemKind::InvalidUri,
            "redirect_uris",
            "`/callback` is not an absolute URL (relative URL without a base).",
            "give the full URL as registered with One Login, e.g. https://my-service.gov.uk/auth/callback.",
        ),
        (
            "no redirect URI",
            |s| s.redirect_uris = vec![],
            ProblemKind::NoRedirectUri,
            "redirect_uris",
            "the service has no redirect URI.",
            "add the redirect URIs registered with One Login, e.g. redirect_uris = [\"https://my-service.gov.uk/auth/callback\"].",
        ),
        (
            "redirect URIs on several hosts without a sector identifier",
            |s| {
                s.redirect_uris = vec![
                    "https://a.example.gov.uk/cb".into(),
                    "https://b.example.gov.uk/cb".into(),
                ]
            },
            ProblemKind::SeveralHostsWithoutSector,
            "sector_identifier_uri",
            "the redirect URIs span several hosts (a.example.gov.uk, b.example.gov.uk) and no sector identifier URI is set, which One Login refuses.",
            "set sector_identifier_uri to an https URL whose host names your sector, e.g. https://my-department.gov.uk.",
        ),
        (
            "sector identifier with a path",
            |s| s.sector_identifier_uri = Some("https://example.gov.uk/sector.json".into()),
            ProblemKind::BadSectorIdentifier,
            "sector_identifier_uri",
            "`https://example.gov.uk/sector.json` is not an https URL with a host and no credentials, path, query or fragment.",
            "use the form https://my-department.gov.uk (only the host is used).",
        ),
        (
            "sector identifier with credentials",
            |s| s.sector_identifier_uri = Some("https://user:pw@example.gov.uk".into()),
            ProblemKind::BadSectorIdentifier,
            "sector_identifier_uri",
            "`https://[redacted]@example.gov.uk` is not an https URL with a host and no credentials, path, query or fragment.",
            "use the form https://my-department.gov.uk (only the host is used).",
        ),
        (
            "sector host not written as One Login hashes it",
            |s| s.redirect_uris = vec!["https://Licences.example.gov.uk/callback".into()],
            ProblemKind::NonCanonicalHost,
            "redirect_uris",
            "the host `Licences.example.gov.uk` is not written as One Login hashes it for the sector.",
            "write it exactly as `licences.example.gov.uk` (lower case, ASCII/punycode, no trailing dot), here and at registration.",
        ),
        (
            "key file that cannot be read",
            |s| {
                s.token_auth = TokenAuthSpec {
                    key_file: Some("/nonexistent/dir/key.pem".into()),
                    key_id: Some("k".into()),
                    ..TokenAuthSpec::default()
                }
            },
            ProblemKind::BadKey,
            "token_auth.key_file",
            "cannot read the key file /nonexistent/dir/key.pem: No such file or directory (os error 2).",
            "check the path (relative paths start at the services file's folder) and the file's permissions.",
        ),
        (
            "key that cannot be parsed",
            |s| s.token_auth = key_auth("not a key"),
            ProblemKind::BadKey,
            "token_auth.key_pem",
            "the key from PEM supplied in code is not PEM text (expected -----BEGIN PRIVATE KEY-----).",
            "give an unencrypted PEM RSA private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).",
        ),
        (
            "no key at all",
            |s| {
                s.token_auth = TokenAuthSpec {
                    key_id: Some("k".into()),
                    ..TokenAuthSpec::default()
                }
            },
            ProblemKind::KeySourceCount,
            "token_auth.key_file",
            "no private key is given for private_key_jwt.",
            "give exactly one of key_file (a PEM file) or key_env (a variable holding the PEM), or the PEM in code.",
        ),
        (
            // Issue 16 changed this rule on purpose: a key id left out is the key's RFC 7638
            // thumbprint (a_key_id_left_out_is_the_keys_thumbprint); only an empty one is refused.
            "an empty key id",
            |s| s.token_auth.key_id = Some("  ".into()),
            ProblemKind::MissingKeyId,
            "token_auth.key_id",
            "the key id (kid) is empty.",
            "set key_id to the kid of the public key registered with One Login, or leave it out to use the key's RFC 7638 thumbprint.",
        ),
        (
            "a key id with a space",
            |s| s.token_auth.key_id = Some("key 1\n".into()),
            ProblemKind::BadKeyId,
            "token_auth.key_id",
            "the key id is not 256 or fewer printable ASCII characters without spaces.",
            "use the kid exactly as registered (letters, digits and punctuation), or leave key_id out to use the key's RFC 7638 thumbprint.",
        ),
        (
            "a loopback JWKS URI",
            |s| s.jwks_uri = Some("http://127.0.0.1:8080/jwks.json".into()),
            ProblemKind::UnreachableBackChannel,
            "jwks_uri",
            "`http://127.0.0.1:8080/jwks.json` is a loopback address that One Login cannot reach.",
            "register an https URL reachable from the internet, or leave jwks_uri unset.",
        ),
        (
            "a JWKS URI with client_secret_post",
            |s| {
                s.jwks_uri = Some("https://licences.example.gov.uk/jwks.json".into());
                s.token_auth = TokenAuthSpec {
                    method: Some("client_secret_post".into()),
                    secret: Some(SecretString::new("s3cret")),
                    ..TokenAuthSpec::default()
                };
            },
            ProblemKind::MixedAuthSettings,
            "jwks_uri",
            "`jwks_uri` is set but the method is client_secret_post, which has no keys to publish.",
            "remove `jwks_uri`, or set method = \"private_key_jwt\".",
        ),
        (
            "keys with key_file",
            |s| {
                s.token_auth.keys = vec![KeySpec {
                    key_pem: Some(SecretString::new(RSA_2048)),
                    current: true,
                    ..KeySpec::default()
                }]
            },
            ProblemKind::MixedKeyForms,
            "token_auth.keys",
            "`keys` is given together with key_file, key_env or key_id.",
            "list every key under `keys` (one of them current = true), or give one key with key_file or key_env, not both forms.",
        ),
        (
            "no current key",
            |s| {
                s.token_auth = TokenAuthSpec {
                    keys: vec![KeySpec {
                        key_pem: Some(SecretString::new(RSA_2048)),
                        ..KeySpec::default()
                    }],
                    ..TokenAuthSpec::default()
                }
            },
            ProblemKind::CurrentKeyCount,
            "token_auth.keys",
            "0 of the 1 keys are marked current; exactly one must be.",
            "mark the key that signs with current = true, and only that one.",
        ),
        (
            "two keys with one kid",
            |s| {
                let key = |current| KeySpec {
                    key_pem: Some(SecretString::new(RSA_2048)),
                    key_id: Some("same".into()),
                    current,
                    ..KeySpec::default()
                };
                s.token_auth = TokenAuthSpec {
                    keys: vec![key(true), key(false)],
                    ..TokenAuthSpec::default()
                }
            },
            ProblemKind::DuplicateKeyId,
            "token_auth.keys",
            "two keys have the key id `same`.",
            "give each key its own key_id (or leave key_id out: each key then gets its RFC 7638 thumbprint).",
        ),
        (
            "a small key in a list",
            |s| {
                s.token_auth = TokenAuthSpec {
                    keys: vec![
                        KeySpec {
                            key_pem: Some(SecretString::new(RSA_2048)),
                            current: true,
                            ..KeySpec::default()
                        },
                        KeySpec {
                            key_pem: Some(SecretString::new(RSA_1024)),
                            ..KeySpec::default()
                        },
                    ],
                    ..TokenAuthSpec::default()
                }
            },
            ProblemKind::SmallRsaKey,
            "token_auth.keys[1].key_pem",
            "the RSA key from PEM supplied in code is smaller than 2048 bits; generate a 2048-bit or larger key.",
            "generate a 2048-bit (or larger) RSA key and register its public half.",
        ),
        (
            "ES256 client assertions",
            |s| s.token_auth.alg = Some("ES256".into()),
            ProblemKind::UnknownAssertionAlgorithm,
            "token_auth.alg",
            "`ES256` cannot sign client assertions; One Login verifies them with RSA only.",
            "use \"RS256\" (the default) or \"PS256\".",
        ),
        (
            "unknown ID token algorithm",
            |s| s.id_token_signing_alg = Some("HS256".into()),
            ProblemKind::UnknownIdTokenAlgorithm,
            "id_token_signing_alg",
            "`HS256` is not an ID-token algorithm One Login uses.",
            "use \"ES256\" (the default) or \"RS256\", as registered for the service.",
        ),
        (
            "unknown locale",
            |s| s.ui_locales = vec!["fr".into()],
            ProblemKind::UnknownUiLocale,
            "ui_locales",
            "`fr` is not a language One Login offers.",
            "use \"en\" and/or \"cy\".",
        ),
        (
            "leeway too large",
            |s| s.clock_leeway_seconds = Some(3600),
            ProblemKind::LeewayTooLarge,
            "clock_leeway_seconds",
            "a clock leeway of 3600 s would accept expired tokens for too long.",
            "use at most 300 seconds (30 is usual).",
        ),
        (
            "loopback back-channel URI on integration",
            |s| s.back_channel_logout_uri = Some("http://localhost:8080/logout".into()),
            ProblemKind::UnreachableBackChannel,
            "back_channel_logout_uri",
            "`http://localhost:8080/logout` is a loopback address that One Login cannot reach.",
            "register an https URL reachable from the internet, or leave back_channel_logout_uri unset.",
        ),
        (
            "unknown token auth method",
            |s| s.token_auth.method = Some("client_secret_basic".into()),
            ProblemKind::UnknownTokenAuthMethod,
            "token_auth.method",
            "`client_secret_basic` is not a token authentication method One Login offers.",
            "use \"private_key_jwt\" (the default) or \"client_secret_post\" (authentication-only platforms).",
        ),
        (
            "empty client id",
            |s| s.client_id = String::new(),
            ProblemKind::EmptyClientId,
            "client_id",
            "the client id is empty.",
            "copy the client id One Login assigned to this service (admin tool, or GDS for production).",
        ),
    ];
    for (what, breaks, kind, field, message, fix) in cases {
        let mut s = service("licences", "client-1");
        breaks(&mut s);
        let p = only_problem(&file(vec![s]));
        assert_eq!(p.kind, kind, "{what}");
        assert_eq!(p.service.as_deref(), Some("licences"), "{what}");
        assert_eq!(p.field, field, "{what}");
        assert_eq!(p.message, message, "{what}");
        assert_eq!(p.fix, fix, "{what}");
        assert!(
            p.to_string()
                .starts_with(&format!("service `licences`, field `{field}`: ")),
            "{what}"
        );
        assert!(
            p.to_string().ends_with(&format!("[{}]", kind.code())),
            "{what}"
        );
    }
}

#[test]
fn an_identity_service_always_asks_for_the_core_identity_jwt() {
    let mut s = service("licences", "client-1");
    s.identity_vtr = Some("Cl.Cm.P2".into());
    s.claims = vec!["returnCode".into()];
    let services = file(vec![s]).validate().unwrap();
    let claims = services.get("licences").unwrap().claims().to_vec();
    assert_eq!(claims, [ClaimName::CoreIdentityJwt, ClaimName::ReturnCode]);
}

#[test]
fn duplicate_names_and_client_ids_are_refused() {
    let p = only_problem(&file(vec![service("a", "same"), service("b", "same")]));
    assert_eq!(p.kind, ProblemKind::DuplicateClientId);
    assert_eq!(p.service.as_deref(), Some("b"));
    assert_eq!(p.message, "the client id is also used by service `a`.");

    let p = only_problem(&file(vec![service("a", "one"), service("a", "two")]));
    assert_eq!(p.kind, ProblemKind::DuplicateName);
    assert_eq!(p.message, "two services are named `a`.");
    assert_eq!(p.fix, "give each [[service]] its own name.");
}

#[test]
fn a_proxy_must_be_an_http_origin_and_is_kept_for_the_transport() {
    let mut f = file(vec![service("a", "one")]);
    for bad in [
        "not a url",
        "ftp://proxy:21",
        "http://proxy:3128/path",
        "http://proxy/?q=1",
    ] {
        f.provider.proxy = Some(bad.into());
        let p = only_problem(&f);
        assert_eq!(p.kind, ProblemKind::BadProxy, "{bad}");
        assert_eq!(p.field, "provider.proxy");
        assert!(
            !p.message.contains("proxy:3128/path"),
            "the URL is never echoed"
        );
    }
    f.provider.proxy = Some("http://user:secret@proxy.internal:3128".into());
    f.provider.no_proxy = vec!["localhost".into(), "10.0.0.0/8".into()];
    let services = f.validate().unwrap();
    assert_eq!(
        services.proxy().map(|u| u.host_str()),
        Some(Some("proxy.internal"))
    );
    assert_eq!(services.no_proxy().len(), 2);
    f.provider.no_proxy = vec!["two words".into()];
    assert_eq!(only_problem(&f).field, "provider.no_proxy");
    f.provider = ProviderSpec::default();
    assert!(f.validate().unwrap().proxy().is_none());
}

#[test]
fn provider_rules_are_refused() {
    let mut f = file(vec![service("a", "one")]);
    f.provider = ProviderSpec {
        environment: Some("staging".into()),
        ..ProviderSpec::default()
    };
    let p = only_problem(&f);
    assert_eq!(p.kind, ProblemKind::UnknownEnvironment);
    assert_eq!(p.service, None);
    assert_eq!(p.field, "provider.environment");
    assert_eq!(p.fix, "use \"integration\", \"production\" or \"custom\".");

    f.provider = ProviderSpec {
        environment: Some("custom".into()),
        ..ProviderSpec::default()
    };
    assert_eq!(only_problem(&f).kind, ProblemKind::MissingIssuer);

    f.provider = ProviderSpec {
        environment: Some("custom".into()),
        issuer: Some("http://sim.example.gov.uk/".into()),
        ..ProviderSpec::default()
    };
    let p = only_problem(&f);
    assert_eq!(p.kind, ProblemKind::BadProviderUrl);
    assert_eq!(
        p.fix,
        "use https, or a loopback host (127.0.0.1, ::1, localhost) for a local mock."
    );

    f.provider = ProviderSpec {
        environment: Some("production".into()),
        issuer: Some("https://elsewhere.example/".into()),
        ..ProviderSpec::default()
    };
    let p = only_problem(&f);
    assert_eq!(p.kind, ProblemKind::CustomSettingOnPublicEnvironment);
    assert_eq!(p.field, "provider.issuer");

    let p = only_problem(&file(vec![]));
    assert_eq!(p.kind, ProblemKind::NoServices);
}

#[test]
fn custom_environment_allows_loopback_http_and_back_channel() {
    let mut s = service("local", "client-1");
    s.redirect_uris = vec!["http://127.0.0.1:8080/callback".into()];
    s.back_channel_logout_uri = Some("http://127.0.0.1:8080/back-channel-logout".into());
    let mut f = file(vec![s]);
    f.provider = ProviderSpec {
        environment: Some("custom".into()),
        issuer: Some("http://localhost:3000/".into()),
        ..ProviderSpec::default()
    };
    let services = f.validate().unwrap();
    assert!(services.environment().allows_http_loopback());
    assert_eq!(
        services.environment().did_controller(),
        "did:web:localhost%3A3000"
    );
}

#[test]
fn a_file_with_many_mistakes_reports_all_of_them() {
    let mut bad = service("broken", "client-1");
    bad.scopes = Some(vec!["email".into(), "profile".into()]);
    bad.vtr = Some("Cl.P2".into());
    bad.redirect_uris = vec!["http://broken.example.gov.uk/cb#frag".into()];
    bad.token_auth = key_auth(EC_P256);
    bad.ui_locales = vec!["de".into()];
    let mut dup = service("broken", "client-1");
    dup.claims = vec!["address".into()];
    let text = ServicesFile {
        provider: ProviderSpec {
            environment: Some("prod".into()),
            ..ProviderSpec::default()
        },
        services: vec![bad, dup, service("fine", "client-3")],
        base_dir: None,
    };
    let err = text.validate().unwrap_err();
    let codes: Vec<&str> = err.problems().iter().map(|p| p.kind.code()).collect();
    assert_eq!(
        codes,
        [
            "config.unknown_environment",
            "config.insecure_http",
            "config.fragment_in_uri",
            "config.unknown_scope",
            "config.missing_openid",
            "config.invalid_vtr",
            "config.non_rsa_key",
            "config.unknown_ui_locale",
            "config.claims_without_identity",
            "config.duplicate_name",
            "config.duplicate_client_id",
        ]
    );
    let rendered = err.to_string();
    assert!(
        rendered.starts_with("the configuration has 11 problem(s):"),
        "{rendered}"
    );
    assert_eq!(err.code(), "config.invalid");
}

#[test]
fn toml_syntax_and_unknown_fields_are_refused_with_position() {
    let err =
        ServicesFile::parse_toml("[[service]]\nname = \"a\"\nclinet_id = \"x\"\n").unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }));
    let text = err.to_string();
    assert!(text.contains("clinet_id"), "{text}");
    assert!(text.contains("line 3"), "{text}");
}

#[test]
fn a_parse_error_never_echoes_the_line_that_may_hold_a_key() {
    let secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
    let toml = format!(
        "[[service]]\nname = \"a\"\ntoken_auth = {{ key_pem = \"{secret}\", secret = \"hunter2\" }}\n"
    );
    let text = ServicesFile::parse_toml(&toml).unwrap_err().to_string();
    assert!(text.contains("line 3"), "{text}");
    assert!(text.contains("key_pem"), "the field is named: {text}");
    assert!(
        !text.contains(secret) && !text.contains("hunter2"),
        "{text}"
    );
}

#[test]
fn missing_services_file_is_a_read_error() {
    let err = Services::load("/nonexistent/services.toml").unwrap_err();
    assert_eq!(err.code(), "config.read");
}

#[test]
fn a_config_error_returned_from_main_prints_the_readable_list_of_problems() {
    // `fn main() -> Result<(), Box<dyn Error>>` prints its error with `Debug`.
    fn main() -> Result<(), Box<dyn std::error::Error>> {
        let no_openid = ServiceSpec {
            scopes: Some(vec!["email".into()]),
            ..service("licences", "client-1")
        };
        file(vec![no_openid, service("licences", "client-2")]).validate()?;
        Ok(())
    }
    let shown = format!("{:?}", main().unwrap_err());
    assert!(
        shown.starts_with("the configuration has 2 problem(s):\n  - service `licences`"),
        "{shown}"
    );
    assert_eq!(shown.matches("\n  - ").count(), 2, "{shown}");
    assert!(shown.contains("Fix: "), "{shown}");
    assert!(
        !shown.contains("Invalid(") && !shown.contains("ConfigProblem"),
        "{shown}"
    );

    let read = Services::load("/nonexistent/services.toml").unwrap_err();
    assert_eq!(format!("{read:?}"), read.to_string());
}

#[test]
fn client_secret_post_reads_its_secret_from_the_environment_or_a_file() {
    let dir = std::env::temp_dir().join(format!("gol-core-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("secret.txt"), "  top-secret\n").unwrap();
    let mut s = service("cognito", "client-1");
    s.token_auth = TokenAuthSpec {
        method: Some("client_secret_post".into()),
        secret_file: Some("secret.txt".into()),
        ..TokenAuthSpec::default()
    };
    let mut f = file(vec![s]);
    f.base_dir = Some(dir.clone());
    let services = f.validate().unwrap();
    match services.get("cognito").unwrap().client_auth() {
        ClientAuth::ClientSecretPost { secret } => assert_eq!(secret.expose_secret(), "top-secret"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(!format!("{services:?}").contains("top-secret"));
    f.services[0].token_auth.secret_file = None;
    f.services[0].token_auth.secret_env = Some("GOVUK_ONE_LOGIN_NO_SUCH_SECRET_VAR".into());
    let p = only_problem(&f);
    assert_eq!(p.kind, ProblemKind::BadSecret);
    assert_eq!(p.field, "token_auth.secret_env");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_key_id_left_out_is_the_keys_thumbprint() {
    let mut s = service("licences", "client-1");
    s.token_auth.key_id = None;
    let services = file(vec![s]).validate().unwrap();
    let ClientAuth::PrivateKeyJwt { key, .. } = services.get("licences").unwrap().client_auth()
    else {
        panic!("private_key_jwt expected");
    };
    let jwk = key.public_jwk("RS256");
    let thumbprint = govuk_one_login_core::jwk_thumbprint(
        jwk["n"].as_str().unwrap(),
        jwk["e"].as_str().unwrap(),
    );
    assert_eq!(key.key_id(), thumbprint);
    assert_eq!(key.key_id(), key.thumbprint());
    assert_eq!(key.key_id().len(), 43, "SHA-256, base64url without padding");
}

#[test]
fn a_key_list_signs_with_the_current_key_and_publishes_every_key() {
    let next = RsaPrivateKey::generate("next").unwrap();
    let mut s = service("licences", "client-1");
    s.token_auth = TokenAuthSpec {
        alg: Some("PS256".into()),
        keys: vec![
            KeySpec {
                key_pem: Some(SecretString::new(RSA_2048)),
                key_id: Some("old".into()),
                ..KeySpec::default()
            },
            KeySpec {
                key_pem: Some(next.pem().clone()),
                current: true,
                ..KeySpec::default()
            },
        ],
        ..TokenAuthSpec::default()
    };
    let services = file(vec![s]).validate().unwrap();
    let auth = services.get("licences").unwrap().client_auth();
    let ClientAuth::PrivateKeyJwt { key, others, .. } = auth else {
        panic!("private_key_jwt expected");
    };
    assert_eq!(
        key.key_id(),
        next.thumbprint(),
        "the current key, its kid its thumbprint"
    );
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].key_id(), "old");
    let jwks = auth.public_jwks();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0]["kid"], next.thumbprint().as_str(), "current first");
    assert_eq!(keys[1]["kid"], "old");
    for k in keys {
        assert_eq!(k["kty"], "RSA");
        assert_eq!(k["use"], "sig");
        assert_eq!(k["alg"], "PS256");
        assert_eq!(k["e"], "AQAB");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                k.get(private).is_none(),
                "{private} must never be published"
            );
        }
    }
    // TOML reads the same list.
    let toml = r#"
[[service]]
name = "licences"
client_id = "client-1"
redirect_uris = ["https://licences.example.gov.uk/callback"]
token_auth = { keys = [{ key_env = "NO_SUCH_KEY_VAR", current = true }, { key_env = "NO_SUCH_KEY_VAR_2", key_id = "old" }] }
"#;
    let err = ServicesFile::parse_toml(toml)
        .unwrap()
        .validate()
        .unwrap_err();
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["token_auth.keys[0].key_env", "token_auth.keys[1].key_env"]
    );
}
