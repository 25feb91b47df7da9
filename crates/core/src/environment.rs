//! Which One Login to talk to: integration, production, or a custom issuer (a simulator, the testkit).

use std::net::IpAddr;

use url::Url;

/// The integration environment's OIDC issuer (note the trailing slash: `iss` is compared exactly).
pub(crate) const INTEGRATION_ISSUER: &str = "https://oidc.integration.account.gov.uk/";
/// The production OIDC issuer.
pub(crate) const PRODUCTION_ISSUER: &str = "https://oidc.account.gov.uk/";
/// The integration identity issuer (the core identity JWT's `iss`).
pub(crate) const INTEGRATION_IDENTITY_ISSUER: &str = "https://identity.integration.account.gov.uk/";
/// The production identity issuer.
pub(crate) const PRODUCTION_IDENTITY_ISSUER: &str = "https://identity.account.gov.uk/";
/// The integration DID document holding the core identity signing keys.
pub(crate) const INTEGRATION_DID_URL: &str =
    "https://identity.integration.account.gov.uk/.well-known/did.json";
/// The production DID document.
pub(crate) const PRODUCTION_DID_URL: &str = "https://identity.account.gov.uk/.well-known/did.json";

/// A One Login environment: the issuer and the identity keys' location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    kind: EnvironmentKind,
    issuer: Url,
    identity_issuer: Url,
    did_document_url: Url,
    did_controller: String,
}

/// Which kind of environment this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvironmentKind {
    /// `oidc.integration.account.gov.uk`.
    Integration,
    /// `oidc.account.gov.uk`.
    Production,
    /// Any other issuer: the GDS simulator, the testkit, a local mock.
    Custom,
}

/// Why a custom environment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvironmentError {
    /// A URL did not parse.
    #[error("`{value}` is not an absolute URL: {reason}")]
    InvalidUrl {
        /// The value given.
        value: String,
        /// Why it did not parse.
        reason: String,
    },
    /// Plain http on a host that is not loopback.
    #[error(
        "`{value}` uses http on a host that is not loopback; use https (http is only for 127.0.0.1, ::1 or localhost)"
    )]
    InsecureUrl {
        /// The value given.
        value: String,
    },
    /// A scheme other than http or https.
    #[error("`{value}` must use https")]
    BadScheme {
        /// The value given.
        value: String,
    },
}

impl EnvironmentError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUrl { .. } => "environment.invalid_url",
            Self::InsecureUrl { .. } => "environment.insecure_url",
            Self::BadScheme { .. } => "environment.bad_scheme",
        }
    }
}

#[allow(clippy::expect_used)] // Only ever called with the constants above, which the tests parse.
fn fixed(s: &str) -> Url {
    Url::parse(s).expect("constant provider URLs parse")
}

impl Environment {
    /// The integration environment.
    pub fn integration() -> Self {
        Self {
            kind: EnvironmentKind::Integration,
            issuer: fixed(INTEGRATION_ISSUER),
            identity_issuer: fixed(INTEGRATION_IDENTITY_ISSUER),
            did_document_url: fixed(INTEGRATION_DID_URL),
            did_controller: "did:web:identity.integration.account.gov.uk".into(),
        }
    }

    /// The production environment.
    pub fn production() -> Self {
        Self {
            kind: EnvironmentKind::Production,
            issuer: fixed(PRODUCTION_ISSUER),
            identity_issuer: fixed(PRODUCTION_IDENTITY_ISSUER),
            did_document_url: fixed(PRODUCTION_DID_URL),
            did_controller: "did:web:identity.account.gov.uk".into(),
        }
    }

    /// A custom issuer (a simulator or a mock). `identity_issuer` and `did_document_url` default to
    /// the issuer and `<issuer>.well-known/did.json`, as the GDS simulator serves them; the DID
    /// controller defaults to `did:web:<host of the DID URL>` with a port written `%3A<port>`.
    ///
    /// # Errors
    /// An [`EnvironmentError`] for an unparsable URL, or plain http on a non-loopback host.
    pub fn custom(
        issuer: &str,
        identity_issuer: Option<&str>,
        did_document_url: Option<&str>,
        did_controller: Option<&str>,
    ) -> Result<Self, EnvironmentError> {
        let issuer = provider_url(issuer)?;
        let identity_issuer = match identity_issuer {
            Some(i) => provider_url(i)?,
            None => issuer.clone(),
        };
        let did_document_url = match did_document_url {
            Some(d) => provider_url(d)?,
            None => join(&issuer, ".well-known/did.json"),
        };
        let did_controller = match did_controller {
            Some(c) => c.to_owned(),
            None => did_web_for(&did_document_url),
        };
        Ok(Self {
            kind: EnvironmentKind::Custom,
            issuer,
            identity_issuer,
            did_document_url,
            did_controller,
        })
    }

