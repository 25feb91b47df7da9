//! `/authorize`: the happy path, each validation error, faults, and request objects (JAR).

// Helpers outside #[test] functions unwrap too: a panic there fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{REDIRECT, authorize_url, param, services, setup, setup_identity, spec};
use govuk_one_login_core::Url;
use govuk_one_login_testkit::{AuthorizeError, AuthorizeFault, Faults, MockOneLogin, MockUser};
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use serde_json::json;

async fn redirect_error(
    op: &MockOneLogin,
    url: &Url,
) -> (Option<String>, Option<String>, Option<String>) {
    let callback = op.authorize(url).await.unwrap();
    assert!(callback.as_str().starts_with(REDIRECT), "{callback}");
    assert_eq!(param(&callback, "code"), None);
    (
        param(&callback, "error"),
        param(&callback, "error_description"),
        param(&callback, "state"),
    )
}

#[tokio::test]
async fn authorize_redirects_to_the_callback_with_a_code_and_the_state() {
    let (op, service) = setup().await;
    let pending = authorize_url(&op, &service, &[]);
    let callback = op.authorize(&pending.url).await.unwrap();
    assert_eq!(callback.origin(), Url::parse(REDIRECT).unwrap().origin());
    assert_eq!(callback.path(), "/callback");
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(pending.state.as_str())
    );
    assert_eq!(param(&callback, "code").unwrap().len(), 43);
    let recorded = op.requests_to("/authorize");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status, 302);
    assert_eq!(
        recorded[0].query_param("nonce"),
        Some(pending.nonce.as_str())
    );
    assert!(recorded[0].user_agent().is_some());
}

#[tokio::test]
async fn response_mode_fragment_puts_code_and_state_in_the_fragment() {
    let (op, service) = setup().await;
    let pending = authorize_url(&op, &service, &[("response_mode", "fragment")]);
    let callback = op.authorize(&pending.url).await.unwrap();
    assert_eq!(callback.query(), None);
    let fragment: Vec<(String, String)> =
        url::form_urlencoded::parse(callback.fragment().unwrap().as_bytes())
            .into_owned()
            .collect();
    assert!(fragment.iter().any(|(k, _)| k == "code"));
    assert!(fragment.contains(&("state".into(), pending.state)));
}

#[tokio::test]
async fn rejects_unknown_client_and_unregistered_redirect_uri_with_a_plain_400() {
    let (op, service) = setup().await;
    let unknown = authorize_url(&op, &service, &[("client_id", "nobody")]);
    assert_eq!(
        op.authorize(&unknown.url).await.unwrap_err(),
        AuthorizeError::Refused {
            status: 400,
            body: "Invalid request".into()
        }
    );
    for bad in [
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/other",
        "https://evil.example/callback",
    ] {
        let p = authorize_url(&op, &service, &[("redirect_uri", bad)]);
        let err = op.authorize(&p.url).await.unwrap_err();
        assert_eq!(err.code(), "testkit.browser.refused", "{bad}");
        assert_eq!(
            err,
            AuthorizeError::Refused {
                status: 400,
                body: "Invalid request".into()
            }
        );
    }
    let missing = authorize_url(&op, &service, &[("redirect_uri", "")]);
    assert_eq!(
        op.authorize(&missing.url).await.unwrap_err(),
        AuthorizeError::Refused {
            status: 400,
            body: "Request is missing parameters".into()
        }
    );
    let bad_mode = authorize_url(&op, &service, &[("response_mode", "form_post")]);
    assert_eq!(
        op.authorize(&bad_mode.url).await.unwrap_err().code(),
        "testkit.browser.refused"
    );
}

#[tokio::test]
async fn refuses_to_browse_urls_of_another_origin() {
    let (op, _) = setup().await;
    let err = op
        .authorize(&Url::parse("https://oidc.account.gov.uk/authorize?x=1").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "testkit.browser.not_this_provider");
    assert!(op.requests().is_empty());
}

