//! Issue 18's scenarios: whole sign-ins through the axum router (`govuk-one-login-axum`) next to
//! the facade called directly, the library's time per sign-in against its crypto floor, and the
//! memory one stored session takes.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use axum::Router;
use axum::routing::get;
use govuk_one_login::{
    Clock as _, OneLogin, RelyingParty, Sealer, SealingKey, SessionId, SessionLimits,
    SessionStore as _, SignInOptions, SignedIn, StoredSession, StoredSignIn, SubjectKey, Url,
};
use govuk_one_login_axum::{InMemorySessionStore, TestApp};
use govuk_one_login_redis::Stores;
use govuk_one_login_redis::test_util::RedisServer;
use govuk_one_login_testkit::{Harness, MockOneLogin, auth_service};
use tokio::task::JoinSet;

use crate::contenders::{Algorithm, RawAwsLc, TokenFixture};
use crate::error::BenchError;
use crate::scale::{check_positive, one_timed_service, sign_in};

/// The median of `times` (zero for none).
fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times[n / 2],
        n => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    let b = b.as_secs_f64();
    if b > 0.0 { a.as_secs_f64() / b } else { 0.0 }
}

fn router_err(code: &'static str) -> BenchError {
    BenchError::SignIn {
        step: "router",
        code,
    }
}

/// A browser for the router: keeps cookies, follows the redirects to the mock's `/authorize` and
/// back to the callback, and stops at the callback's `303` to the home page.
fn browser() -> Result<reqwest::Client, BenchError> {
    reqwest::Client::builder()
        .cookie_store(true)
        .user_agent("Mozilla/5.0 (govuk-one-login-benches browser)")
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().path() == "/" {
                attempt.stop()
            } else if attempt.previous().len() > 4 {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|_| BenchError::Transport {
            code: "bench.browser",
        })
}

/// One whole sign-in through the router: `GET /sign-in/app` → the mock's `/authorize` → the
/// callback, which must answer `303` to `/` (the session cookie set).
async fn router_sign_in(client: &reqwest::Client, sign_in_url: &Url) -> Result<(), BenchError> {
    let response = client
        .get(sign_in_url.clone())
        .header("accept", "text/html")
        .send()
        .await
        .map_err(|_| router_err("bench.transport"))?;
    let landed = response.status().as_u16() == 303
        && response
            .headers()
            .get("location")
            .is_some_and(|l| l.as_bytes() == b"/");
    // Read the (empty) body so that the connection goes back to the pool.
    let _ = response.bytes().await;
    if landed {
        Ok(())
    } else {
        Err(router_err("bench.unexpected_answer"))
    }
}

/// One whole sign-in calling the facade directly, as the router does: `start_sign_in`, the
/// mock's `/authorize`, `OneLogin::finish_sign_in` with the one pending sign-in.
async fn facade_sign_in(
    one_login: &OneLogin,
    rp: &RelyingParty,
    provider: &MockOneLogin,
) -> Result<SignedIn, BenchError> {
    let start = rp
        .start_sign_in(SignInOptions::default())
        .await
        .map_err(|e| BenchError::SignIn {
            step: "start",
            code: e.code(),
        })?;
    let callback = provider
        .authorize(&start.url)
        .await
        .map_err(|e| BenchError::SignIn {
            step: "authorize",
            code: e.code(),
        })?;
    one_login
        .finish_sign_in(
            callback.query().unwrap_or_default(),
            &mut vec![start.pending],
        )
        .await
        .map_err(|e| BenchError::SignIn {
            step: "finish",
            code: e.code(),
        })
}

/// What [`router_sign_ins`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RouterReport {
    /// Sign-ins of each kind in the sequential, interleaved phase.
    pub sign_ins: usize,
    /// The median time of one sign-in through the router (three loopback requests from the
    /// browser: sign-in, `/authorize`, callback).
    pub router: Duration,
    /// The median time of one sign-in calling the facade directly (`/authorize` the only
    /// browser request).
    pub facade: Duration,
    /// Wall time of the sequential router sign-ins alone (their sum).
    pub router_total: Duration,
    /// Browsers signing in at once in the concurrent phase.
    pub concurrency: usize,
    /// Sign-ins in the concurrent phase.
    pub concurrent_sign_ins: usize,
    /// Wall time of the concurrent phase.
    pub concurrent_wall: Duration,
}

