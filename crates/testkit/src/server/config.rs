//! The GDS simulator's configuration (`GET`/`POST /config` and its environment variables), and
//! what this server adds to it: several clients, back-channel URIs, every testkit fault.
//!
//! Written from the simulator's public documentation (`docs/configuration.md`,
//! `docs/configured-errors.md`, `docs/key-rotation.md`, `docs/jwks.md`,
//! `docs/default-config-values.md`). Where the simulator is lax (it stores unvalidated client
//! fields, silently keeps half of a refused update), this one validates the whole body first and
//! applies all of it or none of it.

use std::collections::BTreeMap;

use govuk_one_login_core::{ClaimName, IdTokenAlgorithm, IdentityLevel, Url};
use serde_json::{Map, Value, json};

use super::fault_names::{authorize_fault, parse_faults};
use super::sections::{
    Problems, TOP_LEVEL, check_client, loose_bool, read_client, read_errors, read_response,
    unknown_keys,
};
use crate::faults::{AuthorizeFault, CoreIdentityFault, Faults, IdTokenFault};
use crate::jwt::RsaPublic;
use crate::state::{Client, RegisteredAuth};
use crate::user::{MockIdentity, MockUser};

/// The simulator's default client id.
pub const DEFAULT_CLIENT_ID: &str = "HGIOgho9HIRhgoepdIOPFdIUWgewi0jw";

/// The public half of the simulator's default client key (its private half is printed in the
/// simulator's `docs/default-config-values.md`, so a relying party set up for the simulator
/// already holds it).
pub const DEFAULT_CLIENT_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmXXR3EsRvUMVhEJMtQ1w
exJjfQ00Q0MQ7ARfShN53BnOQEPFnS/I8ntBddkKdE3q+vMTI72w6Fv3SsMM+ciR
2LIHdEQfKgsLt6PGNcV1kG6GG/3nSW3psW8w65Q3fmy81P1748qezDrVfaGrF4PD
XALzX1ph+nz8mpKmck6aY6LEUJ4B+TIfYzlKmmwFe3ri0spSW+J5wE9mmT3VkR2y
SuHRYHQlxlF9dfX7ltOTsbgJFzN6TO01ZQDhY0iLwzdGwhSxO6R6N/ZINYHCKFPa
QD+tdKsrw7QDIYnx0IiXFnkGnizl3UtqSmXAaceTvPM2Pz84x2JiwHrp2Sml6RYL
CQIDAQAB
-----END PUBLIC KEY-----
";

