//! Many services in one process.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use govuk_one_login_core::{
    ClientAuth, HttpTransport, InMemoryReplayStore, ReplayStore, Services, SharedClock,
    SystemClock, user_agent,
};
use govuk_one_login_discovery::{
    CachePolicy, ProviderCache, ProviderRegistry, RefreshOutcome, WarmUpReport,
};
use govuk_one_login_verify::ClientSigner;

use crate::error::{BackChannelError, SetupError, SignInError, SignOutError};
use crate::pending::{PendingSignIn, PendingSignOut, SignedOut};
use crate::protocol::{BackChannelForm, BackChannelResponse, CallbackParams};
use crate::rp::{DEFAULT_PENDING_TTL_SECS, Deps, RelyingParty};
use crate::signed_in::{LogoutNotice, SignedIn};

/// Every service of a services file, each with its own [`RelyingParty`], sharing one provider
/// cache per issuer (100 services cost one discovery and one JWKS request). Cheap to clone.
#[derive(Clone)]
pub struct OneLogin {
    services: Arc<BTreeMap<String, RelyingParty>>,
    order: Arc<Vec<String>>,
    provider: ProviderCache,
    clock: SharedClock,
}

impl fmt::Debug for OneLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneLogin")
            .field("services", &self.order)
            .finish_non_exhaustive()
    }
}

impl OneLogin {
    /// Starts building from checked services.
    pub fn builder(services: Services) -> OneLoginBuilder {
        OneLoginBuilder {
            services,
            transport: None,
            clock: None,
            replay: None,
            states: None,
            policy: CachePolicy::default(),
            registry: None,
            pending_ttl_secs: DEFAULT_PENDING_TTL_SECS,
        }
    }

    /// The relying party of a service, by name.
    pub fn relying_party(&self, name: &str) -> Option<&RelyingParty> {
        self.services.get(name)
    }

    /// The relying party of a service, by client id.
    pub fn by_client_id(&self, client_id: &str) -> Option<&RelyingParty> {
        self.services
            .values()
            .find(|rp| rp.config().client_id().as_str() == client_id)
    }

    /// Every relying party, in services-file order.
    pub fn iter(&self) -> impl Iterator<Item = &RelyingParty> {
        self.order.iter().filter_map(|n| self.services.get(n))
    }

    /// The shared provider cache.
    pub fn provider(&self) -> &ProviderCache {
        &self.provider
    }

    /// Fetches the provider's metadata, JWKS and DID document once, at start-up, so that the
    /// first sign-in does not wait for them and a broken configuration shows at once. Each
    /// document succeeds or fails on its own: [`WarmUpReport::is_ready`] says whether sign-ins
    /// can proceed; a missing DID document only matters to services that prove identity.
    pub async fn warm_up(&self) -> WarmUpReport {
        let report = self.provider.warm_up().await;
        for (document, error) in report.errors() {
            tracing::warn!(
                target: "govuk_one_login::outcome",
                operation = "warm_up", document = document.as_str(),
                outcome = "failure", code = error.code()
            );
        }
        report
    }

    /// Refreshes, once, every provider document close to expiry (one request per document
    /// however many services share the provider). [`OneLogin::keep_fresh`] calls it in a loop.
    pub async fn refresh_due(&self) -> RefreshOutcome {
        let outcome = self.provider.refresh_due().await;
        for (document, error) in outcome.failures() {
            tracing::warn!(
                target: "govuk_one_login::outcome",
                operation = "refresh_ahead", document = document.as_str(),
                outcome = "failure", code = error.code()
            );
        }
        outcome
    }

    /// Keeps the provider's documents fresh for as long as it runs, as One Login asks ("poll
    /// it regularly so you see new keys before a rotation"): each document is refreshed shortly
    /// before it expires, and a failed refresh is retried after the cache's pause, while the
    /// cached copy stays in use. Spawn it once per process:
    /// `tokio::spawn(one_login.clone().keep_fresh())`.
    ///
    /// It sleeps on tokio's timer between refreshes, for at least one second and at most five
    /// minutes at a time (so that a changed clock or a document cached in between is seen).
    pub async fn keep_fresh(self) {
        loop {
            self.refresh_due().await;
            let now = self.clock.now_unix();
            let wait = self
                .provider
                .next_refresh_at()
                .map_or(KEEP_FRESH_MAX_SLEEP_SECS, |at| at.saturating_sub(now))
                .clamp(1, KEEP_FRESH_MAX_SLEEP_SECS);
            tokio::time::sleep(std::time::Duration::from_secs(wait.unsigned_abs())).await;
        }
    }

