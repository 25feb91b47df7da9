//! The back-channel logout request (a form POSTed by One Login) and the answer it needs.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The most bytes accepted in a back-channel logout request body.
pub const MAX_BACK_CHANNEL_BODY: usize = 64 * 1024;

/// Why a back-channel request body was refused before any verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackChannelFormError {
    /// The body is larger than a logout request can be.
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    /// The body is not a form with exactly one non-empty `logout_token`.
    #[error("the request body must be a form with exactly one logout_token")]
    MissingToken,
}

impl BackChannelFormError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "back_channel.too_large",
            Self::MissingToken => "back_channel.missing_token",
        }
    }
}

/// The form One Login POSTs to a back-channel logout URI: one `logout_token`, still to be
/// verified. `Debug` redacts it.
#[derive(Clone, PartialEq, Eq)]
pub struct BackChannelForm {
    logout_token: String,
}

impl fmt::Debug for BackChannelForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BackChannelForm([redacted])")
    }
}

impl BackChannelForm {
    /// Parses an `application/x-www-form-urlencoded` body.
    ///
    /// # Errors
    /// [`BackChannelFormError::TooLarge`] over [`MAX_BACK_CHANNEL_BODY`],
    /// [`BackChannelFormError::MissingToken`] for no token, an empty one or two of them.
    pub fn parse(body: &[u8]) -> Result<Self, BackChannelFormError> {
        if body.len() > MAX_BACK_CHANNEL_BODY {
            return Err(BackChannelFormError::TooLarge(MAX_BACK_CHANNEL_BODY));
        }
        let mut token: Option<String> = None;
        for (name, value) in url::form_urlencoded::parse(body) {
            if name == "logout_token" {
                if token.is_some() {
                    return Err(BackChannelFormError::MissingToken);
                }
                token = Some(value.into_owned());
            }
        }
        token
            .filter(|t| !t.is_empty())
            .map(|logout_token| Self { logout_token })
            .ok_or(BackChannelFormError::MissingToken)
    }

    /// The logout token, not yet verified. Never log it.
    pub fn logout_token(&self) -> &str {
        &self.logout_token
    }

    /// The token's `aud` as it claims to be, **unverified**: use it only to choose which
    /// service's verifier to try, never to decide anything. `None` when the token is not a
    /// compact JWS with a JSON payload whose `aud` is a string or a one-element array.
    pub fn unverified_audience(&self) -> Option<String> {
        let mut segments = self.logout_token.split('.');
        let (_, payload) = (segments.next()?, segments.next()?);
        let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let claims: serde_json::Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
        match claims.get("aud")? {
            Value::String(a) => Some(a.clone()),
            Value::Array(a) if a.len() == 1 => a[0].as_str().map(str::to_owned),
            _ => None,
        }
    }
}

/// The HTTP answer to a back-channel logout request (Back-Channel Logout 1.0 §2.8), ready to
/// turn into a response in any web framework: always `Cache-Control: no-store`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackChannelResponse {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
}

impl BackChannelResponse {
    /// 200: the logout was applied; One Login stops sending it.
    pub fn applied() -> Self {
        Self {
            status: 200,
            headers: vec![("cache-control", "no-store")],
            body: String::new(),
        }
    }

    /// 400 with an OAuth error body naming the stable `code`: the request is invalid (a bad or
    /// replayed token) and retrying it cannot help.
    pub fn refused(code: &str) -> Self {
        Self::error(400, code)
    }

    /// 500 or 503: this side failed (ending the sessions, a key fetch, a shared store); One
    /// Login retries, and the retry is not taken for a replay.
    pub fn failed(status: u16, code: &str) -> Self {
        Self::error(status, code)
    }

    fn error(status: u16, code: &str) -> Self {
        let body = serde_json::json!({
            "error": if status == 400 { "invalid_request" } else { "server_error" },
            "error_description": code,
        });
        Self {
            status,
            headers: vec![
                ("cache-control", "no-store"),
                ("content-type", "application/json"),
            ],
            body: body.to_string(),
        }
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers (lower-case names).
    pub fn headers(&self) -> &[(&'static str, &'static str)] {
        &self.headers
    }

    /// The body (empty, or a JSON error object).
    pub fn body(&self) -> &str {
        &self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_with(claims: &str) -> String {
        format!(
            "logout_token=e30.{}.sig",
            URL_SAFE_NO_PAD.encode(claims.as_bytes())
        )
    }

    #[test]
    fn reads_exactly_one_logout_token() {
        let form = BackChannelForm::parse(b"logout_token=a.b.c&other=1").unwrap();
        assert_eq!(form.logout_token(), "a.b.c");
        assert!(!format!("{form:?}").contains("a.b.c"));
        for bad in [
            &b""[..],
            b"logout_token=",
            b"logout_token=a&logout_token=b",
            b"token=a",
        ] {
            assert_eq!(
                BackChannelForm::parse(bad).unwrap_err().code(),
                "back_channel.missing_token"
            );
        }
        let huge = vec![b'a'; MAX_BACK_CHANNEL_BODY + 1];
        assert_eq!(
            BackChannelForm::parse(&huge).unwrap_err(),
            BackChannelFormError::TooLarge(MAX_BACK_CHANNEL_BODY)
        );
    }

    #[test]
    fn the_unverified_audience_is_a_string_or_a_single_element_array() {
        let aud = |claims: &str| {
            BackChannelForm::parse(token_with(claims).as_bytes())
                .unwrap()
                .unverified_audience()
        };
        assert_eq!(aud(r#"{"aud":"c1"}"#).as_deref(), Some("c1"));
        assert_eq!(aud(r#"{"aud":["c2"]}"#).as_deref(), Some("c2"));
        assert_eq!(aud(r#"{"aud":["c2","c3"]}"#), None);
        assert_eq!(aud(r#"{"aud":7}"#), None);
        assert_eq!(aud(r#"{}"#), None);
        assert_eq!(
            BackChannelForm::parse(b"logout_token=garbage")
                .unwrap()
                .unverified_audience(),
            None
        );
    }

    #[test]
    fn responses_are_never_cached_and_name_the_code() {
        assert_eq!(BackChannelResponse::applied().status(), 200);
        assert!(
            BackChannelResponse::applied()
                .headers()
                .contains(&("cache-control", "no-store"))
        );
        let refused = BackChannelResponse::refused("back_channel.replayed");
        assert_eq!(refused.status(), 400);
        assert!(refused.body().contains("back_channel.replayed"));
        let failed = BackChannelResponse::failed(503, "replay_store.unavailable");
        assert_eq!(failed.status(), 503);
        assert!(failed.body().contains("server_error"));
    }
}
