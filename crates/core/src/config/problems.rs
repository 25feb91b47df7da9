//! What can be wrong with a configuration: the rules ([`ProblemKind`]), one broken rule
//! ([`ConfigProblem`]) and the loader's error ([`ConfigError`]).

use std::fmt;
use std::path::PathBuf;

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
    /// The egress proxy is not an http(s) URL with a host and no path.
    BadProxy,
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
    /// An empty key id (a key id left out defaults to the key's thumbprint).
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
    /// `token_auth.keys` together with `key_file`, `key_env` or `key_id`.
    MixedKeyForms,
    /// A key held by a signer without its public half, with a private key too, or a signer name
    /// that is empty or not printable ASCII; or a public key given without a signer.
    BadSigner,
    /// A `token_auth.keys` list with no current key, or several.
    CurrentKeyCount,
    /// Two keys of a service with the same `kid`.
    DuplicateKeyId,
    /// A key id with spaces, control or non-ASCII characters, or over 256 bytes.
    BadKeyId,
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
    /// A `[store]` kind other than `memory` or `redis`.
    UnknownStoreKind,
    /// A Redis setting in a `[store]` table of kind `memory`.
    StoreSettingWithoutRedis,
    /// A Redis store with no URL source, or both `url` and `url_env`.
    StoreUrlSourceCount,
    /// A Redis URL that does not parse, is not `redis://`/`rediss://`, or whose variable is unset.
    BadStoreUrl,
    /// Plain `redis://` to a host that is not loopback.
    InsecureStoreUrl,
    /// A key prefix that is empty, too long or holds spaces or control characters.
    BadStoreKeyPrefix,
    /// A store timeout of zero or beyond its maximum.
    StoreTimeoutOutOfRange,
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
            Self::BadProxy => "config.bad_proxy",
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
            Self::MixedKeyForms => "config.mixed_key_forms",
            Self::BadSigner => "config.bad_signer",
            Self::CurrentKeyCount => "config.current_key_count",
            Self::DuplicateKeyId => "config.duplicate_key_id",
            Self::BadKeyId => "config.bad_key_id",
            Self::BadSectorIdentifier => "config.bad_sector_identifier",
            Self::SeveralHostsWithoutSector => "config.several_hosts_without_sector",
            Self::GroupSectorMismatch => "config.group_sector_mismatch",
            Self::NonCanonicalHost => "config.non_canonical_host",
            Self::UnknownUiLocale => "config.unknown_ui_locale",
            Self::LeewayTooLarge => "config.leeway_too_large",
            Self::BadUserAgent => "config.bad_user_agent",
            Self::UnknownStoreKind => "config.unknown_store_kind",
            Self::StoreSettingWithoutRedis => "config.store_setting_without_redis",
            Self::StoreUrlSourceCount => "config.store_url_source_count",
            Self::BadStoreUrl => "config.bad_store_url",
            Self::InsecureStoreUrl => "config.insecure_store_url",
            Self::BadStoreKeyPrefix => "config.bad_store_key_prefix",
            Self::StoreTimeoutOutOfRange => "config.store_timeout_out_of_range",
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
///
/// `Debug` prints the same readable text as `Display` (every problem, one a line), so that
/// `fn main() -> Result<(), Box<dyn Error>>` ending on `?` shows the list, not the struct.
#[derive(thiserror::Error)]
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

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
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
