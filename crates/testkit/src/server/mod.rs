//! [`MockServer`]: the mock One Login as a server of its own, for tests in any language, that
//! speaks the GDS simulator's `/config`.

mod config;
mod fault_names;
mod sections;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body as AxumBody, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use govuk_one_login_core::{SystemClock, Url};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::error::StartError;
use crate::handlers::{self, Incoming, Reply, first};
use crate::jwt::{self, RsaPublic, SigningKey};
use crate::provider::MockOneLogin;
use crate::record::RecordedRequest;
use crate::state::{DeliveryRecord, RegisteredAuth, Shared};

use config::{ConfigError, SimConfig};
pub use config::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_PRIVATE_KEY, DEFAULT_CLIENT_PUBLIC_KEY, DEFAULT_SUB,
};

/// The simulator's port.
pub const DEFAULT_PORT: u16 = 3000;

/// How long the server waits for a client's JWKS.
const JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest client JWKS read.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// How long requests in flight get to finish when the server stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a client JWKS URL that failed is left alone.
const JWKS_RETRY_SECS: i64 = 5;

/// The mock One Login as a standalone HTTP server, compatible with GDS's simulator.
///
/// It serves everything [`MockOneLogin`] does (discovery, JWKS, `/authorize`, `/token`,
/// `/userinfo`, the DID document, `/logout`, the trust mark), configured the simulator's way:
///
/// * `GET /config` and `POST /config` with `clientConfiguration`, `responseConfiguration`,
///   `errorConfiguration`, `publishNewIdTokenSigningKeys` and `useNewIdTokenSigningKeys`, and
///   the simulator's environment variables at start-up ([`MockServerBuilder::env`]);
/// * the simulator's defaults: port 3000, issuer `SIMULATOR_URL` + `/`, the core identity
///   JWT's `iss` equal to the issuer, DID `did:web:<host>%3A<port>`, the default client
///   ([`DEFAULT_CLIENT_ID`] with [`DEFAULT_CLIENT_PUBLIC_KEY`]) and the default person (`sub`
///   [`DEFAULT_SUB`], `test@example.com`, GEOFFREY HEARNSHAW).
///
/// And beyond it: more clients (`clients` in `/config`), a client's keys from its JWKS URL,
/// back-channel logout delivered to `backChannelLogoutUri` when the person signs out at
/// `/logout`, every testkit fault (`faults` in `/config`), and a request log at
/// `GET /__requests`. `docs/mock-server.md` has the whole contract.
///
/// ```
/// use govuk_one_login_testkit::MockServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = MockServer::builder().port(0).start().await.unwrap();
/// assert!(server.issuer().as_str().starts_with("http://localhost:"));
/// assert_eq!(server.config()["clientConfiguration"]["clientId"], "HGIOgho9HIRhgoepdIOPFdIUWgewi0jw");
/// server.shutdown().await;
/// # }
/// ```
pub struct MockServer {
    provider: MockOneLogin,
    context: Arc<Context>,
    addr: SocketAddr,
    shutdown: Option<watch::Sender<bool>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("issuer", &self.issuer().as_str())
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Reads one environment variable.
type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// How to start a [`MockServer`].
pub struct MockServerBuilder {
    ip: IpAddr,
    explicit_ip: bool,
    port: u16,
    simulator_url: Option<String>,
    env: EnvLookup,
}

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("ip", &self.ip)
            .field("port", &self.port)
            .field("simulator_url", &self.simulator_url)
            .finish_non_exhaustive()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            explicit_ip: false,
            port: DEFAULT_PORT,
            simulator_url: None,
            env: Box::new(|_| None),
        }
    }
}

impl MockServerBuilder {
    /// The port (default 3000, the simulator's; 0 picks a free one).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The address to listen on (default 127.0.0.1, and `[::1]` on the same port where the host
    /// has it). Anything but loopback exposes a provider that signs anyone in to the network: say
    /// so only on purpose.
    #[must_use]
    pub fn listen(mut self, ip: IpAddr) -> Self {
        self.ip = ip;
        self.explicit_ip = true;
        self
    }

