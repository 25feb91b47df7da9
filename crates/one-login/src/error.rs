//! The facade's errors: one enum per operation, one variant per reason, each with a stable code.

use govuk_one_login_core::{RandomError, ReplayStoreError, TransportError};
use govuk_one_login_discovery::DiscoveryError;
use govuk_one_login_verify::{ClaimsError, SignError, VerifyError};

/// An OAuth error code returned by One Login to the redirect URI (ONE-LOGIN.md §3.7).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizeErrorCode {
    /// The user's session was lost, identity proving reached a lower level, or a request object was
    /// refused: restart the journey.
    AccessDenied,
    /// One Login is busy, in maintenance, or the service's rate limit was hit: try again later.
    TemporarilyUnavailable,
    /// Re-authentication failed: end the service's own session.
    LoginRequired,
    /// The client is deactivated or deprecated, or a request object's issuer was wrong.
    UnauthorizedClient,
    /// A parameter was refused (the description says which).
    InvalidRequest,
    /// A scope was refused.
    InvalidScope,
    /// `response_type` was refused.
    UnsupportedResponseType,
    /// `prompt=select_account` was sent.
    UnmetAuthenticationRequirements,
    /// `request_uri` was sent.
    RequestUriNotSupported,
    /// One Login failed.
    ServerError,
    /// Any other code, kept verbatim (bounded in length).
    Other(String),
}

impl AuthorizeErrorCode {
    /// Parses the `error` parameter.
    pub fn parse(value: &str) -> Self {
        match value {
            "access_denied" => Self::AccessDenied,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            "login_required" => Self::LoginRequired,
            "unauthorized_client" => Self::UnauthorizedClient,
            "invalid_request" => Self::InvalidRequest,
            "invalid_scope" => Self::InvalidScope,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "unmet_authentication_requirements" => Self::UnmetAuthenticationRequirements,
            "request_uri_not_supported" => Self::RequestUriNotSupported,
            "server_error" => Self::ServerError,
            other => Self::Other(crate::rp::printable(other, 64)),
        }
    }

    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::LoginRequired => "login_required",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::ServerError => "server_error",
            Self::Other(s) => s,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::AccessDenied => "sign_in.provider.access_denied",
            Self::TemporarilyUnavailable => "sign_in.provider.temporarily_unavailable",
            Self::LoginRequired => "sign_in.provider.login_required",
            Self::UnauthorizedClient => "sign_in.provider.unauthorized_client",
            Self::InvalidRequest => "sign_in.provider.invalid_request",
            Self::InvalidScope => "sign_in.provider.invalid_scope",
            Self::UnsupportedResponseType => "sign_in.provider.unsupported_response_type",
            Self::UnmetAuthenticationRequirements => {
                "sign_in.provider.unmet_authentication_requirements"
            }
            Self::RequestUriNotSupported => "sign_in.provider.request_uri_not_supported",
            Self::ServerError => "sign_in.provider.server_error",
            Self::Other(_) => "sign_in.provider.other",
        }
    }
}

impl std::fmt::Display for AuthorizeErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token response was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenResponseProblem {
    /// Not JSON, or not an object.
    NotJson,
    /// No `id_token`.
    MissingIdToken,
    /// No `access_token`.
    MissingAccessToken,
    /// `token_type` is not `Bearer`.
    NotBearer,
}

impl std::fmt::Display for TokenResponseProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotJson => "the body is not a JSON object",
            Self::MissingIdToken => "it has no id_token",
            Self::MissingAccessToken => "it has no access_token",
            Self::NotBearer => "token_type is not Bearer",
        })
    }
}

