//! Services files and their validation.
//!
//! A services file is TOML: one `[provider]` table shared by every service, then one `[[service]]`
//! table per service registered with One Login. [`ServicesFile`] is its plain, serde form (build it
//! in code if you prefer); [`ServicesFile::validate`] checks **everything** at once and returns the
//! checked [`Services`] or every [`ConfigProblem`], each naming the service, the field and the fix.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::environment::{Environment, EnvironmentError, is_loopback};
use crate::key::{KeySource, RsaPrivateKey};
use crate::secret::SecretString;
use crate::sector::{sector_host, service_sector_host, written_host};
use crate::types::{
    ClaimName, ClientAssertionAlgorithm, ClientId, IdTokenAlgorithm, Scope, ServiceName, UiLocale,
};
use crate::vtr::VectorOfTrust;

/// The default clock leeway for token time checks.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// The largest clock leeway a services file may set.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------------------------
// The file's shape
// ---------------------------------------------------------------------------------------------

/// A services file as written: provider settings and the services.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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
    /// private_key_jwt: the `kid` registered with the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
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

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/// What is wrong with a configuration. One variant per rule; [`ProblemKind::code`] is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The file has no services.
    NoServices,
    /// `environment` is not integration, production or custom.
    UnknownEnvironment,
    /// A custom environment without an issuer.
    MissingIssuer,
    /// Custom-only settings on integration or production.
    CustomSettingOnPublicEnvironment,
    /// A provider URL is invalid or insecure.
    BadProviderUrl,
    /// An empty name.
    EmptyName,
    /// Two services with one name.
    DuplicateName,
    /// An empty client id.
    EmptyClientId,
    /// Two services with one client id.
    DuplicateClientId,
    /// No redirect URIs.
    NoRedirectUri,
    /// A URI that does not parse as an absolute URL.
    InvalidUri,
    /// A scheme other than https (or http on loopback).
    BadScheme,
    /// Plain http on a host that is not loopback.
    InsecureHttp,
    /// A `#fragment` in a redirect URI.
    FragmentInUri,
    /// A back-channel logout URI One Login cannot reach.
    UnreachableBackChannel,
    /// `openid` missing from the scopes.
    MissingOpenId,
    /// An unknown scope.
    UnknownScope,
    /// An unknown claim.
    UnknownClaim,
    /// Identity claims without an identity vector of trust.
    ClaimsWithoutIdentity,
    /// A vector of trust that does not parse.
    InvalidVtr,
    /// `vtr` asking for identity (use `identity_vtr`).
    IdentityInSignInVtr,
    /// `identity_vtr` without a P level above P0.
    IdentityVtrWithoutIdentity,
    /// An unknown ID-token algorithm.
    UnknownIdTokenAlgorithm,
    /// An unknown token authentication method.
    UnknownTokenAuthMethod,
    /// An unknown client assertion algorithm.
    UnknownAssertionAlgorithm,
    /// client_secret_post with identity.
    SecretPostWithIdentity,
    /// client_secret_post with request objects.
    SecretPostWithRequestObjects,
    /// No key source, or several.
    KeySourceCount,
    /// No key id.
    MissingKeyId,
    /// A key that cannot be read or parsed.
    BadKey,
    /// An EC or other non-RSA key.
    NonRsaKey,
    /// An RSA key under 2048 bits.
    SmallRsaKey,
    /// No secret source, or several, or an unreadable one.
    BadSecret,
    /// A key setting on a client_secret_post service (or the reverse).
    MixedAuthSettings,
    /// A sector identifier URI One Login would refuse.
    BadSectorIdentifier,
    /// Redirect URIs on several hosts without a sector identifier URI.
    SeveralHostsWithoutSector,
    /// Services in one share-users group with different sectors.
    GroupSectorMismatch,
    /// A sector host not written as One Login hashes it.
    NonCanonicalHost,
    /// An unknown ui_locales value.
    UnknownUiLocale,
    /// A leeway beyond the maximum.
    LeewayTooLarge,
    /// A User-Agent suffix with control characters.
    BadUserAgent,
}

