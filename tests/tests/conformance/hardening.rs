//! The worst days: outages of every endpoint, isolation between services, a thousand concurrent
//! sign-ins, and secret hygiene in every trace event.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use govuk_one_login::http::{HttpConfig, ReqwestTransport};
use govuk_one_login::{OneLogin, ProviderRegistry, SignInError, SignInOptions};
use govuk_one_login_conformance::{
    Harness, auth_service, expect_failure, expect_success, identity_service,
};
use govuk_one_login_core::ServiceSpec;
use govuk_one_login_testkit::{Endpoint, EndpointFault, Faults, MockUser};

const F: &str = "hardening";

fn code(e: &SignInError) -> &'static str {
    e.code()
}

/// A transport with short timeouts (1.5 s) and one retry, so that outage tests end quickly.
fn quick_transport() -> Arc<ReqwestTransport> {
    let config = HttpConfig {
        timeout: Duration::from_millis(1500),
        connect_timeout: Duration::from_millis(1500),
        get_retries: 1,
        retry_base_delay: Duration::from_millis(1),
        max_retry_delay: Duration::from_millis(50),
        ..HttpConfig::default()
    };
    Arc::new(ReqwestTransport::new(config).unwrap())
}

async fn quick_harness(specs: Vec<ServiceSpec>) -> Harness {
    Harness::start_with(specs, |b| b.transport(quick_transport())).await
}

#[tokio::test]
async fn every_endpoint_outage_is_a_typed_error_never_a_panic_or_a_hang() {
    let statuses = |endpoint: Endpoint| {
        vec![
            (EndpointFault::Status(500), "500"),
            (
                EndpointFault::StatusWithRetryAfter {
                    status: 503,
                    retry_after_seconds: 1,
                },
                "503_retry_after",
            ),
            (EndpointFault::Delay(Duration::from_secs(12)), "timeout"),
            (EndpointFault::GarbageJson, "invalid_json"),
            (EndpointFault::WrongContentType, "wrong_content_type"),
            (EndpointFault::Oversized(2 * 1024 * 1024), "oversized"),
        ]
        .into_iter()
        .map(move |(f, n)| (endpoint, f, n))
    };
    let endpoints = [
        Endpoint::Discovery,
        Endpoint::Jwks,
        Endpoint::Token,
        Endpoint::Userinfo,
        Endpoint::DidDocument,
    ];
    for (endpoint, fault, name) in endpoints.into_iter().flat_map(statuses) {
        let h = quick_harness(vec![identity_service("identity", "client-identity")]).await;
        h.provider
            .set_faults(Faults::endpoint(endpoint, fault.clone()));
        let started = Instant::now();
        let options = SignInOptions {
            identity: true,
            ..SignInOptions::default()
        };
        let r = h.try_sign_in("identity", options).await;
        let scenario = format!(
            "outage_{}_{name}",
            endpoint
                .path()
                .trim_start_matches('/')
                .replace(['/', '.', '-'], "_")
        );
        // Bounded by the configured timeouts (two attempts of 1.5 s), well under the 12 s the
        // provider would take: a hang past the timeouts fails here; the margin absorbs a loaded
        // 2-core CI machine.
        assert!(
            started.elapsed() < Duration::from_secs(9),
            "{scenario} took {:?}",
            started.elapsed()
        );
        let expected = match (endpoint, name) {
            // A wrong content type with a valid body is tolerated: the JSON is what is checked.
            (_, "wrong_content_type") => "success",
            (_, "timeout") => "transport.timeout",
            (_, "oversized") => "transport.too_large",
            (Endpoint::Token, "invalid_json") => "token_response.not_json",
            (Endpoint::Token, _) => "sign_in.token_endpoint",
            (Endpoint::Userinfo, "invalid_json") => "userinfo.not_json",
            (Endpoint::Userinfo, _) => "sign_in.userinfo_endpoint",
            (Endpoint::Discovery, "invalid_json") => "discovery.invalid_json",
            (Endpoint::Jwks, "invalid_json") => "jwks.not_json",
            (Endpoint::DidDocument, "invalid_json") => "did.not_json",
            _ => "discovery.status",
        };
        if expected == "success" {
            expect_success(F, &scenario, r);
        } else {
            expect_failure(F, &scenario, expected, r, code);
        }
    }
}

