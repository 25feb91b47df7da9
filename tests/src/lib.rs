//! Shared set-up for the conformance suite: the `govuk-one-login` relying party against the
//! testkit's mock One Login, scenario by scenario.
//!
//! Each scenario records its outcome with [`expect_failure`] or [`expect_success`]; when the
//! `GOVUK_ONE_LOGIN_CONFORMANCE_REPORT` environment variable names a file, a line per scenario is
//! appended to it (`family`, `scenario`, `expected`, `actual`), which `cargo xtask conformance`
//! prints as a table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test support: a panic is a failed test.

/// `docs/testing.md`, whose examples run as this crate's doc tests, so the guide cannot drift.
#[doc = include_str!("../../docs/testing.md")]
mod testing_guide {}

use std::fmt::Debug;
use std::io::Write as _;
use std::sync::Arc;

use govuk_one_login::{
    OneLogin, PendingSignIn, RelyingParty, SignInError, SignInOptions, SignedIn,
};
use govuk_one_login_core::{SecretString, ServiceSpec, ServicesFile, TestClock, TokenAuthSpec};
use govuk_one_login_testkit::MockOneLogin;

/// A test-only RSA key every test client signs with.
pub const CLIENT_KEY: &str = include_str!("../testdata/client-rsa.pem");

/// An authentication-only service on loopback, with email and phone.
pub fn auth_service(name: &str, client_id: &str) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        client_id: client_id.into(),
        redirect_uris: vec![format!("http://127.0.0.1:9/{name}/callback")],
        post_logout_redirect_uris: vec![format!("http://127.0.0.1:9/{name}/signed-out")],
        back_channel_logout_uri: Some(format!("http://127.0.0.1:9/{name}/back-channel-logout")),
        scopes: Some(vec!["openid".into(), "email".into(), "phone".into()]),
        token_auth: TokenAuthSpec {
            key_pem: Some(SecretString::new(CLIENT_KEY)),
            key_id: Some(format!("{name}-key")),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    }
}

/// A service that also proves identity (Cl.Cm.P2) and asks for every identity claim.
pub fn identity_service(name: &str, client_id: &str) -> ServiceSpec {
    ServiceSpec {
        identity_vtr: Some("Cl.Cm.P2".into()),
        claims: vec![
            "coreIdentityJWT".into(),
            "address".into(),
            "passport".into(),
            "drivingPermit".into(),
            "returnCode".into(),
        ],
        ..auth_service(name, client_id)
    }
}

/// The mock provider, a test clock both sides share, and the relying parties.
#[allow(missing_debug_implementations)] // Test support only; its parts print their own state.
pub struct Harness {
    /// The mock One Login.
    pub provider: MockOneLogin,
    /// The relying parties.
    pub one_login: OneLogin,
    /// The clock the provider and the relying parties read.
    pub clock: TestClock,
}

impl Harness {
    /// Starts a provider and registers `specs` with it.
    pub async fn start(specs: Vec<ServiceSpec>) -> Self {
        Self::start_with(specs, |b| b).await
    }

    /// Like [`Harness::start`], letting the test adjust the builder.
    pub async fn start_with(
        specs: Vec<ServiceSpec>,
        adjust: impl FnOnce(govuk_one_login::OneLoginBuilder) -> govuk_one_login::OneLoginBuilder,
    ) -> Self {
        Self::start_configured(specs, |_| {}, adjust).await
    }

    /// Like [`Harness::start_with`], letting the test adjust the services file's `[provider]`
    /// table too (an egress proxy, say).
    pub async fn start_configured(
        specs: Vec<ServiceSpec>,
        provider_table: impl FnOnce(&mut govuk_one_login_core::ProviderSpec),
        adjust: impl FnOnce(govuk_one_login::OneLoginBuilder) -> govuk_one_login::OneLoginBuilder,
    ) -> Self {
        let clock = TestClock::now();
        let provider = MockOneLogin::try_start_with_clock(Arc::new(clock.clone()))
            .await
            .unwrap();
        let mut table = provider.provider_spec();
        provider_table(&mut table);
        let file = ServicesFile {
            provider: table,
            services: specs,
            base_dir: None,
        };
        let services = file.validate().unwrap();
        for s in services.iter() {
            provider.register(s);
        }
        let builder = OneLogin::builder(services).clock(Arc::new(clock.clone()));
        let one_login = adjust(builder).build().unwrap();
        Self {
            provider,
            one_login,
            clock,
        }
    }

