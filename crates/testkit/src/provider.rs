//! [`MockOneLogin`]: the provider a test scripts and inspects.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use govuk_one_login_core::{
    Clock, Environment, IdTokenAlgorithm, ProviderSpec, ServiceConfig, SystemClock, Url,
    did_web_for,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use crate::error::{AuthorizeError, DeliveryError, StartError};
use crate::faults::{Faults, LogoutTokenFault};
use crate::handlers::Dispatcher;
use crate::jwt::{self, SigningKey, random_id};
use crate::record::RecordedRequest;
use crate::state::{Client, ID_TOKEN_LIFETIME, Keys, Shared};
use crate::user::MockUser;

/// The `User-Agent` the testkit sends when it plays the browser.
const BROWSER_USER_AGENT: &str = "Mozilla/5.0 (govuk-one-login-testkit browser)";
/// The `User-Agent` of back-channel logout deliveries.
const OP_USER_AGENT: &str = "govuk-one-login-testkit (back-channel logout)";
/// The back-channel logout event type.
pub(crate) const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A key the mock provider can sign a crafted token with ([`MockOneLogin::mint_id_token`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockKey {
    /// The current ES256 ID-token key (published in the JWKS; also signs logout tokens).
    IdTokenEs256,
    /// The current RS256 ID-token key (published in the JWKS).
    IdTokenRs256,
    /// The current core identity key (published in the DID document; `kid` is `<did>#<id>`).
    Identity,
    /// An ES256 key the provider never publishes (an unknown `kid`).
    Unpublished,
    /// HMAC-SHA256 with this secret, e.g. the bytes of a published public key (algorithm
    /// confusion).
    Hmac(Vec<u8>),
    /// No signature: the token ends with `.` (for `alg: none`).
    Unsigned,
}

impl fmt::Debug for MockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IdTokenEs256 => f.write_str("IdTokenEs256"),
            Self::IdTokenRs256 => f.write_str("IdTokenRs256"),
            Self::Identity => f.write_str("Identity"),
            Self::Unpublished => f.write_str("Unpublished"),
            Self::Hmac(_) => f.write_str("Hmac([redacted])"),
            Self::Unsigned => f.write_str("Unsigned"),
        }
    }
}

/// A mock GOV.UK One Login on a loopback wiremock server.
///
/// It serves discovery, the JWKS, `/authorize`, `/token`, `/userinfo`, the DID document,
/// `/logout` and the trust mark, validating requests as One Login does, and records every request
/// for inspection. Clones share one provider.
#[derive(Clone)]
pub struct MockOneLogin {
    inner: Arc<Inner>,
}

struct Inner {
    /// The wiremock server of the in-process mock (kept alive with the handle); `None` for the
    /// standalone server, which serves the same state itself.
    _server: Option<MockServer>,
    addr: SocketAddr,
    shared: Arc<Shared>,
    environment: Option<Environment>,
    http: reqwest::Client,
}

impl fmt::Debug for MockOneLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockOneLogin")
            .field("issuer", &self.inner.shared.issuer.as_str())
            .finish_non_exhaustive()
    }
}

impl MockOneLogin {
    /// Starts a provider on 127.0.0.1 (a random port; never any other address) with fresh keys:
    /// an ES256 and an RS256 ID-token key in the JWKS (the ES256 one also signs logout tokens)
    /// and an ES256 identity key in the DID document. It uses the system clock.
    ///
    /// # Panics
    /// If no loopback port can be bound or aws-lc cannot generate a key; use
    /// [`MockOneLogin::try_start`] to get the error instead.
    pub async fn start() -> Self {
        match Self::try_start().await {
            Ok(mock) => mock,
            Err(e) => panic!("the mock One Login could not start: {e}"),
        }
    }

    /// [`MockOneLogin::start`], returning an error instead of panicking.
    ///
    /// # Errors
    /// A [`StartError`] if no loopback port can be bound or a key cannot be generated.
    pub async fn try_start() -> Result<Self, StartError> {
        Self::try_start_with_clock(Arc::new(SystemClock)).await
    }