#[tokio::test]
async fn missing_state_is_invalid_request_without_state() {
    let (op, service) = setup().await;
    let p = authorize_url(&op, &service, &[("state", "")]);
    let (error, description, state) = redirect_error(&op, &p.url).await;
    assert_eq!(error.as_deref(), Some("invalid_request"));
    assert_eq!(
        description.as_deref(),
        Some("Request is missing state parameter")
    );
    assert_eq!(state, None);
}

#[tokio::test]
async fn missing_nonce_is_invalid_request_with_state() {
    let (op, service) = setup().await;
    let p = authorize_url(&op, &service, &[("nonce", "")]);
    let (error, description, state) = redirect_error(&op, &p.url).await;
    assert_eq!(error.as_deref(), Some("invalid_request"));
    assert_eq!(
        description.as_deref(),
        Some("Request is missing nonce parameter")
    );
    assert_eq!(state, Some(p.state));
}

#[tokio::test]
async fn response_type_other_than_code_is_unsupported() {
    let (op, service) = setup().await;
    for rt in ["token", "id_token", "code id_token"] {
        let p = authorize_url(&op, &service, &[("response_type", rt)]);
        assert_eq!(
            redirect_error(&op, &p.url).await.0.as_deref(),
            Some("unsupported_response_type"),
            "{rt}"
        );
    }
}

#[tokio::test]
async fn scopes_must_include_openid_and_be_registered() {
    let (op, service) = setup().await;
    for scope in [
        "email",
        "openid wallet-subject-id",
        "openid profile",
        "openid,email",
    ] {
        let p = authorize_url(&op, &service, &[("scope", scope)]);
        assert_eq!(
            redirect_error(&op, &p.url).await.0.as_deref(),
            Some("invalid_scope"),
            "{scope}"
        );
    }
    let ok = authorize_url(&op, &service, &[("scope", "openid")]);
    assert!(param(&op.authorize(&ok.url).await.unwrap(), "code").is_some());
}

#[tokio::test]
async fn vtr_must_parse_as_a_json_array_of_known_vectors() {
    let (op, service) = setup().await;
    for vtr in [
        "Cl.Cm",
        r#"["Cl.Cm.P4"]"#,
        r#"["Cl.P2"]"#,
        r#"["Cl.Cm","Cl.Cm.P2"]"#,
        "[1]",
    ] {
        let p = authorize_url(&op, &service, &[("vtr", vtr)]);
        let (error, description, _) = redirect_error(&op, &p.url).await;
        assert_eq!(error.as_deref(), Some("invalid_request"), "{vtr}");
        assert_eq!(
            description.as_deref(),
            Some("Request vtr not valid"),
            "{vtr}"
        );
    }
    for vtr in ["", "[]", r#"["Cm.Cl"]"#, r#"["Cl"]"#] {
        let p = authorize_url(&op, &service, &[("vtr", vtr)]);
        assert!(
            param(&op.authorize(&p.url).await.unwrap(), "code").is_some(),
            "{vtr}"
        );
    }
}

