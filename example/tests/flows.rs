//! The example app over HTTP, as a browser uses it, against the embedded mock One Login.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers too: a panic is a failed test.

mod common;

use common::{Browser, TestApp};
use example_rp::{App, DEMO_CLIENT_ID, ExampleError, SESSION_COOKIE};
use govuk_one_login::{OneLogin, RsaPrivateKey, ServiceSpec, ServicesFile, TokenAuthSpec};
use govuk_one_login_testkit::{AuthorizeFault, Faults, LogoutTokenFault, MockOneLogin, MockUser};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, REFERRER_POLICY, SET_COOKIE};
use serde_json::{Value, json};

async fn sign_in(app: &TestApp, browser: &Browser, query: &str) -> reqwest::Response {
    browser
        .follow
        .get(app.url(&format!("/sign-in/demo{query}")))
        .send()
        .await
        .unwrap()
}

async fn me(app: &TestApp, browser: &Browser) -> reqwest::Response {
    browser.follow.get(app.url("/me")).send().await.unwrap()
}

#[tokio::test]
async fn signs_in_end_to_end_and_me_answers_with_the_persons_details() {
    let app = TestApp::start().await;
    let browser = Browser::new();

    let page = sign_in(&app, &browser, "").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.url().path(), "/");
    let html = page.text().await.unwrap();
    assert!(html.contains("Signed in to demo"), "{html}");
    assert!(html.contains("test@example.com (verified)"), "{html}");

    let response = me(&app, &browser).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: Value = response.json().await.unwrap();
    let sub = app.demo.provider().subject_for(app.service());
    assert_eq!(
        body,
        json!({
            "service": "demo",
            "sub": sub,
            "email": "test@example.com",
            "email_verified": true,
            "phone_number": "+447123456789",
            "phone_number_verified": true,
            "vot": "Cl.Cm",
            "identity": null,
        })
    );
}

#[tokio::test]
async fn identity_sign_in_shows_names_and_birth_dates() {
    let app = TestApp::start().await;
    let browser = Browser::new();

    let html = sign_in(&app, &browser, "?identity=true")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("GEOFFREY HEARNSHAW"), "{html}");
    assert!(html.contains("1955-04-19"), "{html}");

    let body: Value = me(&app, &browser).await.json().await.unwrap();
    assert_eq!(
        body["identity"]["names"][0]["given_names"],
        json!(["GEOFFREY"])
    );
    assert_eq!(
        body["identity"]["names"][0]["family_names"],
        json!(["HEARNSHAW"])
    );
    assert_eq!(body["identity"]["birth_dates"], json!(["1955-04-19"]));
    assert_eq!(body["vot"], "Cl.Cm");
}

#[tokio::test]
async fn me_answers_401_when_nobody_is_signed_in() {
    let app = TestApp::start().await;
    let response = me(&app, &Browser::new()).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_signed_in");
}

#[tokio::test]
async fn home_lists_each_service_with_sign_in_and_identity_links() {
    let app = TestApp::start().await;
    let response = Browser::new()
        .follow
        .get(app.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"href="/sign-in/demo""#), "{html}");
    assert!(
        html.contains(r#"href="/sign-in/demo?identity=true""#),
        "{html}"
    );
    assert!(html.contains("Nobody is signed in"), "{html}");
}

#[tokio::test]
async fn sign_in_cookie_is_http_only_lax_random_and_replaced_at_the_callback() {
    let app = TestApp::start().await;
    let browser = Browser::new();

    let start = browser
        .manual
        .get(app.url("/sign-in/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let cookie = start.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with(&format!("{SESSION_COOKIE}=")),
        "{cookie}"
    );
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let first_value = cookie_value(&cookie);
    assert_eq!(first_value.len(), 43, "{cookie}");

    let authorize = url::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(authorize.origin(), app.demo.provider().issuer().origin());
    let callback = app.demo.provider().authorize(&authorize).await.unwrap();
    assert_eq!(callback.path(), "/auth/callback");

    let finish = browser.manual.get(callback).send().await.unwrap();
    assert_eq!(finish.status(), StatusCode::SEE_OTHER);
    assert_eq!(finish.headers()[LOCATION], "/");
    assert_eq!(finish.headers()[REFERRER_POLICY], "no-referrer");
    let cookie = finish.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let second_value = cookie_value(&cookie);
    assert_ne!(
        first_value, second_value,
        "the session id must change at sign-in"
    );
    for personal in ["test@example.com", "447123456789", "urn:fdc"] {
        assert!(!cookie.contains(personal), "{cookie}");
    }
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap()
}

#[tokio::test]
async fn sign_out_ends_the_session_and_redirects_to_one_login_logout() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    sign_in(&app, &browser, "").await;
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);

    let out = browser
        .manual
        .get(app.url("/sign-out/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let location = url::Url::parse(out.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(
        location.as_str().split('?').next(),
        Some(
            app.demo
                .provider()
                .issuer()
                .join("logout")
                .unwrap()
                .as_str()
        )
    );
    let params: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(params.iter().any(|(k, _)| k == "id_token_hint"));
    assert!(params.contains(&(
        "post_logout_redirect_uri".into(),
        app.url("/signed-out").to_string()
    )));
    assert_eq!(me(&app, &browser).await.status(), StatusCode::UNAUTHORIZED);

    // The provider sends the browser back to the signed-out page.
    let back = app.demo.provider().logout(&location).await.unwrap();
    let page = browser.follow.get(back).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("You have signed out."), "{html}");
    assert!(html.contains("Nobody is signed in"), "{html}");
}

#[tokio::test]
async fn back_channel_logout_ends_every_session_of_that_sub() {
    let app = TestApp::start().await;
    let (laptop, phone) = (Browser::new(), Browser::new());
    sign_in(&app, &laptop, "").await;
    sign_in(&app, &phone, "?identity=true").await;
    assert_eq!(app.app.sessions().len(), 2);

    let sub = app.demo.provider().subject_for(app.service());
    let token = app
        .demo
        .provider()
        .mint_logout_token(DEMO_CLIENT_ID, &sub, None);
    let status = app
        .demo
        .provider()
        .deliver_back_channel_logout(&app.url("/auth/back-channel-logout"), &token)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(me(&app, &laptop).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &phone).await.status(), StatusCode::UNAUTHORIZED);
    assert!(app.app.sessions().is_empty());

    // The same token again is a replay: refused, and it ends nothing.
    let again = app
        .demo
        .provider()
        .deliver_back_channel_logout(&app.url("/auth/back-channel-logout"), &token)
        .await
        .unwrap();
    assert_eq!(again, 400);
}