    /// Starts a provider whose time is `clock` (share a `TestClock` with the relying party to
    /// expire codes, tokens and assertions without sleeping).
    ///
    /// # Errors
    /// A [`StartError`] if no loopback port can be bound or a key cannot be generated.
    pub async fn try_start_with_clock(clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| StartError::Bind {
                reason: e.to_string(),
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartError::Bind {
                reason: e.to_string(),
            })?
            .port();
        let env_error = |reason: String| StartError::Environment { reason };
        let issuer = Url::parse(&format!("http://127.0.0.1:{port}/"))
            .map_err(|e| env_error(e.to_string()))?;
        let identity_issuer = issuer
            .join("identity/")
            .map_err(|e| env_error(e.to_string()))?;
        let shared = Arc::new(Self::new_shared(issuer, identity_issuer, clock, false)?);
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        Mock::given(any())
            .respond_with(Dispatcher {
                shared: shared.clone(),
            })
            .mount(&server)
            .await;
        let addr = *server.address();
        Self::from_parts(shared, addr, Some(server))
    }

    /// A provider's state with fresh keys: the ES256 and RS256 ID-token keys published, the
    /// ES256 identity key in the DID document `<issuer>.well-known/did.json`.
    pub(crate) fn new_shared(
        issuer: Url,
        identity_issuer: Url,
        clock: Arc<dyn Clock>,
        standalone: bool,
    ) -> Result<Shared, StartError> {
        jwt::install_crypto_provider();
        let did_url = issuer
            .join(".well-known/did.json")
            .map_err(|e| StartError::Environment {
                reason: e.to_string(),
            })?;
        let did = did_web_for(&did_url);
        let id_es256 = SigningKey::generate_es256()?;
        let id_rs256 = SigningKey::generate_rs256()?;
        let identity = SigningKey::generate_es256()?;
        let keys = Keys {
            jwks: vec![id_es256.clone(), id_rs256.clone()],
            id_es256,
            id_rs256,
            did: vec![identity.clone()],
            identity,
            unpublished: SigningKey::generate_es256()?,
        };
        let mut shared = Shared::new(issuer, did, identity_issuer, clock, keys);
        shared.standalone = standalone;
        shared
            .require_user_agent
            .store(!standalone, std::sync::atomic::Ordering::Relaxed);
        Ok(shared)
    }

