//! Why a sign-in could not start or finish.

use govuk_one_login_core::{RandomError, ReplayStoreError, TransportError};
use govuk_one_login_discovery::DiscoveryError;
use govuk_one_login_verify::{ClaimsError, SignError, VerifyError};

use super::discovery_action;
use crate::codes::{Action, scoped};
use crate::protocol::{
    AuthorizeErrorCode, AuthorizeRequestError, CallbackError, TokenResponseError,
    TokenResponseProblem,
};

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
    /// No sign-in was pending in this browser (a callback with no session, or one already used).
    #[error("no sign-in is pending in this browser; start again")]
    NoPendingSignIn,
    /// The callback was refused before any request: malformed, a repeated parameter, an `iss`
    /// naming another provider, both or neither of `code` and `error`. Its code and text are the
    /// [`CallbackError`]'s. (A missing `state` and a provider error have variants of their own,
    /// [`MissingState`](Self::MissingState) and [`Provider`](Self::Provider), and never appear
    /// here.)
    #[error(transparent)]
    Callback(CallbackError),
    /// The callback has no `state`.
    #[error("the callback has no state parameter")]
    MissingState,
    /// The callback's `state` is not the one this browser was given (CSRF or a mixed-up
    /// session): it matches none of the pending sign-ins.
    #[error("the callback's state does not match any sign-in pending in this browser")]
    StateMismatch,
    /// The same pending sign-in was already used.
    #[error("this sign-in was already finished once; start again")]
    StateReplayed,
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
    /// A stable machine-readable code, for metrics and logs. A verifier's code is prefixed with
    /// the artefact that failed: `id_token.claims.iss`, `core_identity.claims.iss`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongService { .. } => "sign_in.wrong_service",
            Self::PendingExpired { .. } => "sign_in.pending_expired",
            Self::NoPendingSignIn => "sign_in.no_pending",
            Self::Callback(e) => e.code(),
            Self::MissingState => "sign_in.missing_state",
            Self::StateMismatch => "sign_in.state_mismatch",
            Self::StateReplayed => "sign_in.state_replayed",
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
            Self::TokenResponse(p) => p.code(),
            Self::IdToken(e) => scoped("id_token", e.code()),
            Self::Reauthentication(_) => "sign_in.reauthentication",
            Self::UserInfoEndpoint { .. } => "sign_in.userinfo_endpoint",
            Self::UserInfo(e) => e.code(),
            Self::UserInfoSubjectMismatch => "sign_in.userinfo_sub_mismatch",
            Self::Identity(e) => scoped("core_identity", e.code()),
            Self::Signing(e) => e.code(),
            Self::Random(_) => "sign_in.random",
            Self::ReplayStore(e) => e.code(),
        }
    }

    /// What the application should do: show "try again later", start the sign-in again, tell
    /// an operator, or refuse.
    pub fn action(&self) -> Action {
        match self {
            Self::PendingExpired { .. } | Self::NoPendingSignIn | Self::StateReplayed => {
                Action::StartAgain
            }
            Self::WrongService { .. }
            | Self::MissingState
            | Self::StateMismatch
            | Self::LoginHintTooLong(_)
            | Self::TokenResponse(_)
            | Self::IdToken(_)
            | Self::Reauthentication(_)
            | Self::UserInfo(_)
            | Self::UserInfoSubjectMismatch
            | Self::Identity(_) => Action::Refused,
            Self::Provider { error, .. }
            | Self::Callback(CallbackError::Provider { error, .. }) => error.action(),
            Self::Callback(_) => Action::Refused,
            Self::IdentityNotConfigured(_)
            | Self::UnregisteredRedirectUri(_)
            | Self::FeatureDisabled(_)
            | Self::NeedsRequestObjects(_)
            | Self::UrlTooLong { .. } => Action::Misconfigured,
            // The external signer (a KMS) failing for a while is an outage; a lasting refusal
            // (access denied, a disabled key) and the rest are the key's set-up.
            Self::Signing(SignError::Signer {
                permanent: false, ..
            }) => Action::RetryLater,
            Self::Signing(_) => Action::Misconfigured,
            Self::Discovery(e) => discovery_action(e),
            Self::Transport(_) | Self::Random(_) | Self::ReplayStore(_) => Action::RetryLater,
            Self::TokenEndpoint { status, error, .. } => match (status, error.as_str()) {
                (500..=599 | 429, _) => Action::RetryLater,
                (_, "invalid_grant") => Action::StartAgain,
                (_, "invalid_client" | "unauthorized_client") => Action::Misconfigured,
                _ => Action::Refused,
            },
            Self::UserInfoEndpoint { status, .. } => match status {
                500..=599 | 429 => Action::RetryLater,
                _ => Action::Refused,
            },
        }
    }
}

