//! The count and scale scenarios, run against the testkit's mock One Login on loopback: a cold
//! cache under concurrency, an unknown-kid flood, whole sign-ins, and many services.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use govuk_one_login::{OneLogin, RelyingParty, SignInOptions};
use govuk_one_login_core::{
    BoxFuture, HttpRequest, HttpResponse, HttpTransport, Nonce, RsaPrivateKey, SecretString,
    ServiceSpec, Services, ServicesFile, SystemClock, TestClock, TokenAuthSpec, TransportError,
};
use govuk_one_login_discovery::{CachePolicy, DiscoveryError, ProviderCache};
use govuk_one_login_http::{HttpConfig, ReqwestTransport};
use govuk_one_login_testkit::{Endpoint, MockKey, MockOneLogin};
use govuk_one_login_verify::{
    DEFAULT_MAX_TOKEN_BYTES, IdTokenExpectations, token_kid, verify_id_token,
};
use serde_json::json;
use tokio::task::JoinSet;

use crate::contenders::{Algorithm, CLIENT_ID, NONCE, TokenFixture, id_token_claims, unix_now};
use crate::error::BenchError;

/// An [`HttpTransport`] that wraps the reqwest transport and adds up the time spent in requests,
/// so that a sign-in's time can be split between the library and waiting on HTTP.
#[derive(Debug)]
pub struct TimedTransport {
    inner: ReqwestTransport,
    busy_nanos: AtomicU64,
    requests: AtomicU64,
}

impl TimedTransport {
    /// The reqwest transport with its default configuration.
    ///
    /// # Errors
    /// [`BenchError::Transport`] if reqwest cannot build its client.
    pub fn new() -> Result<Self, BenchError> {
        let inner = ReqwestTransport::new(HttpConfig::default())
            .map_err(|e| BenchError::Transport { code: e.code() })?;
        Ok(Self {
            inner,
            busy_nanos: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        })
    }

    /// The total time spent inside `send` so far (summed over concurrent requests).
    pub fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed))
    }

    /// The requests sent so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl HttpTransport for TimedTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let started = Instant::now();
            let result = self.inner.send(request).await;
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.busy_nanos.fetch_add(nanos, Ordering::Relaxed);
            self.requests.fetch_add(1, Ordering::Relaxed);
            result
        })
    }
}

pub(crate) async fn start_provider() -> Result<MockOneLogin, BenchError> {
    MockOneLogin::try_start()
        .await
        .map_err(|e| BenchError::ProviderStart { code: e.code() })
}

fn cache_for(
    provider: &MockOneLogin,
    transport: Arc<dyn HttpTransport>,
    clock: govuk_one_login_core::SharedClock,
) -> ProviderCache {
    ProviderCache::new(
        &provider.environment(),
        transport,
        clock,
        CachePolicy::default(),
        "govuk-one-login-benches".to_owned(),
    )
}

fn count(provider: &MockOneLogin, endpoint: Endpoint) -> u64 {
    u64::try_from(provider.requests_to(endpoint.path()).len()).unwrap_or(u64::MAX)
}

pub(crate) fn check_positive(name: &'static str, value: usize) -> Result<(), BenchError> {
    if value == 0 {
        return Err(BenchError::BadParameter {
            name,
            expected: "at least 1",
            actual: value.to_string(),
        });
    }
    Ok(())
}

/// What [`cold_cache`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdCacheReport {
    /// Concurrent verifications started together on an empty cache.
    pub verifications: usize,
    /// JWKS requests the provider received (target: 1).
    pub jwks_requests: u64,
    /// Discovery requests the provider received (target: 1).
    pub discovery_requests: u64,
    /// From the first task spawned to the last verification finished.
    pub wall: Duration,
}

