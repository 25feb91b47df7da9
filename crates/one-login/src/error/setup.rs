//! Why the relying parties could not be set up.

use govuk_one_login_verify::SignError;

use crate::codes::Action;

/// Why a relying party could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// No transport was given and the `reqwest` feature is off.
    #[error("no HTTP transport: enable the `reqwest` feature or call `.transport(...)`")]
    NoTransport,
    /// The reqwest client could not be built.
    #[cfg(feature = "reqwest")]
    #[error("the HTTP client could not be built: {0}")]
    Http(#[source] govuk_one_login_http::HttpClientError),
    /// A service needs a cargo feature this build was compiled without.
    #[error(
        "service `{service}` needs the `{feature}` feature of govuk-one-login, which this build turns off"
    )]
    FeatureDisabled {
        /// The service.
        service: String,
        /// The feature.
        feature: &'static str,
    },
    /// A service's signing key could not be loaded into the signer.
    #[error("service `{service}`: {source}")]
    Signer {
        /// The service.
        service: String,
        /// Why.
        #[source]
        source: SignError,
    },
    /// The services file's `[store]` table names a shared store (`redis`) but the builder was
    /// not given the stores built from it: refused rather than falling back to memory.
    #[error(
        "the services file says [store] kind = \"{kind}\", but no {missing} was given to the builder: \
         build the stores (govuk_one_login_redis::Stores::connect) and pass them with \
         .replay_store(..) and .state_store(..)"
    )]
    StoreNotProvided {
        /// The store kind the file names.
        kind: &'static str,
        /// What is missing: `replay store`, `state store` or both.
        missing: &'static str,
    },
    /// A service's key is held by a signer (`signer = "…"` in the services file) that was not
    /// registered with `OneLoginBuilder::signer`.
    #[error(
        "service `{service}`: its key is held by the signer `{signer}`, which was not registered: \
         call .signer(\"{signer}\", your_signer) on the builder"
    )]
    SignerNotRegistered {
        /// The service.
        service: String,
        /// The signer's name.
        signer: String,
    },
    /// A signer was registered under a name no service's key names.
    #[error("a signer was registered as `{0}`, but no key in the services file names it")]
    UnusedSigner(String),
    /// Stores were given for a service the services file does not have.
    #[error("stores were given for service `{0}`, which the services file does not have")]
    UnknownService(String),
}

impl SetupError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoTransport => "setup.no_transport",
            #[cfg(feature = "reqwest")]
            Self::Http(_) => "setup.http",
            Self::FeatureDisabled { .. } => "setup.feature_disabled",
            Self::Signer { .. } => "setup.signer",
            Self::UnknownService(_) => "setup.unknown_service",
            Self::SignerNotRegistered { .. } => "setup.signer_not_registered",
            Self::UnusedSigner(_) => "setup.unused_signer",
            Self::StoreNotProvided { .. } => "setup.store_not_provided",
        }
    }

    /// Always [`Action::Misconfigured`]: set-up fails only on configuration.
    pub fn action(&self) -> Action {
        Action::Misconfigured
    }
}
