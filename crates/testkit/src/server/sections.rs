//! Reading each section of a `POST /config` body (and of the start-up environment, which is
//! read as one): every field checked against the simulator's documented values, every problem
//! collected with its path.

use std::collections::BTreeMap;

use govuk_one_login_core::{ClaimName, Scope, Url};
use serde_json::{Map, Value, json};

use super::config::{ClientConfig, ConfigError, ErrorConfig, FieldError, ResponseConfig};
use super::fault_names::authorize_fault;
use crate::faults::{CoreIdentityFault, IdTokenFault};
use crate::jwt::RsaPublic;

/// Collects field errors while a body is read.
#[derive(Default)]
pub(super) struct Problems(pub(super) BTreeMap<String, FieldError>);

impl Problems {
    pub(super) fn add(&mut self, path: &str, value: Option<&Value>, msg: impl Into<String>) {
        self.0.entry(path.to_owned()).or_insert(FieldError {
            value: value.cloned(),
            msg: msg.into(),
        });
    }

    pub(super) fn into_result(self) -> Result<(), ConfigError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Fields(self.0))
        }
    }
}

pub(super) const TOP_LEVEL: &[&str] = &[
    "simulatorUrl",
    // GET /config's names for the key-rotation switches.
    "publishNewIdTokenKeysEnabled",
    "usingNewIdTokenSigningKeys",
    "clientConfiguration",
    "responseConfiguration",
    "errorConfiguration",
    "publishNewIdTokenSigningKeys",
    "useNewIdTokenSigningKeys",
    // Ours.
    "clients",
    "faults",
];

pub(super) const CLIENT_FIELDS: &[&str] = &[
    "clientId",
    "publicKeySource",
    "publicKey",
    "jwksUrl",
    "scopes",
    "redirectUrls",
    "postLogoutRedirectUrls",
    "claims",
    "identityVerificationSupported",
    "idTokenSigningAlgorithm",
    "clientLoCs",
    "token_auth_method",
    "client_secret_hash",
    // Ours.
    "backChannelLogoutUri",
];

pub(super) const RESPONSE_FIELDS: &[&str] = &[
    "sub",
    "email",
    "emailVerified",
    "phoneNumber",
    "phoneNumberVerified",
    "maxLoCAchieved",
    "coreIdentityVerifiableCredentials",
    "passportDetails",
    "drivingPermitDetails",
    "postalAddressDetails",
    "returnCodes",
];

pub(super) const ERROR_FIELDS: &[&str] =
    &["coreIdentityErrors", "idTokenErrors", "authoriseErrors"];

pub(super) const LOCS: &[&str] = &["P0", "P1", "P2", "P3"];

/// The simulator's loose booleans for the key-rotation switches.
pub(super) fn loose_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" || s == "1" => Some(true),
        Value::String(s) if s == "false" || s == "0" => Some(false),
        Value::Number(n) if n.as_u64() == Some(1) => Some(true),
        Value::Number(n) if n.as_u64() == Some(0) => Some(false),
        _ => None,
    }
}

/// An absolute URL a browser can be sent to: http(s), or an app's own scheme (`myapp://cb`),
/// never `data:`, `javascript:` or `vbscript:`.
pub(super) fn is_redirect_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| !matches!(u.scheme(), "data" | "javascript" | "vbscript"))
}

pub(super) fn is_http_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

pub(super) fn string_list(
    problems: &mut Problems,
    path: &str,
    v: &Value,
    valid: &dyn Fn(&str) -> bool,
) -> Option<Vec<String>> {
    let Some(items) = v.as_array() else {
        problems.add(path, Some(v), "must be an array of strings");
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) if valid(s) => out.push(s.to_owned()),
            _ => problems.add(&format!("{path}[{i}]"), Some(item), "Invalid value"),
        }
    }
    Some(out)
}

