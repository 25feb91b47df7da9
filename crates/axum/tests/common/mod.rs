//! A browser that follows no redirect by itself, so each test sees every hop.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::routing::get;
use govuk_one_login::Url;
use govuk_one_login_axum::{Auth, AuthBuilder, MaybeSignedIn, TestApp};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{Value, json};

/// `/me`: the signed-in people's services and emails; `/form/{service}`: the sign-out form.
pub(crate) fn app(auth: &Auth) -> Router {
    auth.mount(
        Router::new()
            .route(
                "/me",
                get(|who: MaybeSignedIn| async move {
                    let people: Vec<Value> = who
                        .iter()
                        .map(|p| json!({"service": p.service().as_str(), "email": p.email()}))
                        .collect();
                    json!(people).to_string()
                }),
            )
            .route(
                "/form/{service}",
                get(
                    |who: MaybeSignedIn, axum::extract::Path(s): axum::extract::Path<String>| async move {
                        who.sign_out_form(&s)
                    },
                ),
            ),
    )
}

pub(crate) async fn start() -> TestApp {
    TestApp::start(app).await
}

/// The app, and a browser signed in to its service `app`.
pub(crate) async fn signed_in() -> (TestApp, Tab) {
    let app = start().await;
    let tab = Tab::new(&app);
    assert_eq!(
        tab.sign_in(&app, "app").await.status(),
        StatusCode::SEE_OTHER
    );
    (app, tab)
}

pub(crate) async fn start_configured(adjust: impl FnOnce(AuthBuilder) -> AuthBuilder) -> TestApp {
    TestApp::start_configured(
        vec![govuk_one_login_testkit::auth_service("app", "app-client")],
        adjust,
        app,
    )
    .await
}

/// One browser: a cookie jar, no automatic redirects.
pub(crate) struct Tab {
    pub(crate) client: reqwest::Client,
    pub(crate) base: Url,
}

impl Tab {
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.url("/"),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.base.join(path).unwrap())
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.base.join(path).unwrap());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().await.unwrap()
    }

    pub(crate) async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self.client.post(self.base.join(path).unwrap()).form(form);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send().await.unwrap()
    }

    /// Starts a sign-in and returns the authorization URL (the pending sign-in is in a cookie).
    pub(crate) async fn start_sign_in(&self, service: &str) -> Url {
        let r = self.get(&format!("/sign-in/{service}")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        Url::parse(r.headers()[LOCATION].to_str().unwrap()).unwrap()
    }

    /// The callback path and query the mock sends the browser back to for `authorize`.
    pub(crate) async fn callback_for(app: &TestApp, authorize: &Url) -> String {
        let callback = app.harness.provider.authorize(authorize).await.unwrap();
        format!(
            "{}?{}",
            callback.path(),
            callback.query().unwrap_or_default()
        )
    }

    /// A whole sign-in; returns the callback's answer.
    pub(crate) async fn sign_in(&self, app: &TestApp, service: &str) -> reqwest::Response {
        let authorize = self.start_sign_in(service).await;
        let callback = Self::callback_for(app, &authorize).await;
        self.get(&callback).await
    }

    /// The services this browser is signed in to.
    pub(crate) async fn signed_in(&self) -> Vec<String> {
        let me: Value = self.get("/me").await.json().await.unwrap();
        me.as_array()
            .unwrap()
            .iter()
            .map(|p| p["service"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The CSRF token in this browser's sign-out form for `service`.
    pub(crate) async fn csrf(&self, service: &str) -> String {
        let form = self
            .get(&format!("/form/{service}"))
            .await
            .text()
            .await
            .unwrap();
        let start = form.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
        form[start..start + 43].to_owned()
    }
}

/// Every `Set-Cookie` of a response.
pub(crate) fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}
