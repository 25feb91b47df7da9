//! Warm-key ID-token verification, ES256 and RS256: this project, bare jsonwebtoken,
//! openidconnect 4 and the raw aws-lc signature check, on the same token and key; then this
//! project's verifier against key sets of growing size.

#![allow(clippy::expect_used)] // A benchmark that cannot set up has nothing to measure.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use govuk_one_login_benches::{
    Algorithm, Contender, Contenders, KEY_COUNTS, Ours, TokenFixture, verify_group,
};

fn verification(c: &mut Criterion) {
    let fixture = TokenFixture::mint().expect("the mock provider mints the fixture");
    for alg in Algorithm::ALL {
        let contenders = Contenders::new(&fixture, alg).expect("every contender accepts the token");
        let token = fixture.token(alg);
        let mut group = c.benchmark_group(verify_group(alg));
        for contender in Contender::ALL {
            match contender {
                Contender::RawAwsLc => group.bench_function(contender.id(), |b| {
                    b.iter(|| black_box(contenders.raw.verify()));
                }),
                _ => group.bench_function(contender.id(), |b| {
                    b.iter(|| black_box(contenders.verify(contender, black_box(token))));
                }),
            };
        }
        group.finish();
    }

    let mut group = c.benchmark_group("verify_keys");
    for n in KEY_COUNTS {
        let with_keys = fixture
            .with_decoy_keys(n.saturating_sub(2))
            .expect("decoy keys");
        let ours = Ours::new(&with_keys, Algorithm::ES256).expect("the key set parses");
        let token = with_keys.token(Algorithm::ES256);
        ours.verify(token).expect("ours accepts the token");
        group.bench_function(n.to_string(), |b| {
            b.iter(|| black_box(ours.verify(black_box(token))));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the whole of `cargo xtask bench` must stay under 10 minutes on 2 cores.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = verification
}
criterion_main!(benches);
