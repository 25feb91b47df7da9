//! The per-issuer cache of the discovery document, the JWKS and the DID document.

use std::collections::HashMap;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use govuk_one_login_core::internal::{printable, record, redacted_url};
use govuk_one_login_core::{
    DEFAULT_USER_AGENT, Environment, HttpRequest, HttpTransport, SharedClock, TransportError, Url,
};
use govuk_one_login_verify::{DidDocument, KeySet, RejectedKey};

use crate::cache::{DocumentCache, DocumentHealth, DocumentStats, Fetched, RefreshStatus};
use crate::error::{DiscoveryError, DocumentKind};
use crate::metadata::ProviderMetadata;
use crate::policy::CachePolicy;

/// What a [`ProviderCache`] has fetched and served, per document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// The discovery document.
    pub discovery: DocumentStats,
    /// The JWKS.
    pub jwks: DocumentStats,
    /// The DID document.
    pub did: DocumentStats,
}

impl CacheStats {
    /// Fetches sent for all three documents together.
    pub fn total_requests(&self) -> u64 {
        self.discovery.requests + self.jwks.requests + self.did.requests
    }
}

/// What [`ProviderCache::warm_up`] obtained, per document: each is fetched (or found fresh in
/// the cache) or has its own error. The caller decides what is fatal: a service that signs
/// users in needs [`discovery`](Self::discovery) and [`jwks`](Self::jwks)
/// ([`is_ready`](Self::is_ready)); only one that reads identity claims needs the
/// [`did`](Self::did) document, which a custom provider (a simulator, a mock) may not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WarmUpReport {
    /// The discovery document.
    pub discovery: Result<(), DiscoveryError>,
    /// The JWKS (an error in the discovery document is repeated here: the JWKS's URL is in it).
    pub jwks: Result<(), DiscoveryError>,
    /// The identity DID document.
    pub did: Result<(), DiscoveryError>,
}

impl WarmUpReport {
    /// Whether the discovery document and the JWKS are cached: enough to sign users in and
    /// verify their ID tokens.
    pub fn is_ready(&self) -> bool {
        self.discovery.is_ok() && self.jwks.is_ok()
    }

    /// Whether all three documents are cached, the DID document included.
    pub fn is_complete(&self) -> bool {
        self.is_ready() && self.did.is_ok()
    }

    /// The documents that could not be obtained, with their errors.
    pub fn errors(&self) -> impl Iterator<Item = (DocumentKind, &DiscoveryError)> {
        [
            (DocumentKind::Discovery, &self.discovery),
            (DocumentKind::Jwks, &self.jwks),
            (DocumentKind::DidDocument, &self.did),
        ]
        .into_iter()
        .filter_map(|(kind, result)| result.as_ref().err().map(|e| (kind, e)))
    }
}

/// What one [`ProviderCache::refresh_due`] call did, per document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshOutcome {
    /// The discovery document.
    pub discovery: RefreshStatus,
    /// The JWKS.
    pub jwks: RefreshStatus,
    /// The identity DID document.
    pub did: RefreshStatus,
}

impl RefreshOutcome {
    /// Each document with its status.
    pub fn iter(&self) -> impl Iterator<Item = (DocumentKind, &RefreshStatus)> {
        [
            (DocumentKind::Discovery, &self.discovery),
            (DocumentKind::Jwks, &self.jwks),
            (DocumentKind::DidDocument, &self.did),
        ]
        .into_iter()
    }

    /// The documents whose refresh failed, with their errors (to log or count; the cached
    /// copies stay in use).
    pub fn failures(&self) -> impl Iterator<Item = (DocumentKind, &DiscoveryError)> {
        self.iter()
            .filter_map(|(kind, status)| status.error().map(|e| (kind, e)))
    }
}

/// The provider metadata, JWKS and DID document of one issuer, cached by the rules of
/// [`CachePolicy`]. One per issuer, shared (it is a cheap `Clone` of an `Arc`) by every service
/// of that issuer: a hundred services cost one discovery request and one JWKS request, while
/// each service keeps its own configuration and sees its own errors.
///
/// Obtain it through a [`ProviderRegistry`] so that services never make two for one issuer.
#[derive(Clone)]
pub struct ProviderCache {
    inner: Arc<Inner>,
}

