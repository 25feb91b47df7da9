//! Health and readiness: what an instance can serve now, from its own state.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use govuk_one_login_core::{ReplayStore, ReplayStoreError};
use govuk_one_login_discovery::{Freshness, ProviderHealth};
use serde_json::{Value, json};

use crate::registry::OneLogin;
use crate::session::{SessionStore, SessionStoreError};

/// How long [`OneLogin::health`] waits for the stores' pings, which run at once: a store that
/// does not answer in time is reported as unreachable (`health.ping_timeout`) rather than hanging
/// the readiness check. Under a second, so that `/readyz` answers within a load balancer's or
/// Kubernetes' default one-second probe.
pub const HEALTH_PING_TIMEOUT: Duration = Duration::from_millis(900);

/// The error code of `ping`, or `health.ping_timeout` when it does not answer within
/// [`HEALTH_PING_TIMEOUT`].
async fn ping_code<E>(
    ping: impl Future<Output = Result<(), E>>,
    code: fn(&E) -> &'static str,
) -> Option<&'static str> {
    match tokio::time::timeout(HEALTH_PING_TIMEOUT, ping).await {
        Ok(result) => result.err().map(|e| code(&e)),
        Err(_) => Some("health.ping_timeout"),
    }
}

/// Runs every future at once and returns their outputs in order.
async fn join_all<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send + 'a>>>) -> Vec<T> {
    let mut futures: Vec<Option<Pin<Box<dyn Future<Output = T> + Send + 'a>>>> =
        futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut pending = false;
        for (slot, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// What a store is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum StoreRole {
    /// Logout-token `jti`s (back-channel logout replay protection).
    LogoutTokens,
    /// Used sign-in `state`s.
    States,
    /// Browser sessions.
    Sessions,
}

impl StoreRole {
    /// A short stable name: `logout_tokens`, `states` or `sessions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LogoutTokens => "logout_tokens",
            Self::States => "states",
            Self::Sessions => "sessions",
        }
    }
}

/// Whether one store answered a ping.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreHealth {
    /// What the store holds.
    pub role: StoreRole,
    /// The services that use it; empty when every service does.
    pub services: Vec<String>,
    /// The error code of a failed ping (`health.ping_timeout` when it did not answer within
    /// [`HEALTH_PING_TIMEOUT`]); `None` when the store answered. A store that does not implement
    /// `ping` (every in-process store) is always reachable.
    pub error: Option<&'static str>,
}

impl StoreHealth {
    /// A store's health from its ping: `error` is the ping's error code, if any.
    pub fn new(role: StoreRole, services: Vec<String>, error: Option<&'static str>) -> Self {
        Self {
            role,
            services,
            error,
        }
    }

    /// Whether the store answered.
    pub fn is_reachable(&self) -> bool {
        self.error.is_none()
    }
}

/// What [`OneLogin::health`] found: whether this instance is ready to serve, and why.
///
/// **Readiness depends on local state only**: the configuration is loaded (it is, or there
/// would be no `OneLogin`), the provider's documents have been fetched at least once (the
/// start-up warm-up), and every store answers. An outage of One Login is reported in
/// [`provider`](Self::provider) — each document's freshness, age and last error — but does not
/// make an instance unready: taking every instance out of the load balancer would turn One
/// Login's outage into the service's, while the instances can still serve pages and signed-in
/// people.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Health {
    /// How the provider's cached documents stand.
    pub provider: ProviderHealth,
    /// Whether a service proves identity, so that the DID document is needed.
    pub needs_did: bool,
    /// Each store and whether it answered.
    pub stores: Vec<StoreHealth>,
}

impl Health {
    /// Whether the documents sign-ins need have been fetched at least once: the discovery
    /// document and the JWKS, and the DID document when a service proves identity. A copy that is
    /// stale, or expired past the stale limit during an outage, still counts: the instance is
    /// warmed, and serves again the moment One Login answers.
    pub fn provider_warmed(&self) -> bool {
        let fetched = |f: Freshness| f != Freshness::Missing;
        fetched(self.provider.discovery.freshness)
            && fetched(self.provider.jwks.freshness)
            && (!self.needs_did || fetched(self.provider.did.freshness))
    }

    /// Whether every store answered.
    pub fn stores_reachable(&self) -> bool {
        self.stores.iter().all(StoreHealth::is_reachable)
    }

