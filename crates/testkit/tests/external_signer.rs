//! A service key held by a signer outside the process (a cloud KMS, an HSM) behind `JwsSigner`:
//! it signs the client assertions and request objects, the process holds only the public half,
//! and a signer that fails or holds another key stops the sign-in before anything is sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use govuk_one_login::core::{
    BoxFuture, ClientAssertionAlgorithm, KeySpec, ServiceSpec, TokenAuthSpec,
};
use govuk_one_login::{
    JwsSigner, OneLogin, RsaPrivateKey, ServicesFile, SignInOptions, SignerError,
};
use govuk_one_login_testkit::{Harness, auth_service};

/// What the fake KMS does when asked to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sign,
    Fail,
    Refuse,
    SignWithAnotherKey,
    /// Signs PKCS#1 v1.5 whatever the algorithm asked.
    AlwaysPkcs1,
    Hang,
}

/// A stand-in for a KMS: the private keys live here, never in the relying party; it signs
/// with the key the relying party names by its `kid` (the thumbprint here).
#[derive(Debug)]
struct FakeKms {
    key: RsaPrivateKey,
    second: RsaPrivateKey,
    other: RsaPrivateKey,
    mode: Mode,
    calls: AtomicUsize,
}

impl FakeKms {
    fn new(mode: Mode) -> Arc<Self> {
        Arc::new(Self {
            key: RsaPrivateKey::generate("kms").unwrap(),
            second: RsaPrivateKey::generate("second").unwrap(),
            other: RsaPrivateKey::generate("other").unwrap(),
            mode,
            calls: AtomicUsize::new(0),
        })
    }

    /// The public half as the KMS exports it (SubjectPublicKeyInfo PEM).
    fn public_pem(&self) -> String {
        spki_pem(&self.key)
    }
}

fn spki_pem(key: &RsaPrivateKey) -> String {
    key.public_key().to_pem()
}

fn raw_sign(key: &RsaPrivateKey, alg: ClientAssertionAlgorithm, input: &[u8]) -> Vec<u8> {
    let der = pem::parse(key.pem().expose_secret().trim()).unwrap();
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(der.contents()).unwrap();
    let padding: &'static dyn aws_lc_rs::signature::RsaEncoding = match alg {
        ClientAssertionAlgorithm::PS256 => &aws_lc_rs::signature::RSA_PSS_SHA256,
        _ => &aws_lc_rs::signature::RSA_PKCS1_SHA256,
    };
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        padding,
        &aws_lc_rs::rand::SystemRandom::new(),
        input,
        &mut signature,
    )
    .unwrap();
    signature
}

impl JwsSigner for FakeKms {
    fn sign<'a>(
        &'a self,
        key_id: &'a str,
        alg: ClientAssertionAlgorithm,
        input: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>, SignerError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let key = if key_id == self.second.thumbprint() {
                &self.second
            } else if key_id == self.key.thumbprint() {
                &self.key
            } else {
                return Err(SignerError::permanent(format!("no key {key_id}")));
            };
            match self.mode {
                Mode::Sign => Ok(raw_sign(key, alg, input)),
                Mode::SignWithAnotherKey => Ok(raw_sign(&self.other, alg, input)),
                Mode::AlwaysPkcs1 => Ok(raw_sign(key, ClientAssertionAlgorithm::RS256, input)),
                Mode::Fail => Err(SignerError::transient("KMS throttled the request")),
                Mode::Refuse => Err(SignerError::permanent("AccessDeniedException")),
                Mode::Hang => std::future::pending().await,
            }
        })
    }
}

/// The service `app` whose current key the signer `kms` holds.
fn kms_service(kms: &FakeKms, request_objects: bool, alg: &str) -> ServiceSpec {
    ServiceSpec {
        token_auth: TokenAuthSpec {
            signer: Some("kms".into()),
            public_key_pem: Some(kms.public_pem()),
            alg: Some(alg.into()),
            ..TokenAuthSpec::default()
        },
        request_objects: Some(request_objects),
        ..auth_service("app", "app-client")
    }
}

fn services(h: &Harness, spec: ServiceSpec) -> govuk_one_login::Services {
    ServicesFile {
        provider: h.provider.provider_spec(),
        services: vec![spec],
        base_dir: None,
    }
    .validate()
    .unwrap()
}

fn deploy(h: &Harness, spec: ServiceSpec, kms: Arc<FakeKms>) -> OneLogin {
    let services = services(h, spec);
    for service in services.iter() {
        h.provider.register(service);
    }
    OneLogin::builder(services)
        .clock(Arc::new(h.clock.clone()))
        .signer("kms", kms)
        .signer_timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap()
}

async fn sign_in(h: &Harness, one_login: &OneLogin) -> Result<(), &'static str> {
    sign_in_to(h, one_login, "app").await
}