/// The private half of [`DEFAULT_CLIENT_PUBLIC_KEY`], as the simulator's
/// `docs/default-config-values.md` prints it: a key everyone has, for tests against the default
/// client only (never register it anywhere real).
pub const DEFAULT_CLIENT_PRIVATE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCZddHcSxG9QxWE
Qky1DXB7EmN9DTRDQxDsBF9KE3ncGc5AQ8WdL8jye0F12Qp0Ter68xMjvbDoW/dK
wwz5yJHYsgd0RB8qCwu3o8Y1xXWQboYb/edJbemxbzDrlDd+bLzU/Xvjyp7MOtV9
oasXg8NcAvNfWmH6fPyakqZyTppjosRQngH5Mh9jOUqabAV7euLSylJb4nnAT2aZ
PdWRHbJK4dFgdCXGUX119fuW05OxuAkXM3pM7TVlAOFjSIvDN0bCFLE7pHo39kg1
gcIoU9pAP610qyvDtAMhifHQiJcWeQaeLOXdS2pKZcBpx5O88zY/PzjHYmLAeunZ
KaXpFgsJAgMBAAECggEAGtEkgb8ak/zPm0OsvOzizZb6jMVMbz6ei+f9sOezYVuf
F8rgEyZhEsKoP0xUz9s352+n1hSVgB1mGwn30ASVPA1sUQyAd6vjec1kW0wszbcK
t4SIsOPEtU2NenV1tyGQZBYB2t4zHtRfL2ubhunvLzqSxgR437mMuQRMkugagbOQ
CRPhwslZECcZvmOh5HURkbE0L5F1uXckc+tf0hktgiI4LB+Eej9e4TkhHnv6B9pe
yejfk/O+48O3sZ2emYgY6TSqcgwutj6UipROknyAorWUQ8vTaSewm6HO++cRH5a/
D0JPoLX7uM8JcosIIiLE1p6qihjhPRe65Rvb7tSMOwKBgQDQBMHkETsQlb26vGhm
9Fc29GQJFe0yTZVD/94U98hpfbOu22E3TslXzpsNoCR61zgZdM7dWQINi3AvonFS
QJlDEYGNX0zYOqT1goI+3tBMpptnNzfgRN72bp748JiUyWLnjcWUNc2gwIEc2yET
wR4Zxz6A7h1iA9+fM/rEE1ULHwKBgQC823VoUO7p13WvdrYrmM93Xc6Cv5nZFLZn
bFjt4xwi096yJ2BTxARFhCBYaDD9vi4yzKjHih/1G53T6aaRbuLaNOSO58jHY1eh
par1Xw+JjKwK7bnFGOY+mGAT9kz/agDQv+ELu6PpgiRW/Awiz9UW5OV0cquQIhRj
60yn25PM1wKBgQCI2YhhLUDJUWnHbunUSY0S90bUf1tTy5yWZr9I1hY/6FWMhID5
bNii7qYtGZzGP86FWMY68rKaDJDalaitrxfk+qBbTEX2vuYFKj3bdKReuQDlr3sQ
DN8OCoqFRWtr/u0VXryMG7VSuzJ1tGeXYmYWGXEySvSDpf648u5XjkxViwKBgQCO
+9COJAhePuQ47jXKGC2q//ikARAnzIi1ENDbeoEI1UPbufgyM0vQndInXOsKkXxE
tbJrMGY1mq0JjfKwVTWnYzhQAah/XPUxy0396/TFfR2cQJPPZ6Saa58CPg3ZqpXn
df6adXwKBKAiwz0k9hks9ivK2C6QN10csT8eLx5djQKBgQCiVnIJ3JcjNXHlygCW
eZG4zLcylZXusOv3VYBJKypBLVI74buoFfrvMcV/lQrI3Yo+6V95rNYGm+2MVxIc
iZSejbyqjUjJBAH9GHkPsiA+w1vutdd2PuPKOV05TLmV5ZM06bmLHQjMCGMiWK0G
8qVxFvr2NWRDB3otAjxVHR/ZQA==
-----END PRIVATE KEY-----
";

/// The simulator's default `sub`.
pub const DEFAULT_SUB: &str = "urn:fdc:gov.uk:2022:56P4CMsGh_02YOlWpd8PAOI-2sVlB2nsNU7mcLZYhYw=";

const VOCAB: &str = "https://vocab.account.gov.uk/v1/";

/// One client's configuration, in the simulator's vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClientConfig {
    pub(crate) client_id: String,
    /// `STATIC` or `JWKS`.
    pub(crate) public_key_source: String,
    pub(crate) public_key: String,
    pub(crate) jwks_url: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) redirect_urls: Vec<String>,
    pub(crate) post_logout_redirect_urls: Vec<String>,
    pub(crate) claims: Vec<String>,
    pub(crate) identity_verification_supported: bool,
    pub(crate) id_token_signing_algorithm: String,
    pub(crate) client_locs: Vec<String>,
    /// `private_key_jwt` or `client_secret_post`.
    pub(crate) token_auth_method: String,
    pub(crate) client_secret_hash: Option<String>,
    /// Ours: where `/logout` delivers a back-channel logout token.
    pub(crate) back_channel_logout_uri: Option<String>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.into(),
            public_key_source: "STATIC".into(),
            public_key: DEFAULT_CLIENT_PUBLIC_KEY.into(),
            jwks_url: None,
            scopes: vec!["openid".into(), "email".into(), "phone".into()],
            redirect_urls: vec!["http://localhost:8080/oidc/authorization-code/callback".into()],
            post_logout_redirect_urls: vec!["http://localhost:8080/signed-out".into()],
            claims: vec![
                format!("{VOCAB}coreIdentityJWT"),
                format!("{VOCAB}address"),
                format!("{VOCAB}returnCode"),
            ],
            identity_verification_supported: true,
            id_token_signing_algorithm: "ES256".into(),
            client_locs: vec!["P0".into(), "P2".into()],
            token_auth_method: "private_key_jwt".into(),
            client_secret_hash: None,
            back_channel_logout_uri: None,
        }
    }
}