async fn verify_with_cache(
    cache: ProviderCache,
    token: Arc<str>,
    issuer: Arc<str>,
    now: i64,
) -> Result<(), BenchError> {
    let kid = token_kid(&token, DEFAULT_MAX_TOKEN_BYTES)
        .map_err(|e| BenchError::Verification { code: e.code() })?;
    let keys = cache
        .keys_for_kid(kid.as_deref())
        .await
        .map_err(|e| BenchError::Verification { code: e.code() })?;
    let nonce = Nonce::from_string(NONCE.to_owned());
    let expect = IdTokenExpectations::new(&issuer, CLIENT_ID, &nonce, now);
    verify_id_token(&token, &keys, &expect)
        .map(drop)
        .map_err(|e| BenchError::Verification { code: e.code() })
}

/// `verifications` ES256 ID-token verifications started at once against a provider cache that
/// has fetched nothing yet: each reads the token's `kid`, asks the cache for the keys and
/// verifies. Single-flight should turn them into one discovery and one JWKS request.
///
/// # Errors
/// [`BenchError::BadParameter`] for zero verifications; a setup error; the first verification
/// that failed.
pub async fn cold_cache(verifications: usize) -> Result<ColdCacheReport, BenchError> {
    check_positive("verifications", verifications)?;
    let provider = start_provider().await?;
    let fixture = TokenFixture::from_provider(&provider);
    let transport = Arc::new(TimedTransport::new()?);
    let cache = cache_for(&provider, transport, Arc::new(SystemClock));
    let token: Arc<str> = Arc::from(fixture.token(Algorithm::ES256));
    let issuer: Arc<str> = Arc::from(fixture.issuer.as_str());
    let now = fixture.now;
    let barrier = Arc::new(tokio::sync::Barrier::new(verifications));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..verifications {
        let (cache, token, issuer, barrier) = (
            cache.clone(),
            Arc::clone(&token),
            Arc::clone(&issuer),
            Arc::clone(&barrier),
        );
        tasks.spawn(async move {
            barrier.wait().await;
            verify_with_cache(cache, token, issuer, now).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| BenchError::Task {
            reason: e.to_string(),
        })??;
    }
    let wall = started.elapsed();
    Ok(ColdCacheReport {
        verifications,
        jwks_requests: count(&provider, Endpoint::Jwks),
        discovery_requests: count(&provider, Endpoint::Discovery),
        wall,
    })
}

/// What [`unknown_kid_flood`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodReport {
    /// Tokens sent, each with its own random `kid`.
    pub tokens: usize,
    /// Cool-down windows the flood spanned (the cache's clock is advanced by one cool-down
    /// before each window, the worst case: every window may refresh once).
    pub windows: u32,
    /// JWKS requests the flood caused (target: at most one per window).
    pub jwks_requests: u64,
    /// Mean time to refuse one token (reading its `kid`, asking the cache, getting
    /// `discovery.unknown_kid`), including the refreshes.
    pub per_rejection: Duration,
}