    /// The URL the server is reached at, as the simulator's `SIMULATOR_URL` (default
    /// `http://localhost:<port>`); the issuer is this plus `/`.
    #[must_use]
    pub fn simulator_url(mut self, url: impl Into<String>) -> Self {
        self.simulator_url = Some(url.into());
        self
    }

    /// Reads the simulator's environment variables through `lookup` (`CLIENT_ID`,
    /// `PUBLIC_KEY`, `PUBLIC_KEY_SOURCE`, `JWKS_URL`, `SCOPES`, `REDIRECT_URLS`,
    /// `POST_LOGOUT_REDIRECT_URLS`, `CLAIMS`, `IDENTITY_VERIFICATION_SUPPORTED`,
    /// `ID_TOKEN_SIGNING_ALGORITHM`, `CLIENT_LOCS`, `TOKEN_AUTH_METHOD`, `CLIENT_SECRET_HASH`,
    /// `SUB`, `EMAIL`, `EMAIL_VERIFIED`, `PHONE_NUMBER`, `PHONE_NUMBER_VERIFIED`,
    /// `CORE_IDENTITY_ERRORS`, `ID_TOKEN_ERRORS`, `AUTHORISE_ERRORS`,
    /// `PUBLISH_NEW_ID_TOKEN_SIGNING_KEYS`, `USE_NEW_ID_TOKEN_SIGNING_KEYS`, `PKCE_ENABLED`,
    /// `SIMULATOR_URL`, `PORT`). Lists are comma-separated. [`MockServerBuilder::port`] and
    /// [`MockServerBuilder::simulator_url`] win over `PORT` and `SIMULATOR_URL` only if called
    /// after this.
    #[must_use]
    pub fn env(mut self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        if let Some(port) = lookup("PORT").and_then(|p| p.trim().parse().ok()) {
            self.port = port;
        }
        if let Some(url) = lookup("SIMULATOR_URL").filter(|u| !u.is_empty()) {
            self.simulator_url = Some(url);
        }
        self.env = Box::new(lookup);
        self
    }

    /// [`MockServerBuilder::env`] over this process's environment.
    #[must_use]
    pub fn process_env(self) -> Self {
        self.env(|name| std::env::var(name).ok())
    }

