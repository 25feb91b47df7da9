//! The token request (the form POSTed to `/token`) and the token response.

use std::fmt;

use govuk_one_login_core::SecretString;
use govuk_one_login_verify::strict_json::{JsonProblem, parse_object};
use serde_json::{Map, Value};

use govuk_one_login_core::internal::printable;

/// The `client_assertion_type` of `private_key_jwt`.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How the client authenticates at the token endpoint.
#[derive(Clone)]
#[non_exhaustive]
pub enum TokenClientAuth {
    /// `private_key_jwt`: a signed client assertion.
    Assertion(SecretString),
    /// `client_secret_post`: the client id and secret in the form.
    Secret {
        /// The client id.
        client_id: String,
        /// The secret.
        secret: SecretString,
    },
}

impl fmt::Debug for TokenClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Assertion(_) => "Assertion([redacted])",
            Self::Secret { .. } => "Secret([redacted])",
        })
    }
}

/// The authorization-code grant: what is POSTed to the token endpoint. `Debug` redacts it.
#[derive(Clone)]
pub struct TokenRequest {
    /// The authorization code from the callback.
    pub code: SecretString,
    /// The redirect URI the authorization request used (sent again, as RFC 6749 requires).
    pub redirect_uri: String,
    /// The PKCE verifier, when the authorization request sent a challenge.
    pub code_verifier: Option<SecretString>,
    /// The client authentication.
    pub client_auth: TokenClientAuth,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("code", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field(
                "code_verifier",
                &self.code_verifier.as_ref().map(|_| "[redacted]"),
            )
            .field("client_auth", &self.client_auth)
            .finish()
    }
}

impl TokenRequest {
    /// The form fields, in order. They hold secrets: never log them.
    pub fn form(&self) -> Vec<(&'static str, String)> {
        let mut form: Vec<(&'static str, String)> = vec![
            ("grant_type", "authorization_code".into()),
            ("code", self.code.expose_secret().to_owned()),
            ("redirect_uri", self.redirect_uri.clone()),
        ];
        match &self.client_auth {
            TokenClientAuth::Assertion(assertion) => {
                form.push(("client_assertion_type", JWT_BEARER_ASSERTION.into()));
                form.push(("client_assertion", assertion.expose_secret().to_owned()));
            }
            TokenClientAuth::Secret { client_id, secret } => {
                form.push(("client_id", client_id.clone()));
                form.push(("client_secret", secret.expose_secret().to_owned()));
            }
        }
        if let Some(v) = &self.code_verifier {
            form.push(("code_verifier", v.expose_secret().to_owned()));
        }
        form
    }
}

/// Why a token response was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenResponseProblem {
    /// Not JSON, or not an object.
    NotJson,
    /// A member name appears twice (which copy counts would be the parser's guess).
    DuplicateMember(String),
    /// The response carries an OAuth `error` member, whatever its status and other members.
    ErrorMember(String),
    /// No `id_token` (or an empty one, or not a string).
    MissingIdToken,
    /// No `access_token` (or an empty one, or not a string).
    MissingAccessToken,
    /// `token_type` is not `Bearer` (compared case-insensitively).
    NotBearer,
}

impl TokenResponseProblem {
    /// A stable machine-readable code, naming the artefact: `token_response.*`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotJson => "token_response.not_json",
            Self::DuplicateMember(_) => "token_response.duplicate_member",
            Self::ErrorMember(_) => "token_response.error_member",
            Self::MissingIdToken => "token_response.missing_id_token",
            Self::MissingAccessToken => "token_response.missing_access_token",
            Self::NotBearer => "token_response.not_bearer",
        }
    }
}

impl fmt::Display for TokenResponseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson => f.write_str("the body is not a JSON object"),
            Self::DuplicateMember(name) => write!(f, "it repeats the `{name}` member"),
            Self::ErrorMember(error) => write!(f, "it carries the error `{error}`"),
            Self::MissingIdToken => f.write_str("it has no id_token"),
            Self::MissingAccessToken => f.write_str("it has no access_token"),
            Self::NotBearer => f.write_str("token_type is not Bearer"),
        }
    }
}

/// Why the token endpoint's answer gave no tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenResponseError {
    /// The token endpoint answered with a non-200 status (it refused the code or failed).
    #[error("the token endpoint answered {status}: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Endpoint {
        /// The HTTP status.
        status: u16,
        /// The OAuth `error` (or `unknown`), bounded and with control characters replaced.
        error: String,
        /// `error_description`, if any (bounded).
        description: Option<String>,
    },
    /// A 200 answer that is unusable.
    #[error("the token response is unusable: {0}")]
    Unusable(TokenResponseProblem),
}

impl TokenResponseError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Endpoint { .. } => "sign_in.token_endpoint",
            Self::Unusable(p) => p.code(),
        }
    }
}