/// Sends `tokens` ES256 tokens with random `kid`s (signed with a key the provider never
/// publishes) through `token_kid` and `ProviderCache::keys_for_kid`, over `windows` cool-down
/// windows, against a cache that has already fetched the JWKS.
///
/// # Errors
/// [`BenchError::BadParameter`] for zero tokens or windows; a setup error;
/// [`BenchError::UnexpectedFloodOutcome`] if a token is not refused as an unknown `kid`.
pub async fn unknown_kid_flood(tokens: usize, windows: u32) -> Result<FloodReport, BenchError> {
    check_positive("tokens", tokens)?;
    check_positive("windows", usize::try_from(windows).unwrap_or(0))?;
    let provider = start_provider().await?;
    let issuer = provider.issuer().to_string();
    let now = unix_now();
    let claims = id_token_claims(&issuer, now);
    let mut forged = Vec::with_capacity(tokens);
    for i in 0..tokens {
        let kid = match govuk_one_login_core::random_token() {
            Ok(random) => format!("forged-{random}"),
            Err(_) => format!("forged-{i}"),
        };
        forged.push(provider.mint_id_token(
            claims.clone(),
            json!({ "kid": kid }),
            MockKey::Unpublished,
        ));
    }
    let clock = TestClock::now();
    let transport = Arc::new(TimedTransport::new()?);
    let cache = cache_for(&provider, transport, Arc::new(clock.clone()));
    cache
        .keys()
        .await
        .map_err(|e| BenchError::Verification { code: e.code() })?;
    let before = count(&provider, Endpoint::Jwks);
    let cooldown = cache.policy().unknown_kid_cooldown;
    let per_window = tokens.div_ceil(usize::try_from(windows).unwrap_or(1));
    let started = Instant::now();
    for (i, token) in forged.iter().enumerate() {
        if i % per_window == 0 {
            clock.advance(cooldown);
        }
        let kid = token_kid(token, DEFAULT_MAX_TOKEN_BYTES)
            .map_err(|e| BenchError::Verification { code: e.code() })?;
        match cache.keys_for_kid(kid.as_deref()).await {
            Err(DiscoveryError::UnknownKid { .. }) => {}
            Err(other) => {
                return Err(BenchError::UnexpectedFloodOutcome {
                    actual: other.code().to_owned(),
                });
            }
            Ok(_) => {
                return Err(BenchError::UnexpectedFloodOutcome {
                    actual: "accepted".to_owned(),
                });
            }
        }
    }
    let elapsed = started.elapsed();
    Ok(FloodReport {
        tokens,
        windows,
        jwks_requests: count(&provider, Endpoint::Jwks) - before,
        per_rejection: elapsed / u32::try_from(tokens).unwrap_or(u32::MAX),
    })
}

/// A key every benchmark service signs its client assertions with (generated once per run).
///
/// # Errors
/// [`BenchError::Key`] if aws-lc cannot generate it.
pub fn client_key() -> Result<SecretString, BenchError> {
    RsaPrivateKey::generate("bench-key")
        .map(|k| k.pem().clone())
        .map_err(|e| BenchError::Key {
            contender: "client",
            reason: e.code().to_owned(),
        })
}

/// An authentication-only service on loopback (email and phone), like the conformance suite's.
pub fn service_spec(index: usize, key_pem: &SecretString) -> ServiceSpec {
    let name = format!("service-{index:03}");
    ServiceSpec {
        name: name.clone(),
        client_id: format!("client-{index:03}"),
        redirect_uris: vec![format!("http://127.0.0.1:9/{name}/callback")],
        scopes: Some(vec!["openid".into(), "email".into(), "phone".into()]),
        token_auth: TokenAuthSpec {
            key_pem: Some(key_pem.clone()),
            key_id: Some("bench-key".into()),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    }
}

pub(crate) fn services(
    provider: &MockOneLogin,
    n: usize,
    key: &SecretString,
) -> Result<Services, BenchError> {
    ServicesFile {
        provider: provider.provider_spec(),
        services: (0..n).map(|i| service_spec(i, key)).collect(),
        base_dir: None,
    }
    .validate()
    .map_err(|e| BenchError::Config {
        reason: e.to_string(),
    })
}

/// The time one sign-in spent in each part.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Split {
    pub(crate) start: Duration,
    pub(crate) browser: Duration,
    pub(crate) finish: Duration,
}

/// One whole sign-in: start, the browser leg at the provider, finish.
pub(crate) async fn sign_in(
    rp: &RelyingParty,
    provider: &MockOneLogin,
) -> Result<Split, BenchError> {
    let t = Instant::now();
    let start = rp
        .start_sign_in(SignInOptions::default())
        .await
        .map_err(|e| BenchError::SignIn {
            step: "start",
            code: e.code(),
        })?;
    let start_time = t.elapsed();
    let t = Instant::now();
    let callback = provider
        .authorize(&start.url)
        .await
        .map_err(|e| BenchError::SignIn {
            step: "authorize",
            code: e.code(),
        })?;
    let browser = t.elapsed();
    let t = Instant::now();
    rp.finish_sign_in(callback.query().unwrap_or_default(), start.pending)
        .await
        .map_err(|e| BenchError::SignIn {
            step: "finish",
            code: e.code(),
        })?;
    Ok(Split {
        start: start_time,
        browser,
        finish: t.elapsed(),
    })
}