impl ProblemKind {
    /// A stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoServices => "config.no_services",
            Self::UnknownEnvironment => "config.unknown_environment",
            Self::MissingIssuer => "config.missing_issuer",
            Self::CustomSettingOnPublicEnvironment => "config.custom_setting_on_public_environment",
            Self::BadProviderUrl => "config.bad_provider_url",
            Self::EmptyName => "config.empty_name",
            Self::DuplicateName => "config.duplicate_name",
            Self::EmptyClientId => "config.empty_client_id",
            Self::DuplicateClientId => "config.duplicate_client_id",
            Self::NoRedirectUri => "config.no_redirect_uri",
            Self::InvalidUri => "config.invalid_uri",
            Self::BadScheme => "config.bad_scheme",
            Self::InsecureHttp => "config.insecure_http",
            Self::FragmentInUri => "config.fragment_in_uri",
            Self::UnreachableBackChannel => "config.unreachable_back_channel",
            Self::MissingOpenId => "config.missing_openid",
            Self::UnknownScope => "config.unknown_scope",
            Self::UnknownClaim => "config.unknown_claim",
            Self::ClaimsWithoutIdentity => "config.claims_without_identity",
            Self::InvalidVtr => "config.invalid_vtr",
            Self::IdentityInSignInVtr => "config.identity_in_sign_in_vtr",
            Self::IdentityVtrWithoutIdentity => "config.identity_vtr_without_identity",
            Self::UnknownIdTokenAlgorithm => "config.unknown_id_token_alg",
            Self::UnknownTokenAuthMethod => "config.unknown_token_auth_method",
            Self::UnknownAssertionAlgorithm => "config.unknown_assertion_alg",
            Self::SecretPostWithIdentity => "config.client_secret_post_with_identity",
            Self::SecretPostWithRequestObjects => "config.client_secret_post_with_request_objects",
            Self::KeySourceCount => "config.key_source_count",
            Self::MissingKeyId => "config.missing_key_id",
            Self::BadKey => "config.bad_key",
            Self::NonRsaKey => "config.non_rsa_key",
            Self::SmallRsaKey => "config.small_rsa_key",
            Self::BadSecret => "config.bad_secret",
            Self::MixedAuthSettings => "config.mixed_auth_settings",
            Self::BadSectorIdentifier => "config.bad_sector_identifier",
            Self::SeveralHostsWithoutSector => "config.several_hosts_without_sector",
            Self::GroupSectorMismatch => "config.group_sector_mismatch",
            Self::NonCanonicalHost => "config.non_canonical_host",
            Self::UnknownUiLocale => "config.unknown_ui_locale",
            Self::LeewayTooLarge => "config.leeway_too_large",
            Self::BadUserAgent => "config.bad_user_agent",
        }
    }
}

/// One problem in a configuration: which service, which field, what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The rule broken.
    pub kind: ProblemKind,
    /// The service's name (`None` for provider settings and the file as a whole).
    pub service: Option<String>,
    /// The field, as written in the services file (e.g. `token_auth.key_file`).
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.service {
            Some(s) => write!(f, "service `{s}`, field `{}`: ", self.field)?,
            None => write!(f, "field `{}`: ", self.field)?,
        }
        write!(
            f,
            "{} Fix: {} [{}]",
            self.message,
            self.fix,
            self.kind.code()
        )
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The services file could not be read.
    #[error("cannot read the services file {path}: {reason}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The services file is not valid TOML of the expected shape.
    #[error("the services file {path} is not valid: {reason}")]
    Parse {
        /// The path (or `<string>`).
        path: PathBuf,
        /// The parser's message, with line and column.
        reason: String,
    },
    /// The configuration broke one or more rules; every problem is listed.
    #[error("{}", render_problems(.0))]
    Invalid(Vec<ConfigProblem>),
}

impl ConfigError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } => "config.read",
            Self::Parse { .. } => "config.parse",
            Self::Invalid(_) => "config.invalid",
        }
    }

    /// The problems, when the configuration was invalid.
    pub fn problems(&self) -> &[ConfigProblem] {
        match self {
            Self::Invalid(p) => p,
            _ => &[],
        }
    }
}

