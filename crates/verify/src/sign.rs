//! Signing: `private_key_jwt` client assertions (ONE-LOGIN.md §4.2) and request objects (§3.5).
//!
//! Signatures are made with aws-lc directly, with the key parsed once when the signer is built
//! (jsonwebtoken's backend parses it again for every signature, a third of a sign-in's CPU).
//! jsonwebtoken only derives the public JWK, once, in [`ClientSigner::new`], which is therefore the
//! only place that installs its process-wide crypto provider; the verifiers check signatures with
//! aws-lc directly and touch no global state.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaEncoding, RsaKeyPair};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login_core::{
    ClientAssertionAlgorithm, ClientId, RsaPrivateKey, RsaPublicKey, ServiceKey, random_token,
};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value, json};

use crate::error::SignError;

/// The lifetime of client assertions and request objects, in seconds (five minutes).
pub const SIGNED_JWT_LIFETIME_SECS: i64 = 300;

/// Request-object parameters that must never be sent.
const FORBIDDEN: &[&str] = &["request", "request_uri", "sub"];
/// Request-object claims the signer sets itself.
const RESERVED: &[&str] = &["iss", "aud", "exp", "iat", "nbf", "jti"];

/// Where the private key is.
#[derive(Clone)]
enum Backend {
    /// In this process, parsed once (and its public half, which checks a signature made
    /// elsewhere from this signer's inputs).
    Local(Arc<RsaKeyPair>, Verifier),
    /// In an external signer; the public half checks what it returns.
    External(Verifier),
}

/// A key's public half, ready to check signatures.
type Verifier = Arc<aws_lc_rs::signature::UnparsedPublicKey<Vec<u8>>>;

/// The verifier of the RSA key `public` for `alg`.
fn verifier_for(
    public: &RsaPublicKey,
    alg: ClientAssertionAlgorithm,
) -> Result<Verifier, SignError> {
    let spki = public.spki_der().ok_or(SignError::KeyRejected)?;
    let params: &'static aws_lc_rs::signature::RsaParameters = match alg {
        ClientAssertionAlgorithm::RS256 => &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        ClientAssertionAlgorithm::PS256 => &aws_lc_rs::signature::RSA_PSS_2048_8192_SHA256,
    };
    Ok(Arc::new(aws_lc_rs::signature::UnparsedPublicKey::new(
        params, spki,
    )))
}

/// Signs client assertions and request objects with the service's RSA key.
///
/// Cheap to clone; `Debug` shows the client id, key id and algorithm only.
#[derive(Clone)]
pub struct ClientSigner {
    backend: Backend,
    algorithm: ClientAssertionAlgorithm,
    client_id: String,
    kid: String,
    public_jwk: Value,
    /// The modulus's length in bytes: a signature's length.
    modulus_len: usize,
}

impl fmt::Debug for ClientSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSigner")
            .field("client_id", &self.client_id)
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn jwt_alg(alg: ClientAssertionAlgorithm) -> Algorithm {
    match alg {
        ClientAssertionAlgorithm::RS256 => Algorithm::RS256,
        ClientAssertionAlgorithm::PS256 => Algorithm::PS256,
    }
}

fn padding(alg: ClientAssertionAlgorithm) -> &'static dyn RsaEncoding {
    match alg {
        ClientAssertionAlgorithm::RS256 => &RSA_PKCS1_SHA256,
        ClientAssertionAlgorithm::PS256 => &RSA_PSS_SHA256,
    }
}

/// The key pair of a checked PEM key (PKCS#8 or PKCS#1), parsed once; the DER is zeroized.
fn key_pair(key: &RsaPrivateKey) -> Result<RsaKeyPair, SignError> {
    let parsed =
        pem::parse(key.pem().expose_secret().trim()).map_err(|_| SignError::KeyRejected)?;
    let tag = parsed.tag().to_owned();
    let der = zeroize::Zeroizing::new(parsed.into_contents());
    match tag.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
        _ => return Err(SignError::KeyRejected),
    }
    .map_err(|_| SignError::KeyRejected)
}