/// Why a sign-in could not start or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The pending sign-in belongs to another service.
    #[error("the pending sign-in was started by service `{started_by}`, not `{finishing}`")]
    WrongService {
        /// The service that started it.
        started_by: String,
        /// The service asked to finish it.
        finishing: String,
    },
    /// The pending sign-in is too old.
    #[error(
        "the sign-in was started {age_seconds} s ago, longer than the {limit_seconds} s allowed; start again"
    )]
    PendingExpired {
        /// Its age.
        age_seconds: i64,
        /// The limit.
        limit_seconds: i64,
    },
    /// The callback query could not be read.
    #[error("the callback query is malformed: {0}")]
    MalformedCallback(&'static str),
    /// A parameter appeared more than once in the callback.
    #[error("the callback repeats the `{0}` parameter")]
    DuplicateParameter(String),
    /// The callback has no `state`.
    #[error("the callback has no state parameter")]
    MissingState,
    /// The callback's `state` is not the one this browser was given (CSRF or a mixed-up session).
    #[error("the callback's state does not match the pending sign-in")]
    StateMismatch,
    /// The same pending sign-in was already used.
    #[error("this sign-in was already finished once; start again")]
    StateReplayed,
    /// The callback's `iss` names another provider (mix-up attack).
    #[error("the callback's iss `{actual}` is not the provider's issuer `{expected}`")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The callback's value.
        actual: String,
    },
    /// The callback carries both `code` and `error`.
    #[error("the callback carries both a code and an error")]
    CodeAndError,
    /// The callback has neither `code` nor `error`.
    #[error("the callback has no code")]
    MissingCode,
    /// One Login answered with an error.
    #[error("One Login refused the sign-in: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Provider {
        /// The error code.
        error: AuthorizeErrorCode,
        /// `error_description`, if any (bounded in length).
        description: Option<String>,
    },
    /// Identity was asked for on a service with no `identity_vtr`.
    #[error("service `{0}` has no identity_vtr configured, so it cannot ask for identity")]
    IdentityNotConfigured(String),
    /// The redirect URI asked for is not one of the service's registered ones.
    #[error("`{0}` is not one of this service's registered redirect URIs")]
    UnregisteredRedirectUri(String),
    /// The `login_hint` is longer than One Login accepts.
    #[error("login_hint is {0} characters; One Login accepts at most 256")]
    LoginHintTooLong(usize),
    /// A part of the flow this build was compiled without (a cargo feature of `govuk-one-login`).
    #[error("this build of govuk-one-login has the `{0}` feature turned off")]
    FeatureDisabled(&'static str),
    /// `login_hint` or re-authentication without request objects.
    #[error(
        "{0} can only be sent inside a signed request object; set request_objects = true for this service"
    )]
    NeedsRequestObjects(&'static str),
    /// The authorization URL's query is longer than One Login's firewall accepts.
    #[error(
        "the authorization URL's query is {length} characters, over One Login's limit of {limit}; send fewer claims or a shorter login_hint"
    )]
    UrlTooLong {
        /// The query's length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// Metadata or keys could not be had.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The token or userinfo request failed in transit.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The token endpoint refused the code.
    #[error("the token endpoint answered {status}: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenEndpoint {
        /// The HTTP status.
        status: u16,
        /// The OAuth `error` (or `unknown`).
        error: String,
        /// `error_description`, if any (bounded).
        description: Option<String>,
    },
    /// The token response is unusable.
    #[error("the token response is unusable: {0}")]
    TokenResponse(TokenResponseProblem),
    /// The ID token failed verification.
    #[error("the ID token was refused: {0}")]
    IdToken(#[source] VerifyError),
    /// A re-authentication returned another person or an older authentication.
    #[error("re-authentication {0}")]
    Reauthentication(&'static str),
    /// The userinfo endpoint refused the access token.
    #[error("the userinfo endpoint answered {status}{}", challenge.as_deref().map(|c| format!(": {c}")).unwrap_or_default())]
    UserInfoEndpoint {
        /// The HTTP status.
        status: u16,
        /// The `WWW-Authenticate` challenge, if any (bounded).
        challenge: Option<String>,
    },
    /// The userinfo body is unusable.
    #[error("the userinfo response is unusable: {0}")]
    UserInfo(#[source] ClaimsError),
    /// userinfo's `sub` is not the ID token's.
    #[error("the userinfo sub is not the ID token's sub")]
    UserInfoSubjectMismatch,
    /// The core identity JWT failed verification.
    #[error("the core identity JWT was refused: {0}")]
    Identity(#[source] VerifyError),
    /// Signing the client assertion or request object failed.
    #[error(transparent)]
    Signing(#[from] SignError),
    /// The system random number generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The replay store could not record the state's use.
    #[error(transparent)]
    ReplayStore(#[from] ReplayStoreError),
}

impl SignInError {
    /// A stable machine-readable code, for metrics and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongService { .. } => "sign_in.wrong_service",
            Self::PendingExpired { .. } => "sign_in.pending_expired",
            Self::MalformedCallback(_) => "sign_in.malformed_callback",
            Self::DuplicateParameter(_) => "sign_in.duplicate_parameter",
            Self::MissingState => "sign_in.missing_state",
            Self::StateMismatch => "sign_in.state_mismatch",
            Self::StateReplayed => "sign_in.state_replayed",
            Self::IssuerMismatch { .. } => "sign_in.issuer_mismatch",
            Self::CodeAndError => "sign_in.code_and_error",
            Self::MissingCode => "sign_in.missing_code",
            Self::Provider { error, .. } => error.code(),
            Self::IdentityNotConfigured(_) => "sign_in.identity_not_configured",
            Self::UnregisteredRedirectUri(_) => "sign_in.unregistered_redirect_uri",
            Self::LoginHintTooLong(_) => "sign_in.login_hint_too_long",
            Self::FeatureDisabled(_) => "sign_in.feature_disabled",
            Self::NeedsRequestObjects(_) => "sign_in.needs_request_objects",
            Self::UrlTooLong { .. } => "sign_in.url_too_long",
            Self::Discovery(e) => e.code(),
            Self::Transport(e) => e.code(),
            Self::TokenEndpoint { .. } => "sign_in.token_endpoint",
            Self::TokenResponse(_) => "sign_in.token_response",
            Self::IdToken(e) => e.code(),
            Self::Reauthentication(_) => "sign_in.reauthentication",
            Self::UserInfoEndpoint { .. } => "sign_in.userinfo_endpoint",
            Self::UserInfo(e) => e.code(),
            Self::UserInfoSubjectMismatch => "sign_in.userinfo_sub_mismatch",
            Self::Identity(e) => e.code(),
            Self::Signing(e) => e.code(),
            Self::Random(_) => "sign_in.random",
            Self::ReplayStore(e) => e.code(),
        }
    }
}

/// Why a sign-out URL could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignOutError {
    /// The post-logout redirect URI is not one of the service's registered ones.
    #[error("`{0}` is not one of this service's post_logout_redirect_uris")]
    UnregisteredRedirect(String),
    /// A post-logout redirect URI without an `id_token_hint`, which One Login would ignore.
    #[error("a post_logout_redirect_uri needs the id_token_hint, or One Login ignores it")]
    RedirectNeedsHint,
    /// The provider advertises no end-session endpoint.
    #[error("the provider's metadata has no end_session_endpoint")]
    NoEndSessionEndpoint,
    /// The logout URL's query is longer than One Login's firewall accepts.
    #[error(
        "the logout URL's query is {length} characters, over One Login's limit of {limit}; use a shorter state"
    )]
    UrlTooLong {
        /// The query's length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// Metadata could not be had.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
}

impl SignOutError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnregisteredRedirect(_) => "sign_out.unregistered_redirect",
            Self::RedirectNeedsHint => "sign_out.redirect_needs_hint",
            Self::NoEndSessionEndpoint => "sign_out.no_end_session_endpoint",
            Self::UrlTooLong { .. } => "sign_out.url_too_long",
            Self::Discovery(e) => e.code(),
        }
    }
}

