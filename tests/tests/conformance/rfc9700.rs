//! RFC 9700 (OAuth 2.0 Security Best Current Practice): state (CSRF), PKCE, mix-up, code
//! injection and replay, open redirects.

use govuk_one_login::{SignInError, SignInOptions};
use govuk_one_login_conformance::{Harness, expect_failure};

const F: &str = "rfc9700";

fn code(e: &SignInError) -> &'static str {
    e.code()
}

#[tokio::test]
async fn rejects_a_callback_with_another_browsers_state() {
    let h = Harness::standard().await;
    let (pending, _) = h.callback("auth", SignInOptions::default()).await;
    let (_, other_query) = h.callback("auth", SignInOptions::default()).await;
    let r = h.rp("auth").finish_sign_in(&other_query, pending).await;
    expect_failure(F, "csrf_state_mismatch", "sign_in.state_mismatch", r, code);
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn rejects_a_callback_without_state() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    let without: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with("state="))
        .collect();
    let r = h
        .rp("auth")
        .finish_sign_in(&without.join("&"), pending)
        .await;
    expect_failure(F, "missing_state", "sign_in.missing_state", r, code);
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn a_pending_sign_in_is_usable_once() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    h.rp("auth")
        .finish_sign_in(&query, pending.clone())
        .await
        .unwrap();
    let r = h.rp("auth").finish_sign_in(&query, pending).await;
    expect_failure(F, "state_replay", "sign_in.state_replayed", r, code);
    assert_eq!(h.calls_to("/token"), 1);
}

#[tokio::test]
async fn rejects_a_repeated_code_parameter_code_injection() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    let r = h
        .rp("auth")
        .finish_sign_in(&format!("{query}&code=injected"), pending)
        .await;
    expect_failure(
        F,
        "code_injection_duplicate_code",
        "sign_in.duplicate_parameter",
        r,
        code,
    );
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn rejects_a_code_stolen_from_another_sign_in() {
    // The attacker's code, injected into the victim's callback with the victim's state: the PKCE
    // verifier and nonce of the victim's sign-in do not fit, so the provider or the ID token check
    // refuses it.
    let h = Harness::standard().await;
    let (victim, victim_query) = h.callback("auth", SignInOptions::default()).await;
    let (_, attacker_query) = h.callback("auth", SignInOptions::default()).await;
    let attacker_code = attacker_query
        .split('&')
        .find(|p| p.starts_with("code="))
        .unwrap();
    let victim_state = victim_query
        .split('&')
        .find(|p| p.starts_with("state="))
        .unwrap();
    let r = h
        .rp("auth")
        .finish_sign_in(&format!("{attacker_code}&{victim_state}"), victim)
        .await;
    expect_failure(F, "code_injection_pkce", "sign_in.token_endpoint", r, code);
    assert_eq!(h.calls_to("/userinfo"), 0);
}

#[tokio::test]
async fn sends_a_pkce_s256_challenge_and_the_verifier() {
    let h = Harness::standard().await;
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let authorize = &h.provider.requests_to("/authorize")[0];
    assert!(
        authorize
            .query
            .iter()
            .any(|(k, v)| k == "code_challenge_method" && v == "S256")
    );
    let token = &h.provider.requests_to("/token")[0];
    let verifier = token
        .form
        .iter()
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.len());
    assert_eq!(verifier, Some(43));
}

#[tokio::test]
async fn rejects_a_callback_whose_iss_names_another_provider_mix_up() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    let r = h
        .rp("auth")
        .finish_sign_in(
            &format!("{query}&iss=https%3A%2F%2Fattacker.example%2F"),
            pending,
        )
        .await;
    expect_failure(F, "mix_up_iss", "sign_in.issuer_mismatch", r, code);
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn rejects_a_callback_with_both_code_and_error() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    let r = h
        .rp("auth")
        .finish_sign_in(&format!("{query}&error=access_denied"), pending)
        .await;
    expect_failure(F, "code_and_error", "sign_in.code_and_error", r, code);
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn an_error_with_a_forged_state_is_a_state_mismatch_not_a_provider_error() {
    let h = Harness::standard().await;
    let (pending, _) = h.callback("auth", SignInOptions::default()).await;
    let r = h
        .rp("auth")
        .finish_sign_in("error=access_denied&state=forged", pending)
        .await;
    expect_failure(F, "error_before_state", "sign_in.state_mismatch", r, code);
}

#[tokio::test]
async fn refuses_a_redirect_uri_that_is_not_registered_open_redirect() {
    let h = Harness::standard().await;
    let options = SignInOptions {
        redirect_uri: Some(govuk_one_login::Url::parse("https://attacker.example/cb").unwrap()),
        ..SignInOptions::default()
    };
    let r = h.rp("auth").start_sign_in(options).await;
    expect_failure(
        F,
        "open_redirect",
        "sign_in.unregistered_redirect_uri",
        r,
        code,
    );
}

#[tokio::test]
async fn a_pending_sign_in_from_another_service_is_refused() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    let r = h.rp("identity").finish_sign_in(&query, pending).await;
    expect_failure(F, "cross_service_pending", "sign_in.wrong_service", r, code);
    assert_eq!(h.calls_to("/token"), 0);
}

#[tokio::test]
async fn an_expired_pending_sign_in_is_refused() {
    let h = Harness::standard().await;
    let (pending, query) = h.callback("auth", SignInOptions::default()).await;
    h.clock.advance(std::time::Duration::from_secs(2 * 3600));
    let r = h.rp("auth").finish_sign_in(&query, pending).await;
    expect_failure(F, "pending_expired", "sign_in.pending_expired", r, code);
}