fn render_problems(problems: &[ConfigProblem]) -> String {
    let mut out = format!("the configuration has {} problem(s):", problems.len());
    for p in problems {
        out.push_str("\n  - ");
        out.push_str(&p.to_string());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The checked configuration
// ---------------------------------------------------------------------------------------------

/// How a service authenticates at the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// `private_key_jwt`: a signed client assertion (One Login's default and the only method that
    /// allows identity).
    PrivateKeyJwt {
        /// The RSA key and its `kid`.
        key: RsaPrivateKey,
        /// RS256 or PS256.
        alg: ClientAssertionAlgorithm,
    },
    /// `client_secret_post`: an exception for authentication-only platforms.
    ClientSecretPost {
        /// The secret.
        secret: SecretString,
    },
}

impl ClientAuth {
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
    name: ServiceName,
    client_id: ClientId,
    redirect_uris: Vec<Url>,
    post_logout_redirect_uris: Vec<Url>,
    back_channel_logout_uri: Option<Url>,
    scopes: Vec<Scope>,
    claims: Vec<ClaimName>,
    vtr: VectorOfTrust,
    identity_vtr: Option<VectorOfTrust>,
    id_token_alg: IdTokenAlgorithm,
    client_auth: ClientAuth,
    sector_identifier_uri: Option<Url>,
    sector: String,
    share_users_group: Option<String>,
    ui_locales: Vec<UiLocale>,
    pkce: bool,
    request_objects: bool,
    max_age: Option<u64>,
    clock_leeway: Duration,
    user_agent_suffix: Option<String>,
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

/// A checked set of services on one provider.
#[derive(Debug, Clone)]
pub struct Services {
    environment: Environment,
    services: Vec<ServiceConfig>,
}

impl Services {
    /// The provider environment.
    pub fn environment(&self) -> &Environment {
        &self.environment
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

// ---------------------------------------------------------------------------------------------
// Loading and validation
// ---------------------------------------------------------------------------------------------

impl ServicesFile {
    /// Reads a services file; relative key paths resolve against its folder.
    ///
    /// # Errors
    /// [`ConfigError::Read`] or [`ConfigError::Parse`]. Call [`ServicesFile::validate`] next.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let mut file = Self::parse_toml(&text).map_err(|e| match e {
            ConfigError::Parse { reason, .. } => ConfigError::Parse {
                path: path.to_owned(),
                reason,
            },
            other => other,
        })?;
        file.base_dir = path.parent().map(Path::to_owned);
        Ok(file)
    }

    /// Parses TOML text.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] with the line and column of the first syntax error.
    pub fn parse_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<string>"),
            reason: e.to_string(),
        })
    }

    /// Writes the file back as TOML (secrets given in code are never written).
    ///
    /// # Errors
    /// [`ConfigError::Parse`] if serialisation fails (it does not for files built by this crate).
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("<string>"),
            reason: e.to_string(),
        })
    }

    /// Reads and validates a services file in one step.
    ///
    /// # Errors
    /// Any [`ConfigError`]; [`ConfigError::Invalid`] lists every problem at once.
    pub fn load(path: impl AsRef<Path>) -> Result<Services, ConfigError> {
        Self::read(path)?.validate()
    }

    /// Checks everything and returns the services, or every problem found.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with all problems.
    pub fn validate(&self) -> Result<Services, ConfigError> {
        let mut p = Problems::default();
        let environment = self.provider_environment(&mut p);
        if self.services.is_empty() {
            p.push(
                ProblemKind::NoServices,
                None,
                "service",
                "the file has no services.".into(),
                "add a [[service]] table with name, client_id, redirect_uris and token_auth."
                    .into(),
            );
        }
        let provider_leeway = self.provider.clock_leeway_seconds;
        if let Some(l) = provider_leeway {
            check_leeway(&mut p, None, "provider.clock_leeway_seconds", l);
        }
        if let Some(ua) = &self.provider.user_agent_suffix {
            check_user_agent(&mut p, None, "provider.user_agent_suffix", ua);
        }

        let env_kind = environment.as_ref().map(Environment::kind);
        let mut services = Vec::new();
        for spec in &self.services {
            if let Some(s) = validate_service(
                spec,
                &self.provider,
                env_kind,
                self.base_dir.as_deref(),
                &mut p,
            ) {
                services.push(s);
            }
        }
        check_uniqueness(&self.services, &mut p);
        check_groups(&services, &mut p);

        match environment {
            Some(environment) if p.0.is_empty() => Ok(Services {
                environment,
                services,
            }),
            _ => Err(ConfigError::Invalid(p.0)),
        }
    }

    fn provider_environment(&self, p: &mut Problems) -> Option<Environment> {
        let spec = &self.provider;
        let name = spec.environment.as_deref().unwrap_or("integration");
        let custom_fields = [
            ("provider.issuer", spec.issuer.is_some()),
            ("provider.identity_issuer", spec.identity_issuer.is_some()),
            ("provider.did_document_url", spec.did_document_url.is_some()),
            ("provider.did_controller", spec.did_controller.is_some()),
        ];
        let public = |p: &mut Problems| {
            for (field, set) in custom_fields {
                if set {
                    p.push(ProblemKind::CustomSettingOnPublicEnvironment, None, field,
                        format!("`{field}` only applies to environment = \"custom\"; the {name} environment's URLs are fixed."),
                        format!("remove `{field}`, or set environment = \"custom\"."));
                }
            }
        };
        match name {
            "integration" => {
                public(p);
                Some(Environment::integration())
            }
            "production" => {
                public(p);
                Some(Environment::production())
            }
            "custom" => {
                let Some(issuer) = spec.issuer.as_deref() else {
                    p.push(ProblemKind::MissingIssuer, None, "provider.issuer",
                        "a custom environment needs its issuer.".into(),
                        "set issuer, e.g. issuer = \"http://localhost:3000/\" for the GDS simulator.".into());
                    return None;
                };
                match Environment::custom(
                    issuer,
                    spec.identity_issuer.as_deref(),
                    spec.did_document_url.as_deref(),
                    spec.did_controller.as_deref(),
                ) {
                    Ok(env) => Some(env),
                    Err(e) => {
                        let fix = match e {
                            EnvironmentError::InsecureUrl { .. } => {
                                "use https, or a loopback host (127.0.0.1, ::1, localhost) for a local mock."
                            }
                            _ => "give an absolute https URL such as https://oidc.example.gov.uk/.",
                        };
                        p.push(
                            ProblemKind::BadProviderUrl,
                            None,
                            "provider",
                            format!("{e}."),
                            fix.into(),
                        );
                        None
                    }
                }
            }
            other => {
                p.push(
                    ProblemKind::UnknownEnvironment,
                    None,
                    "provider.environment",
                    format!("`{other}` is not an environment."),
                    "use \"integration\", \"production\" or \"custom\".".into(),
                );
                None
            }
        }
    }
}

