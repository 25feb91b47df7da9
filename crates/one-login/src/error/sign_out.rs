//! Why a sign-out could not start, or its return was not the one this browser started.

use govuk_one_login_core::RandomError;
use govuk_one_login_discovery::DiscoveryError;

use super::discovery_action;
use crate::codes::Action;
use crate::protocol::{LogoutRequestError, SignOutReturnError};

/// Why a sign-out could not start, or its return leg was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignOutError {
    /// The signed-in person (or the pending sign-out) belongs to another service.
    #[error("the sign-out belongs to service `{belongs_to}`, not `{asked}`")]
    WrongService {
        /// The service it belongs to.
        belongs_to: String,
        /// The service asked.
        asked: String,
    },
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
    /// A return to the post-logout page with no sign-out pending in this browser.
    #[error("no sign-out is pending in this browser")]
    NoPendingSignOut,
    /// The pending sign-out is too old.
    #[error(
        "the sign-out was started {age_seconds} s ago, longer than the {limit_seconds} s allowed"
    )]
    PendingExpired {
        /// Its age.
        age_seconds: i64,
        /// The limit.
        limit_seconds: i64,
    },
    /// The return query is unusable (malformed, a repeated parameter, no state).
    #[error(transparent)]
    Return(#[from] SignOutReturnError),
    /// The returned state is not the one this browser's sign-out sent: a forged return.
    #[error("the post-logout return's state does not match the pending sign-out")]
    StateMismatch,
    /// Metadata could not be had.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The system random number generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl SignOutError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongService { .. } => "sign_out.wrong_service",
            Self::UnregisteredRedirect(_) => "sign_out.unregistered_redirect",
            Self::RedirectNeedsHint => "sign_out.redirect_needs_hint",
            Self::NoEndSessionEndpoint => "sign_out.no_end_session_endpoint",
            Self::UrlTooLong { .. } => "sign_out.url_too_long",
            Self::NoPendingSignOut => "sign_out.no_pending",
            Self::PendingExpired { .. } => "sign_out.pending_expired",
            Self::Return(e) => e.code(),
            Self::StateMismatch => "sign_out.state_mismatch",
            Self::Discovery(e) => e.code(),
            Self::Random(_) => "sign_out.random",
        }
    }

    /// What the application should do.
    pub fn action(&self) -> Action {
        match self {
            Self::UnregisteredRedirect(_)
            | Self::RedirectNeedsHint
            | Self::NoEndSessionEndpoint
            | Self::UrlTooLong { .. } => Action::Misconfigured,
            Self::NoPendingSignOut | Self::PendingExpired { .. } => Action::StartAgain,
            Self::WrongService { .. } | Self::Return(_) | Self::StateMismatch => Action::Refused,
            Self::Discovery(e) => discovery_action(e),
            Self::Random(_) => Action::RetryLater,
        }
    }
}

impl From<LogoutRequestError> for SignOutError {
    fn from(e: LogoutRequestError) -> Self {
        match e {
            LogoutRequestError::RedirectNeedsHint => Self::RedirectNeedsHint,
            LogoutRequestError::UrlTooLong { length, limit } => Self::UrlTooLong { length, limit },
        }
    }
}
