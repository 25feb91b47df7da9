//! The provider's state, shared by every responder behind one mutex.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use govuk_one_login_core::{
    ClaimName, ClientAuth, Clock, IdTokenAlgorithm, IdentityLevel, Scope, SecretString,
    ServiceConfig, Url, VectorOfTrust,
};

use crate::faults::Faults;
use crate::jwt::{RsaPublic, SigningKey};
use crate::record::RecordedRequest;
use crate::user::MockUser;

/// How long an authorization code lives (One Login's default).
pub(crate) const CODE_LIFETIME: i64 = 300;
/// How long an access token lives.
pub(crate) const ACCESS_TOKEN_LIFETIME: i64 = 180;
/// How long an ID token lives.
pub(crate) const ID_TOKEN_LIFETIME: i64 = 120;
/// How long a logout token lives.
pub(crate) const LOGOUT_TOKEN_LIFETIME: i64 = 120;
/// How long a core identity JWT lives (One Login's docs: 30 minutes).
pub(crate) const CORE_IDENTITY_LIFETIME: i64 = 1800;
/// The clock skew One Login allows on client assertions and request objects.
pub(crate) const ASSERTION_SKEW: i64 = 30;

/// How a registered client authenticates at `/token`.
#[derive(Debug, Clone)]
pub(crate) enum RegisteredAuth {
    /// The public keys One Login knows for the service: its current key, and the others its
    /// JWKS publishes when it has a `jwks_uri`.
    PrivateKeyJwt(Vec<RsaPublic>),
    /// The keys the client publishes at this JWKS URL, fetched when an assertion or a request
    /// object names a `kid` the provider has not seen (the simulator's `publicKeySource: JWKS`).
    Jwks(Url),
    ClientSecretPost(SecretString),
    /// An Argon2id hash of the client secret in PHC form (the simulator's `CLIENT_SECRET_HASH`).
    ClientSecretHash(String),
}

impl RegisteredAuth {
    /// Whether the client authenticates with a secret (and so may not prove identity).
    pub(crate) fn is_secret(&self) -> bool {
        matches!(self, Self::ClientSecretPost(_) | Self::ClientSecretHash(_))
    }
}

/// A client as the provider has it registered.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) client_id: String,
    pub(crate) redirect_uris: Vec<Url>,
    pub(crate) post_logout_redirect_uris: Vec<Url>,
    pub(crate) auth: RegisteredAuth,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) claims: Vec<ClaimName>,
    pub(crate) id_token_alg: IdTokenAlgorithm,
    pub(crate) sector: String,
    pub(crate) identity_allowed: bool,
    pub(crate) allowed_levels: Vec<IdentityLevel>,
    pub(crate) pkce_enforced: bool,
    pub(crate) jar_required: bool,
    /// Where a sign-out at `/logout` delivers a back-channel logout token, when the provider
    /// delivers them (the standalone server does; the in-process mock leaves it to the test).
    pub(crate) back_channel_logout_uri: Option<Url>,
}

impl Client {
    pub(crate) fn from_service(service: &ServiceConfig) -> Self {
        let auth = match service.client_auth() {
            // With a JWKS URL One Login knows every key the service publishes; with a static
            // key, only the one registered (the current one).
            ClientAuth::PrivateKeyJwt { key, others, .. } => {
                let published = if service.jwks_uri().is_some() {
                    others.as_slice()
                } else {
                    &[]
                };
                RegisteredAuth::PrivateKeyJwt(
                    std::iter::once(key)
                        .chain(published)
                        .filter_map(RsaPublic::from_service_key)
                        .collect(),
                )
            }
            ClientAuth::ClientSecretPost { secret } => {
                RegisteredAuth::ClientSecretPost(secret.clone())
            }
        };
        let mut allowed_levels: Vec<IdentityLevel> = [Some(service.vtr()), service.identity_vtr()]
            .into_iter()
            .flatten()
            .filter_map(|v| v.identity())
            .collect();
        allowed_levels.dedup();
        Self {
            client_id: service.client_id().as_str().to_owned(),
            redirect_uris: service.redirect_uris().to_vec(),
            post_logout_redirect_uris: service.post_logout_redirect_uris().to_vec(),
            auth,
            scopes: service.scopes().to_vec(),
            claims: service.claims().to_vec(),
            id_token_alg: service.id_token_alg(),
            sector: service.sector().to_owned(),
            identity_allowed: service.identity_vtr().is_some(),
            allowed_levels,
            pkce_enforced: service.pkce(),
            jar_required: service.request_objects(),
            back_channel_logout_uri: service.back_channel_logout_uri().cloned(),
        }
    }
}

