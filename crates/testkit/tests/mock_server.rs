//! The standalone mock server, tried black-box over HTTP as a relying party in any language (or
//! a team's test script) would: the simulator's `/config` rules, its error names, its key
//! rotation, and what it adds (several clients, JWKS client keys, faults, the request log).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login::RsaPrivateKey;
use govuk_one_login_testkit::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_PRIVATE_KEY, DEFAULT_SUB, MockServer,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use url::Url;

const REDIRECT: &str = "http://localhost:8080/oidc/authorization-code/callback";

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

fn decode_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// A relying party in no particular language: plain HTTP calls.
struct Rp {
    server: MockServer,
    http: reqwest::Client,
}

impl Rp {
    async fn start() -> Self {
        Self::with(MockServer::builder().port(0)).await
    }

    async fn with(builder: govuk_one_login_testkit::MockServerBuilder) -> Self {
        let server = builder.start().await.unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("mock-server-test")
            .no_proxy()
            .build()
            .unwrap();
        Self { server, http }
    }

    fn url(&self, rel: &str) -> Url {
        self.server.issuer().join(rel).unwrap()
    }

    /// GET a path of the provider, as JSON.
    async fn get_json(&self, rel: &str) -> Value {
        let r = self.http.get(self.url(rel)).send().await.unwrap();
        r.json().await.unwrap()
    }

