//! The authorization request, as a query string or as a signed request object (JAR).

use std::fmt;

use govuk_one_login_core::{PkceChallenge, UiLocale, Url, VectorOfTrust};
use serde_json::{Map, Value};

use serde::{Deserialize, Serialize};

/// `prompt` values a relying party may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Prompt {
    /// `login`: make the person sign in again.
    Login,
    /// `none`. One Login parses it but gives it no special behaviour: it is not a silent session
    /// check, and the person may see a sign-in page.
    None,
}

impl Prompt {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::None => "none",
        }
    }
}

/// One Login's firewall limit on the `/authorize` query string.
pub const MAX_AUTHORIZE_QUERY: usize = 4096;
/// The longest `login_hint` One Login accepts.
pub const MAX_LOGIN_HINT: usize = 256;

/// Why an authorization request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizeRequestError {
    /// `login_hint` or `id_token_hint` in a query: One Login takes them only inside a request
    /// object.
    #[error(
        "{0} can only be sent inside a signed request object; set request_objects = true for this service"
    )]
    NeedsRequestObject(&'static str),
    /// The `login_hint` is longer than One Login accepts.
    #[error("login_hint is {0} characters; One Login accepts at most 256")]
    LoginHintTooLong(usize),
    /// The URL's query is longer than One Login's firewall accepts.
    #[error(
        "the authorization URL's query is {length} characters, over One Login's limit of {limit}; send fewer claims or a shorter login_hint"
    )]
    UrlTooLong {
        /// The query's length.
        length: usize,
        /// The limit.
        limit: usize,
    },
}

impl AuthorizeRequestError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NeedsRequestObject(_) => "sign_in.needs_request_objects",
            Self::LoginHintTooLong(_) => "sign_in.login_hint_too_long",
            Self::UrlTooLong { .. } => "sign_in.url_too_long",
        }
    }
}

/// Everything an authorization request says, as plain values. Build the URL with
/// [`AuthorizationRequest::to_query_url`], or sign [`AuthorizationRequest::request_object_claims`]
/// and put the result in [`AuthorizationRequest::to_request_object_url`]. `Debug` redacts the
/// state, nonce and hints.
#[derive(Clone)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// The service's client id.
    pub client_id: String,
    /// One of the service's registered redirect URIs.
    pub redirect_uri: Url,
    /// The space-separated scopes (with `openid`).
    pub scope: String,
    /// The `state`.
    pub state: String,
    /// The `nonce`.
    pub nonce: String,
    /// The vector of trust.
    pub vtr: VectorOfTrust,
    /// The userinfo claims asked for (vocabulary URIs); empty for none.
    pub claims: Vec<String>,
    /// `ui_locales`, in order of preference.
    pub ui_locales: Vec<UiLocale>,
    /// The PKCE challenge (S256).
    pub code_challenge: Option<PkceChallenge>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `login_hint` (request objects only).
    pub login_hint: Option<String>,
    /// `id_token_hint` (request objects only).
    pub id_token_hint: Option<String>,
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("scope", &self.scope)
            .field("vtr", &self.vtr)
            .field("claims", &self.claims)
            .field("max_age", &self.max_age)
            .field("prompt", &self.prompt)
            .finish_non_exhaustive()
    }
}

impl AuthorizationRequest {
    /// A request with the required members and nothing optional.
    pub fn new(
        client_id: impl Into<String>,
        redirect_uri: Url,
        scope: impl Into<String>,
        state: impl Into<String>,
        nonce: impl Into<String>,
        vtr: VectorOfTrust,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri,
            scope: scope.into(),
            state: state.into(),
            nonce: nonce.into(),
            vtr,
            claims: Vec::new(),
            ui_locales: Vec::new(),
            code_challenge: None,
            max_age: None,
            prompt: None,
            login_hint: None,
            id_token_hint: None,
        }
    }

    /// The OpenID parameters, in order, as strings (without the hints).
    fn params(&self) -> Vec<(&'static str, String)> {
        let mut params: Vec<(&'static str, String)> = vec![
            ("response_type", "code".into()),
            ("scope", self.scope.clone()),
            ("client_id", self.client_id.clone()),
            ("state", self.state.clone()),
            ("redirect_uri", self.redirect_uri.to_string()),
            ("nonce", self.nonce.clone()),
            ("vtr", VectorOfTrust::to_vtr_param(&[self.vtr])),
        ];
        if !self.claims.is_empty() {
            let members: Map<String, Value> = self
                .claims
                .iter()
                .map(|c| (c.clone(), Value::Null))
                .collect();
            params.push((
                "claims",
                serde_json::json!({ "userinfo": members }).to_string(),
            ));
        }
        if !self.ui_locales.is_empty() {
            let joined: Vec<&str> = self.ui_locales.iter().map(|l| l.as_str()).collect();
            params.push(("ui_locales", joined.join(" ")));
        }
        if let Some(challenge) = &self.code_challenge {
            params.push(("code_challenge", challenge.as_str().to_owned()));
            params.push(("code_challenge_method", challenge.method().to_owned()));
        }
        if let Some(m) = self.max_age {
            params.push(("max_age", m.to_string()));
        }
        if let Some(p) = self.prompt {
            params.push(("prompt", p.as_str().to_owned()));
        }
        params
    }

    fn check_hint(&self) -> Result<(), AuthorizeRequestError> {
        if let Some(hint) = &self.login_hint {
            let length = hint.chars().count();
            if length > MAX_LOGIN_HINT {
                return Err(AuthorizeRequestError::LoginHintTooLong(length));
            }
        }
        Ok(())
    }

    /// The authorization URL with every parameter in the query.
    ///
    /// # Errors
    /// [`AuthorizeRequestError::NeedsRequestObject`] when a hint is set,
    /// [`AuthorizeRequestError::UrlTooLong`] over One Login's limit.
    pub fn to_query_url(&self, authorization_endpoint: &Url) -> Result<Url, AuthorizeRequestError> {
        if self.login_hint.is_some() {
            return Err(AuthorizeRequestError::NeedsRequestObject("login_hint"));
        }
        if self.id_token_hint.is_some() {
            return Err(AuthorizeRequestError::NeedsRequestObject(
                "re-authentication (id_token_hint)",
            ));
        }
        let mut url = authorization_endpoint.clone();
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in self.params() {
                q.append_pair(k, &v);
            }
        }
        check_length(url)
    }

    /// The claims of the request object to sign (RFC 9101): every parameter, `max_age` as a
    /// number, and the hints. They hold the state and nonce: never log them.
    ///
    /// # Errors
    /// [`AuthorizeRequestError::LoginHintTooLong`].
    pub fn request_object_claims(&self) -> Result<Map<String, Value>, AuthorizeRequestError> {
        self.check_hint()?;
        let mut object = Map::new();
        for (k, v) in self.params() {
            object.insert(k.to_owned(), Value::String(v));
        }
        if let Some(m) = self.max_age {
            object.insert("max_age".into(), Value::from(m));
        }
        if let Some(hint) = &self.login_hint {
            object.insert("login_hint".into(), Value::String(hint.clone()));
        }
        if let Some(hint) = &self.id_token_hint {
            object.insert("id_token_hint".into(), Value::String(hint.clone()));
        }
        Ok(object)
    }

    /// The authorization URL for a signed request object: only `response_type`, `scope`,
    /// `client_id` and `request` in the query, as One Login requires.
    ///
    /// # Errors
    /// [`AuthorizeRequestError::UrlTooLong`] over One Login's limit.
    pub fn to_request_object_url(
        &self,
        authorization_endpoint: &Url,
        request_object: &str,
    ) -> Result<Url, AuthorizeRequestError> {
        let mut url = authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("scope", &self.scope)
            .append_pair("client_id", &self.client_id)
            .append_pair("request", request_object);
        check_length(url)
    }
}

