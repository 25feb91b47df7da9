//! # govuk-one-login-testkit
//!
//! A hostile mock GOV.UK One Login that runs inside a `#[tokio::test]`: an in-process stand-in
//! for GDS's simulator (a Docker image), on a [`wiremock`] server bound to 127.0.0.1 only.
//!
//! Depend on it as a **dev-dependency** to test a relying party (a service using the
//! `govuk-one-login` facade or any other OIDC client) against a provider that behaves like One
//! Login: it validates `/authorize` requests (redirect URIs, `state`, `nonce`, scopes, `vtr`,
//! claims, PKCE, signed request objects), authenticates `private_key_jwt` client assertions as
//! One Login does (RSA only, `iss` = `sub` = client id, `aud`, `exp`, single-use `jti`), issues
//! single-use codes that expire, and answers `/userinfo` with the claims and core identity JWT
//! of a configurable [`MockUser`], with pairwise `sub`s computed per sector.
//!
//! ```toml
//! [dev-dependencies]
//! govuk-one-login-testkit = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! ## A whole test with [`Harness`]
//!
//! [`Harness`] starts the mock, registers your services with it (signed with the test-only
//! [`TEST_CLIENT_KEY`], so no key file is needed), builds the `govuk-one-login` relying parties
//! against it with a shared [`TestClock`](govuk_one_login::TestClock), and plays the browser:
//!
//! ```
//! use govuk_one_login::SignInOptions;
//! use govuk_one_login_testkit::{Harness, identity_service};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let h = Harness::start(vec![identity_service("apply", "apply-client")]).await;
//! let person = h.sign_in("apply", SignInOptions { identity: true, ..Default::default() }).await.unwrap();
//! assert_eq!(person.sub(), h.subject("apply"));
//! assert_eq!(person.email(), Some("test@example.com"));
//! assert_eq!(person.phone_number(), Some("+447123456789"));
//! assert_eq!(person.names()[0].given_names(), ["GEOFFREY"]);
//! assert_eq!(person.names()[0].family_names(), ["HEARNSHAW"]);
//! assert_eq!(person.birth_dates()[0].value, "1955-04-19");
//! # }
//! ```
//!
//! ## The default person
//!
//! Unless a test calls [`MockOneLogin::set_user`], the mock signs in [`MockUser::default()`], the
//! GDS simulator's default user:
//!
//! | claim | value |
//! |---|---|
//! | `email` (verified) | `test@example.com` |
//! | `phone_number` (verified, E.164) | `+447123456789` |
//! | name | given name `GEOFFREY`, family name `HEARNSHAW` |
//! | birth date | `1955-04-19` |
//! | address | 26 FRAMPTON ROAD, GLOUCESTER, GL1 5QB, GB |
//! | identity level reached | P2 |
//! | `sub` | pairwise per sector: [`MockOneLogin::subject_for`] or [`Harness::subject`] |
//!
//! ## Scripting the provider
//!
//! Like `tower-test`, a test scripts the provider, then asserts what the client sent:
//!
//! * [`MockOneLogin::set_faults`] switches on any [`Faults`]: every simulator fault
//!   ([`IdTokenFault`], [`CoreIdentityFault`], [`AuthorizeFault`]) and what the simulator lacks:
//!   outages per [`Endpoint`] ([`EndpointFault`]), an unknown `kid`, a discovery issuer
//!   mismatch, a crafted ID token ([`MockOneLogin::mint_id_token`]), a `/userinfo` `sub`
//!   mismatch, a broken token response ([`TokenResponseFault`]);
//! * [`MockOneLogin::rotate_id_token_keys`] and [`MockOneLogin::remove_key`] rehearse key
//!   rotation and removal;
//! * [`MockOneLogin::requests`] lists every request (path, query, headers with `User-Agent`, form
//!   fields, the decoded client assertion), so a test can check protocol hygiene and that nothing
//!   was called after a rejection;
//! * [`MockOneLogin::mint_logout_token`] and [`MockOneLogin::deliver_back_channel_logout`] play
//!   One Login's back-channel logout, valid or with any [`LogoutTokenFault`].
//!
//! Without the [`Harness`], the mock serves any OIDC client; here it is driven by hand:
//!
//! ```
//! use govuk_one_login::ServicesFile;
//! use govuk_one_login::core::{RsaPrivateKey, ServiceSpec, TokenAuthSpec};
//! use govuk_one_login_testkit::{AuthorizeFault, Faults, MockOneLogin};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let op = MockOneLogin::start().await;
//!
//! // A service configured against the mock, registered with it.
//! let key = RsaPrivateKey::generate("key-1").unwrap();
//! let services = ServicesFile {
//!     provider: op.provider_spec(),
//!     services: vec![ServiceSpec {
//!         name: "licences".into(),
//!         client_id: "licences-client".into(),
//!         redirect_uris: vec!["http://127.0.0.1:8080/callback".into()],
//!         scopes: Some(vec!["openid".into(), "email".into()]),
//!         pkce: Some(false),
//!         token_auth: TokenAuthSpec {
//!             key_pem: Some(key.pem().clone()),
//!             key_id: Some("key-1".into()),
//!             ..TokenAuthSpec::default()
//!         },
//!         ..ServiceSpec::default()
//!     }],
//!     base_dir: None,
//! }
//! .validate()
//! .unwrap();
//! let service = services.get("licences").unwrap();
//! op.register(service);
//!
//! // The browser leg: the provider redirects back with a code and the state.
//! let mut url = op.issuer().join("authorize").unwrap();
//! url.query_pairs_mut()
//!     .append_pair("response_type", "code")
//!     .append_pair("client_id", "licences-client")
//!     .append_pair("redirect_uri", "http://127.0.0.1:8080/callback")
//!     .append_pair("scope", "openid email")
//!     .append_pair("state", "s-123")
//!     .append_pair("nonce", "n-456");
//! let callback = op.authorize(&url).await.unwrap();
//! assert!(callback.query_pairs().any(|(k, _)| k == "code"));
//!
//! // Script a fault: the next sign-in is refused, state echoed.
//! op.set_faults(Faults::authorize(AuthorizeFault::TemporarilyUnavailable));
//! let callback = op.authorize(&url).await.unwrap();
//! let error = callback.query_pairs().find(|(k, _)| k == "error").unwrap().1;
//! assert_eq!(error, "temporarily_unavailable");
//!
//! // Inspect what was sent.
//! assert_eq!(op.requests_to("/authorize").len(), 2);
//! # }
//! ```