/// What [`sign_ins`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct SignInReport {
    /// Sign-ins completed.
    pub sign_ins: usize,
    /// How many were in flight at once.
    pub concurrency: usize,
    /// Wall time for all of them.
    pub wall: Duration,
    /// Summed time in `start_sign_in` and `finish_sign_in` outside HTTP requests: the library.
    pub library: Duration,
    /// Summed time the relying party waited on HTTP (token, userinfo; the provider's own work
    /// included, since it answers in-process).
    pub http: Duration,
    /// Summed time of the browser leg (`/authorize` at the provider), not the library's.
    pub browser: Duration,
}

impl SignInReport {
    /// Sign-ins per second of wall time.
    pub fn per_second(&self) -> f64 {
        let secs = self.wall.as_secs_f64();
        if secs > 0.0 {
            self.sign_ins as f64 / secs
        } else {
            0.0
        }
    }

    /// The share (0 to 100) of a sign-in's summed time spent in `part`.
    fn share(&self, part: Duration) -> f64 {
        let total = (self.library + self.http + self.browser).as_secs_f64();
        if total > 0.0 {
            100.0 * part.as_secs_f64() / total
        } else {
            0.0
        }
    }

    /// Percentage of the summed time spent in the library.
    pub fn library_share(&self) -> f64 {
        self.share(self.library)
    }

    /// Percentage of the summed time spent waiting on the relying party's HTTP requests.
    pub fn http_share(&self) -> f64 {
        self.share(self.http)
    }

    /// Percentage of the summed time spent in the browser leg.
    pub fn browser_share(&self) -> f64 {
        self.share(self.browser)
    }

    /// Mean library time per sign-in.
    pub fn library_per_sign_in(&self) -> Duration {
        self.library / u32::try_from(self.sign_ins.max(1)).unwrap_or(u32::MAX)
    }
}

/// The mock provider with one service registered, its relying party, and the timing transport
/// that relying party sends through: the set-up of the whole-sign-in scenarios.
///
/// # Errors
/// A setup error: the mock, the key, the services file or the relying party.
pub(crate) async fn one_timed_service()
-> Result<(MockOneLogin, Arc<TimedTransport>, RelyingParty), BenchError> {
    let provider = start_provider().await?;
    let key = client_key()?;
    let services = services(&provider, 1, &key)?;
    for s in services.iter() {
        provider.register(s);
    }
    let transport = Arc::new(TimedTransport::new()?);
    let one_login = OneLogin::builder(services)
        .transport(Arc::clone(&transport) as Arc<dyn HttpTransport>)
        .build()
        .map_err(|e| BenchError::Setup { code: e.code() })?;
    let rp = one_login.iter().next().cloned().ok_or(BenchError::Setup {
        code: "bench.no_service",
    })?;
    Ok((provider, transport, rp))
}

/// `sign_ins` whole sign-ins of one service against the mock provider, `concurrency` at a time,
/// after one warm-up sign-in that fills the caches.
///
/// # Errors
/// [`BenchError::BadParameter`] for zero sign-ins or concurrency; a setup error; the first
/// sign-in that failed.
pub async fn sign_ins(sign_ins: usize, concurrency: usize) -> Result<SignInReport, BenchError> {
    check_positive("sign_ins", sign_ins)?;
    check_positive("concurrency", concurrency)?;
    let (provider, transport, rp) = one_timed_service().await?;
    sign_in(&rp, &provider).await?;
    let http_before = transport.busy();
    let started = Instant::now();
    let mut total = Split::default();
    let mut tasks = JoinSet::new();
    let mut launched = 0;
    while launched < sign_ins || !tasks.is_empty() {
        while launched < sign_ins && tasks.len() < concurrency {
            let (rp, provider) = (rp.clone(), provider.clone());
            tasks.spawn(async move { sign_in(&rp, &provider).await });
            launched += 1;
        }
        if let Some(joined) = tasks.join_next().await {
            let split = joined.map_err(|e| BenchError::Task {
                reason: e.to_string(),
            })??;
            total.start += split.start;
            total.browser += split.browser;
            total.finish += split.finish;
        }
    }
    let wall = started.elapsed();
    let http = transport.busy().saturating_sub(http_before);
    Ok(SignInReport {
        sign_ins,
        concurrency,
        wall,
        library: (total.start + total.finish).saturating_sub(http),
        http,
        browser: total.browser,
    })
}

