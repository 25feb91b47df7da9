//! Shared set-up: the app served in-process on a free loopback port, against the embedded
//! mock One Login.

#![allow(dead_code)] // Each test file uses a different part of this module.
#![allow(clippy::unwrap_used)] // Test set-up: a panic is a failed test.

use std::sync::Arc;

use example_rp::{App, Demo, base_url, serve};
use govuk_one_login::Url;
use reqwest::cookie::Jar;
use tokio::net::TcpListener;

/// The running app and what a test needs to drive it.
pub(crate) struct TestApp {
    /// `http://127.0.0.1:PORT/`.
    pub(crate) base: Url,
    /// The embedded provider and the demo service.
    pub(crate) demo: Demo,
    /// The app (for its session store).
    pub(crate) app: App,
}

impl TestApp {
    /// Starts the provider and serves the app on a free port.
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = base_url(listener.local_addr().unwrap()).unwrap();
        let demo = Demo::start(&base).await.unwrap();
        let app = App::new(demo.one_login().unwrap()).unwrap();
        tokio::spawn(serve(listener, app.clone()));
        Self { base, demo, app }
    }

    /// An absolute URL on the app.
    pub(crate) fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    /// The demo service's checked configuration.
    pub(crate) fn service(&self) -> &govuk_one_login::ServiceConfig {
        self.demo.services().get(example_rp::DEMO_SERVICE).unwrap()
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
