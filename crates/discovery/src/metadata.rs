//! The provider's discovery document (OpenID Connect Discovery 1.0), parsed and checked.

use govuk_one_login_core::internal::{is_loopback, printable, redacted_url};
use govuk_one_login_core::{
    ClientAssertionAlgorithm, ClientAuth, Environment, IdTokenAlgorithm, ServiceConfig, Url,
};
use serde_json::{Map, Value};

use crate::error::{DiscoveryError, DocumentKind, UnsupportedAlgorithm};

/// The provider metadata from `<issuer>.well-known/openid-configuration`, checked: the issuer is
/// the configured one byte for byte, and every endpoint is https (plain http only on loopback for
/// a custom issuer that is itself loopback).
///
/// Take endpoints from here rather than building them by hand (ONE-LOGIN.md §1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    issuer: Url,
    authorization_endpoint: Url,
    token_endpoint: Url,
    userinfo_endpoint: Url,
    jwks_uri: Url,
    end_session_endpoint: Option<Url>,
    trustmark: Option<Url>,
    id_token_signing_alg_values_supported: Vec<String>,
    token_endpoint_auth_methods_supported: Vec<String>,
    token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    scopes_supported: Vec<String>,
    claims_supported: Vec<String>,
    response_types_supported: Vec<String>,
    grant_types_supported: Vec<String>,
    subject_types_supported: Vec<String>,
    code_challenge_methods_supported: Vec<String>,
    ui_locales_supported: Vec<String>,
    backchannel_logout_supported: bool,
    request_parameter_supported: bool,
}

impl ProviderMetadata {
    /// Parses and checks a discovery document for `environment`.
    ///
    /// # Errors
    /// [`DiscoveryError::InvalidJson`] for a body that is not a JSON object or a member of the
    /// wrong type, [`DiscoveryError::MissingField`] for an absent required member,
    /// [`DiscoveryError::IssuerMismatch`] when `issuer` is not the configured issuer byte for
    /// byte, [`DiscoveryError::InsecureEndpoint`] for an endpoint that is not https.
    pub fn parse(body: &[u8], environment: &Environment) -> Result<Self, DiscoveryError> {
        let url = redacted_url(&environment.discovery_url());
        let value: Value =
            serde_json::from_slice(body).map_err(|e| DiscoveryError::InvalidJson {
                document: DocumentKind::Discovery,
                url: url.clone(),
                path: "$".into(),
                reason: e.to_string(),
            })?;
        let Value::Object(object) = value else {
            return Err(DiscoveryError::InvalidJson {
                document: DocumentKind::Discovery,
                url,
                path: "$".into(),
                reason: format!("expected an object, found {}", type_name(&value)),
            });
        };
        let doc = Doc {
            object: &object,
            url: &url,
            environment,
        };

        let issuer_text = doc.required_str("issuer")?;
        let expected = environment.issuer().as_str();
        if issuer_text != expected {
            return Err(DiscoveryError::IssuerMismatch {
                expected: expected.to_owned(),
                actual: printable(issuer_text, 200),
            });
        }
        let issuer = environment.issuer().clone();

        Ok(Self {
            issuer,
            authorization_endpoint: doc.required_endpoint("authorization_endpoint")?,
            token_endpoint: doc.required_endpoint("token_endpoint")?,
            userinfo_endpoint: doc.required_endpoint("userinfo_endpoint")?,
            jwks_uri: doc.required_endpoint("jwks_uri")?,
            end_session_endpoint: doc.optional_endpoint("end_session_endpoint")?,
            trustmark: doc.optional_endpoint("trustmarks")?,
            id_token_signing_alg_values_supported: doc
                .optional_strings("id_token_signing_alg_values_supported")?
                .ok_or_else(|| doc.missing("id_token_signing_alg_values_supported"))?,
            token_endpoint_auth_methods_supported: doc
                .strings_or_empty("token_endpoint_auth_methods_supported")?,
            token_endpoint_auth_signing_alg_values_supported: doc
                .strings_or_empty("token_endpoint_auth_signing_alg_values_supported")?,
            scopes_supported: doc.strings_or_empty("scopes_supported")?,
            claims_supported: doc.strings_or_empty("claims_supported")?,
            response_types_supported: doc.strings_or_empty("response_types_supported")?,
            grant_types_supported: doc.strings_or_empty("grant_types_supported")?,
            subject_types_supported: doc.strings_or_empty("subject_types_supported")?,
            code_challenge_methods_supported: doc
                .strings_or_empty("code_challenge_methods_supported")?,
            ui_locales_supported: doc.strings_or_empty("ui_locales_supported")?,
            backchannel_logout_supported: doc.bool_or_false("backchannel_logout_supported")?,
            request_parameter_supported: doc.bool_or_false("request_parameter_supported")?,
        })
    }

