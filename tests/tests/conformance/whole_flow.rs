//! The whole flow in the library: multi-service dispatch, sign-out state, back-channel retries
//! after the application failed, keys used as soon as they are published, the egress proxy,
//! redirects never followed, and sealed sessions.

use std::sync::{Arc, Mutex};

use govuk_one_login::{
    BackChannelError, OneLogin, PendingSignIn, SealError, Sealer, SealingKey, SignInError,
    SignInOptions, SignedIn,
};
use govuk_one_login_conformance::{Harness, auth_service, expect_failure, expect_success};
use govuk_one_login_testkit::{Endpoint, EndpointFault, Faults};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const F: &str = "whole_flow";

fn sign_in_code(e: &SignInError) -> &'static str {
    e.code()
}

fn back_channel_code(e: &BackChannelError) -> &'static str {
    e.code()
}

fn form(token: &str) -> Vec<u8> {
    format!("logout_token={token}").into_bytes()
}

async fn three_services() -> Harness {
    Harness::start(vec![
        auth_service("a", "client-a"),
        auth_service("b", "client-b"),
        auth_service("c", "client-c"),
    ])
    .await
}

#[tokio::test]
async fn a_callback_is_dispatched_to_the_right_one_of_three_pending_sign_ins() {
    let h = three_services().await;
    let mut pendings: Vec<PendingSignIn> = Vec::new();
    let mut queries = Vec::new();
    for name in ["a", "b", "c"] {
        let (pending, query) = h.callback(name, SignInOptions::default()).await;
        pendings.push(pending);
        queries.push(query);
    }
    // The middle one comes back first.
    let signed_in = h.one_login.finish_sign_in(&queries[1], &mut pendings).await;
    let signed_in = expect_success(F, "callback_to_second_of_three_pending", signed_in);
    assert_eq!(signed_in.service().as_str(), "b");
    let left: Vec<&str> = pendings.iter().map(PendingSignIn::service).collect();
    assert_eq!(
        left,
        ["a", "c"],
        "only the matched pending sign-in is taken out"
    );

    // A forged state takes nothing out and makes no request.
    let tokens_before = h.calls_to("/token");
    let r = h
        .one_login
        .finish_sign_in("code=stolen&state=forged", &mut pendings)
        .await;
    expect_failure(
        F,
        "callback_with_state_of_no_pending",
        "sign_in.state_mismatch",
        r,
        sign_in_code,
    );
    let r = h
        .one_login
        .finish_sign_in("code=stolen", &mut pendings)
        .await;
    expect_failure(
        F,
        "callback_without_state",
        "sign_in.missing_state",
        r,
        sign_in_code,
    );
    assert_eq!(pendings.len(), 2);
    assert_eq!(h.calls_to("/token"), tokens_before);

    // The other two still finish, each as its own service.
    let c = h
        .one_login
        .finish_sign_in(&queries[2], &mut pendings)
        .await
        .unwrap();
    assert_eq!(c.service().as_str(), "c");
    let a = h
        .one_login
        .finish_sign_in(&queries[0], &mut pendings)
        .await
        .unwrap();
    assert_eq!(a.service().as_str(), "a");
    let r = h.one_login.finish_sign_in(&queries[0], &mut pendings).await;
    expect_failure(
        F,
        "callback_with_nothing_pending",
        "sign_in.no_pending",
        r,
        sign_in_code,
    );
}