impl From<CallbackError> for SignInError {
    fn from(e: CallbackError) -> Self {
        match e {
            CallbackError::MissingState => Self::MissingState,
            CallbackError::Provider { error, description } => Self::Provider { error, description },
            other => Self::Callback(other),
        }
    }
}

impl From<AuthorizeRequestError> for SignInError {
    fn from(e: AuthorizeRequestError) -> Self {
        match e {
            AuthorizeRequestError::NeedsRequestObject(what) => Self::NeedsRequestObjects(what),
            AuthorizeRequestError::LoginHintTooLong(n) => Self::LoginHintTooLong(n),
            AuthorizeRequestError::UrlTooLong { length, limit } => {
                Self::UrlTooLong { length, limit }
            }
        }
    }
}

impl From<TokenResponseError> for SignInError {
    fn from(e: TokenResponseError) -> Self {
        match e {
            TokenResponseError::Endpoint {
                status,
                error,
                description,
            } => Self::TokenEndpoint {
                status,
                error,
                description,
            },
            TokenResponseError::Unusable(problem) => Self::TokenResponse(problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_errors_keep_their_codes_as_sign_in_errors() {
        for e in [
            CallbackError::Malformed("x"),
            CallbackError::DuplicateParameter("code".into()),
            CallbackError::MissingState,
            CallbackError::IssuerMismatch {
                expected: "https://op/".into(),
                actual: "https://evil/".into(),
            },
            CallbackError::CodeAndError,
            CallbackError::MissingCode,
            CallbackError::Provider {
                error: AuthorizeErrorCode::AccessDenied,
                description: Some("no".into()),
            },
        ] {
            let sign_in = SignInError::from(e.clone());
            assert_eq!(sign_in.code(), e.code());
            assert_eq!(sign_in.to_string(), e.to_string());
        }
        let e = AuthorizeRequestError::UrlTooLong {
            length: 5000,
            limit: 4096,
        };
        assert_eq!(SignInError::from(e.clone()).code(), e.code());
        let e = TokenResponseError::Unusable(TokenResponseProblem::NotBearer);
        assert_eq!(SignInError::from(e).code(), "token_response.not_bearer");
    }

    #[test]
    fn actions_say_what_to_do() {
        assert_eq!(SignInError::StateMismatch.action(), Action::Refused);
        assert_eq!(SignInError::NoPendingSignIn.action(), Action::StartAgain);
        let busy = SignInError::Provider {
            error: AuthorizeErrorCode::TemporarilyUnavailable,
            description: None,
        };
        assert_eq!(busy.action(), Action::RetryLater);
        let used = SignInError::TokenEndpoint {
            status: 400,
            error: "invalid_grant".into(),
            description: None,
        };
        assert_eq!(used.action(), Action::StartAgain);
        let down = SignInError::TokenEndpoint {
            status: 503,
            error: "unknown".into(),
            description: None,
        };
        assert_eq!(down.action(), Action::RetryLater);
        assert_eq!(
            SignInError::NeedsRequestObjects("login_hint").action(),
            Action::Misconfigured
        );
    }
}
