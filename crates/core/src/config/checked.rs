//! The checked configuration: [`Services`] on one provider and each [`ServiceConfig`], built only
//! by validation.

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use crate::environment::Environment;
use crate::secret::SecretString;
use crate::service_key::ServiceKey;
use crate::types::{
    ClaimName, ClientAssertionAlgorithm, ClientId, IdTokenAlgorithm, Scope, ServiceName, UiLocale,
};
use crate::vtr::VectorOfTrust;

/// How a service authenticates at the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `private_key_jwt`: a signed client assertion (One Login's default and the only method that
    /// allows identity).
    PrivateKeyJwt {
        /// The current RSA key and its `kid`: the one that signs (here, or in the signer that
        /// holds it).
        key: ServiceKey,
        /// RS256 or PS256.
        alg: ClientAssertionAlgorithm,
        /// The service's other keys (the next one, or one being retired): published in its
        /// JWKS, never signing.
        others: Vec<ServiceKey>,
    },
    /// `client_secret_post`: an exception for authentication-only platforms.
    ClientSecretPost {
        /// The secret.
        secret: SecretString,
    },
}

impl ClientAuth {
    /// The public JWK set of the service's keys, current first, to publish at its JWKS URL or
    /// register with One Login (`kty: RSA`, `n`, `e`, `kid`, `use: sig`, `alg`); `{"keys": []}`
    /// for `client_secret_post`.
    pub fn public_jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = match self {
            Self::PrivateKeyJwt { key, alg, others } => std::iter::once(key)
                .chain(others)
                .map(|k| k.public_jwk(alg.as_str()))
                .collect(),
            Self::ClientSecretPost { .. } => Vec::new(),
        };
        serde_json::json!({ "keys": keys })
    }

    /// The method's name as One Login knows it.
    pub fn method_name(&self) -> &'static str {
        match self {
            Self::PrivateKeyJwt { .. } => "private_key_jwt",
            Self::ClientSecretPost { .. } => "client_secret_post",
        }
    }
}

/// One checked service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub(super) name: ServiceName,
    pub(super) client_id: ClientId,
    pub(super) redirect_uris: Vec<Url>,
    pub(super) post_logout_redirect_uris: Vec<Url>,
    pub(super) back_channel_logout_uri: Option<Url>,
    pub(super) jwks_uri: Option<Url>,
    pub(super) scopes: Vec<Scope>,
    pub(super) claims: Vec<ClaimName>,
    pub(super) vtr: VectorOfTrust,
    pub(super) identity_vtr: Option<VectorOfTrust>,
    pub(super) id_token_alg: IdTokenAlgorithm,
    pub(super) client_auth: ClientAuth,
    pub(super) sector_identifier_uri: Option<Url>,
    pub(super) sector: String,
    pub(super) share_users_group: Option<String>,
    pub(super) ui_locales: Vec<UiLocale>,
    pub(super) pkce: bool,
    pub(super) request_objects: bool,
    pub(super) max_age: Option<u64>,
    pub(super) clock_leeway: Duration,
    pub(super) user_agent_suffix: Option<String>,
}

impl ServiceConfig {
    /// The service's name.
    pub fn name(&self) -> &ServiceName {
        &self.name
    }
    /// Its client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    /// Registered redirect URIs (the first is the default).
    pub fn redirect_uris(&self) -> &[Url] {
        &self.redirect_uris
    }
    /// The default redirect URI.
    pub fn default_redirect_uri(&self) -> &Url {
        // Validation guarantees at least one.
        &self.redirect_uris[0]
    }
    /// Registered post-logout redirect URIs.
    pub fn post_logout_redirect_uris(&self) -> &[Url] {
        &self.post_logout_redirect_uris
    }
    /// The back-channel logout URI, if registered.
    pub fn back_channel_logout_uri(&self) -> Option<&Url> {
        self.back_channel_logout_uri.as_ref()
    }
    /// The URL where the service publishes its public keys, if it does.
    pub fn jwks_uri(&self) -> Option<&Url> {
        self.jwks_uri.as_ref()
    }
    /// The scopes, `openid` first.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }
    /// The identity claims requested with the identity vector.
    pub fn claims(&self) -> &[ClaimName] {
        &self.claims
    }
    /// The sign-in vector of trust.
    pub fn vtr(&self) -> VectorOfTrust {
        self.vtr
    }
    /// The identity vector of trust, if the service proves identity.
    pub fn identity_vtr(&self) -> Option<VectorOfTrust> {
        self.identity_vtr
    }
    /// The ID-token signing algorithm registered for the service.
    pub fn id_token_alg(&self) -> IdTokenAlgorithm {
        self.id_token_alg
    }
    /// How the service authenticates at the token endpoint.
    pub fn client_auth(&self) -> &ClientAuth {
        &self.client_auth
    }
    /// The sector identifier URI, if set.
    pub fn sector_identifier_uri(&self) -> Option<&Url> {
        self.sector_identifier_uri.as_ref()
    }
    /// The sector host One Login derives for this service (services with the same sector see the
    /// same `sub` for a person).
    pub fn sector(&self) -> &str {
        &self.sector
    }
    /// The share-users group named in the services file.
    pub fn share_users_group(&self) -> Option<&str> {
        self.share_users_group.as_deref()
    }
    /// ui_locales to send.
    pub fn ui_locales(&self) -> &[UiLocale] {
        &self.ui_locales
    }
    /// Whether PKCE is used.
    pub fn pkce(&self) -> bool {
        self.pkce
    }
    /// Whether authorization requests are sent as signed request objects.
    pub fn request_objects(&self) -> bool {
        self.request_objects
    }
    /// `max_age` in seconds, if set.
    pub fn max_age(&self) -> Option<u64> {
        self.max_age
    }
    /// Clock leeway for time checks.
    pub fn clock_leeway(&self) -> Duration {
        self.clock_leeway
    }
    /// The User-Agent suffix.
    pub fn user_agent_suffix(&self) -> Option<&str> {
        self.user_agent_suffix.as_deref()
    }
    /// The full `User-Agent` header for this service's requests.
    pub fn user_agent(&self) -> String {
        crate::transport::user_agent(self.user_agent_suffix.as_deref())
    }
    /// Whether `uri` is one of the registered redirect URIs (exact match).
    pub fn has_redirect_uri(&self, uri: &Url) -> bool {
        self.redirect_uris.iter().any(|u| u == uri)
    }
}