pub(super) fn unknown_keys(map: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Vec<Value> {
    map.iter()
        .filter(|(k, _)| !allowed.contains(&k.as_str()))
        .map(|(k, v)| json!({ "path": format!("{prefix}{k}"), "value": v, "location": "body" }))
        .collect()
}

/// Reads the fields of a `clientConfiguration` object over `base`.
pub(super) fn read_client(
    problems: &mut Problems,
    prefix: &str,
    map: &Map<String, Value>,
    base: &ClientConfig,
    unknown: &mut Vec<Value>,
) -> ClientConfig {
    unknown.extend(unknown_keys(map, CLIENT_FIELDS, &format!("{prefix}.")));
    let mut c = base.clone();
    let path = |name: &str| format!("{prefix}.{name}");
    for (name, v) in map {
        let p = path(name);
        match name.as_str() {
            "clientId" => match v
                .as_str()
                .filter(|s| !s.trim().is_empty() && s.len() <= 256)
            {
                Some(s) => c.client_id = s.to_owned(),
                None => problems.add(&p, Some(v), "must be a non-empty string"),
            },
            "publicKeySource" => match v.as_str() {
                Some(s @ ("STATIC" | "JWKS")) => c.public_key_source = s.to_owned(),
                _ => problems.add(&p, Some(v), "must be STATIC or JWKS"),
            },
            "publicKey" => match v.as_str() {
                Some(s) if RsaPublic::from_public_pem(s).is_some() => c.public_key = s.to_owned(),
                _ => problems.add(&p, Some(v), "must be an RSA public key in PEM"),
            },
            "jwksUrl" => match v {
                Value::Null => c.jwks_url = None,
                Value::String(s) if is_http_url(s) => c.jwks_url = Some(s.clone()),
                _ => problems.add(&p, Some(v), "must be an http(s) URL"),
            },
            "backChannelLogoutUri" => match v {
                Value::Null => c.back_channel_logout_uri = None,
                Value::String(s) if is_http_url(s) => c.back_channel_logout_uri = Some(s.clone()),
                _ => problems.add(&p, Some(v), "must be an http(s) URL or null"),
            },
            "scopes" => {
                if let Some(list) = string_list(problems, &p, v, &|s| s.parse::<Scope>().is_ok()) {
                    c.scopes = list;
                }
            }
            "redirectUrls" | "postLogoutRedirectUrls" => {
                if let Some(list) = string_list(problems, &p, v, &is_redirect_url) {
                    if name == "redirectUrls" {
                        c.redirect_urls = list;
                    } else {
                        c.post_logout_redirect_urls = list;
                    }
                }
            }
            "claims" => {
                let known = |s: &str| ClaimName::ALL.iter().any(|c| c.uri() == s);
                if let Some(list) = string_list(problems, &p, v, &known) {
                    c.claims = list;
                }
            }
            "identityVerificationSupported" => match v.as_bool() {
                Some(b) => c.identity_verification_supported = b,
                None => problems.add(&p, Some(v), "must be a boolean"),
            },
            "idTokenSigningAlgorithm" => match v.as_str() {
                Some(s @ ("ES256" | "RS256")) => c.id_token_signing_algorithm = s.to_owned(),
                _ => problems.add(&p, Some(v), "must be ES256 or RS256"),
            },
            "clientLoCs" => {
                if let Some(list) = string_list(problems, &p, v, &|s| LOCS.contains(&s)) {
                    if list.is_empty() {
                        problems.add(&p, Some(v), "must name at least one level");
                    } else {
                        c.client_locs = list;
                    }
                }
            }
            "token_auth_method" => match v.as_str() {
                Some(s @ ("private_key_jwt" | "client_secret_post")) => {
                    c.token_auth_method = s.to_owned();
                }
                _ => problems.add(&p, Some(v), "must be private_key_jwt or client_secret_post"),
            },
            "client_secret_hash" => match v {
                Value::Null => c.client_secret_hash = None,
                Value::String(s) if affordable_argon2id(s) => {
                    c.client_secret_hash = Some(s.clone());
                }
                _ => problems.add(
                    &p,
                    Some(v),
                    "must be an Argon2id hash in PHC form costing at most m=65536, t=10, p=4",
                ),
            },
            _ => {}
        }
    }
    c
}

/// An Argon2id hash in PHC form whose cost a test server can afford to check: at most 64 MiB,
/// 10 passes, 4 lanes (a hash costing more would let one `/token` call stall the server).
pub(super) fn affordable_argon2id(hash: &str) -> bool {
    let Ok(parsed) = argon2::PasswordHash::new(hash) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return false;
    }
    argon2::Params::try_from(&parsed)
        .is_ok_and(|p| p.m_cost() <= 65_536 && p.t_cost() <= 10 && p.p_cost() <= 4)
}

/// Checks the rules that span fields of one client.
pub(super) fn check_client(problems: &mut Problems, prefix: &str, c: &ClientConfig) {
    if c.token_auth_method == "private_key_jwt"
        && c.public_key_source == "STATIC"
        && c.public_key.is_empty()
    {
        problems.add(
            &format!("{prefix}.publicKey"),
            None,
            "a private_key_jwt client needs its publicKey, or publicKeySource JWKS with a jwksUrl",
        );
    }
    if c.public_key_source == "JWKS" && c.jwks_url.is_none() {
        problems.add(
            &format!("{prefix}.jwksUrl"),
            None,
            "publicKeySource JWKS needs a jwksUrl",
        );
    }
    if c.token_auth_method == "client_secret_post" {
        if c.identity_verification_supported {
            problems.add(
                &format!("{prefix}.identityVerificationSupported"),
                Some(&Value::Bool(true)),
                "Clients configured with client_secret_post cannot support identity verification.",
            );
        }
        if c.client_secret_hash.is_none() {
            problems.add(
                &format!("{prefix}.client_secret_hash"),
                None,
                "client_secret_post needs a client_secret_hash",
            );
        }
    }
    if c.redirect_urls.is_empty() {
        problems.add(
            &format!("{prefix}.redirectUrls"),
            None,
            "must name at least one URL",
        );
    }
    if !c.scopes.iter().any(|s| s == "openid") {
        problems.add(&format!("{prefix}.scopes"), None, "must include openid");
    }
}