    async fn post_config(&self, body: Value) -> (StatusCode, String) {
        let r = self
            .http
            .post(self.url("config"))
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    async fn config(&self) -> Value {
        self.get_json("config").await
    }

    /// GET /authorize; the `Location` it redirects to.
    async fn authorize(&self, client_id: &str, redirect: &str, extra: &[(&str, &str)]) -> Url {
        let mut url = self.url("authorize");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", "openid email phone")
            .append_pair("state", "state-1")
            .append_pair("nonce", "nonce-1");
        for (k, v) in extra {
            url.query_pairs_mut().append_pair(k, v);
        }
        let r = self.http.get(url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND, "{}", r.text().await.unwrap());
        Url::parse(r.headers()["location"].to_str().unwrap()).unwrap()
    }

    fn assertion(&self, client_id: &str, key_pem: &str, kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let claims = json!({
            "iss": client_id, "sub": client_id, "aud": self.url("token").as_str(),
            "exp": now() + 60, "iat": now(), "jti": format!("jti-{}", rand_id()),
        });
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    async fn token_with(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url("token"))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A whole sign-in of `client_id` (its key `key_pem`): the token response.
    async fn sign_in(
        &self,
        client_id: &str,
        redirect: &str,
        key_pem: &str,
        kid: Option<&str>,
        extra: &[(&str, &str)],
    ) -> Value {
        let callback = self.authorize(client_id, redirect, extra).await;
        let code = code_of(&callback);
        let assertion = self.assertion(client_id, key_pem, kid);
        let (status, body) = self
            .token_with(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", redirect),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &assertion),
            ])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn default_sign_in(&self, extra: &[(&str, &str)]) -> Value {
        self.sign_in(
            DEFAULT_CLIENT_ID,
            REDIRECT,
            DEFAULT_CLIENT_PRIVATE_KEY,
            None,
            extra,
        )
        .await
    }

    async fn userinfo(&self, access_token: &str) -> Value {
        let r = self
            .http
            .get(self.url("userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    }

    async fn jwks(&self) -> Value {
        self.get_json(".well-known/jwks.json").await
    }

    /// Whether a core identity JWT verifies with the DID document's key its `kid` names.
    async fn verifies_identity(&self, token: &str) -> bool {
        let did: Value = self.get_json(".well-known/did.json").await;
        let kid = decode_part(token, 0)["kid"].as_str().unwrap().to_owned();
        let method = did["assertionMethod"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == kid.as_str())
            .unwrap_or_else(|| panic!("no DID key {kid}"));
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(method["publicKeyJwk"].clone()).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        jsonwebtoken::crypto::verify(
            sig,
            input.as_bytes(),
            &DecodingKey::from_jwk(&jwk).unwrap(),
            Algorithm::ES256,
        )
        .unwrap_or(false)
    }

    /// Whether `token` verifies with a key of the provider's JWKS.
    async fn verifies(&self, token: &str) -> bool {
        let jwks = self.jwks().await;
        let (input, sig) = token.rsplit_once('.').unwrap();
        jwks["keys"].as_array().unwrap().iter().any(|k| {
            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(k.clone()).unwrap();
            let alg = if k["kty"] == "EC" {
                Algorithm::ES256
            } else {
                Algorithm::RS256
            };
            jsonwebtoken::crypto::verify(
                sig,
                input.as_bytes(),
                &DecodingKey::from_jwk(&jwk).unwrap(),
                alg,
            )
            .unwrap_or(false)
        })
    }
}

fn rand_id() -> String {
    format!(
        "{:x}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

fn code_of(callback: &Url) -> String {
    callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap_or_else(|| panic!("no code in {callback}"))
        .1
        .into_owned()
}

const IDENTITY: &[(&str, &str)] = &[
    ("vtr", r#"["Cl.Cm.P2"]"#),
    (
        "claims",
        r#"{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null,"https://vocab.account.gov.uk/v1/address":null}}"#,
    ),
];

#[tokio::test]
async fn starts_on_loopback_with_the_simulators_issuer_did_and_default_person() {
    let rp = Rp::start().await;
    assert!(rp.server.local_addr().ip().is_loopback());
    let port = rp.server.local_addr().port();
    let issuer = rp.server.issuer();
    assert_eq!(issuer.as_str(), format!("http://localhost:{port}/"));
    let discovery: Value = rp.get_json(".well-known/openid-configuration").await;
    assert_eq!(discovery["issuer"], issuer.as_str());
    assert_eq!(discovery["token_endpoint"], rp.url("token").as_str());
    // Only what it serves.
    assert!(discovery.get("registration_endpoint").is_none());
    let did: Value = rp.get_json(".well-known/did.json").await;
    assert_eq!(did["id"], format!("did:web:localhost%3A{port}"));

    let tokens = rp.default_sign_in(IDENTITY).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims = decode_part(id_token, 1);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["aud"], DEFAULT_CLIENT_ID);
    assert_eq!(claims["sub"], DEFAULT_SUB);
    assert_eq!(claims["nonce"], "nonce-1");
    assert_eq!(decode_part(id_token, 0)["alg"], "ES256");
    assert!(rp.verifies(id_token).await);

    let info = rp.userinfo(tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info["sub"], DEFAULT_SUB);
    assert_eq!(info["email"], "test@example.com");
    assert_eq!(info["phone_number"], "07123456789");
    assert_eq!(
        info["https://vocab.account.gov.uk/v1/address"][0]["postalCode"],
        "GL1 5QB"
    );
    let core = info["https://vocab.account.gov.uk/v1/coreIdentityJWT"]
        .as_str()
        .unwrap();
    let core_claims = decode_part(core, 1);
    // The simulator's core identity JWT is issued by the issuer itself.
    assert_eq!(core_claims["iss"], issuer.as_str());
    assert_eq!(core_claims["sub"], DEFAULT_SUB);
    assert_eq!(core_claims["vot"], "P2");
    assert_eq!(
        core_claims["vc"]["credentialSubject"]["name"][0]["nameParts"][0]["value"],
        "GEOFFREY"
    );
    assert!(
        decode_part(core, 0)["kid"]
            .as_str()
            .unwrap()
            .starts_with(&format!("did:web:localhost%3A{port}#"))
    );
    rp.server.shutdown().await;
}

#[tokio::test]
async fn the_simulators_environment_variables_configure_the_server_at_start_up() {
    let builder = MockServer::builder().env(|name| {
        let v = match name {
            "PORT" => "0",
            "CLIENT_ID" => "env-client",
            "REDIRECT_URLS" => "http://127.0.0.1:9/cb",
            "SUB" => "urn:fdc:gov.uk:2022:env-person",
            "EMAIL" => "env@example.com",
            "ID_TOKEN_SIGNING_ALGORITHM" => "RS256",
            "ID_TOKEN_ERRORS" => "INVALID_AUD",
            "SIMULATOR_URL" => "http://127.0.0.1:1234",
            _ => return None,
        };
        Some(v.to_owned())
    });
    let rp = Rp::with(builder).await;
    // SIMULATOR_URL names the issuer (behind a proxy, say) whatever the port.
    assert_eq!(rp.server.issuer().as_str(), "http://127.0.0.1:1234/");
    let config = rp.server.config();
    assert_eq!(config["clientConfiguration"]["clientId"], "env-client");
    assert_eq!(
        config["clientConfiguration"]["redirectUrls"],
        json!(["http://127.0.0.1:9/cb"])
    );
    assert_eq!(config["responseConfiguration"]["email"], "env@example.com");
    assert_eq!(
        config["errorConfiguration"]["idTokenErrors"],
        json!(["INVALID_AUD"])
    );
    rp.server.shutdown().await;

    // The person, the algorithm and an app's own redirect scheme come from the environment too;
    // USE_NEW_ID_TOKEN_SIGNING_KEYS without PUBLISH_… is ignored, as the simulator ignores it.
    let rp = Rp::with(MockServer::builder().env(|name| {
        let v = match name {
            "PORT" => "0",
            "REDIRECT_URLS" => "myapp://callback,http://127.0.0.1:9/cb",
            "SUB" => "urn:fdc:gov.uk:2022:env-person",
            "ID_TOKEN_SIGNING_ALGORITHM" => "RS256",
            "USE_NEW_ID_TOKEN_SIGNING_KEYS" => "true",
            _ => return None,
        };
        Some(v.to_owned())
    }))
    .await;
    let tokens = rp
        .sign_in(
            DEFAULT_CLIENT_ID,
            "myapp://callback",
            DEFAULT_CLIENT_PRIVATE_KEY,
            None,
            &[],
        )
        .await;
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(decode_part(id_token, 0)["alg"], "RS256");
    assert_eq!(
        decode_part(id_token, 1)["sub"],
        "urn:fdc:gov.uk:2022:env-person"
    );
    assert_eq!(rp.server.config()["usingNewIdTokenSigningKeys"], false);
    rp.server.shutdown().await;

    let refused = MockServer::builder()
        .port(0)
        .env(|name| (name == "TOKEN_AUTH_METHOD").then(|| "client_secret_post".to_owned()))
        .start()
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "testkit.start.config");
    assert!(
        refused
            .to_string()
            .contains("cannot support identity verification")
    );
    let interactive = MockServer::builder()
        .port(0)
        .env(|name| (name == "INTERACTIVE_MODE").then(|| "true".to_owned()))
        .start()
        .await
        .unwrap_err();
    assert!(interactive.to_string().contains("INTERACTIVE_MODE"));
}

#[tokio::test]
async fn post_config_refuses_unknown_fields_and_bad_values_and_changes_nothing() {
    let rp = Rp::start().await;
    let before = rp.config().await;

    let (status, body) = rp.post_config(json!({ "mystery": 1 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["errors"]["_unknown_fields"]["fields"][0]["path"],
        "mystery"
    );

    for (bad, path) in [
        (
            json!({ "clientConfiguration": { "scopes": ["openid", "bogus"] } }),
            "clientConfiguration.scopes[1]",
        ),
        (
            json!({ "clientConfiguration": { "clientLoCs": ["P9"] } }),
            "clientConfiguration.clientLoCs[0]",
        ),
        (
            json!({ "clientConfiguration": { "idTokenSigningAlgorithm": "HS256" } }),
            "clientConfiguration.idTokenSigningAlgorithm",
        ),
        (
            json!({ "clientConfiguration": { "publicKey": "not a key" } }),
            "clientConfiguration.publicKey",
        ),
        (
            json!({ "clientConfiguration": { "publicKeySource": "JWKS" } }),
            "clientConfiguration.jwksUrl",
        ),
        (
            json!({ "clientConfiguration": { "redirectUrls": ["javascript:alert(1)"] } }),
            "clientConfiguration.redirectUrls[0]",
        ),
        (
            json!({ "responseConfiguration": { "emailVerified": "true" } }),
            "responseConfiguration.emailVerified",
        ),
        (
            json!({ "responseConfiguration": { "maxLoCAchieved": "P7" } }),
            "responseConfiguration.maxLoCAchieved",
        ),
        (
            json!({ "responseConfiguration": { "returnCodes": [{ "nope": 1 }] } }),
            "responseConfiguration.returnCodes[0].code",
        ),
        (
            json!({ "responseConfiguration": { "passportDetails": ["x"] } }),
            "responseConfiguration.passportDetails",
        ),
        (
            json!({ "errorConfiguration": { "idTokenErrors": "INVALID_ISS" } }),
            "errorConfiguration.idTokenErrors",
        ),
        (
            json!({ "publishNewIdTokenSigningKeys": "yes" }),
            "publishNewIdTokenSigningKeys",
        ),
        (
            json!({ "simulatorUrl": "http://elsewhere.example" }),
            "simulatorUrl",
        ),
        (json!({ "clientConfiguration": [] }), "clientConfiguration"),
        (
            json!({ "faults": { "authorize": "NOPE" } }),
            "faults.authorize",
        ),
    ] {
        let (status, body) = rp
            .post_config(
                json!({
                    "responseConfiguration": { "email": "changed@example.com" },
                    "errorConfiguration": { "idTokenErrors": ["INVALID_ISS"] }
                })
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .chain(bad.as_object().unwrap().clone())
                .collect::<serde_json::Map<_, _>>()
                .into(),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][path]["location"], "body", "{bad}: {body}");
        // Nothing of the refused body was applied, not even its good parts.
        assert_eq!(rp.config().await, before, "{bad}");
    }
    // Neither was a body in another format.
    let r = rp
        .http
        .post(rp.url("config"))
        .form(&[("clientConfiguration", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(rp.config().await, before);
    rp.server.shutdown().await;
}

#[tokio::test]
async fn post_config_updates_what_it_names_and_a_post_without_errors_clears_them() {
    let rp = Rp::start().await;
    let (status, body) = rp
        .post_config(json!({
            "clientConfiguration": { "redirectUrls": ["http://127.0.0.1:9/a"] },
            "responseConfiguration": { "email": "someone@example.com", "sub": "urn:fdc:gov.uk:2022:someone" },
            "errorConfiguration": { "idTokenErrors": ["INVALID_ISS", "NOT_AN_ERROR"] }
        }))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Unknown error names are ignored, as the simulator ignores them, and said back.
    assert!(body.contains("NOT_AN_ERROR"), "{body}");
    let config = rp.config().await;
    assert_eq!(
        config["clientConfiguration"]["redirectUrls"],
        json!(["http://127.0.0.1:9/a"])
    );
    assert_eq!(config["clientConfiguration"]["clientId"], DEFAULT_CLIENT_ID);
    assert_eq!(
        config["responseConfiguration"]["email"],
        "someone@example.com"
    );
    assert_eq!(
        config["responseConfiguration"]["phoneNumber"],
        "07123456789"
    );
    assert_eq!(
        config["errorConfiguration"]["idTokenErrors"],
        json!(["INVALID_ISS"])
    );
    let tokens = rp
        .sign_in(
            DEFAULT_CLIENT_ID,
            "http://127.0.0.1:9/a",
            DEFAULT_CLIENT_PRIVATE_KEY,
            None,
            &[],
        )
        .await;
    let claims = decode_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_eq!(claims["iss"], "https://example.com/identity-provider");
    assert_eq!(claims["sub"], "urn:fdc:gov.uk:2022:someone");

    // The simulator's rule: a POST without errorConfiguration clears the errors.
    let (status, _) = rp
        .post_config(json!({ "responseConfiguration": { "email": "again@example.com" } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rp.config().await["errorConfiguration"]["idTokenErrors"],
        json!([])
    );
    let tokens = rp
        .sign_in(
            DEFAULT_CLIENT_ID,
            "http://127.0.0.1:9/a",
            DEFAULT_CLIENT_PRIVATE_KEY,
            None,
            &[],
        )
        .await;
    let claims = decode_part(tokens["id_token"].as_str().unwrap(), 1);
    assert_eq!(claims["iss"], rp.server.issuer().as_str());
    rp.server.shutdown().await;
}

#[tokio::test]
async fn each_id_token_error_name_produces_its_fault() {
    let rp = Rp::start().await;
    for name in [
        "INVALID_ISS",
        "INVALID_AUD",
        "INVALID_ALG_HEADER",
        "INVALID_SIGNATURE",
        "TOKEN_EXPIRED",
        "TOKEN_NOT_VALID_YET",
        "NONCE_NOT_MATCHING",
        "INCORRECT_VOT",
    ] {
        let (status, _) = rp
            .post_config(json!({ "errorConfiguration": { "idTokenErrors": [name] } }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let tokens = rp.default_sign_in(&[("vtr", r#"["Cl.Cm"]"#)]).await;
        let token = tokens["id_token"].as_str().unwrap();
        let (header, claims) = (decode_part(token, 0), decode_part(token, 1));
        let ok = match name {
            "INVALID_ISS" => claims["iss"] == "https://example.com/identity-provider",
            "INVALID_AUD" => claims["aud"] != DEFAULT_CLIENT_ID,
            "INVALID_ALG_HEADER" => header["alg"] == "HS256",
            "INVALID_SIGNATURE" => header["alg"] == "ES256" && !rp.verifies(token).await,
            "TOKEN_EXPIRED" => claims["exp"].as_i64().unwrap() < now(),
            "TOKEN_NOT_VALID_YET" => claims["iat"].as_i64().unwrap() > now() + 3600,
            "NONCE_NOT_MATCHING" => claims["nonce"] != "nonce-1",
            _ => claims["vot"] == "Cl",
        };
        assert!(ok, "{name}: {header} {claims}");
        // Only the named fault: everything else is as it should be.
        if name != "INVALID_SIGNATURE" && name != "INVALID_ALG_HEADER" {
            assert!(rp.verifies(token).await, "{name}");
        }
    }
    rp.server.shutdown().await;
}

#[tokio::test]
async fn each_core_identity_error_name_produces_its_fault() {
    let rp = Rp::start().await;
    let issuer = rp.server.issuer().to_string();
    for name in [
        "INVALID_ALG_HEADER",
        "INVALID_SIGNATURE",
        "INVALID_ISS",
        "INVALID_AUD",
        "INCORRECT_SUB",
        "TOKEN_EXPIRED",
    ] {
        let (status, _) = rp
            .post_config(json!({ "errorConfiguration": { "coreIdentityErrors": [name] } }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let tokens = rp.default_sign_in(IDENTITY).await;
        let info = rp.userinfo(tokens["access_token"].as_str().unwrap()).await;
        let core = info["https://vocab.account.gov.uk/v1/coreIdentityJWT"]
            .as_str()
            .unwrap();
        let (header, claims) = (decode_part(core, 0), decode_part(core, 1));
        let ok = match name {
            "INVALID_ALG_HEADER" => header["alg"] == "HS256",
            "INVALID_SIGNATURE" => header["alg"] == "ES256" && !rp.verifies_identity(core).await,
            "INVALID_ISS" => claims["iss"] != issuer.as_str(),
            "INVALID_AUD" => claims["aud"] != DEFAULT_CLIENT_ID,
            "INCORRECT_SUB" => claims["sub"] != DEFAULT_SUB,
            _ => claims["exp"].as_i64().unwrap() < now(),
        };
        assert!(ok, "{name}: {header} {claims}");
        let signature_kept = !matches!(name, "INVALID_SIGNATURE" | "INVALID_ALG_HEADER");
        assert_eq!(rp.verifies_identity(core).await, signature_kept, "{name}");
    }
    rp.server.shutdown().await;
}

#[tokio::test]
async fn each_authorise_error_name_redirects_with_its_error_after_validating_the_request() {
    let rp = Rp::start().await;
    for (name, error) in [
        ("ACCESS_DENIED", "access_denied"),
        ("TEMPORARILY_UNAVAILABLE", "temporarily_unavailable"),
        // Ours, beside the simulator's.
        ("LOGIN_REQUIRED", "login_required"),
    ] {
        let (status, _) = rp
            .post_config(json!({ "errorConfiguration": { "authoriseErrors": [name] } }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let callback = rp.authorize(DEFAULT_CLIENT_ID, REDIRECT, &[]).await;
        let pairs: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
        assert!(
            pairs.contains(&("error".into(), error.into())),
            "{name}: {callback}"
        );
        assert!(pairs.contains(&("state".into(), "state-1".into())));
        assert!(!pairs.iter().any(|(k, _)| k == "code"));
    }
    // An invalid request still gets its own error first.
    let callback = rp
        .authorize(DEFAULT_CLIENT_ID, REDIRECT, &[("vtr", "not json")])
        .await;
    assert!(callback.query().unwrap().contains("error=invalid_request"));
    rp.server.shutdown().await;
}

#[tokio::test]
async fn key_rotation_goes_in_the_simulators_two_steps() {
    let rp = Rp::start().await;
    let kids = |jwks: &Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let old = kids(&rp.jwks().await);
    assert_eq!(old.len(), 2);
    let signed_with = |tokens: &Value| {
        decode_part(tokens["id_token"].as_str().unwrap(), 0)["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let first = signed_with(&rp.default_sign_in(&[]).await);
    assert!(old.contains(&first));

    // Using new keys before publishing them is refused, as the simulator refuses it.
    let (status, body) = rp
        .post_config(json!({ "useNewIdTokenSigningKeys": true }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("publishNewIdTokenSigningKeys is false"),
        "{body}"
    );
    assert_eq!(rp.config().await["usingNewIdTokenSigningKeys"], false);

    // Step 1: publish; tokens are still signed with the old key.
    let (status, _) = rp
        .post_config(json!({ "publishNewIdTokenSigningKeys": true }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let published = kids(&rp.jwks().await);
    assert_eq!(published.len(), 4);
    assert_eq!(signed_with(&rp.default_sign_in(&[]).await), first);
    assert_eq!(rp.config().await["publishNewIdTokenKeysEnabled"], true);

    // Step 2: use; tokens are signed with a new key, published since step 1.
    let (status, _) = rp
        .post_config(
            json!({ "publishNewIdTokenSigningKeys": true, "useNewIdTokenSigningKeys": true }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let tokens = rp.default_sign_in(&[]).await;
    let now_signed = signed_with(&tokens);
    assert!(!old.contains(&now_signed) && published.contains(&now_signed));
    assert!(rp.verifies(tokens["id_token"].as_str().unwrap()).await);
    assert_eq!(rp.config().await["usingNewIdTokenSigningKeys"], true);
    rp.server.shutdown().await;
}

/// Serves `jwks` at `http://127.0.0.1:PORT/jwks.json` (a client publishing its keys).
async fn serve_jwks(jwks: Value) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let body = jwks.to_string();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Url::parse(&format!("http://{addr}/jwks.json")).unwrap()
}

#[tokio::test]
async fn two_clients_sign_in_side_by_side_one_with_its_keys_at_a_jwks_url() {
    let rp = Rp::start().await;
    let current = RsaPrivateKey::generate("current").unwrap();
    let next = RsaPrivateKey::generate("next").unwrap();
    let retired = RsaPrivateKey::generate("retired").unwrap();
    let jwks = serve_jwks(json!({ "keys": [
        current.public_jwk("RS256"),
        next.public_jwk("RS256"),
    ]}))
    .await;
    let (status, body) = rp
        .post_config(json!({
            "clients": [{
                "clientId": "second-client",
                "publicKeySource": "JWKS",
                "jwksUrl": jwks.as_str(),
                "redirectUrls": ["http://127.0.0.1:9/second/callback"],
                "identityVerificationSupported": false,
                "idTokenSigningAlgorithm": "RS256"
            }]
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Both clients start a sign-in before either finishes.
    let first_callback = rp.authorize(DEFAULT_CLIENT_ID, REDIRECT, &[]).await;
    let second_callback = rp
        .authorize("second-client", "http://127.0.0.1:9/second/callback", &[])
        .await;
    let exchange =
        |code: String, client: &'static str, redirect: &'static str, assertion: String| {
            let rp = &rp;
            async move {
                rp.token_with(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                    ("client_id", client),
                ])
                .await
            }
        };
    let second = exchange(
        code_of(&second_callback),
        "second-client",
        "http://127.0.0.1:9/second/callback",
        rp.assertion(
            "second-client",
            current.pem().expose_secret(),
            Some(current.key_id()),
        ),
    )
    .await;
    assert_eq!(second.0, StatusCode::OK, "{}", second.1);
    let first = exchange(
        code_of(&first_callback),
        DEFAULT_CLIENT_ID,
        REDIRECT,
        rp.assertion(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_PRIVATE_KEY, None),
    )
    .await;
    assert_eq!(first.0, StatusCode::OK, "{}", first.1);
    let token = |body: &Value| body["id_token"].as_str().unwrap().to_owned();
    assert_eq!(decode_part(&token(&first.1), 1)["aud"], DEFAULT_CLIENT_ID);
    assert_eq!(decode_part(&token(&second.1), 1)["aud"], "second-client");
    assert_eq!(decode_part(&token(&first.1), 0)["alg"], "ES256");
    assert_eq!(decode_part(&token(&second.1), 0)["alg"], "RS256");
    // A code is bound to its client: the other client cannot redeem it.
    let stolen = exchange(
        code_of(&rp.authorize(DEFAULT_CLIENT_ID, REDIRECT, &[]).await),
        "second-client",
        REDIRECT,
        rp.assertion(
            "second-client",
            current.pem().expose_secret(),
            Some(current.key_id()),
        ),
    )
    .await;
    assert_eq!(stolen.0, StatusCode::BAD_REQUEST);

    // The JWKS client: its next key signs too; a key it does not publish, or no kid, does not.
    for (key, kid, ok) in [
        (&next, Some(next.key_id()), true),
        (&retired, Some(retired.key_id()), false),
        (&current, None, false),
        (&retired, Some(current.key_id()), false),
    ] {
        let callback = rp
            .authorize("second-client", "http://127.0.0.1:9/second/callback", &[])
            .await;
        let (status, body) = exchange(
            code_of(&callback),
            "second-client",
            "http://127.0.0.1:9/second/callback",
            rp.assertion("second-client", key.pem().expose_secret(), kid),
        )
        .await;
        assert_eq!(status == StatusCode::OK, ok, "{kid:?}: {body}");
        if !ok {
            assert_eq!(body["error"], "invalid_client");
        }
    }
    // Identity is refused to the client not allowed it.
    let callback = rp
        .authorize(
            "second-client",
            "http://127.0.0.1:9/second/callback",
            IDENTITY,
        )
        .await;
    assert!(callback.query().unwrap().contains("error=invalid_request"));
    rp.server.shutdown().await;
}

#[tokio::test]
async fn a_client_secret_post_client_authenticates_with_the_secret_its_argon2id_hash_names() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
    let hash = argon2::Argon2::default()
        .hash_password(b"the-secret", &salt)
        .unwrap()
        .to_string();
    let rp = Rp::with(MockServer::builder().env(move |name| {
        let v = match name {
            "PORT" => "0",
            "TOKEN_AUTH_METHOD" => "client_secret_post",
            "IDENTITY_VERIFICATION_SUPPORTED" => "false",
            "CLIENT_SECRET_HASH" => hash.as_str(),
            _ => return None,
        };
        Some(v.to_owned())
    }))
    .await;
    for (secret, ok) in [("the-secret", true), ("not-the-secret", false)] {
        let callback = rp.authorize(DEFAULT_CLIENT_ID, REDIRECT, &[]).await;
        let (status, body) = rp
            .token_with(&[
                ("grant_type", "authorization_code"),
                ("code", &code_of(&callback)),
                ("redirect_uri", REDIRECT),
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", secret),
            ])
            .await;
        assert_eq!(status == StatusCode::OK, ok, "{secret}: {body}");
    }
    rp.server.shutdown().await;
}

#[tokio::test]
async fn testkit_faults_are_selectable_through_config_and_cleared_by_the_next_post() {
    let rp = Rp::start().await;
    let (status, body) = rp
        .post_config(json!({ "faults": {
            "endpoints": { "token": { "status": 503, "retryAfter": 7 } },
            "discoveryIssuer": "https://elsewhere.example/"
        }}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        rp.config().await["faults"]["endpoints"]["token"]["status"],
        503
    );
    let callback = rp.authorize(DEFAULT_CLIENT_ID, REDIRECT, &[]).await;
    let r = rp
        .http
        .post(rp.url("token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code_of(&callback)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "7");
    let discovery: Value = rp.get_json(".well-known/openid-configuration").await;
    assert_eq!(discovery["issuer"], "https://elsewhere.example/");

    let (status, _) = rp
        .post_config(json!({ "faults": { "tokenResponse": ["MISSING_ID_TOKEN"] } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let tokens = rp.default_sign_in(&[]).await;
    assert!(tokens.get("id_token").is_none() && tokens.get("access_token").is_some());

    let (status, _) = rp.post_config(json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rp.config().await["faults"], Value::Null);
    assert!(rp.default_sign_in(&[]).await.get("id_token").is_some());
    rp.server.shutdown().await;
}

#[tokio::test]
async fn the_request_log_lists_every_request_for_tests_in_any_language() {
    let rp = Rp::start().await;
    rp.default_sign_in(&[]).await;
    let log: Value = rp.get_json("__requests").await;
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/authorize", "/token"]);
    let token = &log["requests"][1];
    assert_eq!(token["method"], "POST");
    assert_eq!(token["status"], 200);
    assert_eq!(token["clientAssertion"]["claims"]["iss"], DEFAULT_CLIENT_ID);
    assert!(
        token["form"]
            .as_array()
            .unwrap()
            .contains(&json!(["grant_type", "authorization_code"]))
    );
    let only_token: Value = rp.get_json("__requests?path=/token").await;
    assert_eq!(only_token["requests"].as_array().unwrap().len(), 1);
    let cleared = rp.http.delete(rp.url("__requests")).send().await.unwrap();
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    let log: Value = rp.get_json("__requests").await;
    assert_eq!(log["requests"], json!([]));
    rp.server.shutdown().await;
}

#[tokio::test]
async fn logout_delivers_a_signed_back_channel_logout_token_to_the_clients_uri() {
    let rp = Rp::start().await;
    // The relying party's back-channel endpoint: records what it is sent.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/back-channel",
        axum::routing::post(move |body: String| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (status, body) = rp
        .post_config(json!({ "clientConfiguration": {
            "backChannelLogoutUri": format!("http://{addr}/back-channel"),
        }}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let tokens = rp.default_sign_in(&[]).await;
    let mut logout = rp.url("logout");
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", tokens["id_token"].as_str().unwrap())
        .append_pair(
            "post_logout_redirect_uri",
            "http://localhost:8080/signed-out",
        )
        .append_pair("state", "bye");
    let r = rp.http.get(logout).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(
        r.headers()["location"],
        "http://localhost:8080/signed-out?state=bye"
    );
    let form = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let token = url::form_urlencoded::parse(form.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .unwrap()
        .1
        .into_owned();
    let (header, claims) = (decode_part(&token, 0), decode_part(&token, 1));
    assert_eq!(header["typ"], "logout+jwt");
    assert_eq!(claims["aud"], DEFAULT_CLIENT_ID);
    assert_eq!(claims["sub"], DEFAULT_SUB);
    assert_eq!(claims["iss"], rp.server.issuer().as_str());
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(rp.verifies(&token).await);
    // The delivery is in the log, with the relying party's answer.
    let mut delivered = Value::Null;
    for _ in 0..50 {
        let log: Value = rp.get_json("__requests").await;
        delivered = log["backChannelLogouts"][0].clone();
        if !delivered.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(delivered["status"], 200);
    assert_eq!(delivered["clientId"], DEFAULT_CLIENT_ID);
    rp.server.shutdown().await;
}

#[tokio::test]
async fn api_calls_need_no_user_agent_unless_asked_and_head_is_served() {
    let rp = Rp::start().await;
    // reqwest sends no User-Agent unless told to (nor do .NET's HttpClient or http.client).
    let bare = reqwest::Client::builder().no_proxy().build().unwrap();
    let discovery = rp.url(".well-known/openid-configuration");
    assert_eq!(
        bare.get(discovery.clone()).send().await.unwrap().status(),
        StatusCode::OK
    );
    let head = bare.head(discovery.clone()).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert!(head.bytes().await.unwrap().is_empty());
    // One Login's firewall rule, when a test wants it.
    let (status, _) = rp
        .post_config(json!({ "faults": { "requireUserAgent": true } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        bare.get(discovery.clone()).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rp.http.get(discovery).send().await.unwrap().status(),
        StatusCode::OK
    );
    rp.server.shutdown().await;
}

#[tokio::test]
async fn unknown_fields_inside_a_section_are_ignored_and_said_back_and_get_config_posts_back() {
    let rp = Rp::start().await;
    let (status, body) = rp
        .post_config(json!({
            "responseConfiguration": { "email": "x@example.com", "favouriteColour": "teal" },
            "clientConfiguration": { "legacyField": 1 }
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["ignoredFields"],
        json!([
            "clientConfiguration.legacyField",
            "responseConfiguration.favouriteColour"
        ])
    );
    assert_eq!(
        rp.config().await["responseConfiguration"]["email"],
        "x@example.com"
    );
    // What GET /config says can be posted back as it is (a save and a restore).
    let saved = rp.config().await;
    let (status, body) = rp.post_config(saved.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(rp.config().await, saved);
    // An empty POST is `{}`: it clears the errors, as the simulator's does.
    rp.post_config(json!({ "errorConfiguration": { "idTokenErrors": ["INVALID_ISS"] } }))
        .await;
    let r = rp.http.post(rp.url("config")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        rp.config().await["errorConfiguration"]["idTokenErrors"],
        json!([])
    );
    rp.server.shutdown().await;
}

#[tokio::test]
async fn another_client_needs_its_redirect_urls_and_a_key_of_its_own() {
    let rp = Rp::start().await;
    let (status, body) = rp
        .post_config(json!({ "clients": [{ "clientId": "x" }] }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(
        body["errors"]["clients[0].redirectUrls"].is_object(),
        "{body}"
    );
    assert!(body["errors"]["clients[0].publicKey"].is_object(), "{body}");
    // Two clients with one id are refused too.
    let (status, _) = rp
        .post_config(json!({ "clients": [{
            "clientId": DEFAULT_CLIENT_ID, "redirectUrls": ["http://127.0.0.1:9/x"],
            "publicKey": govuk_one_login_testkit::DEFAULT_CLIENT_PUBLIC_KEY
        }]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A secret hash too costly to check is refused (it would stall the server).
    let (status, body) = rp
        .post_config(json!({ "clientConfiguration": {
            "client_secret_hash": "$argon2id$v=19$m=8,t=4000000000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        }}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("clientConfiguration.client_secret_hash"));
    rp.server.shutdown().await;
}

#[tokio::test]
async fn a_client_jwks_over_the_size_limit_is_refused() {
    let rp = Rp::start().await;
    let key = RsaPrivateKey::generate("k").unwrap();
    let mut jwk = key.public_jwk("RS256");
    jwk["padding"] = json!("x".repeat(300 * 1024));
    let jwks = serve_jwks(json!({ "keys": [jwk] })).await;
    let (status, _) = rp
        .post_config(json!({ "clients": [{
            "clientId": "big", "publicKeySource": "JWKS", "jwksUrl": jwks.as_str(),
            "redirectUrls": ["http://127.0.0.1:9/big"], "identityVerificationSupported": false
        }]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let callback = rp.authorize("big", "http://127.0.0.1:9/big", &[]).await;
    let (status, body) = rp
        .token_with(&[
            ("grant_type", "authorization_code"),
            ("code", &code_of(&callback)),
            ("redirect_uri", "http://127.0.0.1:9/big"),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            (
                "client_assertion",
                &rp.assertion("big", key.pem().expose_secret(), Some("k")),
            ),
        ])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_client");
    rp.server.shutdown().await;
}

#[tokio::test]
async fn a_lower_level_of_confidence_signs_in_and_says_so_in_the_core_identity_vot() {
    let rp = Rp::start().await;
    let (status, _) = rp
        .post_config(json!({ "responseConfiguration": { "maxLoCAchieved": "P1" } }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let claims = r#"{"userinfo":{"https://vocab.account.gov.uk/v1/coreIdentityJWT":null,"https://vocab.account.gov.uk/v1/returnCode":null}}"#;
    let tokens = rp
        .default_sign_in(&[("vtr", r#"["Cl.Cm.P2"]"#), ("claims", claims)])
        .await;
    let info = rp.userinfo(tokens["access_token"].as_str().unwrap()).await;
    let core = info["https://vocab.account.gov.uk/v1/coreIdentityJWT"]
        .as_str()
        .unwrap();
    // As the simulator: the identity configured, with the level it reached; a relying party
    // must refuse it for a P2 service.
    assert_eq!(decode_part(core, 1)["vot"], "P1");
    assert_eq!(
        info["https://vocab.account.gov.uk/v1/returnCode"],
        json!([])
    );
    rp.server.shutdown().await;
}

#[tokio::test]
async fn signing_out_of_one_client_tells_every_client_the_person_signed_in_to() {
    let rp = Rp::start().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new().route(
        "/{client}/back-channel",
        axum::routing::post(
            move |axum::extract::Path(client): axum::extract::Path<String>, body: String| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((client, body));
                    "ok"
                }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (status, body) = rp
        .post_config(json!({
            "clientConfiguration": { "backChannelLogoutUri": format!("http://{addr}/a/back-channel") },
            "clients": [{
                "clientId": "b", "redirectUrls": ["http://127.0.0.1:9/b"],
                "publicKey": govuk_one_login_testkit::DEFAULT_CLIENT_PUBLIC_KEY,
                "backChannelLogoutUri": format!("http://{addr}/b/back-channel")
            }, {
                "clientId": "c", "redirectUrls": ["http://127.0.0.1:9/c"],
                "publicKey": govuk_one_login_testkit::DEFAULT_CLIENT_PUBLIC_KEY,
                "backChannelLogoutUri": format!("http://{addr}/c/back-channel")
            }]
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let a = rp.default_sign_in(&[]).await;
    rp.sign_in(
        "b",
        "http://127.0.0.1:9/b",
        DEFAULT_CLIENT_PRIVATE_KEY,
        None,
        &[],
    )
    .await;
    // The person never signed in to c: c hears nothing.
    let mut logout = rp.url("logout");
    logout
        .query_pairs_mut()
        .append_pair("id_token_hint", a["id_token"].as_str().unwrap());
    let r = rp.http.get(logout).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let mut told = Vec::new();
    for _ in 0..2 {
        let (client, form) = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert!(form.starts_with("logout_token="));
        told.push(client);
    }
    told.sort();
    assert_eq!(told, ["a", "b"]);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        rx.try_recv().is_err(),
        "a client the person never used was told"
    );
    rp.server.shutdown().await;
}

#[tokio::test]
async fn a_bad_logout_request_goes_to_the_error_page_and_tells_nobody() {
    let rp = Rp::start().await;
    let tokens = rp.default_sign_in(&[]).await;
    for (hint, uri) in [
        ("not-a-jwt", "http://localhost:8080/signed-out"),
        (
            tokens["id_token"].as_str().unwrap(),
            "http://evil.example/signed-out",
        ),
    ] {
        let mut logout = rp.url("logout");
        logout
            .query_pairs_mut()
            .append_pair("id_token_hint", hint)
            .append_pair("post_logout_redirect_uri", uri);
        let r = rp.http.get(logout).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(
            location.starts_with(rp.url("logout-error").as_str()),
            "{location}"
        );
    }
    let log: Value = rp.get_json("__requests").await;
    assert_eq!(log["backChannelLogouts"], json!([]));
    rp.server.shutdown().await;
}
