//! The errors of the discovery caches.

use std::time::Duration;

use govuk_one_login_core::{ClientAssertionAlgorithm, IdTokenAlgorithm, TransportError};
use govuk_one_login_verify::{DidError, JwksError};

/// Which of the provider's documents an error or a statistic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentKind {
    /// `<issuer>.well-known/openid-configuration`.
    Discovery,
    /// The `jwks_uri` from the discovery document (ID token and logout token keys).
    Jwks,
    /// The pinned DID document (core identity JWT keys).
    DidDocument,
}

impl DocumentKind {
    /// A short stable name: `discovery`, `jwks` or `did`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::DidDocument => "did",
        }
    }
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Discovery => "discovery document",
            Self::Jwks => "JWKS",
            Self::DidDocument => "DID document",
        })
    }
}

/// Why a provider document or key could not be obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The transport produced no response (timeout, connection, size cap, redirect...).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The provider answered with a status other than 2xx.
    #[error("{url} answered HTTP {status}: {body_excerpt}")]
    Status {
        /// The URL (without its query).
        url: String,
        /// The status code.
        status: u16,
        /// Up to 200 characters of the body.
        body_excerpt: String,
    },
    /// The body is not JSON, or not a JSON object.
    #[error("the {document} at {url} is not valid JSON at {path}: {reason}")]
    InvalidJson {
        /// Which document.
        document: DocumentKind,
        /// The URL (without its query).
        url: String,
        /// Where in the document (`$` for the document itself, `$.jwks_uri`...).
        path: String,
        /// What is wrong there.
        reason: String,
    },
    /// A required member of the discovery document is absent.
    #[error("the discovery document at {url} has no `{path}`")]
    MissingField {
        /// The URL (without its query).
        url: String,
        /// The member's JSON path, e.g. `$.jwks_uri`.
        path: String,
    },
    /// The discovery document names another issuer than the configured one.
    #[error(
        "the discovery document's issuer is `{actual}`, expected `{expected}` byte for byte; check the configured environment"
    )]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The document's issuer (at most 200 characters, control characters replaced).
        actual: String,
    },
    /// An endpoint is not https (plain http is accepted only for a loopback custom issuer).
    #[error("the discovery document's `{field}` is `{url}`, which is not https")]
    InsecureEndpoint {
        /// The member name, e.g. `token_endpoint`.
        field: &'static str,
        /// The URL given (at most 200 characters, control characters replaced).
        url: String,
    },
    /// No key with this `kid` in the JWKS, even after a refresh (or during the cool-down).
    #[error("no signing key with kid `{kid}` in the provider's JWKS")]
    UnknownKid {
        /// The `kid` looked for (at most 128 characters, control characters replaced).
        kid: String,
    },
    /// No verification method with this `kid` in the DID document, even after a refresh (or
    /// during the cool-down). One Login asks to be told of this: it may mean a forged identity.
    #[error("no verification method `{kid}` in the identity DID document")]
    UnknownIdentityKid {
        /// The `kid` looked for (at most 128 characters, control characters replaced).
        kid: String,
    },
    /// The JWKS or DID document holds no key fit for verifying signatures; the last-known-good
    /// copy, if any, is kept.
    #[error("the {document} at {url} has no usable signing key ({rejected} rejected)")]
    NoUsableKeys {
        /// Which document.
        document: DocumentKind,
        /// The URL (without its query).
        url: String,
        /// How many keys were present but unfit.
        rejected: usize,
    },
    /// A refresh failed and the last-known-good copy is older than the policy's `max_stale`.
    #[error(
        "the cached {document} expired {stale_for:?} ago, longer than the {max_stale:?} it may be served stale, and the refresh failed: {cause}"
    )]
    Stale {
        /// Which document.
        document: DocumentKind,
        /// How long ago the cached copy stopped being fresh.
        stale_for: Duration,
        /// The policy's `max_stale`.
        max_stale: Duration,
        /// Why the refresh failed.
        #[source]
        cause: Box<Self>,
    },
    /// The JWKS could not be parsed.
    #[error("the provider's JWKS is unusable: {0}")]
    Jwks(#[source] JwksError),
    /// The DID document could not be parsed or is for another DID.
    #[error("the identity DID document is unusable: {0}")]
    Did(#[source] DidError),
}

impl DiscoveryError {
    /// A stable machine-readable code, for metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Transport(e) => e.code(),
            Self::Status { .. } => "discovery.status",
            Self::InvalidJson { .. } => "discovery.invalid_json",
            Self::MissingField { .. } => "discovery.missing_field",
            Self::IssuerMismatch { .. } => "discovery.issuer_mismatch",
            Self::InsecureEndpoint { .. } => "discovery.insecure_endpoint",
            Self::UnknownKid { .. } => "discovery.unknown_kid",
            Self::UnknownIdentityKid { .. } => "discovery.unknown_identity_kid",
            Self::NoUsableKeys { .. } => "discovery.no_usable_keys",
            Self::Stale { .. } => "discovery.stale",
            Self::Jwks(e) => e.code(),
            Self::Did(e) => e.code(),
        }
    }

    /// Whether the provider (or the network to it) failed, as opposed to a document that was
    /// delivered but is wrong. Both are served stale-if-error; this is for alerting.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Transport(_) | Self::Status { .. } => true,
            Self::Stale { cause, .. } => cause.is_unavailable(),
            _ => false,
        }
    }
}

/// An algorithm a service is set up for that the provider's discovery document does not
/// advertise, found by [`ProviderMetadata::unsupported_algorithms`](crate::ProviderMetadata::unsupported_algorithms)
/// once the metadata is fetched (at warm-up), so that a misconfigured service is refused at
/// start-up rather than failing on its first sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsupportedAlgorithm {
    /// The service's `id_token_signing_alg` is not in `id_token_signing_alg_values_supported`.
    #[error(
        "service `{service}` expects ID tokens signed with {algorithm}, but the provider advertises {} in id_token_signing_alg_values_supported; set the service's id_token_signing_alg to the algorithm registered with One Login",
        shown_list(advertised)
    )]
    IdToken {
        /// The service's name.
        service: String,
        /// The algorithm it is set up for.
        algorithm: IdTokenAlgorithm,
        /// What the provider advertises (at most 16 values of 64 characters, control characters
        /// replaced).
        advertised: Vec<String>,
    },
    /// The service signs client assertions with an algorithm not in
    /// `token_endpoint_auth_signing_alg_values_supported`.
    #[error(
        "service `{service}` signs its client assertions with {algorithm}, but the provider advertises {} in token_endpoint_auth_signing_alg_values_supported; set the service's token_auth.alg to one of them",
        shown_list(advertised)
    )]
    ClientAssertion {
        /// The service's name.
        service: String,
        /// The algorithm it signs with.
        algorithm: ClientAssertionAlgorithm,
        /// What the provider advertises (bounded as for `IdToken`).
        advertised: Vec<String>,
    },
}

impl UnsupportedAlgorithm {
    /// A stable machine-readable code: `discovery.unsupported_id_token_alg` or
    /// `discovery.unsupported_client_assertion_alg`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::IdToken { .. } => "discovery.unsupported_id_token_alg",
            Self::ClientAssertion { .. } => "discovery.unsupported_client_assertion_alg",
        }
    }
}

fn shown_list(values: &[String]) -> String {
    if values.is_empty() {
        "none".into()
    } else {
        values.join(", ")
    }
}