struct Inner {
    environment: Environment,
    transport: Arc<dyn HttpTransport>,
    clock: SharedClock,
    policy: CachePolicy,
    user_agent: String,
    metadata: DocumentCache<ProviderMetadata>,
    jwks: DocumentCache<KeySet>,
    did: DocumentCache<DidDocument>,
}

impl fmt::Debug for ProviderCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderCache")
            .field("issuer", &self.inner.environment.issuer().as_str())
            .field("policy", &self.inner.policy)
            .field("user_agent", &self.inner.user_agent)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl ProviderCache {
    /// A cache for `environment`'s issuer, fetching through `transport` with `user_agent` (an
    /// empty one is replaced by `govuk-one-login-rs/<version>`: One Login's firewall refuses
    /// requests without one). Nothing is fetched until first asked for.
    pub fn new(
        environment: &Environment,
        transport: Arc<dyn HttpTransport>,
        clock: SharedClock,
        policy: CachePolicy,
        user_agent: String,
    ) -> Self {
        let user_agent = if user_agent.trim().is_empty() {
            DEFAULT_USER_AGENT.to_owned()
        } else {
            user_agent
        };
        Self {
            inner: Arc::new(Inner {
                environment: environment.clone(),
                transport,
                clock,
                policy,
                user_agent,
                metadata: DocumentCache::new(DocumentKind::Discovery, environment.issuer()),
                jwks: DocumentCache::new(DocumentKind::Jwks, environment.issuer()),
                did: DocumentCache::new(DocumentKind::DidDocument, environment.issuer()),
            }),
        }
    }

    /// The environment this cache serves.
    pub fn environment(&self) -> &Environment {
        &self.inner.environment
    }

    /// The cache policy.
    pub fn policy(&self) -> &CachePolicy {
        &self.inner.policy
    }

    /// The provider metadata, fetched from the environment's discovery URL when not fresh.
    ///
    /// # Errors
    /// A [`DiscoveryError`] when the document cannot be fetched, parsed or trusted (the issuer
    /// must match byte for byte, endpoints must be https) and no last-known-good copy may be
    /// served; [`DiscoveryError::Stale`] when the last-known-good copy is older than
    /// `max_stale`.
    pub async fn metadata(&self) -> Result<Arc<ProviderMetadata>, DiscoveryError> {
        let inner = &self.inner;
        inner
            .metadata
            .get(inner.clock.as_ref(), &inner.policy, || {
                inner.fetch_metadata()
            })
            .await
    }

    /// The provider's signing keys (from the metadata's `jwks_uri`), fetched when not fresh.
    ///
    /// # Errors
    /// As [`metadata`](Self::metadata), plus [`DiscoveryError::Jwks`] for an unparsable JWKS
    /// and [`DiscoveryError::NoUsableKeys`] for one without a single usable key.
    pub async fn keys(&self) -> Result<Arc<KeySet>, DiscoveryError> {
        let inner = &self.inner;
        inner
            .jwks
            .get(inner.clock.as_ref(), &inner.policy, || inner.fetch_jwks())
            .await
    }

    /// The key set, refreshed at most once (single-flight) when `kid` is not in the cached set,
    /// even if the set was fetched a second ago: a key may be used the moment it is published.
    /// No refresh when the set was fetched after this lookup began, or within
    /// [`CachePolicy::unknown_kid_cooldown`] of the latest unknown-`kid` refresh (a key first
    /// used during that window is accepted once it ends). With no `kid`, the cached set as it
    /// is.
    ///
    /// # Errors
    /// [`DiscoveryError::UnknownKid`] if the `kid` is still absent after the refresh, or at once
    /// during the cool-down; otherwise as [`keys`](Self::keys).
    pub async fn keys_for_kid(&self, kid: Option<&str>) -> Result<Arc<KeySet>, DiscoveryError> {
        let Some(kid) = kid else {
            return self.keys().await;
        };
        let inner = &self.inner;
        let (keys, found) = inner
            .jwks
            .get_containing(
                inner.clock.as_ref(),
                &inner.policy,
                |set| set.get(kid).is_some(),
                || inner.fetch_jwks(),
            )
            .await?;
        if found {
            Ok(keys)
        } else {
            Err(DiscoveryError::UnknownKid {
                kid: printable(kid, 128),
            })
        }
    }

    /// The identity DID document from the environment's pinned URL (never derived from a
    /// token), fetched when not fresh. One Login sends it with `max-age=3600`.
    ///
    /// # Errors
    /// As [`metadata`](Self::metadata) for transport and status failures, plus
    /// [`DiscoveryError::Did`] for an unparsable document or one for another DID, and
    /// [`DiscoveryError::NoUsableKeys`] for one without a usable key.
    pub async fn did_document(&self) -> Result<Arc<DidDocument>, DiscoveryError> {
        let inner = &self.inner;
        inner
            .did
            .get(inner.clock.as_ref(), &inner.policy, || inner.fetch_did())
            .await
    }

    /// The DID document, refreshed at most once (same rules as
    /// [`keys_for_kid`](Self::keys_for_kid)) when it has no method for `kid`
    /// (`<did>#<key-id>`).
    ///
    /// # Errors
    /// [`DiscoveryError::UnknownIdentityKid`] if still absent; otherwise as
    /// [`did_document`](Self::did_document).
    pub async fn did_document_for_kid(
        &self,
        kid: &str,
    ) -> Result<Arc<DidDocument>, DiscoveryError> {
        let inner = &self.inner;
        let (doc, found) = inner
            .did
            .get_containing(
                inner.clock.as_ref(),
                &inner.policy,
                |doc| doc.key_for_kid(kid).is_some(),
                || inner.fetch_did(),
            )
            .await?;
        if found {
            Ok(doc)
        } else {
            Err(DiscoveryError::UnknownIdentityKid {
                kid: printable(kid, 128),
            })
        }
    }

    /// Fetches every document that is not fresh in the cache (the discovery document, then
    /// the JWKS; the DID document at the same time), for a service to call at start-up so that
    /// its first sign-in waits for nothing. Each document succeeds or fails on its own: nothing
    /// is fatal here, the [`WarmUpReport`] says what is missing and the caller decides. A DID
    /// failure, in particular, matters only to a service that reads identity claims: the cache
    /// fetches the DID document only when asked for it, so a provider without one costs a
    /// single failed request here and nothing after (the failure is not retried by
    /// [`refresh_due`](Self::refresh_due), which keeps only cached documents fresh).
    ///
    /// Calling it again, or concurrently, sends no request for a document that is fresh or
    /// being fetched; after a failure the usual [`CachePolicy::retry_after_error`] pause
    /// applies.
    pub async fn warm_up(&self) -> WarmUpReport {
        let ((discovery, jwks), did) = join(
            async {
                let discovery = self.metadata().await.map(drop);
                let jwks = self.keys().await.map(drop);
                (discovery, jwks)
            },
            self.did_document(),
        )
        .await;
        WarmUpReport {
            discovery,
            jwks,
            did: did.map(drop),
        }
    }

    /// Refreshes, ahead of expiry, each cached document whose remaining freshness is within
    /// [`CachePolicy::refresh_ahead`] (plus [`CachePolicy::refresh_jitter`]), so that new keys
    /// are seen before they are used and no request path waits for an expired document, as
    /// One Login asks ("poll it regularly so you see new keys before a rotation").
    ///
    /// It is sans-timer: it sleeps for nothing and spawns nothing. A background task drives it,
    /// waking at [`next_refresh_at`](Self::next_refresh_at):
    ///
    /// ```no_run
    /// # fn now() -> i64 { 0 }
    /// # async fn sleep_until(_unix_seconds: i64) {}
    /// # async fn run(cache: govuk_one_login_discovery::ProviderCache) {
    /// loop {
    ///     let outcome = cache.refresh_due().await;
    ///     for (document, error) in outcome.failures() {
    ///         tracing::warn!(%document, error = error.code(), "refresh ahead failed");
    ///     }
    ///     // `None`: nothing cached yet, so nothing to keep fresh; look again in a minute.
    ///     let wake_at = cache.next_refresh_at().unwrap_or_else(|| now() + 60);
    ///     sleep_until(wake_at).await;
    /// }
    /// # }
    /// ```
    ///
    /// Documents never fetched are left alone ([`RefreshStatus::NotCached`]). Every refresh is
    /// single-flight with every other fetch of that document: any number of concurrent callers
    /// (one loop per service sharing this cache through a [`ProviderRegistry`], say) cause one
    /// request per due document. A failed refresh keeps the cached copy in use and is not
    /// retried before [`CachePolicy::retry_after_error`] ([`RefreshStatus::Paused`]).
    pub async fn refresh_due(&self) -> RefreshOutcome {
        let inner = &self.inner;
        let clock = inner.clock.as_ref();
        let policy = &inner.policy;
        let ((discovery, jwks), did) = join(
            async {
                // The discovery document first: the JWKS's URL comes from it.
                let discovery = inner
                    .metadata
                    .refresh_if_due(clock, policy, || inner.fetch_metadata())
                    .await;
                let jwks = inner
                    .jwks
                    .refresh_if_due(clock, policy, || inner.fetch_jwks())
                    .await;
                (discovery, jwks)
            },
            inner
                .did
                .refresh_if_due(clock, policy, || inner.fetch_did()),
        )
        .await;
        RefreshOutcome {
            discovery,
            jwks,
            did,
        }
    }

    /// When [`refresh_due`](Self::refresh_due) next has something to do: the earliest due time
    /// of the cached documents (or, after a failed refresh, the end of its
    /// [`CachePolicy::retry_after_error`] pause), in Unix seconds by this cache's clock. It may
    /// be in the past: call `refresh_due` at once. `None` while no document has been fetched.
    pub fn next_refresh_at(&self) -> Option<i64> {
        let inner = &self.inner;
        [
            inner.metadata.next_refresh_at(&inner.policy),
            inner.jwks.next_refresh_at(&inner.policy),
            inner.did.next_refresh_at(&inner.policy),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Requests made, refreshes, failures and stale serves, per document.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            discovery: self.inner.metadata.stats(),
            jwks: self.inner.jwks.stats(),
            did: self.inner.did.stats(),
        }
    }

    /// How each cached document stands now, without fetching anything: freshness, age and the
    /// latest fetch's error. For health and readiness reports.
    pub fn health(&self) -> ProviderHealth {
        let inner = &self.inner;
        let now = inner.clock.now_unix();
        ProviderHealth {
            issuer: inner.environment.issuer().as_str().to_owned(),
            discovery: inner.metadata.health(now, &inner.policy),
            jwks: inner.jwks.health(now, &inner.policy),
            did: inner.did.health(now, &inner.policy),
        }
    }
}

