//! Helpers shared by the testkit's integration tests: a relying party written by hand with
//! reqwest and jsonwebtoken (the real signer lives in another crate).

#![allow(dead_code)]
// Each test binary uses a different subset.
// Test helpers, not tests: clippy does not see them as tests, but a panic here fails a test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use govuk_one_login_core::{
    PkceVerifier, RsaPrivateKey, ServiceConfig, ServiceSpec, Services, ServicesFile, TokenAuthSpec,
    Url,
};
use govuk_one_login_testkit::MockOneLogin;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, jwk::JwkSet};
use serde_json::{Value, json};

pub(crate) const UA: &str = "testkit-tests/1.0 (https://example.gov.uk)";
pub(crate) const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// One RSA key for every client in a test binary (generating one takes a few hundred ms).
pub(crate) fn client_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::generate("client-key-1").unwrap())
}

pub(crate) fn install_provider() {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
}

/// An authentication-only service with `openid email phone` and PKCE.
pub(crate) fn spec(name: &str, client_id: &str, redirect: &str) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        client_id: client_id.into(),
        redirect_uris: vec![redirect.into()],
        post_logout_redirect_uris: vec!["http://127.0.0.1:9/signed-out".into()],
        scopes: Some(vec!["openid".into(), "email".into(), "phone".into()]),
        token_auth: TokenAuthSpec {
            key_pem: Some(client_key().pem().clone()),
            key_id: Some("client-key-1".into()),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    }
}

/// A service that proves identity at P2 and asks for the identity claims.
pub(crate) fn identity_spec(name: &str, client_id: &str, redirect: &str) -> ServiceSpec {
    ServiceSpec {
        identity_vtr: Some("Cl.Cm.P2".into()),
        claims: vec![
            "coreIdentityJWT".into(),
            "address".into(),
            "passport".into(),
            "returnCode".into(),
        ],
        ..spec(name, client_id, redirect)
    }
}

pub(crate) fn services(op: &MockOneLogin, specs: Vec<ServiceSpec>) -> Services {
    let services = ServicesFile {
        provider: op.provider_spec(),
        services: specs,
        base_dir: None,
    }
    .validate()
    .unwrap();
    for s in &services {
        op.register(s);
    }
    services
}

/// A started provider with one registered authentication service.
pub(crate) async fn setup() -> (MockOneLogin, ServiceConfig) {
    install_provider();
    let op = MockOneLogin::start().await;
    let services = services(&op, vec![spec("svc", "client-1", REDIRECT)]);
    let service = services.get("svc").unwrap().clone();
    (op, service)
}

/// A started provider with one registered identity service.
pub(crate) async fn setup_identity() -> (MockOneLogin, ServiceConfig) {
    install_provider();
    let op = MockOneLogin::start().await;
    let services = services(&op, vec![identity_spec("id", "client-id", REDIRECT)]);
    let service = services.get("id").unwrap().clone();
    (op, service)
}

/// What the relying party keeps between the authorization request and the callback.
pub(crate) struct Pending {
    pub(crate) url: Url,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) verifier: PkceVerifier,
    pub(crate) redirect_uri: String,
}

/// An authorization URL with every required parameter, PKCE, and the given extras (an extra
/// with an empty value removes the parameter).
pub(crate) fn authorize_url(
    op: &MockOneLogin,
    service: &ServiceConfig,
    extra: &[(&str, &str)],
) -> Pending {
    let verifier = PkceVerifier::generate().unwrap();
    let state = format!("state-{}", govuk_one_login_core::random_token().unwrap());
    let nonce = format!("nonce-{}", govuk_one_login_core::random_token().unwrap());
    let redirect_uri = service.default_redirect_uri().as_str().to_owned();
    let scope = govuk_one_login_core::Scope::join(service.scopes());
    let challenge = verifier.challenge();
    let mut params: Vec<(String, String)> = vec![
        ("response_type".into(), "code".into()),
        ("client_id".into(), service.client_id().as_str().into()),
        ("redirect_uri".into(), redirect_uri.clone()),
        ("scope".into(), scope),
        ("state".into(), state.clone()),
        ("nonce".into(), nonce.clone()),
        ("vtr".into(), r#"["Cl.Cm"]"#.into()),
        ("code_challenge".into(), challenge.as_str().into()),
        ("code_challenge_method".into(), "S256".into()),
    ];
    for (k, v) in extra {
        params.retain(|(name, _)| name != k);
        if !v.is_empty() {
            params.push(((*k).into(), (*v).into()));
        }
    }
    let mut url = op.issuer().join("authorize").unwrap();
    url.query_pairs_mut().extend_pairs(params);
    Pending {
        url,
        state,
        nonce,
        verifier,
        redirect_uri,
    }
}

pub(crate) fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The claims of a good client assertion for `client_id` at this provider.
pub(crate) fn assertion_claims(op: &MockOneLogin, client_id: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": op.issuer().join("token").unwrap().as_str(),
        "exp": now + 300,
        "iat": now,
        "jti": govuk_one_login_core::random_token().unwrap(),
    })
}

