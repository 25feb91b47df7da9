//! The benchmark's contenders measure what they claim: each accepts the fixture token and
//! refuses forgeries, for both algorithms.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

use std::sync::OnceLock;

use govuk_one_login_benches::{
    Algorithm, BenchError, Contender, Contenders, Ours, TokenFixture, tampered,
};

fn fixture() -> &'static TokenFixture {
    static FIXTURE: OnceLock<TokenFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| TokenFixture::mint().unwrap())
}

#[test]
fn every_contender_accepts_the_fixture_token_for_both_algorithms() {
    for alg in Algorithm::ALL {
        let contenders = Contenders::new(fixture(), alg).unwrap();
        for contender in Contender::ALL {
            assert_eq!(
                contenders.verify(contender, fixture().token(alg)),
                Ok(()),
                "{alg:?} {contender:?}"
            );
        }
        assert_eq!(contenders.raw.verify(), Ok(()));
    }
}

#[test]
fn every_contender_refuses_a_tampered_token() {
    for alg in Algorithm::ALL {
        let contenders = Contenders::new(fixture(), alg).unwrap();
        let forged = tampered(fixture().token(alg));
        assert_ne!(forged, fixture().token(alg));
        for contender in Contender::ALL {
            let err = contenders.verify(contender, &forged).unwrap_err();
            assert_eq!(err.code(), "bench.rejected", "{alg:?} {contender:?}");
        }
    }
}

#[test]
fn ours_refuses_the_token_of_the_other_algorithm_with_the_verify_code() {
    let ours = Ours::new(fixture(), Algorithm::ES256).unwrap();
    let err = ours.verify(fixture().token(Algorithm::RS256)).unwrap_err();
    assert_eq!(
        err,
        BenchError::Rejected {
            contender: "ours",
            reason: "header.alg_not_allowed".to_owned(),
        }
    );
}

#[test]
fn ours_reports_a_bad_signature_as_signature_invalid() {
    let ours = Ours::new(fixture(), Algorithm::RS256).unwrap();
    let err = ours
        .verify(&tampered(fixture().token(Algorithm::RS256)))
        .unwrap_err();
    assert_eq!(
        err,
        BenchError::Rejected {
            contender: "ours",
            reason: "signature.invalid".to_owned(),
        }
    );
}

#[test]
fn decoy_keys_come_first_and_the_token_still_verifies() {
    let with_keys = fixture().with_decoy_keys(14).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&with_keys.jwks).unwrap();
    let keys = doc["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 16);
    assert_eq!(keys[0]["kid"], "decoy-0");
    let ours = Ours::new(&with_keys, Algorithm::ES256).unwrap();
    assert_eq!(ours.verify(with_keys.token(Algorithm::ES256)), Ok(()));
}

#[test]
fn fixture_debug_leaves_the_tokens_out() {
    let shown = format!("{:?}", fixture());
    assert!(!shown.contains(fixture().token(Algorithm::ES256)));
    assert!(shown.contains("jwks_bytes"));
}