#[derive(Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn push(
        &mut self,
        kind: ProblemKind,
        service: Option<&str>,
        field: &str,
        message: String,
        fix: String,
    ) {
        self.0.push(ConfigProblem {
            kind,
            service: service.map(str::to_owned),
            field: field.to_owned(),
            message,
            fix,
        });
    }
}

fn check_leeway(p: &mut Problems, service: Option<&str>, field: &str, seconds: u64) {
    if seconds > MAX_LEEWAY.as_secs() {
        p.push(
            ProblemKind::LeewayTooLarge,
            service,
            field,
            format!("a clock leeway of {seconds} s would accept expired tokens for too long."),
            format!(
                "use at most {} seconds (30 is usual).",
                MAX_LEEWAY.as_secs()
            ),
        );
    }
}

fn check_user_agent(p: &mut Problems, service: Option<&str>, field: &str, value: &str) {
    if value.chars().any(char::is_control) || !value.is_ascii() {
        p.push(ProblemKind::BadUserAgent, service, field,
            "the User-Agent suffix has control or non-ASCII characters, which are not allowed in an HTTP header.".into(),
            "use printable ASCII, e.g. \"my-service/1.0 (https://my-service.gov.uk)\".".into());
    }
}

/// Which kind of URI is being checked, for the rules that differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UriRole {
    Redirect,
    PostLogout,
    BackChannel,
}

fn check_uri(
    p: &mut Problems,
    service: &str,
    field: &str,
    value: &str,
    role: UriRole,
    env: Option<crate::environment::EnvironmentKind>,
) -> Option<Url> {
    let url = match Url::parse(value) {
        Ok(u) => u,
        Err(e) => {
            p.push(ProblemKind::InvalidUri, Some(service), field,
                format!("`{value}` is not an absolute URL ({e})."),
                "give the full URL as registered with One Login, e.g. https://my-service.gov.uk/auth/callback.".into());
            return None;
        }
    };
    let mut ok = true;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            p.push(
                ProblemKind::InsecureHttp,
                Some(service),
                field,
                format!("`{value}` uses http on a host that is not loopback."),
                "use https (http is only for 127.0.0.1, ::1 or localhost while developing).".into(),
            );
            ok = false;
        }
        other => {
            p.push(
                ProblemKind::BadScheme,
                Some(service),
                field,
                format!("`{value}` uses the `{other}` scheme."),
                "use an https URL.".into(),
            );
            ok = false;
        }
    }
    if url.fragment().is_some() {
        p.push(
            ProblemKind::FragmentInUri,
            Some(service),
            field,
            format!("`{value}` has a #fragment, which OAuth forbids in redirect URIs."),
            "remove the part from '#' on.".into(),
        );
        ok = false;
    }
    if role == UriRole::BackChannel
        && is_loopback(&url)
        && env.is_some_and(|k| k != crate::environment::EnvironmentKind::Custom)
    {
        p.push(ProblemKind::UnreachableBackChannel, Some(service), field,
            format!("`{value}` is a loopback address that One Login cannot reach."),
            "register an https URL reachable from the internet, or leave back_channel_logout_uri unset.".into());
        ok = false;
    }
    let _ = role == UriRole::PostLogout;
    ok.then_some(url)
}

