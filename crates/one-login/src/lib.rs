//! # govuk-one-login
//!
//! A GOV.UK One Login relying party for Rust services: sign-in, identity (the core identity JWT),
//! sign-out and back-channel logout, for every service of a services file, each with its own client
//! id, configuration, metrics and failures.
//!
//! The flow is framework-agnostic: [`RelyingParty::start_sign_in`] gives you a URL to redirect to and
//! a [`PendingSignIn`] to keep in the person's session; [`RelyingParty::finish_sign_in`] takes the
//! callback's query and that value back and returns a verified [`SignedIn`].
//!
//! ```no_run
//! use govuk_one_login::{OneLogin, ServicesFile, SignInOptions};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // At start-up: load and check every service, then build one relying party per service.
//! let services = ServicesFile::load("services.toml")?;
//! let one_login = OneLogin::builder(services).build()?;
//! let rp = one_login.service("apply-for-a-licence").ok_or("no such service")?;
//!
//! // GET /sign-in: redirect to One Login, keep `pending` in the session.
//! let start = rp.start_sign_in(SignInOptions::default()).await?;
//! let (redirect_to, pending) = (start.url, start.pending);
//! # let _ = redirect_to;
//!
//! // GET /callback?code=…&state=…: finish, with the pending sign-in taken out of the session.
//! let query = "code=…&state=…";
//! let signed_in = rp.finish_sign_in(query, pending).await?;
//! println!("signed in to {} as {}", signed_in.service(), signed_in.sub());
//! # Ok(()) }
//! ```
//!
//! The conformance suite in `tests/` and the testkit's docs show the same flow running end to end
//! against a mock One Login.
//!
//! ## Features
//! - `reqwest` (default): the reqwest transport from `govuk-one-login-http`. Turn it off to pass your
//!   own `HttpTransport` to [`OneLoginBuilder::transport`].

mod callback;
mod error;
mod pending;
mod registry;
mod rp;
mod signed_in;

pub use error::{
    AuthorizeErrorCode, BackChannelError, SetupError, SignInError, SignOutError,
    TokenResponseProblem,
};
pub use pending::{PendingSignIn, Prompt, Reauthenticate, SignInOptions, SignInStart};
pub use registry::{OneLogin, OneLoginBuilder};
pub use rp::{
    DEFAULT_PENDING_TTL_SECS, MAX_AUTHORIZE_QUERY, MAX_BACK_CHANNEL_BODY, MAX_LOGIN_HINT,
    MAX_LOGOUT_QUERY, MAX_RESPONSE_BYTES, RelyingParty, back_channel_response,
};
pub use signed_in::{LogoutNotice, SignedIn};

pub use govuk_one_login_core as core;
pub use govuk_one_login_core::{
    ClaimName, Clock, CredentialLevel, Environment, IdentityLevel, SecretString, ServiceConfig,
    Services, ServicesFile, SystemClock, TestClock, UiLocale, Url, VectorOfTrust,
};
pub use govuk_one_login_discovery as discovery;
pub use govuk_one_login_discovery::{CachePolicy, ProviderCache, ProviderRegistry};
#[cfg(feature = "reqwest")]
pub use govuk_one_login_http as http;
pub use govuk_one_login_sector as sector;
pub use govuk_one_login_verify as verify;
pub use govuk_one_login_verify::{BirthDate, Name, VerifiedCoreIdentity};