/// What [`many_services`] measured.
#[derive(Clone, PartialEq)]
pub struct ServicesReport {
    /// Services on the one provider.
    pub services: usize,
    /// Discovery requests for a sign-in to every service (target: 1).
    pub discovery_requests: u64,
    /// JWKS requests for a sign-in to every service (target: 1).
    pub jwks_requests: u64,
    /// Heap bytes per service: the allocation growth of validating and building `services`
    /// relying parties over building one, divided by the extra services. Zero when no counting
    /// allocator was given.
    pub bytes_per_service: u64,
}

impl fmt::Debug for ServicesReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicesReport")
            .field("services", &self.services)
            .field("discovery_requests", &self.discovery_requests)
            .field("jwks_requests", &self.jwks_requests)
            .field("bytes_per_service", &self.bytes_per_service)
            .finish()
    }
}

fn build(
    provider: &MockOneLogin,
    n: usize,
    key: &SecretString,
    transport: &Arc<TimedTransport>,
) -> Result<OneLogin, BenchError> {
    let services = services(provider, n, key)?;
    OneLogin::builder(services)
        .transport(Arc::clone(transport) as Arc<dyn HttpTransport>)
        .build()
        .map_err(|e| BenchError::Setup { code: e.code() })
}

/// `services` services on one provider: memory per service (with `allocated`, the bytes
/// currently allocated, from a counting global allocator), then one sign-in to every service at
/// once, counting the discovery and JWKS requests.
///
/// # Errors
/// [`BenchError::BadParameter`] for fewer than two services; a setup error; the first sign-in
/// that failed.
pub async fn many_services(
    services: usize,
    allocated: fn() -> usize,
) -> Result<ServicesReport, BenchError> {
    if services < 2 {
        return Err(BenchError::BadParameter {
            name: "services",
            expected: "at least 2",
            actual: services.to_string(),
        });
    }
    let provider = start_provider().await?;
    let key = client_key()?;
    let transport = Arc::new(TimedTransport::new()?);

    let base = allocated();
    let one = build(&provider, 1, &key, &transport)?;
    let one_bytes = allocated().saturating_sub(base);
    drop(one);
    let base = allocated();
    let one_login = Arc::new(build(&provider, services, &key, &transport)?);
    let all_bytes = allocated().saturating_sub(base);
    let extra = u64::try_from(services - 1).unwrap_or(u64::MAX);
    let bytes_per_service =
        u64::try_from(all_bytes.saturating_sub(one_bytes)).unwrap_or(u64::MAX) / extra;

    for rp in one_login.iter() {
        provider.register(rp.config());
    }
    let mut tasks = JoinSet::new();
    for rp in one_login.iter() {
        let (rp, provider) = (rp.clone(), provider.clone());
        tasks.spawn(async move { sign_in(&rp, &provider).await });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| BenchError::Task {
            reason: e.to_string(),
        })??;
    }
    Ok(ServicesReport {
        services,
        discovery_requests: count(&provider, Endpoint::Discovery),
        jwks_requests: count(&provider, Endpoint::Jwks),
        bytes_per_service,
    })
}

