//! The asynchronous HTTP transport the discovery caches and the relying party talk through.
//!
//! The core crate only defines the contract; `govuk-one-login-http` implements it with reqwest, and the
//! testkit or a team's own code may implement it with anything else.

use std::fmt::{self, Debug};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

/// A boxed, `Send` future, as transports return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The user agent every request carries unless the service adds its own suffix.
///
/// One Login's firewall answers 403 to requests without a `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("govuk-one-login-rs/", env!("CARGO_PKG_VERSION"));

/// Builds the `User-Agent` header value for a service: the library's name and version, then the
/// service's suffix (for example `my-service/1.2 (https://my-service.gov.uk)`).
pub fn user_agent(suffix: Option<&str>) -> String {
    match suffix.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => format!("{DEFAULT_USER_AGENT} {s}"),
        None => DEFAULT_USER_AGENT.to_owned(),
    }
}

/// The HTTP method of a request. One Login needs only these two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`: idempotent; a transport may retry it.
    Get,
    /// `POST`: never retried (a token request must not be replayed).
    Post,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// An HTTP request to the provider.
#[derive(Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: Url,
    /// Header names and values, in order. Names are case-insensitive.
    pub headers: Vec<(String, String)>,
    /// The body, if any (a form for the token endpoint).
    pub body: Option<Vec<u8>>,
    /// The most bytes of response body the caller accepts; a transport must stop reading beyond it.
    pub max_response_bytes: usize,
}

impl HttpRequest {
    /// A GET request with a user agent and `Accept: application/json`.
    pub fn get(url: Url, user_agent: &str, max_response_bytes: usize) -> Self {
        Self {
            method: Method::Get,
            url,
            headers: vec![
                ("user-agent".into(), user_agent.into()),
                ("accept".into(), "application/json".into()),
            ],
            body: None,
            max_response_bytes,
        }
    }

    /// A POST request carrying an `application/x-www-form-urlencoded` body.
    pub fn post_form(
        url: Url,
        user_agent: &str,
        form: &[(&str, &str)],
        max_response_bytes: usize,
    ) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish()
            .into_bytes();
        Self {
            method: Method::Post,
            url,
            headers: vec![
                ("user-agent".into(), user_agent.into()),
                ("accept".into(), "application/json".into()),
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
            ],
            body: Some(body),
            max_response_bytes,
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl Debug for HttpRequest {
    // Bodies and authorization headers carry codes, assertions and tokens: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &redacted_url(&self.url))
            .field("headers", &redacted_headers(&self.headers))
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())),
            )
            .finish()
    }
}

/// An HTTP response from the provider.
#[derive(Clone)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lower-case) and values.
    pub headers: Vec<(String, String)>,
    /// The body, at most the request's `max_response_bytes`.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Up to 200 characters of the body, for error messages. Bodies from the provider's error
    /// paths carry no tokens.
    pub fn body_excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut excerpt: String = text.chars().take(200).collect();
        if text.chars().count() > 200 {
            excerpt.push('…');
        }
        excerpt
    }
}

impl Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &redacted_headers(&self.headers))
            .field("body", &format!("[{} bytes]", self.body.len()))
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn redacted_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let secret = ["authorization", "cookie", "set-cookie"]
                .iter()
                .any(|s| n.eq_ignore_ascii_case(s));
            (
                n.clone(),
                if secret {
                    "[redacted]".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

/// A URL with its query removed (queries carry codes, states and hints).
pub fn redacted_url(url: &Url) -> String {
    let mut u = url.clone();
    if u.query().is_some() {
        u.set_query(Some("[redacted]"));
    }
    u.set_fragment(None);
    u.to_string()
}

/// Why a transport could not produce a response. A non-2xx status is not an error here: it is a
/// response, and the caller decides what it means.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportError {
    /// No complete response within the timeout.
    #[error("the request to {url} timed out after {after:?}")]
    Timeout {
        /// The URL (without its query).
        url: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The connection could not be made or broke.
    #[error("could not connect to {url}: {reason}")]
    Connect {
        /// The URL (without its query).
        url: String,
        /// What the transport said.
        reason: String,
    },
    /// The body was longer than the caller accepts.
    #[error("the response from {url} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The URL (without its query).
        url: String,
        /// The limit.
        limit: usize,
    },
    /// The provider answered with a redirect, which is never followed.
    #[error("{url} answered with a redirect ({status}); redirects are never followed")]
    Redirect {
        /// The URL (without its query).
        url: String,
        /// The 3xx status.
        status: u16,
    },
    /// Any other failure inside the transport.
    #[error("the request to {url} failed: {reason}")]
    Other {
        /// The URL (without its query).
        url: String,
        /// What the transport said.
        reason: String,
    },
}

impl TransportError {
    /// A stable machine-readable code, for metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Timeout { .. } => "transport.timeout",
            Self::Connect { .. } => "transport.connect",
            Self::TooLarge { .. } => "transport.too_large",
            Self::Redirect { .. } => "transport.redirect",
            Self::Other { .. } => "transport.other",
        }
    }
}

/// Sends requests to the provider.
///
/// Implementations must: set no cookies, follow no redirects (answer [`TransportError::Redirect`]),
/// stop reading a body beyond `max_response_bytes` ([`TransportError::TooLarge`]), enforce their own
/// timeouts, and retry only `GET` requests if they retry at all.
pub trait HttpTransport: Send + Sync + Debug {
    /// Sends one request and returns the response, whatever its status.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

impl<T: HttpTransport + ?Sized> HttpTransport for std::sync::Arc<T> {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        (**self).send(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_appends_a_non_empty_suffix() {
        assert_eq!(user_agent(None), DEFAULT_USER_AGENT);
        assert_eq!(user_agent(Some("  ")), DEFAULT_USER_AGENT);
        assert_eq!(
            user_agent(Some("tax/1.0 (https://tax.gov.uk)")),
            format!("{DEFAULT_USER_AGENT} tax/1.0 (https://tax.gov.uk)")
        );
    }

    #[test]
    fn debug_never_shows_bodies_queries_or_authorization() {
        let url = Url::parse("https://oidc.example/token?code=secret-code").unwrap();
        let req = HttpRequest::post_form(url, "ua", &[("code", "secret-code")], 1024)
            .with_header("Authorization", "Bearer secret-token");
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
        assert_eq!(req.header("AUTHORIZATION"), Some("Bearer secret-token"));
        let res = HttpResponse {
            status: 200,
            headers: vec![("set-cookie".into(), "secret".into())],
            body: b"secret".to_vec(),
        };
        assert!(!format!("{res:?}").contains("secret"));
    }

    #[test]
    fn post_form_encodes_fields() {
        let url = Url::parse("https://oidc.example/token").unwrap();
        let req = HttpRequest::post_form(url, "ua", &[("a", "x y"), ("b", "&=")], 10);
        assert_eq!(req.body.as_deref(), Some(&b"a=x+y&b=%26%3D"[..]));
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }

    #[test]
    fn body_excerpt_is_bounded() {
        let res = HttpResponse {
            status: 500,
            headers: vec![],
            body: vec![b'x'; 1000],
        };
        assert_eq!(res.body_excerpt().chars().count(), 201);
    }
}