    /// The issuer: equal, byte for byte, to the configured one.
    pub fn issuer(&self) -> &Url {
        &self.issuer
    }
    /// `authorization_endpoint`, where the user's browser is sent to sign in.
    pub fn authorization_endpoint(&self) -> &Url {
        &self.authorization_endpoint
    }
    /// `token_endpoint`, where the authorization code is exchanged.
    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }
    /// `userinfo_endpoint`.
    pub fn userinfo_endpoint(&self) -> &Url {
        &self.userinfo_endpoint
    }
    /// `jwks_uri`: the ID token and logout token keys.
    pub fn jwks_uri(&self) -> &Url {
        &self.jwks_uri
    }
    /// `end_session_endpoint` (RP-initiated logout), if advertised.
    pub fn end_session_endpoint(&self) -> Option<&Url> {
        self.end_session_endpoint.as_ref()
    }
    /// One Login's non-standard `trustmarks` URL (the expected `vtm` claim), if advertised.
    pub fn trustmark(&self) -> Option<&Url> {
        self.trustmark.as_ref()
    }
    /// `id_token_signing_alg_values_supported`, e.g. `["ES256", "RS256"]`.
    pub fn id_token_signing_alg_values_supported(&self) -> &[String] {
        &self.id_token_signing_alg_values_supported
    }
    /// `token_endpoint_auth_methods_supported` (empty if not advertised).
    pub fn token_endpoint_auth_methods_supported(&self) -> &[String] {
        &self.token_endpoint_auth_methods_supported
    }
    /// `token_endpoint_auth_signing_alg_values_supported` (empty if not advertised).
    pub fn token_endpoint_auth_signing_alg_values_supported(&self) -> &[String] {
        &self.token_endpoint_auth_signing_alg_values_supported
    }
    /// `scopes_supported` (empty if not advertised; One Login omits its custom scopes).
    pub fn scopes_supported(&self) -> &[String] {
        &self.scopes_supported
    }
    /// `claims_supported` (empty if not advertised).
    pub fn claims_supported(&self) -> &[String] {
        &self.claims_supported
    }
    /// `response_types_supported` (empty if not advertised).
    pub fn response_types_supported(&self) -> &[String] {
        &self.response_types_supported
    }
    /// `grant_types_supported` (empty if not advertised).
    pub fn grant_types_supported(&self) -> &[String] {
        &self.grant_types_supported
    }
    /// `subject_types_supported` (empty if not advertised).
    pub fn subject_types_supported(&self) -> &[String] {
        &self.subject_types_supported
    }
    /// `code_challenge_methods_supported` (empty if not advertised).
    pub fn code_challenge_methods_supported(&self) -> &[String] {
        &self.code_challenge_methods_supported
    }
    /// `ui_locales_supported` (empty if not advertised).
    pub fn ui_locales_supported(&self) -> &[String] {
        &self.ui_locales_supported
    }
    /// `backchannel_logout_supported` (false if not advertised).
    pub fn backchannel_logout_supported(&self) -> bool {
        self.backchannel_logout_supported
    }
    /// `request_parameter_supported` (false if not advertised).
    pub fn request_parameter_supported(&self) -> bool {
        self.request_parameter_supported
    }
    /// Whether the provider advertises signing ID tokens with `alg`.
    pub fn supports_id_token_alg(&self, alg: IdTokenAlgorithm) -> bool {
        self.id_token_signing_alg_values_supported
            .iter()
            .any(|a| a == alg.as_str())
    }
    /// Whether the provider advertises accepting client assertions signed with `alg` (true when
    /// it advertises no list at all).
    pub fn supports_client_assertion_alg(&self, alg: ClientAssertionAlgorithm) -> bool {
        self.token_endpoint_auth_signing_alg_values_supported
            .is_empty()
            || self
                .token_endpoint_auth_signing_alg_values_supported
                .iter()
                .any(|a| a == alg.as_str())
    }

    /// The algorithms `service` is set up for that this provider does not advertise: its ID
    /// token algorithm, and for `private_key_jwt` its client assertion algorithm. Empty when the
    /// provider supports the service. Call it for every service once the metadata is fetched
    /// (after warm-up), and refuse to start on any problem: the service's first sign-in would
    /// fail otherwise.
    pub fn unsupported_algorithms(&self, service: &ServiceConfig) -> Vec<UnsupportedAlgorithm> {
        let mut problems = Vec::new();
        let id_alg = service.id_token_alg();
        if !self.supports_id_token_alg(id_alg) {
            problems.push(UnsupportedAlgorithm::IdToken {
                service: service.name().to_string(),
                algorithm: id_alg,
                advertised: shown(&self.id_token_signing_alg_values_supported),
            });
        }
        if let ClientAuth::PrivateKeyJwt { alg, .. } = service.client_auth()
            && !self.supports_client_assertion_alg(*alg)
        {
            problems.push(UnsupportedAlgorithm::ClientAssertion {
                service: service.name().to_string(),
                algorithm: *alg,
                advertised: shown(&self.token_endpoint_auth_signing_alg_values_supported),
            });
        }
        problems
    }
}