    /// Finishes whichever of the browser's pending sign-ins the callback belongs to: the one
    /// whose `state` matches the callback's (each compared in constant time, all of them
    /// compared). That pending sign-in is taken out of `pendings` whatever the outcome (it is
    /// usable once); the others stay. Put `pendings` back in the session afterwards.
    ///
    /// # Errors
    /// [`SignInError::NoPendingSignIn`] when `pendings` is empty,
    /// [`SignInError::MissingState`] or [`SignInError::StateMismatch`] when the callback names
    /// none of them (nothing is taken out then), and anything
    /// [`RelyingParty::finish_sign_in`] refuses.
    pub async fn finish_sign_in(
        &self,
        callback_query: &str,
        pendings: &mut Vec<PendingSignIn>,
    ) -> Result<SignedIn, SignInError> {
        let index = Self::pending_for(callback_query, pendings)?;
        let pending = pendings.remove(index);
        let rp =
            self.relying_party(pending.service())
                .ok_or_else(|| SignInError::WrongService {
                    started_by: pending.service().to_owned(),
                    finishing: "(no such service in this configuration)".to_owned(),
                })?;
        rp.finish_sign_in(callback_query, pending).await
    }

    /// Which of `pendings` a callback belongs to, without finishing anything.
    ///
    /// # Errors
    /// As [`OneLogin::finish_sign_in`], before any request.
    pub fn pending_for(
        callback_query: &str,
        pendings: &[PendingSignIn],
    ) -> Result<usize, SignInError> {
        if pendings.is_empty() {
            return Err(SignInError::NoPendingSignIn);
        }
        let callback = CallbackParams::parse(callback_query)?;
        let state = callback.state()?;
        // Compare with every pending sign-in, so the time taken does not say which matched.
        let mut found = None;
        for (i, p) in pendings.iter().enumerate() {
            if p.state().matches(state) && found.is_none() {
                found = Some(i);
            }
        }
        found.ok_or(SignInError::StateMismatch)
    }

    /// Starts signing a person out of the service they are signed in to: see
    /// [`RelyingParty::start_sign_out`].
    ///
    /// # Errors
    /// [`SignOutError`]; [`SignOutError::WrongService`] for a service not in this configuration.
    pub async fn start_sign_out(
        &self,
        signed_in: &SignedIn,
        post_logout_redirect_uri: Option<&govuk_one_login_core::Url>,
    ) -> Result<crate::SignOutStart, SignOutError> {
        let rp = self
            .relying_party(signed_in.service().as_str())
            .ok_or_else(|| SignOutError::WrongService {
                belongs_to: signed_in.service().to_string(),
                asked: "(no such service in this configuration)".to_owned(),
            })?;
        rp.start_sign_out(signed_in, post_logout_redirect_uri).await
    }

    /// Checks a return from One Login's logout against the browser's pending sign-out: see
    /// [`RelyingParty::finish_sign_out`].
    ///
    /// # Errors
    /// [`SignOutError`].
    pub async fn finish_sign_out(
        &self,
        query: &str,
        pending: Option<PendingSignOut>,
    ) -> Result<SignedOut, SignOutError> {
        let Some(pending) = pending else {
            return Err(SignOutError::NoPendingSignOut);
        };
        let rp =
            self.relying_party(pending.service())
                .ok_or_else(|| SignOutError::WrongService {
                    belongs_to: pending.service().to_owned(),
                    asked: "(no such service in this configuration)".to_owned(),
                })?;
        rp.finish_sign_out(query, Some(pending)).await
    }

    /// Handles a back-channel logout request for any service of this configuration: see
    /// [`OneLogin::back_channel_logout_among`].
    ///
    /// # Errors
    /// [`BackChannelError`].
    pub async fn back_channel_logout(&self, body: &[u8]) -> Result<LogoutNotice, BackChannelError> {
        let all: Vec<&str> = self.order.iter().map(String::as_str).collect();
        self.back_channel_logout_among(&all, body).await
    }