#[allow(clippy::too_many_lines)] // One rule after another; splitting it would scatter the rules.
fn validate_service(
    spec: &ServiceSpec,
    provider: &ProviderSpec,
    env: Option<crate::environment::EnvironmentKind>,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ServiceConfig> {
    let start = p.0.len();
    let svc = if spec.name.trim().is_empty() {
        "<unnamed>"
    } else {
        spec.name.as_str()
    };
    let s = Some(svc);
    if spec.name.trim().is_empty() {
        p.push(
            ProblemKind::EmptyName,
            None,
            "service.name",
            "a service has no name.".into(),
            "give every [[service]] a unique name, e.g. name = \"apply-for-a-licence\".".into(),
        );
    }
    if spec.client_id.trim().is_empty() {
        p.push(ProblemKind::EmptyClientId, s, "client_id",
            "the client id is empty.".into(),
            "copy the client id One Login assigned to this service (admin tool, or GDS for production).".into());
    }

    // Redirect URIs
    if spec.redirect_uris.is_empty() {
        p.push(ProblemKind::NoRedirectUri, s, "redirect_uris",
            "the service has no redirect URI.".into(),
            "add the redirect URIs registered with One Login, e.g. redirect_uris = [\"https://my-service.gov.uk/auth/callback\"].".into());
    }
    let redirect_uris: Vec<Url> = spec
        .redirect_uris
        .iter()
        .filter_map(|u| check_uri(p, svc, "redirect_uris", u, UriRole::Redirect, env))
        .collect();
    let post_logout_redirect_uris: Vec<Url> = spec
        .post_logout_redirect_uris
        .iter()
        .filter_map(|u| {
            check_uri(
                p,
                svc,
                "post_logout_redirect_uris",
                u,
                UriRole::PostLogout,
                env,
            )
        })
        .collect();
    let back_channel_logout_uri = spec.back_channel_logout_uri.as_deref().and_then(|u| {
        check_uri(
            p,
            svc,
            "back_channel_logout_uri",
            u,
            UriRole::BackChannel,
            env,
        )
    });

    // Scopes
    let raw_scopes = spec.scopes.clone().unwrap_or_else(|| vec!["openid".into()]);
    let mut scopes = Vec::new();
    for raw in &raw_scopes {
        match raw.parse::<Scope>() {
            Ok(sc) if !scopes.contains(&sc) => scopes.push(sc),
            Ok(_) => {}
            Err(()) => p.push(ProblemKind::UnknownScope, s, "scopes",
                format!("`{raw}` is not a scope One Login offers."),
                "use only openid, email, phone and wallet-subject-id (space-free, one per list entry).".into()),
        }
    }
    if !scopes.contains(&Scope::OpenId) {
        p.push(
            ProblemKind::MissingOpenId,
            s,
            "scopes",
            "the scopes do not include openid, which One Login requires.".into(),
            "add \"openid\" to scopes.".into(),
        );
    }
    scopes.sort();

    // Vectors of trust
    let vtr = match spec.vtr.as_deref() {
        None => Some(VectorOfTrust::AUTH_MEDIUM),
        Some(v) => match v.parse::<VectorOfTrust>() {
            Ok(v) if v.requests_identity() => {
                p.push(ProblemKind::IdentityInSignInVtr, s, "vtr",
                    format!("`{v}` asks for identity in the sign-in vector."),
                    "set vtr = \"Cl.Cm\" and put the identity vector in identity_vtr (One Login recommends separate sign-in and identity requests).".into());
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                p.push(
                    ProblemKind::InvalidVtr,
                    s,
                    "vtr",
                    format!("{e}."),
                    "use Cl or Cl.Cm.".into(),
                );
                None
            }
        },
    };
    let identity_vtr = match spec.identity_vtr.as_deref() {
        None => None,
        Some(v) => {
            match v.parse::<VectorOfTrust>() {
                Ok(v) if v.requests_identity() => Some(v),
                Ok(v) => {
                    p.push(ProblemKind::IdentityVtrWithoutIdentity, s, "identity_vtr",
                    format!("`{v}` does not ask for an identity level above P0."),
                    "use Cl.Cm.P2 (or Cl.Cm.P1 / Cl.Cm.P3 as registered), or remove identity_vtr.".into());
                    None
                }
                Err(e) => {
                    p.push(
                        ProblemKind::InvalidVtr,
                        s,
                        "identity_vtr",
                        format!("{e}."),
                        "use Cl.Cm.P2 (medium identity), Cl.Cm.P1 or Cl.Cm.P3.".into(),
                    );
                    None
                }
            }
        }
    };
    let wants_identity = spec.identity_vtr.is_some();

    // Claims
    let mut claims = Vec::new();
    for raw in &spec.claims {
        match ClaimName::parse(raw) {
            Some(c) if !claims.contains(&c) => claims.push(c),
            Some(_) => {}
            None => p.push(ProblemKind::UnknownClaim, s, "claims",
                format!("`{raw}` is not a claim One Login offers."),
                "use https://vocab.account.gov.uk/v1/ followed by coreIdentityJWT, address, passport, drivingPermit or returnCode.".into()),
        }
    }
    if !spec.claims.is_empty() && !wants_identity {
        p.push(ProblemKind::ClaimsWithoutIdentity, s, "claims",
            "identity claims are listed but the service has no identity vector of trust, so One Login would never release them.".into(),
            "set identity_vtr = \"Cl.Cm.P2\", or remove claims.".into());
    }
    // Identity is proven by the core identity JWT: without it an identity request could never
    // return one, so an identity service always asks for it.
    if wants_identity && !claims.contains(&ClaimName::CoreIdentityJwt) {
        claims.insert(0, ClaimName::CoreIdentityJwt);
    }

    // ID token algorithm
    let id_token_alg = match spec.id_token_signing_alg.as_deref() {
        None | Some("ES256") => IdTokenAlgorithm::ES256,
        Some("RS256") => IdTokenAlgorithm::RS256,
        Some(other) => {
            p.push(
                ProblemKind::UnknownIdTokenAlgorithm,
                s,
                "id_token_signing_alg",
                format!("`{other}` is not an ID-token algorithm One Login uses."),
                "use \"ES256\" (the default) or \"RS256\", as registered for the service.".into(),
            );
            IdTokenAlgorithm::ES256
        }
    };

    let request_objects = spec.request_objects.unwrap_or(false);
    let client_auth = validate_token_auth(
        &spec.token_auth,
        svc,
        wants_identity,
        request_objects,
        base_dir,
        p,
    );

    // Sector
    let sector_identifier_uri =
        spec.sector_identifier_uri
            .as_deref()
            .and_then(|raw| match Url::parse(raw) {
                Ok(u)
                    if u.scheme() == "https"
                        && matches!(u.path(), "" | "/")
                        && u.query().is_none()
                        && u.fragment().is_none()
                        && u.username().is_empty()
                        && u.password().is_none()
                        && sector_host(&u).is_some() =>
                {
                    Some(u)
                }
                Ok(_) => {
                    p.push(
                    ProblemKind::BadSectorIdentifier,
                    s,
                    "sector_identifier_uri",
                    format!(
                        "`{}` is not an https URL with a host and no credentials, path, query or fragment.",
                        redact_userinfo(raw)
                    ),
                    "use the form https://my-department.gov.uk (only the host is used).".into(),
                );
                    None
                }
                Err(e) => {
                    p.push(
                        ProblemKind::BadSectorIdentifier,
                        s,
                        "sector_identifier_uri",
                        format!("`{raw}` is not a URL ({e})."),
                        "use the form https://my-department.gov.uk (only the host is used).".into(),
                    );
                    None
                }
            });
    if spec.sector_identifier_uri.is_none() {
        let mut hosts: Vec<String> = redirect_uris.iter().filter_map(sector_host).collect();
        hosts.dedup();
        hosts.sort();
        hosts.dedup();
        if hosts.len() > 1 {
            p.push(ProblemKind::SeveralHostsWithoutSector, s, "sector_identifier_uri",
                format!("the redirect URIs span several hosts ({}) and no sector identifier URI is set, which One Login refuses.", hosts.join(", ")),
                "set sector_identifier_uri to an https URL whose host names your sector, e.g. https://my-department.gov.uk.".into());
        }
    }
    // One Login hashes the host as registered: a host written in capitals, with a trailing dot or
    // in Unicode would give a different `sub` from the one this library (and the testkit) derive.
    let sector_source = match &spec.sector_identifier_uri {
        Some(raw) => Some(("sector_identifier_uri", raw.as_str())),
        None => spec
            .redirect_uris
            .first()
            .map(|r| ("redirect_uris", r.as_str())),
    };
    if let Some((field, raw)) = sector_source
        && let (Some(written), Ok(url)) = (written_host(raw), Url::parse(raw))
        && (url.host_str().is_some_and(|h| h != written) || written.ends_with('.'))
    {
        p.push(
            ProblemKind::NonCanonicalHost,
            s,
            field,
            format!("the host `{written}` is not written as One Login hashes it for the sector."),
            format!(
                "write it exactly as `{}` (lower case, ASCII/punycode, no trailing dot), here and at registration.",
                sector_host(&url).unwrap_or_default()
            ),
        );
    }
    let sector =
        service_sector_host(sector_identifier_uri.as_ref(), &redirect_uris).unwrap_or_default();
    if sector.is_empty() && !redirect_uris.is_empty() && p.0.len() == start {
        p.push(
            ProblemKind::BadSectorIdentifier,
            s,
            "redirect_uris",
            "no sector host can be derived from the first redirect URI.".into(),
            "use a redirect URI with a real host name, or set sector_identifier_uri.".into(),
        );
    }

    // Locales
    let mut ui_locales = Vec::new();
    for raw in &spec.ui_locales {
        match UiLocale::parse(raw) {
            Some(l) => ui_locales.push(l),
            None => p.push(
                ProblemKind::UnknownUiLocale,
                s,
                "ui_locales",
                format!("`{raw}` is not a language One Login offers."),
                "use \"en\" and/or \"cy\".".into(),
            ),
        }
    }

    let leeway_secs = spec.clock_leeway_seconds.or(provider.clock_leeway_seconds);
    if let Some(l) = spec.clock_leeway_seconds {
        check_leeway(p, s, "clock_leeway_seconds", l);
    }
    let user_agent_suffix = spec
        .user_agent_suffix
        .clone()
        .or_else(|| provider.user_agent_suffix.clone());
    if let Some(ua) = &spec.user_agent_suffix {
        check_user_agent(p, s, "user_agent_suffix", ua);
    }

    if p.0.len() != start {
        return None;
    }
    Some(ServiceConfig {
        name: ServiceName::new(spec.name.clone()),
        client_id: ClientId::new(spec.client_id.clone()),
        redirect_uris,
        post_logout_redirect_uris,
        back_channel_logout_uri,
        scopes,
        claims,
        vtr: vtr?,
        identity_vtr,
        id_token_alg,
        client_auth: client_auth?,
        sector_identifier_uri,
        sector,
        share_users_group: spec.share_users_group.clone(),
        ui_locales,
        pkce: spec.pkce.unwrap_or(true),
        request_objects,
        max_age: spec.max_age_seconds,
        clock_leeway: leeway_secs.map_or(DEFAULT_LEEWAY, Duration::from_secs),
        user_agent_suffix,
    })
}

fn validate_token_auth(
    spec: &TokenAuthSpec,
    svc: &str,
    wants_identity: bool,
    request_objects: bool,
    base_dir: Option<&Path>,
    p: &mut Problems,
) -> Option<ClientAuth> {
    let s = Some(svc);
    match spec.method.as_deref().unwrap_or("private_key_jwt") {
        "private_key_jwt" => {
            for (field, set) in [
                ("token_auth.secret_env", spec.secret_env.is_some()),
                ("token_auth.secret_file", spec.secret_file.is_some()),
            ] {
                if set {
                    p.push(
                        ProblemKind::MixedAuthSettings,
                        s,
                        field,
                        format!("`{field}` is set but the method is private_key_jwt."),
                        format!("remove `{field}`, or set method = \"client_secret_post\"."),
                    );
                }
            }
            let alg = match spec.alg.as_deref() {
                None | Some("RS256") => Some(ClientAssertionAlgorithm::RS256),
                Some("PS256") => Some(ClientAssertionAlgorithm::PS256),
                Some(other) => {
                    p.push(ProblemKind::UnknownAssertionAlgorithm, s, "token_auth.alg",
                        format!("`{other}` cannot sign client assertions; One Login verifies them with RSA only."),
                        "use \"RS256\" (the default) or \"PS256\".".into());
                    None
                }
            };
            let key_id = spec.key_id.as_deref().filter(|k| !k.trim().is_empty());
            if key_id.is_none() {
                p.push(ProblemKind::MissingKeyId, s, "token_auth.key_id",
                    "the key id (kid) is missing.".into(),
                    "set key_id to the kid of the public key registered with One Login (required when One Login reads your keys from a JWKS URL).".into());
            }
            let sources: Vec<KeySource> = [
                spec.key_file.clone().map(KeySource::File),
                spec.key_env.clone().map(KeySource::Env),
                spec.key_pem.clone().map(KeySource::Pem),
            ]
            .into_iter()
            .flatten()
            .collect();
            if sources.len() != 1 {
                p.push(ProblemKind::KeySourceCount, s, "token_auth.key_file",
                    if sources.is_empty() { "no private key is given for private_key_jwt.".into() } else { "more than one private key source is given.".into() },
                    "give exactly one of key_file (a PEM file) or key_env (a variable holding the PEM), or the PEM in code.".into());
                return None;
            }
            let field = match &sources[0] {
                KeySource::File(_) => "token_auth.key_file",
                KeySource::Env(_) => "token_auth.key_env",
                KeySource::Pem(_) => "token_auth.key_pem",
            };
            let key = match RsaPrivateKey::load(&sources[0], key_id.unwrap_or_default(), base_dir) {
                Ok(k) => Some(k),
                Err(e) => {
                    let (kind, fix) = match e {
                        crate::key::KeyError::NotRsa { .. } => (
                            ProblemKind::NonRsaKey,
                            "generate an RSA key: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem, and register its public half.",
                        ),
                        crate::key::KeyError::TooSmall { .. } => (
                            ProblemKind::SmallRsaKey,
                            "generate a 2048-bit (or larger) RSA key and register its public half.",
                        ),
                        crate::key::KeyError::Unreadable { .. } => (
                            ProblemKind::BadKey,
                            "check the path (relative paths start at the services file's folder) and the file's permissions.",
                        ),
                        crate::key::KeyError::EnvMissing { .. } => (
                            ProblemKind::BadKey,
                            "export the variable with the PEM text before starting the service.",
                        ),
                        _ => (
                            ProblemKind::BadKey,
                            "give an unencrypted PEM RSA private key (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY).",
                        ),
                    };
                    p.push(kind, s, field, format!("{e}."), fix.into());
                    None
                }
            };
            Some(ClientAuth::PrivateKeyJwt {
                key: key?,
                alg: alg?,
            })
            .filter(|_| key_id.is_some())
        }
        "client_secret_post" => {
            if wants_identity {
                p.push(ProblemKind::SecretPostWithIdentity, s, "token_auth.method",
                    "client_secret_post cannot be used by a service that proves identity.".into(),
                    "use method = \"private_key_jwt\" with an RSA key, or remove identity_vtr and claims.".into());
            }
            if request_objects {
                p.push(ProblemKind::SecretPostWithRequestObjects, s, "request_objects",
                    "request objects are signed with the service's RSA key, which client_secret_post services do not have.".into(),
                    "set request_objects = false, or use private_key_jwt.".into());
            }
            for (field, set) in [
                ("token_auth.key_file", spec.key_file.is_some()),
                ("token_auth.key_env", spec.key_env.is_some()),
                ("token_auth.key_id", spec.key_id.is_some()),
                ("token_auth.alg", spec.alg.is_some()),
            ] {
                if set {
                    p.push(
                        ProblemKind::MixedAuthSettings,
                        s,
                        field,
                        format!("`{field}` is set but the method is client_secret_post."),
                        format!("remove `{field}`, or set method = \"private_key_jwt\"."),
                    );
                }
            }
            let count = usize::from(spec.secret_env.is_some())
                + usize::from(spec.secret_file.is_some())
                + usize::from(spec.secret.is_some());
            if count != 1 {
                p.push(ProblemKind::BadSecret, s, "token_auth.secret_env",
                    if count == 0 { "no client secret is given.".into() } else { "more than one client secret source is given.".into() },
                    "give exactly one of secret_env (a variable) or secret_file, or the secret in code.".into());
                return None;
            }
            let secret = if let Some(var) = &spec.secret_env {
                std::env::var(var).map(SecretString::new).map_err(|_| {
                    (
                        "token_auth.secret_env",
                        format!("the environment variable {var} is not set."),
                        "export the variable with the client secret before starting the service.",
                    )
                })
            } else if let Some(path) = &spec.secret_file {
                let full = match base_dir {
                    Some(d) if path.is_relative() => d.join(path),
                    _ => path.clone(),
                };
                crate::key::read_secret_file(&full)
                    .map(|t| SecretString::new(t.trim()))
                    .map_err(|e| {
                        (
                            "token_auth.secret_file",
                            format!("cannot read {}: {e}.", full.display()),
                            "check the path (relative paths start at the services file's folder).",
                        )
                    })
            } else {
                Ok(spec.secret.clone().unwrap_or_else(|| SecretString::new("")))
            };
            match secret {
                Ok(secret) if !secret.is_empty() => Some(ClientAuth::ClientSecretPost { secret }),
                Ok(_) => {
                    p.push(
                        ProblemKind::BadSecret,
                        s,
                        "token_auth.secret_env",
                        "the client secret is empty.".into(),
                        "give the secret whose Argon2id hash you sent to One Login.".into(),
                    );
                    None
                }
                Err((field, message, fix)) => {
                    p.push(ProblemKind::BadSecret, s, field, message, fix.into());
                    None
                }
            }
        }
        other => {
            p.push(ProblemKind::UnknownTokenAuthMethod, s, "token_auth.method",
                format!("`{other}` is not a token authentication method One Login offers."),
                "use \"private_key_jwt\" (the default) or \"client_secret_post\" (authentication-only platforms).".into());
            None
        }
    }
}

fn redact_userinfo(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            format!("{u} (credentials removed)")
        }
        _ => raw.to_owned(),
    }
}

