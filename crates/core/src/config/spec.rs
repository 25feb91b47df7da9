//! The services file's shape: its plain serde types, as written.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::secret::SecretString;

/// A services file as written: provider settings, the services and (in the provider settings'
/// [`store`](ProviderSpec::store) field) the `[store]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(from = "FileRepr", into = "FileRepr")]
pub struct ServicesFile {
    /// Settings shared by every service.
    #[serde(default)]
    pub provider: ProviderSpec,
    /// One entry per service (`[[service]]` tables).
    #[serde(default, rename = "service")]
    pub services: Vec<ServiceSpec>,
    /// Where relative key files are resolved from (the file's folder when loaded from disk).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
}

/// The file as TOML has it: `[store]` is a top-level table beside `[provider]`. (In Rust it lives in
/// [`ProviderSpec::store`], so that a `ServicesFile { provider, services, base_dir }` literal
/// written before the table existed still compiles.)
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    #[serde(default)]
    provider: ProviderSpec,
    #[serde(default, rename = "service")]
    services: Vec<ServiceSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    store: Option<StoreSpec>,
}

impl From<FileRepr> for ServicesFile {
    fn from(repr: FileRepr) -> Self {
        let mut provider = repr.provider;
        provider.store = repr.store;
        Self {
            provider,
            services: repr.services,
            base_dir: None,
        }
    }
}

impl From<ServicesFile> for FileRepr {
    fn from(file: ServicesFile) -> Self {
        let mut provider = file.provider;
        let store = provider.store.take();
        Self {
            provider,
            services: file.services,
            store,
        }
    }
}

/// The `[store]` table: where used states, logout-token `jti`s and sessions are shared between
/// the instances of a deployment.
///
/// ```toml
/// [store]
/// kind = "redis"                      # or "memory" (the default: one process only)
/// url_env = "REDIS_URL"               # or url = "rediss://…"; never both
/// key_prefix = "apply-for-a-licence:" # default "govuk-one-login:"
/// connect_timeout_ms = 2000           # default 2000, at most 10000
/// command_timeout_ms = 1000           # default 1000, at most 5000
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StoreSpec {
    /// `memory` (the default) or `redis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The Redis URL (`rediss://` for TLS; `redis://` only on loopback). It may carry a password:
    /// prefer `url_env`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// An environment variable holding the Redis URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_env: Option<String>,
    /// What every key name starts with (default `govuk-one-login:`), so that several deployments
    /// can share one Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_prefix: Option<String>,
    /// How long connecting may take, in milliseconds (default 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    /// How long one command may take, in milliseconds (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_timeout_ms: Option<u64>,
}

/// The `[provider]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    /// `integration` (the default), `production` or `custom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The issuer of a `custom` environment, e.g. `http://localhost:3000/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The core identity issuer of a `custom` environment (defaults to `issuer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_issuer: Option<String>,
    /// The DID document URL of a `custom` environment (defaults to `<issuer>.well-known/did.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_document_url: Option<String>,
    /// The DID controller of a `custom` environment (defaults to `did:web:<DID URL host>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_controller: Option<String>,
    /// Default clock leeway in seconds for every service (30 unless set; at most 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_leeway_seconds: Option<u64>,
    /// Default User-Agent suffix for every service, e.g. `my-org/1.0 (https://my-org.gov.uk)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent_suffix: Option<String>,
    /// An egress proxy every request to One Login goes through, e.g.
    /// `http://proxy.internal:3128`. Never read from the environment: only this setting routes
    /// requests through a proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Hosts reached directly, not through `proxy` (host names, addresses or `*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_proxy: Vec<String>,
    /// The file's top-level `[store]` table (kept here in Rust, written beside `[provider]` in
    /// TOML): `None` means the in-memory stores of one process.
    #[serde(skip)]
    pub store: Option<StoreSpec>,
}