#[tokio::test]
async fn a_logout_token_for_service_b_posted_to_a_path_shared_with_service_a_ends_bs_sessions() {
    let h = three_services().await;
    let b = h.sign_in("b", SignInOptions::default()).await.unwrap();
    let token = h.provider.mint_logout_token("client-b", b.sub(), None);
    let notice = h
        .one_login
        .back_channel_logout_among(&["a", "b"], &form(&token))
        .await;
    let notice = expect_success(F, "logout_token_for_b_on_a_shared_path", notice);
    assert_eq!(notice.service().as_str(), "b");
    assert_eq!(notice.sub(), b.sub());

    // A token for c is for none of the path's services: refused, nothing verified.
    let c = h.sign_in("c", SignInOptions::default()).await.unwrap();
    let token = h.provider.mint_logout_token("client-c", c.sub(), None);
    let r = h
        .one_login
        .back_channel_logout_among(&["a", "b"], &form(&token))
        .await;
    let e = expect_failure(
        F,
        "logout_token_for_another_path",
        "back_channel.unknown_audience",
        r,
        back_channel_code,
    );
    assert_eq!(e.response().status(), 400);

    // A forged audience only chooses the verifier, which then refuses the forgery.
    let forged = h.provider.mint_logout_token(
        "client-a",
        c.sub(),
        Some(govuk_one_login_testkit::LogoutTokenFault::InvalidSignature),
    );
    let r = h.one_login.back_channel_logout(&form(&forged)).await;
    expect_failure(
        F,
        "forged_token_naming_a",
        "logout_token.signature.invalid",
        r,
        back_channel_code,
    );
}

#[tokio::test]
async fn a_logout_retry_after_the_application_failed_ends_the_older_session_and_spares_a_newer_one()
{
    let h = Harness::standard().await;
    let older = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    h.clock.advance(std::time::Duration::from_secs(5));
    let token = h
        .provider
        .mint_logout_token("client-auth", older.sub(), None);
    // The person signs in again, ten seconds after the token was issued (within any leeway).
    h.clock.advance(std::time::Duration::from_secs(10));
    let newer = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    assert_eq!(newer.sub(), older.sub());

    // First delivery: the application fails to end the sessions and says so.
    let notice = h
        .one_login
        .back_channel_logout(&form(&token))
        .await
        .unwrap();
    let failed = h.one_login.back_channel_failed(&notice).await;
    assert_eq!(failed.status(), 500, "One Login must retry");

    // One Login's retry of the same token is applied, not taken for a replay.
    h.clock.advance(std::time::Duration::from_secs(5));
    let retry = h.one_login.back_channel_logout(&form(&token)).await;
    let retry = expect_success(F, "logout_retry_after_application_failure", retry);
    assert!(
        retry.ends(&older),
        "the sign-in made before the logout ends"
    );
    assert!(
        !retry.ends(&newer),
        "the sign-in made after the logout survives the retry"
    );
    let other = h
        .sign_in("identity", SignInOptions::default())
        .await
        .unwrap();
    assert!(
        !retry.ends(&other),
        "another service's session is never ended"
    );

    // After success, the same token again is a replay: refused, ending nothing.
    let replay = h.one_login.back_channel_logout(&form(&token)).await;
    let e = expect_failure(
        F,
        "logout_replay_after_success",
        "back_channel.replayed",
        replay,
        back_channel_code,
    );
    assert_eq!(e.response().status(), 400);
}

#[tokio::test]
async fn a_key_used_the_second_after_it_was_published_is_accepted() {
    let h = Harness::standard().await;
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    assert_eq!(h.calls_to("/.well-known/jwks.json"), 1);
    h.clock.advance(std::time::Duration::from_secs(1));
    h.provider.rotate_id_token_keys();
    let r = h.sign_in("auth", SignInOptions::default()).await;
    expect_success(F, "key_used_a_second_after_publication", r);
    assert_eq!(
        h.calls_to("/.well-known/jwks.json"),
        2,
        "one refresh for the new kid"
    );
}

#[tokio::test]
async fn a_307_from_the_token_endpoint_is_not_followed() {
    let h = Harness::standard().await;
    h.provider.set_faults(Faults::endpoint(
        Endpoint::Token,
        EndpointFault::Status(307),
    ));
    let r = h.sign_in("auth", SignInOptions::default()).await;
    expect_failure(
        F,
        "token_endpoint_307",
        "transport.redirect",
        r,
        sign_in_code,
    );
    assert_eq!(h.calls_to("/token"), 1);
    assert_eq!(h.calls_to("/userinfo"), 0);
}