fn check_uniqueness(specs: &[ServiceSpec], p: &mut Problems) {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut ids: HashMap<&str, &str> = HashMap::new();
    for spec in specs {
        if !spec.name.trim().is_empty() {
            let n = names.entry(spec.name.as_str()).or_default();
            *n += 1;
            if *n == 2 {
                p.push(
                    ProblemKind::DuplicateName,
                    Some(&spec.name),
                    "name",
                    format!("two services are named `{}`.", spec.name),
                    "give each [[service]] its own name.".into(),
                );
            }
        }
        if !spec.client_id.trim().is_empty() {
            if let Some(first) = ids.get(spec.client_id.as_str()) {
                p.push(
                    ProblemKind::DuplicateClientId,
                    Some(&spec.name),
                    "client_id",
                    format!("the client id is also used by service `{first}`."),
                    "register each service separately with One Login and use its own client id."
                        .into(),
                );
            } else {
                ids.insert(spec.client_id.as_str(), spec.name.as_str());
            }
        }
    }
}

fn check_groups(services: &[ServiceConfig], p: &mut Problems) {
    let mut groups: BTreeMap<&str, Vec<&ServiceConfig>> = BTreeMap::new();
    for s in services {
        if let Some(g) = s.share_users_group.as_deref() {
            groups.entry(g).or_default().push(s);
        }
    }
    for (group, members) in groups {
        let first = members[0];
        for m in &members[1..] {
            if m.sector != first.sector {
                p.push(ProblemKind::GroupSectorMismatch, Some(m.name.as_str()), "sector_identifier_uri",
                    format!("the service is in share-users group `{group}` but its sector is `{}` while `{}`'s is `{}`, so One Login would give a person different subjects in each.",
                        m.sector, first.name, first.sector),
                    format!("give every service of group `{group}` the same sector_identifier_uri (e.g. https://{}), before any user signs in.", first.sector));
            }
        }
    }
}