    /// Binds the port and starts serving (well under a second).
    ///
    /// # Errors
    /// [`StartError::Bind`] if the address cannot be bound; [`StartError::Config`] for a
    /// `SIMULATOR_URL` that is not an http(s) URL or an environment the simulator's rules refuse
    /// (each problem named); [`StartError::KeyGeneration`] if a key cannot be made.
    pub async fn start(self) -> Result<MockServer, StartError> {
        let listener = tokio::net::TcpListener::bind((self.ip, self.port))
            .await
            .map_err(|e| StartError::Bind {
                reason: format!("{}:{}: {e}", self.ip, self.port),
            })?;
        let addr = listener.local_addr().map_err(|e| StartError::Bind {
            reason: e.to_string(),
        })?;
        let config_error = |reason: String| StartError::Config { reason };
        let simulator_url = match &self.simulator_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://localhost:{}", addr.port()),
        };
        let issuer = Url::parse(&format!("{simulator_url}/"))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                config_error(format!(
                    "SIMULATOR_URL `{simulator_url}` is not an http(s) URL"
                ))
            })?;
        let config = SimConfig::from_env(&simulator_url, &*self.env).map_err(config_error)?;

        // The simulator's core identity JWT is issued by the issuer itself.
        let shared = MockOneLogin::new_shared(issuer.clone(), issuer, Arc::new(SystemClock), true)?;
        let keys = {
            let state = shared.lock();
            RotationKeys {
                es256: state.keys.id_es256.clone(),
                rs256: state.keys.id_rs256.clone(),
                new_es256: SigningKey::generate_es256()?,
                new_rs256: SigningKey::generate_rs256()?,
            }
        };
        let shared = Arc::new(shared);
        let provider = MockOneLogin::from_parts(shared.clone(), addr, None)?;
        let mut sim = Sim {
            config,
            keys,
            installed: Vec::new(),
        };
        sim.install(&shared);
        let context = Arc::new(Context {
            provider: provider.clone(),
            sim: Mutex::new(sim),
        });
        let router = Router::new()
            .route("/", get(root))
            .route("/config", get(get_config).post(post_config))
            .route("/__requests", get(get_requests).delete(clear_requests))
            .fallback(provider_route)
            .with_state(context.clone());
        // On the default address, [::1] too where the host has it: `localhost` resolves to
        // ::1 first on many hosts (and in Node before 18), where the simulator listens on both.
        let mut listeners = vec![listener];
        if !self.explicit_ip
            && let Ok(v6) = tokio::net::TcpListener::bind((Ipv6Addr::LOCALHOST, addr.port())).await
        {
            listeners.push(v6);
        }
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut servers = tokio::task::JoinSet::new();
            for listener in listeners {
                let mut rx = rx.clone();
                let router = router.clone();
                servers.spawn(async move {
                    let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                        let _ = rx.wait_for(|stop| *stop).await;
                    });
                    if let Err(e) = serve.await {
                        tracing_error(&e.to_string());
                    }
                });
            }
            while servers.join_next().await.is_some() {}
        });
        Ok(MockServer {
            provider,
            context,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

fn tracing_error(message: &str) {
    eprintln!("one-login mock: the server stopped: {message}");
}

impl MockServer {
    /// How to start one: port 3000 on 127.0.0.1, the simulator's defaults.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The issuer, `SIMULATOR_URL` + `/` (by default `http://localhost:<port>/`).
    pub fn issuer(&self) -> Url {
        self.provider.issuer()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration as `GET /config` serves it.
    pub fn config(&self) -> Value {
        self.context.sim().config.to_json()
    }

    /// The provider behind the server, to script from Rust what `/config` cannot say (a
    /// crafted token, a removed key); it shares the server's state.
    pub fn provider(&self) -> &MockOneLogin {
        &self.provider
    }

    /// Serves until `signal` completes, then stops (what `one-login mock` does with Ctrl-C).
    pub async fn run_until(mut self, signal: impl Future<Output = ()>) {
        signal.await;
        self.stop().await;
    }

    /// Stops serving and waits for the server to finish.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    /// Stops accepting, lets requests in flight finish for up to five seconds (a client holding
    /// a half-sent request open cannot keep the server alive), then stops.
    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(true);
        }
    }
}

/// The ID-token keys of the simulator's key rotation: the ones published from the start and
/// the "new" ones `publishNewIdTokenSigningKeys` adds and `useNewIdTokenSigningKeys` signs with.
struct RotationKeys {
    es256: Arc<SigningKey>,
    rs256: Arc<SigningKey>,
    new_es256: Arc<SigningKey>,
    new_rs256: Arc<SigningKey>,
}

/// The configuration and what it installed in the provider.
struct Sim {
    config: SimConfig,
    keys: RotationKeys,
    /// The client ids the configuration registered (replaced at each change).
    installed: Vec<String>,
}

impl Sim {
    /// Registers the configured clients, person, faults and keys with the provider.
    fn install(&mut self, shared: &Shared) {
        let mut state = shared.lock();
        for id in self.installed.drain(..) {
            state.clients.remove(&id);
        }
        for c in self.config.all_clients() {
            let client = c.to_client(self.config.pkce_enabled);
            self.installed.push(client.client_id.clone());
            state.clients.insert(client.client_id.clone(), client);
        }
        state.user = self.config.user();
        state.faults = self.config.faults();
        shared.require_user_agent.store(
            self.config.requires_user_agent(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let k = &self.keys;
        state.keys.jwks = vec![k.es256.clone(), k.rs256.clone()];
        if self.config.publish_new_keys {
            state.keys.jwks.push(k.new_es256.clone());
            state.keys.jwks.push(k.new_rs256.clone());
        }
        let (es, rs) = if self.config.use_new_keys {
            (&k.new_es256, &k.new_rs256)
        } else {
            (&k.es256, &k.rs256)
        };
        state.keys.id_es256 = es.clone();
        state.keys.id_rs256 = rs.clone();
    }
}

struct Context {
    provider: MockOneLogin,
    sim: Mutex<Sim>,
}

impl Context {
    fn sim(&self) -> MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn shared(&self) -> &Shared {
        self.provider.shared_arc()
    }
}

type Ctx = State<Arc<Context>>;

async fn root() -> &'static str {
    "GOV.UK One Login mock (govuk-one-login-testkit): GET /config for its configuration\n"
}

async fn get_config(State(ctx): Ctx) -> Response {
    axum::Json(ctx.sim().config.to_json()).into_response()
}

async fn post_config(State(ctx): Ctx, headers: HeaderMap, body: Bytes) -> Response {
    // An empty POST (`curl -X POST …/config`, the simulator's way to clear the errors) is `{}`.
    let empty = body.iter().all(u8::is_ascii_whitespace);
    let json_body = empty
        || headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            axum::Json(json!({
                "error": "invalid_request",
                "error_description": "POST /config takes a JSON body (Content-Type: application/json)"
            })),
        )
            .into_response();
    }
    let parsed = if empty {
        Ok(json!({}))
    } else {
        serde_json::from_slice(&body)
    };
    let value: Value = match parsed {
        Ok(v) => v,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "error": "invalid_request",
                    "error_description": format!("the body is not JSON: {e}")
                })),
            )
                .into_response();
        }
    };
    let mut sim = ctx.sim();
    let outcome = sim.config.apply(&value);
    match outcome {
        Ok(applied) => {
            sim.install(ctx.shared());
            if applied.ignored.is_empty() && applied.ignored_fields.is_empty() {
                StatusCode::OK.into_response()
            } else {
                axum::Json(json!({
                    "ignoredErrorNames": applied.ignored,
                    "ignoredFields": applied.ignored_fields,
                }))
                .into_response()
            }
        }
        Err(e) => config_refused(&e),
    }
}