#[tokio::test]
async fn a_sealed_signed_in_opens_with_its_key_and_fails_with_another_or_a_flipped_byte() {
    let h = Harness::standard().await;
    let signed_in = h
        .sign_in(
            "identity",
            SignInOptions {
                identity: true,
                ..SignInOptions::default()
            },
        )
        .await
        .unwrap();
    let (key, _) = SealingKey::generate().unwrap();
    let sealer = Sealer::new(key);
    let sealed = sealer.seal(&signed_in).unwrap();
    let email = signed_in.email().unwrap();
    assert!(
        !String::from_utf8_lossy(&sealed).contains(email),
        "no clear personal data"
    );
    let opened: SignedIn = sealer.open(&sealed).unwrap();
    assert_eq!(opened.sub(), signed_in.sub());
    assert_eq!(opened.email(), signed_in.email());
    assert_eq!(opened.names().len(), signed_in.names().len());
    assert!(opened.identity().is_some());
    assert_eq!(
        opened.id_token().expose_secret(),
        signed_in.id_token().expose_secret()
    );

    let (other, _) = SealingKey::generate().unwrap();
    assert_eq!(
        Sealer::new(other).open::<SignedIn>(&sealed).unwrap_err(),
        SealError::UnknownKey
    );
    let mut flipped = sealed;
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        sealer.open::<SignedIn>(&flipped).unwrap_err(),
        SealError::Invalid
    );
}

/// A forwarding HTTP proxy on loopback that records each request line it forwards.
async fn forwarding_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let _ = forward(client, log).await;
            });
        }
    });
    (url, seen)
}

async fn forward(mut client: TcpStream, log: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let target = govuk_one_login::Url::parse(target).expect("absolute-form through a proxy");
    log.lock().unwrap().push(format!("{method} {target}"));
    let mut length = 0usize;
    let mut headers = String::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") || lower.starts_with("proxy-") {
            continue;
        }
        headers.push_str(line);
        headers.push_str("\r\n");
    }
    let mut body = vec![0u8; length];
    client.read_exact(&mut body).await?;
    let origin = format!(
        "{}:{}",
        target.host_str().unwrap_or_default(),
        target.port().unwrap_or(80)
    );
    let mut upstream = TcpStream::connect(origin).await?;
    let path = match target.query() {
        Some(q) => format!("{}?{q}", target.path()),
        None => target.path().to_owned(),
    };
    upstream
        .write_all(
            format!("{method} {path} HTTP/1.1\r\n{headers}connection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    upstream.write_all(&body).await?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).await?;
    client.write_all(&response).await?;
    client.shutdown().await
}

#[tokio::test]
async fn every_provider_request_goes_through_the_configured_proxy() {
    let (proxy, seen) = forwarding_proxy().await;
    let h = Harness::start_configured(
        vec![auth_service("auth", "client-auth")],
        |table| table.proxy = Some(proxy.clone()),
        |b| b,
    )
    .await;
    let r = h.sign_in("auth", SignInOptions::default()).await;
    expect_success(F, "sign_in_through_egress_proxy", r);
    let seen = seen.lock().unwrap().clone();
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
        "/token",
        "/userinfo",
    ] {
        let through = seen.iter().filter(|l| l.contains(path)).count();
        assert_eq!(through, h.calls_to(path), "{path}: {seen:?}");
        assert!(through >= 1, "{path} went through the proxy");
    }
}

#[tokio::test]
async fn warm_up_fetches_the_documents_before_the_first_sign_in() {
    let h = Harness::standard().await;
    let report = h.one_login.warm_up().await;
    assert!(report.is_ready() && report.is_complete(), "{report:?}");
    assert_eq!(h.calls_to("/.well-known/jwks.json"), 1);
    // Every service's algorithms are ones the provider advertises.
    assert!(
        h.one_login
            .unsupported_algorithms()
            .await
            .unwrap()
            .is_empty()
    );
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    assert_eq!(h.calls_to("/.well-known/openid-configuration"), 1);
    assert_eq!(h.calls_to("/.well-known/jwks.json"), 1);
    // Nothing is due while the documents are fresh.
    let _ = h.one_login.refresh_due().await;
    assert_eq!(h.calls_to("/.well-known/jwks.json"), 1);
    let _: &OneLogin = &h.one_login;
}

