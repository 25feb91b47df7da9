//! The logout (end-session) request and the return to the post-logout redirect URI.

use std::fmt;

use govuk_one_login_core::Url;

use govuk_one_login_core::internal::printable;

/// One Login's firewall limit on the `/logout` query string.
pub const MAX_LOGOUT_QUERY: usize = 2048;
/// The most bytes of a post-logout return query accepted.
pub const MAX_SIGN_OUT_RETURN_BYTES: usize = 4 * 1024;

/// Why a logout URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogoutRequestError {
    /// A post-logout redirect URI without an `id_token_hint`, which One Login would ignore.
    #[error("a post_logout_redirect_uri needs the id_token_hint, or One Login ignores it")]
    RedirectNeedsHint,
    /// The URL's query is longer than One Login's firewall accepts.
    #[error("the logout URL's query is {length} characters, over One Login's limit of {limit}")]
    UrlTooLong {
        /// The query's length.
        length: usize,
        /// The limit.
        limit: usize,
    },
}

impl LogoutRequestError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RedirectNeedsHint => "sign_out.redirect_needs_hint",
            Self::UrlTooLong { .. } => "sign_out.url_too_long",
        }
    }
}

/// A request to One Login's end-session endpoint. `Debug` redacts the hint and the state.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct LogoutRequest {
    /// The ID token of the person signing out.
    pub id_token_hint: Option<String>,
    /// Where One Login sends the browser afterwards (a registered post-logout redirect URI).
    pub post_logout_redirect_uri: Option<Url>,
    /// Echoed back to the post-logout redirect URI.
    pub state: Option<String>,
}

impl fmt::Debug for LogoutRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutRequest")
            .field(
                "id_token_hint",
                &self.id_token_hint.as_ref().map(|_| "[redacted]"),
            )
            .field(
                "post_logout_redirect_uri",
                &self.post_logout_redirect_uri.as_ref().map(Url::as_str),
            )
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl LogoutRequest {
    /// The logout URL on `end_session_endpoint`.
    ///
    /// # Errors
    /// [`LogoutRequestError::RedirectNeedsHint`] for a redirect without a hint,
    /// [`LogoutRequestError::UrlTooLong`] over One Login's limit.
    pub fn to_url(&self, end_session_endpoint: &Url) -> Result<Url, LogoutRequestError> {
        if self.post_logout_redirect_uri.is_some() && self.id_token_hint.is_none() {
            return Err(LogoutRequestError::RedirectNeedsHint);
        }
        let mut url = end_session_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            if let Some(hint) = &self.id_token_hint {
                q.append_pair("id_token_hint", hint);
            }
            if let Some(uri) = &self.post_logout_redirect_uri {
                q.append_pair("post_logout_redirect_uri", uri.as_str());
            }
            if let Some(s) = &self.state {
                q.append_pair("state", s);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let length = url.query().map_or(0, str::len);
        if length > MAX_LOGOUT_QUERY {
            return Err(LogoutRequestError::UrlTooLong {
                length,
                limit: MAX_LOGOUT_QUERY,
            });
        }
        Ok(url)
    }
}

/// Why a post-logout return was not the one this browser started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignOutReturnError {
    /// The query could not be read.
    #[error("the post-logout return query is malformed: {0}")]
    Malformed(&'static str),
    /// A parameter appeared more than once.
    #[error("the post-logout return repeats the `{0}` parameter")]
    DuplicateParameter(String),
    /// No `state` came back.
    #[error("the post-logout return has no state")]
    MissingState,
}

impl SignOutReturnError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "sign_out.malformed_return",
            Self::DuplicateParameter(_) => "sign_out.duplicate_parameter",
            Self::MissingState => "sign_out.missing_state",
        }
    }
}

/// The query One Login sends to the post-logout redirect URI: the `state` echoed back.
#[derive(Clone, PartialEq, Eq)]
pub struct SignOutReturn {
    state: String,
}

impl fmt::Debug for SignOutReturn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignOutReturn([redacted])")
    }
}

impl SignOutReturn {
    /// Parses the return query (with or without a leading `?`); a repeated parameter is refused.
    ///
    /// # Errors
    /// [`SignOutReturnError`].
    pub fn parse(query: &str) -> Result<Self, SignOutReturnError> {
        if query.len() > MAX_SIGN_OUT_RETURN_BYTES {
            return Err(SignOutReturnError::Malformed("the query is too long"));
        }
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut seen: Vec<String> = Vec::new();
        let mut state = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if seen.iter().any(|s| *s == name) {
                return Err(SignOutReturnError::DuplicateParameter(printable(&name, 32)));
            }
            seen.push(name.to_string());
            if name == "state" {
                state = Some(value.into_owned());
            }
        }
        state
            .filter(|s| !s.is_empty())
            .map(|state| Self { state })
            .ok_or(SignOutReturnError::MissingState)
    }

    /// The state that came back. Compare it in constant time.
    pub fn state(&self) -> &str {
        &self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Url {
        Url::parse("https://op.example/logout").unwrap()
    }

    #[test]
    fn builds_the_logout_url_with_hint_redirect_and_state() {
        let request = LogoutRequest {
            id_token_hint: Some("the-hint".into()),
            post_logout_redirect_uri: Some(Url::parse("https://rp/out").unwrap()),
            state: Some("st".into()),
        };
        let url = request.to_url(&endpoint()).unwrap();
        assert_eq!(
            url.as_str(),
            "https://op.example/logout?id_token_hint=the-hint&post_logout_redirect_uri=https%3A%2F%2Frp%2Fout&state=st"
        );
        assert!(!format!("{request:?}").contains("the-hint"));
        assert_eq!(
            LogoutRequest::default()
                .to_url(&endpoint())
                .unwrap()
                .as_str(),
            "https://op.example/logout"
        );
    }

    #[test]
    fn refuses_a_redirect_without_hint_and_an_overlong_url() {
        let request = LogoutRequest {
            post_logout_redirect_uri: Some(Url::parse("https://rp/out").unwrap()),
            ..LogoutRequest::default()
        };
        assert_eq!(
            request.to_url(&endpoint()),
            Err(LogoutRequestError::RedirectNeedsHint)
        );
        let long = LogoutRequest {
            id_token_hint: Some("t".repeat(3000)),
            ..LogoutRequest::default()
        };
        assert_eq!(
            long.to_url(&endpoint()).unwrap_err().code(),
            "sign_out.url_too_long"
        );
    }

    #[test]
    fn reads_the_returned_state_strictly() {
        assert_eq!(SignOutReturn::parse("?state=abc").unwrap().state(), "abc");
        assert_eq!(
            SignOutReturn::parse("").unwrap_err(),
            SignOutReturnError::MissingState
        );
        assert_eq!(
            SignOutReturn::parse("state=").unwrap_err(),
            SignOutReturnError::MissingState
        );
        assert_eq!(
            SignOutReturn::parse("state=a&state=b").unwrap_err().code(),
            "sign_out.duplicate_parameter"
        );
        let huge = format!("state={}", "a".repeat(MAX_SIGN_OUT_RETURN_BYTES));
        assert_eq!(
            SignOutReturn::parse(&huge).unwrap_err().code(),
            "sign_out.malformed_return"
        );
    }
}