fn config_refused(e: &ConfigError) -> Response {
    match e.body() {
        Ok(body) => (StatusCode::BAD_REQUEST, axum::Json(body)).into_response(),
        Err(text) => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            text,
        )
            .into_response(),
    }
}

fn pairs(list: &[(String, String)]) -> Value {
    Value::Array(list.iter().map(|(k, v)| json!([k, v])).collect())
}

fn request_json(r: &RecordedRequest) -> Value {
    json!({
        "method": r.method,
        "path": r.path,
        "query": pairs(&r.query),
        "headers": pairs(&r.headers),
        "form": pairs(&r.form),
        "clientAssertion": r.client_assertion.as_ref().map(|a| json!({
            "header": a.header,
            "claims": a.claims,
        })),
        "status": r.status,
    })
}

fn delivery_json(d: &DeliveryRecord) -> Value {
    json!({
        "url": d.url,
        "clientId": d.client_id,
        "sub": d.sub,
        "status": d.status,
        "error": d.error,
    })
}

async fn get_requests(State(ctx): Ctx, Query(query): Query<HashMap<String, String>>) -> Response {
    let state = ctx.shared().lock();
    let path = query.get("path");
    let requests: Vec<Value> = state
        .requests
        .iter()
        .filter(|r| path.is_none_or(|p| *p == r.path))
        .map(request_json)
        .collect();
    let deliveries: Vec<Value> = state.deliveries.iter().map(delivery_json).collect();
    drop(state);
    axum::Json(json!({ "requests": requests, "backChannelLogouts": deliveries })).into_response()
}

async fn clear_requests(State(ctx): Ctx) -> StatusCode {
    let mut state = ctx.shared().lock();
    state.requests.clear();
    state.deliveries.clear();
    StatusCode::NO_CONTENT
}