/// The person `/userinfo` describes (the simulator's `responseConfiguration`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResponseConfig {
    pub(crate) sub: String,
    pub(crate) email: String,
    pub(crate) email_verified: bool,
    pub(crate) phone_number: Option<String>,
    pub(crate) phone_number_verified: bool,
    pub(crate) max_loc_achieved: String,
    pub(crate) core_identity_vc: Option<Value>,
    pub(crate) passport_details: Option<Value>,
    pub(crate) driving_permit_details: Option<Value>,
    pub(crate) postal_address_details: Option<Value>,
    pub(crate) return_codes: Option<Value>,
}

impl Default for ResponseConfig {
    fn default() -> Self {
        let identity = MockIdentity::default();
        Self {
            sub: DEFAULT_SUB.into(),
            email: "test@example.com".into(),
            email_verified: true,
            phone_number: Some("07123456789".into()),
            phone_number_verified: true,
            max_loc_achieved: "P2".into(),
            core_identity_vc: Some(json!({
                "type": ["VerifiableCredential", "IdentityCheckCredential"],
                "credentialSubject": { "name": identity.names, "birthDate": identity.birth_dates }
            })),
            passport_details: None,
            driving_permit_details: None,
            postal_address_details: Some(json!([{
                "addressCountry": "GB",
                "buildingName": "",
                "streetName": "FRAMPTON ROAD",
                "postalCode": "GL1 5QB",
                "buildingNumber": "26",
                "addressLocality": "GLOUCESTER",
                "validFrom": "2000-01-01",
                "uprn": 100_120_472_196_u64,
                "subBuildingName": ""
            }])),
            return_codes: Some(json!([])),
        }
    }
}

/// The error names configured (the simulator's `errorConfiguration`), as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ErrorConfig {
    pub(crate) core_identity: Vec<String>,
    pub(crate) id_token: Vec<String>,
    pub(crate) authorise: Vec<String>,
}

/// Everything `/config` reads and writes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimConfig {
    pub(crate) client: ClientConfig,
    /// Ours: more clients beside the simulator's one.
    pub(crate) clients: Vec<ClientConfig>,
    pub(crate) response: ResponseConfig,
    pub(crate) errors: ErrorConfig,
    /// Ours: the testkit's faults, as given (`null` for none).
    pub(crate) faults: Value,
    pub(crate) simulator_url: String,
    pub(crate) publish_new_keys: bool,
    pub(crate) use_new_keys: bool,
    pub(crate) pkce_enabled: bool,
}

/// Why a `POST /config` (or the start-up environment) was refused.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConfigError {
    /// Fields that failed validation: path → message (the simulator's `{"errors": …}` body).
    Fields(BTreeMap<String, FieldError>),
    /// The simulator's plain-text refusal of using the new keys before publishing them.
    UseBeforePublish,
}

/// One refused field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub(crate) value: Option<Value>,
    pub(crate) msg: String,
}

/// The simulator's words for refusing to use new keys before publishing them.
pub(crate) const USE_BEFORE_PUBLISH: &str =
    "Cannot enabled useNewIdTokenSigningKeys whilst publishNewIdTokenSigningKeys is false";

impl ConfigError {
    /// The 400 body: `{"errors": {path: {type, value, msg, path, location}}}`, as the simulator
    /// answers, or its plain text.
    pub(crate) fn body(&self) -> Result<Value, &'static str> {
        match self {
            Self::UseBeforePublish => Err(USE_BEFORE_PUBLISH),
            Self::Fields(fields) => {
                let mut errors = Map::new();
                for (path, e) in fields {
                    if path == "_unknown_fields" {
                        errors.insert(
                            path.clone(),
                            json!({
                                "type": "unknown_fields",
                                "msg": "Unknown field(s)",
                                "fields": e.value.clone().unwrap_or(Value::Null),
                            }),
                        );
                        continue;
                    }
                    let mut entry = json!({
                        "type": "field",
                        "msg": e.msg,
                        "path": path,
                        "location": "body",
                    });
                    if let (Some(v), Value::Object(map)) = (&e.value, &mut entry) {
                        map.insert("value".into(), v.clone());
                    }
                    errors.insert(path.clone(), entry);
                }
                Ok(json!({ "errors": errors }))
            }
        }
    }

    /// One line per refused field, for start-up errors.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::UseBeforePublish => USE_BEFORE_PUBLISH.into(),
            Self::Fields(fields) => fields
                .iter()
                .map(|(path, e)| format!("{path}: {}", e.msg))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// What a successful `POST /config` reports back.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Error names not known, ignored as the simulator ignores them.
    pub(crate) ignored: Vec<String>,
    /// Fields not known inside the sections, ignored as the simulator ignores them.
    pub(crate) ignored_fields: Vec<String>,
}

