//! # govuk-one-login-http
//!
//! The [reqwest] implementation of [`HttpTransport`], the trait through which every
//! `govuk-one-login-*` crate talks to GOV.UK One Login. This is the only crate of the workspace
//! that knows reqwest: the discovery caches and the verifier never see it, so an HTTP client
//! upgrade never forces a breaking release of the rest, and a team with its own HTTP stack can
//! implement [`HttpTransport`] instead and leave this crate out.
//!
//! Depend on it when you build a relying party by hand from the lower crates; the
//! `govuk-one-login` facade uses it behind its `reqwest` feature.
//!
//! ## What it does, and why
//!
//! * **TLS with rustls** (reqwest's `rustls` feature with its defaults off): no OpenSSL to install.
//! * **A `User-Agent` on every request.** One Login's firewall answers 403 to a request without
//!   one (ONE-LOGIN.md §11.2). The request's own header (the library name and version plus the
//!   service's suffix, see [`user_agent`](govuk_one_login_core::user_agent)) wins; a request
//!   without one, or with an empty one, gets [`HttpConfig::default_user_agent`].
//! * **Timeouts**: see [`HttpConfig`] for each default and its reason.
//! * **Bounded bodies**: a body is read chunk by chunk and refused with
//!   [`TransportError::TooLarge`] as soon as it passes the request's `max_response_bytes`; a
//!   `Content-Length` above the limit is refused before any body is read.
//! * **Redirects are never followed**: a 3xx answer is [`TransportError::Redirect`]. One Login's
//!   back-end endpoints never redirect; following one could send a token request elsewhere.
//! * **Retries for `GET` only**: a `GET` (discovery, JWKS, DID document, userinfo) is retried on a
//!   connection error, a timeout, a 5xx or a 429, with exponential backoff and jitter, honouring a
//!   `Retry-After` of a few seconds. A `POST` (the token endpoint) is **never** retried: an
//!   authorization code is single-use, and replaying the request could only fail or, worse, be
//!   seen as a replay attack.
//! * **No cookies** are stored or sent.
//! * **A proxy only when configured**: [`HttpConfig::proxy`] sends every request through an
//!   egress proxy; without it requests go directly. `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and
//!   `NO_PROXY` are never read: where an authorization code is sent is decided in code.
//!
//! Non-2xx statuses other than 3xx are returned as responses: the caller decides what they mean.
//!
//! ## Behind an egress proxy
//!
//! Many government platforms reach the internet only through a proxy. Give it as a
//! [`ProxyConfig`]: `http` requests are forwarded to it in absolute form, `https` requests are
//! tunnelled through it with `CONNECT` (TLS still runs end to end with One Login). Credentials
//! go in the URL and are redacted from `Debug`; a URL that is not a usable `http://` or
//! `https://` proxy is refused when the transport is built, with
//! [`HttpClientError::InvalidProxy`] (code `http.invalid_proxy`).
//!
//! ```
//! use govuk_one_login_http::{HttpConfig, ProxyConfig, ReqwestTransport};
//!
//! # fn example() -> Result<(), govuk_one_login_http::HttpClientError> {
//! let config = HttpConfig {
//!     proxy: Some(ProxyConfig::parse("http://proxy.internal:3128")?),
//!     ..HttpConfig::default()
//! };
//! let transport = ReqwestTransport::new(config)?;
//! # let _ = transport;
//! # Ok(())
//! # }
//! ```
//!
//! ## Bringing your own reqwest builder
//!
//! [`ReqwestTransport::from_builder`] takes a `reqwest::ClientBuilder` for what only the service
//! knows: extra TLS roots, a client certificate, DNS overrides, pool or HTTP/2 settings. The
//! builder is the caller's, but these are the transport's, and `from_builder` sets them on it
//! whatever it said:
//!
//! | Setting | Forced to | Why |
//! |---|---|---|
//! | `redirect` | `Policy::none()` | a followed 307 would re-send the authorization code and client assertion to another host |
//! | `connect_timeout`, `timeout` | [`HttpConfig::connect_timeout`], [`HttpConfig::timeout`] | the user is waiting; the retry loop relies on them |
//! | cookie store | none | One Login's back-end answers need no state, and none should leak between users |
//! | `retry` | `retry::never()` | this crate retries `GET`s itself and never replays a `POST` |
//! | proxies | [`HttpConfig::proxy`] only | a proxy added to the builder is dropped, and the environment is not read |
//! | `user_agent` | [`HttpConfig::default_user_agent`] | the firewall refuses requests without one |
//!
//! The body limits and each request's `User-Agent` are applied per request, so they hold for any
//! builder too. Everything else on the builder (TLS, DNS, pool, `read_timeout`, default headers)
//! is kept as the caller set it.
//!
//! ```no_run
//! use govuk_one_login_http::{HttpConfig, ReqwestTransport};
//!
//! # fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let builder = reqwest::Client::builder().pool_max_idle_per_host(4);
//! let transport = ReqwestTransport::from_builder(builder, HttpConfig::default())?;
//! # let _ = transport;
//! # Ok(())
//! # }
//! ```
//!
//! ```no_run
//! use govuk_one_login_core::{HttpRequest, HttpTransport, Url, user_agent};
//! use govuk_one_login_http::{HttpConfig, ReqwestTransport};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = ReqwestTransport::new(HttpConfig::default())?;
//! let url = Url::parse("https://oidc.integration.account.gov.uk/.well-known/openid-configuration")?;
//! let ua = user_agent(Some("licences/1.0 (https://licences.example.gov.uk)"));
//! let response = transport.send(HttpRequest::get(url, &ua, 64 * 1024)).await?;
//! assert!(response.is_success());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::time::Duration;