/// Why a back-channel logout request was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackChannelError {
    /// The body is larger than a logout request can be.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body is not a form with exactly one `logout_token`.
    #[error("the request body must be a form with exactly one logout_token")]
    MissingToken,
    /// The logout token failed verification.
    #[error("the logout token was refused: {0}")]
    Token(#[source] VerifyError),
    /// The token's `jti` was seen before: nothing is ended a second time.
    #[error("this logout token was already handled")]
    Replayed,
    /// Keys could not be had.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The replay store failed.
    #[error(transparent)]
    ReplayStore(#[from] ReplayStoreError),
}

impl BackChannelError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "back_channel.too_large",
            Self::MissingToken => "back_channel.missing_token",
            Self::Token(e) => e.code(),
            Self::Replayed => "back_channel.replayed",
            Self::Discovery(e) => e.code(),
            Self::ReplayStore(e) => e.code(),
        }
    }
}

/// Why a relying party could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// No transport was given and the `reqwest` feature is off.
    #[error("no HTTP transport: enable the `reqwest` feature or call `.transport(...)`")]
    NoTransport,
    /// The reqwest client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
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
}

impl SetupError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoTransport => "setup.no_transport",
            Self::Http(_) => "setup.http",
            Self::FeatureDisabled { .. } => "setup.feature_disabled",
            Self::Signer { .. } => "setup.signer",
        }
    }
}
