//! Shared set-up: the app served in-process on a free loopback port, against the embedded
//! mock One Login.

#![allow(dead_code)] // Each test file uses a different part of this module.
#![allow(clippy::unwrap_used)] // Test set-up: a panic is a failed test.

use std::sync::Arc;

use example_rp::{App, base_url, demo, serve_until};
use govuk_one_login::Url;
use govuk_one_login_testkit::MockOneLogin;
use reqwest::cookie::Jar;
use tokio::net::TcpListener;

/// The running app and what a test needs to drive it.
pub(crate) struct TestApp {
    /// `http://127.0.0.1:PORT/`.
    pub(crate) base: Url,
    /// The embedded mock One Login, with the demo service registered.
    pub(crate) provider: MockOneLogin,
    /// The app (for its session store).
    pub(crate) app: App,
}

impl TestApp {
    /// Starts the provider and serves the app on a free port.
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = base_url(listener.local_addr().unwrap()).unwrap();
        let (provider, app) = demo(&base).await.unwrap();
        tokio::spawn(serve_until(listener, app.clone(), std::future::pending()));
        Self {
            base,
            provider,
            app,
        }
    }

    /// An absolute URL on the app.
    pub(crate) fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    /// The CSRF token of the sign-out form on the home page (the browser must be signed in).
    pub(crate) async fn sign_out_token(&self, browser: &Browser) -> String {
        let html = browser
            .follow
            .get(self.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let (_, rest) = html.split_once(r#"name="csrf" value=""#).unwrap();
        rest.split('"').next().unwrap().to_owned()
    }

    /// The demo service's checked configuration.
    pub(crate) fn service(&self) -> &govuk_one_login::ServiceConfig {
        self.app
            .auth()
            .one_login()
            .relying_party(example_rp::DEMO_SERVICE)
            .unwrap()
            .config()
    }
}

/// A browser: a cookie jar, and a client that follows redirects and one that does not, sharing
/// the jar.
pub(crate) struct Browser {
    /// Follows redirects.
    pub(crate) follow: reqwest::Client,
    /// Stops at each redirect.
    pub(crate) manual: reqwest::Client,
    /// The cookies.
    pub(crate) jar: Arc<Jar>,
}

impl Browser {
    /// A fresh browser with no cookies.
    pub(crate) fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let build = |policy| {
            reqwest::Client::builder()
                .cookie_provider(jar.clone())
                .redirect(policy)
                .no_proxy()
                .build()
                .unwrap()
        };
        Self {
            follow: build(reqwest::redirect::Policy::limited(10)),
            manual: build(reqwest::redirect::Policy::none()),
            jar,
        }
    }
}