impl RouterReport {
    /// Router time per sign-in over facade time per sign-in (medians).
    pub fn overhead_ratio(&self) -> f64 {
        ratio(self.router, self.facade)
    }

    /// Router sign-ins per second, one at a time.
    pub fn per_second_sequential(&self) -> f64 {
        let secs = self.router_total.as_secs_f64();
        if secs > 0.0 {
            self.sign_ins as f64 / secs
        } else {
            0.0
        }
    }

    /// Router sign-ins per second with [`RouterReport::concurrency`] browsers at once.
    pub fn per_second(&self) -> f64 {
        let secs = self.concurrent_wall.as_secs_f64();
        if secs > 0.0 {
            self.concurrent_sign_ins as f64 / secs
        } else {
            0.0
        }
    }
}

/// An app of one service (`app`) served by the router on loopback against the testkit's mock
/// One Login ([`TestApp`]); first `sign_ins` sequential sign-ins through the router interleaved
/// with as many through the facade directly (the same relying party, mock and caches), one
/// browser; then `sign_ins` router sign-ins by `concurrency` browsers at once. One warm-up sign-in
/// of each kind fills the caches and the connection pools first.
///
/// # Errors
/// [`BenchError::BadParameter`] for zero sign-ins or concurrency; the first sign-in that failed.
///
/// # Panics
/// As [`TestApp::start`], if the app cannot be served.
pub async fn router_sign_ins(
    sign_ins: usize,
    concurrency: usize,
) -> Result<RouterReport, BenchError> {
    check_positive("sign_ins", sign_ins)?;
    check_positive("concurrency", concurrency)?;
    let app =
        TestApp::start(|auth| auth.mount(Router::new().route("/", get(|| async { "home" })))).await;
    let one_login = app.harness.one_login.clone();
    let rp = app.harness.rp("app").clone();
    let provider = app.harness.provider.clone();
    let url = app.url("/sign-in/app");
    let client = browser()?;
    router_sign_in(&client, &url).await?;
    facade_sign_in(&one_login, &rp, &provider).await?;

    let (mut router, mut facade) = (Vec::new(), Vec::new());
    for _ in 0..sign_ins {
        let t = Instant::now();
        router_sign_in(&client, &url).await?;
        router.push(t.elapsed());
        let t = Instant::now();
        facade_sign_in(&one_login, &rp, &provider).await?;
        facade.push(t.elapsed());
    }
    let router_total = router.iter().sum();

    let concurrent_wall = concurrent_router_sign_ins(url, sign_ins, concurrency).await?;
    Ok(RouterReport {
        sign_ins,
        router: median(&mut router),
        facade: median(&mut facade),
        router_total,
        concurrency,
        concurrent_sign_ins: sign_ins,
        concurrent_wall,
    })
}