/// How a [`ProviderCache`]'s documents stand: [`ProviderCache::health`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderHealth {
    /// The provider's issuer.
    pub issuer: String,
    /// The discovery document.
    pub discovery: DocumentHealth,
    /// The JWKS.
    pub jwks: DocumentHealth,
    /// The identity DID document.
    pub did: DocumentHealth,
}

impl ProviderHealth {
    /// Each document's health.
    pub fn iter(&self) -> impl Iterator<Item = &DocumentHealth> {
        [&self.discovery, &self.jwks, &self.did].into_iter()
    }
}

impl Inner {
    /// GETs a document; a non-2xx status, a redirect or an oversized body is an error.
    async fn fetch(
        &self,
        kind: DocumentKind,
        url: &Url,
    ) -> Result<(Vec<u8>, std::time::Duration), DiscoveryError> {
        let limit = self.policy.max_document_bytes;
        let request = HttpRequest::get(url.clone(), &self.user_agent, limit);
        let response = record::send(
            self.transport.as_ref(),
            self.environment.issuer().as_str(),
            kind.as_str(),
            request,
        )
        .await?;
        let url_text = redacted_url(url);
        // Checked again here: a custom transport might not honour the limit or the redirect rule.
        if response.body.len() > limit {
            return Err(TransportError::TooLarge {
                url: url_text,
                limit,
            }
            .into());
        }
        if (300..400).contains(&response.status) {
            return Err(TransportError::Redirect {
                url: url_text,
                status: response.status,
            }
            .into());
        }
        if !response.is_success() {
            return Err(DiscoveryError::Status {
                url: url_text,
                status: response.status,
                body_excerpt: response.body_excerpt(),
            });
        }
        let ttl = self
            .policy
            .freshness(response.header("cache-control"), response.header("age"));
        Ok((response.body, ttl))
    }

