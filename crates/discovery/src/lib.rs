//! # govuk-one-login-discovery
//!
//! The provider metadata, the JWKS and the identity DID document of GOV.UK One Login, fetched
//! through core's [`HttpTransport`](govuk_one_login_core::HttpTransport) and cached by One
//! Login's own rules (ONE-LOGIN.md §1.3, §5.3, §7.3). This crate does no I/O of its own and knows
//! no HTTP client: plug in `govuk-one-login-http` (reqwest), the testkit, or your own transport.
//!
//! Depend on it directly when you assemble a relying party from the lower crates, or write a
//! service that only verifies tokens and needs the provider's keys; otherwise the
//! `govuk-one-login` facade holds one [`ProviderCache`] per issuer for you.
//!
//! ## The cache policy
//!
//! * **Freshness follows `Cache-Control`.** One Login sends `max-age=86400` for the discovery
//!   document and the JWKS, and `max-age=3600, private` for the DID document; `max-age` (less
//!   any `Age`) is honoured, clamped to [`CachePolicy::min_ttl`]..=[`CachePolicy::max_ttl`], so
//!   that neither `no-store` nor a year-long `max-age` can make the cache misbehave. Without a
//!   `max-age`, [`CachePolicy::default_ttl`] applies. Each default and its reason is documented
//!   on [`CachePolicy`].
//! * **Concurrent refreshes coalesce.** However many callers find a document missing or
//!   expired at once, one request is sent and all of them share its outcome (single-flight).
//! * **Stale-if-error.** When a refresh fails (transport error, non-2xx status, invalid JSON, an
//!   issuer mismatch, a JWKS without a usable key), the last-known-good copy is served for up to
//!   [`CachePolicy::max_stale`] after it expired, as One Login tells relying parties to do during
//!   an outage; after that, a typed [`DiscoveryError::Stale`]. After a failure no new fetch is
//!   tried for [`CachePolicy::retry_after_error`], so an outage does not turn every sign-in into
//!   a request.
//! * **Unknown `kid`s.** [`ProviderCache::keys_for_kid`] and
//!   [`ProviderCache::did_document_for_kid`] refresh at most once when the `kid` is not cached,
//!   even seconds after a regular fetch (a provider may publish a key and sign with it at once,
//!   as GDS's simulator does). They do not refresh when the copy was fetched after the lookup
//!   began, nor within [`CachePolicy::unknown_kid_cooldown`] of the latest *unknown-`kid`*
//!   refresh: a flood of forged tokens costs at most one request per cool-down window.
//!   Concurrent lookups share one request. A removed key is refused after the next refresh.
//! * **Warm-up and refresh ahead.** [`ProviderCache::warm_up`] fetches all three documents at
//!   start-up and reports on each. [`ProviderCache::refresh_due`] refreshes each cached
//!   document [`CachePolicy::refresh_ahead`] before it expires, and
//!   [`ProviderCache::next_refresh_at`] says when to call it next: the facade drives them from
//!   a background task (this crate has no timer), so new keys are seen before a rotation, as
//!   One Login asks.
//! * **Keys are parsed once**, when fetched, into ready-to-use verification keys
//!   ([`KeySet`](govuk_one_login_verify::KeySet),
//!   [`DidDocument`](govuk_one_login_verify::DidDocument)). Keys unfit for signatures (`use:
//!   enc`, a symmetric key, a wrong curve, RSA under 2048 bits, a duplicate `kid`) are left out
//!   with a `warn` event naming their `kid` and the reason, never their material.
//! * **The metadata is checked:** its `issuer` must equal the configured issuer byte for byte,
//!   and every endpoint must be https (plain http only on loopback, for a loopback custom issuer
//!   such as a local simulator).
//! * **The DID document's URL is configuration**, never derived from a token's `kid`.
//! * **One cache per issuer.** A [`ProviderRegistry`] hands every service of an issuer the same
//!   [`ProviderCache`]: 100 services cost one discovery request and one JWKS request. Each
//!   caller gets its own `Result`.
//!
//! ## Example
//!
//! ```
//! use std::sync::Arc;
//! use govuk_one_login_core::{
//!     BoxFuture, Environment, HttpRequest, HttpResponse, HttpTransport, TestClock,
//!     TransportError, user_agent,
//! };
//! use govuk_one_login_discovery::{CachePolicy, DiscoveryError, ProviderCache, ProviderRegistry};
//!
//! /// A stand-in for One Login (use `govuk_one_login_http::ReqwestTransport` for real).
//! #[derive(Debug)]
//! struct OneLogin;
//!
//! impl HttpTransport for OneLogin {
//!     fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
//!         let issuer = "https://oidc.integration.account.gov.uk/";
//!         let body = match request.url.path() {
//!             "/.well-known/openid-configuration" => serde_json::json!({
//!                 "issuer": issuer,
//!                 "authorization_endpoint": format!("{issuer}authorize"),
//!                 "token_endpoint": format!("{issuer}token"),
//!                 "userinfo_endpoint": format!("{issuer}userinfo"),
//!                 "jwks_uri": format!("{issuer}.well-known/jwks.json"),
//!                 "id_token_signing_alg_values_supported": ["ES256", "RS256"],
//!             }),
//!             _ => serde_json::json!({"keys": [{
//!                 "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "key-1",
//!                 "x": "-tddO-cdk_xCGIVk-xhXP7Sv3c1fdemmi9qChyNk9gs",
//!                 "y": "rKDWYybaNK_pMuFAC2uVXAfd7catPH_FXXhOe7tYGKg",
//!             }]}),
//!         };
//!         Box::pin(async move {
//!             Ok(HttpResponse {
//!                 status: 200,
//!                 headers: vec![("cache-control".into(), "max-age=86400".into())],
//!                 body: serde_json::to_vec(&body).unwrap(),
//!             })
//!         })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let environment = Environment::integration();
//! let registry = ProviderRegistry::new();
//! // Every service of this issuer gets the same cache.
//! let cache = registry.cache_for(&environment, || {
//!     ProviderCache::new(
//!         &environment,
//!         Arc::new(OneLogin),
//!         Arc::new(TestClock::now()), // `Arc::new(SystemClock)` in a service
//!         CachePolicy::default(),
//!         user_agent(Some("licences/1.0 (https://licences.example.gov.uk)")),
//!     )
//! });
//!
//! let metadata = cache.metadata().await?;
//! assert_eq!(metadata.token_endpoint().as_str(), "https://oidc.integration.account.gov.uk/token");
//!
//! // The key for an ID token's `kid`, refreshed at most once if it is unknown.
//! let keys = cache.keys_for_kid(Some("key-1")).await?;
//! assert!(keys.get("key-1").is_some());
//! let err = cache.keys_for_kid(Some("forged")).await.unwrap_err();
//! assert_eq!(err.code(), "discovery.unknown_kid");
//! // One refresh for the forged `kid`, then none during the cool-down.
//! let err = cache.keys_for_kid(Some("forged-again")).await.unwrap_err();
//! assert_eq!(err.code(), "discovery.unknown_kid");
//!
//! assert_eq!(cache.stats().total_requests(), 3);
//! assert_eq!(cache.stats().jwks.unknown_kid_refreshes, 1);
//! # Ok::<(), DiscoveryError>(())
//! # }).unwrap();
//! ```

mod cache;
mod error;
mod metadata;
mod policy;
mod provider;

pub use cache::{DocumentHealth, DocumentStats, Freshness, RefreshStatus};
pub use error::{DiscoveryError, DocumentKind, UnsupportedAlgorithm};
pub use metadata::ProviderMetadata;
pub use policy::{
    CachePolicy, DEFAULT_MAX_DOCUMENT_BYTES, DEFAULT_MAX_STALE, DEFAULT_MAX_TTL, DEFAULT_MIN_TTL,
    DEFAULT_REFRESH_AHEAD, DEFAULT_RETRY_AFTER_ERROR, DEFAULT_TTL, DEFAULT_UNKNOWN_KID_COOLDOWN,
};
pub use provider::{
    CacheStats, ProviderCache, ProviderHealth, ProviderRegistry, RefreshOutcome, WarmUpReport,
};