impl ClientSigner {
    /// A signer for `client_id` with `key` (its `key_id` becomes the header `kid`).
    ///
    /// # Errors
    /// [`SignError::KeyRejected`] when the backend refuses the key, [`SignError::EmptyClientId`]
    /// for an empty client id.
    pub fn new(
        key: &RsaPrivateKey,
        alg: ClientAssertionAlgorithm,
        client_id: &ClientId,
    ) -> Result<Self, SignError> {
        ensure_crypto_provider();
        if client_id.as_str().is_empty() {
            return Err(SignError::EmptyClientId);
        }
        let encoding = EncodingKey::from_rsa_pem(key.pem().expose_secret().trim().as_bytes())
            .map_err(|_| SignError::KeyRejected)?;
        let jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, jwt_alg(alg))
            .map_err(|_| SignError::KeyRejected)?;
        let mut public_jwk = serde_json::to_value(&jwk).map_err(|_| SignError::KeyRejected)?;
        let pair = key_pair(key)?;
        if let Value::Object(obj) = &mut public_jwk {
            obj.insert("kid".into(), Value::String(key.key_id().to_owned()));
            obj.insert("use".into(), Value::String("sig".into()));
            obj.insert("alg".into(), Value::String(alg.as_str().into()));
        }
        let verifier = verifier_for(key.public_key(), alg)?;
        Ok(Self {
            backend: Backend::Local(Arc::new(pair), verifier),
            algorithm: alg,
            client_id: client_id.as_str().to_owned(),
            kid: key.key_id().to_owned(),
            public_jwk,
            modulus_len: key.modulus_bits().div_ceil(8),
        })
    }

    /// A signer for a key an external signer holds (a KMS, an HSM): it builds the signing
    /// inputs ([`ClientSigner::assertion_input`], [`ClientSigner::request_object_input`]); the
    /// caller has them signed and [`SigningInput::finish`]es them.
    ///
    /// # Errors
    /// [`SignError::EmptyClientId`] for an empty client id, [`SignError::KeyRejected`] if the
    /// public key cannot be used.
    pub fn external(
        public: &RsaPublicKey,
        alg: ClientAssertionAlgorithm,
        client_id: &ClientId,
    ) -> Result<Self, SignError> {
        if client_id.as_str().is_empty() {
            return Err(SignError::EmptyClientId);
        }
        let verifier = verifier_for(public, alg)?;
        Ok(Self {
            backend: Backend::External(verifier),
            algorithm: alg,
            client_id: client_id.as_str().to_owned(),
            kid: public.key_id().to_owned(),
            public_jwk: public.public_jwk(alg.as_str()),
            modulus_len: public.modulus_bits().div_ceil(8),
        })
    }

    /// The signer for a service's current key: [`ClientSigner::new`] for a private key,
    /// [`ClientSigner::external`] for one a signer holds.
    ///
    /// # Errors
    /// As those.
    pub fn for_key(
        key: &ServiceKey,
        alg: ClientAssertionAlgorithm,
        client_id: &ClientId,
    ) -> Result<Self, SignError> {
        match (key.private(), key) {
            (Some(private), _) => Self::new(private, alg, client_id),
            (None, ServiceKey::External { public, .. }) => Self::external(public, alg, client_id),
            (None, _) => Err(SignError::KeyRejected),
        }
    }

    /// Whether an external signer holds the key (then only the `*_input` methods sign).
    pub fn is_external(&self) -> bool {
        matches!(self.backend, Backend::External(_))
    }

    fn header(&self) -> Value {
        json!({ "alg": self.algorithm.as_str(), "typ": "JWT", "kid": self.kid })
    }

    /// A `private_key_jwt` client assertion for `audience` (the token endpoint, or the issuer):
    /// `iss` = `sub` = the client id, a fresh random `jti` on every call, `iat` = `now`, `exp` =
    /// `now` + 300 s, `kid` in the header.
    ///
    /// # Errors
    /// [`SignError::EmptyAudience`], [`SignError::Random`] or [`SignError::Signing`].
    pub fn client_assertion(&self, audience: &str, now: i64) -> Result<String, SignError> {
        let input = self.assertion_input(audience, now)?;
        self.sign_locally(input)
    }

    /// What [`ClientSigner::client_assertion`] signs, for an external signer to sign.
    ///
    /// # Errors
    /// [`SignError::EmptyAudience`] or [`SignError::Random`].
    pub fn assertion_input(&self, audience: &str, now: i64) -> Result<SigningInput, SignError> {
        if audience.is_empty() {
            return Err(SignError::EmptyAudience);
        }
        let jti = random_token().map_err(|_| SignError::Random)?;
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": jti,
            "iat": now,
            "exp": now.saturating_add(SIGNED_JWT_LIFETIME_SECS),
        });
        self.input(&claims)
    }

    fn input(&self, claims: &Value) -> Result<SigningInput, SignError> {
        let h = serde_json::to_vec(&self.header()).map_err(|_| SignError::Signing)?;
        let p = serde_json::to_vec(claims).map_err(|_| SignError::Signing)?;
        Ok(SigningInput {
            input: format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(h),
                URL_SAFE_NO_PAD.encode(p)
            ),
            algorithm: self.algorithm,
            verifier: match &self.backend {
                Backend::Local(_, v) | Backend::External(v) => Arc::clone(v),
            },
            modulus_len: self.modulus_len,
        })
    }

    fn sign_locally(&self, input: SigningInput) -> Result<String, SignError> {
        let Backend::Local(key, _) = &self.backend else {
            return Err(SignError::ExternalKey);
        };
        let SigningInput { input, .. } = input;
        let mut signature = vec![0; key.public_modulus_len()];
        key.sign(
            padding(self.algorithm),
            &aws_lc_rs::rand::SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .map_err(|_| SignError::Signing)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// A signed request object (JAR, RFC 9101) holding `params` (`response_type`, `scope`,
    /// `redirect_uri`, `state`, `nonce`, `vtr`, ...): `aud` = `authorize_url`, `iss` and
    /// `client_id` = the client id, no `sub`, `iat` = `now`, `exp` = `now` + 300 s, a fresh
    /// `jti`. A `claims` object is sent as a JSON string (the form the simulator handles).
    ///
    /// # Errors
    /// [`SignError::ForbiddenParameter`] for `request`, `request_uri` or `sub`;
    /// [`SignError::ReservedParameter`] for `iss`, `aud`, `exp`, `iat`, `nbf`, `jti` or another
    /// client's `client_id`; [`SignError::BadClaimsParameter`]; [`SignError::EmptyAudience`];
    /// [`SignError::Random`] or [`SignError::Signing`].
    pub fn request_object(
        &self,
        authorize_url: &str,
        params: Map<String, Value>,
        now: i64,
    ) -> Result<String, SignError> {
        let input = self.request_object_input(authorize_url, params, now)?;
        self.sign_locally(input)
    }

    /// What [`ClientSigner::request_object`] signs, for an external signer to sign.
    ///
    /// # Errors
    /// As [`ClientSigner::request_object`], but never [`SignError::Signing`].
    pub fn request_object_input(
        &self,
        authorize_url: &str,
        params: Map<String, Value>,
        now: i64,
    ) -> Result<SigningInput, SignError> {
        if authorize_url.is_empty() {
            return Err(SignError::EmptyAudience);
        }
        let mut claims = params;
        if let Some(name) = FORBIDDEN.iter().find(|n| claims.contains_key(**n)) {
            return Err(SignError::ForbiddenParameter {
                name: (*name).to_owned(),
            });
        }
        if let Some(name) = RESERVED.iter().find(|n| claims.contains_key(**n)) {
            return Err(SignError::ReservedParameter {
                name: (*name).to_owned(),
            });
        }
        match claims.get("client_id") {
            None => {}
            Some(Value::String(c)) if *c == self.client_id => {}
            Some(_) => {
                return Err(SignError::ReservedParameter {
                    name: "client_id".into(),
                });
            }
        }
        match claims.get("claims") {
            None | Some(Value::String(_)) => {}
            Some(obj @ Value::Object(_)) => {
                let text = obj.to_string();
                claims.insert("claims".into(), Value::String(text));
            }
            Some(_) => return Err(SignError::BadClaimsParameter),
        }
        let jti = random_token().map_err(|_| SignError::Random)?;
        claims.insert("iss".into(), Value::String(self.client_id.clone()));
        claims.insert("client_id".into(), Value::String(self.client_id.clone()));
        claims.insert("aud".into(), Value::String(authorize_url.to_owned()));
        claims.insert("iat".into(), Value::from(now));
        claims.insert(
            "exp".into(),
            Value::from(now.saturating_add(SIGNED_JWT_LIFETIME_SECS)),
        );
        claims.insert("jti".into(), Value::String(jti));
        self.input(&Value::Object(claims))
    }

    /// The public half of the key as a JWK (`kty`, `n`, `e`, `kid`, `alg`, `use: sig`), for the
    /// service's JWKS endpoint, the testkit and the demo.
    pub fn public_jwk(&self) -> Value {
        self.public_jwk.clone()
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The header `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> ClientAssertionAlgorithm {
        self.algorithm
    }
}

/// A JWS's signing input (`base64url(header).base64url(claims)`), waiting for the signature
/// of an external signer (a KMS, an HSM).
#[derive(Clone)]
pub struct SigningInput {
    input: String,
    algorithm: ClientAssertionAlgorithm,
    /// The key's public half, which checks what the signer returns.
    verifier: Verifier,
    /// The modulus's length in bytes: what a signature's length must be.
    modulus_len: usize,
}

impl fmt::Debug for SigningInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningInput")
            .field("algorithm", &self.algorithm)
            .field("bytes", &self.input.len())
            .finish_non_exhaustive()
    }
}

impl SigningInput {
    /// The bytes to sign.
    pub fn as_bytes(&self) -> &[u8] {
        self.input.as_bytes()
    }

    /// The algorithm to sign with.
    pub fn algorithm(&self) -> ClientAssertionAlgorithm {
        self.algorithm
    }

    /// The compact JWS: the input and the raw `signature`, which must verify with the key's
    /// public half (so a signer holding another key, or returning a DER-wrapped signature, is
    /// caught here rather than by One Login).
    ///
    /// # Errors
    /// [`SignError::BadSignature`].
    pub fn finish(self, signature: &[u8]) -> Result<String, SignError> {
        // A signer that returns the signature as a minimal integer drops its leading zero bytes
        // (one signature in 256): a JWS signature is the modulus's length, so pad it back.
        let mut padded;
        let signature = if !signature.is_empty() && signature.len() < self.modulus_len {
            padded = vec![0; self.modulus_len - signature.len()];
            padded.extend_from_slice(signature);
            &padded[..]
        } else {
            signature
        };
        self.verifier
            .verify(self.input.as_bytes(), signature)
            .map_err(|_| SignError::BadSignature)?;
        Ok(format!(
            "{}.{}",
            self.input,
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

/// Installs jsonwebtoken's aws-lc provider once, before the signer derives its public JWK.
/// jsonwebtoken picks its backend at run time and panics at first use when both or neither
/// backend features are on (feature unification in a user's workspace can do that); installing
/// explicitly avoids it. An `Err` from `install_default` only means a provider was installed
/// already. Neither signing nor verification calls it: they do not use jsonwebtoken.
fn ensure_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
    });
}