/// The sizes `cargo xtask bench` runs the scale scenarios at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalePlan {
    /// Concurrent verifications on a cold cache.
    pub cold_verifications: usize,
    /// Tokens in each unknown-kid flood.
    pub flood_tokens: usize,
    /// Sequential sign-ins (for the library/HTTP split).
    pub sequential_sign_ins: usize,
    /// Sign-ins at each concurrency level of [`ScalePlan::concurrency_levels`].
    pub concurrent_sign_ins: usize,
    /// The concurrency levels measured; the first above 1 gives `signins_per_second`.
    pub concurrency_levels: [usize; 2],
    /// Services on one provider.
    pub services: usize,
    /// Sequential sign-ins through the router and through the facade (each), and router
    /// sign-ins at [`ScalePlan::router_concurrency`].
    pub router_sign_ins: usize,
    /// Browsers signing in through the router at once (`router_signins_per_second`).
    pub router_concurrency: usize,
    /// Sequential sign-ins timed against the crypto floor (and as many again for process CPU).
    pub floor_sign_ins: usize,
    /// Sessions filed in the in-memory store for memory per session.
    pub sessions: usize,
}

impl ScalePlan {
    /// The issue's sizes: 1,000 cold verifications, 10,000 forged tokens, 100 services.
    pub const ISSUE: Self = Self {
        cold_verifications: 1000,
        flood_tokens: 10_000,
        sequential_sign_ins: 200,
        concurrent_sign_ins: 400,
        concurrency_levels: [8, 32],
        services: 100,
        router_sign_ins: 400,
        router_concurrency: 8,
        floor_sign_ins: 400,
        sessions: 10_000,
    };
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}

/// Runs every scale scenario of `plan`, printing a line per scenario, and returns the figures
/// (named as in `docs/performance.md`). `allocated` reads a counting global allocator.
///
/// # Errors
/// The first scenario that failed.
pub async fn run_all(
    plan: ScalePlan,
    allocated: fn() -> usize,
) -> Result<Vec<crate::Figure>, BenchError> {
    use crate::Figure;
    let mut figures = Vec::new();
    let n = plan.services;

    let cold = cold_cache(plan.cold_verifications).await?;
    println!("{cold:?}");
    figures.push(Figure::new(
        "cold_concurrent_jwks_requests",
        cold.jwks_requests as f64,
        "requests",
    ));
    figures.push(Figure::new(
        "cold_concurrent_discovery_requests",
        cold.discovery_requests as f64,
        "requests",
    ));
    figures.push(Figure::new("cold_concurrent_wall_ms", ms(cold.wall), "ms"));

    let flood = unknown_kid_flood(plan.flood_tokens, 1).await?;
    println!("{flood:?}");
    figures.push(Figure::new(
        "unknown_kid_flood_jwks_requests",
        flood.jwks_requests as f64,
        "requests",
    ));
    figures.push(Figure::new(
        "unknown_kid_rejection_us",
        us(flood.per_rejection),
        "us",
    ));
    let flood10 = unknown_kid_flood(plan.flood_tokens, 10).await?;
    println!("{flood10:?}");
    figures.push(Figure::new(
        "unknown_kid_flood_10_windows_jwks_requests",
        flood10.jwks_requests as f64,
        "requests",
    ));

    let sequential = sign_ins(plan.sequential_sign_ins, 1).await?;
    println!("{sequential:?}");
    figures.push(Figure::new(
        "signins_per_second_sequential",
        sequential.per_second(),
        "per_second",
    ));
    figures.push(Figure::new(
        "signin_library_us",
        us(sequential.library_per_sign_in()),
        "us",
    ));
    figures.push(Figure::new(
        "signin_library_share_percent",
        sequential.library_share(),
        "percent",
    ));
    figures.push(Figure::new(
        "signin_http_share_percent",
        sequential.http_share(),
        "percent",
    ));
    figures.push(Figure::new(
        "signin_browser_share_percent",
        sequential.browser_share(),
        "percent",
    ));
    for (i, level) in plan.concurrency_levels.into_iter().enumerate() {
        let report = sign_ins(plan.concurrent_sign_ins, level).await?;
        println!("{report:?}");
        if i == 0 {
            figures.push(Figure::new(
                "signins_per_second",
                report.per_second(),
                "per_second",
            ));
        }
        figures.push(Figure::new(
            format!("signins_per_second_concurrency_{level}"),
            report.per_second(),
            "per_second",
        ));
    }

    let services = many_services(n, allocated).await?;
    println!("{services:?}");
    figures.push(Figure::new(
        format!("services_{n}_discovery_requests"),
        services.discovery_requests as f64,
        "requests",
    ));
    figures.push(Figure::new(
        format!("services_{n}_jwks_requests"),
        services.jwks_requests as f64,
        "requests",
    ));
    figures.push(Figure::new(
        format!("services_{n}_bytes_per_service"),
        services.bytes_per_service as f64,
        "bytes",
    ));

    figures.extend(issue_18(plan, allocated).await?);
    Ok(figures)
}