/// Why no key can check a client's JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoKeys {
    /// The client authenticates with a secret.
    SecretClient,
    /// Its keys come from a JWKS and the JWT header names no `kid`.
    NoKid,
    /// No key with the header's `kid` in the client's JWKS.
    UnknownKid,
}

impl State {
    /// The keys that may have signed a JWT of `client` whose header names `kid`: the registered
    /// ones, or for a JWKS client the fetched key with that `kid` (the simulator requires one).
    pub(crate) fn verification_keys(
        &self,
        client: &Client,
        kid: Option<&str>,
    ) -> Result<Vec<RsaPublic>, NoKeys> {
        match &client.auth {
            RegisteredAuth::PrivateKeyJwt(keys) => Ok(keys.clone()),
            RegisteredAuth::Jwks(url) => {
                let kid = kid.ok_or(NoKeys::NoKid)?;
                let keys: Vec<RsaPublic> = self
                    .client_jwks
                    .get(url.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .cloned()
                    .collect();
                if keys.is_empty() {
                    Err(NoKeys::UnknownKid)
                } else {
                    Ok(keys)
                }
            }
            RegisteredAuth::ClientSecretPost(_) | RegisteredAuth::ClientSecretHash(_) => {
                Err(NoKeys::SecretClient)
            }
        }
    }
}

/// What an authorization code stands for.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) nonce: String,
    pub(crate) vector: VectorOfTrust,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) claims: Vec<ClaimName>,
    pub(crate) code_challenge: Option<String>,
    pub(crate) issued_at: i64,
    pub(crate) auth_time: i64,
    pub(crate) sid: String,
    pub(crate) user: MockUser,
    pub(crate) used: bool,
    /// Access tokens issued for it, revoked if the code is replayed (RFC 6749 §4.1.2).
    pub(crate) access_tokens: Vec<String>,
}

/// What an access token stands for.
#[derive(Debug, Clone)]
pub(crate) struct AccessGrant {
    pub(crate) client_id: String,
    pub(crate) sector: String,
    pub(crate) vector: VectorOfTrust,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) claims: Vec<ClaimName>,
    pub(crate) expires_at: i64,
    pub(crate) user: MockUser,
}

/// The provider's keys.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    /// Published in the JWKS (ID-token and logout-token keys), in publication order.
    pub(crate) jwks: Vec<Arc<SigningKey>>,
    /// The ES256 key ID tokens (and logout tokens) are signed with now.
    pub(crate) id_es256: Arc<SigningKey>,
    /// The RS256 key ID tokens of RS256 clients are signed with now.
    pub(crate) id_rs256: Arc<SigningKey>,
    /// Published in the DID document.
    pub(crate) did: Vec<Arc<SigningKey>>,
    /// The core identity signing key now.
    pub(crate) identity: Arc<SigningKey>,
    /// A key never published, for unknown-kid faults.
    pub(crate) unpublished: Arc<SigningKey>,
}

impl Keys {
    pub(crate) fn id_key(&self, alg: IdTokenAlgorithm) -> &Arc<SigningKey> {
        match alg {
            IdTokenAlgorithm::ES256 => &self.id_es256,
            IdTokenAlgorithm::RS256 => &self.id_rs256,
        }
    }
}