    async fn fetch_metadata(&self) -> Result<Fetched<ProviderMetadata>, DiscoveryError> {
        let (body, ttl) = self
            .fetch(DocumentKind::Discovery, &self.environment.discovery_url())
            .await?;
        let value = ProviderMetadata::parse(&body, &self.environment)?;
        Ok(Fetched { value, ttl })
    }

    async fn fetch_jwks(&self) -> Result<Fetched<KeySet>, DiscoveryError> {
        let metadata = self
            .metadata
            .get(self.clock.as_ref(), &self.policy, || self.fetch_metadata())
            .await?;
        let url = metadata.jwks_uri();
        let (body, ttl) = self.fetch(DocumentKind::Jwks, url).await?;
        let parsed = KeySet::from_jwks_json(&body).map_err(DiscoveryError::Jwks)?;
        warn_rejected(
            self.environment.issuer(),
            DocumentKind::Jwks,
            &parsed.rejected,
        );
        if parsed.keys.is_empty() {
            return Err(DiscoveryError::NoUsableKeys {
                document: DocumentKind::Jwks,
                url: redacted_url(url),
                rejected: parsed.rejected.len(),
            });
        }
        Ok(Fetched {
            value: parsed.keys,
            ttl,
        })
    }

    async fn fetch_did(&self) -> Result<Fetched<DidDocument>, DiscoveryError> {
        let url = self.environment.did_document_url();
        let (body, ttl) = self.fetch(DocumentKind::DidDocument, url).await?;
        let parsed = DidDocument::from_json(&body, self.environment.did_controller())
            .map_err(DiscoveryError::Did)?;
        warn_rejected(
            self.environment.issuer(),
            DocumentKind::DidDocument,
            &parsed.rejected,
        );
        if parsed.document.is_empty() {
            return Err(DiscoveryError::NoUsableKeys {
                document: DocumentKind::DidDocument,
                url: redacted_url(url),
                rejected: parsed.rejected.len(),
            });
        }
        Ok(Fetched {
            value: parsed.document,
            ttl,
        })
    }
}