impl SimConfig {
    /// The simulator's defaults, served at `simulator_url`.
    pub(crate) fn defaults(simulator_url: &str) -> Self {
        Self {
            client: ClientConfig::default(),
            clients: Vec::new(),
            response: ResponseConfig::default(),
            errors: ErrorConfig::default(),
            faults: Value::Null,
            simulator_url: simulator_url.to_owned(),
            publish_new_keys: false,
            use_new_keys: false,
            pkce_enabled: false,
        }
    }

    /// The start-up configuration from the simulator's environment variables (`lookup` reads
    /// one; empty means unset).
    pub(crate) fn from_env(
        simulator_url: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let list = |name: &str| {
            get(name).map(|v| {
                Value::Array(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                )
            })
        };
        if get("INTERACTIVE_MODE").as_deref() == Some("true") {
            return Err(
                "INTERACTIVE_MODE is not supported: configure the person with POST \
                        /config (responseConfiguration) before each sign-in instead"
                    .into(),
            );
        }
        let mut client = Map::new();
        let put = |map: &mut Map<String, Value>, key: &str, v: Option<Value>| {
            if let Some(v) = v {
                map.insert(key.to_owned(), v);
            }
        };
        let text = |name: &str| get(name).map(Value::String);
        // `!= "false"` for the switches that default to on, `== "true"` for the others.
        let on_unless_false = |name: &str| get(name).map(|v| Value::Bool(v != "false"));
        let on_if_true = |name: &str| get(name).map(|v| Value::Bool(v == "true"));
        put(&mut client, "clientId", text("CLIENT_ID"));
        put(&mut client, "publicKeySource", text("PUBLIC_KEY_SOURCE"));
        put(&mut client, "publicKey", text("PUBLIC_KEY"));
        put(&mut client, "jwksUrl", text("JWKS_URL"));
        put(&mut client, "scopes", list("SCOPES"));
        put(&mut client, "redirectUrls", list("REDIRECT_URLS"));
        put(
            &mut client,
            "postLogoutRedirectUrls",
            list("POST_LOGOUT_REDIRECT_URLS"),
        );
        put(&mut client, "claims", list("CLAIMS"));
        put(
            &mut client,
            "identityVerificationSupported",
            on_unless_false("IDENTITY_VERIFICATION_SUPPORTED"),
        );
        put(
            &mut client,
            "idTokenSigningAlgorithm",
            text("ID_TOKEN_SIGNING_ALGORITHM"),
        );
        put(&mut client, "clientLoCs", list("CLIENT_LOCS"));
        put(&mut client, "token_auth_method", text("TOKEN_AUTH_METHOD"));
        put(
            &mut client,
            "client_secret_hash",
            text("CLIENT_SECRET_HASH"),
        );
        let mut response = Map::new();
        put(&mut response, "sub", text("SUB"));
        put(&mut response, "email", text("EMAIL"));
        put(
            &mut response,
            "emailVerified",
            on_unless_false("EMAIL_VERIFIED"),
        );
        put(&mut response, "phoneNumber", text("PHONE_NUMBER"));
        put(
            &mut response,
            "phoneNumberVerified",
            on_unless_false("PHONE_NUMBER_VERIFIED"),
        );
        let mut errors = Map::new();
        put(
            &mut errors,
            "coreIdentityErrors",
            list("CORE_IDENTITY_ERRORS"),
        );
        put(&mut errors, "idTokenErrors", list("ID_TOKEN_ERRORS"));
        put(&mut errors, "authoriseErrors", list("AUTHORISE_ERRORS"));
        let mut body = Map::new();
        body.insert("clientConfiguration".into(), Value::Object(client));
        body.insert("responseConfiguration".into(), Value::Object(response));
        body.insert("errorConfiguration".into(), Value::Object(errors));
        let publish = on_if_true("PUBLISH_NEW_ID_TOKEN_SIGNING_KEYS");
        let use_new = on_if_true("USE_NEW_ID_TOKEN_SIGNING_KEYS");
        if let Some(p) = publish.clone() {
            body.insert("publishNewIdTokenSigningKeys".into(), p);
        }
        // The simulator uses new keys only while it publishes them, and ignores the switch
        // otherwise.
        if let (Some(u), Some(Value::Bool(true))) = (use_new, &publish) {
            body.insert("useNewIdTokenSigningKeys".into(), u);
        }
        let mut config = Self::defaults(simulator_url);
        config.pkce_enabled = get("PKCE_ENABLED").as_deref() == Some("true");
        config
            .apply(&Value::Object(body))
            .map_err(|e| format!("the environment is refused: {}", e.describe()))?;
        Ok(config)
    }

