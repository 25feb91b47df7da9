//! Testing a team's own app: the app served on loopback against the testkit's mock One Login,
//! and a browser that carries cookies through a whole sign-in.

use std::sync::Arc;

use axum::Router;
use govuk_one_login::core::ServiceSpec;
use govuk_one_login::{OneLoginBuilder, Sealer, SealingKey, Url};
use govuk_one_login_testkit::{Harness, auth_service};
use tokio::task::JoinHandle;

use crate::{Auth, AuthBuilder};

/// Your app, served on a free loopback port, with its services registered at the testkit's mock
/// One Login and an [`Auth`] built for them (a fresh sealing key, the harness's clock).
///
/// ```
/// use axum::{Router, routing::get};
/// use govuk_one_login_axum::{SignedInUser, TestApp};
///
/// async fn hello(user: SignedInUser) -> String {
///     format!("Hello, {}", user.email().unwrap_or("you"))
/// }
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() {
/// let app = TestApp::start(|auth| auth.mount(Router::new().route("/", get(hello)))).await;
/// let page = app.browser().sign_in("app").await;
/// assert_eq!(page.text().await.unwrap(), "Hello, test@example.com");
/// # }
/// ```
///
/// Like the testkit's `Harness`, every method panics on a set-up mistake: in a test, that is a
/// failed test with the reason in its message.
#[derive(Debug)]
pub struct TestApp {
    /// The mock One Login, the relying parties and the shared clock.
    pub harness: Harness,
    /// The [`Auth`] the app was built with.
    pub auth: Auth,
    base: Url,
    server: JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// One service called `app` (client id `app-client`, the testkit's `auth_service`), served
    /// by the router `app` builds from the [`Auth`].
    ///
    /// # Panics
    /// If the port, the mock or the configuration cannot be set up.
    pub async fn start(app: impl FnOnce(&Auth) -> Router) -> Self {
        Self::start_with(vec![auth_service("app", "app-client")], app).await
    }

    /// Like [`TestApp::start`] with these services: each one's redirect, post-logout and
    /// back-channel URIs are moved to the app's address (`/{name}/callback`,
    /// `/{name}/signed-out`, `/{name}/back-channel-logout`).
    ///
    /// # Panics
    /// As [`TestApp::start`].
    pub async fn start_with(specs: Vec<ServiceSpec>, app: impl FnOnce(&Auth) -> Router) -> Self {
        Self::start_configured(specs, |b| b, app).await
    }

    /// Like [`TestApp::start_with`], letting the test adjust the [`AuthBuilder`] (limits, a
    /// store, the unauthenticated answer); the sealing key and the harness's clock are set.
    ///
    /// # Panics
    /// As [`TestApp::start`].
    pub async fn start_configured(
        specs: Vec<ServiceSpec>,
        adjust: impl FnOnce(AuthBuilder) -> AuthBuilder,
        app: impl FnOnce(&Auth) -> Router,
    ) -> Self {
        Self::start_with_builders(specs, |b| b, adjust, app).await
    }

    /// Like [`TestApp::start_configured`], letting the test adjust the [`OneLoginBuilder`] too
    /// (shared replay and state stores, say, next to a shared session store in `adjust`).
    ///
    /// # Panics
    /// As [`TestApp::start`].
    pub async fn start_with_builders(
        specs: Vec<ServiceSpec>,
        one_login: impl FnOnce(OneLoginBuilder) -> OneLoginBuilder,
        adjust: impl FnOnce(AuthBuilder) -> AuthBuilder,
        app: impl FnOnce(&Auth) -> Router,
    ) -> Self {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => panic!("no free loopback port: {e}"),
        };
        let base = match listener
            .local_addr()
            .map_err(|e| e.to_string())
            .and_then(|a| Url::parse(&format!("http://{a}/")).map_err(|e| e.to_string()))
        {
            Ok(base) => base,
            Err(e) => panic!("the app's address: {e}"),
        };
        let specs = specs
            .into_iter()
            .map(|spec| {
                let name = spec.name.clone();
                ServiceSpec {
                    redirect_uris: vec![format!("{base}{name}/callback")],
                    post_logout_redirect_uris: vec![format!("{base}{name}/signed-out")],
                    back_channel_logout_uri: Some(format!("{base}{name}/back-channel-logout")),
                    ..spec
                }
            })
            .collect();
        let harness = Harness::start_with(specs, one_login).await;
        let sealer = match SealingKey::generate() {
            Ok((key, _)) => Sealer::new(key),
            Err(e) => panic!("a sealing key: {e}"),
        };
        let builder = Auth::builder(harness.one_login.clone())
            .sealer(sealer)
            .clock(Arc::new(harness.clock.clone()));
        let auth = match adjust(builder).build() {
            Ok(auth) => auth,
            Err(e) => panic!("the router could not be built: {e}"),
        };
        let router = app(&auth);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            harness,
            auth,
            base,
            server,
        }
    }

    /// The app's address joined with `path`.
    ///
    /// # Panics
    /// If `path` does not join.
    pub fn url(&self, path: &str) -> Url {
        match self.base.join(path) {
            Ok(url) => url,
            Err(e) => panic!("{path:?} does not join the app's address: {e}"),
        }
    }

    /// A new browser (no cookies yet) for this app.
    pub fn browser(&self) -> TestBrowser {
        TestBrowser::new(self.base.clone())
    }

    /// Delivers a back-channel logout of the mock's current person from `service`, as One Login
    /// would, and returns the status the app answered with.
    ///
    /// # Panics
    /// If there is no such service or the delivery fails.
    pub async fn back_channel_logout(&self, service: &str) -> u16 {
        let rp = self.harness.rp(service);
        let sub = self.harness.subject(service);
        let token =
            self.harness
                .provider
                .mint_logout_token(rp.config().client_id().as_str(), &sub, None);
        let Some(url) = rp.config().back_channel_logout_uri() else {
            panic!("service {service:?} has no back-channel logout URI");
        };
        match self
            .harness
            .provider
            .deliver_back_channel_logout(url, &token)
            .await
        {
            Ok(status) => status,
            Err(e) => panic!("back-channel delivery failed: {e}"),
        }
    }
}

/// A browser for a [`TestApp`] (or any base URL): keeps cookies, follows redirects, so
/// [`TestBrowser::sign_in`] runs a whole sign-in against the mock One Login (which redirects
/// straight back).
#[derive(Debug, Clone)]
pub struct TestBrowser {
    client: reqwest::Client,
    base: Url,
}

impl TestBrowser {
    /// A browser with an empty cookie jar, for the app at `base`.
    ///
    /// # Panics
    /// If the HTTP client cannot be built.
    pub fn new(base: Url) -> Self {
        let client = match reqwest::Client::builder().cookie_store(true).build() {
            Ok(c) => c,
            Err(e) => panic!("the test browser's HTTP client: {e}"),
        };
        Self { client, base }
    }

    /// The underlying client (cookies included), for requests the helpers do not cover.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Signs in to `service` and returns the page the browser lands on.
    ///
    /// # Panics
    /// If a request fails to complete.
    pub async fn sign_in(&self, service: &str) -> reqwest::Response {
        self.get(&format!("/sign-in/{service}")).await
    }

    /// GETs `path` (as a page: `Accept: text/html`), following redirects.
    ///
    /// # Panics
    /// If the request fails to complete.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        let url = match self.base.join(path) {
            Ok(u) => u,
            Err(e) => panic!("{path:?}: {e}"),
        };
        match self
            .client
            .get(url)
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => panic!("GET {path}: {e}"),
        }
    }
}
