//! One relying party per service: the protocol of [`crate::protocol`] orchestrated with the
//! transport, the caches and the stores.

mod back_channel;
mod sign_in;
mod sign_out;

pub(crate) use back_channel::count_logout;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use govuk_one_login_core::internal::record::{self, ServiceLabels};
use govuk_one_login_core::{
    ClaimName, Environment, HttpRequest, HttpResponse, HttpTransport, JwsSigner, ReplayStore,
    ServiceConfig, SharedClock, TransportError,
};
use govuk_one_login_discovery::{DiscoveryError, ProviderCache};
#[cfg(feature = "identity")]
use govuk_one_login_verify::DidDocument;
use govuk_one_login_verify::{ClientSigner, KeySet};
use tracing::Instrument as _;

/// The most bytes read from a token or userinfo response.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// How long a pending sign-in (or sign-out) stays usable by default: an identity journey can
/// take a while, and One Login's own session lasts an hour.
pub const DEFAULT_PENDING_TTL_SECS: i64 = 60 * 60;

/// The shared pieces a relying party is built from.
#[derive(Clone)]
pub(crate) struct Deps {
    pub(crate) environment: Environment,
    pub(crate) provider: ProviderCache,
    pub(crate) transport: Arc<dyn HttpTransport>,
    pub(crate) clock: SharedClock,
    pub(crate) replay: Arc<dyn ReplayStore>,
    /// Used states, kept apart from logout `jti`s so that a flood of states can never stop
    /// back-channel logout (and evicting, so it can never stop sign-ins either).
    pub(crate) states: Arc<dyn ReplayStore>,
    pub(crate) pending_ttl_secs: i64,
    /// How long an external signer (a KMS) gets for one signature.
    pub(crate) signer_timeout: Duration,
}

struct Inner {
    service: ServiceConfig,
    signer: Option<ClientSigner>,
    /// The external signer (a KMS, an HSM) holding the current key, if one does.
    external: Option<Arc<dyn JwsSigner>>,
    deps: Deps,
    user_agent: String,
    labels: ServiceLabels,
}

/// How long an external signer gets for one signature by default.
pub const DEFAULT_SIGNER_TIMEOUT: Duration = Duration::from_secs(5);

/// The relying party of one service: start and finish sign-ins and sign-outs, handle
/// back-channel logout. Cheap to clone, `Send + Sync`: keep it in your web framework's state.
///
/// Every operation runs in a span carrying the service's name and client id, and ends with one
/// event whose `outcome` is `success` or `failure` (with a stable `code`), so that success rates,
/// volumes and failure reasons can be charted per service. No token, code, key or personal datum is
/// ever recorded.
#[derive(Clone)]
pub struct RelyingParty {
    inner: Arc<Inner>,
}

impl fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelyingParty")
            .field("service", &self.inner.service.name())
            .field("client_id", &self.inner.service.client_id())
            .field("issuer", &self.inner.deps.environment.issuer().as_str())
            .finish_non_exhaustive()
    }
}

impl RelyingParty {
    pub(crate) fn new(
        service: ServiceConfig,
        signer: Option<ClientSigner>,
        external: Option<Arc<dyn JwsSigner>>,
        deps: Deps,
    ) -> Self {
        let user_agent = service.user_agent();
        let labels = ServiceLabels::new(service.name().as_str(), service.client_id().as_str());
        Self {
            inner: Arc::new(Inner {
                service,
                signer,
                external,
                deps,
                user_agent,
                labels,
            }),
        }
    }