/// `sign_ins` router sign-ins at `url` by `concurrency` browsers at once (each its own cookie
/// jar and connections); the wall time they took together.
async fn concurrent_router_sign_ins(
    url: Url,
    sign_ins: usize,
    concurrency: usize,
) -> Result<Duration, BenchError> {
    let url = Arc::new(url);
    let mut tasks = JoinSet::new();
    let started = Instant::now();
    for b in 0..concurrency {
        let share = sign_ins / concurrency + usize::from(b < sign_ins % concurrency);
        let (client, url) = (browser()?, Arc::clone(&url));
        tasks.spawn(async move {
            for _ in 0..share {
                router_sign_in(&client, &url).await?;
            }
            Ok::<(), BenchError>(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|e| BenchError::Task {
            reason: e.to_string(),
        })??;
    }
    Ok(started.elapsed())
}

/// What [`signins_redis_vs_memory`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreReport {
    /// Sign-ins in each phase.
    pub sign_ins: usize,
    /// Browsers signing in at once.
    pub concurrency: usize,
    /// Wall time with the in-memory stores (sessions, states, logout `jti`s).
    pub memory: Duration,
    /// Wall time with every store on a local `redis-server`.
    pub redis: Duration,
}

impl StoreReport {
    /// Sign-ins per second with Redis over sign-ins per second in memory (1.0: as fast).
    pub fn ratio(&self) -> f64 {
        ratio(self.memory, self.redis)
    }
}

/// `sign_ins` router sign-ins by `concurrency` browsers, once with the in-memory stores and once
/// with the session, state and logout-token stores on a `redis-server` started on a free
/// loopback port for the run (each after one warm-up sign-in); `None` when `redis-server` is not
/// installed (it prints SKIPPED).
///
/// # Errors
/// [`BenchError::BadParameter`] for zero sizes; [`BenchError::Task`] when the stores cannot
/// connect; the first sign-in that failed.
///
/// # Panics
/// As [`TestApp::start`], if an app cannot be served.
pub async fn signins_redis_vs_memory(
    sign_ins: usize,
    concurrency: usize,
) -> Result<Option<StoreReport>, BenchError> {
    check_positive("sign_ins", sign_ins)?;
    check_positive("concurrency", concurrency)?;
    let Some(redis) = RedisServer::start() else {
        return Ok(None);
    };
    let home = || Router::new().route("/", get(|| async { "home" }));
    let memory_app = TestApp::start(|auth| auth.mount(home())).await;
    let config = redis.store_with("bench:", Duration::from_secs(5));
    let stores = Stores::connect(&config)
        .await
        .map_err(|e| BenchError::Task {
            reason: e.to_string(),
        })?;
    let (replay, states, sessions) = (
        stores.replay.clone(),
        stores.states.clone(),
        stores.sessions.clone(),
    );
    let redis_app = TestApp::start_with_builders(
        vec![auth_service("app", "app-client")],
        |b| b.replay_store(replay).state_store(states),
        |b| b.store(sessions),
        |auth| auth.mount(home()),
    )
    .await;
    let mut walls = Vec::new();
    for app in [&memory_app, &redis_app] {
        let url = app.url("/sign-in/app");
        router_sign_in(&browser()?, &url).await?;
        walls.push(concurrent_router_sign_ins(url, sign_ins, concurrency).await?);
    }
    Ok(Some(StoreReport {
        sign_ins,
        concurrency,
        memory: walls[0],
        redis: walls[1],
    }))
}

/// The crypto a sign-in cannot avoid, done with aws-lc directly: one RS256 signature with an
/// RSA-2048 key (the client assertion) and one ES256 verification (the ID token).
struct Floor {
    key: RsaKeyPair,
    /// The key's PKCS#8 DER, to time what parsing it costs (not part of the floor).
    der: Vec<u8>,
    rng: SystemRandom,
    message: Vec<u8>,
    signature: Vec<u8>,
    es256: RawAwsLc,
}

impl Floor {
    fn new(fixture: &TokenFixture) -> Result<Self, BenchError> {
        let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| BenchError::Key {
            contender: "floor",
            reason: e.to_string(),
        })?;
        let signature = vec![0; key.public_modulus_len()];
        let der = AsDer::<Pkcs8V1Der>::as_der(&key)
            .map_err(|e| BenchError::Key {
                contender: "floor",
                reason: e.to_string(),
            })?
            .as_ref()
            .to_vec();
        Ok(Self {
            key,
            der,
            rng: SystemRandom::new(),
            // About the length of a client assertion's signing input.
            message: vec![b'a'; 420],
            signature,
            es256: RawAwsLc::new(fixture, Algorithm::ES256)?,
        })
    }

    /// Times parsing the RSA key from its DER, as a signer that keeps only the DER does before
    /// every signature (outside the floor).
    fn parse(&self) -> Result<Duration, BenchError> {
        let t = Instant::now();
        let key = RsaKeyPair::from_pkcs8(std::hint::black_box(&self.der)).map_err(|e| {
            BenchError::Key {
                contender: "floor",
                reason: e.to_string(),
            }
        })?;
        let took = t.elapsed();
        drop(std::hint::black_box(key));
        Ok(took)
    }

    /// Times one signature and one verification.
    fn once(&mut self) -> Result<(Duration, Duration), BenchError> {
        let t = Instant::now();
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                std::hint::black_box(&self.message),
                &mut self.signature,
            )
            .map_err(|e| BenchError::Key {
                contender: "floor",
                reason: e.to_string(),
            })?;
        let sign = t.elapsed();
        let t = Instant::now();
        std::hint::black_box(self.es256.verify())?;
        Ok((sign, t.elapsed()))
    }
}