    /// Applies a `POST /config` body: validated whole first, then applied whole, or refused
    /// with every problem and nothing changed. Sections not given keep their values, except the
    /// error configuration and the faults, which a POST without them clears (as the simulator
    /// clears its errors).
    pub(crate) fn apply(&mut self, body: &Value) -> Result<Applied, ConfigError> {
        let mut problems = Problems::default();
        let Some(map) = body.as_object() else {
            problems.add("", Some(body), "Invalid value");
            return Err(ConfigError::Fields(problems.0));
        };
        let unknown = unknown_keys(map, TOP_LEVEL, "");
        // Unknown keys inside the sections are ignored, as the simulator ignores them, and said
        // back to the caller.
        let mut nested_unknown = Vec::new();
        let mut next = self.clone();
        let mut applied = Applied::default();

        if let Some(v) = map.get("simulatorUrl") {
            let same = v.as_str().is_some_and(|s| {
                s.trim_end_matches('/') == self.simulator_url.trim_end_matches('/')
            });
            if !same {
                problems.add(
                    "simulatorUrl",
                    Some(v),
                    "this server's URL is fixed while it runs: start it with SIMULATOR_URL set",
                );
            }
        }
        match map.get("clientConfiguration") {
            None => {}
            Some(Value::Object(c)) => {
                next.client = read_client(
                    &mut problems,
                    "clientConfiguration",
                    c,
                    &self.client,
                    &mut nested_unknown,
                );
                check_client(&mut problems, "clientConfiguration", &next.client);
            }
            Some(v) => problems.add("clientConfiguration", Some(v), "Invalid value"),
        }
        match map.get("clients") {
            None => {}
            Some(Value::Array(items)) => {
                next.clients.clear();
                for (i, item) in items.iter().enumerate() {
                    let prefix = format!("clients[{i}]");
                    let Some(c) = item.as_object() else {
                        problems.add(&prefix, Some(item), "must be a client configuration object");
                        continue;
                    };
                    for required in ["clientId", "redirectUrls"] {
                        if !c.contains_key(required) {
                            problems.add(&format!("{prefix}.{required}"), None, "is required");
                        }
                    }
                    // Another client never inherits the default client's key, which everyone has.
                    let base = ClientConfig {
                        public_key: String::new(),
                        ..ClientConfig::default()
                    };
                    let client = read_client(&mut problems, &prefix, c, &base, &mut nested_unknown);
                    check_client(&mut problems, &prefix, &client);
                    next.clients.push(client);
                }
            }
            Some(v) => problems.add("clients", Some(v), "must be an array of clients"),
        }
        let mut ids: Vec<&str> = std::iter::once(next.client.client_id.as_str())
            .chain(next.clients.iter().map(|c| c.client_id.as_str()))
            .collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            problems.add("clients", None, "every client needs its own clientId");
        }
        match map.get("responseConfiguration") {
            None => {}
            Some(Value::Object(r)) => {
                next.response =
                    read_response(&mut problems, r, &self.response, &mut nested_unknown);
            }
            Some(v) => problems.add("responseConfiguration", Some(v), "Invalid value"),
        }
        next.errors = match map.get("errorConfiguration") {
            None | Some(Value::Null) => ErrorConfig::default(),
            Some(Value::Object(e)) => {
                read_errors(&mut problems, e, &mut nested_unknown, &mut applied.ignored)
            }
            Some(v) => {
                problems.add("errorConfiguration", Some(v), "Invalid value");
                ErrorConfig::default()
            }
        };
        next.faults = match map.get("faults") {
            None | Some(Value::Null) => Value::Null,
            Some(v) => {
                if let Err((path, msg)) = parse_faults(v) {
                    problems.add(&path, Some(v), msg);
                }
                v.clone()
            }
        };
        // GET /config's names for the switches are taken too, so that its answer can be posted back.
        for (key, alias, slot) in [
            (
                "publishNewIdTokenSigningKeys",
                "publishNewIdTokenKeysEnabled",
                &mut next.publish_new_keys,
            ),
            (
                "useNewIdTokenSigningKeys",
                "usingNewIdTokenSigningKeys",
                &mut next.use_new_keys,
            ),
        ] {
            if let Some(v) = map.get(key).or_else(|| map.get(alias)) {
                match loose_bool(v) {
                    Some(b) => *slot = b,
                    None => problems.add(key, Some(v), "Invalid value"),
                }
            }
        }
        if !next.publish_new_keys {
            let use_new = map
                .get("useNewIdTokenSigningKeys")
                .or_else(|| map.get("usingNewIdTokenSigningKeys"));
            if use_new.and_then(loose_bool) == Some(true) {
                if problems.0.is_empty() && unknown.is_empty() {
                    return Err(ConfigError::UseBeforePublish);
                }
            } else {
                // Unpublished keys cannot sign.
                next.use_new_keys = false;
            }
        }
        if !unknown.is_empty() {
            problems.add(
                "_unknown_fields",
                Some(&Value::Array(unknown)),
                "Unknown field(s)",
            );
        }
        problems.into_result()?;
        applied.ignored_fields = nested_unknown
            .iter()
            .filter_map(|f| f.get("path").and_then(Value::as_str).map(str::to_owned))
            .collect();
        *self = next;
        Ok(applied)
    }

    /// The `GET /config` body: the simulator's shape, plus `clients` and `faults`.
    pub(crate) fn to_json(&self) -> Value {
        let r = &self.response;
        json!({
            "clientConfiguration": client_json(&self.client),
            "clients": self.clients.iter().map(client_json).collect::<Vec<_>>(),
            "errorConfiguration": {
                "coreIdentityErrors": self.errors.core_identity,
                "idTokenErrors": self.errors.id_token,
                "authoriseErrors": self.errors.authorise,
            },
            "responseConfiguration": {
                "sub": r.sub,
                "email": r.email,
                "emailVerified": r.email_verified,
                "phoneNumber": r.phone_number,
                "phoneNumberVerified": r.phone_number_verified,
                "maxLoCAchieved": r.max_loc_achieved,
                "coreIdentityVerifiableCredentials": r.core_identity_vc,
                "passportDetails": r.passport_details,
                "drivingPermitDetails": r.driving_permit_details,
                "postalAddressDetails": r.postal_address_details,
                "returnCodes": r.return_codes,
            },
            "faults": self.faults,
            "simulatorUrl": self.simulator_url,
            "publishNewIdTokenKeysEnabled": self.publish_new_keys,
            "usingNewIdTokenSigningKeys": self.use_new_keys,
        })
    }

    /// Whether API calls without a `User-Agent` are refused, as One Login's firewall refuses them
    /// (`faults.requireUserAgent`; off by default, as the simulator has no such rule).
    pub(crate) fn requires_user_agent(&self) -> bool {
        self.faults.get("requireUserAgent") == Some(&Value::Bool(true))
    }

    /// Every client, the simulator's first.
    pub(crate) fn all_clients(&self) -> impl Iterator<Item = &ClientConfig> {
        std::iter::once(&self.client).chain(self.clients.iter())
    }

    /// The person who signs in.
    pub(crate) fn user(&self) -> MockUser {
        let r = &self.response;
        let identity = r.core_identity_vc.as_ref().map(|vc| {
            let subject = vc.get("credentialSubject");
            let part = |name: &str| {
                subject
                    .and_then(|s| s.get(name))
                    .cloned()
                    .unwrap_or_else(|| json!([]))
            };
            MockIdentity {
                max_level: IdentityLevel::from_wire(&r.max_loc_achieved)
                    .unwrap_or(IdentityLevel::P0),
                names: part("name"),
                birth_dates: part("birthDate"),
                addresses: r.postal_address_details.clone().unwrap_or(Value::Null),
                passports: r.passport_details.clone(),
                driving_permits: r.driving_permit_details.clone(),
                vc: Some(vc.clone()),
            }
        });
        let mut user = MockUser {
            fixed_sub: Some(r.sub.clone()),
            email: r.email.clone(),
            email_verified: r.email_verified,
            phone_number: r.phone_number.clone(),
            phone_number_verified: r.phone_number_verified,
            identity,
            ..MockUser::default()
        };
        user.return_codes = r
            .return_codes
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("code").and_then(Value::as_str).map(str::to_owned))
            .collect();
        user
    }

    /// The faults the error configuration and the `faults` object switch on.
    pub(crate) fn faults(&self) -> Faults {
        let mut faults = Faults::default();
        for n in &self.errors.id_token {
            if let Some(f) = IdTokenFault::from_simulator_name(n) {
                faults = faults.and(Faults::id_token(f));
            }
        }
        for n in &self.errors.core_identity {
            if let Some(f) = CoreIdentityFault::from_simulator_name(n) {
                faults = faults.and(Faults::core_identity(f));
            }
        }
        // ACCESS_DENIED wins over TEMPORARILY_UNAVAILABLE, as in the simulator.
        let mut authorise: Vec<AuthorizeFault> = self
            .errors
            .authorise
            .iter()
            .filter_map(|n| authorize_fault(n))
            .collect();
        authorise.sort_by_key(|f| u8::from(*f != AuthorizeFault::AccessDenied));
        if let Some(f) = authorise.first() {
            faults = faults.and(Faults::authorize(*f));
        }
        if let Ok(extra) = parse_faults(&self.faults) {
            faults = faults.and(extra);
        }
        faults
    }
}

