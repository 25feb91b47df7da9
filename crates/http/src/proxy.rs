//! The explicit egress proxy: [`ProxyConfig`] and why one is refused, [`ProxyError`].

use std::fmt;

use govuk_one_login_core::Url;
use govuk_one_login_core::internal::redacted_url;

use crate::{HttpClientError, error_chain};

/// An egress proxy that every request goes through, for a platform that reaches the internet
/// only that way.
///
/// Both `http://` and `https://` requests go through it: a plain-HTTP request is forwarded in
/// absolute form, an HTTPS request is tunnelled with `CONNECT`, so TLS still runs end to end
/// between the transport and One Login and the proxy sees only the host name. The proxy is
/// never read from `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` or `NO_PROXY`: a setting that
/// changes where an authorization code is sent is made in code, or not at all.
///
/// Credentials for the proxy go in the URL's user-info (`http://user:password@proxy:3128`,
/// percent-encoded) and are sent as `Proxy-Authorization: Basic`. [`Debug`](fmt::Debug) never
/// shows them, and no error repeats the URL.
///
/// ```
/// use govuk_one_login_http::{HttpConfig, ProxyConfig};
///
/// # fn example() -> Result<(), govuk_one_login_http::HttpClientError> {
/// let config = HttpConfig {
///     proxy: Some(
///         ProxyConfig::parse("http://egress:s3cret@proxy.internal:3128")?
///             .with_no_proxy(["metadata.internal", "10.0.0.0/8"]),
///     ),
///     ..HttpConfig::default()
/// };
/// assert!(!format!("{config:?}").contains("s3cret"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyConfig {
    /// The proxy: `http://` or `https://`, a host, an optional port (default 80 or 443) and
    /// optional percent-encoded credentials; no path, query or fragment.
    pub url: Url,
    /// Hosts reached directly rather than through the proxy, empty by default. Each entry is a
    /// domain name (matching itself and every subdomain, a leading `.` optional), an IP address,
    /// a CIDR range such as `10.0.0.0/8`, or `*` for every host.
    pub no_proxy: Vec<String>,
}

impl ProxyConfig {
    /// A proxy for every request, with no exceptions. The URL is checked when the transport is
    /// built; use [`ProxyConfig::parse`] to check it at once.
    pub fn new(url: Url) -> Self {
        Self {
            url,
            no_proxy: Vec::new(),
        }
    }

    /// Parses and checks a proxy URL, for a setting read from the service's configuration.
    ///
    /// # Errors
    /// [`HttpClientError::InvalidProxy`] when the text is not a URL or is not a usable proxy
    /// URL (see [`ProxyError`]). The error never repeats the text: it may carry a password.
    pub fn parse(text: &str) -> Result<Self, HttpClientError> {
        let url = Url::parse(text.trim()).map_err(ProxyError::Unparsable)?;
        let config = Self::new(url);
        config.check()?;
        Ok(config)
    }

    /// Adds hosts reached directly rather than through the proxy (see
    /// [`no_proxy`](Self::no_proxy) for the forms an entry may take).
    #[must_use]
    pub fn with_no_proxy<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.no_proxy.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// Whether the URL carries a user name or a password.
    pub fn has_credentials(&self) -> bool {
        !self.url.username().is_empty() || self.url.password().is_some()
    }