/// The tokens of a successful token response. `Debug` redacts them.
#[derive(Clone)]
pub struct TokenResponse {
    access_token: SecretString,
    id_token: SecretString,
    expires_in: Option<u64>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("id_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl TokenResponse {
    /// Reads the token endpoint's answer (its status and body).
    ///
    /// A 200 answer must be one JSON object with no repeated member and no `error` member, a
    /// `token_type` of `Bearer` (any case), and non-empty string `access_token` and `id_token`.
    /// Any other status is [`TokenResponseError::Endpoint`] with the OAuth `error` and
    /// `error_description` when the body carries them.
    ///
    /// # Errors
    /// [`TokenResponseError`], one case per problem.
    pub fn parse(status: u16, body: &[u8]) -> Result<Self, TokenResponseError> {
        if status != 200 {
            let body: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
            let field = |name: &str| {
                body.as_ref()
                    .and_then(|b| b.get(name))
                    .and_then(Value::as_str)
                    .map(|s| printable(s, 300))
            };
            return Err(TokenResponseError::Endpoint {
                status,
                error: field("error").unwrap_or_else(|| "unknown".into()),
                description: field("error_description"),
            });
        }
        let unusable = TokenResponseError::Unusable;
        let body = parse_object(body).map_err(|p| match p {
            JsonProblem::Duplicate(name) => {
                unusable(TokenResponseProblem::DuplicateMember(printable(&name, 64)))
            }
            _ => unusable(TokenResponseProblem::NotJson),
        })?;
        if let Some(error) = body.get("error") {
            let text = error
                .as_str()
                .map_or_else(|| "(not a string)".into(), |e| printable(e, 64));
            return Err(unusable(TokenResponseProblem::ErrorMember(text)));
        }
        let text = |name: &str| {
            body.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if !text("token_type").is_some_and(|t| t.eq_ignore_ascii_case("bearer")) {
            return Err(unusable(TokenResponseProblem::NotBearer));
        }
        let access =
            text("access_token").ok_or(unusable(TokenResponseProblem::MissingAccessToken))?;
        let id = text("id_token").ok_or(unusable(TokenResponseProblem::MissingIdToken))?;
        Ok(Self {
            access_token: SecretString::new(access),
            id_token: SecretString::new(id),
            expires_in: body.get("expires_in").and_then(Value::as_u64),
        })
    }

    /// The access token (for `/userinfo`). Never log it.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The ID token, still to be verified. Never log it.
    pub fn id_token(&self) -> &SecretString {
        &self.id_token
    }

    /// `expires_in`, when it is a non-negative integer.
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, body: &str) -> &'static str {
        TokenResponse::parse(status, body.as_bytes())
            .unwrap_err()
            .code()
    }

    const GOOD: &str =
        r#"{"access_token":"at","id_token":"it","token_type":"Bearer","expires_in":180}"#;

    #[test]
    fn reads_a_good_response_with_any_case_of_bearer() {
        let r = TokenResponse::parse(200, GOOD.as_bytes()).unwrap();
        assert_eq!(r.access_token().expose_secret(), "at");
        assert_eq!(r.id_token().expose_secret(), "it");
        assert_eq!(r.expires_in(), Some(180));
        let lower = GOOD.replace("Bearer", "bEaReR");
        assert!(TokenResponse::parse(200, lower.as_bytes()).is_ok());
        assert!(!format!("{r:?}").contains("\"at\""));
    }

    #[test]
    fn each_problem_has_its_own_code() {
        assert_eq!(problem(200, "not json"), "token_response.not_json");
        assert_eq!(problem(200, "[]"), "token_response.not_json");
        assert_eq!(
            problem(
                200,
                r#"{"access_token":"a","id_token":"i","id_token":"j","token_type":"Bearer"}"#
            ),
            "token_response.duplicate_member"
        );
        assert_eq!(
            problem(
                200,
                r#"{"access_token":"a","id_token":"i","token_type":"Bearer","error":"invalid_grant"}"#
            ),
            "token_response.error_member"
        );
        assert_eq!(
            problem(
                200,
                r#"{"access_token":"a","id_token":"i","token_type":"mac"}"#
            ),
            "token_response.not_bearer"
        );
        assert_eq!(
            problem(200, r#"{"access_token":"a","id_token":"i"}"#),
            "token_response.not_bearer"
        );
        assert_eq!(
            problem(
                200,
                r#"{"access_token":"","id_token":"i","token_type":"Bearer"}"#
            ),
            "token_response.missing_access_token"
        );
        assert_eq!(
            problem(200, r#"{"access_token":"a","token_type":"Bearer"}"#),
            "token_response.missing_id_token"
        );
        assert_eq!(
            problem(
                200,
                r#"{"access_token":"a","id_token":7,"token_type":"Bearer"}"#
            ),
            "token_response.missing_id_token"
        );
    }

    #[test]
    fn a_non_200_answer_keeps_the_oauth_error_bounded_and_printable() {
        let err = TokenResponse::parse(
            400,
            br#"{"error":"invalid_grant\n","error_description":"used"}"#,
        )
        .unwrap_err();
        assert_eq!(
            err,
            TokenResponseError::Endpoint {
                status: 400,
                error: "invalid_grant\u{fffd}".into(),
                description: Some("used".into())
            }
        );
        assert_eq!(err.code(), "sign_in.token_endpoint");
        let err = TokenResponse::parse(502, b"<html>").unwrap_err();
        assert!(
            matches!(err, TokenResponseError::Endpoint { status: 502, ref error, .. } if error == "unknown")
        );
    }

    #[test]
    fn the_form_carries_the_assertion_or_the_secret_and_the_verifier() {
        let request = TokenRequest {
            code: SecretString::new("c"),
            redirect_uri: "https://rp/cb".into(),
            code_verifier: Some(SecretString::new("v")),
            client_auth: TokenClientAuth::Assertion(SecretString::new("jwt")),
        };
        let form = request.form();
        assert!(form.contains(&("client_assertion_type", JWT_BEARER_ASSERTION.into())));
        assert!(form.contains(&("client_assertion", "jwt".into())));
        assert!(form.contains(&("code_verifier", "v".into())));
        assert!(!format!("{request:?}").contains("jwt"));
        let secret = TokenRequest {
            client_auth: TokenClientAuth::Secret {
                client_id: "id".into(),
                secret: SecretString::new("s"),
            },
            code_verifier: None,
            ..request
        };
        let form = secret.form();
        assert!(form.contains(&("client_secret", "s".into())));
        assert!(!form.iter().any(|(k, _)| *k == "code_verifier"));
    }
}