async fn sign_in_to(h: &Harness, one_login: &OneLogin, name: &str) -> Result<(), &'static str> {
    let rp = one_login.relying_party(name).unwrap();
    let start = rp
        .start_sign_in(SignInOptions::default())
        .await
        .map_err(|e| e.code())?;
    let callback = h.provider.authorize(&start.url).await.unwrap();
    rp.finish_sign_in(callback.query().unwrap_or_default(), start.pending)
        .await
        .map(drop)
        .map_err(|e| e.code())
}

#[tokio::test]
async fn a_key_held_by_a_signer_signs_assertions_and_request_objects() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    for alg in ["RS256", "PS256"] {
        let kms = FakeKms::new(Mode::Sign);
        let one_login = deploy(&h, kms_service(&kms, true, alg), kms.clone());
        h.provider.clear_requests();
        assert_eq!(sign_in(&h, &one_login).await, Ok(()), "{alg}");
        // One signature for the request object, one for the client assertion.
        assert_eq!(kms.calls.load(Ordering::SeqCst), 2, "{alg}");
        let token = h.provider.requests_to("/token");
        let assertion = token[0].client_assertion.as_ref().unwrap();
        assert_eq!(assertion.header["kid"], kms.key.thumbprint(), "{alg}");
        assert_eq!(assertion.header["alg"], alg);
        // The service's JWKS publishes the KMS key's public half, with its thumbprint kid.
        let jwks = one_login.relying_party("app").unwrap().service_jwks();
        assert_eq!(jwks["keys"][0]["n"], kms.key.public_jwk(alg)["n"]);
        assert_eq!(jwks["keys"][0]["kid"], kms.key.thumbprint());
    }
}

#[tokio::test]
async fn a_failing_signer_or_one_holding_another_key_stops_the_sign_in_before_anything_is_sent() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    for (mode, alg, code, retry) in [
        (Mode::Fail, "RS256", "sign.signer", true),
        (Mode::Hang, "RS256", "sign.signer", true),
        (Mode::Refuse, "RS256", "sign.signer", false),
        (
            Mode::SignWithAnotherKey,
            "RS256",
            "sign.bad_signature",
            false,
        ),
        // A KMS key made for PKCS#1 while the file says PS256.
        (Mode::AlwaysPkcs1, "PS256", "sign.bad_signature", false),
    ] {
        // Without request objects the start needs no signature; the exchange does.
        let kms = FakeKms::new(mode);
        let one_login = deploy(&h, kms_service(&kms, false, alg), kms.clone());
        h.provider.clear_requests();
        let rp = one_login.relying_party("app").unwrap();
        let start = rp.start_sign_in(SignInOptions::default()).await.unwrap();
        let callback = h.provider.authorize(&start.url).await.unwrap();
        let e = rp
            .finish_sign_in(callback.query().unwrap_or_default(), start.pending)
            .await
            .unwrap_err();
        assert_eq!(e.code(), code);
        assert_eq!(
            e.action() == govuk_one_login::Action::RetryLater,
            retry,
            "{code}"
        );
        assert!(h.provider.requests_to("/token").is_empty(), "{code}");
        // With request objects, the start itself fails and no URL is made.
        let one_login = deploy(&h, kms_service(&kms, true, alg), kms.clone());
        let e = one_login
            .relying_party("app")
            .unwrap()
            .start_sign_in(SignInOptions::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), code);
    }
}

#[tokio::test]
async fn one_signer_holds_the_keys_of_two_services_and_signs_each_with_its_own() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    let kms = FakeKms::new(Mode::Sign);
    let second = ServiceSpec {
        token_auth: TokenAuthSpec {
            signer: Some("kms".into()),
            public_key_pem: Some(spki_pem(&kms.second)),
            ..TokenAuthSpec::default()
        },
        ..auth_service("second", "second-client")
    };
    let services = ServicesFile {
        provider: h.provider.provider_spec(),
        services: vec![kms_service(&kms, false, "RS256"), second],
        base_dir: None,
    }
    .validate()
    .unwrap();
    for service in services.iter() {
        h.provider.register(service);
    }
    let one_login = OneLogin::builder(services)
        .clock(Arc::new(h.clock.clone()))
        .signer("kms", kms.clone())
        .build()
        .unwrap();
    for (name, key) in [("app", &kms.key), ("second", &kms.second)] {
        h.provider.clear_requests();
        assert_eq!(sign_in_to(&h, &one_login, name).await, Ok(()), "{name}");
        let token = h.provider.requests_to("/token");
        let assertion = token[0].client_assertion.as_ref().unwrap();
        assert_eq!(assertion.header["kid"], key.thumbprint(), "{name}");
    }
}

