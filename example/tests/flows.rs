//! The example app over HTTP, as a browser uses it, against the embedded mock One Login.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers too: a panic is a failed test.

mod common;

use common::{Browser, TestApp};
use example_rp::{App, DEMO_CLIENT_ID, base_url};
use govuk_one_login::{
    OneLogin, RsaPrivateKey, Sealer, SealingKey, ServiceSpec, ServicesFile, TokenAuthSpec,
};
use govuk_one_login_axum::{PENDING_COOKIE_PREFIX, SESSION_COOKIE, SIGN_OUT_COOKIE};
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

/// Presses the sign-out button: POSTs the home page's form, with its CSRF token.
async fn press_sign_out(app: &TestApp, browser: &Browser) -> reqwest::Response {
    let csrf = app.sign_out_token(browser).await;
    browser
        .manual
        .post(app.url("/sign-out/demo"))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap()
}

/// The `Set-Cookie` values of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[test]
fn base_url_writes_unspecified_addresses_as_loopback() {
    let url = |s: &str| base_url(s.parse().unwrap()).unwrap().to_string();
    assert_eq!(url("127.0.0.1:8080"), "http://127.0.0.1:8080/");
    assert_eq!(url("0.0.0.0:9000"), "http://127.0.0.1:9000/");
    assert_eq!(url("[::]:9000"), "http://[::1]:9000/");
    assert_eq!(url("[::1]:80"), "http://[::1]/");
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
    let sub = app.provider.subject_for(app.service());
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
async fn sign_in_cookies_are_host_prefixed_secure_http_only_lax_and_the_session_id_changes_at_each_sign_in()
 {
    let app = TestApp::start().await;
    let browser = Browser::new();
    let attributes = |cookie: &str| {
        // `Secure` even on plain http: browsers treat loopback as secure, and a `__Host-` cookie
        // must be `Secure`.
        for attribute in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
        }
        for personal in ["test@example.com", "447123456789", "urn:fdc"] {
            assert!(!cookie.contains(personal), "{cookie}");
        }
    };

    let mut sessions = Vec::new();
    for _ in 0..2 {
        let start = browser
            .manual
            .get(app.url("/sign-in/demo"))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), StatusCode::SEE_OTHER);
        // The sign-in in progress rides in its own sealed cookie; the session is not touched.
        let [pending] = set_cookies(&start).try_into().unwrap();
        assert!(pending.starts_with(PENDING_COOKIE_PREFIX), "{pending}");
        attributes(&pending);

        let authorize = url::Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
        assert_eq!(authorize.origin(), app.provider.issuer().origin());
        let callback = app.provider.authorize(&authorize).await.unwrap();
        assert_eq!(callback.path(), "/auth/callback");

        let finish = browser.manual.get(callback).send().await.unwrap();
        assert_eq!(finish.status(), StatusCode::SEE_OTHER);
        assert_eq!(finish.headers()[LOCATION], "/");
        assert_eq!(finish.headers()[REFERRER_POLICY], "no-referrer");
        let cookies = set_cookies(&finish);
        let session = cookies
            .iter()
            .find(|c| c.starts_with(&format!("{SESSION_COOKIE}=")))
            .unwrap();
        attributes(session);
        let value = cookie_value(session);
        assert_eq!(value.len(), 43, "{session}");
        sessions.push(value);
        // The used sign-in's cookie is deleted.
        let name = pending.split('=').next().unwrap();
        assert!(
            cookies
                .iter()
                .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0")),
            "{cookies:?}"
        );
        assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
    }
    assert_ne!(
        sessions[0], sessions[1],
        "the session id must change at sign-in"
    );
    assert_eq!(
        app.app.sessions().unwrap().len(),
        1,
        "the old session id must end"
    );
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

    // A form without this session's token (another site's) is refused and ends nothing.
    let forged = browser
        .manual
        .post(app.url("/sign-out/demo"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.unwrap().contains("axum.csrf"));
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);

    let out = press_sign_out(&app, &browser).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(app.app.sessions().unwrap().is_empty());
    let location = url::Url::parse(out.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(
        location.as_str().split('?').next(),
        Some(app.provider.issuer().join("logout").unwrap().as_str())
    );
    let params: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(params.iter().any(|(k, _)| k == "id_token_hint"));
    assert!(params.contains(&(
        "post_logout_redirect_uri".into(),
        app.url("/signed-out").to_string()
    )));
    assert_eq!(me(&app, &browser).await.status(), StatusCode::UNAUTHORIZED);

    // The provider sends the browser back to the signed-out page.
    let back = app.provider.logout(&location).await.unwrap();
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
    assert_eq!(app.app.sessions().unwrap().len(), 2);

    let sub = app.provider.subject_for(app.service());
    let token = app.provider.mint_logout_token(DEMO_CLIENT_ID, &sub, None);
    let status = app
        .provider
        .deliver_back_channel_logout(&app.url("/auth/back-channel-logout"), &token)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(me(&app, &laptop).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &phone).await.status(), StatusCode::UNAUTHORIZED);
    assert!(app.app.sessions().unwrap().is_empty());

    // The same token again is a replay: refused, and it ends nothing.
    let again = app
        .provider
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
    let sub = app.provider.subject_for(app.service());
    let url = app.url("/auth/back-channel-logout");

    for fault in [
        LogoutTokenFault::InvalidSignature,
        LogoutTokenFault::InvalidAud,
        LogoutTokenFault::Expired,
    ] {
        let token = app
            .provider
            .mint_logout_token(DEMO_CLIENT_ID, &sub, Some(fault));
        let status = app
            .provider
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
    assert!(html.contains("axum.no_pending_sign_in"), "{html}");
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
    let real_callback = app.provider.authorize(&authorize).await.unwrap();

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
        assert!(html.contains("Signed in to demo"), "{html}");
        assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
    }

    // Even with a real sign-out pending in this browser (signed out, then in again), a return
    // whose state is not the one sent says nothing about signing out and ends nothing.
    let out = press_sign_out(&app, &browser).await;
    assert!(
        set_cookies(&out)
            .iter()
            .any(|c| c.starts_with(&format!("{SIGN_OUT_COOKIE}=")) && !c.contains("Max-Age=0"))
    );
    sign_in(&app, &browser, "").await;
    let page = browser
        .follow
        .get(format!("{}?state=forged", app.url("/signed-out")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("You have signed out."), "{html}");
    assert_eq!(me(&app, &browser).await.status(), StatusCode::OK);
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
    let callback = app.provider.authorize(&authorize).await.unwrap();

    let response = attacker.follow.get(callback).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(me(&app, &attacker).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn provider_refusal_shows_an_error_page_with_a_non_2xx_status() {
    let app = TestApp::start().await;
    let browser = Browser::new();
    app.provider
        .set_faults(Faults::authorize(AuthorizeFault::AccessDenied));
    let response = sign_in(&app, &browser, "").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(response.url().path(), "/auth/callback");
    let html = response.text().await.unwrap();
    assert!(html.contains("sign_in.provider.access_denied"), "{html}");
    assert_eq!(me(&app, &browser).await.status(), StatusCode::UNAUTHORIZED);

    app.provider
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
    assert!(unknown.1.contains("axum.unknown_service"));
    let out = sign_in_path(&app, &browser, "/sign-out/nope").await;
    assert_eq!(out.0, StatusCode::NOT_FOUND);
    let bad = sign_in_path(&app, &browser, "/sign-in/demo?identity=yes").await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
    assert!(bad.1.contains("axum.bad_query"));
    let nowhere = sign_in_path(&app, &browser, "/no/such/page").await;
    assert_eq!(nowhere.0, StatusCode::NOT_FOUND);
    assert!(app.app.sessions().unwrap().is_empty());
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
    app.provider.set_user(user);
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
        html.contains("O&#x27;Brien &amp; &quot;Sons&quot;"),
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
        let (key, _) = SealingKey::generate().unwrap();
        App::new(
            OneLogin::builder(services).build().unwrap(),
            Sealer::new(key),
            None,
        )
    };

    let at_me = build(vec![spec("a", "http://127.0.0.1:9/me")]).unwrap_err();
    assert_eq!(at_me.code, "axum.path_conflict");
    assert!(at_me.to_string().contains("`/me`"), "{at_me}");
    let at_home = build(vec![spec("a", "http://127.0.0.1:9/")]).unwrap_err();
    assert_eq!(at_home.code, "axum.path_conflict");
    let under_sign_in = build(vec![spec("a", "http://127.0.0.1:9/sign-in/x")]).unwrap_err();
    assert_eq!(under_sign_in.code, "axum.path_conflict");
    assert!(
        under_sign_in.to_string().contains("`/sign-in/x`"),
        "{under_sign_in}"
    );
    let mut two = spec("b", "http://127.0.0.1:9/b/callback");
    two.post_logout_redirect_uris = vec!["http://127.0.0.1:9/a/callback".into()];
    let crossed = build(vec![spec("a", "http://127.0.0.1:9/a/callback"), two]).unwrap_err();
    assert_eq!(crossed.code, "axum.path_conflict");
    assert!(crossed.to_string().contains("`/a/callback`"), "{crossed}");

    // Two services sharing a callback path (on different hosts in real life) are fine.
    let shared = build(vec![
        spec("a", "http://127.0.0.1:9/callback"),
        spec("b", "http://127.0.0.1:9/callback"),
    ]);
    assert!(shared.is_ok());
}

#[tokio::test]
async fn readyz_turns_503_while_the_instance_drains_and_healthz_stays_up() {
    let t = TestApp::start().await;
    assert!(t.app.auth().one_login().warm_up().await.is_ready());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin = format!("http://{}/", listener.local_addr().unwrap());
    let router = t.app.admin_router(None);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let status = |path: &'static str| {
        let url = format!("{admin}{path}");
        async move { reqwest::get(url).await.unwrap().status() }
    };
    assert_eq!(status("readyz").await, StatusCode::OK);
    assert_eq!(
        status("metrics").await,
        StatusCode::NOT_FOUND,
        "no exporter given"
    );
    t.app.drain();
    assert_eq!(status("readyz").await, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(status("healthz").await, StatusCode::OK);
}
