//! # govuk-one-login-benches
//!
//! The project's benchmarks (not published): how fast this toolkit verifies ID tokens next to
//! what a team would otherwise use, and how its caches behave under load and at scale. Nobody
//! depends on this crate; run it with `cargo xtask bench`, which
//!
//! 1. runs the criterion benchmark `benches/verify.rs`: warm-key ID-token verification, ES256
//!    and RS256, the same token and key for four [`Contender`]s: this project's verifier, bare
//!    `jsonwebtoken::decode` with a cached `DecodingKey`, openidconnect 4's verifier, and the
//!    raw aws-lc signature check (the floor); and this project's verifier against key sets of
//!    [`KEY_COUNTS`] keys;
//! 2. runs the `scale` binary: the cold cache under concurrency, the unknown-kid flood, whole
//!    sign-ins on loopback and 100 services on one provider, then issue 18's figures: sign-ins
//!    through the axum router next to the facade ([`router_sign_ins`]), the library's time per
//!    sign-in against its crypto floor ([`cpu_vs_crypto_floor`]) and the memory of one stored
//!    session ([`session_memory`]) ([`run_all`]), against the testkit's mock One Login, into
//!    `target/bench-scale.json`;
//! 3. runs the `summary` binary: criterion's medians become throughput ratios, which with the
//!    scale figures are written to `target/bench-summary.json` ([`summarize`]) and printed as a
//!    table with the issue's targets ([`table`]).
//!
//! `docs/performance.md` explains each figure and records the latest ones.
//!
//! Every contender is checked before timing: it must accept the fixture token and refuse a
//! tampered one, so that no figure measures a failure path.
//!
//! ```
//! use govuk_one_login_benches::{Algorithm, Contender, Contenders, TokenFixture, tampered};
//!
//! let fixture = TokenFixture::mint()?; // a mock One Login signs the tokens
//! let es256 = Contenders::new(&fixture, Algorithm::ES256)?;
//! for contender in Contender::ALL {
//!     es256.verify(contender, fixture.token(Algorithm::ES256))?;
//! }
//! let forged = tampered(fixture.token(Algorithm::ES256));
//! let err = es256.verify(Contender::Ours, &forged).unwrap_err();
//! assert_eq!(err.code(), "bench.rejected");
//! # Ok::<(), govuk_one_login_benches::BenchError>(())
//! ```

mod contenders;
mod error;
mod router;
mod scale;
mod summary;

pub use contenders::{
    Algorithm, CLIENT_ID, Contender, Contenders, Jsonwebtoken, NONCE, OpenIdConnect, Ours,
    RawAwsLc, TOKEN_LIFETIME_SECS, TokenFixture, id_token_claims, tampered, unix_now,
};
pub use error::BenchError;
pub use router::{
    FloorReport, RouterReport, SessionReport, StoreReport, cpu_vs_crypto_floor, router_sign_ins,
    session_memory, signins_redis_vs_memory,
};
pub use scale::{
    ColdCacheReport, FloodReport, ScalePlan, ServicesReport, SignInReport, TimedTransport,
    client_key, cold_cache, many_services, run_all, service_spec, sign_ins, unknown_kid_flood,
};
pub use summary::{
    Figure, Paths, REQUIRED_FIGURES, Target, criterion_median_ns, key_count_figures,
    missing_required, read_figures, summarize, table, target_for, verification_figures,
    verify_group, write_figures,
};

/// The key-set sizes the key-count benchmark verifies against (the signing key is last).
pub const KEY_COUNTS: [usize; 3] = [2, 16, 128];