/// Provider-supplied values as an error shows them: at most 16, each bounded and printable.
fn shown(values: &[String]) -> Vec<String> {
    values.iter().take(16).map(|v| printable(v, 64)).collect()
}

struct Doc<'a> {
    object: &'a Map<String, Value>,
    url: &'a str,
    environment: &'a Environment,
}

impl Doc<'_> {
    fn missing(&self, field: &str) -> DiscoveryError {
        DiscoveryError::MissingField {
            url: self.url.to_owned(),
            path: format!("$.{field}"),
        }
    }

    fn wrong_type(&self, path: String, expected: &str, found: &Value) -> DiscoveryError {
        DiscoveryError::InvalidJson {
            document: DocumentKind::Discovery,
            url: self.url.to_owned(),
            path,
            reason: format!("expected {expected}, found {}", type_name(found)),
        }
    }

    fn optional_str(&self, field: &str) -> Result<Option<&str>, DiscoveryError> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(format!("$.{field}"), "a string", other)),
        }
    }

    fn required_str(&self, field: &str) -> Result<&str, DiscoveryError> {
        self.optional_str(field)?.ok_or_else(|| self.missing(field))
    }

    fn optional_endpoint(&self, field: &'static str) -> Result<Option<Url>, DiscoveryError> {
        let Some(text) = self.optional_str(field)? else {
            return Ok(None);
        };
        let url = Url::parse(text).map_err(|e| DiscoveryError::InvalidJson {
            document: DocumentKind::Discovery,
            url: self.url.to_owned(),
            path: format!("$.{field}"),
            reason: format!("not an absolute URL: {e}"),
        })?;
        let secure = match url.scheme() {
            "https" => true,
            "http" => self.environment.allows_http_loopback() && is_loopback(&url),
            _ => false,
        };
        if !secure {
            return Err(DiscoveryError::InsecureEndpoint {
                field,
                url: printable(text, 200),
            });
        }
        Ok(Some(url))
    }

    fn required_endpoint(&self, field: &'static str) -> Result<Url, DiscoveryError> {
        self.optional_endpoint(field)?
            .ok_or_else(|| self.missing(field))
    }

    fn optional_strings(&self, field: &str) -> Result<Option<Vec<String>>, DiscoveryError> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.wrong_type(format!("$.{field}[{i}]"), "a string", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(self.wrong_type(format!("$.{field}"), "an array", other)),
        }
    }

    fn strings_or_empty(&self, field: &str) -> Result<Vec<String>, DiscoveryError> {
        Ok(self.optional_strings(field)?.unwrap_or_default())
    }

    fn bool_or_false(&self, field: &str) -> Result<bool, DiscoveryError> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(self.wrong_type(format!("$.{field}"), "a boolean", other)),
        }
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govuk_one_login_core::internal::fixtures::discovery_document;
    use proptest::prelude::*;
    use serde_json::json;

    fn parse(doc: &Value, env: &Environment) -> Result<ProviderMetadata, DiscoveryError> {
        ProviderMetadata::parse(&serde_json::to_vec(doc).unwrap(), env)
    }

    fn loopback() -> Environment {
        Environment::custom("http://127.0.0.1:3000/", None, None, None).unwrap()
    }

    #[test]
    fn parses_one_logins_integration_document() {
        let env = Environment::integration();
        let m = parse(&discovery_document(env.issuer().as_str()), &env).unwrap();
        assert_eq!(
            m.issuer().as_str(),
            "https://oidc.integration.account.gov.uk/"
        );
        assert_eq!(
            m.token_endpoint().as_str(),
            "https://oidc.integration.account.gov.uk/token"
        );
        assert_eq!(
            m.jwks_uri().as_str(),
            "https://oidc.integration.account.gov.uk/.well-known/jwks.json"
        );
        assert_eq!(
            m.end_session_endpoint().map(Url::as_str),
            Some("https://oidc.integration.account.gov.uk/logout")
        );
        assert!(m.supports_id_token_alg(IdTokenAlgorithm::ES256));
        assert!(m.supports_id_token_alg(IdTokenAlgorithm::RS256));
        assert!(m.supports_client_assertion_alg(ClientAssertionAlgorithm::PS256));
        assert!(m.backchannel_logout_supported());
        assert_eq!(m.ui_locales_supported(), ["en", "cy"]);
        assert_eq!(m.code_challenge_methods_supported(), ["S256"]);
    }

    /// Checked services, one a spec, with the given ID token and client assertion algorithms.
    fn services(specs: &[(&str, Option<&str>, Option<&str>)]) -> govuk_one_login_core::Services {
        use govuk_one_login_core::internal::fixtures::service_spec;
        use govuk_one_login_core::{RsaPrivateKey, ServiceSpec, ServicesFile};
        let key = RsaPrivateKey::generate("k1").unwrap();
        let services = specs
            .iter()
            .map(|(name, id_alg, assertion_alg)| {
                let redirect = format!("https://{name}.example.gov.uk/callback");
                let mut spec = ServiceSpec {
                    id_token_signing_alg: id_alg.map(str::to_owned),
                    ..service_spec(name, &format!("{name}-client"), &redirect, key.pem(), "k1")
                };
                if *assertion_alg == Some("client_secret_post") {
                    spec.token_auth = govuk_one_login_core::TokenAuthSpec {
                        method: Some("client_secret_post".into()),
                        secret: Some("a-secret-of-enough-length-1234567890".into()),
                        ..Default::default()
                    };
                } else {
                    spec.token_auth.alg = assertion_alg.map(str::to_owned);
                }
                spec
            })
            .collect();
        ServicesFile {
            services,
            ..ServicesFile::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn names_each_algorithm_a_service_uses_that_the_provider_does_not_advertise() {
        let env = Environment::integration();
        let mut doc = discovery_document(env.issuer().as_str());
        doc["id_token_signing_alg_values_supported"] = json!(["ES256", "HS256\nforged"]);
        doc["token_endpoint_auth_signing_alg_values_supported"] = json!(["RS256"]);
        let m = parse(&doc, &env).unwrap();
        let services = services(&[
            ("fine", None, None),
            ("rsa", Some("RS256"), Some("PS256")),
            ("secret", Some("RS256"), Some("client_secret_post")),
        ]);

        assert_eq!(m.unsupported_algorithms(services.get("fine").unwrap()), []);
        let rsa = m.unsupported_algorithms(services.get("rsa").unwrap());
        assert_eq!(
            rsa,
            [
                UnsupportedAlgorithm::IdToken {
                    service: "rsa".into(),
                    algorithm: IdTokenAlgorithm::RS256,
                    advertised: vec!["ES256".into(), "HS256\u{fffd}forged".into()],
                },
                UnsupportedAlgorithm::ClientAssertion {
                    service: "rsa".into(),
                    algorithm: ClientAssertionAlgorithm::PS256,
                    advertised: vec!["RS256".into()],
                },
            ]
        );
        let codes: Vec<_> = rsa.iter().map(UnsupportedAlgorithm::code).collect();
        assert_eq!(
            codes,
            [
                "discovery.unsupported_id_token_alg",
                "discovery.unsupported_client_assertion_alg"
            ]
        );
        let text = rsa[0].to_string();
        assert!(
            text.contains("service `rsa` expects ID tokens signed with RS256"),
            "{text}"
        );
        assert!(text.contains("advertises ES256, HS256"), "{text}");
        // A client_secret_post service signs no client assertion.
        let secret = m.unsupported_algorithms(services.get("secret").unwrap());
        assert_eq!(secret.len(), 1);
        assert_eq!(secret[0].code(), "discovery.unsupported_id_token_alg");
    }

    #[test]
    fn a_provider_advertising_no_client_assertion_algorithms_accepts_any() {
        let env = Environment::integration();
        let mut doc = discovery_document(env.issuer().as_str());
        doc.as_object_mut()
            .unwrap()
            .remove("token_endpoint_auth_signing_alg_values_supported");
        let m = parse(&doc, &env).unwrap();
        let services = services(&[("pss", None, Some("PS256"))]);
        assert_eq!(m.unsupported_algorithms(services.get("pss").unwrap()), []);
    }

    #[test]
    fn refuses_an_issuer_that_differs_by_a_trailing_slash() {
        let env = Environment::integration();
        let err = parse(
            &discovery_document("https://oidc.integration.account.gov.uk"),
            &env,
        )
        .unwrap_err();
        assert_eq!(err.code(), "discovery.issuer_mismatch");
        assert_eq!(
            err,
            DiscoveryError::IssuerMismatch {
                expected: "https://oidc.integration.account.gov.uk/".into(),
                actual: "https://oidc.integration.account.gov.uk".into(),
            }
        );
    }

    #[test]
    fn refuses_another_environments_issuer() {
        let env = Environment::production();
        let err = parse(
            &discovery_document(Environment::integration().issuer().as_str()),
            &env,
        )
        .unwrap_err();
        assert_eq!(err.code(), "discovery.issuer_mismatch");
    }

    #[test]
    fn refuses_a_plain_http_endpoint_for_a_public_environment() {
        let env = Environment::production();
        let mut doc = discovery_document(env.issuer().as_str());
        doc["token_endpoint"] = json!("http://oidc.account.gov.uk/token");
        let err = parse(&doc, &env).unwrap_err();
        assert_eq!(
            err,
            DiscoveryError::InsecureEndpoint {
                field: "token_endpoint",
                url: "http://oidc.account.gov.uk/token".into()
            }
        );
    }

    #[test]
    fn refuses_a_loopback_http_endpoint_for_a_public_environment() {
        let env = Environment::production();
        let mut doc = discovery_document(env.issuer().as_str());
        doc["jwks_uri"] = json!("http://127.0.0.1/jwks");
        assert_eq!(
            parse(&doc, &env).unwrap_err().code(),
            "discovery.insecure_endpoint"
        );
    }

    #[test]
    fn accepts_http_loopback_endpoints_for_a_loopback_custom_issuer_only() {
        let env = loopback();
        let m = parse(&discovery_document("http://127.0.0.1:3000/"), &env).unwrap();
        assert_eq!(
            m.userinfo_endpoint().as_str(),
            "http://127.0.0.1:3000/userinfo"
        );
        let mut doc = discovery_document("http://127.0.0.1:3000/");
        doc["userinfo_endpoint"] = json!("http://attacker.example/userinfo");
        assert_eq!(
            parse(&doc, &env).unwrap_err(),
            DiscoveryError::InsecureEndpoint {
                field: "userinfo_endpoint",
                url: "http://attacker.example/userinfo".into()
            }
        );
    }

    #[test]
    fn refuses_non_http_schemes() {
        let env = Environment::integration();
        let mut doc = discovery_document(env.issuer().as_str());
        doc["end_session_endpoint"] = json!("javascript:alert(1)");
        assert_eq!(
            parse(&doc, &env).unwrap_err().code(),
            "discovery.insecure_endpoint"
        );
    }

    #[test]
    fn names_the_missing_member() {
        let env = Environment::integration();
        for field in [
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
            "id_token_signing_alg_values_supported",
        ] {
            let mut doc = discovery_document(env.issuer().as_str());
            doc.as_object_mut().unwrap().remove(field);
            assert_eq!(
                parse(&doc, &env).unwrap_err(),
                DiscoveryError::MissingField {
                    url: env.discovery_url().to_string(),
                    path: format!("$.{field}")
                }
            );
        }
    }

    #[test]
    fn names_the_path_of_a_wrongly_typed_member() {
        let env = Environment::integration();
        let mut doc = discovery_document(env.issuer().as_str());
        doc["id_token_signing_alg_values_supported"] = json!(["ES256", 7]);
        let err = parse(&doc, &env).unwrap_err();
        let DiscoveryError::InvalidJson { path, reason, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, "$.id_token_signing_alg_values_supported[1]");
        assert_eq!(reason, "expected a string, found a number");

        let mut doc = discovery_document(env.issuer().as_str());
        doc["jwks_uri"] = json!({"url": "x"});
        let DiscoveryError::InvalidJson { path, .. } = parse(&doc, &env).unwrap_err() else {
            panic!("expected invalid json");
        };
        assert_eq!(path, "$.jwks_uri");

        let mut doc = discovery_document(env.issuer().as_str());
        doc["backchannel_logout_supported"] = json!("yes");
        assert_eq!(
            parse(&doc, &env).unwrap_err().code(),
            "discovery.invalid_json"
        );

        let mut doc = discovery_document(env.issuer().as_str());
        doc["token_endpoint"] = json!("/token");
        let DiscoveryError::InvalidJson { path, reason, .. } = parse(&doc, &env).unwrap_err()
        else {
            panic!("expected invalid json");
        };
        assert_eq!(path, "$.token_endpoint");
        assert!(reason.starts_with("not an absolute URL"), "{reason}");
    }

    #[test]
    fn refuses_a_body_that_is_not_a_json_object() {
        let env = Environment::integration();
        for body in [&b"<html>"[..], b"[]", b"\"issuer\"", b""] {
            let err = ProviderMetadata::parse(body, &env).unwrap_err();
            assert!(
                matches!(&err, DiscoveryError::InvalidJson { path, .. } if path == "$"),
                "{err:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_arbitrary_bytes(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            // Random bytes are never a valid document: always a typed JSON error, never a panic.
            let err = ProviderMetadata::parse(&body, &Environment::integration()).unwrap_err();
            prop_assert!(err.code().starts_with("discovery."), "{}", err.code());
        }

        #[test]
        fn any_issuer_other_than_the_configured_one_is_refused(issuer in "\\PC{0,80}") {
            let env = Environment::integration();
            prop_assume!(issuer != env.issuer().as_str());
            let mut doc = discovery_document(env.issuer().as_str());
            doc["issuer"] = json!(issuer);
            prop_assert_eq!(parse(&doc, &env).unwrap_err().code(), "discovery.issuer_mismatch");
        }
    }
}
