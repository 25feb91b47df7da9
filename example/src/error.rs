//! The example's own errors: setting the app up, and the pages it answers with when a request
//! fails.

use govuk_one_login::{ConfigError, KeyError, RandomError, SetupError, SignInError, SignOutError};
use govuk_one_login_testkit::StartError;

/// Why the example could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExampleError {
    /// The listening address could not be bound (`AddrInUse` when another program has the port).
    #[error("cannot listen on {addr}: {reason}{hint}", hint = if *.in_use { "; another program is using this port: stop it or pass --listen 127.0.0.1:PORT with a free port" } else { "" })]
    Bind {
        /// The address asked for.
        addr: String,
        /// Whether the address is already in use.
        in_use: bool,
        /// The operating system's reason.
        reason: String,
    },
    /// The embedded mock provider could not start.
    #[error("the embedded mock One Login could not start: {0}")]
    Provider(#[from] StartError),
    /// The demo service's client key could not be generated.
    #[error("the demo service's RSA key could not be generated: {0}")]
    Key(#[from] KeyError),
    /// The services file (or the demo's) could not be loaded or is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The relying parties could not be built.
    #[error("the relying parties could not be built: {0}")]
    Setup(#[from] SetupError),
    /// A service uses an algorithm the provider does not advertise.
    #[error("{0}")]
    Unsupported(govuk_one_login::discovery::UnsupportedAlgorithm),
    /// Two services, or a service and one of the app's own pages, claim one path for different
    /// purposes (e.g. a redirect URI at `/me`).
    #[error(
        "service `{service}` uses the path `{path}` as its {purpose}, which {other}; give it another path"
    )]
    PathConflict {
        /// The service.
        service: String,
        /// The path.
        path: String,
        /// What the service uses it for (`redirect URI`, …).
        purpose: &'static str,
        /// What else uses it.
        other: String,
    },
    /// The server stopped with an I/O error.
    #[error("the server stopped: {0}")]
    Serve(String),
}

impl ExampleError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Bind { in_use: true, .. } => "example.address_in_use",
            Self::Bind { in_use: false, .. } => "example.bind",
            Self::Provider(_) => "example.provider_start",
            Self::Key(_) => "example.key",
            Self::Config(e) => e.code(),
            Self::Setup(e) => e.code(),
            Self::Unsupported(e) => e.code(),
            Self::PathConflict { .. } => "example.path_conflict",
            Self::Serve(_) => "example.serve",
        }
    }
}

/// Why a browser request failed: what the error page says, with its HTTP status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// No service has this name.
    #[error("there is no service called `{0}`")]
    UnknownService(String),
    /// The query string could not be understood.
    #[error("the query parameter `{name}` must be `true` or `false`")]
    BadQuery {
        /// The parameter.
        name: &'static str,
    },
    /// A callback arrived in a browser that started no sign-in (or whose session expired).
    #[error(
        "this browser has no sign-in in progress (it expired, was already finished, or cookies are blocked); start again"
    )]
    NoPendingSignIn,
    /// Starting or finishing the sign-in failed.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    /// The sign-out URL could not be built.
    #[error(transparent)]
    SignOut(#[from] SignOutError),
    /// The system random number generator failed (no session id could be made).
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl PageError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownService(_) => "example.unknown_service",
            Self::BadQuery { .. } => "example.bad_query",
            Self::NoPendingSignIn => "example.no_pending_sign_in",
            Self::SignIn(e) => e.code(),
            Self::SignOut(e) => e.code(),
            Self::Random(_) => "example.random",
        }
    }

    /// The HTTP status of the error page: 404 for an unknown service, 400 for anything the browser
    /// or the person can fix by starting again, 502/503 when One Login or the network failed, 500
    /// for a failure on this machine.
    pub fn status(&self) -> u16 {
        match self {
            Self::UnknownService(_) => 404,
            Self::BadQuery { .. } | Self::NoPendingSignIn => 400,
            Self::SignIn(e) => sign_in_status(e),
            Self::SignOut(SignOutError::Discovery(_) | SignOutError::NoEndSessionEndpoint) => 502,
            Self::SignOut(_) => 500,
            Self::Random(_) => 500,
        }
    }
}

fn sign_in_status(e: &SignInError) -> u16 {
    use govuk_one_login::AuthorizeErrorCode as C;
    match e {
        SignInError::Provider {
            error: C::TemporarilyUnavailable | C::ServerError,
            ..
        } => 503,
        SignInError::Provider {
            error: C::AccessDenied | C::LoginRequired,
            ..
        } => 403,
        SignInError::Discovery(_)
        | SignInError::Transport(_)
        | SignInError::TokenEndpoint { .. }
        | SignInError::TokenResponse(_)
        | SignInError::IdToken(_)
        | SignInError::UserInfoEndpoint { .. }
        | SignInError::UserInfo(_)
        | SignInError::UserInfoSubjectMismatch
        | SignInError::Identity(_) => 502,
        SignInError::Signing(_) | SignInError::Random(_) | SignInError::ReplayStore(_) => 500,
        _ => 400,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govuk_one_login::AuthorizeErrorCode;

    #[test]
    fn a_busy_port_says_so_and_names_the_fix() {
        let e = ExampleError::Bind {
            addr: "127.0.0.1:8080".into(),
            in_use: true,
            reason: "Address already in use".into(),
        };
        assert_eq!(e.code(), "example.address_in_use");
        let text = e.to_string();
        assert!(
            text.contains("another program is using this port"),
            "{text}"
        );
        assert!(text.contains("--listen"), "{text}");
    }

    #[test]
    fn page_errors_map_to_precise_statuses() {
        assert_eq!(PageError::UnknownService("x".into()).status(), 404);
        assert_eq!(PageError::NoPendingSignIn.status(), 400);
        assert_eq!(PageError::from(SignInError::StateMismatch).status(), 400);
        let refused = SignInError::Provider {
            error: AuthorizeErrorCode::AccessDenied,
            description: None,
        };
        assert_eq!(PageError::from(refused).status(), 403);
        let busy = SignInError::Provider {
            error: AuthorizeErrorCode::TemporarilyUnavailable,
            description: None,
        };
        assert_eq!(PageError::from(busy).status(), 503);
        let token = SignInError::TokenEndpoint {
            status: 400,
            error: "invalid_grant".into(),
            description: None,
        };
        assert_eq!(PageError::from(token).status(), 502);
    }

    #[test]
    fn page_error_codes_are_stable() {
        assert_eq!(
            PageError::UnknownService("x".into()).code(),
            "example.unknown_service"
        );
        assert_eq!(
            PageError::BadQuery { name: "identity" }.code(),
            "example.bad_query"
        );
        assert_eq!(
            PageError::NoPendingSignIn.code(),
            "example.no_pending_sign_in"
        );
        assert_eq!(
            PageError::from(SignInError::MissingState).code(),
            "sign_in.missing_state"
        );
    }
}
