//! The identity DID document (ONE-LOGIN.md §7.2): the keys that sign core identity JWTs.

use std::collections::HashMap;

use serde_json::Value;

use crate::MAX_DOCUMENT_BYTES;
use crate::error::{DidError, echo};
use crate::json::{self, JsonProblem};
use crate::keys::{KeyAlgorithm, RejectedKey, VerificationKey};

/// The identity DID document, parsed against the configured controller DID.
///
/// Only `assertionMethod` entries of type `JsonWebKey` (or `JsonWebKey2020`) whose `controller`
/// is the configured DID and whose `publicKeyJwk` is an EC P-256 key are kept. The document is
/// never resolved from a token: its URL is configuration, and fetching it is the discovery
/// crate's job.
#[derive(Clone, Debug)]
pub struct DidDocument {
    id: String,
    /// (fragment, key)
    methods: Vec<(String, VerificationKey)>,
}

/// The result of parsing a DID document: the document, and the verification methods left out
/// with their reasons.
#[derive(Clone, Debug)]
pub struct ParsedDidDocument {
    /// The document with its usable keys.
    pub document: DidDocument,
    /// The verification methods left out, and why (`did.controller_mismatch`,
    /// `did.method_id_mismatch`, `did.not_json_web_key`, `did.duplicate_method`, or a `jwk.*`
    /// code for an unfit key).
    pub rejected: Vec<RejectedKey>,
}

impl DidDocument {
    /// Parses a DID document. `expected_did` is the configured controller (for example
    /// `did:web:identity.integration.account.gov.uk`); the document `id` and each method's
    /// `controller` must equal it; only EC P-256 `JsonWebKey` assertion methods are kept.
    ///
    /// # Errors
    /// A [`DidError`] when the document as a whole is unusable.
    pub fn from_json(body: &[u8], expected_did: &str) -> Result<ParsedDidDocument, DidError> {
        let did_ok = expected_did
            .strip_prefix("did:web:")
            .is_some_and(|host| !host.is_empty() && !host.contains('#'));
        if !did_ok {
            return Err(DidError::BadConfiguredDid {
                did: echo(expected_did, 128),
            });
        }
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(DidError::TooLarge {
                max: MAX_DOCUMENT_BYTES,
                actual: body.len(),
            });
        }
        let doc = json::parse_object(body).map_err(|p| match p {
            JsonProblem::Duplicate(name) => DidError::DuplicateMember { name },
            JsonProblem::Invalid | JsonProblem::NotObject => DidError::NotJson,
        })?;
        let id = doc
            .get("id")
            .and_then(Value::as_str)
            .ok_or(DidError::MissingId)?;
        if id != expected_did {
            return Err(DidError::IdMismatch {
                expected: expected_did.to_owned(),
                actual: echo(id, 128),
            });
        }
        let Some(Value::Array(entries)) = doc.get("assertionMethod") else {
            return Err(DidError::NoAssertionMethods);
        };
        let mut rejected = Vec::new();
        let mut methods: Vec<(String, VerificationKey)> = Vec::new();
        for entry in entries {
            match parse_method(entry, expected_did) {
                Ok(m) => methods.push(m),
                Err(r) => rejected.push(r),
            }
        }
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (fragment, _) in &methods {
            *counts.entry(fragment.clone()).or_default() += 1;
        }
        let mut kept = Vec::new();
        for (fragment, key) in methods {
            if counts.get(&fragment).copied().unwrap_or(0) > 1 {
                rejected.push(RejectedKey {
                    kid: Some(format!("{expected_did}#{fragment}")),
                    reason: "did.duplicate_method",
                });
            } else {
                kept.push((fragment, key));
            }
        }
        Ok(ParsedDidDocument {
            document: Self {
                id: expected_did.to_owned(),
                methods: kept,
            },
            rejected,
        })
    }

    /// The key for a core identity JWT `kid` of the form `<did>#<key-id>`, or `None` (also when
    /// the DID part is not this document's DID).
    pub fn key_for_kid(&self, kid: &str) -> Option<&VerificationKey> {
        let (did, fragment) = kid.split_once('#')?;
        if did != self.id {
            return None;
        }
        self.methods
            .iter()
            .find(|(f, _)| f == fragment)
            .map(|(_, k)| k)
    }

    /// The document's DID (equal to the configured one).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How many usable keys there are.
    pub fn len(&self) -> usize {
        self.methods.len()
    }

    /// Whether there is no usable key.
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// The full key ids (`<did>#<key-id>`) of the usable keys.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.methods.iter().filter_map(|(_, k)| k.kid())
    }
}

fn parse_method(entry: &Value, did: &str) -> Result<(String, VerificationKey), RejectedKey> {
    let Value::Object(obj) = entry else {
        return Err(RejectedKey {
            kid: None,
            reason: "did.method_not_object",
        });
    };
    let method_id = obj.get("id").and_then(Value::as_str);
    let reject = |reason: &'static str| RejectedKey {
        kid: method_id.map(|s| echo(s, 256)),
        reason,
    };
    let method_id = method_id.ok_or_else(|| reject("did.method_id_missing"))?;
    if obj.get("controller").and_then(Value::as_str) != Some(did) {
        return Err(reject("did.controller_mismatch"));
    }
    // The controller is checked first; only then is a bare fragment accepted.
    let fragment = match method_id.split_once('#') {
        Some((prefix, fragment)) if prefix == did => fragment,
        Some(_) => return Err(reject("did.method_id_mismatch")),
        None if method_id.contains(':') => return Err(reject("did.method_id_mismatch")),
        None => method_id,
    };
    if fragment.is_empty() || fragment.len() > crate::keys::MAX_KID_BYTES {
        return Err(reject("did.method_id_mismatch"));
    }
    match obj.get("type").and_then(Value::as_str) {
        Some("JsonWebKey" | "JsonWebKey2020") => {}
        _ => return Err(reject("did.not_json_web_key")),
    }
    let jwk = obj
        .get("publicKeyJwk")
        .ok_or_else(|| reject("did.no_public_key_jwk"))?;
    let key = VerificationKey::from_jwk(jwk).map_err(|r| reject(r.reason))?;
    if key.algorithm() != KeyAlgorithm::ES256 {
        return Err(reject("did.not_ec_p256"));
    }
    Ok((
        fragment.to_owned(),
        key.with_kid(format!("{did}#{fragment}")),
    ))
}