pub(super) fn read_response(
    problems: &mut Problems,
    map: &Map<String, Value>,
    base: &ResponseConfig,
    unknown: &mut Vec<Value>,
) -> ResponseConfig {
    unknown.extend(unknown_keys(map, RESPONSE_FIELDS, "responseConfiguration."));
    let mut r = base.clone();
    for (name, v) in map {
        let p = format!("responseConfiguration.{name}");
        let objects = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_object));
        match name.as_str() {
            "sub" => match v.as_str().filter(|s| !s.is_empty()) {
                Some(s) => r.sub = s.to_owned(),
                None => problems.add(&p, Some(v), "Invalid value"),
            },
            "email" => match v.as_str() {
                Some(s) => r.email = s.to_owned(),
                None => problems.add(&p, Some(v), "Invalid value"),
            },
            "phoneNumber" => match v {
                Value::Null => r.phone_number = None,
                Value::String(s) => r.phone_number = Some(s.clone()),
                _ => problems.add(&p, Some(v), "Invalid value"),
            },
            "emailVerified" | "phoneNumberVerified" => match v.as_bool() {
                Some(b) if name == "emailVerified" => r.email_verified = b,
                Some(b) => r.phone_number_verified = b,
                None => problems.add(&p, Some(v), "Invalid value"),
            },
            "maxLoCAchieved" => match v.as_str().filter(|s| LOCS.contains(s)) {
                Some(s) => r.max_loc_achieved = s.to_owned(),
                None => problems.add(&p, Some(v), "Invalid value"),
            },
            "coreIdentityVerifiableCredentials" => match v {
                Value::Null => r.core_identity_vc = None,
                Value::Object(_) => r.core_identity_vc = Some(v.clone()),
                _ => problems.add(&p, Some(v), "Invalid value"),
            },
            "passportDetails" | "drivingPermitDetails" | "postalAddressDetails" => {
                let value = match v {
                    Value::Null => None,
                    v if objects(v) => Some(v.clone()),
                    _ => {
                        problems.add(&p, Some(v), "Invalid value");
                        continue;
                    }
                };
                match name.as_str() {
                    "passportDetails" => r.passport_details = value,
                    "drivingPermitDetails" => r.driving_permit_details = value,
                    _ => r.postal_address_details = value,
                }
            }
            "returnCodes" => match v {
                Value::Null => r.return_codes = None,
                Value::Array(items) => {
                    let mut ok = true;
                    for (i, item) in items.iter().enumerate() {
                        if !item.get("code").is_some_and(Value::is_string) {
                            problems.add(
                                &format!("{p}[{i}].code"),
                                item.get("code"),
                                "Invalid value",
                            );
                            ok = false;
                        }
                    }
                    if ok {
                        r.return_codes = Some(v.clone());
                    }
                }
                _ => problems.add(&p, Some(v), "Invalid value"),
            },
            _ => {}
        }
    }
    r
}

/// The simulator's error names, and ours beside them.
pub(super) fn known_error_name(field: &str, name: &str) -> bool {
    match field {
        "coreIdentityErrors" => CoreIdentityFault::from_simulator_name(name).is_some(),
        "idTokenErrors" => IdTokenFault::from_simulator_name(name).is_some(),
        _ => authorize_fault(name).is_some(),
    }
}

pub(super) fn read_errors(
    problems: &mut Problems,
    map: &Map<String, Value>,
    unknown: &mut Vec<Value>,
    ignored: &mut Vec<String>,
) -> ErrorConfig {
    unknown.extend(unknown_keys(map, ERROR_FIELDS, "errorConfiguration."));
    let mut e = ErrorConfig::default();
    for field in ERROR_FIELDS {
        let p = format!("errorConfiguration.{field}");
        let list = match map.get(*field) {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => string_list(problems, &p, v, &|_| true).unwrap_or_default(),
        };
        // Unknown names are ignored, as the simulator ignores them (and said back to the caller).
        let (known, unknown_names): (Vec<String>, Vec<String>) =
            list.into_iter().partition(|n| known_error_name(field, n));
        ignored.extend(unknown_names.into_iter().map(|n| format!("{field}: {n}")));
        match *field {
            "coreIdentityErrors" => e.core_identity = known,
            "idTokenErrors" => e.id_token = known,
            _ => e.authorise = known,
        }
    }
    e
}