    /// Handles a back-channel logout request posted to a path that `services` share.
    ///
    /// The service is found by the logout token's audience **after** verifying the token against
    /// that service: the unverified `aud` only chooses which service's verifier to try (the one
    /// whose client id it names, among `services`), and that verifier checks everything,
    /// including that `aud` is its client id.
    ///
    /// # Errors
    /// [`BackChannelError::UnknownAudience`] when the token names none of `services`, and
    /// anything [`RelyingParty::back_channel_logout`] refuses.
    pub async fn back_channel_logout_among(
        &self,
        services: &[&str],
        body: &[u8],
    ) -> Result<LogoutNotice, BackChannelError> {
        let form = match BackChannelForm::parse(body) {
            Ok(form) => form,
            Err(e) => {
                let e = BackChannelError::from(e);
                tracing::warn!(
                    target: "govuk_one_login::outcome",
                    operation = "back_channel_logout", outcome = "failure", code = e.code()
                );
                return Err(e);
            }
        };
        let audience = form.unverified_audience();
        let rp = services
            .iter()
            .filter_map(|name| self.relying_party(name))
            .find(|rp| audience.as_deref() == Some(rp.config().client_id().as_str()));
        let Some(rp) = rp else {
            let e = BackChannelError::UnknownAudience;
            tracing::warn!(
                target: "govuk_one_login::outcome",
                operation = "back_channel_logout", outcome = "failure", code = e.code()
            );
            return Err(e);
        };
        rp.observe(
            "back_channel_logout",
            rp.verify_logout(&form),
            BackChannelError::code,
        )
        .await
    }

    /// The answer when the application could not end a notice's sessions: see
    /// [`RelyingParty::back_channel_failed`].
    pub async fn back_channel_failed(&self, notice: &LogoutNotice) -> BackChannelResponse {
        match self.relying_party(notice.service().as_str()) {
            Some(rp) => rp.back_channel_failed(notice).await,
            None => BackChannelResponse::failed(500, "back_channel.not_applied"),
        }
    }
}

/// The longest [`OneLogin::keep_fresh`] sleeps between two looks at the caches.
const KEEP_FRESH_MAX_SLEEP_SECS: i64 = 300;

/// Builds a [`OneLogin`]: choose the transport, clock, replay store and cache policy.
pub struct OneLoginBuilder {
    services: Services,
    transport: Option<Arc<dyn HttpTransport>>,
    clock: Option<SharedClock>,
    replay: Option<Arc<dyn ReplayStore>>,
    states: Option<Arc<dyn ReplayStore>>,
    policy: CachePolicy,
    registry: Option<ProviderRegistry>,
    pending_ttl_secs: i64,
}

impl fmt::Debug for OneLoginBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneLoginBuilder")
            .field("services", &self.services.len())
            .finish_non_exhaustive()
    }
}

impl OneLoginBuilder {
    /// The HTTP transport (default: the reqwest transport, with the `reqwest` feature).
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn HttpTransport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock (default: the system clock). Tests pass a `TestClock`.
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Where used states and logout-token `jti`s are remembered (default: in memory, for one
    /// process; share one store between instances behind a load balancer).
    #[must_use]
    pub fn replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.replay = Some(store);
        self
    }

