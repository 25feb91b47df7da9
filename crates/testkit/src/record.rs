//! What the relying party sent: every request the mock provider received, in order.

use std::fmt;

use serde_json::Value;

/// A JWT's header and claims, decoded without checking anything (for assertions in tests).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
}

impl fmt::Debug for DecodedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Client assertions carry no personal data; jti is a one-time value, fine to show.
        f.debug_struct("DecodedJwt")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish()
    }
}

/// One request the provider received.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, e.g. `/token`.
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The form fields of an `application/x-www-form-urlencoded` body, decoded, in order.
    pub form: Vec<(String, String)>,
    /// The `client_assertion` form field, decoded, when present.
    pub client_assertion: Option<DecodedJwt>,
    /// The HTTP status the provider answered with.
    pub status: u16,
}

/// Names whose values are secrets or tokens, redacted in `Debug`.
const SENSITIVE: &[&str] = &[
    "authorization",
    "cookie",
    "client_assertion",
    "client_secret",
    "code",
    "code_verifier",
    "id_token_hint",
    "logout_token",
    "request",
    "state",
    "nonce",
    "access_token",
];

fn redacted(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| {
            let v = if SENSITIVE.contains(&k.to_ascii_lowercase().as_str()) {
                "[redacted]"
            } else {
                v
            };
            (k.as_str(), v)
        })
        .collect()
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &redacted(&self.query))
            .field("headers", &redacted(&self.headers))
            .field("form", &redacted(&self.form))
            .field("client_assertion", &self.client_assertion)
            .field("status", &self.status)
            .finish()
    }
}

impl RecordedRequest {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `User-Agent` header.
    pub fn user_agent(&self) -> Option<&str> {
        self.header("user-agent")
    }

    /// The first value of a query parameter.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a form field.
    pub fn form_field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_tokens_codes_and_secrets() {
        let r = RecordedRequest {
            method: "POST".into(),
            path: "/token".into(),
            query: vec![("state".into(), "s3cr3t-state".into())],
            headers: vec![
                ("authorization".into(), "Bearer tok-123".into()),
                ("user-agent".into(), "rp/1".into()),
            ],
            form: vec![
                ("code".into(), "the-code".into()),
                ("grant_type".into(), "authorization_code".into()),
            ],
            client_assertion: None,
            status: 200,
        };
        let text = format!("{r:?}");
        for secret in ["s3cr3t-state", "tok-123", "the-code"] {
            assert!(!text.contains(secret), "{secret} leaked");
        }
        assert!(text.contains("authorization_code") && text.contains("rp/1"));
        assert_eq!(r.user_agent(), Some("rp/1"));
        assert_eq!(r.header("Authorization"), Some("Bearer tok-123"));
        assert_eq!(r.form_field("code"), Some("the-code"));
        assert_eq!(r.query_param("state"), Some("s3cr3t-state"));
    }
}