#[tokio::test]
async fn keep_fresh_refreshes_each_document_before_it_expires_and_nothing_earlier() {
    let h = Harness::standard().await;
    assert!(h.one_login.warm_up().await.is_complete());
    let did = "/.well-known/did.json";
    let jwks = "/.well-known/jwks.json";
    assert_eq!((h.calls_to(jwks), h.calls_to(did)), (1, 1));

    // Fresh: nothing fetched, and the next look is at most five minutes away.
    let wait = h.one_login.keep_fresh_once().await;
    assert!(
        wait <= std::time::Duration::from_secs(300) && wait >= std::time::Duration::from_secs(1)
    );
    assert_eq!((h.calls_to(jwks), h.calls_to(did)), (1, 1));

    // A second before the DID document (max-age 3600) expires it is refreshed; the JWKS
    // (max-age 86400) is not.
    h.clock.advance(std::time::Duration::from_secs(3_599));
    h.one_login.keep_fresh_once().await;
    assert_eq!((h.calls_to(jwks), h.calls_to(did)), (1, 2));

    // A second before the JWKS expires, it is refreshed too: no lookup ever waits for it.
    h.clock
        .advance(std::time::Duration::from_secs(86_400 - 3_600));
    h.one_login.keep_fresh_once().await;
    assert_eq!(h.calls_to(jwks), 2);
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    assert_eq!(h.calls_to(jwks), 2);
}

/// A shared store that is down: every call fails as a Redis outage would.
#[derive(Debug)]
struct DownStore;

impl govuk_one_login::ReplayStore for DownStore {
    fn check_and_remember(
        &self,
        _: &str,
        _: i64,
        _: i64,
    ) -> govuk_one_login::core::BoxFuture<
        '_,
        Result<govuk_one_login::core::ReplayCheck, govuk_one_login::core::ReplayStoreError>,
    > {
        Box::pin(async { Err(down()) })
    }

    fn forget(
        &self,
        _: &str,
    ) -> govuk_one_login::core::BoxFuture<'_, Result<(), govuk_one_login::core::ReplayStoreError>>
    {
        Box::pin(async { Err(down()) })
    }
}

fn down() -> govuk_one_login::core::ReplayStoreError {
    govuk_one_login::core::ReplayStoreError::Unavailable {
        store: "redis",
        source: Arc::new(std::io::Error::other("connection refused")),
    }
}

#[tokio::test]
async fn a_failing_store_of_one_service_stops_only_that_service() {
    let down: Arc<dyn govuk_one_login::ReplayStore> = Arc::new(DownStore);
    let h = Harness::start_with(
        vec![auth_service("a", "client-a"), auth_service("b", "client-b")],
        |b| b.service_stores("b", down.clone(), down.clone()),
    )
    .await;
    let b = expect_failure(
        F,
        "sign_in_with_its_own_store_down",
        "replay_store.unavailable",
        h.sign_in("b", SignInOptions::default()).await,
        sign_in_code,
    );
    assert_eq!(b.action(), govuk_one_login::Action::RetryLater, "{b}");
    let a = h.sign_in("a", SignInOptions::default()).await;
    let a = expect_success(F, "other_service_signs_in_while_a_store_is_down", a);
    assert_eq!(a.service().as_str(), "a");

    // Its back-channel logout is refused for a retry (5xx), never applied unchecked; the other
    // service's is applied.
    let token_b = h
        .provider
        .mint_logout_token("client-b", &h.subject("b"), None);
    let refused = h.one_login.back_channel_logout(&form(&token_b)).await;
    let refused = expect_failure(
        F,
        "logout_with_its_own_store_down",
        "replay_store.unavailable",
        refused,
        back_channel_code,
    );
    assert!(refused.response().status() >= 500, "{refused}");
    let token_a = h
        .provider
        .mint_logout_token("client-a", &h.subject("a"), None);
    let applied = h.one_login.back_channel_logout(&form(&token_a)).await;
    expect_success(F, "other_service_logout_while_a_store_is_down", applied);

    // Stores for a service the file does not have are a set-up error.
    let file = govuk_one_login::ServicesFile {
        provider: h.provider.provider_spec(),
        services: vec![auth_service("a", "client-a")],
        base_dir: None,
    };
    let built = OneLogin::builder(file.validate().unwrap())
        .service_stores("nope", down.clone(), down)
        .build();
    assert_eq!(
        built.map(drop).map_err(|e| e.code()),
        Err("setup.unknown_service")
    );
}