/// Which engine the `[store]` table names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreKind {
    /// In this process's memory (the default): one instance only.
    Memory,
    /// A shared Redis: every instance of the deployment sees the same records.
    Redis,
}

impl StoreKind {
    /// The name the services file uses (`memory`, `redis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Redis => "redis",
        }
    }
}

/// The checked `[store]` table. Building the stores it names is the application's job (with
/// `govuk-one-login-redis` for `redis`): the facade never falls back to memory for a file that
/// says `redis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    pub(super) kind: StoreKind,
    pub(super) url: Option<SecretString>,
    pub(super) key_prefix: String,
    pub(super) connect_timeout: Duration,
    pub(super) command_timeout: Duration,
}

impl Default for StoreConfig {
    /// The in-memory stores, with the default prefix and timeouts.
    fn default() -> Self {
        Self {
            kind: StoreKind::Memory,
            url: None,
            key_prefix: super::DEFAULT_STORE_KEY_PREFIX.to_owned(),
            connect_timeout: super::DEFAULT_STORE_CONNECT_TIMEOUT,
            command_timeout: super::DEFAULT_STORE_COMMAND_TIMEOUT,
        }
    }
}

impl StoreConfig {
    /// A Redis store at `url` with the default prefix (`govuk-one-login:`) and timeouts (2 s to
    /// connect, 1 s per command), for a program that builds its configuration in code. The URL
    /// is not checked here: connecting reports a bad one.
    pub fn redis(url: impl Into<SecretString>) -> Self {
        Self {
            kind: StoreKind::Redis,
            url: Some(url.into()),
            ..Self::default()
        }
    }

    /// The same store with another key prefix.
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The same store with other timeouts.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, command: Duration) -> Self {
        self.connect_timeout = connect;
        self.command_timeout = command;
        self
    }

    /// Which engine.
    pub fn kind(&self) -> StoreKind {
        self.kind
    }
    /// The Redis URL (for `redis`). It may carry a password: never log it.
    pub fn url(&self) -> Option<&SecretString> {
        self.url.as_ref()
    }
    /// What every key name starts with.
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }
    /// How long connecting may take.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// How long one command may take.
    pub fn command_timeout(&self) -> Duration {
        self.command_timeout
    }
}

/// A checked set of services on one provider.
#[derive(Debug, Clone)]
pub struct Services {
    pub(super) environment: Environment,
    pub(super) services: Vec<ServiceConfig>,
    pub(super) proxy: Option<Url>,
    pub(super) no_proxy: Vec<String>,
    pub(super) store: StoreConfig,
}

impl Services {
    /// The provider environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }
    /// The egress proxy for requests to One Login, if one is configured. It may carry
    /// credentials: never log it.
    pub fn proxy(&self) -> Option<&Url> {
        self.proxy.as_ref()
    }
    /// Hosts reached without the proxy.
    pub fn no_proxy(&self) -> &[String] {
        &self.no_proxy
    }
    /// The `[store]` table: where replay records and sessions are shared (in memory when the
    /// file has none).
    pub fn store(&self) -> &StoreConfig {
        &self.store
    }
    /// Every service, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, ServiceConfig> {
        self.services.iter()
    }
    /// How many services.
    pub fn len(&self) -> usize {
        self.services.len()
    }
    /// Whether there are none (never true for a validated file).
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }
    /// A service by name.
    pub fn get(&self, name: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.name.as_str() == name)
    }
    /// A service by client id.
    pub fn by_client_id(&self, client_id: &str) -> Option<&ServiceConfig> {
        self.services
            .iter()
            .find(|s| s.client_id.as_str() == client_id)
    }
    /// Services grouped by sector: a person has the same `sub` in every service of a group.
    pub fn sectors(&self) -> BTreeMap<String, Vec<&ServiceConfig>> {
        let mut map: BTreeMap<String, Vec<&ServiceConfig>> = BTreeMap::new();
        for s in &self.services {
            map.entry(s.sector.clone()).or_default().push(s);
        }
        map
    }
}

impl<'a> IntoIterator for &'a Services {
    type Item = &'a ServiceConfig;
    type IntoIter = std::slice::Iter<'a, ServiceConfig>;
    fn into_iter(self) -> Self::IntoIter {
        self.services.iter()
    }
}