#[tokio::test]
async fn the_signer_must_be_registered_and_every_registered_signer_used() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    let kms = FakeKms::new(Mode::Sign);
    let unregistered = OneLogin::builder(services(&h, kms_service(&kms, false, "RS256")))
        .build()
        .unwrap_err();
    assert_eq!(unregistered.code(), "setup.signer_not_registered");
    assert!(unregistered.to_string().contains(".signer(\"kms\""));
    let unused = OneLogin::builder(services(&h, auth_service("plain", "plain-client")))
        .signer("kms", kms.clone())
        .build()
        .unwrap_err();
    assert_eq!(unused.code(), "setup.unused_signer");
    // The next key's signer too: a rotation must not fail on the day that key becomes current.
    let next = ServiceSpec {
        token_auth: TokenAuthSpec {
            keys: vec![
                KeySpec {
                    key_pem: Some(RsaPrivateKey::generate("now").unwrap().pem().clone()),
                    current: true,
                    ..KeySpec::default()
                },
                KeySpec {
                    signer: Some("kms-next".into()),
                    public_key_pem: Some(kms.public_pem()),
                    ..KeySpec::default()
                },
            ],
            ..TokenAuthSpec::default()
        },
        ..auth_service("app", "app-client")
    };
    let e = OneLogin::builder(services(&h, next)).build().unwrap_err();
    assert_eq!(e.code(), "setup.signer_not_registered");
    assert!(e.to_string().contains("kms-next"));
    assert_eq!(kms.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_rotation_can_move_the_current_key_into_a_signer() {
    let h = Harness::start(vec![auth_service("other", "other-client")]).await;
    let kms = FakeKms::new(Mode::Sign);
    let old = RsaPrivateKey::generate("old").unwrap();
    let spec = ServiceSpec {
        token_auth: TokenAuthSpec {
            keys: vec![
                KeySpec {
                    signer: Some("kms".into()),
                    public_key_pem: Some(kms.public_pem()),
                    current: true,
                    ..KeySpec::default()
                },
                KeySpec {
                    key_pem: Some(old.pem().clone()),
                    key_id: Some("old".into()),
                    ..KeySpec::default()
                },
            ],
            ..TokenAuthSpec::default()
        },
        jwks_uri: Some("https://app.example.gov.uk/.well-known/jwks.json".into()),
        ..auth_service("app", "app-client")
    };
    let one_login = deploy(&h, spec, kms.clone());
    assert_eq!(sign_in(&h, &one_login).await, Ok(()));
    let jwks = one_login.relying_party("app").unwrap().service_jwks();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [kms.key.thumbprint().as_str(), "old"]);
}

#[test]
fn the_services_file_refuses_a_signer_key_without_its_public_half_or_with_a_private_key() {
    let kms_pem = RsaPrivateKey::generate("k").unwrap();
    let public = FakeKms::new(Mode::Sign).public_pem();
    let provider = govuk_one_login::ProviderSpec {
        environment: Some("integration".into()),
        ..govuk_one_login::ProviderSpec::default()
    };
    let check = |token_auth: TokenAuthSpec| -> Vec<&'static str> {
        let file = ServicesFile {
            provider: provider.clone(),
            services: vec![ServiceSpec {
                token_auth,
                back_channel_logout_uri: None,
                ..auth_service("app", "app-client")
            }],
            base_dir: None,
        };
        match file.validate() {
            Ok(_) => Vec::new(),
            Err(e) => e.problems().iter().map(|p| p.kind.code()).collect(),
        }
    };
    let ok = TokenAuthSpec {
        signer: Some("kms".into()),
        public_key_pem: Some(public),
        ..TokenAuthSpec::default()
    };
    assert_eq!(check(ok.clone()), Vec::<&str>::new());
    for (bad, code) in [
        (
            TokenAuthSpec {
                public_key_pem: None,
                ..ok.clone()
            },
            "config.bad_signer",
        ),
        (
            TokenAuthSpec {
                key_pem: Some(kms_pem.pem().clone()),
                ..ok.clone()
            },
            "config.bad_signer",
        ),
        (
            TokenAuthSpec {
                signer: Some("has space".into()),
                ..ok.clone()
            },
            "config.bad_signer",
        ),
        (
            TokenAuthSpec {
                signer: None,
                ..ok.clone()
            },
            "config.bad_signer",
        ),
        (
            TokenAuthSpec {
                public_key_pem: Some(kms_pem.pem().expose_secret().to_owned()),
                ..ok
            },
            "config.bad_key",
        ),
        // The same key twice: its private file and the KMS copy of it.
        (
            TokenAuthSpec {
                keys: vec![
                    KeySpec {
                        key_pem: Some(kms_pem.pem().clone()),
                        key_id: Some("file".into()),
                        current: true,
                        ..KeySpec::default()
                    },
                    KeySpec {
                        signer: Some("kms".into()),
                        public_key_pem: Some(kms_pem.public_key().to_pem()),
                        ..KeySpec::default()
                    },
                ],
                ..TokenAuthSpec::default()
            },
            "config.duplicate_key_id",
        ),
        (
            TokenAuthSpec {
                method: Some("client_secret_post".into()),
                secret: Some(govuk_one_login::SecretString::new("s")),
                public_key_pem: Some(kms_pem.public_key().to_pem()),
                ..TokenAuthSpec::default()
            },
            "config.mixed_auth_settings",
        ),
    ] {
        assert_eq!(check(bad.clone()), vec![code], "{bad:?}");
    }
}
