//! The OAuth error codes One Login returns to the redirect URI (ONE-LOGIN.md §3.7).

use crate::codes::Action;

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
            other => Self::Other(govuk_one_login_core::internal::printable(other, 64)),
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

    /// A stable machine-readable code: `sign_in.provider.<error>`.
    pub fn code(&self) -> &'static str {
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

impl AuthorizeErrorCode {
    /// What to do about it: the person cancelled or lost their session (start again), One Login
    /// is busy (retry later), or the request was wrong (misconfigured).
    pub fn action(&self) -> Action {
        match self {
            Self::AccessDenied | Self::LoginRequired => Action::StartAgain,
            Self::TemporarilyUnavailable | Self::ServerError => Action::RetryLater,
            Self::UnauthorizedClient
            | Self::InvalidRequest
            | Self::InvalidScope
            | Self::UnsupportedResponseType
            | Self::UnmetAuthenticationRequirements
            | Self::RequestUriNotSupported => Action::Misconfigured,
            Self::Other(_) => Action::Refused,
        }
    }
}