/// Signs client-assertion claims with the client's RSA key.
pub(crate) fn sign_assertion(claims: &Value, alg: Algorithm) -> String {
    install_provider();
    let mut header = Header::new(alg);
    header.kid = Some("client-key-1".into());
    let key = EncodingKey::from_rsa_pem(client_key().pem().expose_secret().as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder().user_agent(UA).build().unwrap()
}

/// POSTs a form to `/token`; returns the status and the JSON body (or `Null`).
pub(crate) async fn post_token(op: &MockOneLogin, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http()
        .post(op.issuer().join("token").unwrap())
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Follows the browser leg and returns the code, panicking if the provider did not give one.
pub(crate) async fn code_for(op: &MockOneLogin, pending: &Pending) -> String {
    let callback = op.authorize(&pending.url).await.unwrap();
    assert_eq!(
        param(&callback, "state").as_deref(),
        Some(pending.state.as_str())
    );
    param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"))
}

/// Exchanges a code with a fresh RS256 assertion.
pub(crate) async fn exchange(
    op: &MockOneLogin,
    service: &ServiceConfig,
    code: &str,
    pending: &Pending,
) -> (u16, Value) {
    let assertion = sign_assertion(
        &assertion_claims(op, service.client_id().as_str()),
        Algorithm::RS256,
    );
    post_token(
        op,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &pending.redirect_uri),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
            ("code_verifier", pending.verifier.secret()),
        ],
    )
    .await
}

/// The whole sign-in: authorize, then the token exchange; returns the token response.
pub(crate) async fn sign_in(
    op: &MockOneLogin,
    service: &ServiceConfig,
    extra: &[(&str, &str)],
) -> (Pending, Value) {
    let pending = authorize_url(op, service, extra);
    let code = code_for(op, &pending).await;
    let (status, body) = exchange(op, service, &code, &pending).await;
    assert_eq!(status, 200, "{body}");
    (pending, body)
}

pub(crate) async fn get_json(url: Url) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = http().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

pub(crate) async fn jwks(op: &MockOneLogin) -> JwkSet {
    let (_, _, body) = get_json(op.issuer().join(".well-known/jwks.json").unwrap()).await;
    serde_json::from_value(body).unwrap()
}

/// Verifies a token against the served JWKS the way a careful RP does, returning its claims.
pub(crate) async fn verify_id_token(
    op: &MockOneLogin,
    token: &str,
    audience: &str,
) -> Result<Value, jsonwebtoken::errors::Error> {
    install_provider();
    let set = jwks(op).await;
    let header = jsonwebtoken::decode_header(token)?;
    let alg = match header.alg {
        Algorithm::ES256 | Algorithm::RS256 => header.alg,
        _ => return Err(jsonwebtoken::errors::ErrorKind::InvalidAlgorithm.into()),
    };
    let jwk = header
        .kid
        .as_deref()
        .and_then(|k| set.find(k))
        .ok_or(jsonwebtoken::errors::ErrorKind::InvalidToken)?;
    let key = DecodingKey::from_jwk(jwk)?;
    let mut v = Validation::new(alg);
    v.set_audience(&[audience]);
    v.set_issuer(&[op.issuer().as_str()]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 30;
    Ok(jsonwebtoken::decode::<Value>(token, &key, &v)?.claims)
}

/// GETs `/userinfo` with the access token.
pub(crate) async fn userinfo(
    op: &MockOneLogin,
    access_token: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = http()
        .get(op.issuer().join("userinfo").unwrap())
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

/// Decodes a JWT's claims without checking anything.
pub(crate) fn peek(token: &str) -> (Value, Value) {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let decode = |p: &str| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    let header = decode(parts.next().unwrap());
    let claims = decode(parts.next().unwrap());
    (header, claims)
}