/// Issue 18: sign-ins through the axum router next to the facade, the library against its
/// crypto floor, memory per stored session.
async fn issue_18(
    plan: ScalePlan,
    allocated: fn() -> usize,
) -> Result<Vec<crate::Figure>, BenchError> {
    use crate::Figure;
    let mut figures = Vec::new();
    let router = crate::router_sign_ins(plan.router_sign_ins, plan.router_concurrency).await?;
    println!("{router:?}");
    figures.push(Figure::new(
        "router_signins_per_second",
        router.per_second(),
        "per_second",
    ));
    figures.push(Figure::new(
        "router_overhead_ratio",
        router.overhead_ratio(),
        "ratio",
    ));
    figures.push(Figure::new(
        "router_signins_per_second_sequential",
        router.per_second_sequential(),
        "per_second",
    ));
    figures.push(Figure::new("router_signin_us", us(router.router), "us"));
    figures.push(Figure::new("facade_signin_us", us(router.facade), "us"));

    match crate::signins_redis_vs_memory(plan.router_sign_ins, plan.router_concurrency).await? {
        Some(stores) => {
            println!("{stores:?}");
            figures.push(Figure::new(
                "signins_redis_vs_memory",
                stores.ratio(),
                "ratio",
            ));
        }
        None => println!("signins_redis_vs_memory: not measured (no redis-server)"),
    }

    let floor = crate::cpu_vs_crypto_floor(plan.floor_sign_ins).await?;
    println!("{floor:?}");
    figures.push(Figure::new(
        "signin_cpu_vs_crypto_floor",
        floor.ratio(),
        "ratio",
    ));
    figures.push(Figure::new(
        "signin_library_median_us",
        us(floor.library),
        "us",
    ));
    figures.push(Figure::new("crypto_floor_us", us(floor.floor), "us"));
    figures.push(Figure::new(
        "crypto_floor_rs256_sign_us",
        us(floor.rs256_sign),
        "us",
    ));
    figures.push(Figure::new(
        "crypto_floor_es256_verify_us",
        us(floor.es256_verify),
        "us",
    ));
    figures.push(Figure::new(
        "rsa_key_parse_us",
        us(floor.rsa_key_parse),
        "us",
    ));
    if let Some(cpu) = floor.process_cpu {
        figures.push(Figure::new("signin_process_cpu_us", us(cpu), "us"));
    }

    let sessions = crate::session_memory(plan.sessions, allocated).await?;
    println!("{sessions:?}");
    figures.push(Figure::new(
        "session_bytes",
        sessions.bytes_per_session as f64,
        "bytes",
    ));
    figures.push(Figure::new(
        "session_held_bytes",
        sessions.held_bytes as f64,
        "bytes",
    ));
    figures.push(Figure::new(
        "session_sealed_bytes",
        sessions.sealed_bytes as f64,
        "bytes",
    ));
    Ok(figures)
}
