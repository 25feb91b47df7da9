//! The happy paths and the facade's promises: auth-only and identity sign-in, sign-out, isolation
//! between services, service switching within and across sectors, re-authentication.

use govuk_one_login::protocol::LogoutRequest;
use govuk_one_login::{PendingSignOut, SignInError, SignInOptions, SignOutError};
use govuk_one_login_conformance::{
    Harness, auth_service, expect_failure, expect_success, identity_service,
};
use govuk_one_login_core::{CredentialLevel, IdentityLevel, ServiceSpec};

const F: &str = "flows";

#[tokio::test]
async fn signs_in_with_authentication_only() {
    let h = Harness::standard().await;
    let signed_in = expect_success(
        F,
        "auth_only_sign_in",
        h.sign_in("auth", SignInOptions::default()).await,
    );
    let svc = h.rp("auth").config();
    assert_eq!(signed_in.sub(), h.provider.subject_for(svc));
    assert_eq!(signed_in.vot(), CredentialLevel::ClCm);
    assert_eq!(signed_in.email(), Some(h.provider.user().email.as_str()));
    assert_eq!(signed_in.email_verified(), Some(true));
    assert!(signed_in.phone_number().is_some());
    assert!(signed_in.identity().is_none());
    assert!(!signed_in.id_token().expose_secret().is_empty());
    // Exactly one of each protocol call, with a User-Agent on every direct call.
    assert_eq!(h.calls_to("/token"), 1);
    assert_eq!(h.calls_to("/userinfo"), 1);
    assert_eq!(h.calls_to("/.well-known/did.json"), 0);
    for r in h
        .provider
        .requests()
        .iter()
        .filter(|r| r.path != "/authorize")
    {
        let ua = r
            .headers
            .iter()
            .find(|(n, _)| n == "user-agent")
            .map(|(_, v)| v.as_str());
        assert!(
            ua.is_some_and(|ua| ua.starts_with("govuk-one-login-rs/")),
            "{} had {ua:?}",
            r.path
        );
    }
}