fn check_length(url: Url) -> Result<Url, AuthorizeRequestError> {
    let length = url.query().map_or(0, str::len);
    if length > MAX_AUTHORIZE_QUERY {
        return Err(AuthorizeRequestError::UrlTooLong {
            length,
            limit: MAX_AUTHORIZE_QUERY,
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use govuk_one_login_core::CredentialLevel;

    fn request() -> AuthorizationRequest {
        AuthorizationRequest::new(
            "client-1",
            Url::parse("https://rp.example/callback").unwrap(),
            "openid email",
            "the-state",
            "the-nonce",
            VectorOfTrust::new(CredentialLevel::ClCm, None).unwrap(),
        )
    }

    fn endpoint() -> Url {
        Url::parse("https://op.example/authorize").unwrap()
    }

    fn query(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn the_query_form_carries_every_parameter_in_order() {
        let mut r = request();
        r.claims = vec!["https://vocab.account.gov.uk/v1/coreIdentityJWT".into()];
        r.ui_locales = vec![UiLocale::Cy, UiLocale::En];
        r.max_age = Some(300);
        r.prompt = Some(Prompt::Login);
        let url = r.to_query_url(&endpoint()).unwrap();
        let q = query(&url);
        let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "response_type",
                "scope",
                "client_id",
                "state",
                "redirect_uri",
                "nonce",
                "vtr",
                "claims",
                "ui_locales",
                "max_age",
                "prompt"
            ]
        );
        assert!(q.contains(&("vtr".into(), r#"["Cl.Cm"]"#.into())));
        assert!(q.contains(&(
            "claims".into(),
            r#"{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null}}"#.into()
        )));
        assert!(q.contains(&("ui_locales".into(), "cy en".into())));
        assert!(!format!("{r:?}").contains("the-state"));
    }

    #[test]
    fn hints_only_go_in_a_request_object() {
        let mut r = request();
        r.login_hint = Some("a@example.gov.uk".into());
        assert_eq!(
            r.to_query_url(&endpoint()).unwrap_err().code(),
            "sign_in.needs_request_objects"
        );
        let claims = r.request_object_claims().unwrap();
        assert_eq!(claims["login_hint"], "a@example.gov.uk");
        r.login_hint = Some("x".repeat(MAX_LOGIN_HINT + 1));
        assert_eq!(
            r.request_object_claims().unwrap_err(),
            AuthorizeRequestError::LoginHintTooLong(257)
        );
        let mut r = request();
        r.id_token_hint = Some("t".into());
        r.max_age = Some(0);
        assert!(r.to_query_url(&endpoint()).is_err());
        let claims = r.request_object_claims().unwrap();
        assert_eq!(claims["max_age"], 0);
        let url = r.to_request_object_url(&endpoint(), "jwt").unwrap();
        let names: Vec<String> = query(&url).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["response_type", "scope", "client_id", "request"]);
    }

    #[test]
    fn refuses_a_url_over_the_firewall_limit() {
        let mut r = request();
        r.claims = (0..200)
            .map(|i| format!("https://vocab.account.gov.uk/v1/claim{i}"))
            .collect();
        let err = r.to_query_url(&endpoint()).unwrap_err();
        assert!(
            matches!(
                err,
                AuthorizeRequestError::UrlTooLong {
                    limit: MAX_AUTHORIZE_QUERY,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            r.to_request_object_url(&endpoint(), &"j".repeat(5000))
                .is_err()
        );
    }
}
