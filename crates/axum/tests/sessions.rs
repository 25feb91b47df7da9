//! Sessions an attacker cannot break: each finding of the example's review, pinned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use common::{Tab, set_cookies};
use govuk_one_login::{SessionLimits, SessionStore, Url};
use govuk_one_login_axum::{InMemorySessionStore, TestApp};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use tower::ServiceExt;

/// `count` anonymous sign-in starts sent straight into the router (no sockets, no cookies).
async fn anonymous_flood(router: &axum::Router, count: usize) {
    for _ in 0..count {
        let response = router
            .clone()
            .oneshot(Request::get("/sign-in/app").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
}

async fn flood_leaves_signed_in_people_alone(limits: SessionLimits, people: usize, flood: usize) {
    let store = Arc::new(InMemorySessionStore::new(limits));
    let slot = Arc::new(Mutex::new(None));
    let app = {
        let slot = slot.clone();
        let store = store.clone();
        TestApp::start_configured(
            vec![govuk_one_login_testkit::auth_service("app", "app-client")],
            move |b| b.store(store),
            move |auth| {
                let router = common::app(auth);
                *slot.lock().unwrap() = Some(router.clone());
                router
            },
        )
        .await
    };
    let router = slot.lock().unwrap().clone().unwrap();
    let mut tabs = Vec::new();
    for _ in 0..people {
        let tab = Tab::new(&app);
        assert_eq!(
            tab.sign_in(&app, "app").await.status(),
            StatusCode::SEE_OTHER
        );
        tabs.push(tab);
    }
    anonymous_flood(&router, flood).await;
    assert_eq!(store.len(), people, "anonymous visitors stored nothing");
    for tab in &tabs {
        assert_eq!(tab.signed_in().await, ["app"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_times_the_capacity_in_anonymous_sign_in_starts_leaves_every_signed_in_session_usable()
{
    flood_leaves_signed_in_people_alone(SessionLimits::default().with_capacity(1_000), 3, 10_000)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_anonymous_sign_in_starts_against_the_defaults_leave_every_session_usable() {
    flood_leaves_signed_in_people_alone(SessionLimits::default(), 2, 50_000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cookie_is_host_prefixed_secure_http_only_lax_and_holds_nothing_readable() {
    let app = common::start().await;
    let tab = Tab::new(&app);
    let start = tab.get("/sign-in/app").await;
    let pending = set_cookies(&start);
    assert_eq!(pending.len(), 1, "{pending:?}");
    let finish = tab
        .get(
            &Tab::callback_for(
                &app,
                &Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap(),
            )
            .await,
        )
        .await;
    assert_eq!(finish.status(), StatusCode::SEE_OTHER);
    let session = set_cookies(&finish);
    for cookie in pending.iter().chain(&session) {
        assert!(cookie.starts_with("__Host-ol-"), "{cookie}");
        for attribute in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
        for personal in ["test@example.com", "urn:fdc", "eyJ"] {
            assert!(!cookie.contains(personal), "{cookie}");
        }
    }
    assert!(
        session
            .iter()
            .any(|c| c.starts_with("__Host-ol-session=") && c.len() > 60),
        "{session:?}"
    );
    assert!(
        session
            .iter()
            .any(|c| c.starts_with("__Host-ol-pending-") && c.contains("Max-Age=0")),
        "the used pending sign-in is cleared: {session:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_id_changes_at_sign_in_and_at_sign_out() {
    let app = common::start_configured(|b| b).await;
    let tab = Tab::new(&app);
    let first = set_cookies(&tab.sign_in(&app, "app").await);
    let id = |cookies: &[String]| {
        cookies
            .iter()
            .find(|c| c.starts_with("__Host-ol-session="))
            .map(|c| c.split(';').next().unwrap().to_owned())
    };
    let again = set_cookies(&tab.sign_in(&app, "app").await);
    assert_ne!(id(&first), id(&again), "a new id at each sign-in");
    let csrf = tab.csrf("app").await;
    let out = tab
        .post_form(
            "/sign-out/app",
            &[("csrf", &csrf)],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cleared = set_cookies(&out);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("__Host-ol-session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert!(tab.signed_in().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_callback_leaves_the_signed_in_session_and_the_other_pending_sign_ins_intact() {
    let (app, tab) = common::signed_in().await;
    let pending = tab.start_sign_in("app").await;
    for forged in [
        "/app/callback?code=x&state=forged",
        "/app/callback?code=x",
        "/app/callback?error=access_denied&state=forged",
        "/app/callback",
    ] {
        let r = tab.get(forged).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{forged}");
        assert!(set_cookies(&r).is_empty(), "{forged} changed cookies");
        assert_eq!(tab.signed_in().await, ["app"], "{forged}");
    }
    let callback = Tab::callback_for(&app, &pending).await;
    assert_eq!(tab.get(&callback).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(tab.signed_in().await, ["app"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_in_another_browser_signs_nobody_in() {
    let app = common::start().await;
    let victim = Tab::new(&app);
    let attacker = Tab::new(&app);
    let authorize = attacker.start_sign_in("app").await;
    let callback = Tab::callback_for(&app, &authorize).await;
    let r = victim.get(&callback).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("axum.no_pending_sign_in"));
    assert!(victim.signed_in().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_sign_ins_started_in_five_tabs_of_one_browser_each_finish() {
    let app = common::start().await;
    let tab = Tab::new(&app);
    let mut authorizes = Vec::new();
    for _ in 0..5 {
        authorizes.push(tab.start_sign_in("app").await);
    }
    let mut callbacks = Vec::new();
    for a in &authorizes {
        callbacks.push(Tab::callback_for(&app, a).await);
    }
    let finishing: Vec<_> = callbacks
        .into_iter()
        .map(|c| {
            let client = tab.client.clone();
            let url = tab.base.join(&c).unwrap();
            tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
        })
        .collect();
    for f in finishing {
        assert_eq!(f.await.unwrap(), StatusCode::SEE_OTHER);
    }
    assert_eq!(tab.signed_in().await, ["app"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_sign_in_in_flight_drops_the_oldest_one_only() {
    let app = common::start().await;
    let tab = Tab::new(&app);
    let mut authorizes = Vec::new();
    for _ in 0..6 {
        authorizes.push(tab.start_sign_in("app").await);
        app.harness.clock.advance(Duration::from_secs(1));
    }
    let oldest = Tab::callback_for(&app, &authorizes[0]).await;
    assert_eq!(tab.get(&oldest).await.status(), StatusCode::BAD_REQUEST);
    let newest = Tab::callback_for(&app, &authorizes[5]).await;
    assert_eq!(tab.get(&newest).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sign_in_drops_only_the_pending_sign_in_it_used() {
    use govuk_one_login_testkit::{Faults, TokenResponseFault};
    let (app, tab) = common::signed_in().await;
    let first = tab.start_sign_in("app").await;
    let second = tab.start_sign_in("app").await;
    let first_callback = Tab::callback_for(&app, &first).await;
    let second_callback = Tab::callback_for(&app, &second).await;
    app.harness
        .provider
        .set_faults(Faults::token_response(TokenResponseFault::MissingIdToken));
    let failed = tab.get(&first_callback).await;
    assert!(!failed.status().is_success(), "{}", failed.status());
    let cleared = set_cookies(&failed);
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    assert!(cleared[0].starts_with("__Host-ol-pending-") && cleared[0].contains("Max-Age=0"));
    assert_eq!(
        tab.signed_in().await,
        ["app"],
        "the signed-in session survives"
    );
    app.harness.provider.set_faults(Faults::default());
    assert_eq!(
        tab.get(&second_callback).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cross_site_sign_out_ends_nothing_and_a_same_origin_one_does() {
    let (_app, tab) = common::signed_in().await;
    let csrf = tab.csrf("app").await;
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
    ] {
        let get = tab.get_with("/sign-out/app", &headers).await;
        assert_eq!(get.status(), StatusCode::FORBIDDEN, "GET {headers:?}");
        let post = tab
            .post_form("/sign-out/app", &[("csrf", &csrf)], &headers)
            .await;
        assert_eq!(post.status(), StatusCode::FORBIDDEN, "POST {headers:?}");
        assert_eq!(tab.signed_in().await, ["app"], "{headers:?}");
    }
    for token in ["", "forged", &"a".repeat(43)] {
        let post = tab
            .post_form("/sign-out/app", &[("csrf", token)], &[])
            .await;
        assert_eq!(post.status(), StatusCode::FORBIDDEN, "token {token:?}");
        assert_eq!(tab.signed_in().await, ["app"]);
    }
    let out = tab
        .get_with("/sign-out/app", &[("sec-fetch-site", "same-origin")])
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let logout = Url::parse(out.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert_eq!(logout.path(), "/logout");
    assert!(tab.signed_in().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_sign_out_that_says_nothing_of_its_origin_gets_the_form_and_the_form_signs_out() {
    let (_app, tab) = common::signed_in().await;
    let page = tab.get("/sign-out/app").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<form method="post" action="/sign-out/app">"#),
        "{html}"
    );
    assert_eq!(
        tab.signed_in().await,
        ["app"],
        "showing the form ends nothing"
    );
    let csrf = tab.csrf("app").await;
    assert!(html.contains(&csrf));
    let out = tab
        .post_form("/sign-out/app", &[("csrf", &csrf)], &[])
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(tab.signed_in().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_return_from_one_logins_logout_is_checked_and_ends_nothing() {
    let (app, tab) = common::signed_in().await;
    // A forged return, while signed in: nothing ends.
    let forged = tab.get("/app/signed-out?state=forged").await;
    assert_eq!(forged.status(), StatusCode::SEE_OTHER);
    assert_eq!(tab.signed_in().await, ["app"]);
    let csrf = tab.csrf("app").await;
    let out = tab
        .post_form("/sign-out/app", &[("csrf", &csrf)], &[])
        .await;
    let logout = Url::parse(out.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert!(
        set_cookies(&out)
            .iter()
            .any(|c| c.starts_with("__Host-ol-sign-out=") && !c.contains("Max-Age=0"))
    );
    let back = app.harness.provider.logout(&logout).await.unwrap();
    let returned = tab
        .get(&format!(
            "{}?{}",
            back.path(),
            back.query().unwrap_or_default()
        ))
        .await;
    assert!(
        set_cookies(&returned)
            .iter()
            .any(|c| c.starts_with("__Host-ol-sign-out=;") && c.contains("Max-Age=0")),
        "the checked sign-out is forgotten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires_and_a_busy_one_ends_at_its_absolute_lifetime() {
    let limits = SessionLimits::default()
        .with_idle(Duration::from_secs(60 * 60))
        .with_absolute(Duration::from_secs(3 * 60 * 60));
    let app = common::start_configured(move |b| b.limits(limits)).await;
    let idle = Tab::new(&app);
    let busy = Tab::new(&app);
    idle.sign_in(&app, "app").await;
    busy.sign_in(&app, "app").await;
    for _ in 0..3 {
        app.harness.clock.advance(Duration::from_secs(50 * 60));
        assert_eq!(busy.signed_in().await, ["app"], "use keeps a session alive");
    }
    assert!(
        idle.signed_in().await.is_empty(),
        "150 idle minutes end a session"
    );
    app.harness.clock.advance(Duration::from_secs(31 * 60));
    assert!(
        busy.signed_in().await.is_empty(),
        "3 hours after sign-in, however busy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_looping_sign_ins_keeps_only_their_newest_sessions() {
    let app =
        common::start_configured(|b| b.limits(SessionLimits::default().with_max_per_subject(3)))
            .await;
    let tabs: Vec<Tab> = (0..5).map(|_| Tab::new(&app)).collect();
    for tab in &tabs {
        tab.sign_in(&app, "app").await;
    }
    let mut signed_in = Vec::new();
    for tab in &tabs {
        signed_in.push(!tab.signed_in().await.is_empty());
    }
    assert_eq!(signed_in, [false, false, true, true, true]);
    assert_eq!(app.auth.store().load(&fake_key(), 0).await.unwrap(), None);
}

fn fake_key() -> govuk_one_login::SessionKey {
    govuk_one_login::SessionId::generate().unwrap().key()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_channel_logout_ends_the_persons_sessions_in_two_browsers_and_spares_a_later_one() {
    let app = common::start().await;
    let laptop = Tab::new(&app);
    let phone = Tab::new(&app);
    laptop.sign_in(&app, "app").await;
    phone.sign_in(&app, "app").await;
    let rp = app.harness.rp("app");
    let token = app.harness.provider.mint_logout_token(
        rp.config().client_id().as_str(),
        &app.harness.subject("app"),
        None,
    );
    app.harness.clock.advance(Duration::from_secs(60));
    let tablet = Tab::new(&app);
    tablet.sign_in(&app, "app").await;
    let status = app
        .harness
        .provider
        .deliver_back_channel_logout(rp.config().back_channel_logout_uri().unwrap(), &token)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(laptop.signed_in().await.is_empty());
    assert!(phone.signed_in().await.is_empty());
    assert_eq!(
        tablet.signed_in().await,
        ["app"],
        "signed in after the logout"
    );
    let replay = app
        .harness
        .provider
        .deliver_back_channel_logout(rp.config().back_channel_logout_uri().unwrap(), &token)
        .await
        .unwrap();
    assert_eq!(replay, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_and_foreign_cookies_are_no_session_and_no_pending_sign_in() {
    let app = common::start().await;
    let tab = Tab::new(&app);
    let planted = tab
        .get_with(
            "/me",
            &[(
                "cookie",
                "__Host-ol-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            )],
        )
        .await;
    assert_eq!(planted.text().await.unwrap(), "[]");
    // A pending sign-in sealed by another deployment's key does not open here.
    let other = common::start().await;
    let (pending, authorize) = bare_start(&other).await;
    let callback = Tab::callback_for(&other, &authorize).await;
    let forged = tab.get_with(&callback, &[("cookie", &pending)]).await;
    assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    assert!(tab.signed_in().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_to_goes_back_to_a_path_on_this_site_and_nowhere_else() {
    let app = common::start().await;
    let tab = Tab::new(&app);
    for bad in [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "/%2F%2Fx",
    ] {
        let r = tab
            .get(&format!("/sign-in/app?return_to={}", urlencode(bad)))
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(set_cookies(&r).is_empty());
    }
    let r = tab
        .get(&format!(
            "/sign-in/app?return_to={}",
            urlencode("/account?tab=2")
        ))
        .await;
    let authorize = Url::parse(r.headers()[LOCATION].to_str().unwrap()).unwrap();
    assert!(
        !authorize.as_str().contains("account"),
        "never sent to One Login"
    );
    let callback = Tab::callback_for(&app, &authorize).await;
    let done = tab.get(&callback).await;
    assert_eq!(done.headers()[LOCATION], "/account?tab=2");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sealing_key_rotation_keeps_sessions_open() {
    use govuk_one_login::{Sealer, SealingKey};
    use govuk_one_login_axum::Auth;

    let store: Arc<InMemorySessionStore> = Arc::new(InMemorySessionStore::default());
    let (old_key, old_text) = SealingKey::generate().unwrap();
    let app = {
        let store = store.clone();
        TestApp::start_configured(
            vec![govuk_one_login_testkit::auth_service("app", "app-client")],
            move |b| b.store(store).sealer(Sealer::new(old_key)),
            common::app,
        )
        .await
    };
    // The same store, read by a deployment whose current key is new and which still opens the old.
    let (new_key, _) = SealingKey::generate().unwrap();
    let rotated = Auth::builder(app.harness.one_login.clone())
        .store(store.clone() as Arc<dyn SessionStore>)
        .sealer(
            Sealer::new(new_key)
                .also_opening(SealingKey::from_base64(old_text.expose_secret()).unwrap()),
        )
        .clock(Arc::new(app.harness.clock.clone()))
        .build()
        .unwrap();
    let router = common::app(&rotated);
    let session_cookie = session_cookie_of(&app).await;
    let me = router
        .clone()
        .oneshot(
            Request::get("/me")
                .header("cookie", &session_cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = axum::body::to_bytes(me.into_body(), 1 << 16).await.unwrap();
    assert!(
        String::from_utf8_lossy(&body).contains("test@example.com"),
        "{body:?}"
    );
    // Without the old key, the session does not open.
    let (other, _) = SealingKey::generate().unwrap();
    let without = Auth::builder(app.harness.one_login.clone())
        .store(store.clone() as Arc<dyn SessionStore>)
        .sealer(Sealer::new(other))
        .clock(Arc::new(app.harness.clock.clone()))
        .build()
        .unwrap();
    let me = common::app(&without)
        .oneshot(
            Request::get("/me")
                .header("cookie", &session_cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let body = axum::body::to_bytes(me.into_body(), 1 << 16).await.unwrap();
    assert_eq!(&body[..], b"[]");
}

/// A sign-in started without a cookie jar: the pending cookie (`name=value`) and the
/// authorization URL.
async fn bare_start(app: &TestApp) -> (String, Url) {
    let start = bare().get(app.url("/sign-in/app")).send().await.unwrap();
    let pending = set_cookies(&start)[0].split(';').next().unwrap().to_owned();
    let authorize = Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    (pending, authorize)
}

fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A whole sign-in without a cookie jar, to read the session cookie (`name=value`) it gives.
async fn session_cookie_of(app: &TestApp) -> String {
    let (pending, authorize) = bare_start(app).await;
    let bare = bare();
    let callback = Tab::callback_for(app, &authorize).await;
    let done = bare
        .get(app.url(&callback))
        .header("cookie", pending)
        .send()
        .await
        .unwrap();
    set_cookies(&done)
        .into_iter()
        .find(|c| c.starts_with("__Host-ol-session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_user_redirects_a_page_to_sign_in_and_answers_an_api_with_401() {
    use axum::Router;
    use axum::routing::get;
    use govuk_one_login_axum::SignedInUser;

    let app = TestApp::start(|auth| {
        auth.mount(Router::new().route(
            "/account",
            get(|u: SignedInUser| async move { u.sub().to_owned() }),
        ))
    })
    .await;
    let tab = Tab::new(&app);
    let page = tab
        .get_with("/account?x=1", &[("accept", "text/html")])
        .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        page.headers()[LOCATION],
        "/sign-in/app?return_to=%2Faccount%3Fx%3D1"
    );
    let api = tab
        .get_with("/account", &[("accept", "application/json")])
        .await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "not_signed_in");
    // Following the redirect signs in and comes back.
    let start = tab.get(page.headers()[LOCATION].to_str().unwrap()).await;
    let authorize = Url::parse(start.headers()[LOCATION].to_str().unwrap()).unwrap();
    let done = tab.get(&Tab::callback_for(&app, &authorize).await).await;
    assert_eq!(done.headers()[LOCATION], "/account?x=1");
    let account = tab.get("/account").await;
    assert_eq!(account.text().await.unwrap(), app.harness.subject("app"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_site_forcing_sign_ins_cannot_grow_the_browsers_cookies_past_a_few_kilobytes() {
    let (_app, tab) = common::signed_in().await;
    let long = format!("/{}", "%22".repeat(85));
    assert!(long.len() <= 256);
    for _ in 0..12 {
        let r = tab
            .get_with(
                &format!("/sign-in/app?return_to={}", urlencode(&long)),
                &[("sec-fetch-site", "cross-site")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    // Each start sets one new pending cookie of a bounded size (and clears the oldest).
    let r = tab.get("/sign-in/app").await;
    let kept = set_cookies(&r)
        .into_iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .count();
    assert_eq!(kept, 1);
    for cookie in set_cookies(&r) {
        assert!(cookie.len() < 2_200, "{} bytes", cookie.len());
    }
    let too_long = format!("/{}", "a".repeat(300));
    let r = tab
        .get(&format!("/sign-in/app?return_to={}", urlencode(&too_long)))
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        tab.signed_in().await,
        ["app"],
        "the signed-in session is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_cookies_stay_within_five_and_five_kilobytes_however_many_sign_ins_start() {
    let app = common::start().await;
    // Carry the cookies by hand, as a browser would, to see their total size.
    let client = bare();
    let mut jar: Vec<(String, String)> = Vec::new();
    let long = format!("/{}", "%22".repeat(85));
    for i in 0..12 {
        let header: String = jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request =
            client.get(app.url(&format!("/sign-in/app?return_to={}", urlencode(&long))));
        if !header.is_empty() {
            request = request.header("cookie", header);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "start {i}");
        for cookie in set_cookies(&r) {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            jar.retain(|(k, _)| k != name);
            if !cookie.contains("Max-Age=0") {
                jar.push((name.to_owned(), value.to_owned()));
            }
        }
        let total: usize = jar.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        assert!(jar.len() <= 5, "{} pending cookies", jar.len());
        assert!(total <= 5 * 1024 + 64, "{total} bytes of pending cookies");
    }
    // A cookie that does not open (planted, or sealed by a retired key) is cleared at the next start.
    let r = client
        .get(app.url("/sign-in/app"))
        .header("cookie", "__Host-ol-pending-0123456789abcdef=AAAA")
        .send()
        .await
        .unwrap();
    assert!(
        set_cookies(&r)
            .iter()
            .any(|c| c.starts_with("__Host-ol-pending-0123456789abcdef=;")),
        "{:?}",
        set_cookies(&r)
    );
}