mod proxy;

pub use proxy::{ProxyConfig, ProxyError};

use govuk_one_login_core::internal::{random_bytes, redacted_url};
use govuk_one_login_core::{
    BoxFuture, DEFAULT_USER_AGENT, HttpRequest, HttpResponse, HttpTransport, Method, TransportError,
};

/// The connect timeout used by [`HttpConfig::default`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole-request timeout used by [`HttpConfig::default`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// How many times [`HttpConfig::default`] retries a failed `GET`.
pub const DEFAULT_GET_RETRIES: u32 = 2;
/// The first retry delay used by [`HttpConfig::default`].
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(200);
/// The longest `Retry-After` (and the longest backoff) [`HttpConfig::default`] waits for.
pub const DEFAULT_MAX_RETRY_DELAY: Duration = Duration::from_secs(5);

/// How the reqwest transport behaves. Every default is chosen for One Login; see each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// How long to wait for a TCP and TLS connection. Default 5 s: One Login sits behind a CDN
    /// that connects in milliseconds; a connection that takes longer is failing, and the user is
    /// waiting in their browser.
    pub connect_timeout: Duration,
    /// The longest one attempt may take, from connecting to the last byte of the body. Default
    /// 15 s: the token and userinfo endpoints answer in well under a second, the user is waiting,
    /// and One Login itself gives up on back-channel calls after 15 s.
    pub timeout: Duration,
    /// How many times a `GET` is retried after a connection error, a timeout, a 5xx or a 429.
    /// Default 2 (three attempts): enough to ride out a dropped connection or a brief 503 from
    /// the CDN without tripling an outage's latency. `POST`s are never retried.
    pub get_retries: u32,
    /// The delay before the first retry; each further retry doubles it, and each delay is
    /// jittered down to between half and all of itself so that many instances do not retry in
    /// step. Default 200 ms.
    pub retry_base_delay: Duration,
    /// The longest delay before a retry. A `Retry-After` longer than this is not waited for: the
    /// response is returned at once (the caches behind the transport serve their last-known-good
    /// copy instead). Default 5 s.
    pub max_retry_delay: Duration,
    /// The `User-Agent` for requests that carry none. Default `govuk-one-login-rs/<version>`:
    /// One Login's firewall refuses requests without a user agent.
    pub default_user_agent: String,
    /// The egress proxy every request (`http` and `https`) goes through. Default `None`: requests
    /// go directly, whatever `HTTP_PROXY`, `HTTPS_PROXY` or `NO_PROXY` say, as the environment
    /// is never read. Its credentials are redacted from [`Debug`](fmt::Debug).
    pub proxy: Option<ProxyConfig>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            get_retries: DEFAULT_GET_RETRIES,
            retry_base_delay: DEFAULT_RETRY_BASE_DELAY,
            max_retry_delay: DEFAULT_MAX_RETRY_DELAY,
            default_user_agent: DEFAULT_USER_AGENT.to_owned(),
            proxy: None,
        }
    }
}