#[tokio::test]
async fn keys_are_served_last_known_good_within_max_stale_then_refused() {
    let h = quick_harness(vec![auth_service("auth", "client-auth")]).await;
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    h.provider.set_faults(
        Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500)).and(Faults::endpoint(
            Endpoint::Discovery,
            EndpointFault::Status(500),
        )),
    );
    // The JWKS and metadata expired a second ago; the provider is down: last-known-good serves.
    h.clock.advance(Duration::from_secs(86_401));
    expect_success(
        F,
        "last_known_good_keys",
        h.sign_in("auth", SignInOptions::default()).await,
    );
    // Past max-stale (another day), the stale copies are no longer trusted.
    h.clock.advance(Duration::from_secs(86_401));
    let r = h.rp("auth").start_sign_in(SignInOptions::default()).await;
    expect_failure(F, "stale_beyond_max_stale", "discovery.stale", r, code);
}

#[tokio::test]
async fn a_provider_that_is_down_gives_a_connect_error() {
    let mut h = quick_harness(vec![auth_service("auth", "client-auth")]).await;
    // A services file pointing at a port where nothing listens.
    let spec = govuk_one_login_core::ServicesFile {
        provider: govuk_one_login_core::ProviderSpec {
            environment: Some("custom".into()),
            issuer: Some("http://127.0.0.1:1/".into()),
            ..govuk_one_login_core::ProviderSpec::default()
        },
        services: vec![auth_service("auth", "client-auth")],
        base_dir: None,
    };
    h.one_login = OneLogin::builder(spec.validate().unwrap())
        .transport(quick_transport())
        .build()
        .unwrap();
    let r = h.rp("auth").start_sign_in(SignInOptions::default()).await;
    expect_failure(F, "provider_down", "transport.connect", r, code);
}

