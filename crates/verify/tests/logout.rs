//! Back-channel logout tokens and their replay protection.

// Test helpers unwrap too: a panic there is a failed test (clippy.toml covers #[test] fns only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::*;
use govuk_one_login_core::{ClientAssertionAlgorithm, InMemoryReplayStore, ReplayStoreError};
use govuk_one_login_verify::{
    BACKCHANNEL_LOGOUT_EVENT, ClaimError, HeaderError, VerifiedLogoutToken, VerifyError,
    verify_logout_token,
};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

/// Runs a future that never waits (the in-memory store answers at once).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn verify(token: &str) -> Result<VerifiedLogoutToken, VerifyError> {
    verify_logout_token(token, &provider_keys(), &logout_expect())
}

fn code(token: &str) -> &'static str {
    verify(token).unwrap_err().code()
}

#[test]
fn verifies_a_one_login_logout_token() {
    let v = verify(&logout_token_with(|_| {})).unwrap();
    assert_eq!(v.sub(), SUB);
    assert_eq!(v.jti(), "6b3c1f5e-2f4a-4b7e-9f1e-0a1b2c3d4e5f");
    assert_eq!(v.iat(), NOW - 5);
    assert_eq!(v.exp(), NOW + 115);
    assert_eq!(v.sid(), None);
    let debug = format!("{v:?}");
    assert!(!debug.contains(SUB) && debug.contains("[redacted]"));
}

#[test]
fn accepts_an_absent_typ_and_the_full_media_type() {
    for header in [
        json!({"alg": "ES256", "kid": EC_KID}),
        json!({"alg": "ES256", "kid": EC_KID, "typ": "application/logout+jwt"}),
    ] {
        let token = sign(
            &header,
            &Value::Object(logout_claims()),
            &ec_a(),
            Algorithm::ES256,
        );
        assert!(verify(&token).is_ok(), "{header}");
    }
}

#[test]
fn accepts_a_sid_when_present() {
    let token = logout_token_with(|c| {
        c.insert("sid".into(), json!("08a5019c-17e1-4977-8f42-65a12843ea02"));
    });
    assert_eq!(
        verify(&token).unwrap().sid(),
        Some("08a5019c-17e1-4977-8f42-65a12843ea02")
    );
}

#[test]
fn rejects_logout_tokens_typed_as_anything_else() {
    for typ in ["JWT", "at+jwt", "logout", "secevent+jwt"] {
        let token = sign(
            &json!({"alg": "ES256", "kid": EC_KID, "typ": typ}),
            &Value::Object(logout_claims()),
            &ec_a(),
            Algorithm::ES256,
        );
        assert_eq!(code(&token), "header.typ", "{typ}");
    }
}

#[test]
fn requires_es256_even_for_clients_registered_for_rs256() {
    let token = sign(
        &json!({"alg": "RS256", "kid": RSA_KID, "typ": "logout+jwt"}),
        &Value::Object(logout_claims()),
        &rsa_a(),
        Algorithm::RS256,
    );
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "ES256",
            actual: "RS256".into()
        })
    );
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "logout+jwt"})
            .to_string()
            .as_bytes()),
        b64(Value::Object(logout_claims()).to_string().as_bytes())
    );
    assert_eq!(
        verify(&none).unwrap_err(),
        VerifyError::Header(HeaderError::AlgorithmNone)
    );
}

