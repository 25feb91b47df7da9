//! An in-memory One Login for the cache tests: scripted responses per path, every request
//! counted, an optional gate to hold requests in flight. Time comes from a `TestClock`.

// Helpers outside `#[test]` functions are test code too: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use govuk_one_login_core::{
    BoxFuture, Environment, HttpRequest, HttpResponse, HttpTransport, TestClock, TransportError,
};
use govuk_one_login_discovery::{CachePolicy, ProviderCache};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

pub const ISSUER: &str = "https://oidc.integration.account.gov.uk/";
pub const DISCOVERY: &str = "/.well-known/openid-configuration";
pub const JWKS: &str = "/.well-known/jwks.json";
pub const DID_PATH: &str = "/.well-known/did.json";
pub const DID: &str = "did:web:identity.integration.account.gov.uk";
pub const T0: i64 = 1_800_000_000;

/// Public P-256 points (x, y), generated with openssl for these tests only.
pub const EC_KEYS: [(&str, &str); 3] = [
    (
        "-tddO-cdk_xCGIVk-xhXP7Sv3c1fdemmi9qChyNk9gs",
        "rKDWYybaNK_pMuFAC2uVXAfd7catPH_FXXhOe7tYGKg",
    ),
    (
        "3IFjqLtTRoy3mvRYOK25gDMgSouWbr-DeZ_wb9t6D0Q",
        "2Gpb_AGkVqjS-4SxMouKi1xVj-YyTgNUQs7KWLxhvwc",
    ),
    (
        "t43Aer9MuVYvk6aGyYU-2ltrk_MYWLdrZv347XTIdJg",
        "6vy-9X25sJIPWSmkJaCX2xUIOGt4yIDR7yYJVH_Oykw",
    ),
];

/// A 1024-bit RSA modulus: too small for signatures.
pub const SMALL_RSA_N: &str = "5pWQRY3_t6HrKclL4P8wuAgic_bY_qaVXL22P19oqnW1eKadOijV90h5Ps2E9IauFc8OabjmCAOktqVccNwcW6hIG8ZEE4tQoROhBE-yb_HS0jUYQYxF4Lpw-HJ2kPEIQXpHLKO5ysrZlTmKas3otHNVHSjuzfrfD55xPlQuOm0";

pub fn ec_jwk(kid: &str, index: usize) -> Value {
    let (x, y) = EC_KEYS[index];
    json!({"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": "sig", "alg": "ES256", "kid": kid})
}

pub fn jwks(keys: &[(&str, usize)]) -> Value {
    json!({"keys": keys.iter().map(|(kid, i)| ec_jwk(kid, *i)).collect::<Vec<_>>()})
}

pub fn did_document(fragments: &[(&str, usize)]) -> Value {
    let methods: Vec<Value> = fragments
        .iter()
        .map(|(fragment, i)| {
            let (x, y) = EC_KEYS[*i];
            json!({
                "id": format!("{DID}#{fragment}"),
                "type": "JsonWebKey",
                "controller": DID,
                "publicKeyJwk": {"kty": "EC", "crv": "P-256", "x": x, "y": y}
            })
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": DID,
        "assertionMethod": methods
    })
}

/// One Login's discovery document for `issuer` (the workspace's one copy, in core).
pub use govuk_one_login_core::internal::fixtures::discovery_document;

#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Route {
    pub fn json(value: &Value, cache_control: Option<&str>) -> Self {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if let Some(cc) = cache_control {
            headers.push(("cache-control".to_owned(), cc.to_owned()));
        }
        Self {
            status: 200,
            headers,
            body: serde_json::to_vec(value).unwrap(),
        }
    }

    pub fn status(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }
}

/// Scripted responses keyed by the URL path; unknown paths answer 404.
#[derive(Debug, Default)]
pub struct FakeProvider {
    routes: Mutex<HashMap<String, Route>>,
    log: Mutex<Vec<(String, Option<String>)>>,
    started: AtomicUsize,
    gate: Mutex<Option<Arc<Semaphore>>>,
}

impl FakeProvider {
    /// One Login's integration environment with one key (`k1`) in the JWKS and in the DID
    /// document (`did:web:identity.integration.account.gov.uk#d1`).
    pub fn one_login() -> Arc<Self> {
        let fake = Arc::new(Self::default());
        fake.route(
            DISCOVERY,
            Route::json(&discovery_document(ISSUER), Some("max-age=86400")),
        );
        fake.route(
            JWKS,
            Route::json(&jwks(&[("k1", 0)]), Some("max-age=86400")),
        );
        fake.route(
            DID_PATH,
            Route::json(&did_document(&[("d1", 0)]), Some("max-age=3600, private")),
        );
        fake
    }

    pub fn route(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_owned(), route);
    }

    /// How many requests were sent for a path.
    pub fn count(&self, path: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .count()
    }

    pub fn total(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    pub fn user_agents(&self) -> Vec<Option<String>> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(_, ua)| ua.clone())
            .collect()
    }

    /// Requests that have reached the transport (including those held at the gate).
    pub fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }

    /// Holds every request until [`open_gate`](Self::open_gate).
    pub fn close_gate(&self) {
        *self.gate.lock().unwrap() = Some(Arc::new(Semaphore::new(0)));
    }

    pub fn open_gate(&self) {
        if let Some(gate) = self.gate.lock().unwrap().take() {
            gate.add_permits(Semaphore::MAX_PERMITS / 2);
        }
    }
}

impl HttpTransport for FakeProvider {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            self.started.fetch_add(1, Ordering::SeqCst);
            // The response is what the provider served when the request reached it: a route
            // changed while the request is held at the gate is seen by later requests only.
            let path = request.url.path().to_owned();
            let route = self.routes.lock().unwrap().get(&path).cloned();
            let route = route.unwrap_or_else(|| Route::status(404, "not found"));
            let gate = self.gate.lock().unwrap().clone();
            if let Some(gate) = gate {
                let _permit = gate.acquire().await.unwrap();
            }
            self.log.lock().unwrap().push((
                path.clone(),
                request.header("user-agent").map(str::to_owned),
            ));
            Ok(HttpResponse {
                status: route.status,
                headers: route.headers,
                body: route.body,
            })
        })
    }
}

pub fn cache_with(
    fake: &Arc<FakeProvider>,
    clock: &TestClock,
    policy: CachePolicy,
) -> ProviderCache {
    ProviderCache::new(
        &Environment::integration(),
        fake.clone(),
        Arc::new(clock.clone()),
        policy,
        "govuk-one-login-rs/0.1.0 tests/1.0".to_owned(),
    )
}

pub fn cache(fake: &Arc<FakeProvider>, clock: &TestClock) -> ProviderCache {
    cache_with(fake, clock, CachePolicy::default())
}