/// The process's CPU time so far (user and system, every thread), from `/proc/self/stat`, in
/// clock ticks of 10 ms. `None` off Linux.
fn process_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// What [`cpu_vs_crypto_floor`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FloorReport {
    /// Sign-ins measured (and as many floors, interleaved).
    pub sign_ins: usize,
    /// The median library time of one sign-in: `start_sign_in` + `finish_sign_in` less the time
    /// inside the HTTP transport (as `signin_library_us`).
    pub library: Duration,
    /// The median of one RS256 signature plus one ES256 verification with aws-lc.
    pub floor: Duration,
    /// The median RS256 (RSA-2048) signature.
    pub rs256_sign: Duration,
    /// The median ES256 verification.
    pub es256_verify: Duration,
    /// The median time to parse the RSA-2048 private key from PKCS#8 DER (aws-lc checks it):
    /// not part of the floor, but what a signer pays per signature if it keeps only the DER.
    pub rsa_key_parse: Duration,
    /// The process's CPU time per sign-in over a second run of `sign_ins` sign-ins without the
    /// floor: the library, reqwest, and the in-process mock provider with its HTTP server (so
    /// well above the library's own). `None` where `/proc/self/stat` is missing.
    pub process_cpu: Option<Duration>,
}

impl FloorReport {
    /// The library's time per sign-in over its crypto floor (medians).
    pub fn ratio(&self) -> f64 {
        ratio(self.library, self.floor)
    }
}

/// `sign_ins` sequential whole sign-ins of one service against the mock provider (as
/// [`crate::sign_ins`]), each followed by one floor (an RS256 signature and an ES256
/// verification with aws-lc directly); then as many sign-ins again, for the process's CPU time.
///
/// # Errors
/// [`BenchError::BadParameter`] for zero sign-ins; a setup error; the first sign-in that failed.
pub async fn cpu_vs_crypto_floor(sign_ins: usize) -> Result<FloorReport, BenchError> {
    check_positive("sign_ins", sign_ins)?;
    let (provider, transport, rp) = one_timed_service().await?;
    let mut floor = Floor::new(&TokenFixture::from_provider(&provider))?;
    sign_in(&rp, &provider).await?;
    floor.once()?;

    let (mut library, mut floors, mut signs, mut verifies, mut parses) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..sign_ins {
        let http = transport.busy();
        let split = sign_in(&rp, &provider).await?;
        let http = transport.busy().saturating_sub(http);
        library.push((split.start + split.finish).saturating_sub(http));
        let (sign, verify) = floor.once()?;
        floors.push(sign + verify);
        signs.push(sign);
        verifies.push(verify);
        parses.push(floor.parse()?);
    }

    let before = process_cpu();
    for _ in 0..sign_ins {
        sign_in(&rp, &provider).await?;
    }
    let process_cpu = before
        .zip(process_cpu())
        .map(|(a, b)| b.saturating_sub(a) / u32::try_from(sign_ins).unwrap_or(u32::MAX));
    Ok(FloorReport {
        sign_ins,
        library: median(&mut library),
        floor: median(&mut floors),
        rs256_sign: median(&mut signs),
        es256_verify: median(&mut verifies),
        rsa_key_parse: median(&mut parses),
        process_cpu,
    })
}

