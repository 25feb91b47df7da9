//! A relying party wired to the mock: services registered on both sides, one shared clock.

use std::sync::Arc;

use govuk_one_login::core::{ProviderSpec, ServiceSpec, TokenAuthSpec};
use govuk_one_login::{
    OneLogin, OneLoginBuilder, PendingSignIn, RelyingParty, SecretString, ServicesFile,
    SignInError, SignInOptions, SignedIn, TestClock,
};

use crate::MockOneLogin;

/// A test-only RSA private key (2048-bit, PKCS#1 PEM) that [`auth_service`] and
/// [`identity_service`] sign client assertions with, so a test needs no key file.
///
/// It is public, so it proves nothing: never register it with a real provider.
pub const TEST_CLIENT_KEY: &str = include_str!("../testdata/client-rsa.pem");

/// An authentication-only service spec on loopback, ready for [`Harness::start`]:
///
/// * scopes `openid email phone`, so the person's email and phone number come back;
/// * redirect URI `http://127.0.0.1:9/{name}/callback`, post-logout redirect URI
///   `http://127.0.0.1:9/{name}/signed-out`, back-channel logout URI
///   `http://127.0.0.1:9/{name}/back-channel-logout` (nothing listens there: the harness plays
///   the browser);
/// * `private_key_jwt` with [`TEST_CLIENT_KEY`] under the key id `{name}-key`;
/// * everything else as [`ServiceSpec::default`] (PKCE on, integration environment).
///
/// Change any field with struct update syntax:
///
/// ```
/// use govuk_one_login::core::ServiceSpec;
/// use govuk_one_login_testkit::auth_service;
///
/// let spec = ServiceSpec { pkce: Some(false), ..auth_service("apply", "apply-client") };
/// assert_eq!(spec.redirect_uris, ["http://127.0.0.1:9/apply/callback"]);
/// ```
pub fn auth_service(name: &str, client_id: &str) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        client_id: client_id.into(),
        redirect_uris: vec![format!("http://127.0.0.1:9/{name}/callback")],
        post_logout_redirect_uris: vec![format!("http://127.0.0.1:9/{name}/signed-out")],
        back_channel_logout_uri: Some(format!("http://127.0.0.1:9/{name}/back-channel-logout")),
        scopes: Some(vec!["openid".into(), "email".into(), "phone".into()]),
        token_auth: TokenAuthSpec {
            key_pem: Some(SecretString::new(TEST_CLIENT_KEY)),
            key_id: Some(format!("{name}-key")),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    }
}

/// [`auth_service`] that also proves identity: vector of trust `Cl.Cm.P2` and every identity
/// claim (`coreIdentityJWT`, `address`, `passport`, `drivingPermit`, `returnCode`). Sign in with
/// `SignInOptions { identity: true, .. }` to get the person's verified name and birth date.
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

/// The mock One Login, the `govuk-one-login` relying parties configured against it, and the
/// [`TestClock`] both sides read.
///
/// [`Harness::start`] registers every service with the mock and builds a [`OneLogin`] for them;
/// [`Harness::sign_in`] then runs a whole sign-in (start, the browser's visit to the mock, the
/// callback) and returns what your application would get. Script the mock through
/// [`Harness::provider`] (faults, another person, key rotation) and check what was sent with
/// [`Harness::calls_to`] or [`MockOneLogin::requests`]; move time with [`Harness::clock`].
///
/// ```
/// use govuk_one_login::SignInOptions;
/// use govuk_one_login_testkit::{Faults, Harness, IdTokenFault, auth_service};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let h = Harness::start(vec![auth_service("apply", "apply-client")]).await;
/// h.provider.set_faults(Faults::id_token(IdTokenFault::InvalidSignature));
/// assert!(h.sign_in("apply", SignInOptions::default()).await.is_err());
/// assert_eq!(h.calls_to("/userinfo"), 0, "nothing fetched with a refused ID token");
/// # }
/// ```
///
/// Every method panics on a set-up mistake (a spec that does not validate, an unknown service
/// name): in a test, that is a failed test with the reason in its message.
#[derive(Debug)]
#[non_exhaustive]
pub struct Harness {
    /// The mock One Login.
    pub provider: MockOneLogin,
    /// The relying parties, one per service.
    pub one_login: OneLogin,
    /// The clock the provider and the relying parties read; advance it instead of sleeping.
    pub clock: TestClock,
}

impl Harness {
    /// Starts a mock provider, registers `specs` with it and builds their relying parties.
    ///
    /// # Panics
    /// If the mock cannot start, the services file does not validate or the relying parties
    /// cannot be built.
    pub async fn start(specs: Vec<ServiceSpec>) -> Self {
        Self::start_with(specs, |b| b).await
    }