/// Why the transport could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpClientError {
    /// The default user agent is empty or not a valid header value.
    #[error(
        "the default user agent {value:?} is not usable: it must be non-empty visible ASCII, as One Login's firewall refuses requests without one"
    )]
    InvalidUserAgent {
        /// The value given.
        value: String,
    },
    /// A timeout of zero would fail every request.
    #[error("the {field} must be greater than zero")]
    ZeroTimeout {
        /// `connect_timeout` or `timeout`.
        field: &'static str,
    },
    /// The [`HttpConfig::proxy`] cannot be used.
    #[error(transparent)]
    InvalidProxy(ProxyError),
    /// reqwest could not build its client (for example, no TLS roots could be loaded).
    #[error("the HTTP client could not be built: {reason}")]
    Build {
        /// What reqwest said.
        reason: String,
    },
}

impl HttpClientError {
    /// A stable machine-readable code, for metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUserAgent { .. } => "http.invalid_user_agent",
            Self::ZeroTimeout { .. } => "http.zero_timeout",
            Self::InvalidProxy(_) => "http.invalid_proxy",
            Self::Build { .. } => "http.build",
        }
    }
}

/// An [`HttpTransport`] on a reqwest client. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    config: HttpConfig,
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl ReqwestTransport {
    /// Builds the transport on a fresh reqwest client with its default TLS roots.
    ///
    /// The same as [`from_builder`](Self::from_builder) with `reqwest::Client::builder()`.
    ///
    /// # Errors
    /// [`HttpClientError::InvalidUserAgent`] for an empty or non-ASCII default user agent,
    /// [`HttpClientError::ZeroTimeout`] for a zero timeout, [`HttpClientError::InvalidProxy`]
    /// for an unusable proxy, [`HttpClientError::Build`] when reqwest cannot build its client.
    pub fn new(config: HttpConfig) -> Result<Self, HttpClientError> {
        Self::from_builder(reqwest::Client::builder(), config)
    }

    /// Builds the transport on the caller's reqwest builder, for TLS roots, a client
    /// certificate, DNS overrides or pool settings of its own.
    ///
    /// Whatever the builder says, the transport sets on it what keeps a token request safe
    /// (see the crate documentation, "Bringing your own reqwest builder"): redirects are never
    /// followed, the connect and whole-request timeouts are the config's, no cookies are
    /// stored or sent, reqwest's own retries are off, the only proxy is
    /// [`HttpConfig::proxy`] (any proxy on the builder is dropped, and the environment is not
    /// read), and the default `User-Agent` is the config's.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        config: HttpConfig,
    ) -> Result<Self, HttpClientError> {
        if !is_valid_user_agent(&config.default_user_agent) {
            return Err(HttpClientError::InvalidUserAgent {
                value: config.default_user_agent,
            });
        }
        if config.connect_timeout.is_zero() {
            return Err(HttpClientError::ZeroTimeout {
                field: "connect_timeout",
            });
        }
        if config.timeout.is_zero() {
            return Err(HttpClientError::ZeroTimeout { field: "timeout" });
        }
        // `no_proxy` clears the builder's proxies and turns off the environment's.
        let mut builder = builder
            .user_agent(config.default_user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .cookie_store(false)
            .no_proxy();
        if let Some(proxy) = &config.proxy {
            builder = builder.proxy(proxy.to_reqwest()?);
        }
        let client = builder.build().map_err(|e| HttpClientError::Build {
            reason: error_chain(&e.without_url()),
        })?;
        Ok(Self { client, config })
    }

    /// The configuration the transport was built with.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    async fn send_with_retries(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, TransportError> {
        let retries = match request.method {
            Method::Get => self.config.get_retries,
            Method::Post => 0,
        };
        let mut attempt = 0u32;
        loop {
            let outcome = self.send_once(&request).await;
            if attempt >= retries {
                return outcome;
            }
            let delay = match &outcome {
                Ok(response) if is_retryable_status(response.status) => {
                    match retry_after(response) {
                        Some(wait) if wait > self.config.max_retry_delay => return outcome,
                        Some(wait) => wait,
                        None => self.backoff(attempt),
                    }
                }
                Err(TransportError::Timeout { .. } | TransportError::Connect { .. }) => {
                    self.backoff(attempt)
                }
                _ => return outcome,
            };
            tracing::debug!(
                url = %redacted_url(&request.url),
                attempt = attempt + 1,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying GET"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// `base * 2^attempt`, capped, then jittered to between half and all of itself.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX);
        let full = self
            .config
            .retry_base_delay
            .saturating_mul(factor)
            .min(self.config.max_retry_delay);
        let fraction = random_bytes(2)
            .map(|b| f64::from(u16::from_be_bytes([b[0], b[1]])) / f64::from(u16::MAX))
            .unwrap_or(1.0);
        Duration::try_from_secs_f64(full.as_secs_f64() * (0.5 + fraction / 2.0))
            .map_or(full, |d| d.min(full))
    }

    async fn send_once(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let url_text = redacted_url(&request.url);
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, request.url.clone());
        let mut has_user_agent = false;
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("user-agent") {
                if !is_valid_user_agent(value) {
                    continue;
                }
                has_user_agent = true;
            }
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !has_user_agent {
            builder = builder.header("user-agent", self.config.default_user_agent.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| self.map_error(&e, &url_text))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err(TransportError::Redirect {
                url: url_text,
                status,
            });
        }
        let limit = request.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|len| usize::try_from(len).map_or(true, |len| len > limit))
        {
            return Err(TransportError::TooLarge {
                url: url_text,
                limit,
            });
        }
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.map_error(&e, &url_text))?
        {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(TransportError::TooLarge {
                    url: url_text,
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    fn map_error(&self, error: &reqwest::Error, url: &str) -> TransportError {
        let reason = error_chain(error);
        if error.is_timeout() {
            TransportError::Timeout {
                url: url.to_owned(),
                after: self.config.timeout,
            }
        } else if error.is_connect() {
            TransportError::Connect {
                url: url.to_owned(),
                reason,
            }
        } else {
            TransportError::Other {
                url: url.to_owned(),
                reason,
            }
        }
    }
}

impl HttpTransport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.send_with_retries(request))
    }
}

