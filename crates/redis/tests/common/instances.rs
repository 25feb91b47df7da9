//! Two relying-party instances behind one public address: each its own `OneLogin`, router and
//! Redis connections, sharing one Redis, one mock One Login and the same sealing key.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use govuk_one_login::core::ServiceSpec;
use govuk_one_login::{OneLogin, Sealer, SealingKey, ServicesFile, SessionLimits, Url};
use govuk_one_login_axum::{Auth, MaybeSignedIn};
use govuk_one_login_redis::Stores;
use govuk_one_login_testkit::{Harness, auth_service};
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::RedisServer;

/// `/me`: the signed-in people's services and emails.
fn app(auth: &Auth) -> Router {
    auth.mount(Router::new().route(
        "/me",
        get(|who: MaybeSignedIn| async move {
            let people: Vec<Value> = who
                .iter()
                .map(|p| json!({"service": p.service().as_str(), "email": p.email()}))
                .collect();
            json!(people).to_string()
        }),
    ))
}

/// One instance: its address and its server task.
pub(crate) struct Instance {
    pub(crate) base: Url,
    pub(crate) stores: Stores,
    pub(crate) auth: Auth,
    server: JoinHandle<()>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Instance {
    pub(crate) fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }
}

/// The mock One Login and two instances, A and B. The services are registered at A's address
/// (the deployment's public address); a test sends each request to the instance it chooses.
pub(crate) struct Deployment {
    pub(crate) harness: Harness,
    pub(crate) a: Instance,
    pub(crate) b: Instance,
    pub(crate) prefix: String,
}

async fn listener() -> (tokio::net::TcpListener, Url) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    (listener, base)
}

fn serve(listener: tokio::net::TcpListener, auth: &Auth) -> JoinHandle<()> {
    let router = app(auth);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    })
}

impl Deployment {
    pub(crate) async fn start(redis: &RedisServer) -> Self {
        Self::start_with(redis, SessionLimits::default(), Duration::from_millis(500)).await
    }

    /// Like [`Deployment::start`], both routers and stores keeping `limits`, every Redis command
    /// given `command_timeout`.
    pub(crate) async fn start_with(
        redis: &RedisServer,
        limits: SessionLimits,
        command_timeout: Duration,
    ) -> Self {
        let prefix = super::fresh_prefix();
        let config = redis.store_with(&prefix, command_timeout);
        let (listener_a, base_a) = listener().await;
        let (listener_b, base_b) = listener().await;
        let spec = ServiceSpec {
            redirect_uris: vec![format!("{base_a}app/callback")],
            post_logout_redirect_uris: vec![format!("{base_a}app/signed-out")],
            back_channel_logout_uri: Some(format!("{base_a}app/back-channel-logout")),
            ..auth_service("app", "app-client")
        };
        // Two processes would each connect on their own: so do the two instances.
        let stores_a = Stores::connect_with_limits(&config, limits).await.unwrap();
        let stores_b = Stores::connect_with_limits(&config, limits).await.unwrap();
        let harness = {
            let (replay, states) = (stores_a.replay.clone(), stores_a.states.clone());
            Harness::start_with(vec![spec.clone()], move |b| {
                b.replay_store(replay).state_store(states)
            })
            .await
        };
        let services = ServicesFile {
            provider: harness.provider.provider_spec(),
            services: vec![spec],
            base_dir: None,
        }
        .validate()
        .unwrap();
        let one_login_b = OneLogin::builder(services)
            .clock(Arc::new(harness.clock.clone()))
            .replay_store(stores_b.replay.clone())
            .state_store(stores_b.states.clone())
            .build()
            .unwrap();
        // The same sealing key on both instances, as the deployment's secret gives it.
        let (key, text) = SealingKey::generate().unwrap();
        let again = SealingKey::from_base64(text.expose_secret()).unwrap();
        let auth_a = Auth::builder(harness.one_login.clone())
            .sealer(Sealer::new(key))
            .store(stores_a.sessions.clone())
            .limits(limits)
            .clock(Arc::new(harness.clock.clone()))
            .build()
            .unwrap();
        let auth_b = Auth::builder(one_login_b)
            .sealer(Sealer::new(again))
            .store(stores_b.sessions.clone())
            .limits(limits)
            .clock(Arc::new(harness.clock.clone()))
            .build()
            .unwrap();
        let a = Instance {
            server: serve(listener_a, &auth_a),
            base: base_a,
            stores: stores_a,
            auth: auth_a,
        };
        let b = Instance {
            server: serve(listener_b, &auth_b),
            base: base_b,
            stores: stores_b,
            auth: auth_b,
        };
        Self {
            harness,
            a,
            b,
            prefix,
        }
    }

    /// The callback (path and query) the mock sends the browser to for `authorize`.
    pub(crate) async fn callback_for(&self, authorize: &Url) -> String {
        let callback = self.harness.provider.authorize(authorize).await.unwrap();
        format!(
            "{}?{}",
            callback.path(),
            callback.query().unwrap_or_default()
        )
    }

    /// Delivers a back-channel logout of the mock's person to `to`, returning the status.
    pub(crate) async fn back_channel_logout(&self, token: &str, to: &Instance) -> u16 {
        self.harness
            .provider
            .deliver_back_channel_logout(&to.url("/app/back-channel-logout"), token)
            .await
            .unwrap()
    }

    /// A logout token for the mock's person.
    pub(crate) fn logout_token(&self) -> String {
        let rp = self.harness.rp("app");
        self.harness.provider.mint_logout_token(
            rp.config().client_id().as_str(),
            &self.harness.subject("app"),
            None,
        )
    }
}

/// A browser: one cookie jar for both instances (cookies ignore the port), no redirects
/// followed.
pub(crate) struct Browser {
    client: reqwest::Client,
}

impl Browser {
    pub(crate) fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    pub(crate) async fn get(&self, at: &Instance, path: &str) -> reqwest::Response {
        self.client.get(at.url(path)).send().await.unwrap()
    }

    /// Starts a sign-in on `at`; the authorization URL.
    pub(crate) async fn start_sign_in(&self, at: &Instance) -> Url {
        let r = self.get(at, "/sign-in/app").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        Url::parse(r.headers()[LOCATION].to_str().unwrap()).unwrap()
    }

    /// A whole sign-in, started on `start` and finished on `finish`: the callback's answer.
    pub(crate) async fn sign_in(
        &self,
        deployment: &Deployment,
        start: &Instance,
        finish: &Instance,
    ) -> reqwest::Response {
        let authorize = self.start_sign_in(start).await;
        let callback = deployment.callback_for(&authorize).await;
        self.get(finish, &callback).await
    }

    /// The emails of the people this browser is signed in as, as `at` sees it.
    pub(crate) async fn emails(&self, at: &Instance) -> Vec<String> {
        self.me(at)
            .await
            .iter()
            .map(|p| p["email"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn me(&self, at: &Instance) -> Vec<Value> {
        let r = self.get(at, "/me").await;
        let status = r.status();
        if status != StatusCode::OK {
            panic!("/me: {status}: {}", r.text().await.unwrap_or_default());
        }
        let me: Value = r.json().await.unwrap();
        me.as_array().unwrap().clone()
    }

    /// The services this browser is signed in to, as `at` sees it.
    pub(crate) async fn signed_in(&self, at: &Instance) -> Vec<String> {
        self.me(at)
            .await
            .iter()
            .map(|p| p["service"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Every `Set-Cookie` of a response, as `name=value`.
pub(crate) fn cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect()
}
