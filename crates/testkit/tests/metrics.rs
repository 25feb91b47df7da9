//! The numbers a team charts: scripted flows against the mock One Login, then every counter and
//! label checked exactly, and no label holding a person's data, a token, a code or a return code.
//!
//! The only test of this binary: the `metrics` facade has one global recorder, so no other test
//! may record beside it (the readiness tests are in `health.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use govuk_one_login::SignInOptions;
use govuk_one_login::metrics::{
    BACK_CHANNEL_LOGOUTS, IDENTITY, KEY_REFRESHES, PROVIDER_REQUEST_DURATION, PROVIDER_REQUESTS,
    SIGN_IN_DURATION, SIGN_INS, SIGN_INS_STARTED, SIGN_OUTS, STALE_DOCUMENTS_SERVED,
};
use govuk_one_login_testkit::{
    CoreIdentityFault, Endpoint, EndpointFault, Faults, Harness, IdTokenFault, LogoutTokenFault,
    MetricsRecorder, MockUser,
};

const AUTH: [(&str, &str); 2] = [("service", "auth"), ("client_id", "client-auth")];
const IDV: [(&str, &str); 2] = [("service", "identity"), ("client_id", "client-identity")];

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

fn identity() -> SignInOptions {
    SignInOptions {
        identity: true,
        ..SignInOptions::default()
    }
}