#[tokio::test]
async fn back_channel_logout_refuses_a_bad_token_with_400_and_ends_nothing() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    sign_in(&app, &browser, "").await;
    let sub = app.demo.provider().subject_for(app.service());
    let url = app.url("/auth/back-channel-logout");

    for fault in [
        LogoutTokenFault::InvalidSignature,
        LogoutTokenFault::InvalidAud,
        LogoutTokenFault::Expired,
    ] {
        let token = app
            .demo
            .provider()
            .mint_logout_token(DEMO_CLIENT_ID, &sub, Some(fault));
        let status = app
            .demo
            .provider()
            .deliver_back_channel_logout(&url, &token)
            .await
            .unwrap();
        assert_eq!(status, 400, "{fault:?}");
    }
    let empty = reqwest::Client::new()
        .post(url.clone())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let body: Value = empty.json().await.unwrap();
    assert_eq!(body["error_description"], "back_channel.missing_token");
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);

    let get = reqwest::Client::new().get(url).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn callback_without_a_pending_sign_in_is_an_error_page_with_no_session() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    let response = browser
        .follow
        .get(app.url("/auth/callback?code=abc&state=def"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.headers()[REFERRER_POLICY], "no-referrer");
    let html = response.text().await.unwrap();
    assert!(html.contains("example.no_pending_sign_in"), "{html}");
    assert_eq!(me(&app, &browser).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_leaves_the_pending_sign_in_and_the_session_alone() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    let start = browser
        .manual
        .get(app.url("/sign-in/demo"))
        .send()
        .await
        .unwrap();
    let authorize = url::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    let real_callback = app.demo.provider().authorize(&authorize).await.unwrap();

    let forged = browser
        .manual
        .get(app.url("/auth/callback?code=stolen&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(forged.headers()[REFERRER_POLICY], "no-referrer");
    // The session cookie is left alone: an attacker's link cannot end the victim's session.
    assert!(forged.headers().get(SET_COOKIE).is_none());
    let html = forged.text().await.unwrap();
    assert!(html.contains("sign_in.state_mismatch"), "{html}");

    // The pending sign-in was not used up: the genuine callback still finishes.
    let late = browser.manual.get(real_callback).send().await.unwrap();
    assert_eq!(late.status(), StatusCode::SEE_OTHER);
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forged_callback_does_not_end_a_signed_in_session() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    sign_in(&app, &browser, "").await;
    // A second sign-in in flight, then a forged callback.
    browser
        .manual
        .get(app.url("/sign-in/demo"))
        .send()
        .await
        .unwrap();
    let forged = browser
        .manual
        .get(app.url("/auth/callback?code=x&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forged_post_logout_return_ends_nothing_and_says_nothing_about_signing_out() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    sign_in(&app, &browser, "").await;
    for query in ["", "?state=forged"] {
        let page = browser
            .follow
            .get(format!("{}{query}", app.url("/signed-out")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(!html.contains("You have signed out."), "{html}");
        assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn a_callback_in_another_browser_does_not_sign_it_in() {
    let app = TestApp::start().await;
    let (victim, attacker) = (Browser::new(), Browser::new());
    let start = victim
        .manual
        .get(app.url("/sign-in/demo"))
        .send()
        .await
        .unwrap();
    let authorize = url::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    let callback = app.demo.provider().authorize(&authorize).await.unwrap();

    let response = attacker.follow.get(callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(me(&app, &attacker).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn provider_refusal_shows_an_error_page_with_a_non_2xx_status() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    app.demo
        .provider()
        .set_faults(Faults::authorize(AuthorizeFault::AccessDenied));
    let response = sign_in(&app, &browser, "").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.url().path(), "/auth/callback");
    let html = response.text().await.unwrap();
    assert!(html.contains("sign_in.provider.access_denied"), "{html}");
    assert_eq!(me(&app, &browser).await.status(), StatusCode::UNAUTHORIZED);

    app.demo
        .provider()
        .set_faults(Faults::authorize(AuthorizeFault::TemporarilyUnavailable));
    let busy = sign_in(&app, &browser, "").await;
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn unknown_service_and_bad_identity_parameter_are_refused() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    let unknown = sign_in_path(&app, &browser, "/sign-in/nope").await;
    assert_eq!(unknown.0, StatusCode::NOT_FOUND);
    assert!(unknown.1.contains("example.unknown_service"));
    let out = sign_in_path(&app, &browser, "/sign-out/nope").await;
    assert_eq!(out.0, StatusCode::NOT_FOUND);
    let bad = sign_in_path(&app, &browser, "/sign-in/demo?identity=yes").await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
    assert!(bad.1.contains("example.bad_query"));
    let nowhere = sign_in_path(&app, &browser, "/no/such/page").await;
    assert_eq!(nowhere.0, StatusCode::NOT_FOUND);
    assert!(app.app.sessions().is_empty());
}

async fn sign_in_path(app: &TestApp, browser: &Browser, path: &str) -> (StatusCode, String) {
    let r = browser.manual.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn names_are_escaped_in_the_page() {
    let app = TestApp::start().await;
    let mut user = MockUser::default();
    if let Some(identity) = user.identity.as_mut() {
        identity.names = json!([{
            "nameParts": [
                { "value": "<script>alert(1)</script>", "type": "GivenName" },
                { "value": "O'Brien & \"Sons\"", "type": "FamilyName" }
            ]
        }]);
    }
    app.demo.provider().set_user(user);
    let browser = Browser::new();
    let html = sign_in(&app, &browser, "?identity=true")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("O&#39;Brien &amp; &quot;Sons&quot;"),
        "{html}"
    );
    let body: Value = me(&app, &browser).await.json().await.unwrap();
    assert_eq!(
        body["identity"]["names"][0]["given_names"],
        json!(["<script>alert(1)</script>"])
    );
}

#[tokio::test]
async fn services_using_the_apps_own_paths_are_refused() {
    let provider = MockOneLogin::start().await;
    let key = RsaPrivateKey::generate("k1").unwrap();
    let spec = |name: &str, redirect: &str| ServiceSpec {
        name: name.into(),
        client_id: format!("{name}-client"),
        redirect_uris: vec![redirect.into()],
        scopes: Some(vec!["openid".into()]),
        token_auth: TokenAuthSpec {
            key_pem: Some(key.pem().clone()),
            key_id: Some("k1".into()),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    };
    let build = |specs: Vec<ServiceSpec>| {
        let services = ServicesFile {
            provider: provider.provider_spec(),
            services: specs,
            base_dir: None,
        }
        .validate()
        .unwrap();
        App::new(OneLogin::builder(services).build().unwrap())
    };

    let at_me = build(vec![spec("a", "http://127.0.0.1:9/me")]).unwrap_err();
    assert_eq!(at_me.code(), "example.path_conflict");
    let under_sign_in = build(vec![spec("a", "http://127.0.0.1:9/sign-in/x")]).unwrap_err();
    assert!(matches!(under_sign_in, ExampleError::PathConflict { .. }));
    let mut two = spec("b", "http://127.0.0.1:9/b/callback");
    two.post_logout_redirect_uris = vec!["http://127.0.0.1:9/a/callback".into()];
    let crossed = build(vec![spec("a", "http://127.0.0.1:9/a/callback"), two]).unwrap_err();
    assert_eq!(crossed.code(), "example.path_conflict");
    assert!(crossed.to_string().contains("`/a/callback`"), "{crossed}");

    // Two services sharing a callback path (on different hosts in real life) are fine.
    let shared = build(vec![
        spec("a", "http://127.0.0.1:9/callback"),
        spec("b", "http://127.0.0.1:9/callback"),
    ]);
    assert!(shared.is_ok());
}
