//! Fixtures the workspace's tests share, so that each has one copy: a discovery document as One
//! Login publishes it and a services-file entry built in code. Test data, not for applications.

use serde_json::{Value, json};

use crate::config::{ServiceSpec, TokenAuthSpec};
use crate::secret::SecretString;

/// The discovery document One Login's integration environment publishes, for `issuer` (with its
/// trailing slash); every endpoint is derived from `issuer`.
///
/// ```
/// use govuk_one_login_core::internal::fixtures::discovery_document;
/// let doc = discovery_document("https://oidc.integration.account.gov.uk/");
/// assert_eq!(doc["token_endpoint"], "https://oidc.integration.account.gov.uk/token");
/// ```
pub fn discovery_document(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "token_endpoint": format!("{issuer}token"),
        "userinfo_endpoint": format!("{issuer}userinfo"),
        "jwks_uri": format!("{issuer}.well-known/jwks.json"),
        "end_session_endpoint": format!("{issuer}logout"),
        "registration_endpoint": format!("{issuer}connect/register"),
        "trustmarks": format!("{issuer}trustmark"),
        "subject_types_supported": ["public", "pairwise"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_post"],
        "token_endpoint_auth_signing_alg_values_supported":
            ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "scopes_supported": ["openid", "email", "phone", "offline_access"],
        "claims_supported": ["sub", "email"],
        "code_challenge_methods_supported": ["S256"],
        "ui_locales_supported": ["en", "cy"],
        "backchannel_logout_supported": true,
        "request_parameter_supported": true,
        "request_uri_parameter_supported": false,
    })
}

/// A `private_key_jwt` service signing with `key_pem` under `key_id`, with one redirect URI and
/// every other field at its default (`openid` only, `Cl.Cm`, ES256, PKCE). Change fields with
/// struct update syntax: `ServiceSpec { scopes: ..., ..service_spec(...) }`.
///
/// ```
/// use govuk_one_login_core::{SecretString, internal::fixtures::service_spec};
/// let spec = service_spec("licences", "client-1", "https://l.example.gov.uk/cb", &SecretString::new("pem"), "k1");
/// assert_eq!(spec.token_auth.key_id.as_deref(), Some("k1"));
/// ```
pub fn service_spec(
    name: &str,
    client_id: &str,
    redirect_uri: &str,
    key_pem: &SecretString,
    key_id: &str,
) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        client_id: client_id.into(),
        redirect_uris: vec![redirect_uri.into()],
        token_auth: TokenAuthSpec {
            key_pem: Some(key_pem.clone()),
            key_id: Some(key_id.into()),
            ..TokenAuthSpec::default()
        },
        ..ServiceSpec::default()
    }
}