fn client_json(c: &ClientConfig) -> Value {
    let mut v = json!({
        "clientId": c.client_id,
        "publicKeySource": c.public_key_source,
        "publicKey": c.public_key,
        "scopes": c.scopes,
        "redirectUrls": c.redirect_urls,
        "postLogoutRedirectUrls": c.post_logout_redirect_urls,
        "claims": c.claims,
        "identityVerificationSupported": c.identity_verification_supported,
        "idTokenSigningAlgorithm": c.id_token_signing_algorithm,
        "clientLoCs": c.client_locs,
        "token_auth_method": c.token_auth_method,
    });
    if let Value::Object(map) = &mut v {
        if let Some(u) = &c.jwks_url {
            map.insert("jwksUrl".into(), json!(u));
        }
        if let Some(h) = &c.client_secret_hash {
            map.insert("client_secret_hash".into(), json!(h));
        }
        if let Some(u) = &c.back_channel_logout_uri {
            map.insert("backChannelLogoutUri".into(), json!(u));
        }
    }
    v
}

impl ClientConfig {
    /// The client as the provider registers it (the config was validated: what fails to parse
    /// here is left out).
    pub(crate) fn to_client(&self, pkce_enforced: bool) -> Client {
        let urls = |list: &[String]| list.iter().filter_map(|u| Url::parse(u).ok()).collect();
        let redirect_uris: Vec<Url> = urls(&self.redirect_urls);
        let auth = match (self.token_auth_method.as_str(), &self.client_secret_hash) {
            ("client_secret_post", Some(hash)) => RegisteredAuth::ClientSecretHash(hash.clone()),
            _ => match (self.public_key_source.as_str(), &self.jwks_url) {
                ("JWKS", Some(url)) => match Url::parse(url) {
                    Ok(url) => RegisteredAuth::Jwks(url),
                    Err(_) => RegisteredAuth::PrivateKeyJwt(Vec::new()),
                },
                _ => RegisteredAuth::PrivateKeyJwt(
                    RsaPublic::from_public_pem(&self.public_key)
                        .into_iter()
                        .collect(),
                ),
            },
        };
        let sector = redirect_uris
            .first()
            .and_then(|u| u.host_str())
            .unwrap_or("localhost")
            .to_owned();
        Client {
            client_id: self.client_id.clone(),
            redirect_uris,
            post_logout_redirect_uris: urls(&self.post_logout_redirect_urls),
            auth,
            scopes: self.scopes.iter().filter_map(|s| s.parse().ok()).collect(),
            claims: self
                .claims
                .iter()
                .filter_map(|c| ClaimName::ALL.into_iter().find(|n| n.uri() == c))
                .collect(),
            id_token_alg: if self.id_token_signing_algorithm == "RS256" {
                IdTokenAlgorithm::RS256
            } else {
                IdTokenAlgorithm::ES256
            },
            sector,
            identity_allowed: self.identity_verification_supported,
            allowed_levels: self
                .client_locs
                .iter()
                .filter_map(|l| IdentityLevel::from_wire(l))
                .collect(),
            pkce_enforced,
            jar_required: false,
            back_channel_logout_uri: self
                .back_channel_logout_uri
                .as_deref()
                .and_then(|u| Url::parse(u).ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SimConfig {
        SimConfig::defaults("http://localhost:3000")
    }

    #[test]
    fn the_defaults_are_the_simulators() {
        let v = config().to_json();
        assert_eq!(v["clientConfiguration"]["clientId"], DEFAULT_CLIENT_ID);
        assert_eq!(v["clientConfiguration"]["idTokenSigningAlgorithm"], "ES256");
        assert_eq!(v["clientConfiguration"]["clientLoCs"], json!(["P0", "P2"]));
        assert_eq!(v["responseConfiguration"]["sub"], DEFAULT_SUB);
        assert_eq!(v["responseConfiguration"]["phoneNumber"], "07123456789");
        assert_eq!(v["publishNewIdTokenKeysEnabled"], false);
        assert!(RsaPublic::from_public_pem(DEFAULT_CLIENT_PUBLIC_KEY).is_some());
        // The one-line form the simulator's docs print parses too.
        let one_line: String = DEFAULT_CLIENT_PUBLIC_KEY.lines().collect();
        assert!(RsaPublic::from_public_pem(&one_line).is_some());
    }

    #[test]
    fn a_refused_update_changes_nothing() {
        let mut c = config();
        let before = c.clone();
        let e = c
            .apply(&json!({
                "clientConfiguration": { "clientId": "new", "scopes": ["openid", "bogus"] },
                "responseConfiguration": { "email": "x@example.com" }
            }))
            .unwrap_err();
        assert_eq!(c, before);
        let ConfigError::Fields(fields) = e else {
            panic!()
        };
        assert!(
            fields.contains_key("clientConfiguration.scopes[1]"),
            "{fields:?}"
        );
    }

    #[test]
    fn env_values_read_like_the_simulators() {
        let env = |name: &str| {
            let value = match name {
                "CLIENT_ID" => "env-client",
                "REDIRECT_URLS" => "http://127.0.0.1:1/a, http://127.0.0.1:1/b",
                "IDENTITY_VERIFICATION_SUPPORTED" => "false",
                "ID_TOKEN_ERRORS" => "INVALID_ISS,NOPE",
                "PUBLISH_NEW_ID_TOKEN_SIGNING_KEYS" => "true",
                _ => return None,
            };
            Some(value.to_owned())
        };
        let c = SimConfig::from_env("http://localhost:3000", &env).unwrap();
        assert_eq!(c.client.client_id, "env-client");
        assert_eq!(c.client.redirect_urls.len(), 2);
        assert!(!c.client.identity_verification_supported);
        assert_eq!(c.errors.id_token, vec!["INVALID_ISS".to_owned()]);
        assert!(c.publish_new_keys && !c.use_new_keys);
        let interactive = |name: &str| (name == "INTERACTIVE_MODE").then(|| "true".to_owned());
        assert!(SimConfig::from_env("http://localhost:3000", &interactive).is_err());
        let bad =
            |name: &str| (name == "TOKEN_AUTH_METHOD").then(|| "client_secret_post".to_owned());
        let e = SimConfig::from_env("http://localhost:3000", &bad).unwrap_err();
        assert!(e.contains("cannot support identity verification"), "{e}");
    }
}