    /// Like [`Harness::start`], letting the test adjust the [`OneLoginBuilder`] (a transport, a
    /// cache policy, a replay store); the shared clock is already set.
    ///
    /// # Panics
    /// As [`Harness::start`].
    pub async fn start_with(
        specs: Vec<ServiceSpec>,
        adjust: impl FnOnce(OneLoginBuilder) -> OneLoginBuilder,
    ) -> Self {
        Self::start_configured(specs, |_| {}, adjust).await
    }

    /// Like [`Harness::start_with`], letting the test adjust the services file's `[provider]`
    /// table too (an egress proxy, say) before it is validated.
    ///
    /// # Panics
    /// As [`Harness::start`].
    pub async fn start_configured(
        specs: Vec<ServiceSpec>,
        provider_table: impl FnOnce(&mut ProviderSpec),
        adjust: impl FnOnce(OneLoginBuilder) -> OneLoginBuilder,
    ) -> Self {
        let clock = TestClock::now();
        let provider = match MockOneLogin::try_start_with_clock(Arc::new(clock.clone())).await {
            Ok(provider) => provider,
            Err(e) => panic!("the mock One Login could not start: {e}"),
        };
        let mut table = provider.provider_spec();
        provider_table(&mut table);
        let file = ServicesFile {
            provider: table,
            services: specs,
            base_dir: None,
        };
        let services = match file.validate() {
            Ok(services) => services,
            Err(e) => panic!("the harness's services file does not validate: {e}"),
        };
        for service in services.iter() {
            provider.register(service);
        }
        let builder = OneLogin::builder(services).clock(Arc::new(clock.clone()));
        let one_login = match adjust(builder).build() {
            Ok(one_login) => one_login,
            Err(e) => panic!("the harness's relying parties could not be built: {e}"),
        };
        Self {
            provider,
            one_login,
            clock,
        }
    }

    /// Two services: `auth` (client id `client-auth`, [`auth_service`]) and `identity` (client
    /// id `client-identity`, [`identity_service`]).
    ///
    /// # Panics
    /// As [`Harness::start`].
    pub async fn standard() -> Self {
        Self::start(vec![
            auth_service("auth", "client-auth"),
            identity_service("identity", "client-identity"),
        ])
        .await
    }

    /// The relying party of the service called `name`.
    ///
    /// # Panics
    /// If the harness has no such service.
    pub fn rp(&self, name: &str) -> &RelyingParty {
        match self.one_login.relying_party(name) {
            Some(rp) => rp,
            None => panic!("the harness has no service called {name:?}"),
        }
    }

    /// The pairwise `sub` the mock gives its current person for the service called `name`.
    ///
    /// # Panics
    /// If the harness has no such service.
    pub fn subject(&self, name: &str) -> String {
        self.provider.subject_for(self.rp(name).config())
    }

    /// Starts a sign-in and plays the browser at the provider: returns the pending sign-in (what
    /// your application keeps in the session) and the callback's query string (`code` and
    /// `state`, or `error` and `state`).
    ///
    /// # Panics
    /// If the sign-in cannot start or the mock refuses the authorization request outright.
    pub async fn callback(&self, name: &str, options: SignInOptions) -> (PendingSignIn, String) {
        let start = match self.rp(name).start_sign_in(options).await {
            Ok(start) => start,
            Err(e) => panic!("{name}: the sign-in could not start: {e}"),
        };
        let location = match self.provider.authorize(&start.url).await {
            Ok(location) => location,
            Err(e) => panic!("{name}: the mock refused the authorization request: {e}"),
        };
        (
            start.pending,
            location.query().unwrap_or_default().to_owned(),
        )
    }

    /// A whole sign-in: [`Harness::callback`], then [`RelyingParty::finish_sign_in`].
    ///
    /// # Errors
    /// The relying party's [`SignInError`] when finishing fails.
    ///
    /// # Panics
    /// As [`Harness::callback`].
    pub async fn sign_in(
        &self,
        name: &str,
        options: SignInOptions,
    ) -> Result<SignedIn, SignInError> {
        let (pending, query) = self.callback(name, options).await;
        self.rp(name).finish_sign_in(&query, pending).await
    }

    /// A whole sign-in where starting may fail too: that failure is returned as the result.
    ///
    /// # Errors
    /// The relying party's [`SignInError`] from starting or finishing.
    ///
    /// # Panics
    /// If the mock refuses the authorization request outright (a test set-up mistake).
    pub async fn try_sign_in(
        &self,
        name: &str,
        options: SignInOptions,
    ) -> Result<SignedIn, SignInError> {
        let start = self.rp(name).start_sign_in(options).await?;
        let location = match self.provider.authorize(&start.url).await {
            Ok(location) => location,
            Err(e) => panic!("{name}: the mock refused the authorization request: {e}"),
        };
        self.rp(name)
            .finish_sign_in(location.query().unwrap_or_default(), start.pending)
            .await
    }

    /// How many requests reached `path` (`"/token"`, `"/userinfo"`, ...) at the provider.
    pub fn calls_to(&self, path: &str) -> usize {
        self.provider.requests_to(path).len()
    }
}