    /// Where used `state` values are remembered (default: in memory, evicting the oldest when
    /// full, 100,000 entries). Kept apart from the logout-token store so that a flood of sign-in
    /// callbacks can never block back-channel logout. Share one store between instances behind a
    /// load balancer to make "usable once" hold across them.
    #[must_use]
    pub fn state_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.states = Some(store);
        self
    }

    /// The cache policy for metadata, JWKS and the DID document.
    #[must_use]
    pub fn cache_policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Share provider caches with other `OneLogin` values (e.g. several services files).
    ///
    /// A cache is created by the first builder that asks for its issuer, with that builder's
    /// transport, clock, cache policy and User-Agent; later builders reuse it as it is (their own
    /// transport still carries their token and userinfo calls). Give builders that share a
    /// registry the same settings.
    #[must_use]
    pub fn provider_registry(mut self, registry: ProviderRegistry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// How long a pending sign-in stays usable (default one hour).
    #[must_use]
    pub fn pending_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.pending_ttl_secs = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// Builds every relying party.
    ///
    /// # Errors
    /// [`SetupError`] if no transport is available or a service's key cannot be loaded into the
    /// signer.
    pub fn build(self) -> Result<OneLogin, SetupError> {
        let environment = self.services.environment().clone();
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport(&self.services)?,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let replay = self
            .replay
            .unwrap_or_else(|| Arc::new(InMemoryReplayStore::default()));
        let registry = self.registry.unwrap_or_default();
        let first_suffix = self
            .services
            .iter()
            .next()
            .and_then(|s| s.user_agent_suffix().map(str::to_owned));
        let mut policy = self.policy;
        if policy.refresh_jitter.is_zero() && !policy.refresh_ahead.is_zero() {
            // Instances started together must not refresh in the same second: each draws its
            // own offset within the refresh-ahead margin, once.
            policy.refresh_jitter = jitter_within(policy.refresh_ahead);
        }
        let provider = registry.cache_for(&environment, || {
            ProviderCache::new(
                &environment,
                Arc::clone(&transport),
                Arc::clone(&clock),
                policy,
                user_agent(first_suffix.as_deref()),
            )
        });
        let deps = Deps {
            environment,
            provider: provider.clone(),
            transport,
            clock: Arc::clone(&clock),
            replay,
            states: self
                .states
                .unwrap_or_else(|| Arc::new(InMemoryReplayStore::evicting(100_000))),
            pending_ttl_secs: self.pending_ttl_secs,
        };
        let mut services = BTreeMap::new();
        let mut order = Vec::new();
        for svc in self.services.iter() {
            check_features(svc)?;
            let signer = match svc.client_auth() {
                ClientAuth::PrivateKeyJwt { key, alg } => Some(
                    ClientSigner::new(key, *alg, svc.client_id()).map_err(|source| {
                        SetupError::Signer {
                            service: svc.name().to_string(),
                            source,
                        }
                    })?,
                ),
                ClientAuth::ClientSecretPost { .. } => None,
            };
            order.push(svc.name().to_string());
            services.insert(
                svc.name().to_string(),
                RelyingParty::new(svc.clone(), signer, deps.clone()),
            );
        }
        Ok(OneLogin {
            services: Arc::new(services),
            order: Arc::new(order),
            provider,
            clock,
        })
    }
}

/// A random duration between zero and `max`, whole seconds.
fn jitter_within(max: std::time::Duration) -> std::time::Duration {
    let seed = govuk_one_login_core::random_bytes(8)
        .ok()
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes);
    std::time::Duration::from_secs(seed % max.as_secs().saturating_add(1))
}

/// The reqwest transport, with the services file's egress proxy when it names one.
#[cfg(feature = "reqwest")]
fn default_transport(services: &Services) -> Result<Arc<dyn HttpTransport>, SetupError> {
    use govuk_one_login_http::{HttpConfig, ProxyConfig, ReqwestTransport};
    let mut config = HttpConfig::default();
    if let Some(proxy) = services.proxy() {
        config.proxy = Some(
            ProxyConfig::new(proxy.clone()).with_no_proxy(services.no_proxy().iter().cloned()),
        );
    }
    let transport = ReqwestTransport::new(config).map_err(SetupError::Http)?;
    Ok(Arc::new(transport))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport(_services: &Services) -> Result<Arc<dyn HttpTransport>, SetupError> {
    Err(SetupError::NoTransport)
}

/// Refuses, at start-up, a service that needs a part of the flow this build leaves out.
fn check_features(svc: &govuk_one_login_core::ServiceConfig) -> Result<(), SetupError> {
    let missing = |feature: &'static str| SetupError::FeatureDisabled {
        service: svc.name().to_string(),
        feature,
    };
    if cfg!(not(feature = "identity")) && svc.identity_vtr().is_some() {
        return Err(missing("identity"));
    }
    if cfg!(not(feature = "request-objects")) && svc.request_objects() {
        return Err(missing("request-objects"));
    }
    Ok(())
}