//! ## As a server, for tests in any language
//!
//! [`MockServer`] serves the same provider on a port of its own (`one-login mock` on the command
//! line), configured the GDS simulator's way: `GET`/`POST /config`, its environment variables,
//! defaults and error names, with several clients, client keys from a JWKS URL, back-channel
//! logout at `/logout`, every [`Faults`] value and a request log (`GET /__requests`) besides.

mod error;
mod faults;
mod handlers;
mod harness;
mod jwt;
mod provider;
mod record;
mod recorder;
mod server;
mod session_contract;
mod state;
mod user;

pub use error::{AuthorizeError, DeliveryError, StartError};
pub use faults::{
    AuthorizeFault, CoreIdentityFault, Endpoint, EndpointFault, Faults, IdTokenFault,
    LogoutTokenFault, TokenResponseFault,
};
pub use harness::{Harness, TEST_CLIENT_KEY, auth_service, identity_service};
pub use provider::{MockKey, MockOneLogin};
pub use record::{DecodedJwt, RecordedRequest};
pub use recorder::{MetricsRecorder, RecorderInstallError, Series};
pub use server::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_PRIVATE_KEY, DEFAULT_CLIENT_PUBLIC_KEY, DEFAULT_PORT,
    DEFAULT_SUB, MockServer, MockServerBuilder,
};
pub use session_contract::session_store_contract;
pub use user::{MockIdentity, MockUser};

/// The README's examples run as doc tests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