    /// Ready to serve: warmed, and every store reachable.
    pub fn is_ready(&self) -> bool {
        self.provider_warmed() && self.stores_reachable()
    }

    /// Adds a store the application holds (the web integration's session store, say).
    #[must_use]
    pub fn with_store(mut self, store: StoreHealth) -> Self {
        self.stores.push(store);
        self
    }

    /// The report as JSON, for a readiness endpoint: `ready`, each provider document's
    /// `freshness`, `age_seconds` and `last_error`, and each store's `role`, `services` and
    /// `error`. It names client ids' services and error codes: serve it on an admin address,
    /// never publicly.
    pub fn to_json(&self) -> Value {
        let documents: serde_json::Map<String, Value> = self
            .provider
            .iter()
            .map(|d| {
                (
                    d.document.as_str().to_owned(),
                    json!({
                        "freshness": d.freshness.as_str(),
                        "age_seconds": d.age_secs,
                        "last_error": d.last_error,
                    }),
                )
            })
            .collect();
        let stores: Vec<Value> = self
            .stores
            .iter()
            .map(|s| {
                json!({
                    "role": s.role.as_str(),
                    "services": s.services,
                    "reachable": s.is_reachable(),
                    "error": s.error,
                })
            })
            .collect();
        json!({
            "ready": self.is_ready(),
            "provider": {
                "issuer": self.provider.issuer,
                "warmed": self.provider_warmed(),
                "documents": documents,
            },
            "stores": stores,
        })
    }
}

impl OneLogin {
    /// How this instance stands: the provider's documents (from the cache, nothing is fetched)
    /// and a ping of every replay and state store (a store shared by several services is pinged
    /// once; all pings at once, within [`HEALTH_PING_TIMEOUT`]). See [`Health`] for what makes an
    /// instance ready.
    pub async fn health(&self) -> Health {
        self.health_checking(None).await
    }

    /// [`OneLogin::health`], pinging the web integration's session store too, at the same time as
    /// the others (`govuk-one-login-axum`'s `Auth::health` calls it).
    pub async fn health_with_sessions(&self, sessions: &dyn SessionStore) -> Health {
        self.health_checking(Some(sessions)).await
    }

    async fn health_checking(&self, sessions: Option<&dyn SessionStore>) -> Health {
        // Each distinct store, with the services that use it (all of them: an empty list).
        let mut distinct: Vec<(StoreRole, Arc<dyn ReplayStore>, Vec<String>)> = Vec::new();
        for rp in self.iter() {
            for (role, store) in [
                (StoreRole::LogoutTokens, rp.replay_store()),
                (StoreRole::States, rp.state_store()),
            ] {
                match distinct
                    .iter_mut()
                    .find(|(r, s, _)| *r == role && Arc::ptr_eq(s, store))
                {
                    Some((_, _, services)) => services.push(rp.name().to_owned()),
                    None => distinct.push((role, store.clone(), vec![rp.name().to_owned()])),
                }
            }
        }
        let all = self.iter().count();
        let mut pings: Vec<Pin<Box<dyn Future<Output = Option<&'static str>> + Send + '_>>> =
            distinct
                .iter()
                .map(|(_, store, _)| {
                    Box::pin(ping_code(store.ping(), ReplayStoreError::code)) as Pin<Box<_>>
                })
                .collect();
        if let Some(sessions) = sessions {
            pings.push(Box::pin(ping_code(
                sessions.ping(),
                SessionStoreError::code,
            )));
        }
        let mut errors = join_all(pings).await.into_iter();
        let mut stores: Vec<StoreHealth> = distinct
            .into_iter()
            .zip(errors.by_ref())
            .map(|((role, _, mut services), error)| {
                if services.len() == all {
                    services.clear();
                }
                StoreHealth::new(role, services, error)
            })
            .collect();
        if let Some(error) = errors.next() {
            stores.push(StoreHealth::new(StoreRole::Sessions, Vec::new(), error));
        }
        Health {
            provider: self.provider().health(),
            needs_did: self.needs_did(),
            stores,
        }
    }

    /// Whether a service proves identity, so that the DID document is needed.
    pub(crate) fn needs_did(&self) -> bool {
        self.iter().any(|rp| rp.config().identity_vtr().is_some())
    }
}
