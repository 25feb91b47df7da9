//! Why a back-channel logout request was refused.

use govuk_one_login_core::ReplayStoreError;
use govuk_one_login_discovery::DiscoveryError;
use govuk_one_login_verify::VerifyError;

use super::discovery_action;
use crate::codes::{Action, scoped};
use crate::protocol::{BackChannelFormError, BackChannelResponse};

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
    /// The token's audience is none of the services it could be for. (The audience is read
    /// unverified only to choose a verifier; this refusal decides nothing else.)
    #[error("the logout token is for none of the services this endpoint serves")]
    UnknownAudience,
    /// The logout token failed verification.
    #[error("the logout token was refused: {0}")]
    Token(#[source] VerifyError),
    /// The token's `jti` was seen before: nothing is ended a second time.
    #[error("this logout token was already handled")]
    Replayed,
    /// The application could not end the sessions, so the logout was not applied; One Login
    /// is asked to retry (its `jti` was forgotten).
    #[error("the sessions could not be ended; One Login will retry")]
    NotApplied,
    /// Keys could not be had.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The replay store failed.
    #[error(transparent)]
    ReplayStore(#[from] ReplayStoreError),
}

impl BackChannelError {
    /// A stable machine-readable code. A verifier's code is prefixed `logout_token.`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "back_channel.too_large",
            Self::MissingToken => "back_channel.missing_token",
            Self::UnknownAudience => "back_channel.unknown_audience",
            Self::Token(e) => scoped("logout_token", e.code()),
            Self::Replayed => "back_channel.replayed",
            Self::NotApplied => "back_channel.not_applied",
            Self::Discovery(e) => e.code(),
            Self::ReplayStore(e) => e.code(),
        }
    }

    /// What the application should do: a failure on this side (keys, the replay store) is
    /// answered 503 so that One Login retries; anything else is refused with 400.
    pub fn action(&self) -> Action {
        match self {
            Self::Discovery(e) => discovery_action(e),
            Self::ReplayStore(_) | Self::NotApplied => Action::RetryLater,
            _ => Action::Refused,
        }
    }

    /// The HTTP answer for this refusal: 503 when One Login should retry, else 400.
    pub fn response(&self) -> BackChannelResponse {
        match self.action() {
            Action::RetryLater | Action::Misconfigured => {
                BackChannelResponse::failed(503, self.code())
            }
            _ => BackChannelResponse::refused(self.code()),
        }
    }
}

impl From<BackChannelFormError> for BackChannelError {
    fn from(e: BackChannelFormError) -> Self {
        match e {
            BackChannelFormError::TooLarge(n) => Self::TooLarge(n),
            BackChannelFormError::MissingToken => Self::MissingToken,
        }
    }
}