    /// Which kind of environment.
    pub fn kind(&self) -> EnvironmentKind {
        self.kind
    }

    /// The OIDC issuer, compared byte for byte with `iss` and the discovery document's `issuer`.
    pub fn issuer(&self) -> &Url {
        &self.issuer
    }

    /// `<issuer>.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> Url {
        join(&self.issuer, ".well-known/openid-configuration")
    }

    /// The core identity JWT's issuer.
    pub fn identity_issuer(&self) -> &Url {
        &self.identity_issuer
    }

    /// The pinned DID document URL (never resolved from a token's `kid`).
    pub fn did_document_url(&self) -> &Url {
        &self.did_document_url
    }

    /// The DID a core identity JWT's `kid` must start with, e.g. `did:web:identity.account.gov.uk`.
    pub fn did_controller(&self) -> &str {
        &self.did_controller
    }

    /// Whether plain-http provider endpoints are acceptable (only for loopback custom issuers).
    pub fn allows_http_loopback(&self) -> bool {
        self.kind == EnvironmentKind::Custom && is_loopback(&self.issuer)
    }
}

/// Appends a relative path to a base URL, treating the base as a directory.
fn join(base: &Url, rel: &str) -> Url {
    let mut s = base.as_str().to_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    s.push_str(rel);
    Url::parse(&s).unwrap_or_else(|_| base.clone())
}

/// `did:web:` for a URL's host, with the port percent-encoded as did:web requires.
pub fn did_web_for(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("did:web:{host}%3A{p}"),
        None => format!("did:web:{host}"),
    }
}

fn provider_url(value: &str) -> Result<Url, EnvironmentError> {
    let url = Url::parse(value).map_err(|e| EnvironmentError::InvalidUrl {
        value: value.to_owned(),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(EnvironmentError::InsecureUrl {
            value: value.to_owned(),
        }),
        _ => Err(EnvironmentError::BadScheme {
            value: value.to_owned(),
        }),
    }
}

/// Whether a URL's host is loopback: `localhost`, `127.0.0.0/8` or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_environments_have_trailing_slash_issuers() {
        let i = Environment::integration();
        assert_eq!(i.issuer().as_str(), INTEGRATION_ISSUER);
        assert_eq!(
            i.discovery_url().as_str(),
            "https://oidc.integration.account.gov.uk/.well-known/openid-configuration"
        );
        assert_eq!(i.did_document_url().as_str(), INTEGRATION_DID_URL);
        assert_eq!(i.identity_issuer().as_str(), INTEGRATION_IDENTITY_ISSUER);
        let p = Environment::production();
        assert_eq!(p.issuer().as_str(), PRODUCTION_ISSUER);
        assert_eq!(p.did_controller(), "did:web:identity.account.gov.uk");
        assert!(!p.allows_http_loopback());
    }

    #[test]
    fn custom_allows_http_only_on_loopback() {
        let sim = Environment::custom("http://localhost:3000/", None, None, None).unwrap();
        assert!(sim.allows_http_loopback());
        assert_eq!(
            sim.did_document_url().as_str(),
            "http://localhost:3000/.well-known/did.json"
        );
        assert_eq!(sim.did_controller(), "did:web:localhost%3A3000");
        assert!(Environment::custom("http://127.0.0.1:9/", None, None, None).is_ok());
        assert!(Environment::custom("http://[::1]:9/", None, None, None).is_ok());
        assert_eq!(
            Environment::custom("http://sim.example/", None, None, None)
                .unwrap_err()
                .code(),
            "environment.insecure_url"
        );
        assert_eq!(
            Environment::custom("ftp://sim.example/", None, None, None)
                .unwrap_err()
                .code(),
            "environment.bad_scheme"
        );
        assert_eq!(
            Environment::custom("not a url", None, None, None)
                .unwrap_err()
                .code(),
            "environment.invalid_url"
        );
    }
}