/// Everything behind the lock.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) user: MockUser,
    /// People chosen by the `login_hint` of a signed request object, for tests that sign many
    /// different people in at once.
    pub(crate) users_by_login_hint: HashMap<String, MockUser>,
    /// People chosen by the `state` of one authorization request (used once).
    pub(crate) users_by_state: HashMap<String, MockUser>,
    pub(crate) faults: Faults,
    pub(crate) keys: Keys,
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) access_tokens: HashMap<String, AccessGrant>,
    pub(crate) used_jtis: HashSet<String>,
    pub(crate) requests: Vec<RecordedRequest>,
    /// The RSA keys fetched from each client JWKS URL.
    pub(crate) client_jwks: HashMap<String, Vec<RsaPublic>>,
    /// Back-channel logout tokens waiting to be delivered (the server sends them after it
    /// answers the request that queued them).
    pub(crate) outbox: Vec<Delivery>,
    /// Every back-channel delivery made, with its outcome.
    pub(crate) deliveries: Vec<DeliveryRecord>,
    /// Who signed in to which client (client id, `sub`), for the standalone server's
    /// back-channel logouts.
    pub(crate) sessions: Vec<(String, String)>,
    /// When fetching each client JWKS URL last failed (not fetched again for a few seconds).
    pub(crate) client_jwks_failed: HashMap<String, i64>,
}

/// The most requests the log keeps (the oldest are dropped): a mock left running grows no
/// further.
pub(crate) const MAX_RECORDED_REQUESTS: usize = 10_000;
/// The most back-channel deliveries the log keeps, and sessions remembered.
pub(crate) const MAX_RECORDED_DELIVERIES: usize = 1_000;
/// Past this many codes or access tokens, expired ones are pruned at each issue.
pub(crate) const PRUNE_GRANTS_ABOVE: usize = 10_000;

/// Drops the oldest entries of `list` past `max` (a tenth at a time).
pub(crate) fn cap<T>(list: &mut Vec<T>, max: usize) {
    if list.len() >= max {
        let excess = list.len() + 1 - max + max / 10;
        list.drain(..excess.min(list.len()));
    }
}

/// A back-channel logout token to deliver.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub(crate) url: Url,
    pub(crate) client_id: String,
    pub(crate) sub: String,
    pub(crate) token: String,
}

/// A back-channel delivery made: where, for whom, and what the relying party answered.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryRecord {
    pub(crate) url: String,
    pub(crate) client_id: String,
    pub(crate) sub: String,
    /// The HTTP status, or `None` when the POST did not complete.
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
}

/// The fixed facts about a running provider, and its state.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) issuer: Url,
    pub(crate) did: String,
    pub(crate) identity_issuer: Url,
    pub(crate) clock: Arc<dyn Clock>,
    /// The standalone server's ways, the GDS simulator's where it differs from One Login's hosts:
    /// `/logout` delivers back-channel logouts itself, `/authorize` serves whatever identity is
    /// configured (a lower `vot` rather than `access_denied`).
    pub(crate) standalone: bool,
    /// One Login's firewall refuses API calls without a `User-Agent`; the standalone server
    /// applies the rule only when told to (the simulator has none).
    pub(crate) require_user_agent: std::sync::atomic::AtomicBool,
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(
        issuer: Url,
        did: String,
        identity_issuer: Url,
        clock: Arc<dyn Clock>,
        keys: Keys,
    ) -> Self {
        Self {
            issuer,
            did,
            identity_issuer,
            clock,
            standalone: false,
            require_user_agent: std::sync::atomic::AtomicBool::new(true),
            state: Mutex::new(State {
                clients: HashMap::new(),
                user: MockUser::default(),
                users_by_login_hint: HashMap::new(),
                users_by_state: HashMap::new(),
                faults: Faults::default(),
                keys,
                codes: HashMap::new(),
                access_tokens: HashMap::new(),
                used_jtis: HashSet::new(),
                requests: Vec::new(),
                client_jwks: HashMap::new(),
                outbox: Vec::new(),
                deliveries: Vec::new(),
                sessions: Vec::new(),
                client_jwks_failed: HashMap::new(),
            }),
        }
    }

    /// The state; a panic in another test thread never wedges the mock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_unix()
    }

    /// `<issuer><rel>`.
    pub(crate) fn url(&self, rel: &str) -> String {
        format!("{}{rel}", self.issuer)
    }

    pub(crate) fn authorize_url(&self) -> String {
        self.url("authorize")
    }

    pub(crate) fn token_url(&self) -> String {
        self.url("token")
    }

    pub(crate) fn trustmark_url(&self) -> String {
        self.url("trustmark")
    }
}