/// What [`session_memory`] measured.
#[derive(Clone, PartialEq)]
pub struct SessionReport {
    /// Sessions stored.
    pub sessions: usize,
    /// The sealed `SignedIn` of one sign-in (no identity claims), in bytes.
    pub sealed_bytes: usize,
    /// The byte lengths the store holds per session: the sealed bytes, the service name, the
    /// subject key and the two times of the `StoredSignIn`, the session key three times (the
    /// map, the recency index, the subject index) and the subject key once more (its index).
    pub held_bytes: usize,
    /// Heap bytes per session: the allocation growth of an [`InMemorySessionStore`] holding
    /// `sessions` sessions of one sign-in each, divided by `sessions` (every container's
    /// headers, spare capacity and tree nodes included). Zero without a counting allocator.
    pub bytes_per_session: u64,
}

impl fmt::Debug for SessionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionReport")
            .field("sessions", &self.sessions)
            .field("sealed_bytes", &self.sealed_bytes)
            .field("held_bytes", &self.held_bytes)
            .field("bytes_per_session", &self.bytes_per_session)
            .finish()
    }
}

/// One real sign-in (the testkit's `auth_service`: email and phone, no identity), then
/// `sessions` sessions each holding that `SignedIn` freshly sealed, filed in an
/// [`InMemorySessionStore`] with the default limits under fresh session ids. Each session's
/// subject key is made distinct (the service and the real `sub` with a counter), as if each were
/// another person, so the subject index holds one entry per session as it would in production;
/// the sealed bytes are the real sign-in's. `allocated` reads a counting global allocator.
///
/// # Errors
/// [`BenchError::BadParameter`] for zero sessions or more than the store's capacity; a sign-in,
/// sealing or random-number failure.
///
/// # Panics
/// As `Harness::start`, if the mock cannot start.
pub async fn session_memory(
    sessions: usize,
    allocated: fn() -> usize,
) -> Result<SessionReport, BenchError> {
    let limits = SessionLimits::default();
    check_positive("sessions", sessions)?;
    if sessions > limits.capacity {
        return Err(BenchError::BadParameter {
            name: "sessions",
            expected: "at most the store's capacity (100,000)",
            actual: sessions.to_string(),
        });
    }
    let harness = Harness::start(vec![auth_service("app", "app-client")]).await;
    let signed_in =
        facade_sign_in(&harness.one_login, harness.rp("app"), &harness.provider).await?;
    let seal_err = |e: govuk_one_login::SealError| BenchError::Setup { code: e.code() };
    let sealer = Sealer::new(SealingKey::generate().map_err(seal_err)?.0);
    let now = harness.clock.now_unix();
    let one = StoredSignIn::seal(&sealer, &signed_in, now).map_err(seal_err)?;
    let key_len = SessionId::generate()
        .map_err(|_| BenchError::Setup {
            code: "bench.random",
        })?
        .key()
        .as_str()
        .len();
    let held_bytes = one.sealed.len()
        + one.service.len()
        + one.subject.as_str().len()
        + 2 * size_of::<i64>()
        + 3 * key_len
        + one.subject.as_str().len();

    let base = allocated();
    let store = InMemorySessionStore::new(limits);
    for i in 0..sessions {
        let mut stored = StoredSignIn::seal(&sealer, &signed_in, now).map_err(seal_err)?;
        stored.subject = SubjectKey::of("app", &format!("{}-{i}", signed_in.sub()));
        let mut session = StoredSession::default();
        session.put(stored);
        let id = SessionId::generate().map_err(|_| BenchError::Setup {
            code: "bench.random",
        })?;
        store
            .save(&id.key(), session, now)
            .await
            .map_err(|e| BenchError::Setup { code: e.code() })?;
    }
    let grown = allocated().saturating_sub(base);
    if store.len() != sessions {
        return Err(BenchError::Setup {
            code: "bench.sessions_lost",
        });
    }
    Ok(SessionReport {
        sessions,
        sealed_bytes: one.sealed.len(),
        held_bytes,
        bytes_per_session: u64::try_from(grown / sessions).unwrap_or(u64::MAX),
    })
}
