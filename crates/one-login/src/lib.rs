//! # govuk-one-login
//!
//! A GOV.UK One Login relying party for Rust services: sign-in, identity (the core identity JWT),
//! sign-out and back-channel logout, for every service of a services file, each with its own client
//! id, configuration, metrics and failures.
//!
//! The flow is framework-agnostic: [`RelyingParty::start_sign_in`] gives you a URL to redirect to and
//! a [`PendingSignIn`] to keep in the person's session; [`OneLogin::finish_sign_in`] takes the
//! callback's query and the browser's pending sign-ins back, picks the one the callback belongs
//! to and returns a verified [`SignedIn`]. A [`Sealer`] turns either into encrypted bytes for a
//! session store.
//!
//! ```no_run
//! use govuk_one_login::{OneLogin, Services, SignInOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // At start-up: load and check every service, then build one relying party per service.
//! let services = Services::load("services.toml")?;
//! let one_login = OneLogin::builder(services).build()?;
//! let rp = one_login.relying_party("apply-for-a-licence").ok_or("no such service")?;
//!
//! // GET /sign-in: redirect to One Login, keep `pending` in the session.
//! let start = rp.start_sign_in(SignInOptions::default()).await?;
//! let mut pendings = vec![start.pending];
//! # let _ = start.url;
//!
//! // GET /callback?code=…&state=…: finish whichever pending sign-in the callback belongs to.
//! let query = "code=…&state=…";
//! let signed_in = one_login.finish_sign_in(query, &mut pendings).await?;
//! println!("signed in to {}", signed_in.service());
//! # Ok(()) }
//! ```
//!
//! The protocol itself is sans-I/O in [`protocol`]: each message is a plain type with a
//! `parse` or `build`, which the relying party orchestrates with the transport and the caches.
//! The conformance suite in `tests/` and the testkit's docs show the flow running end to end
//! against a mock One Login.
//!
//! ## Features
//! - `reqwest` (default): the reqwest transport from `govuk-one-login-http`. Turn it off to pass your
//!   own `HttpTransport` to [`OneLoginBuilder::transport`].
//! - `identity` (default): identity sign-ins and the core identity JWT.
//! - `request-objects` (default): signed request objects (JAR), `login_hint`, re-authentication.

mod check;
mod codes;
mod error;
mod health;
mod pending;
pub mod protocol;
mod registry;
mod rp;
mod seal;
mod session;
mod signed_in;
mod text;

pub use check::{CheckReport, check_services_file};
pub use codes::Action;
pub use error::{BackChannelError, SetupError, SignInError, SignOutError};
pub use health::{HEALTH_PING_TIMEOUT, Health, StoreHealth, StoreRole};
pub use pending::{
    PendingSignIn, PendingSignOut, Prompt, Reauthenticate, SignInOptions, SignInStart,
    SignOutStart, SignedOut,
};
pub use protocol::{
    AuthorizeErrorCode, BackChannelResponse, MAX_AUTHORIZE_QUERY, MAX_BACK_CHANNEL_BODY,
    MAX_LOGIN_HINT, MAX_LOGOUT_QUERY, ReturnTo, TokenResponseProblem,
};
pub use registry::{OneLogin, OneLoginBuilder};
pub use rp::{DEFAULT_PENDING_TTL_SECS, DEFAULT_SIGNER_TIMEOUT, MAX_RESPONSE_BYTES, RelyingParty};
pub use seal::{
    MAX_SEALED_BYTES, SEAL_VERSION, SEALING_KEY_LEN, SealError, Sealable, Sealer, SealingKey,
};
pub use session::{
    SessionId, SessionKey, SessionLimits, SessionStore, SessionStoreCause, SessionStoreError,
    StoredSession, StoredSignIn, SubjectKey,
};
pub use signed_in::{LogoutNotice, SignedIn};

pub use govuk_one_login_core as core;
pub use govuk_one_login_core::metrics;
/// Re-exported from core, so that an application names everything from this crate: the services
/// file and its checked form, keys and secrets, the clocks, the transport and replay-store traits
/// the builder takes, the configuration errors, and the random and digest helpers a session store
/// needs.
pub use govuk_one_login_core::{
    ClaimName, Clock, ConfigError, ConfigProblem, CredentialLevel, Environment, HttpTransport,
    IdentityLevel, JwsSigner, KeyError, ProblemKind, ProviderSpec, RandomError, ReplayStore,
    RsaPrivateKey, RsaPublicKey, SecretString, ServiceConfig, ServiceKey, ServiceSpec, Services,
    ServicesFile, SharedClock, SignerError, StoreConfig, StoreKind, StoreSpec, SystemClock,
    TestClock, TokenAuthSpec, UiLocale, Url, VectorOfTrust, random_token, secret_digest,
};
pub use govuk_one_login_discovery as discovery;
pub use govuk_one_login_discovery::{
    CachePolicy, DocumentHealth, Freshness, ProviderCache, ProviderHealth, ProviderRegistry,
};
#[cfg(feature = "reqwest")]
pub use govuk_one_login_http as http;
pub use govuk_one_login_sector as sector;
pub use govuk_one_login_verify as verify;
pub use govuk_one_login_verify::{BirthDate, Name, VerifiedCoreIdentity};