#[tokio::test]
async fn a_failing_provider_for_one_service_leaves_another_service_signing_in() {
    // Two providers, two services, one process, one shared cache registry.
    let registry = ProviderRegistry::new();
    let healthy = Harness::start_with(vec![auth_service("healthy", "client-healthy")], |b| {
        b.provider_registry(registry.clone())
            .transport(quick_transport())
    })
    .await;
    let failing = Harness::start_with(vec![auth_service("failing", "client-failing")], |b| {
        b.provider_registry(registry.clone())
            .transport(quick_transport())
    })
    .await;
    failing
        .provider
        .set_faults(Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500)));
    let (bad, good) = tokio::join!(
        failing.sign_in("failing", SignInOptions::default()),
        healthy.sign_in("healthy", SignInOptions::default())
    );
    assert_eq!(bad.unwrap_err().code(), "discovery.status");
    expect_success(F, "isolation_failing_provider", good);
    assert_eq!(registry.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_sign_ins_each_belong_to_the_person_who_started_them() {
    let mut a = auth_service("a", "client-a");
    a.request_objects = Some(true);
    let mut b = auth_service("b", "client-b");
    b.request_objects = Some(true);
    b.sector_identifier_uri = Some("https://b.example.gov.uk".into());
    let h = Arc::new(Harness::start(vec![a, b]).await);
    for n in 0..1000 {
        let mut user = MockUser::default();
        user.internal_id = format!("person-{n}");
        user.email = format!("person-{n}@example.com");
        h.provider
            .add_user_for_login_hint(format!("person-{n}@example.com"), user);
    }
    let mut tasks = Vec::new();
    for n in 0..1000 {
        let h = Arc::clone(&h);
        tasks.push(tokio::spawn(async move {
            let service = if n % 2 == 0 { "a" } else { "b" };
            let hint = format!("person-{n}@example.com");
            let options = SignInOptions {
                login_hint: Some(hint.clone()),
                ..SignInOptions::default()
            };
            let signed_in = h.sign_in(service, options).await.unwrap();
            assert_eq!(
                signed_in.email(),
                Some(hint.as_str()),
                "sign-in {n} got someone else"
            );
            assert_eq!(signed_in.service().as_str(), service);
            signed_in.sub().to_owned()
        }));
    }
    let mut subs = std::collections::HashSet::new();
    for t in tasks {
        subs.insert(t.await.unwrap());
    }
    assert_eq!(subs.len(), 1000, "every person has their own sub");
    expect_success::<(), ()>(F, "load_1000_concurrent_sign_ins", Ok(()));
}

/// Collects every formatted tracing event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_token_code_assertion_key_or_personal_datum_reaches_any_trace_event() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::standard().await;
    let options = SignInOptions {
        identity: true,
        ..SignInOptions::default()
    };
    let (pending, query) = h.callback("identity", options).await;
    let code_value = query
        .split('&')
        .find_map(|p| p.strip_prefix("code="))
        .unwrap()
        .to_owned();
    let signed_in = h
        .rp("identity")
        .finish_sign_in(&query, pending)
        .await
        .unwrap();
    let rp = h.rp("identity");
    let target = rp.config().post_logout_redirect_uris()[0].clone();
    let start = rp.start_sign_out(&signed_in, Some(&target)).await.unwrap();
    let back = h.provider.logout(&start.url).await.unwrap();
    rp.finish_sign_out(back.query().unwrap_or_default(), start.pending)
        .await
        .unwrap();
    let logout = h
        .provider
        .mint_logout_token("client-identity", signed_in.sub(), None);
    rp.back_channel_logout(format!("logout_token={logout}").as_bytes())
        .await
        .unwrap();
    // A failure path too.
    h.provider.set_faults(Faults::id_token(
        govuk_one_login_testkit::IdTokenFault::InvalidSignature,
    ));
    let _ = h.sign_in("auth", SignInOptions::default()).await;

    let token_request = &h.provider.requests_to("/token")[0];
    let assertion = token_request
        .form_field("client_assertion")
        .unwrap()
        .to_owned();
    let userinfo = &h.provider.requests_to("/userinfo")[0];
    let access_token = userinfo
        .header("authorization")
        .unwrap()
        .trim_start_matches("Bearer ")
        .to_owned();
    let user = h.provider.user();
    let key_line = govuk_one_login_conformance::CLIENT_KEY
        .lines()
        .nth(3)
        .unwrap()
        .to_owned();
    let secrets = [
        ("access token", access_token),
        ("ID token", signed_in.id_token().expose_secret().to_owned()),
        ("authorization code", code_value),
        ("client assertion", assertion),
        ("logout token", logout),
        ("private key", key_line),
        ("email address", user.email.clone()),
        ("phone number", user.phone_number.unwrap()),
        ("sub", signed_in.sub().to_owned()),
    ];
    let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("outcome=\"success\"") || text.contains("outcome=success"),
        "no outcome events captured:\n{text}"
    );
    assert!(text.contains("client_id"), "spans carry the client id");
    for (what, secret) in secrets {
        assert!(secret.len() >= 8, "{what} too short to search for");
        assert!(!text.contains(&secret), "a trace event contains the {what}");
    }
    expect_success::<(), ()>(F, "secret_hygiene_in_traces", Ok(()));
}

#[test]
fn debug_output_of_secret_holding_types_is_redacted() {
    use govuk_one_login_core::{Nonce, PkceVerifier, SecretString, State};
    let s = State::generate().unwrap();
    let n = Nonce::generate().unwrap();
    let v = PkceVerifier::generate().unwrap();
    let secret = SecretString::new("hunter2-secret");
    for (dbg, value) in [
        (format!("{s:?}"), s.secret().to_owned()),
        (format!("{n:?}"), n.secret().to_owned()),
        (format!("{v:?}"), v.secret().to_owned()),
        (format!("{secret:?}"), "hunter2-secret".to_owned()),
    ] {
        assert!(!dbg.contains(&value), "{dbg}");
    }
    fn zeroized_on_drop<T: zeroize_check::ZeroizeOnDrop>() {}
    zeroized_on_drop::<SecretString>();
    zeroized_on_drop::<State>();
    zeroized_on_drop::<Nonce>();
    zeroized_on_drop::<PkceVerifier>();
}

mod zeroize_check {
    pub(super) use zeroize::ZeroizeOnDrop;
}
