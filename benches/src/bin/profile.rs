//! A repeatable stand-in for the verification benchmark, for instruction counts on a busy
//! machine: verifies the fixture token `N` times with this project's verifier (`profile_ours`)
//! and `N` times with the raw aws-lc floor (`profile_raw`), for one algorithm per run (so that
//! each loop is its own function in the profile).
//!
//! ```sh
//! cargo build --profile bench -p govuk-one-login-benches --bin profile
//! valgrind --tool=callgrind target/release/profile es256 1000
//! callgrind_annotate --inclusive=yes callgrind.out.* | grep profile_
//! ```
//!
//! The inclusive count of `profile_raw` over that of `profile_ours` approximates
//! the criterion ratio `verify_<alg>_vs_raw_signature` without wall-clock noise.
//!
//! `profile es256 200 time` instead alternates 100 batches of 200 verifications of each kind and
//! prints the fastest batch of each and their ratio: on a loaded machine the fastest batches are
//! the ones nothing else interrupted, so the ratio is steadier than a median (still a rough
//! figure: criterion's, in a quiet run, is the one to report).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use govuk_one_login_benches::{Algorithm, Ours, RawAwsLc, TokenFixture};

#[inline(never)]
fn profile_ours(ours: &Ours, token: &str, n: usize) -> usize {
    (0..n)
        .filter(|_| black_box(ours.verify(black_box(token))).is_ok())
        .count()
}

#[inline(never)]
fn profile_raw(raw: &RawAwsLc, n: usize) -> usize {
    (0..n).filter(|_| black_box(raw.verify()).is_ok()).count()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let alg = match args.next().as_deref() {
        Some("es256") => Algorithm::ES256,
        Some("rs256") => Algorithm::RS256,
        _ => {
            eprintln!("usage: profile es256|rs256 [N]");
            return ExitCode::FAILURE;
        }
    };
    let n = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let timed = args.next().as_deref() == Some("time");
    let fixture = match TokenFixture::mint() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("profile: {e} [{}]", e.code());
            return ExitCode::FAILURE;
        }
    };
    let (ours, raw) = match (Ours::new(&fixture, alg), RawAwsLc::new(&fixture, alg)) {
        (Ok(o), Ok(r)) => (o, r),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("profile: {e} [{}]", e.code());
            return ExitCode::FAILURE;
        }
    };
    let token = fixture.token(alg);
    if timed {
        return fastest_batches(&ours, &raw, token, n, alg);
    }
    let (ok_ours, ok_raw) = (profile_ours(&ours, token, n), profile_raw(&raw, n));
    if ok_ours != n || ok_raw != n {
        eprintln!("profile: {}: a verification failed", alg.as_str());
        return ExitCode::FAILURE;
    }
    println!("{}: {n} verifications each, ours and raw", alg.as_str());
    ExitCode::SUCCESS
}

/// Alternates batches of `n` verifications of each kind and prints the fastest batch of each.
fn fastest_batches(ours: &Ours, raw: &RawAwsLc, token: &str, n: usize, alg: Algorithm) -> ExitCode {
    const BATCHES: usize = 100;
    let (mut best_ours, mut best_raw) = (Duration::MAX, Duration::MAX);
    for _ in 0..BATCHES {
        let start = Instant::now();
        let ok_ours = profile_ours(ours, token, n);
        let mid = Instant::now();
        let ok_raw = profile_raw(raw, n);
        let end = Instant::now();
        if ok_ours != n || ok_raw != n {
            eprintln!("profile: {}: a verification failed", alg.as_str());
            return ExitCode::FAILURE;
        }
        best_ours = best_ours.min(mid - start);
        best_raw = best_raw.min(end - mid);
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!(
        "{}: fastest of {BATCHES} batches of {n}: ours {:.2} us, raw {:.2} us, ratio {:.3}",
        alg.as_str(),
        per(best_ours),
        per(best_raw),
        per(best_raw) / per(best_ours)
    );
    ExitCode::SUCCESS
}