    /// Two services: `auth` (authentication only) and `identity` (P2).
    pub async fn standard() -> Self {
        Self::start(vec![
            auth_service("auth", "client-auth"),
            identity_service("identity", "client-identity"),
        ])
        .await
    }

    /// A service's relying party.
    pub fn rp(&self, name: &str) -> &RelyingParty {
        self.one_login.relying_party(name).unwrap()
    }

    /// Starts a sign-in and plays the browser at the provider: returns the pending sign-in and the
    /// callback's query string.
    pub async fn callback(&self, name: &str, options: SignInOptions) -> (PendingSignIn, String) {
        let start = self.rp(name).start_sign_in(options).await.unwrap();
        let location = self.provider.authorize(&start.url).await.unwrap();
        (
            start.pending,
            location.query().unwrap_or_default().to_owned(),
        )
    }

    /// A whole sign-in.
    ///
    /// # Errors
    /// The relying party's [`SignInError`] when finishing fails.
    pub async fn sign_in(
        &self,
        name: &str,
        options: SignInOptions,
    ) -> Result<SignedIn, SignInError> {
        let (pending, query) = self.callback(name, options).await;
        self.rp(name).finish_sign_in(&query, pending).await
    }

    /// A whole sign-in where any step may fail: a failure to start is returned as the result.
    ///
    /// # Errors
    /// The relying party's [`SignInError`] from starting or finishing.
    ///
    /// # Panics
    /// If the provider refuses the authorization request outright (a test set-up mistake).
    pub async fn try_sign_in(
        &self,
        name: &str,
        options: SignInOptions,
    ) -> Result<SignedIn, SignInError> {
        let start = self.rp(name).start_sign_in(options).await?;
        let location = self.provider.authorize(&start.url).await.unwrap();
        self.rp(name)
            .finish_sign_in(location.query().unwrap_or_default(), start.pending)
            .await
    }

    /// How many requests reached `path` at the provider.
    pub fn calls_to(&self, path: &str) -> usize {
        self.provider.requests_to(path).len()
    }
}

fn report(family: &str, scenario: &str, expected: &str, actual: &str) {
    if let Ok(path) = std::env::var("GOVUK_ONE_LOGIN_CONFORMANCE_REPORT")
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(f, "{family}\t{scenario}\t{expected}\t{actual}");
    }
}

/// Asserts that `result` failed with the error code `expected`, and records the scenario.
pub fn expect_failure<T: Debug, E: Debug>(
    family: &str,
    scenario: &str,
    expected: &str,
    result: Result<T, E>,
    code: impl Fn(&E) -> &'static str,
) -> E {
    match result {
        Ok(v) => {
            report(family, scenario, expected, "accepted");
            panic!("{family}/{scenario}: expected {expected}, but it was accepted: {v:?}");
        }
        Err(e) => {
            let actual = code(&e);
            report(family, scenario, expected, actual);
            assert_eq!(actual, expected, "{family}/{scenario}: {e:?}");
            e
        }
    }
}

/// Asserts that `result` succeeded, and records the scenario.
pub fn expect_success<T, E: Debug>(family: &str, scenario: &str, result: Result<T, E>) -> T {
    match result {
        Ok(v) => {
            report(family, scenario, "success", "success");
            v
        }
        Err(e) => {
            report(family, scenario, "success", "failed");
            panic!("{family}/{scenario}: expected success, got {e:?}");
        }
    }
}