/// Runs two futures at once on the caller's task and waits for both (the crate has no runtime
/// of its own to spawn on).
async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut a_out = None;
    let mut b_out = None;
    poll_fn(|cx| {
        if a_out.is_none()
            && let Poll::Ready(out) = a.as_mut().poll(cx)
        {
            a_out = Some(out);
        }
        if b_out.is_none()
            && let Poll::Ready(out) = b.as_mut().poll(cx)
        {
            b_out = Some(out);
        }
        match (a_out.take(), b_out.take()) {
            (Some(a), Some(b)) => Poll::Ready((a, b)),
            (a, b) => {
                a_out = a;
                b_out = b;
                Poll::Pending
            }
        }
    })
    .await
}

/// One warning per key left out: its `kid` (public) and the reason code, never key material.
fn warn_rejected(issuer: &Url, document: DocumentKind, rejected: &[RejectedKey]) {
    for key in rejected {
        tracing::warn!(
            issuer = issuer.as_str(),
            document = document.as_str(),
            kid = key
                .kid
                .as_deref()
                .map(|k| printable(k, 128))
                .as_deref()
                .unwrap_or("<none>"),
            reason = key.reason,
            "ignoring a key unfit for verifying signatures"
        );
    }
}

/// Everything that distinguishes one provider: services sharing all of it share a cache.
type RegistryKey = (String, String, String, String);

fn registry_key(environment: &Environment) -> RegistryKey {
    (
        environment.issuer().as_str().to_owned(),
        environment.identity_issuer().as_str().to_owned(),
        environment.did_document_url().as_str().to_owned(),
        environment.did_controller().to_owned(),
    )
}

/// Hands out one [`ProviderCache`] per issuer (more precisely per issuer, identity issuer, DID
/// document URL and DID), so that every service of an issuer shares one. Cheap to clone: clones
/// share the same caches.
#[derive(Clone, Default)]
pub struct ProviderRegistry {
    caches: Arc<Mutex<HashMap<RegistryKey, ProviderCache>>>,
}

impl fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let caches = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("ProviderRegistry")
            .field(
                "issuers",
                &caches.keys().map(|k| k.0.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ProviderRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cache for `environment`: the existing one, or the one `make` builds (called only
    /// when there is none yet, and expected to build a cache for that same environment).
    pub fn cache_for(
        &self,
        environment: &Environment,
        make: impl FnOnce() -> ProviderCache,
    ) -> ProviderCache {
        // Poisoning cannot leave the map half-written: insertion is its only mutation.
        let mut caches = self.caches.lock().unwrap_or_else(PoisonError::into_inner);
        caches
            .entry(registry_key(environment))
            .or_insert_with(make)
            .clone()
    }

    /// How many distinct providers have a cache.
    pub fn len(&self) -> usize {
        self.caches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no cache has been made yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
