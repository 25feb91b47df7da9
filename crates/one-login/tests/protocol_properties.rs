//! Property tests over the sans-I/O protocol: every parser gives a value or a typed error for
//! any input, never a panic (the fuzz targets `callback_query`, `token_response`,
//! `back_channel_form` and `sealed_value` run the same inputs on nightly), and what the builders
//! write, the parsers read back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

use govuk_one_login::protocol::{
    AuthorizationRequest, BackChannelForm, CallbackError, CallbackParams, LogoutRequest,
    SignOutReturn, TokenResponse,
};
use govuk_one_login::{
    CredentialLevel, PendingSignIn, PendingSignOut, Sealer, SealingKey, SignedIn, Url,
    VectorOfTrust,
};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::with_cases(256)
    }
}

const ISSUER: &str = "https://oidc.integration.account.gov.uk/";

/// Text with the characters a hostile query is made of.
fn query_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z_=&%?+.0-9A-F\u{0}-\u{1f}\u{2028}\u{202e}é]{0,200}")
        .unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_callback_query_parses_or_is_refused_without_panicking(q in query_text()) {
        if let Ok(params) = CallbackParams::parse(&q) {
            match params.into_code(ISSUER) {
                Ok(code) => prop_assert!(!code.is_empty()),
                Err(CallbackError::IssuerMismatch { actual, .. }) => {
                    prop_assert!(!actual.chars().any(char::is_control));
                }
                Err(e) => prop_assert!(e.code().starts_with("sign_in.")),
            }
        }
        let _ = SignOutReturn::parse(&q);
    }

    #[test]
    fn any_bytes_are_a_token_response_or_a_typed_refusal(
        status in 100u16..600,
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        match TokenResponse::parse(status, &body) {
            Ok(r) => {
                prop_assert_eq!(status, 200);
                prop_assert!(!r.id_token().is_empty());
            }
            Err(e) => prop_assert!(!e.code().is_empty()),
        }
    }

    #[test]
    fn token_responses_with_an_error_member_or_a_repeated_member_are_never_accepted(
        access in "[a-z]{1,8}", id in "[a-z.]{1,8}", error in "[a-z_]{0,12}",
    ) {
        let body = format!(
            r#"{{"access_token":"{access}","id_token":"{id}","token_type":"Bearer","error":"{error}"}}"#
        );
        prop_assert_eq!(
            TokenResponse::parse(200, body.as_bytes()).unwrap_err().code(),
            "token_response.error_member"
        );
        let dup = format!(
            r#"{{"access_token":"{access}","id_token":"{id}","token_type":"Bearer","access_token":"x"}}"#
        );
        prop_assert_eq!(
            TokenResponse::parse(200, dup.as_bytes()).unwrap_err().code(),
            "token_response.duplicate_member"
        );
    }

    #[test]
    fn any_back_channel_body_is_a_form_or_a_typed_refusal(
        body in proptest::collection::vec(any::<u8>(), 0..400),
    ) {
        if let Ok(form) = BackChannelForm::parse(&body) {
            prop_assert!(!form.logout_token().is_empty());
            let _ = form.unverified_audience();
        }
    }

    #[test]
    fn any_bytes_fail_to_open_as_a_sealed_value(
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let sealer = Sealer::new(SealingKey::from_bytes(&[3; 32]).unwrap());
        prop_assert!(sealer.open::<SignedIn>(&bytes).is_err());
        prop_assert!(sealer.open::<PendingSignIn>(&bytes).is_err());
        prop_assert!(sealer.open::<PendingSignOut>(&bytes).is_err());
    }

    #[test]
    fn what_the_authorization_request_writes_a_provider_reads_back(
        state in "[A-Za-z0-9_-]{1,43}", nonce in "[A-Za-z0-9_-]{1,43}", client in "[A-Za-z0-9]{1,32}",
    ) {
        let request = AuthorizationRequest::new(
            client.clone(),
            Url::parse("https://rp.example/callback").unwrap(),
            "openid email",
            state.clone(),
            nonce.clone(),
            VectorOfTrust::new(CredentialLevel::ClCm, None).unwrap(),
        );
        let endpoint = Url::parse("https://op.example/authorize").unwrap();
        let url = request.to_query_url(&endpoint).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        prop_assert!(pairs.contains(&("state".into(), state)));
        prop_assert!(pairs.contains(&("nonce".into(), nonce)));
        prop_assert!(pairs.contains(&("client_id".into(), client)));
    }

    #[test]
    fn a_logout_state_comes_back_as_the_same_state(state in "[A-Za-z0-9_.~-]{1,64}") {
        let mut request = LogoutRequest::default();
        request.id_token_hint = Some("h.p.s".into());
        request.post_logout_redirect_uri = Some(Url::parse("https://rp.example/out").unwrap());
        request.state = Some(state.clone());
        let url = request.to_url(&Url::parse("https://op.example/logout").unwrap()).unwrap();
        // One Login echoes the query's state to the redirect URI.
        let query = url.query().unwrap();
        let echoed = query.split('&').find(|p| p.starts_with("state=")).unwrap();
        let back = SignOutReturn::parse(echoed).unwrap();
        prop_assert_eq!(back.state(), state.as_str());
    }
}