    /// Checks the proxy without building anything.
    ///
    /// # Errors
    /// [`HttpClientError::InvalidProxy`] with the [`ProxyError`] that says why.
    pub fn check(&self) -> Result<(), HttpClientError> {
        let scheme = self.url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(ProxyError::UnsupportedScheme {
                scheme: scheme.to_owned(),
            }
            .into());
        }
        if self.url.host().is_none() {
            return Err(ProxyError::MissingHost.into());
        }
        if !matches!(self.url.path(), "" | "/")
            || self.url.query().is_some()
            || self.url.fragment().is_some()
        {
            return Err(ProxyError::NotAnOrigin.into());
        }
        if let Some(entry) = self.no_proxy.iter().find(|e| !is_valid_no_proxy_entry(e)) {
            return Err(ProxyError::InvalidNoProxyEntry {
                entry: entry.clone(),
            }
            .into());
        }
        Ok(())
    }

    /// The checked reqwest proxy for both schemes, with its exceptions.
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Proxy, HttpClientError> {
        self.check()?;
        let proxy = reqwest::Proxy::all(self.url.clone()).map_err(|e| ProxyError::Rejected {
            reason: error_chain(&e.without_url()),
        })?;
        let no_proxy = self
            .no_proxy
            .iter()
            .map(|e| e.trim())
            .collect::<Vec<_>>()
            .join(",");
        Ok(if no_proxy.is_empty() {
            proxy
        } else {
            proxy.no_proxy(reqwest::NoProxy::from_string(&no_proxy))
        })
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &redacted_proxy_url(&self.url))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// The URL without its credentials (shown as `[redacted]`), query or fragment.
fn redacted_proxy_url(url: &Url) -> String {
    let mut bare = url.clone();
    let had_credentials = !url.username().is_empty() || url.password().is_some();
    // Clearing fails only for URLs that cannot carry credentials, which then have none to hide.
    let _ = bare.set_password(None);
    let _ = bare.set_username("");
    let text = redacted_url(&bare);
    match text.split_once("://") {
        Some((scheme, rest)) if had_credentials => format!("{scheme}://[redacted]@{rest}"),
        _ => text,
    }
}

/// A host name, an IP address (IPv6 in brackets or not), a CIDR range or `*`: nothing that
/// would split into several entries or be silently ignored.
fn is_valid_no_proxy_entry(entry: &str) -> bool {
    let entry = entry.trim();
    !entry.is_empty()
        && entry
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:/[]*".contains(&b))
}

/// Why a [`ProxyConfig`] cannot be used. The proxy URL is never repeated: it may carry a
/// password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The text is not a URL.
    #[error("the proxy URL could not be parsed: {0}")]
    Unparsable(url::ParseError),
    /// Only HTTP and HTTPS proxies are supported (not SOCKS).
    #[error("the proxy URL's scheme {scheme:?} is not supported: use http:// or https://")]
    UnsupportedScheme {
        /// The scheme given.
        scheme: String,
    },
    /// The URL names no host.
    #[error("the proxy URL names no host")]
    MissingHost,
    /// A proxy is a scheme, a host and a port; a path, query or fragment suggests a mistake
    /// (and would be ignored).
    #[error("the proxy URL must not have a path, query or fragment")]
    NotAnOrigin,
    /// A `no_proxy` entry is empty or has characters no host, address or range has.
    #[error(
        "the no-proxy entry {entry:?} is not a host name, IP address, CIDR range or \"*\" (one per entry, no commas or spaces)"
    )]
    InvalidNoProxyEntry {
        /// The entry given.
        entry: String,
    },
    /// reqwest refused the proxy.
    #[error("the proxy was refused by the HTTP client: {reason}")]
    Rejected {
        /// What reqwest said.
        reason: String,
    },
}

impl From<ProxyError> for HttpClientError {
    fn from(error: ProxyError) -> Self {
        Self::InvalidProxy(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_user_and_password_but_keeps_host_and_port() {
        let url = Url::parse("http://egress:s3cret@proxy.internal:3128").unwrap();
        assert_eq!(
            redacted_proxy_url(&url),
            "http://[redacted]@proxy.internal:3128/"
        );
        let url = Url::parse("https://token-only@proxy.internal").unwrap();
        assert_eq!(
            redacted_proxy_url(&url),
            "https://[redacted]@proxy.internal/"
        );
        let url = Url::parse("http://proxy.internal:3128/").unwrap();
        assert_eq!(redacted_proxy_url(&url), "http://proxy.internal:3128/");
    }

    #[test]
    fn accepts_host_names_addresses_ranges_and_the_wildcard_as_exceptions() {
        for ok in [
            "example.gov.uk",
            ".internal",
            "10.0.0.0/8",
            "::1",
            "[::1]",
            "*",
        ] {
            assert!(is_valid_no_proxy_entry(ok), "{ok}");
        }
        for bad in ["", "  ", "a,b", "a b", "host;x", "ex\u{e4}mple"] {
            assert!(!is_valid_no_proxy_entry(bad), "{bad:?}");
        }
    }
}
