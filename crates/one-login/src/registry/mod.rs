//! Many services in one process: the [`OneLogin`] set, its builder, and (in the submodules) the
//! multi-service dispatch and the keeping of provider documents fresh.

mod dispatch;
mod freshness;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use govuk_one_login_core::{
    ClientAuth, HttpTransport, InMemoryReplayStore, JwsSigner, ReplayStore, Services, SharedClock,
    StoreKind, SystemClock, user_agent,
};
use govuk_one_login_discovery::{CachePolicy, ProviderCache, ProviderRegistry};
use govuk_one_login_verify::ClientSigner;

use crate::error::SetupError;
use crate::rp::{DEFAULT_PENDING_TTL_SECS, DEFAULT_SIGNER_TIMEOUT, Deps, RelyingParty};

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
            service_stores: Vec::new(),
            policy: CachePolicy::default(),
            registry: None,
            pending_ttl_secs: DEFAULT_PENDING_TTL_SECS,
            signers: Vec::new(),
            signer_timeout: DEFAULT_SIGNER_TIMEOUT,
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
}

/// Builds a [`OneLogin`]: choose the transport, clock, replay store and cache policy.
pub struct OneLoginBuilder {
    services: Services,
    transport: Option<Arc<dyn HttpTransport>>,
    clock: Option<SharedClock>,
    replay: Option<Arc<dyn ReplayStore>>,
    states: Option<Arc<dyn ReplayStore>>,
    /// Per service: its own replay and state stores.
    service_stores: Vec<ServiceStores>,
    policy: CachePolicy,
    registry: Option<ProviderRegistry>,
    pending_ttl_secs: i64,
    /// External signers (a KMS, an HSM) by the name the services file gives them.
    signers: Vec<(String, Arc<dyn JwsSigner>)>,
    signer_timeout: std::time::Duration,
}

/// A service's own (replay, state) stores.
type ServiceStores = (String, Arc<dyn ReplayStore>, Arc<dyn ReplayStore>);

impl fmt::Debug for OneLoginBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneLoginBuilder")
            .field("services", &self.services.len())
            .finish_non_exhaustive()
    }
}

impl OneLoginBuilder {
    /// Gives one service its own logout-`jti` and used-state stores (its own Redis, say), so that
    /// a failing store stops only the services that use it: One Login asks that one service's
    /// outage never touch another's. Other services keep the stores of
    /// [`replay_store`](Self::replay_store) and [`state_store`](Self::state_store).
    #[must_use]
    pub fn service_stores(
        mut self,
        service: &str,
        replay: Arc<dyn ReplayStore>,
        states: Arc<dyn ReplayStore>,
    ) -> Self {
        self.service_stores.retain(|(name, _, _)| name != service);
        self.service_stores
            .push((service.to_owned(), replay, states));
        self
    }

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

    /// Registers the signer that holds the keys the services file names `signer = name` (a cloud
    /// KMS or an HSM behind [`JwsSigner`]): client assertions and request objects of those
    /// services are signed by it, and each signature is checked against the key's public half
    /// before it is sent. Registering a name again replaces the signer.
    #[must_use]
    pub fn signer(mut self, name: impl Into<String>, signer: Arc<dyn JwsSigner>) -> Self {
        let name = name.into();
        self.signers.retain(|(n, _)| *n != name);
        self.signers.push((name, signer));
        self
    }