#[tokio::test]
async fn every_counter_and_label_has_its_expected_value_after_scripted_flows() {
    let m = MetricsRecorder::global().unwrap();
    govuk_one_login::metrics::describe();
    let h = Harness::standard().await;
    let issuer = h.provider.issuer().to_string();
    let mut secrets: Vec<String> = vec![h.subject("auth"), h.subject("identity")];
    secrets.push(h.provider.user().email);

    // auth: two successes and one refused ID token.
    let signed_in = h.sign_in("auth", SignInOptions::default()).await.unwrap();
    secrets.push(signed_in.id_token().expose_secret().to_owned());
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    h.provider
        .set_faults(Faults::id_token(IdTokenFault::InvalidSignature));
    let refused = h
        .sign_in("auth", SignInOptions::default())
        .await
        .unwrap_err();
    h.provider.set_faults(Faults::none());
    let refused_code = refused.code();
    assert!(refused_code.starts_with("id_token."), "{refused_code}");

    // identity: proven, not proven (with a return code), and a forged core identity JWT.
    let proven = h.sign_in("identity", identity()).await.unwrap();
    assert!(proven.identity().is_some());
    let mut unproven = MockUser::default();
    unproven.identity = None;
    unproven.return_codes = vec!["X".into()];
    h.provider.set_user(unproven);
    let not_proven = h.sign_in("identity", identity()).await.unwrap();
    assert!(not_proven.identity().is_none());
    assert_eq!(not_proven.return_codes().len(), 1);
    h.provider.set_user(MockUser::default());
    h.provider
        .set_faults(Faults::core_identity(CoreIdentityFault::InvalidSignature));
    let forged = h.sign_in("identity", identity()).await.unwrap_err();
    h.provider.set_faults(Faults::none());
    let forged_code = forged.code();
    assert!(forged_code.starts_with("core_identity."), "{forged_code}");

    // A callback that names no pending sign-in of the browser: no service to count it under.
    let (pending, _) = h.callback("auth", SignInOptions::default()).await;
    let mut pendings = vec![pending];
    let stray = h
        .one_login
        .finish_sign_in("code=x&state=forged", &mut pendings)
        .await
        .unwrap_err();
    assert_eq!(stray.code(), "sign_in.state_mismatch");

    // Back-channel logouts: applied, replayed, forged, for nobody here, and not applied.
    let sub = h.subject("auth");
    let token = h.provider.mint_logout_token("client-auth", &sub, None);
    secrets.push(token.clone());
    let body = format!("logout_token={token}");
    let notice = h
        .one_login
        .back_channel_logout(body.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        h.one_login
            .back_channel_logout(body.as_bytes())
            .await
            .unwrap_err()
            .code(),
        "back_channel.replayed"
    );
    let forged_logout = h.provider.mint_logout_token(
        "client-auth",
        &sub,
        Some(LogoutTokenFault::InvalidSignature),
    );
    let forged_logout_code = h
        .one_login
        .back_channel_logout(format!("logout_token={forged_logout}").as_bytes())
        .await
        .unwrap_err()
        .code();
    let nobody = h.provider.mint_logout_token("someone-else", &sub, None);
    assert_eq!(
        h.one_login
            .back_channel_logout(format!("logout_token={nobody}").as_bytes())
            .await
            .unwrap_err()
            .code(),
        "back_channel.unknown_audience"
    );
    let failed = h.one_login.back_channel_failed(&notice).await;
    assert_eq!(failed.status(), 500);

    // Sign-out: started twice, returned once, and one return with a forged state.
    let post_logout = h.rp("auth").config().post_logout_redirect_uris()[0].clone();
    let out = h
        .one_login
        .start_sign_out(&signed_in, Some(&post_logout))
        .await
        .unwrap();
    let back = h.provider.logout(&out.url).await.unwrap();
    h.one_login
        .finish_sign_out(back.query().unwrap_or_default(), out.pending)
        .await
        .unwrap();
    let again = h
        .one_login
        .start_sign_out(&signed_in, Some(&post_logout))
        .await
        .unwrap();
    let forged_return = h
        .one_login
        .finish_sign_out("state=forged", again.pending)
        .await
        .unwrap_err();
    assert_eq!(forged_return.code(), "sign_out.state_mismatch");

    // A JWKS outage: the copy expires, its refresh gets a 500, the stale copy is served and
    // the sign-in still succeeds.
    h.provider
        .set_faults(Faults::endpoint(Endpoint::Jwks, EndpointFault::Status(500)));
    h.clock.advance(Duration::from_secs(86_400 + 60));
    h.sign_in("auth", SignInOptions::default()).await.unwrap();
    h.provider.set_faults(Faults::none());

    // Per service.
    assert_eq!(m.counter(SIGN_INS_STARTED, &AUTH), 5);
    assert_eq!(m.counter(SIGN_INS_STARTED, &IDV), 3);
    assert_eq!(
        m.counter(SIGN_INS, &with(&AUTH, &[("outcome", "success")])),
        3
    );
    assert_eq!(
        m.counter(
            SIGN_INS,
            &with(&AUTH, &[("outcome", "failure"), ("code", refused_code)])
        ),
        1
    );
    assert_eq!(
        m.counter(SIGN_INS, &with(&IDV, &[("outcome", "success")])),
        2
    );
    assert_eq!(
        m.counter(
            SIGN_INS,
            &with(&IDV, &[("outcome", "failure"), ("code", forged_code)])
        ),
        1
    );
    assert_eq!(
        m.counter(
            SIGN_INS,
            &[("outcome", "failure"), ("code", "sign_in.state_mismatch")]
        ),
        1,
        "the stray callback is counted once, under no service"
    );
    assert_eq!(m.counter_total(SIGN_INS, &[]), 3 + 1 + 2 + 1 + 1);
    assert_eq!(m.histogram(SIGN_IN_DURATION, &AUTH).len(), 3);
    assert_eq!(m.histogram(SIGN_IN_DURATION, &IDV).len(), 2);
    assert!(
        m.histogram(SIGN_IN_DURATION, &AUTH)
            .iter()
            .all(|s| (0.0..60.0).contains(s))
    );
    assert_eq!(
        m.counter(IDENTITY, &with(&IDV, &[("outcome", "proven")])),
        1
    );
    assert_eq!(
        m.counter(IDENTITY, &with(&IDV, &[("outcome", "not_proven")])),
        1
    );
    assert_eq!(
        m.counter(
            IDENTITY,
            &with(&IDV, &[("outcome", "failure"), ("code", forged_code)])
        ),
        1
    );
    assert_eq!(
        m.counter_total(IDENTITY, &AUTH),
        0,
        "no identity counted for a service that does not prove it"
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(&AUTH, &[("outcome", "verified")])
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(
                &AUTH,
                &[("outcome", "failure"), ("code", "back_channel.replayed")]
            )
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(
                &AUTH,
                &[("outcome", "failure"), ("code", forged_logout_code)]
            )
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &[
                ("outcome", "failure"),
                ("code", "back_channel.unknown_audience")
            ]
        ),
        1
    );
    assert_eq!(
        m.counter(
            BACK_CHANNEL_LOGOUTS,
            &with(
                &AUTH,
                &[
                    ("outcome", "not_applied"),
                    ("code", "back_channel.not_applied")
                ]
            )
        ),
        1,
        "the verified logout the application could not apply: its jti forgotten for the retry"
    );
    assert_eq!(
        m.counter(SIGN_OUTS, &with(&AUTH, &[("outcome", "started")])),
        2
    );
    assert_eq!(
        m.counter(SIGN_OUTS, &with(&AUTH, &[("outcome", "returned")])),
        1
    );
    assert_eq!(
        m.counter(
            SIGN_OUTS,
            &with(
                &AUTH,
                &[("outcome", "failure"), ("code", "sign_out.state_mismatch")]
            )
        ),
        1
    );

    // Per provider.
    let at = |document| [("issuer", issuer.as_str()), ("document", document)];
    let status = |document, status| {
        m.counter(
            PROVIDER_REQUESTS,
            &with(&at(document), &[("status", status)]),
        )
    };
    assert_eq!(
        status("token", "200"),
        7,
        "one token request per callback with a code"
    );
    assert_eq!(
        status("userinfo", "200"),
        7 - 1,
        "none after the refused ID token"
    );
    assert_eq!(status("jwks", "200"), 1, "one JWKS fetch for every service");
    assert_eq!(status("jwks", "500"), 1);
    assert_eq!(status("did", "200"), 1);
    assert_eq!(
        status("discovery", "200"),
        2,
        "at start, and after it expired"
    );
    assert_eq!(
        m.histogram(PROVIDER_REQUEST_DURATION, &at("token")).len(),
        7
    );
    assert_eq!(
        m.counter(KEY_REFRESHES, &with(&at("jwks"), &[("reason", "expired")])),
        2,
        "the first fetch and the one after expiry"
    );
    assert_eq!(m.counter_total(KEY_REFRESHES, &at("discovery")), 0);
    assert!(m.counter(STALE_DOCUMENTS_SERVED, &at("jwks")) >= 1);
    assert_eq!(m.counter(STALE_DOCUMENTS_SERVED, &at("did")), 0);

    // Every label is from a fixed vocabulary or the services file, never a person's data.
    let names: BTreeSet<&str> = govuk_one_login::metrics::ALL
        .iter()
        .map(|(n, _, _)| *n)
        .collect();
    let allowed_keys = [
        "service",
        "client_id",
        "outcome",
        "code",
        "issuer",
        "document",
        "status",
        "reason",
    ];
    let series = m.series();
    assert!(!series.is_empty());
    for s in &series {
        assert!(names.contains(s.name.as_str()), "unknown metric {}", s.name);
        for (key, value) in &s.labels {
            assert!(
                allowed_keys.contains(&key.as_str()),
                "label {key} on {}",
                s.name
            );
            for secret in &secrets {
                assert!(!value.contains(secret.as_str()), "{key} holds a secret");
            }
            assert!(!value.contains('@'), "{key}={value}");
            assert_ne!(value, "X", "a return code is never a label");
            let fine = match key.as_str() {
                "service" => ["auth", "identity"].contains(&value.as_str()),
                "client_id" => ["client-auth", "client-identity"].contains(&value.as_str()),
                "issuer" => value == &issuer,
                "code" => {
                    value.split('.').count() >= 2
                        && value
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.')
                }
                _ => value.len() <= 20,
            };
            assert!(fine, "{key}={value} on {}", s.name);
        }
    }
    for (name, _, _) in govuk_one_login::metrics::ALL {
        assert!(m.description(name).is_some(), "{name} has no help text");
    }
}