fn is_valid_user_agent(value: &str) -> bool {
    !value.trim().is_empty()
        && value
            .bytes()
            .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
}

fn is_retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// A `Retry-After` in delta-seconds. An HTTP-date is not parsed: the backoff applies instead.
fn retry_after(response: &HttpResponse) -> Option<Duration> {
    response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The error and its sources, without any URL (URLs may carry codes in their query; the caller
/// adds the redacted URL itself).
pub(crate) fn error_chain(error: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let part = e.to_string();
        // reqwest's own Display names the URL: drop that part, keep the cause.
        let part = part
            .split(" for url (")
            .next()
            .unwrap_or_default()
            .to_owned();
        if !part.is_empty() && !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        current = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid_and_builds() {
        let transport = ReqwestTransport::new(HttpConfig::default()).unwrap();
        assert_eq!(transport.config().default_user_agent, DEFAULT_USER_AGENT);
        assert_eq!(transport.config().get_retries, 2);
    }

    #[test]
    fn rejects_empty_or_non_ascii_default_user_agent() {
        for bad in ["", "   ", "agent\nx", "agént"] {
            let config = HttpConfig {
                default_user_agent: bad.into(),
                ..HttpConfig::default()
            };
            let err = ReqwestTransport::new(config).unwrap_err();
            assert_eq!(err.code(), "http.invalid_user_agent", "{bad:?}");
        }
    }

    #[test]
    fn rejects_zero_timeouts() {
        let config = HttpConfig {
            timeout: Duration::ZERO,
            ..HttpConfig::default()
        };
        assert_eq!(
            ReqwestTransport::new(config).unwrap_err(),
            HttpClientError::ZeroTimeout { field: "timeout" }
        );
        let config = HttpConfig {
            connect_timeout: Duration::ZERO,
            ..HttpConfig::default()
        };
        assert_eq!(
            ReqwestTransport::new(config).unwrap_err(),
            HttpClientError::ZeroTimeout {
                field: "connect_timeout"
            }
        );
    }

    #[test]
    fn backoff_doubles_is_jittered_and_capped() {
        let config = HttpConfig {
            retry_base_delay: Duration::from_millis(100),
            max_retry_delay: Duration::from_millis(300),
            ..HttpConfig::default()
        };
        let transport = ReqwestTransport::new(config).unwrap();
        for _ in 0..50 {
            let first = transport.backoff(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = transport.backoff(1);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = transport.backoff(30);
            assert!(capped >= Duration::from_millis(150) && capped <= Duration::from_millis(300));
        }
    }

    #[test]
    fn retries_only_server_errors_and_too_many_requests() {
        assert!(is_retryable_status(500));
        assert!(is_retryable_status(503));
        assert!(is_retryable_status(429));
        assert!(!is_retryable_status(404));
        assert!(!is_retryable_status(400));
        assert!(!is_retryable_status(200));
    }

    #[test]
    fn parses_retry_after_in_seconds_only() {
        let with = |v: &str| HttpResponse {
            status: 503,
            headers: vec![("retry-after".into(), v.into())],
            body: vec![],
        };
        assert_eq!(retry_after(&with("3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&with("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(&with("-1")), None);
    }
}