#[tokio::test]
async fn identity_vectors_need_identity_permission_and_a_registered_level() {
    let (op, service) = setup().await;
    let p = authorize_url(&op, &service, &[("vtr", r#"["Cl.Cm.P2"]"#)]);
    assert_eq!(
        redirect_error(&op, &p.url).await.1.as_deref(),
        Some("Request vtr is not permitted")
    );
    // P0 must be registered too.
    let p = authorize_url(&op, &service, &[("vtr", r#"["Cl.Cm.P0"]"#)]);
    assert_eq!(
        redirect_error(&op, &p.url).await.1.as_deref(),
        Some("Request vtr is not permitted")
    );

    let (op, service) = setup_identity().await;
    let p = authorize_url(&op, &service, &[("vtr", r#"["Cl.Cm.P3"]"#)]);
    assert_eq!(
        redirect_error(&op, &p.url).await.1.as_deref(),
        Some("Request vtr is not permitted")
    );
    let p = authorize_url(&op, &service, &[("vtr", r#"["Cl.Cm.P2"]"#)]);
    assert!(param(&op.authorize(&p.url).await.unwrap(), "code").is_some());
}

#[tokio::test]
async fn claims_must_be_known_registered_json() {
    let (op, service) = setup_identity().await;
    let id = [("vtr", r#"["Cl.Cm.P2"]"#)];
    for claims in [
        "not json",
        r#"["x"]"#,
        r#"{"userinfo":{"https://vocab.account.gov.uk/v1/drivingPermit":null}}"#,
        r#"{"userinfo":{"https://vocab.account.gov.uk/v1/socialSecurityRecord":null}}"#,
        r#"{"userinfo":{"coreIdentityJWT":null}}"#,
    ] {
        let p = authorize_url(&op, &service, &[id[0], ("claims", claims)]);
        let (error, description, _) = redirect_error(&op, &p.url).await;
        assert_eq!(error.as_deref(), Some("invalid_request"), "{claims}");
        assert_eq!(
            description.as_deref(),
            Some("Request contains invalid claims"),
            "{claims}"
        );
    }
    let good = r#"{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null,"https://vocab.account.gov.uk/v1/address":{"essential":true}}}"#;
    let p = authorize_url(&op, &service, &[id[0], ("claims", good)]);
    assert!(param(&op.authorize(&p.url).await.unwrap(), "code").is_some());
}

#[tokio::test]
async fn pkce_is_enforced_for_pkce_services_and_only_s256_is_accepted() {
    let (op, service) = setup().await;
    let cases = [
        (
            vec![("code_challenge", ""), ("code_challenge_method", "")],
            "Request is missing code_challenge parameter, but PKCE is enforced.",
        ),
        (
            vec![("code_challenge_method", "plain")],
            "Invalid value for code_challenge_method parameter.",
        ),
        (
            vec![("code_challenge_method", "")],
            "Request is missing code_challenge_method parameter. code_challenge_method is required when code_challenge is present.",
        ),
        (
            vec![("code_challenge", "   ")],
            "Invalid value for code_challenge parameter.",
        ),
    ];
    for (extra, expected) in cases {
        let p = authorize_url(&op, &service, &extra);
        let (error, description, _) = redirect_error(&op, &p.url).await;
        assert_eq!(error.as_deref(), Some("invalid_request"));
        assert_eq!(description.as_deref(), Some(expected));
    }
}

#[tokio::test]
async fn prompt_select_account_max_age_and_channel_are_checked() {
    let (op, service) = setup().await;
    let p = authorize_url(&op, &service, &[("prompt", "select_account")]);
    assert_eq!(
        redirect_error(&op, &p.url).await.0.as_deref(),
        Some("unmet_authentication_requirements")
    );
    for extra in [
        ("prompt", "sideways"),
        ("max_age", "-1"),
        ("max_age", "soon"),
        ("channel", "tv"),
    ] {
        let p = authorize_url(&op, &service, &[extra]);
        assert_eq!(
            redirect_error(&op, &p.url).await.0.as_deref(),
            Some("invalid_request"),
            "{extra:?}"
        );
    }
    let p = authorize_url(
        &op,
        &service,
        &[
            ("prompt", "login"),
            ("max_age", "0"),
            ("channel", "web"),
            ("ui_locales", "cy"),
        ],
    );
    assert!(param(&op.authorize(&p.url).await.unwrap(), "code").is_some());
}

#[tokio::test]
async fn repeated_parameters_and_request_uri_are_refused() {
    let (op, service) = setup().await;
    let mut p = authorize_url(&op, &service, &[]);
    p.url.query_pairs_mut().append_pair("nonce", "second");
    assert_eq!(
        redirect_error(&op, &p.url).await.1.as_deref(),
        Some("Request includes a parameter more than once")
    );
    let p = authorize_url(&op, &service, &[("request_uri", "https://rp.example/r")]);
    assert_eq!(
        redirect_error(&op, &p.url).await.0.as_deref(),
        Some("request_uri_not_supported")
    );
}

#[tokio::test]
async fn query_strings_over_4096_characters_get_the_wafs_403() {
    let (op, service) = setup().await;
    let long = "x".repeat(4100);
    let p = authorize_url(&op, &service, &[("state", &long)]);
    assert_eq!(
        op.authorize(&p.url).await.unwrap_err(),
        AuthorizeError::Refused {
            status: 403,
            body: "The request could not be satisfied".into()
        }
    );
}

#[tokio::test]
async fn access_denied_and_temporarily_unavailable_faults_redirect_with_state() {
    let (op, service) = setup().await;
    for (fault, code) in [
        (AuthorizeFault::AccessDenied, "access_denied"),
        (
            AuthorizeFault::TemporarilyUnavailable,
            "temporarily_unavailable",
        ),
        (AuthorizeFault::LoginRequired, "login_required"),
        (AuthorizeFault::ClientDeactivated, "unauthorized_client"),
    ] {
        op.set_faults(Faults::authorize(fault));
        let p = authorize_url(&op, &service, &[]);
        let (error, _, state) = redirect_error(&op, &p.url).await;
        assert_eq!(error.as_deref(), Some(code));
        assert_eq!(state, Some(p.state));
    }
    op.set_faults(Faults::default());
    let p = authorize_url(&op, &service, &[]);
    assert!(param(&op.authorize(&p.url).await.unwrap(), "code").is_some());
}

#[tokio::test]
async fn a_failed_identity_check_is_access_denied_unless_return_codes_were_requested() {
    let (op, service) = setup_identity().await;
    let mut user = MockUser::default();
    user.identity = None;
    user.return_codes = vec!["X".into()];
    op.set_user(user);
    let p = authorize_url(&op, &service, &[("vtr", r#"["Cl.Cm.P2"]"#)]);
    assert_eq!(
        redirect_error(&op, &p.url).await.0.as_deref(),
        Some("access_denied")
    );
    let claims = r#"{"userinfo":{"https://vocab.account.gov.uk/v1/returnCode":null}}"#;
    let p = authorize_url(
        &op,
        &service,
        &[("vtr", r#"["Cl.Cm.P2"]"#), ("claims", claims)],
    );
    assert!(param(&op.authorize(&p.url).await.unwrap(), "code").is_some());
}

fn request_object(
    op: &MockOneLogin,
    client_id: &str,
    state: &str,
    overrides: &serde_json::Value,
) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = json!({
        "aud": op.issuer().join("authorize").unwrap().as_str(),
        "iss": client_id,
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": REDIRECT,
        "state": state,
        "nonce": "jar-nonce",
        "vtr": ["Cl.Cm"],
        "exp": now + 300,
    });
    for (k, v) in overrides.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    common::sign_assertion(&claims, Algorithm::PS256)
}

fn jar_url(op: &MockOneLogin, client_id: &str, object: &str) -> Url {
    let mut url = op.issuer().join("authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("scope", "openid email")
        .append_pair("client_id", client_id)
        .append_pair("request", object);
    url
}

async fn jar_setup() -> MockOneLogin {
    common::install_provider();
    let op = MockOneLogin::start().await;
    let mut s = spec("jar", "client-jar", REDIRECT);
    s.request_objects = Some(true);
    s.pkce = Some(false);
    services(&op, vec![s]);
    op
}

#[tokio::test]
async fn signed_request_objects_are_verified_and_their_parameters_used() {
    let op = jar_setup().await;
    let object = request_object(&op, "client-jar", "jar-state", &json!({}));
    let callback = op
        .authorize(&jar_url(&op, "client-jar", &object))
        .await
        .unwrap();
    assert_eq!(param(&callback, "state").as_deref(), Some("jar-state"));
    assert!(param(&callback, "code").is_some());
}

#[tokio::test]
async fn jar_required_clients_are_refused_plain_query_requests() {
    let op = jar_setup().await;
    let mut url = op.issuer().join("authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("client_id", "client-jar")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "s")
        .append_pair("nonce", "n");
    assert_eq!(
        redirect_error(&op, &url).await.0.as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn request_objects_with_bad_signature_or_claims_are_refused() {
    let op = jar_setup().await;
    let good = request_object(&op, "client-jar", "s", &json!({}));
    let (head, _) = good.rsplit_once('.').unwrap();
    let tampered = format!("{head}.AAAA");
    assert_eq!(
        op.authorize(&jar_url(&op, "client-jar", &tampered))
            .await
            .unwrap_err(),
        AuthorizeError::Refused {
            status: 400,
            body: "Validation failed".into()
        }
    );
    let expired = request_object(&op, "client-jar", "s", &json!({ "exp": 1_000 }));
    assert_eq!(
        op.authorize(&jar_url(&op, "client-jar", &expired))
            .await
            .unwrap_err()
            .code(),
        "testkit.browser.refused"
    );
    let cases = [
        (
            json!({ "aud": "https://oidc.account.gov.uk/authorize" }),
            "access_denied",
        ),
        (json!({ "iss": "someone-else" }), "unauthorized_client"),
        (
            json!({ "client_id": "someone-else" }),
            "unauthorized_client",
        ),
        (json!({ "sub": "client-jar" }), "invalid_request"),
        (json!({ "request": "nested" }), "invalid_request"),
        (json!({ "scope": "openid phone" }), "invalid_request"),
    ];
    for (overrides, expected) in cases {
        let object = request_object(&op, "client-jar", "s", &overrides);
        let (error, _, state) = redirect_error(&op, &jar_url(&op, "client-jar", &object)).await;
        assert_eq!(error.as_deref(), Some(expected), "{overrides}");
        assert_eq!(state.as_deref(), Some("s"));
    }
    let unregistered = request_object(
        &op,
        "client-jar",
        "s",
        &json!({ "redirect_uri": "https://evil.example/cb" }),
    );
    assert_eq!(
        op.authorize(&jar_url(&op, "client-jar", &unregistered))
            .await
            .unwrap_err(),
        AuthorizeError::Refused {
            status: 400,
            body: "Invalid request".into()
        }
    );
}

/// One provider (and the runtime its HTTP client lives in) for every proptest case.
fn shared_provider() -> &'static (
    tokio::runtime::Runtime,
    MockOneLogin,
    govuk_one_login_core::ServiceConfig,
) {
    static SHARED: std::sync::OnceLock<(
        tokio::runtime::Runtime,
        MockOneLogin,
        govuk_one_login_core::ServiceConfig,
    )> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (op, service) = rt.block_on(setup());
        (rt, op, service)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::with_cases(48)
    })]
    #[test]
    fn any_query_string_gets_an_answer_never_a_crash(
        pairs in proptest::collection::vec(
            (prop_oneof![
                Just("client_id".to_owned()), Just("redirect_uri".to_owned()), Just("vtr".to_owned()),
                Just("claims".to_owned()), Just("scope".to_owned()), Just("request".to_owned()),
                Just("code_challenge".to_owned()), Just("max_age".to_owned()), "[a-z_]{1,12}"
            ], "\\PC{0,40}"),
            0..8,
        )
    ) {
        let (rt, op, service) = shared_provider();
        rt.block_on(async {
            op.clear_requests();
            let mut url = authorize_url(op, service, &[]).url;
            url.query_pairs_mut().extend_pairs(pairs);
            let result = op.authorize(&url).await;
            match result {
                Ok(location) => prop_assert!(location.as_str().starts_with(REDIRECT)),
                Err(AuthorizeError::Refused { status, .. }) => prop_assert!(status == 400 || status == 403),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            prop_assert_eq!(op.requests_to("/authorize").len(), 1);
            Ok(())
        })?;
    }
}
