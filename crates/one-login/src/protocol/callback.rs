//! The authorization response: the query One Login sends to the redirect URI.

use std::fmt;

use super::AuthorizeErrorCode;
use govuk_one_login_core::internal::printable;

/// The most bytes of callback query accepted (codes and states are short; this bounds hostile
/// input).
pub const MAX_CALLBACK_BYTES: usize = 8 * 1024;

/// The parameters of an authorization response, read strictly: a parameter that appears twice
/// is refused, whatever its name (a repeated `code` or `state` is an injection attempt), and
/// parameters this library does not use are ignored. `Debug` redacts the code and the state.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    iss: Option<String>,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("CallbackParams")
            .field("code", &redact(&self.code))
            .field("state", &redact(&self.state))
            .field("error", &self.error.as_deref().map(|e| printable(e, 64)))
            .field("iss", &self.iss.as_deref().map(|e| printable(e, 200)))
            .finish_non_exhaustive()
    }
}

/// Why a callback was refused, before any request was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The query could not be read.
    #[error("the callback query is malformed: {0}")]
    Malformed(&'static str),
    /// A parameter appeared more than once.
    #[error("the callback repeats the `{0}` parameter")]
    DuplicateParameter(String),
    /// The callback has no `state`.
    #[error("the callback has no state parameter")]
    MissingState,
    /// The callback's `iss` names another provider (mix-up attack).
    #[error("the callback's iss `{actual}` is not the provider's issuer `{expected}`")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The callback's value (bounded, control characters replaced).
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
        /// `error_description`, if any (bounded, control characters replaced).
        description: Option<String>,
    },
}

impl CallbackError {
    /// A stable machine-readable code (the same as the [`SignInError`](crate::SignInError) it
    /// becomes).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "sign_in.malformed_callback",
            Self::DuplicateParameter(_) => "sign_in.duplicate_parameter",
            Self::MissingState => "sign_in.missing_state",
            Self::IssuerMismatch { .. } => "sign_in.issuer_mismatch",
            Self::CodeAndError => "sign_in.code_and_error",
            Self::MissingCode => "sign_in.missing_code",
            Self::Provider { error, .. } => error.code(),
        }
    }
}

impl CallbackParams {
    /// Parses a callback query (with or without a leading `?`).
    ///
    /// # Errors
    /// [`CallbackError::Malformed`] for a query over [`MAX_CALLBACK_BYTES`],
    /// [`CallbackError::DuplicateParameter`] for a repeated parameter.
    pub fn parse(query: &str) -> Result<Self, CallbackError> {
        if query.len() > MAX_CALLBACK_BYTES {
            return Err(CallbackError::Malformed("the query is too long"));
        }
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut params = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if seen.iter().any(|s| *s == name) {
                return Err(CallbackError::DuplicateParameter(printable(&name, 32)));
            }
            seen.push(name.to_string());
            let slot = match name.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                "iss" => &mut params.iss,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        Ok(params)
    }

    /// The `state`, which must be present.
    ///
    /// # Errors
    /// [`CallbackError::MissingState`].
    pub fn state(&self) -> Result<&str, CallbackError> {
        self.state.as_deref().ok_or(CallbackError::MissingState)
    }

    /// The `iss` parameter (RFC 9207), if sent.
    pub fn iss(&self) -> Option<&str> {
        self.iss.as_deref()
    }

    /// The outcome once the state has been matched: the authorization code, or why there is
    /// none. `iss`, when present, must be `issuer` byte for byte.
    ///
    /// # Errors
    /// [`CallbackError::IssuerMismatch`], [`CallbackError::CodeAndError`],
    /// [`CallbackError::Provider`] or [`CallbackError::MissingCode`].
    pub fn into_code(self, issuer: &str) -> Result<String, CallbackError> {
        if let Some(iss) = &self.iss
            && iss != issuer
        {
            return Err(CallbackError::IssuerMismatch {
                expected: issuer.to_owned(),
                actual: printable(iss, 200),
            });
        }
        if let Some(error) = &self.error {
            if self.code.is_some() {
                return Err(CallbackError::CodeAndError);
            }
            return Err(CallbackError::Provider {
                error: AuthorizeErrorCode::parse(error),
                description: self.error_description.as_deref().map(|d| printable(d, 300)),
            });
        }
        self.code
            .filter(|c| !c.is_empty())
            .ok_or(CallbackError::MissingCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://op/";

    #[test]
    fn reads_code_state_and_iss() {
        let cb =
            CallbackParams::parse("?code=abc&state=xyz&iss=https%3A%2F%2Fop%2F&extra=1").unwrap();
        assert_eq!(cb.state(), Ok("xyz"));
        assert_eq!(cb.iss(), Some("https://op/"));
        assert_eq!(cb.into_code(ISSUER).as_deref(), Ok("abc"));
    }

    #[test]
    fn refuses_repeated_parameters_and_huge_queries() {
        let code = |q: &str| CallbackParams::parse(q).err().map(|e| e.code());
        assert_eq!(code("code=a&code=b"), Some("sign_in.duplicate_parameter"));
        assert_eq!(
            code("state=a&x=1&state=a"),
            Some("sign_in.duplicate_parameter")
        );
        assert_eq!(code("x=1&x=2"), Some("sign_in.duplicate_parameter"));
        let huge = format!("code={}", "a".repeat(MAX_CALLBACK_BYTES));
        assert_eq!(code(&huge), Some("sign_in.malformed_callback"));
    }

    #[test]
    fn the_outcome_checks_iss_then_error_then_code() {
        let outcome = |q: &str| CallbackParams::parse(q).unwrap().into_code(ISSUER);
        assert_eq!(
            outcome("code=c&iss=https%3A%2F%2Fevil%2F")
                .unwrap_err()
                .code(),
            "sign_in.issuer_mismatch"
        );
        assert_eq!(
            outcome("code=c&error=access_denied").unwrap_err(),
            CallbackError::CodeAndError
        );
        assert_eq!(
            outcome("error=access_denied&error_description=no%0Awhy").unwrap_err(),
            CallbackError::Provider {
                error: AuthorizeErrorCode::AccessDenied,
                description: Some("no\u{fffd}why".into())
            }
        );
        assert_eq!(outcome("state=s").unwrap_err(), CallbackError::MissingCode);
        assert_eq!(outcome("code=").unwrap_err(), CallbackError::MissingCode);
        assert_eq!(
            CallbackParams::parse("code=c").unwrap().state(),
            Err(CallbackError::MissingState)
        );
    }

    #[test]
    fn debug_redacts_the_code_and_state() {
        let cb = CallbackParams::parse("code=secret-code&state=secret-state").unwrap();
        let shown = format!("{cb:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