#[tokio::test]
async fn signs_in_with_identity_and_returns_the_verified_core_identity() {
    let h = Harness::standard().await;
    let options = SignInOptions {
        identity: true,
        ..SignInOptions::default()
    };
    let signed_in = expect_success(F, "identity_sign_in", h.sign_in("identity", options).await);
    let identity = signed_in.identity().expect("identity");
    assert_eq!(identity.vot(), IdentityLevel::P2);
    assert_eq!(identity.sub(), signed_in.sub());
    assert!(!signed_in.names().is_empty());
    assert!(!signed_in.birth_dates().is_empty());
    assert!(!signed_in.addresses().is_empty());
    // The authorization request carried vtr Cl.Cm.P2 and the claims request.
    let authorize = &h.provider.requests_to("/authorize")[0];
    let vtr = authorize
        .query
        .iter()
        .find(|(k, _)| k == "vtr")
        .map(|(_, v)| v.clone());
    assert_eq!(vtr.as_deref(), Some(r#"["Cl.Cm.P2"]"#));
    assert!(
        authorize
            .query
            .iter()
            .any(|(k, v)| k == "claims" && v.contains("coreIdentityJWT"))
    );
}

#[tokio::test]
async fn identity_sign_in_without_a_proven_identity_returns_return_codes_and_no_identity() {
    let h = Harness::standard().await;
    let mut user = h.provider.user();
    user.identity = None;
    user.return_codes = vec!["X".into()];
    h.provider.set_user(user);
    let options = SignInOptions {
        identity: true,
        ..SignInOptions::default()
    };
    let signed_in = expect_success(
        F,
        "identity_not_proven",
        h.sign_in("identity", options).await,
    );
    assert!(signed_in.identity().is_none());
    assert_eq!(signed_in.return_codes().len(), 1);
}

#[tokio::test]
async fn identity_is_refused_for_a_service_without_an_identity_vector() {
    let h = Harness::standard().await;
    let options = SignInOptions {
        identity: true,
        ..SignInOptions::default()
    };
    let err = h.rp("auth").start_sign_in(options).await.unwrap_err();
    assert_eq!(err.code(), "sign_in.identity_not_configured");
    assert_eq!(h.calls_to("/authorize"), 0);
}

#[tokio::test]
async fn signs_out_to_a_registered_post_logout_uri_with_a_state_checked_on_return() {
    let h = Harness::standard().await;
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let rp = h.rp("auth");
    let target = rp.config().post_logout_redirect_uris()[0].clone();
    let start = rp.start_sign_out(&signed_in, Some(&target)).await.unwrap();
    let pending = start.pending.expect("a pending sign-out for a redirect");
    assert_eq!(pending.service(), "auth");
    let sent: Vec<(String, String)> = start.url.query_pairs().into_owned().collect();
    let state = sent
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(state.len() >= 22, "at least 128 bits");
    let back = h.provider.logout(&start.url).await.unwrap();
    assert_eq!(back.as_str().split('?').next(), Some(target.as_str()));
    let done = h
        .one_login
        .finish_sign_out(back.query().unwrap_or_default(), Some(pending.clone()))
        .await;
    let done = expect_success("sign_out", "state_checked_on_return", done);
    assert_eq!(done.service(), "auth");

    let other = govuk_one_login::Url::parse("https://evil.example/").unwrap();
    let err = rp
        .start_sign_out(&signed_in, Some(&other))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sign_out.unregistered_redirect");
}

#[tokio::test]
async fn a_forged_post_logout_return_is_refused() {
    let h = Harness::standard().await;
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let start = h.one_login.start_sign_out(&signed_in, None).await.unwrap();
    let pending = start.pending.unwrap();
    let finish = |q: &'static str, p: Option<PendingSignOut>| {
        let one_login = h.one_login.clone();
        async move { one_login.finish_sign_out(q, p).await }
    };
    let code = |e: &SignOutError| e.code();
    let r = finish("state=forged", Some(pending.clone())).await;
    expect_failure(
        "sign_out",
        "forged_state",
        "sign_out.state_mismatch",
        r,
        code,
    );
    let r = finish("", Some(pending.clone())).await;
    expect_failure(
        "sign_out",
        "missing_state",
        "sign_out.missing_state",
        r,
        code,
    );
    let r = finish("state=a&state=b", Some(pending.clone())).await;
    expect_failure(
        "sign_out",
        "repeated_state",
        "sign_out.duplicate_parameter",
        r,
        code,
    );
    let r = finish("state=anything", None).await;
    expect_failure(
        "sign_out",
        "no_pending_sign_out",
        "sign_out.no_pending",
        r,
        code,
    );
    // Another service's return cannot finish this one.
    let rb = h.rp("identity");
    let r = rb.finish_sign_out("state=x", Some(pending)).await;
    expect_failure(
        "sign_out",
        "other_service",
        "sign_out.wrong_service",
        r,
        code,
    );
}

#[tokio::test]
async fn a_logout_url_over_2048_characters_is_a_typed_error() {
    let h = Harness::standard().await;
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    let mut request = LogoutRequest::default();
    request.id_token_hint = Some(signed_in.id_token().expose_secret().to_owned());
    request.state = Some("s".repeat(2048));
    let endpoint = h.provider.issuer().join("logout").unwrap();
    let err = request.to_url(&endpoint).unwrap_err();
    assert_eq!(err.code(), "sign_out.url_too_long");
}

fn in_sector(mut spec: ServiceSpec, sector: &str) -> ServiceSpec {
    spec.sector_identifier_uri = Some(sector.into());
    spec
}

#[tokio::test]
async fn switching_service_within_one_sector_gives_the_same_sub_with_a_fresh_authorize() {
    let h = Harness::start(vec![
        in_sector(
            auth_service("apply", "client-apply"),
            "https://dragons.example.gov.uk",
        ),
        in_sector(
            auth_service("renew", "client-renew"),
            "https://dragons.example.gov.uk",
        ),
    ])
    .await;
    let a = h.sign_in("apply", SignInOptions::default()).await.unwrap();
    let b = h.sign_in("renew", SignInOptions::default()).await.unwrap();
    assert_eq!(a.sub(), b.sub());
    assert_eq!(
        h.calls_to("/authorize"),
        2,
        "each service needs its own /authorize"
    );
    let clients: Vec<String> = h
        .provider
        .requests_to("/authorize")
        .iter()
        .filter_map(|r| {
            r.query
                .iter()
                .find(|(k, _)| k == "client_id")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_eq!(clients, ["client-apply", "client-renew"]);
}

#[tokio::test]
async fn switching_service_across_sectors_gives_different_subs() {
    let h = Harness::start(vec![
        in_sector(
            auth_service("apply", "client-apply"),
            "https://apply.example.gov.uk",
        ),
        in_sector(
            auth_service("renew", "client-renew"),
            "https://renew.example.gov.uk",
        ),
    ])
    .await;
    let a = h.sign_in("apply", SignInOptions::default()).await.unwrap();
    let b = h.sign_in("renew", SignInOptions::default()).await.unwrap();
    assert_ne!(a.sub(), b.sub());
}

#[tokio::test]
async fn one_services_provider_failure_does_not_touch_another_service() {
    let mut broken = auth_service("broken", "client-broken");
    broken.id_token_signing_alg = Some("RS256".into());
    let h = Harness::start(vec![auth_service("fine", "client-fine"), broken]).await;
    // The provider signs `broken`'s tokens with ES256 by mistake: only `broken` fails.
    let es256 = govuk_one_login_core::ServicesFile {
        provider: h.provider.provider_spec(),
        services: vec![auth_service("broken", "client-broken")],
        base_dir: None,
    };
    h.provider
        .register(es256.validate().unwrap().get("broken").unwrap());
    let err = h
        .sign_in("broken", SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "id_token.header.alg_not_allowed");
    expect_success(
        F,
        "isolation_between_services",
        h.sign_in("fine", SignInOptions::default()).await,
    );
}

#[tokio::test]
async fn two_concurrent_services_each_get_their_own_person() {
    let h = Harness::start(vec![
        auth_service("a", "client-a"),
        auth_service("b", "client-b"),
    ])
    .await;
    let (ra, rb) = tokio::join!(
        h.sign_in("a", SignInOptions::default()),
        h.sign_in("b", SignInOptions::default())
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.service().as_str(), "a");
    assert_eq!(rb.service().as_str(), "b");
    assert_eq!(ra.sub(), h.provider.subject_for(h.rp("a").config()));
    assert_eq!(rb.sub(), h.provider.subject_for(h.rp("b").config()));
}

#[tokio::test]
async fn re_authentication_checks_the_same_person_signed_in_again_later() {
    let mut spec = auth_service("jar", "client-jar");
    spec.request_objects = Some(true);
    let h = Harness::start(vec![spec]).await;
    let first = h.sign_in("jar", SignInOptions::default()).await.unwrap();
    h.clock.advance(std::time::Duration::from_secs(60));
    let options = SignInOptions {
        reauthenticate: Some(govuk_one_login::Reauthenticate::new(
            first.id_token().expose_secret(),
            first.sub(),
            first.auth_time(),
        )),
        ..SignInOptions::default()
    };
    let again = expect_success(F, "re_authentication", h.sign_in("jar", options).await);
    assert_eq!(again.sub(), first.sub());
    // prompt=login and id_token_hint travelled inside the signed request object only.
    let authorize = h.provider.requests_to("/authorize");
    let last = authorize.last().unwrap();
    assert!(last.query.iter().any(|(k, _)| k == "request"));
    assert!(
        !last
            .query
            .iter()
            .any(|(k, _)| k == "id_token_hint" || k == "prompt")
    );
}

#[tokio::test]
async fn re_authentication_of_another_person_is_refused() {
    let mut spec = auth_service("jar", "client-jar");
    spec.request_objects = Some(true);
    let h = Harness::start(vec![spec]).await;
    let first = h.sign_in("jar", SignInOptions::default()).await.unwrap();
    let mut user = h.provider.user();
    user.internal_id = "someone-else".into();
    h.provider.set_user(user);
    let options = SignInOptions {
        reauthenticate: Some(govuk_one_login::Reauthenticate::new(
            first.id_token().expose_secret(),
            first.sub(),
            first.auth_time(),
        )),
        ..SignInOptions::default()
    };
    let err = h.sign_in("jar", options).await.unwrap_err();
    assert!(matches!(err, SignInError::Reauthentication(_)), "{err:?}");
    assert_eq!(
        h.calls_to("/userinfo"),
        1,
        "no userinfo call after the refused ID token"
    );
}

#[tokio::test]
async fn login_hint_needs_request_objects() {
    let h = Harness::standard().await;
    let options = SignInOptions {
        login_hint: Some("a@example.com".into()),
        ..SignInOptions::default()
    };
    let err = h.rp("auth").start_sign_in(options).await.unwrap_err();
    assert_eq!(err.code(), "sign_in.needs_request_objects");
}

#[tokio::test]
async fn request_objects_carry_every_parameter_and_sign_in_succeeds() {
    let mut spec = identity_service("jar", "client-jar");
    spec.request_objects = Some(true);
    let h = Harness::start(vec![spec]).await;
    let options = SignInOptions {
        identity: true,
        login_hint: Some("someone@example.com".into()),
        ..SignInOptions::default()
    };
    let signed_in = expect_success(F, "request_object_sign_in", h.sign_in("jar", options).await);
    assert!(signed_in.identity().is_some());
    let q = &h.provider.requests_to("/authorize")[0].query;
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["response_type", "scope", "client_id", "request"]);
}

#[tokio::test]
async fn an_authorize_url_over_4096_characters_is_a_typed_error() {
    let mut spec = auth_service("long", "client-long");
    spec.redirect_uris = vec![format!("http://127.0.0.1:9/{}", "a".repeat(4000))];
    let h = Harness::start(vec![spec]).await;
    let err = h
        .rp("long")
        .start_sign_in(SignInOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sign_in.url_too_long");
}

#[tokio::test]
async fn a_login_hint_over_256_characters_is_refused() {
    let mut spec = auth_service("jar", "client-jar");
    spec.request_objects = Some(true);
    let h = Harness::start(vec![spec]).await;
    let options = SignInOptions {
        login_hint: Some("a".repeat(257)),
        ..SignInOptions::default()
    };
    let err = h.rp("jar").start_sign_in(options).await.unwrap_err();
    assert_eq!(err.code(), "sign_in.login_hint_too_long");
}

#[tokio::test]
async fn re_authentication_refuses_an_auth_time_from_before_the_request() {
    use base64::Engine as _;
    let mut spec = auth_service("jar", "client-jar");
    spec.request_objects = Some(true);
    let h = Harness::start(vec![spec]).await;
    let first = h.sign_in("jar", SignInOptions::default()).await.unwrap();
    // The caller does not know the earlier auth_time: freshness is still required.
    let reauth =
        govuk_one_login::Reauthenticate::new(first.id_token().expose_secret(), first.sub(), None);
    let options = SignInOptions {
        reauthenticate: Some(reauth),
        ..SignInOptions::default()
    };
    let start = h.rp("jar").start_sign_in(options).await.unwrap();
    let request = start
        .url
        .query_pairs()
        .find(|(k, _)| k == "request")
        .unwrap()
        .1
        .into_owned();
    let payload = request.split('.').nth(1).unwrap();
    let object: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    // The provider silently reuses its session: the same person, authenticated an hour ago.
    let mut claims = h
        .provider
        .id_token_claims(h.rp("jar").config(), object["nonce"].as_str().unwrap());
    claims["auth_time"] = serde_json::json!(start.pending.created_at() - 3600);
    let token = h.provider.mint_id_token(
        claims,
        serde_json::json!({}),
        govuk_one_login_testkit::MockKey::IdTokenEs256,
    );
    h.provider
        .set_faults(govuk_one_login_testkit::Faults::id_token_override(token));
    let location = h.provider.authorize(&start.url).await.unwrap();
    let err = h
        .rp("jar")
        .finish_sign_in(location.query().unwrap(), start.pending)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sign_in.reauthentication");
    assert_eq!(
        h.calls_to("/userinfo"),
        1,
        "no userinfo call after the refused re-authentication"
    );
}

#[tokio::test]
async fn a_post_logout_redirect_without_an_id_token_hint_is_refused() {
    let h = Harness::standard().await;
    let target = h.rp("auth").config().post_logout_redirect_uris()[0].clone();
    let mut request = LogoutRequest::default();
    request.post_logout_redirect_uri = Some(target);
    let endpoint = h.provider.issuer().join("logout").unwrap();
    let err = request.to_url(&endpoint).unwrap_err();
    assert_eq!(err.code(), "sign_out.redirect_needs_hint");
}

#[tokio::test]
async fn an_identity_sign_in_without_a_core_identity_returns_no_identity_documents() {
    let h = Harness::standard().await;
    let mut user = h.provider.user();
    user.identity = None;
    user.return_codes = vec!["X".into()];
    h.provider.set_user(user);
    let options = SignInOptions {
        identity: true,
        ..SignInOptions::default()
    };
    let signed_in = h.sign_in("identity", options).await.unwrap();
    assert!(signed_in.identity().is_none());
    assert!(signed_in.addresses().is_empty());
    assert!(signed_in.passports().is_empty());
    assert_eq!(signed_in.return_codes().len(), 1);
}