    /// How long an external signer gets for one signature (default five seconds): a KMS call
    /// that hangs fails the sign-in with `sign.signer` (action `retry_later`) rather than holding
    /// it.
    #[must_use]
    pub fn signer_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.signer_timeout = timeout;
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
    /// [`SetupError`] if no transport is available, a service's key cannot be loaded into the
    /// signer, or the services file's `[store]` table names a shared store whose replay and
    /// state stores were not given ([`SetupError::StoreNotProvided`]).
    pub fn build(self) -> Result<OneLogin, SetupError> {
        check_stores(&self)?;
        if let Some((name, _, _)) = self
            .service_stores
            .iter()
            .find(|(name, _, _)| self.services.iter().all(|s| s.name().as_str() != name))
        {
            return Err(SetupError::UnknownService(name.chars().take(100).collect()));
        }
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
            signer_timeout: self.signer_timeout,
        };
        // Every signer the file names is registered (the next key's too, so that a rotation never
        // fails on the day it makes that key current), and every one registered is named.
        let named: Vec<(String, String)> = self
            .services
            .iter()
            .flat_map(|svc| match svc.client_auth() {
                ClientAuth::PrivateKeyJwt { key, others, .. } => std::iter::once(key)
                    .chain(others)
                    .filter_map(|k| k.signer().map(|s| (svc.name().to_string(), s.to_owned())))
                    .collect::<Vec<_>>(),
                ClientAuth::ClientSecretPost { .. } => Vec::new(),
            })
            .collect();
        if let Some((service, signer)) = named
            .iter()
            .find(|(_, s)| !self.signers.iter().any(|(n, _)| n == s))
        {
            return Err(SetupError::SignerNotRegistered {
                service: service.clone(),
                signer: signer.clone(),
            });
        }
        if let Some((name, _)) = self
            .signers
            .iter()
            .find(|(n, _)| !named.iter().any(|(_, s)| s == n))
        {
            return Err(SetupError::UnusedSigner(name.clone()));
        }
        let mut services = BTreeMap::new();
        let mut order = Vec::new();
        for svc in self.services.iter() {
            check_features(svc)?;
            let (signer, external) = match svc.client_auth() {
                ClientAuth::PrivateKeyJwt { key, alg, .. } => {
                    let signer =
                        ClientSigner::for_key(key, *alg, svc.client_id()).map_err(|source| {
                            SetupError::Signer {
                                service: svc.name().to_string(),
                                source,
                            }
                        })?;
                    let external = match key.signer() {
                        None => None,
                        Some(name) => Some(
                            self.signers
                                .iter()
                                .find(|(n, _)| n == name)
                                .map(|(_, s)| Arc::clone(s))
                                .ok_or_else(|| SetupError::SignerNotRegistered {
                                    service: svc.name().to_string(),
                                    signer: name.to_owned(),
                                })?,
                        ),
                    };
                    (Some(signer), external)
                }
                ClientAuth::ClientSecretPost { .. } => (None, None),
            };
            order.push(svc.name().to_string());
            let mut own = deps.clone();
            if let Some((_, replay, states)) = self
                .service_stores
                .iter()
                .find(|(name, _, _)| name == svc.name().as_str())
            {
                own.replay = Arc::clone(replay);
                own.states = Arc::clone(states);
            }
            services.insert(
                svc.name().to_string(),
                RelyingParty::new(svc.clone(), signer, external, own),
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

/// Refuses a services file that names a shared store when the builder was not given it: the
/// in-memory default would silently split "usable once" between instances.
fn check_stores(builder: &OneLoginBuilder) -> Result<(), SetupError> {
    let kind = builder.services.store().kind();
    if kind == StoreKind::Memory {
        return Ok(());
    }
    let missing = match (builder.replay.is_some(), builder.states.is_some()) {
        (true, true) => return Ok(()),
        (false, true) => "replay store",
        (true, false) => "state store",
        (false, false) => "replay store and no state store",
    };
    Err(SetupError::StoreNotProvided {
        kind: kind.as_str(),
        missing,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use govuk_one_login_core::{ServiceSpec, ServicesFile, StoreSpec, TokenAuthSpec};

    fn services(store: Option<StoreSpec>) -> Services {
        let mut file = ServicesFile {
            services: vec![ServiceSpec {
                name: "apply".into(),
                client_id: "apply-client".into(),
                redirect_uris: vec!["https://apply.example.gov.uk/callback".into()],
                token_auth: TokenAuthSpec {
                    method: Some("client_secret_post".into()),
                    secret: Some("a-client-secret".into()),
                    ..TokenAuthSpec::default()
                },
                ..ServiceSpec::default()
            }],
            ..ServicesFile::default()
        };
        file.provider.store = store;
        file.validate().unwrap()
    }

    fn redis() -> Option<StoreSpec> {
        Some(StoreSpec {
            kind: Some("redis".into()),
            url: Some("redis://127.0.0.1:6379".into()),
            ..StoreSpec::default()
        })
    }

    fn memory() -> Arc<dyn ReplayStore> {
        Arc::new(InMemoryReplayStore::default())
    }

    #[test]
    fn a_file_naming_redis_is_refused_without_the_stores_built_from_it() {
        let refused = OneLogin::builder(services(redis())).build().unwrap_err();
        assert_eq!(refused.code(), "setup.store_not_provided");
        assert_eq!(refused.action(), crate::Action::Misconfigured);
        assert!(
            refused.to_string().contains("kind = \"redis\""),
            "{refused}"
        );
        let half = OneLogin::builder(services(redis()))
            .replay_store(memory())
            .build()
            .unwrap_err();
        assert!(
            matches!(
                half,
                SetupError::StoreNotProvided {
                    kind: "redis",
                    missing: "state store"
                }
            ),
            "{half}"
        );
        assert!(
            OneLogin::builder(services(redis()))
                .replay_store(memory())
                .state_store(memory())
                .build()
                .is_ok()
        );
        assert!(OneLogin::builder(services(None)).build().is_ok());
    }
}