/// One `[[service]]` table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// A unique name for the service (used in logs, metrics and routes).
    pub name: String,
    /// The client id One Login assigned.
    pub client_id: String,
    /// Registered redirect URIs; the first is the default.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Registered post-logout redirect URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// The registered back-channel logout URI, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_channel_logout_uri: Option<String>,
    /// The URL where the service publishes its public keys (a JWKS), if One Login reads them
    /// there: the web integration serves the service's JWKS at its path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// Scopes: `openid` (required), `email`, `phone`, `wallet-subject-id`. Defaults to `["openid"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Identity claims to request with an identity vector (full `vocab.account.gov.uk` URIs or
    /// their short names, e.g. `coreIdentityJWT`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<String>,
    /// The vector of trust for sign-in, e.g. `Cl.Cm` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vtr: Option<String>,
    /// The vector of trust for identity, e.g. `Cl.Cm.P2`; unset for authentication-only services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_vtr: Option<String>,
    /// `ES256` (default) or `RS256`, as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_signing_alg: Option<String>,
    /// How the service authenticates at the token endpoint.
    #[serde(default)]
    pub token_auth: TokenAuthSpec,
    /// The sector identifier URI (https, host only), as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    /// Services naming the same group must share users (resolve to the same sector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_users_group: Option<String>,
    /// Languages for One Login's pages: `en`, `cy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_locales: Vec<String>,
    /// PKCE (S256); on unless set to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pkce: Option<bool>,
    /// Send authorization parameters in a signed request object (JAR); off unless set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_objects: Option<bool>,
    /// `max_age` in seconds, sent with every authorization request when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
    /// Clock leeway in seconds for this service (overrides the provider's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_leeway_seconds: Option<u64>,
    /// User-Agent suffix for this service (overrides the provider's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent_suffix: Option<String>,
}

/// The `token_auth` table of a service.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TokenAuthSpec {
    /// `private_key_jwt` (the default) or `client_secret_post`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// private_key_jwt: a PEM file with the RSA private key (relative to the services file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// private_key_jwt: an environment variable holding the PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_env: Option<String>,
    /// private_key_jwt: PEM text given in code (never read from the file).
    #[serde(skip)]
    pub key_pem: Option<SecretString>,
    /// private_key_jwt: the `kid` registered with the key; the key's RFC 7638 thumbprint when
    /// left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// private_key_jwt: the name of the signer (a KMS, an HSM) that holds the key, registered with
    /// `OneLoginBuilder::signer`; with `public_key_file` or `public_key_pem`, instead of a
    /// private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// private_key_jwt with `signer`: a PEM file with the key's public half (SubjectPublicKeyInfo,
    /// as a KMS exports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_file: Option<PathBuf>,
    /// private_key_jwt with `signer`: the public half's PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    /// private_key_jwt: several keys (for a rotation), exactly one of them `current`: the one
    /// that signs. All of them are published in the service's JWKS. Instead of `key_file`,
    /// `key_env` and `key_id`, never with them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeySpec>,
    /// private_key_jwt: `RS256` (default) or `PS256`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// client_secret_post: an environment variable holding the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_env: Option<String>,
    /// client_secret_post: a file holding the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_file: Option<PathBuf>,
    /// client_secret_post: the secret given in code (never read from the file).
    #[serde(skip)]
    pub secret: Option<SecretString>,
}

/// One key of a `token_auth.keys` list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// A PEM file with the RSA private key (relative to the services file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// An environment variable holding the PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_env: Option<String>,
    /// PEM text given in code (never read from the file).
    #[serde(skip)]
    pub key_pem: Option<SecretString>,
    /// The key's `kid`; its RFC 7638 thumbprint when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The name of the signer (a KMS, an HSM) that holds the key, instead of a private key;
    /// with `public_key_file` or `public_key_pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// With `signer`: a PEM file with the key's public half.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_file: Option<PathBuf>,
    /// With `signer`: the public half's PEM text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_pem: Option<String>,
    /// Whether this key signs (exactly one key of the list is current).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub current: bool,
}