#[test]
fn rejects_a_logout_token_whose_kid_names_an_rsa_key() {
    let token = sign(
        &json!({"alg": "ES256", "kid": RSA_KID, "typ": "logout+jwt"}),
        &Value::Object(logout_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(code(&token), "key.alg_mismatch");
}

#[test]
fn rejects_each_required_claim_removed_in_turn() {
    for claim in ["iss", "aud", "exp", "iat", "jti", "sub", "events"] {
        let token = logout_token_with(|c| {
            c.remove(claim);
        });
        assert_eq!(
            verify(&token).unwrap_err(),
            VerifyError::Claims(ClaimError::Missing { claim }),
            "{claim}"
        );
    }
}

#[test]
fn rejects_a_logout_token_carrying_a_nonce() {
    let token = logout_token_with(|c| {
        c.insert("nonce".into(), json!(NONCE));
    });
    assert_eq!(
        verify(&token).unwrap_err(),
        VerifyError::Claims(ClaimError::Forbidden { claim: "nonce" })
    );
}

#[test]
fn rejects_events_that_are_not_exactly_the_back_channel_logout_event_object() {
    let cases = [
        (json!("logout"), "claims.events"),
        (json!([BACKCHANNEL_LOGOUT_EVENT]), "claims.events"),
        (json!({}), "claims.events"),
        (json!({ BACKCHANNEL_LOGOUT_EVENT: "{}" }), "claims.events"),
        (json!({ BACKCHANNEL_LOGOUT_EVENT: true }), "claims.events"),
        (json!({ BACKCHANNEL_LOGOUT_EVENT: [] }), "claims.events"),
        (json!({ BACKCHANNEL_LOGOUT_EVENT: null }), "claims.events"),
        (
            json!({ "http://schemas.openid.net/event/backchannel-logout/": {} }),
            "claims.events",
        ),
        (
            json!({ BACKCHANNEL_LOGOUT_EVENT: {}, "https://schemas.openid.net/secevent/risc/event-type/account-disabled": {} }),
            "claims.events",
        ),
    ];
    for (events, expected) in cases {
        let token = logout_token_with(|c| {
            c.insert("events".into(), events.clone());
        });
        assert_eq!(code(&token), expected, "{events}");
    }
    // A non-empty event object is accepted.
    let token = logout_token_with(|c| {
        c.insert(
            "events".into(),
            json!({ BACKCHANNEL_LOGOUT_EVENT: {"reason": "user"} }),
        );
    });
    assert!(verify(&token).is_ok());
}

#[test]
fn rejects_unusable_jti_values() {
    for jti in [json!(""), json!(1), json!(null), json!("j".repeat(257))] {
        let token = logout_token_with(|c| {
            c.insert("jti".into(), jti.clone());
        });
        assert_eq!(code(&token), "claims.type", "{jti}");
    }
}

#[test]
fn rejects_wrong_issuer_audience_and_malformed_times() {
    let token = logout_token_with(|c| {
        c.insert(
            "iss".into(),
            json!("https://oidc.integration.account.gov.uk"),
        );
    });
    assert_eq!(code(&token), "claims.iss");
    let token = logout_token_with(|c| {
        c.insert("aud".into(), json!([CLIENT_ID, "other"]));
    });
    assert_eq!(code(&token), "claims.aud");
    for claim in ["iat", "exp"] {
        for value in [json!("1760000000"), json!(1.5), json!(-5), json!(null)] {
            let token = logout_token_with(|c| {
                c.insert(claim.into(), value.clone());
            });
            assert_eq!(code(&token), "claims.malformed_time", "{claim}={value}");
        }
    }
}

#[test]
fn checks_expiry_and_issue_time_at_the_boundaries() {
    let keys = provider_keys();
    let token = logout_token_with(|_| {});
    let at = |now: i64| {
        let mut e = logout_expect();
        e.now = now;
        e.leeway = Duration::from_secs(10);
        verify_logout_token(&token, &keys, &e)
    };
    assert!(at(NOW + 124).is_ok());
    assert_eq!(
        at(NOW + 125).unwrap_err(),
        VerifyError::Claims(ClaimError::Expired {
            exp: NOW + 115,
            now: NOW + 125,
            leeway: 10
        })
    );
    // iat = NOW - 5: accepted from NOW - 15 on.
    assert!(at(NOW - 15).is_ok());
    assert_eq!(
        at(NOW - 16).unwrap_err(),
        VerifyError::Claims(ClaimError::IssuedInFuture {
            iat: NOW - 5,
            now: NOW - 16,
            leeway: 10
        })
    );
}

#[test]
fn refuses_a_replayed_logout_token_for_at_least_three_minutes() {
    let store = InMemoryReplayStore::new(10);
    let v = verify(&logout_token_with(|_| {})).unwrap();
    assert!(v.remember_until(NOW) >= NOW + 180);
    assert!(v.remember_until(NOW) >= v.exp());
    // Accepted until exp + leeway, so remembered at least that long plus the replay window.
    assert!(v.remember_until(NOW) >= v.exp() + 30 + 180);
    assert_eq!(block_on(v.check_replay(&store, NOW)), Ok(()));
    assert_eq!(
        block_on(v.check_replay(&store, NOW + 1)),
        Err(VerifyError::Replayed)
    );
    assert_eq!(
        block_on(v.check_replay(&store, NOW + 179)),
        Err(VerifyError::Replayed)
    );
    assert_eq!(VerifyError::Replayed.code(), "logout.replayed");
    // Another jti from the same issuer is fresh.
    let other = verify(&logout_token_with(|c| {
        c.insert("jti".into(), json!("another"));
    }))
    .unwrap();
    assert_eq!(block_on(other.check_replay(&store, NOW)), Ok(()));
    assert_ne!(v.replay_id(), other.replay_id());
}

#[test]
fn reports_a_full_replay_store_instead_of_forgetting() {
    let store = InMemoryReplayStore::new(1);
    let first = verify(&logout_token_with(|_| {})).unwrap();
    block_on(first.check_replay(&store, NOW)).unwrap();
    let second = verify(&logout_token_with(|c| {
        c.insert("jti".into(), json!("second"));
    }))
    .unwrap();
    let err = block_on(second.check_replay(&store, NOW)).unwrap_err();
    assert_eq!(
        err,
        VerifyError::ReplayStore(ReplayStoreError::Full { capacity: 1 })
    );
    assert_eq!(err.code(), "logout.replay_store");
}

// ---------------------------------------------------------------- cross-token substitution

#[test]
fn rejects_an_id_token_presented_as_a_logout_token() {
    assert_eq!(
        verify(&id_token()).unwrap_err(),
        VerifyError::Claims(ClaimError::Missing { claim: "jti" })
    );
    let with_jti = id_token_with(|c| {
        c.insert("jti".into(), json!("j-1"));
    });
    assert_eq!(
        verify(&with_jti).unwrap_err(),
        VerifyError::Claims(ClaimError::Forbidden { claim: "nonce" })
    );
    let typed = sign(
        &json!({"alg": "ES256", "kid": EC_KID, "typ": "JWT"}),
        &Value::Object(id_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(code(&typed), "header.typ");
}

#[test]
fn rejects_a_core_identity_jwt_presented_as_a_logout_token() {
    assert_eq!(code(&identity_token_with(|_| {})), "header.typ");
    let untyped = sign(
        &json!({"alg": "ES256", "kid": EC_KID}),
        &Value::Object(identity_claims()),
        &ec_a(),
        Algorithm::ES256,
    );
    assert_eq!(code(&untyped), "claims.iss");
}

#[test]
fn rejects_a_client_assertion_presented_as_a_logout_token() {
    let signer = client_signer(ClientAssertionAlgorithm::RS256);
    let assertion = signer
        .client_assertion("https://oidc.integration.account.gov.uk/token", NOW)
        .unwrap();
    assert_eq!(code(&assertion), "header.alg_not_allowed");
    // Even with the client's key in the set, the algorithm is pinned to ES256.
    let keys = keyset(&[signer.public_jwk()]);
    let err = verify_logout_token(&assertion, &keys, &logout_expect()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Header(HeaderError::AlgorithmNotAllowed {
            expected: "ES256",
            actual: "RS256".into()
        })
    );
}
