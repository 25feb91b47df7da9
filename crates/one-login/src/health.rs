//! Health and readiness: what an instance can serve now, from its own state.

use std::sync::Arc;

use govuk_one_login_core::ReplayStore;
use govuk_one_login_discovery::{Freshness, ProviderHealth};
use serde_json::{Value, json};

use crate::registry::OneLogin;

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
    /// The error code of a failed ping; `None` when the store answered.
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
    /// once). See [`Health`] for what makes an instance ready.
    pub async fn health(&self) -> Health {
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
        let mut stores = Vec::with_capacity(distinct.len());
        for (role, store, mut services) in distinct {
            let error = store.ping().await.err().map(|e| e.code());
            if services.len() == all {
                services.clear();
            }
            stores.push(StoreHealth::new(role, services, error));
        }
        Health {
            provider: self.provider().health(),
            needs_did: self.iter().any(|rp| rp.config().identity_vtr().is_some()),
            stores,
        }
    }
}
