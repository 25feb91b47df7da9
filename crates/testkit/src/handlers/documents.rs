//! Discovery, JWKS, DID document and trust mark.

use govuk_one_login_core::internal::fixtures::discovery_document;
use serde_json::{Value, json};

use super::Reply;
use crate::faults::DiscoveryIssuer;
use crate::state::Shared;

/// The discovery document, shaped like One Login's (`WellknownHandler`).
pub(super) fn discovery(shared: &Shared) -> Reply {
    let real = shared.issuer.as_str().to_owned();
    let issuer = match &shared.lock().faults.discovery_issuer {
        None => real,
        Some(DiscoveryIssuer::WithoutTrailingSlash) => real.trim_end_matches('/').to_owned(),
        Some(DiscoveryIssuer::Other(other)) => other.clone(),
    };
    // The endpoints and the capabilities every test relies on come from the workspace's one
    // copy of the document; One Login's fuller claim list and policy links are added here.
    let mut body = discovery_document(shared.issuer.as_str());
    let url = |rel: &str| Value::String(shared.url(rel));
    let more = json!({
        "issuer": issuer,
        "claims_supported": [
            "sub", "email", "email_verified", "phone_number", "phone_number_verified",
            "wallet_subject_id",
            "https://vocab.account.gov.uk/v1/address",
            "https://vocab.account.gov.uk/v1/passport",
            "https://vocab.account.gov.uk/v1/drivingPermit",
            "https://vocab.account.gov.uk/v1/coreIdentityJWT",
            "https://vocab.account.gov.uk/v1/returnCode",
            "https://vocab.account.gov.uk/v1/inheritedIdentityJWT"
        ],
        "claim_types_supported": ["normal"],
        "backchannel_logout_session_supported": false,
        "service_documentation": "https://docs.sign-in.service.gov.uk/",
        "op_policy_uri": url("privacy-notice"),
        "op_tos_uri": url("terms-and-conditions")
    });
    if let (Value::Object(doc), Value::Object(more)) = (&mut body, more) {
        doc.extend(more);
        // The standalone server, as the simulator, announces only what it serves, and points
        // at One Login's own policy pages.
        if shared.standalone {
            doc.remove("registration_endpoint");
            doc.insert(
                "op_policy_uri".into(),
                json!("https://signin.account.gov.uk/privacy-notice"),
            );
            doc.insert(
                "op_tos_uri".into(),
                json!("https://signin.account.gov.uk/terms-and-conditions"),
            );
        }
    }
    Reply::json(200, body).header("cache-control", "max-age=86400")
}

/// The JWKS: every published ID-token and logout-token key.
pub(super) fn jwks(shared: &Shared) -> Reply {
    let keys: Vec<Value> = shared.lock().keys.jwks.iter().map(|k| k.jwk()).collect();
    Reply::json(200, json!({ "keys": keys })).header("cache-control", "max-age=86400")
}

/// The DID document holding the core identity keys (§7.2).
pub(super) fn did(shared: &Shared) -> Reply {
    let methods: Vec<Value> = shared
        .lock()
        .keys
        .did
        .iter()
        .map(|k| {
            let mut jwk = k.public_jwk();
            if let Value::Object(map) = &mut jwk {
                map.insert("alg".into(), Value::String("ES256".into()));
            }
            json!({
                "id": format!("{}#{}", shared.did, k.kid),
                "type": "JsonWebKey",
                "controller": shared.did,
                "publicKeyJwk": jwk
            })
        })
        .collect();
    let body = json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": shared.did,
        "assertionMethod": methods
    });
    Reply::json(200, body).header("cache-control", "max-age=3600, private")
}

/// The trust mark document (§1.4).
pub(super) fn trustmark(shared: &Shared) -> Reply {
    let issuer = shared.issuer.as_str();
    Reply::json(
        200,
        json!({
            "idp": issuer,
            "trustmark_provider": issuer,
            "C": ["Cl", "Cl.Cm"],
            "P": ["P0", "P1", "P2", "P3"]
        }),
    )
}