    /// The service's checked configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.service
    }

    /// The service's name.
    pub fn name(&self) -> &str {
        self.inner.service.name().as_str()
    }

    /// The provider environment.
    pub fn environment(&self) -> &Environment {
        &self.inner.deps.environment
    }

    /// The provider cache this service shares with every other service of its issuer.
    pub fn provider(&self) -> &ProviderCache {
        &self.inner.deps.provider
    }

    /// How long a pending sign-in or sign-out stays usable (seconds): what a cookie holding one
    /// should live for.
    pub fn pending_ttl_secs(&self) -> i64 {
        self.inner.deps.pending_ttl_secs
    }

    /// The public JWK set of the service's own keys (current first), to publish at its
    /// `jwks_uri` or register with One Login: see
    /// [`ClientAuth::public_jwks`](govuk_one_login_core::ClientAuth::public_jwks).
    pub fn service_jwks(&self) -> serde_json::Value {
        self.inner.service.client_auth().public_jwks()
    }

    /// The store of this service's logout-token `jti`s.
    pub(crate) fn replay_store(&self) -> &Arc<dyn ReplayStore> {
        &self.inner.deps.replay
    }

    /// The store of this service's used states.
    pub(crate) fn state_store(&self) -> &Arc<dyn ReplayStore> {
        &self.inner.deps.states
    }

    /// The claims this service requests with its identity vector.
    pub fn identity_claims(&self) -> &[ClaimName] {
        self.inner.service.claims()
    }

    fn now(&self) -> i64 {
        self.inner.deps.clock.now_unix()
    }

    fn leeway_secs(&self) -> i64 {
        i64::try_from(self.inner.service.clock_leeway().as_secs()).unwrap_or(0)
    }

    /// Runs one operation in a span carrying the service's name and client id, and ends it with
    /// one outcome event (`success`, or `failure` with the error's stable code) and its metrics:
    /// `count` is given the service's labels, the outcome (the error's code for a failure) and the
    /// time the operation took.
    pub(crate) async fn observe<T, E>(
        &self,
        operation: &'static str,
        work: impl Future<Output = Result<T, E>>,
        code: fn(&E) -> &'static str,
        count: impl FnOnce(&ServiceLabels, Result<&T, &'static str>, Duration),
    ) -> Result<T, E> {
        let service = self.inner.service.name().as_str();
        let client_id = self.inner.service.client_id().as_str();
        let span = tracing::info_span!("one_login", operation, service, client_id);
        let started = Instant::now();
        let result = work.instrument(span).await;
        count(
            &self.inner.labels,
            result.as_ref().map_err(code),
            started.elapsed(),
        );
        match result.as_ref().err().map(code) {
            None => tracing::info!(
                target: "govuk_one_login::outcome",
                operation, service, client_id, outcome = "success"
            ),
            Some(code) => tracing::warn!(
                target: "govuk_one_login::outcome",
                operation, service, client_id, outcome = "failure", code
            ),
        }
        result
    }

    /// Sends a request to the provider's `document` endpoint (`token`, `userinfo`), counted.
    async fn send(
        &self,
        document: &'static str,
        request: HttpRequest,
    ) -> Result<HttpResponse, TransportError> {
        let deps = &self.inner.deps;
        record::send(
            deps.transport.as_ref(),
            deps.environment.issuer().as_str(),
            document,
            request,
        )
        .await
    }

    /// The provider's keys for a token's `kid`, refreshed once (rate-limited) when it is unknown.
    /// A kid still unknown after that is left to the verifier, which then reports the first
    /// problem with the token in its own order (an HMAC header before an unknown kid).
    async fn keys_for(&self, kid: Option<&str>) -> Result<Arc<KeySet>, DiscoveryError> {
        match self.inner.deps.provider.keys_for_kid(kid).await {
            Err(DiscoveryError::UnknownKid { .. }) => self.inner.deps.provider.keys().await,
            other => other,
        }
    }

    /// The DID document for a core identity JWT's `kid`, with the same rule.
    #[cfg(feature = "identity")]
    async fn did_for(&self, kid: Option<&str>) -> Result<Arc<DidDocument>, DiscoveryError> {
        let provider = &self.inner.deps.provider;
        match kid {
            Some(kid) => match provider.did_document_for_kid(kid).await {
                Err(DiscoveryError::UnknownIdentityKid { .. }) => provider.did_document().await,
                other => other,
            },
            None => provider.did_document().await,
        }
    }
}

/// Whether `created_at` is within `ttl` of `now` either way; the age when it is not.
pub(crate) fn expired(created_at: i64, now: i64, ttl: i64) -> Option<i64> {
    let age = now.saturating_sub(created_at);
    (age > ttl || age < -ttl).then_some(age)
}