    /// A handle on a provider whose state is `shared`, served at `addr` (by wiremock, or by the
    /// standalone server when `server` is `None`).
    pub(crate) fn from_parts(
        shared: Arc<Shared>,
        addr: SocketAddr,
        server: Option<MockServer>,
    ) -> Result<Self, StartError> {
        let did_url =
            shared
                .issuer
                .join(".well-known/did.json")
                .map_err(|e| StartError::Environment {
                    reason: e.to_string(),
                })?;
        // The facade takes plain http only on loopback: a standalone server reached at, say,
        // `http://simulator:3000` serves relying parties in other languages, not the facade.
        let environment = Environment::custom(
            shared.issuer.as_str(),
            Some(shared.identity_issuer.as_str()),
            Some(did_url.as_str()),
            Some(&shared.did),
        )
        .ok();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .no_proxy()
            .build()
            .map_err(|e| StartError::HttpClient {
                reason: e.to_string(),
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                _server: server,
                addr,
                shared,
                environment,
                http,
            }),
        })
    }

    pub(crate) fn shared_arc(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The issuer, `http://127.0.0.1:PORT/` (with the trailing slash One Login's issuers have).
    pub fn issuer(&self) -> Url {
        self.shared().issuer.clone()
    }

    /// The socket address the provider listens on (always loopback).
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// A custom environment for this provider: the issuer, the identity issuer
    /// `<issuer>identity/`, the DID document `<issuer>.well-known/did.json` and the controller
    /// `did:web:127.0.0.1%3APORT`.
    ///
    /// # Panics
    /// Only for a standalone [`MockServer`](crate::MockServer) whose `SIMULATOR_URL` is plain
    /// http on a host other than loopback, which the facade refuses as a provider; use
    /// [`MockOneLogin::try_environment`] there.
    pub fn environment(&self) -> Environment {
        match self.try_environment() {
            Some(env) => env,
            None => panic!(
                "the facade refuses {} as a provider (plain http off loopback)",
                self.issuer()
            ),
        }
    }

    /// [`MockOneLogin::environment`], or `None` where the facade would refuse the provider.
    pub fn try_environment(&self) -> Option<Environment> {
        self.inner.environment.clone()
    }

    /// The `[provider]` table of a services file pointing at this provider.
    pub fn provider_spec(&self) -> ProviderSpec {
        let shared = self.shared();
        ProviderSpec {
            environment: Some("custom".into()),
            issuer: Some(shared.issuer.as_str().to_owned()),
            identity_issuer: Some(shared.identity_issuer.as_str().to_owned()),
            did_document_url: Some(shared.url(".well-known/did.json")),
            did_controller: Some(shared.did.clone()),
            ..ProviderSpec::default()
        }
    }

    /// Registers a client as One Login would from the service's configuration: client id,
    /// redirect and post-logout URIs, the public half of its RSA key (or its client secret),
    /// scopes, claims, ID-token algorithm, sector, identity permission and allowed P levels,
    /// PKCE enforcement (`pkce`) and JAR requirement (`request_objects`). Registering a client id
    /// again replaces it.
    pub fn register(&self, service: &ServiceConfig) {
        let client = Client::from_service(service);
        self.shared()
            .lock()
            .clients
            .insert(client.client_id.clone(), client);
    }

    /// The user who signs in from now on (codes already issued keep their user).
    pub fn set_user(&self, user: MockUser) {
        self.shared().lock().user = user;
    }

    /// Registers a person chosen when a signed request object carries this `login_hint` (One Login
    /// accepts `login_hint` only inside request objects). Lets a test sign many different people in
    /// at once and check that each result belongs to the person who started it.
    pub fn add_user_for_login_hint(&self, login_hint: impl Into<String>, user: MockUser) {
        self.shared()
            .lock()
            .users_by_login_hint
            .insert(login_hint.into(), user);
    }

    /// Registers the person who signs in at the authorization request carrying this `state`
    /// (once: the registration is used up by that request). Lets a test drive many sign-ins at
    /// once through any relying party — a browser-facing router included, where the test sees
    /// only the redirect to `/authorize` — each by a different person.
    pub fn add_user_for_state(&self, state: impl Into<String>, user: MockUser) {
        self.shared()
            .lock()
            .users_by_state
            .insert(state.into(), user);
    }

    /// The current user.
    pub fn user(&self) -> MockUser {
        self.shared().lock().user.clone()
    }

    /// Replaces every fault; `Faults::default()` clears them.
    pub fn set_faults(&self, faults: Faults) {
        self.shared().lock().faults = faults;
    }

    /// Does what a browser does with an authorization URL: GETs it (the request is recorded like
    /// any other) and returns where the provider redirected: the callback with `code` and
    /// `state`, or with `error` and `state`.
    ///
    /// # Errors
    /// [`AuthorizeError::Refused`] when the provider answers without a redirect (400 with a plain
    /// body, as for an unknown client or an unregistered redirect URI);
    /// [`AuthorizeError::NotThisProvider`] for a URL elsewhere (it is never fetched).
    pub async fn authorize(&self, authorization_url: &Url) -> Result<Url, AuthorizeError> {
        self.browse(authorization_url).await
    }

    /// Does what a browser does with a logout URL: returns where the provider redirected (the
    /// post-logout redirect URI with `state`, the signed-out page, or the logout error page
    /// `<issuer>logout-error?error=…`).
    ///
    /// # Errors
    /// As [`MockOneLogin::authorize`].
    pub async fn logout(&self, logout_url: &Url) -> Result<Url, AuthorizeError> {
        self.browse(logout_url).await
    }

    async fn browse(&self, url: &Url) -> Result<Url, AuthorizeError> {
        let issuer = self.issuer();
        if url.origin() != issuer.origin() {
            let mut shown = url.clone();
            shown.set_query(None);
            shown.set_fragment(None);
            return Err(AuthorizeError::NotThisProvider {
                url: shown.to_string(),
                issuer: issuer.to_string(),
            });
        }
        let response = self
            .inner
            .http
            .get(url.clone())
            .header("user-agent", BROWSER_USER_AGENT)
            .send()
            .await
            .map_err(|e| AuthorizeError::Transport {
                reason: e.to_string(),
            })?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get("location")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            return url
                .join(&location)
                .map_err(|_| AuthorizeError::BadLocation { location });
        }
        let body = response.text().await.unwrap_or_default();
        Err(AuthorizeError::Refused { status, body })
    }

    /// Every request the provider received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared().lock().requests.clone()
    }

    /// The requests to one path, e.g. `/token`, in order.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.shared()
            .lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        self.shared().lock().requests.clear();
    }

    /// The pairwise `sub` the current user has in `service`'s sector.
    pub fn subject_for(&self, service: &ServiceConfig) -> String {
        let user = self.user();
        user.subject(service.sector())
    }

    /// The claims of a valid ID token for `service` and the current user, issued now: a starting
    /// point for crafting tokens with [`MockOneLogin::mint_id_token`].
    pub fn id_token_claims(&self, service: &ServiceConfig, nonce: &str) -> Value {
        let now = self.shared().now();
        json!({
            "iss": self.shared().issuer.as_str(),
            "sub": self.subject_for(service),
            "aud": service.client_id().as_str(),
            "exp": now + ID_TOKEN_LIFETIME,
            "iat": now,
            "nonce": nonce,
            "vot": service.vtr().credential().as_str(),
            "vtm": self.shared().trustmark_url(),
            "sid": random_id(20),
            "auth_time": now
        })
    }

    /// Signs any claims under any header with `key`. A header without `alg` or `kid` gets the
    /// key's; whatever the header says is kept verbatim otherwise, so it can lie. Serve the result
    /// from `/token` with [`Faults::id_token_override`].
    #[allow(clippy::needless_pass_by_value)] // Owned JSON lets callers pass `json!` literals.
    pub fn mint_id_token(&self, claims: Value, header: Value, key: MockKey) -> String {
        let mut header = match header {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let keys = self.shared().lock().keys.clone();
        let signer = match key {
            MockKey::IdTokenEs256 => Signer::Key(keys.id_es256, None),
            MockKey::IdTokenRs256 => Signer::Key(keys.id_rs256, None),
            MockKey::Identity => {
                let kid = format!("{}#{}", self.shared().did, keys.identity.kid);
                Signer::Key(keys.identity, Some(kid))
            }
            MockKey::Unpublished => Signer::Key(keys.unpublished, None),
            MockKey::Hmac(secret) => Signer::Hmac(secret),
            MockKey::Unsigned => Signer::Unsigned,
        };
        let (alg, kid) = match &signer {
            Signer::Key(k, kid) => (
                jwt::alg_name(k.alg),
                Some(kid.clone().unwrap_or_else(|| k.kid.clone())),
            ),
            Signer::Hmac(_) => ("HS256", None),
            Signer::Unsigned => ("none", None),
        };
        header
            .entry("alg")
            .or_insert_with(|| Value::String(alg.into()));
        if let Some(kid) = kid {
            header.entry("kid").or_insert(Value::String(kid));
        }
        let header = Value::Object(header);
        match signer {
            Signer::Key(k, _) => k.sign(&header, &claims),
            Signer::Hmac(secret) => {
                let input = jwt::signing_input(&header, &claims);
                let sig = jsonwebtoken::crypto::sign(
                    input.as_bytes(),
                    &EncodingKey::from_secret(&secret),
                    Algorithm::HS256,
                )
                .unwrap_or_default();
                format!("{input}.{sig}")
            }
            Signer::Unsigned => format!("{}.", jwt::signing_input(&header, &claims)),
        }
    }

    /// A back-channel logout token for `sub` at `client_id`, as One Login mints them (§8.2:
    /// ES256, `typ: logout+jwt`, `iss`, `aud`, `sub`, `iat`, `exp` = `iat` + 120, `jti`,
    /// `events`, no `sid`), or with `fault`.
    pub fn mint_logout_token(
        &self,
        client_id: &str,
        sub: &str,
        fault: Option<LogoutTokenFault>,
    ) -> String {
        crate::handlers::mint_logout_token(self.shared(), client_id, sub, fault)
    }

    /// POSTs `logout_token=<token>` (form-encoded) to `url`, as One Login delivers back-channel
    /// logout, and returns the HTTP status the relying party answered with (One Login wants 200).
    ///
    /// # Errors
    /// [`DeliveryError::BadUrl`] for a URL that is not http(s); [`DeliveryError::Transport`] when
    /// the POST does not complete.
    pub async fn deliver_back_channel_logout(
        &self,
        url: &Url,
        token: &str,
    ) -> Result<u16, DeliveryError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(DeliveryError::BadUrl {
                url: url.to_string(),
            });
        }
        let response = self
            .inner
            .http
            .post(url.clone())
            .header("user-agent", OP_USER_AGENT)
            .form(&[("logout_token", token)])
            .send()
            .await
            .map_err(|e| DeliveryError::Transport {
                reason: e.to_string(),
            })?;
        Ok(response.status().as_u16())
    }

    /// Publishes a new ES256 and RS256 ID-token key pair and signs with them from now on; the old
    /// keys stay published (remove them with [`MockOneLogin::remove_key`]).
    ///
    /// # Panics
    /// If aws-lc cannot generate a key.
    pub fn rotate_id_token_keys(&self) {
        let (es, rs) = match (SigningKey::generate_es256(), SigningKey::generate_rs256()) {
            (Ok(es), Ok(rs)) => (es, rs),
            (Err(e), _) | (_, Err(e)) => {
                panic!("the mock One Login could not rotate its keys: {e}")
            }
        };
        let mut state = self.shared().lock();
        state.keys.jwks.push(es.clone());
        state.keys.jwks.push(rs.clone());
        state.keys.id_es256 = es;
        state.keys.id_rs256 = rs;
    }

    /// Publishes a new core identity key in the DID document and signs with it from now on; the
    /// old key stays published.
    ///
    /// # Panics
    /// If aws-lc cannot generate a key.
    pub fn rotate_identity_key(&self) {
        let key = match SigningKey::generate_es256() {
            Ok(k) => k,
            Err(e) => panic!("the mock One Login could not rotate its identity key: {e}"),
        };
        let mut state = self.shared().lock();
        state.keys.did.push(key.clone());
        state.keys.identity = key;
    }

    /// Unpublishes the key with this `kid` from the JWKS or the DID document (give the bare key
    /// id or the full `<did>#<id>`); tokens signed with it keep being issued if it is current.
    /// Returns whether a key was removed.
    pub fn remove_key(&self, kid: &str) -> bool {
        let did_prefix = format!("{}#", self.shared().did);
        let bare = kid.strip_prefix(&did_prefix).unwrap_or(kid);
        let mut state = self.shared().lock();
        let before = state.keys.jwks.len() + state.keys.did.len();
        state.keys.jwks.retain(|k| k.kid != bare);
        state.keys.did.retain(|k| k.kid != bare);
        before != state.keys.jwks.len() + state.keys.did.len()
    }

    /// The `kid` ID tokens signed with `alg` carry now.
    pub fn id_token_kid(&self, alg: IdTokenAlgorithm) -> String {
        self.shared().lock().keys.id_key(alg).kid.clone()
    }

    /// The `kid` core identity JWTs carry now: `<did>#<key id>`.
    pub fn identity_kid(&self) -> String {
        format!(
            "{}#{}",
            self.shared().did,
            self.shared().lock().keys.identity.kid
        )
    }

    /// The JWKS as `/.well-known/jwks.json` serves it (without endpoint faults).
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .shared()
            .lock()
            .keys
            .jwks
            .iter()
            .map(|k| k.jwk())
            .collect();
        json!({ "keys": keys })
    }
}

/// What a crafted token is signed with.
enum Signer {
    Key(Arc<SigningKey>, Option<String>),
    Hmac(Vec<u8>),
    Unsigned,
}
