//! Errors: building the router, and the pages a failed request gets.

use axum::http::StatusCode;
use govuk_one_login::{
    Action, AuthorizeErrorCode, RandomError, SealError, SessionStoreError, SignInError,
    SignOutError,
};

/// The router could not be built from this configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No sealing keys were given: sessions and pending sign-ins cannot be sealed.
    #[error(
        "no sealing keys: pass `AuthBuilder::sealer` the same keys on every instance (for example from `Sealer::from_key_list`)"
    )]
    NoSealer,
    /// A service's URI uses a path the router needs for something else.
    #[error(
        "service `{service}` uses the path `{path}` as its {purpose}, which {other}; give it another path"
    )]
    PathConflict {
        /// The service.
        service: String,
        /// The path.
        path: String,
        /// What the service uses it for.
        purpose: &'static str,
        /// What else uses it.
        other: String,
    },
    /// A guard or a setting named a service that is not configured.
    #[error("there is no service called `{0}`")]
    UnknownService(String),
    /// A path setting (`after_sign_in`, `after_sign_out`) is not a plain path on this site.
    #[error("`{setting}` must be a path on this site starting with `/`: {problem}")]
    BadPath {
        /// Which setting.
        setting: &'static str,
        /// Why.
        problem: String,
    },
}

impl AuthError {
    /// A stable code: `axum.no_sealer`, `axum.path_conflict`, `axum.unknown_service` or
    /// `axum.bad_path`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSealer => "axum.no_sealer",
            Self::PathConflict { .. } => "axum.path_conflict",
            Self::UnknownService(_) => "axum.unknown_service",
            Self::BadPath { .. } => "axum.bad_path",
        }
    }
}

/// Why a request to one of the router's routes failed: what the error page shows. The message
/// says what to do; it never holds a token, a code or personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    status: StatusCode,
    code: &'static str,
    message: String,
    action: Action,
}

impl RouteError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        action: Action,
    ) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            action,
        }
    }

    /// The HTTP status the page is sent with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable error code (the same words as the logs and the facade's errors).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// A sentence for the person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it.
    pub fn action(&self) -> Action {
        self.action
    }

    pub(crate) fn unknown_service() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "axum.unknown_service",
            "There is no such service here.",
            Action::Refused,
        )
    }

    pub(crate) fn bad_query(name: &'static str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "axum.bad_query",
            format!("The query parameter `{name}` has a value this page does not take."),
            Action::Refused,
        )
    }

    pub(crate) fn no_pending_sign_in() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "axum.no_pending_sign_in",
            "This browser has no sign-in in progress here (it expired, was already finished, or cookies are blocked). Start again.",
            Action::StartAgain,
        )
    }

    pub(crate) fn cross_site() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "axum.cross_site",
            "This request came from another site, so it was refused.",
            Action::Refused,
        )
    }

    pub(crate) fn bad_csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "axum.csrf",
            "This form has expired or did not come from this site. Go back and try again.",
            Action::StartAgain,
        )
    }

    pub(crate) fn no_service() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "axum.no_service",
            "This page is not set up to know which service it belongs to.",
            Action::Misconfigured,
        )
    }

    pub(crate) fn not_set_up() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "axum.not_mounted",
            "This page is not set up to know who is signed in.",
            Action::Misconfigured,
        )
    }
}

/// What the person is told, by what to do: never the error's own text, which may name hosts or
/// repeat what One Login said (that goes to the log, with the code).
fn sentence(action: Action) -> &'static str {
    match action {
        Action::RetryLater => {
            "GOV.UK One Login or this service is not answering properly just now. Try again in a few minutes."
        }
        Action::StartAgain => {
            "This sign-in could not be finished: it may have expired or been used already. Start again."
        }
        Action::Misconfigured => {
            "This service is not set up correctly, so you cannot sign in just now. Try again later."
        }
        _ => "This request was refused. Start again from the service's home page.",
    }
}

impl From<SignInError> for RouteError {
    fn from(e: SignInError) -> Self {
        tracing::warn!(code = e.code(), error = %e, "sign-in failed");
        Self::new(
            sign_in_status(&e),
            e.code(),
            sentence(e.action()),
            e.action(),
        )
    }
}

impl From<SignOutError> for RouteError {
    fn from(e: SignOutError) -> Self {
        tracing::warn!(code = e.code(), error = %e, "sign-out failed");
        let status = match e.action() {
            Action::RetryLater => StatusCode::BAD_GATEWAY,
            Action::StartAgain | Action::Refused => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.code(), sentence(e.action()), e.action())
    }
}

impl From<SessionStoreError> for RouteError {
    fn from(e: SessionStoreError) -> Self {
        // The store client's own words may name hosts: the code is enough here.
        tracing::error!(code = e.code(), "session store failed");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            e.code(),
            "Sessions are unavailable just now. Try again in a few minutes.",
            e.action(),
        )
    }
}

impl From<SealError> for RouteError {
    fn from(e: SealError) -> Self {
        tracing::error!(code = e.code(), "sealing failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            e.code(),
            "Something went wrong on our side. Try again.",
            Action::RetryLater,
        )
    }
}

impl From<RandomError> for RouteError {
    fn from(_: RandomError) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "axum.random",
            "Something went wrong on our side. Try again.",
            Action::RetryLater,
        )
    }
}

/// The status of a failed sign-in: 403 when the person or One Login refused, 503 when One Login
/// is busy, 502 when One Login's answer was unusable, 500 for our own failures, 400 for the
/// request.
fn sign_in_status(e: &SignInError) -> StatusCode {
    use AuthorizeErrorCode as C;
    match e {
        SignInError::Provider {
            error: C::TemporarilyUnavailable | C::ServerError,
            ..
        } => StatusCode::SERVICE_UNAVAILABLE,
        SignInError::Provider {
            error: C::AccessDenied | C::LoginRequired,
            ..
        } => StatusCode::FORBIDDEN,
        SignInError::Discovery(_)
        | SignInError::Transport(_)
        | SignInError::TokenEndpoint { .. }
        | SignInError::TokenResponse(_)
        | SignInError::IdToken(_)
        | SignInError::UserInfoEndpoint { .. }
        | SignInError::UserInfo(_)
        | SignInError::UserInfoSubjectMismatch
        | SignInError::Identity(_) => StatusCode::BAD_GATEWAY,
        SignInError::ReplayStore(_) => StatusCode::SERVICE_UNAVAILABLE,
        SignInError::Signing(_) | SignInError::Random(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_failures_map_to_precise_statuses() {
        let status = |e| RouteError::from(e).status();
        assert_eq!(status(SignInError::StateMismatch), StatusCode::BAD_REQUEST);
        assert_eq!(
            status(SignInError::NoPendingSignIn),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            RouteError::from(SignInError::StateMismatch).code(),
            "sign_in.state_mismatch"
        );
    }

    #[test]
    fn setup_errors_have_codes() {
        assert_eq!(AuthError::NoSealer.code(), "axum.no_sealer");
        assert_eq!(
            AuthError::UnknownService("x".into()).code(),
            "axum.unknown_service"
        );
    }
}
