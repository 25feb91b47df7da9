//! The testkit's errors.

/// Why the mock provider could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// No loopback port could be bound.
    #[error("cannot bind a port on 127.0.0.1: {reason}")]
    Bind {
        /// The operating system's reason.
        reason: String,
    },
    /// aws-lc could not generate one of the provider's keys.
    #[error("cannot generate the provider's keys: {reason}")]
    KeyGeneration {
        /// aws-lc's reason.
        reason: String,
    },
    /// The HTTP client the testkit uses as a browser could not be built.
    #[error("cannot build the testkit's HTTP client: {reason}")]
    HttpClient {
        /// reqwest's reason.
        reason: String,
    },
    /// The standalone server's configuration (its environment variables or `SIMULATOR_URL`)
    /// is refused.
    #[error("the mock server's configuration is refused: {reason}")]
    Config {
        /// Every problem, with the field it is about.
        reason: String,
    },
    /// The provider's URLs could not be built into an environment.
    #[error("cannot build the provider's environment: {reason}")]
    Environment {
        /// Why.
        reason: String,
    },
}

impl StartError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Bind { .. } => "testkit.start.bind",
            Self::KeyGeneration { .. } => "testkit.start.key_generation",
            Self::HttpClient { .. } => "testkit.start.http_client",
            Self::Environment { .. } => "testkit.start.environment",
            Self::Config { .. } => "testkit.start.config",
        }
    }
}

/// What went wrong when the testkit played the browser ([`MockOneLogin::authorize`] and
/// [`MockOneLogin::logout`]).
///
/// [`MockOneLogin::authorize`]: crate::MockOneLogin::authorize
/// [`MockOneLogin::logout`]: crate::MockOneLogin::logout
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// The URL does not point at this mock provider; the testkit never follows it.
    #[error("`{url}` does not point at this mock provider ({issuer})")]
    NotThisProvider {
        /// The URL given (without its query).
        url: String,
        /// This provider's issuer.
        issuer: String,
    },
    /// The request did not complete.
    #[error("the request to the mock provider failed: {reason}")]
    Transport {
        /// reqwest's reason.
        reason: String,
    },
    /// The provider answered without a redirect, as One Login does for an unknown client, an
    /// unregistered redirect URI or a bad request object (HTTP 400 with a plain body).
    #[error("the provider refused the request with HTTP {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The plain-text body, e.g. `Invalid request`.
        body: String,
    },
    /// The provider redirected to something that is not an absolute URL.
    #[error("the provider redirected to `{location}`, which is not an absolute URL")]
    BadLocation {
        /// The `Location` header.
        location: String,
    },
}

impl AuthorizeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotThisProvider { .. } => "testkit.browser.not_this_provider",
            Self::Transport { .. } => "testkit.browser.transport",
            Self::Refused { .. } => "testkit.browser.refused",
            Self::BadLocation { .. } => "testkit.browser.bad_location",
        }
    }
}

/// Why a back-channel logout token could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// The URL is not http or https.
    #[error("`{url}` is not an http(s) URL")]
    BadUrl {
        /// The URL given.
        url: String,
    },
    /// The POST did not complete (connection refused, timeout).
    #[error("the back-channel logout POST failed: {reason}")]
    Transport {
        /// reqwest's reason.
        reason: String,
    },
}

impl DeliveryError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUrl { .. } => "testkit.delivery.bad_url",
            Self::Transport { .. } => "testkit.delivery.transport",
        }
    }
}