/// Everything else is the provider: fetch a client's JWKS if a JWT names a key not seen yet,
/// answer, then deliver the back-channel logouts the answer queued.
async fn provider_route(
    State(ctx): Ctx,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(url) = Url::parse(&format!("http://mock{path_and_query}")) else {
        return (StatusCode::BAD_REQUEST, "Invalid request").into_response();
    };
    // HEAD is GET without the body (hyper leaves the body out), as the simulator serves it.
    let method = if method == Method::HEAD {
        Method::GET
    } else {
        method
    };
    let incoming = Incoming::from_parts(
        method.as_str(),
        &url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes())),
        &body,
    );
    fetch_client_keys(&ctx, &incoming).await;
    let reply = handlers::handle(ctx.shared(), incoming);
    let outbox = std::mem::take(&mut ctx.shared().lock().outbox);
    for delivery in outbox {
        let provider = ctx.provider.clone();
        tokio::spawn(async move {
            let outcome = provider
                .deliver_back_channel_logout(&delivery.url, &delivery.token)
                .await;
            let (status, error) = match outcome {
                Ok(status) => (Some(status), None),
                Err(e) => (None, Some(e.to_string())),
            };
            provider
                .shared_arc()
                .lock()
                .deliveries
                .push(DeliveryRecord {
                    url: delivery.url.to_string(),
                    client_id: delivery.client_id,
                    sub: delivery.sub,
                    status,
                    error,
                });
        });
    }
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    into_response(reply)
}

fn into_response(mut reply: Reply) -> Response {
    let (content_type, body) = match reply.take_body() {
        Some((content_type, bytes)) => (Some(content_type), AxumBody::from(bytes)),
        None => (None, AxumBody::empty()),
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if let Some(v) = content_type.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    for (k, v) in &reply.headers {
        if k.eq_ignore_ascii_case("content-type") {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.append(name, value);
        }
    }
    response
}

/// When a client assertion (`/token`) or a request object (`/authorize`) of a client whose keys
/// come from its JWKS names a `kid` not fetched yet, fetches the JWKS (5 s at most).
async fn fetch_client_keys(ctx: &Context, req: &Incoming) {
    // The JWT that names the key, and where the client id is: the assertion's `sub`, or the
    // query's `client_id` beside a request object.
    let (jwt_text, from_query) = match req.path.as_str() {
        "/token" => (first(&req.form, "client_assertion"), false),
        "/authorize" => (first(&req.query, "request"), true),
        _ => return,
    };
    let Some(parsed) = jwt_text.and_then(jwt::parse) else {
        return;
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let client_id = if from_query {
        first(&req.query, "client_id").map(str::to_owned)
    } else {
        text(parsed.claims.get("sub"))
    };
    let (Some(client_id), Some(kid)) = (client_id, text(parsed.header.get("kid"))) else {
        return;
    };
    let now = ctx.shared().now();
    let url = {
        let state = ctx.shared().lock();
        let Some(RegisteredAuth::Jwks(url)) = state.clients.get(&client_id).map(|c| &c.auth) else {
            return;
        };
        // A URL that just failed is not fetched again at once (each JWT with a new kid would).
        if state
            .client_jwks_failed
            .get(url.as_str())
            .is_some_and(|at| now - at < JWKS_RETRY_SECS)
        {
            return;
        }
        let known = state
            .client_jwks
            .get(url.as_str())
            .is_some_and(|keys| keys.iter().any(|k| k.kid.as_deref() == Some(kid.as_str())));
        if known {
            return;
        }
        url.clone()
    };
    let fetched = async {
        let response = ctx
            .provider
            .http()
            .get(url.clone())
            .header("user-agent", "govuk-one-login-testkit (client JWKS)")
            .timeout(JWKS_TIMEOUT)
            .send()
            .await
            .ok()?;
        if !response.status().is_success()
            || response
                .content_length()
                .is_some_and(|n| n > MAX_JWKS_BYTES as u64)
        {
            return None;
        }
        // Read at most the limit, however long the body says it is (or streams on).
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_JWKS_BYTES {
                return None;
            }
        }
        let set: Value = serde_json::from_slice(&bytes).ok()?;
        Some(
            set.get("keys")?
                .as_array()?
                .iter()
                .filter_map(RsaPublic::from_jwk)
                .filter(|k| k.kid.is_some())
                .collect::<Vec<_>>(),
        )
    }
    .await;
    let mut state = ctx.shared().lock();
    match fetched {
        Some(keys) => {
            state.client_jwks_failed.remove(url.as_str());
            state.client_jwks.insert(url.to_string(), keys);
        }
        None => {
            state.client_jwks_failed.insert(url.to_string(), now);
        }
    }
}
