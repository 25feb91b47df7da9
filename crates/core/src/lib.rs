//! # govuk-one-login-core
//!
//! The vocabulary every other `govuk-one-login-*` crate speaks, with no network I/O: the
//! [`Environment`]s, the services file and its validation ([`ServicesFile`], [`Services`],
//! [`ServiceConfig`]), vectors of trust, scopes and claims, the per-request secrets ([`State`],
//! [`Nonce`], [`PkceVerifier`]), secrets that redact themselves ([`SecretString`]), the
//! [`HttpTransport`] and [`Clock`] traits, and the [`ReplayStore`] for logout tokens.
//!
//! Depend on it directly only to write your own transport, clock or replay store, or to check
//! services files in tooling; a relying party depends on the `govuk-one-login` facade.
//!
//! ```
//! use govuk_one_login_core::{ServicesFile, ProblemKind};
//!
//! let file = ServicesFile::parse_toml(r#"
//!     [provider]
//!     environment = "integration"
//!
//!     [[service]]
//!     name = "licences"
//!     client_id = "abc123"
//!     redirect_uris = ["https://licences.example.gov.uk/callback"]
//!     scopes = ["email"]
//!     token_auth = { method = "private_key_jwt", key_env = "NO_SUCH_VARIABLE", key_id = "k1" }
//! "#).unwrap();
//!
//! // Every problem is reported at once, naming service, field and fix.
//! let err = file.validate().unwrap_err();
//! let kinds: Vec<_> = err.problems().iter().map(|p| p.kind).collect();
//! assert_eq!(kinds, [ProblemKind::MissingOpenId, ProblemKind::BadKey]);
//! assert!(err.to_string().contains("service `licences`, field `scopes`"));
//! ```

mod clock;
mod config;
mod environment;
#[doc(hidden)]
pub mod internal;
mod key;
pub mod metrics;
mod replay;
mod secret;
mod sector;
mod service_key;
mod transport;
mod types;
mod vtr;

pub use clock::{Clock, SharedClock, SystemClock, TestClock};
pub use config::{
    ClientAuth, ConfigError, ConfigProblem, DEFAULT_LEEWAY, KeySpec, MAX_LEEWAY, ProblemKind,
    ProviderSpec, ServiceConfig, ServiceSpec, Services, ServicesFile, StoreConfig, StoreKind,
    StoreSpec, TokenAuthSpec,
};
pub use environment::{Environment, EnvironmentError, EnvironmentKind};
pub use key::{
    KeyError, KeySource, MAX_SECRET_FILE_BYTES, MIN_RSA_BITS, RsaPrivateKey, jwk_thumbprint,
};
pub use replay::{InMemoryReplayStore, ReplayCheck, ReplayStore, ReplayStoreError, StoreCause};
pub use secret::SecretString;
pub use service_key::{JwsSigner, MAX_RSA_BITS, RsaPublicKey, ServiceKey, SignerError};
pub use transport::{
    BoxFuture, DEFAULT_USER_AGENT, HttpRequest, HttpResponse, HttpTransport, Method,
    TransportError, user_agent,
};
pub use types::{
    ClaimName, ClientAssertionAlgorithm, ClientId, IdTokenAlgorithm, Nonce, PkceChallenge,
    PkceVerifier, RandomError, Scope, ServiceName, State, UiLocale, random_token, secret_digest,
};
pub use vtr::{CredentialLevel, IdentityLevel, VectorOfTrust, VtrError};

// Not part of the API: kept at the root, hidden, only for files other engineers are changing
// (`govuk_one_login::registry`, the testkit, verify's `id_token`); use `internal::` instead.
#[doc(hidden)]
pub use internal::{constant_time_eq, did_web_for, random_bytes};

/// Re-exported so that users name the same `Url` type.
pub use url::Url;
