//! The ID-token fixture and the four contenders that verify it: this project's verifier, bare
//! jsonwebtoken, openidconnect 4 and the raw aws-lc signature check.

use std::fmt;
use std::str::FromStr as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use govuk_one_login_core::{IdTokenAlgorithm, Nonce};
use govuk_one_login_testkit::{MockKey, MockOneLogin};
use govuk_one_login_verify::{IdTokenExpectations, KeySet, verify_id_token};
use serde_json::{Value, json};

use crate::error::BenchError;

/// The client id every benchmark token is issued to.
pub const CLIENT_ID: &str = "bench-client";
/// The nonce every benchmark token carries.
pub const NONCE: &str = "bench-nonce-0S6_WzA2Mj";
/// How long the fixture tokens stay valid, in seconds (long enough for any benchmark run).
pub const TOKEN_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// The two ID-token algorithms One Login signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (One Login's default).
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA-2048.
    RS256,
}

impl Algorithm {
    /// Both, in the order the summary lists them.
    pub const ALL: [Self; 2] = [Self::ES256, Self::RS256];

    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
        }
    }

    /// The lower-case name used in benchmark and figure names (`es256`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::ES256 => "es256",
            Self::RS256 => "rs256",
        }
    }
}

/// Who verifies the token in a benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Contender {
    /// `govuk_one_login_verify::verify_id_token` over a parsed `KeySet`.
    Ours,
    /// `jsonwebtoken::decode` with a cached `DecodingKey` and a `Validation`.
    Jsonwebtoken,
    /// openidconnect 4: `CoreIdToken::from_str` then `claims(&CoreIdTokenVerifier, &nonce)`.
    OpenIdConnect,
    /// aws-lc-rs `ParsedPublicKey::verify_sig` on the pre-split signing input and signature:
    /// no parsing at all, the physical floor.
    RawAwsLc,
}

impl Contender {
    /// Every contender, ours first.
    pub const ALL: [Self; 4] = [
        Self::Ours,
        Self::Jsonwebtoken,
        Self::OpenIdConnect,
        Self::RawAwsLc,
    ];

    /// The benchmark id (`ours`, `jsonwebtoken`, `openidconnect`, `raw_aws_lc`).
    pub fn id(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Jsonwebtoken => "jsonwebtoken",
            Self::OpenIdConnect => "openidconnect",
            Self::RawAwsLc => "raw_aws_lc",
        }
    }

    /// The short name used in summary figure names (`jsonwebtoken`, `openidconnect`,
    /// `raw_signature`).
    pub fn figure_name(self) -> &'static str {
        match self {
            Self::Ours => "ours",
            Self::Jsonwebtoken => "jsonwebtoken",
            Self::OpenIdConnect => "openidconnect",
            Self::RawAwsLc => "raw_signature",
        }
    }
}

/// A provider JWKS and ID tokens signed by its keys, minted once by the testkit's mock One Login.
/// All four contenders verify the same token with the same key. `Debug` leaves the tokens out.
#[derive(Clone)]
pub struct TokenFixture {
    /// The issuer (the mock's loopback URL).
    pub issuer: String,
    /// The JWKS document, as the provider serves it.
    pub jwks: Vec<u8>,
    /// The time the tokens were issued, in Unix seconds.
    pub now: i64,
    es256: String,
    rs256: String,
}

impl fmt::Debug for TokenFixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenFixture")
            .field("issuer", &self.issuer)
            .field("jwks_bytes", &self.jwks.len())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The claims of a valid One Login ID token for [`CLIENT_ID`], valid for
/// [`TOKEN_LIFETIME_SECS`].
pub fn id_token_claims(issuer: &str, now: i64) -> Value {
    json!({
        "iss": issuer,
        "sub": "urn:fdc:gov.uk:2022:bench-subject-0123456789abcdef",
        "aud": CLIENT_ID,
        "exp": now + TOKEN_LIFETIME_SECS,
        "iat": now,
        "nonce": NONCE,
        "vot": "Cl.Cm",
        "vtm": format!("{issuer}trustmark"),
        "sid": "bench-session-id",
        "auth_time": now,
    })
}

impl TokenFixture {
    /// Mints the fixture with a running mock provider (its keys sign the tokens).
    pub fn from_provider(provider: &MockOneLogin) -> Self {
        let issuer = provider.issuer().to_string();
        let now = unix_now();
        let claims = id_token_claims(&issuer, now);
        let header = json!({ "typ": "JWT" });
        let es256 = provider.mint_id_token(claims.clone(), header.clone(), MockKey::IdTokenEs256);
        let rs256 = provider.mint_id_token(claims, header, MockKey::IdTokenRs256);
        Self {
            issuer,
            jwks: provider.jwks().to_string().into_bytes(),
            now,
            es256,
            rs256,
        }
    }

    /// Starts a mock provider on its own small runtime, mints the fixture and stops it.
    ///
    /// # Errors
    /// [`BenchError::Runtime`] or [`BenchError::ProviderStart`].
    pub fn mint() -> Result<Self, BenchError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| BenchError::Runtime {
                reason: e.to_string(),
            })?;
        runtime.block_on(async {
            let provider = MockOneLogin::try_start()
                .await
                .map_err(|e| BenchError::ProviderStart { code: e.code() })?;
            Ok(Self::from_provider(&provider))
        })
    }

    /// The token signed with `alg`. Never log it.
    pub fn token(&self, alg: Algorithm) -> &str {
        match alg {
            Algorithm::ES256 => &self.es256,
            Algorithm::RS256 => &self.rs256,
        }
    }

    /// The same fixture with `decoys` extra EC P-256 keys placed before the provider's keys in
    /// the JWKS, so that a `kid` lookup walks past them (for cost against key count).
    ///
    /// # Errors
    /// [`BenchError::Key`] if aws-lc cannot generate a key or the JWKS is not JSON.
    pub fn with_decoy_keys(&self, decoys: usize) -> Result<Self, BenchError> {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
        let key_err = |reason: String| BenchError::Key {
            contender: "fixture",
            reason,
        };
        let mut doc: Value =
            serde_json::from_slice(&self.jwks).map_err(|e| key_err(e.to_string()))?;
        let mut keys = Vec::with_capacity(decoys + 2);
        for i in 0..decoys {
            let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(|e| key_err(e.to_string()))?;
            let point = pair.public_key().as_ref();
            let (x, y) = (point.get(1..33), point.get(33..65));
            let (Some(x), Some(y)) = (x, y) else {
                return Err(key_err("unexpected EC point length".to_owned()));
            };
            keys.push(json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
                "kid": format!("decoy-{i}"),
                "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y),
            }));
        }
        if let Some(Value::Array(real)) = doc.get_mut("keys") {
            keys.append(real);
        }
        doc["keys"] = Value::Array(keys);
        Ok(Self {
            jwks: doc.to_string().into_bytes(),
            ..self.clone()
        })
    }

    /// The JWK of the key for `alg`.
    fn jwk(&self, alg: Algorithm) -> Result<Value, BenchError> {
        let doc: Value = serde_json::from_slice(&self.jwks).map_err(|e| BenchError::Key {
            contender: "fixture",
            reason: e.to_string(),
        })?;
        doc.get("keys")
            .and_then(Value::as_array)
            .and_then(|keys| {
                keys.iter()
                    .find(|k| k.get("alg").and_then(Value::as_str) == Some(alg.as_str()))
            })
            .cloned()
            .ok_or(BenchError::MissingKey {
                algorithm: alg.as_str(),
            })
    }
}

/// This project's verifier, set up once: the parsed key set and the expectations.
#[derive(Debug)]
pub struct Ours {
    keys: KeySet,
    issuer: String,
    nonce: Nonce,
    now: i64,
    algorithm: IdTokenAlgorithm,
}

impl Ours {
    /// Parses the fixture's JWKS into a `KeySet`.
    ///
    /// # Errors
    /// [`BenchError::Key`] if the JWKS is refused.
    pub fn new(fixture: &TokenFixture, alg: Algorithm) -> Result<Self, BenchError> {
        let parsed = KeySet::from_jwks_json(&fixture.jwks).map_err(|e| BenchError::Key {
            contender: "ours",
            reason: e.code().to_owned(),
        })?;
        Ok(Self {
            keys: parsed.keys,
            issuer: fixture.issuer.clone(),
            nonce: Nonce::from_string(NONCE.to_owned()),
            now: fixture.now,
            algorithm: match alg {
                Algorithm::ES256 => IdTokenAlgorithm::ES256,
                Algorithm::RS256 => IdTokenAlgorithm::RS256,
            },
        })
    }

    /// Verifies `token` completely (header, key, signature, every claim).
    ///
    /// # Errors
    /// [`BenchError::Rejected`] with the verify error code.
    pub fn verify(&self, token: &str) -> Result<(), BenchError> {
        let mut expect = IdTokenExpectations::new(&self.issuer, CLIENT_ID, &self.nonce, self.now);
        expect.algorithm = self.algorithm;
        verify_id_token(token, &self.keys, &expect)
            .map(drop)
            .map_err(|e| BenchError::Rejected {
                contender: "ours",
                reason: e.code().to_owned(),
            })
    }
}

/// Bare jsonwebtoken as a team would use it: a cached `DecodingKey` and a `Validation` with
/// issuer and audience set; the nonce is compared after decoding.
pub struct Jsonwebtoken {
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

impl fmt::Debug for Jsonwebtoken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jsonwebtoken").finish_non_exhaustive()
    }
}

impl Jsonwebtoken {
    /// Builds the `DecodingKey` from the fixture's JWK once.
    ///
    /// # Errors
    /// [`BenchError::Key`] or [`BenchError::MissingKey`].
    pub fn new(fixture: &TokenFixture, alg: Algorithm) -> Result<Self, BenchError> {
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let key_err = |reason: String| BenchError::Key {
            contender: "jsonwebtoken",
            reason,
        };
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(fixture.jwk(alg)?).map_err(|e| key_err(e.to_string()))?;
        let key = jsonwebtoken::DecodingKey::from_jwk(&jwk).map_err(|e| key_err(e.to_string()))?;
        let mut validation = jsonwebtoken::Validation::new(match alg {
            Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
            Algorithm::RS256 => jsonwebtoken::Algorithm::RS256,
        });
        validation.set_issuer(&[fixture.issuer.as_str()]);
        validation.set_audience(&[CLIENT_ID]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Ok(Self { key, validation })
    }

    /// `jsonwebtoken::decode` plus the nonce check.
    ///
    /// # Errors
    /// [`BenchError::Rejected`] with jsonwebtoken's error kind.
    pub fn verify(&self, token: &str) -> Result<(), BenchError> {
        let data =
            jsonwebtoken::decode::<Value>(token, &self.key, &self.validation).map_err(|e| {
                BenchError::Rejected {
                    contender: "jsonwebtoken",
                    reason: format!("{:?}", e.kind()),
                }
            })?;
        if data.claims.get("nonce").and_then(Value::as_str) == Some(NONCE) {
            Ok(())
        } else {
            Err(BenchError::Rejected {
                contender: "jsonwebtoken",
                reason: "nonce".to_owned(),
            })
        }
    }
}

/// openidconnect 4's own ID-token verifier over a `CoreJsonWebKeySet`.
pub struct OpenIdConnect {
    verifier: openidconnect::core::CoreIdTokenVerifier<'static>,
    nonce: openidconnect::Nonce,
}

impl fmt::Debug for OpenIdConnect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenIdConnect").finish_non_exhaustive()
    }
}

impl OpenIdConnect {
    /// Parses the fixture's JWKS into a `CoreJsonWebKeySet` and builds the verifier once.
    ///
    /// # Errors
    /// [`BenchError::Key`] if openidconnect refuses the JWKS or the issuer.
    pub fn new(fixture: &TokenFixture, alg: Algorithm) -> Result<Self, BenchError> {
        use openidconnect::core::{
            CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
        };
        let key_err = |reason: String| BenchError::Key {
            contender: "openidconnect",
            reason,
        };
        let jwks: CoreJsonWebKeySet =
            serde_json::from_slice(&fixture.jwks).map_err(|e| key_err(e.to_string()))?;
        let issuer = openidconnect::IssuerUrl::new(fixture.issuer.clone())
            .map_err(|e| key_err(e.to_string()))?;
        let verifier = CoreIdTokenVerifier::new_public_client(
            openidconnect::ClientId::new(CLIENT_ID.to_owned()),
            issuer,
            jwks,
        )
        .set_allowed_algs([match alg {
            Algorithm::ES256 => CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            Algorithm::RS256 => CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        }]);
        Ok(Self {
            verifier,
            nonce: openidconnect::Nonce::new(NONCE.to_owned()),
        })
    }

    /// Parses the token and verifies it with openidconnect's verifier (signature, `iss`, `aud`,
    /// `exp`, `iat`, nonce).
    ///
    /// # Errors
    /// [`BenchError::Rejected`] with openidconnect's error.
    pub fn verify(&self, token: &str) -> Result<(), BenchError> {
        let rejected = |reason: String| BenchError::Rejected {
            contender: "openidconnect",
            reason,
        };
        let id_token = openidconnect::core::CoreIdToken::from_str(token)
            .map_err(|e| rejected(e.to_string()))?;
        id_token
            .claims(&self.verifier, &self.nonce)
            .map(drop)
            .map_err(|e| rejected(e.to_string()))
    }
}

/// The raw aws-lc signature check on a pre-parsed public key, with the signing input and
/// signature already split and decoded: what no verifier can beat.
pub struct RawAwsLc {
    key: aws_lc_rs::signature::ParsedPublicKey,
    message: Vec<u8>,
    signature: Vec<u8>,
}

impl fmt::Debug for RawAwsLc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawAwsLc").finish_non_exhaustive()
    }
}

fn b64_member(jwk: &Value, name: &str) -> Result<Vec<u8>, BenchError> {
    let text = jwk.get(name).and_then(Value::as_str).unwrap_or_default();
    URL_SAFE_NO_PAD.decode(text).map_err(|e| BenchError::Key {
        contender: "raw_aws_lc",
        reason: format!("{name}: {e}"),
    })
}

impl RawAwsLc {
    /// Parses the key once and splits the fixture token once.
    ///
    /// # Errors
    /// [`BenchError::Key`] if aws-lc refuses the key or the token is not a compact JWS.
    pub fn new(fixture: &TokenFixture, alg: Algorithm) -> Result<Self, BenchError> {
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256,
            RsaPublicKeyComponents,
        };
        let key_err = |reason: String| BenchError::Key {
            contender: "raw_aws_lc",
            reason,
        };
        let jwk = fixture.jwk(alg)?;
        let key = match alg {
            Algorithm::ES256 => {
                let mut point = vec![0x04];
                point.extend(b64_member(&jwk, "x")?);
                point.extend(b64_member(&jwk, "y")?);
                ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .map_err(|e| key_err(e.to_string()))?
            }
            Algorithm::RS256 => {
                let n = b64_member(&jwk, "n")?;
                let e = b64_member(&jwk, "e")?;
                RsaPublicKeyComponents { n: &n, e: &e }
                    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
                    .map_err(|e| key_err(e.to_string()))?
            }
        };
        let token = fixture.token(alg);
        let (message, signature) = token
            .rsplit_once('.')
            .ok_or_else(|| key_err("the token is not a compact JWS".to_owned()))?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|e| key_err(e.to_string()))?;
        Ok(Self {
            key,
            message: message.as_bytes().to_vec(),
            signature,
        })
    }

    /// The signature check on the stored signing input and signature.
    ///
    /// # Errors
    /// [`BenchError::Rejected`] if the signature does not verify.
    pub fn verify(&self) -> Result<(), BenchError> {
        self.verify_parts(&self.message, &self.signature)
    }

    /// The signature check on another signing input and signature (for the sanity checks).
    ///
    /// # Errors
    /// [`BenchError::Rejected`] if the signature does not verify.
    pub fn verify_parts(&self, message: &[u8], signature: &[u8]) -> Result<(), BenchError> {
        self.key
            .verify_sig(message, signature)
            .map_err(|_| BenchError::Rejected {
                contender: "raw_aws_lc",
                reason: "signature".to_owned(),
            })
    }

    /// The stored signing input (header and payload, base64url, joined by a dot).
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The stored signature bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
}

/// All four contenders for one algorithm, each checked to accept the fixture token and to refuse
/// a tampered one before any timing, so that no figure measures a failure path.
#[derive(Debug)]
pub struct Contenders {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// This project.
    pub ours: Ours,
    /// Bare jsonwebtoken.
    pub jsonwebtoken: Jsonwebtoken,
    /// openidconnect 4.
    pub openidconnect: OpenIdConnect,
    /// The raw aws-lc floor.
    pub raw: RawAwsLc,
}

/// `token` with one character of its payload changed (the signature no longer matches).
pub fn tampered(token: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    if let Some(payload) = parts.get_mut(1) {
        // A character in the middle: the base64 stays canonical, only the signature fails.
        let mid = payload.len() / 2;
        if let Some(c) = payload.get(mid..=mid) {
            let replacement = if c == "A" { "B" } else { "A" };
            payload.replace_range(mid..=mid, replacement);
        }
    }
    parts.join(".")
}

impl Contenders {
    /// Sets up every contender and runs the sanity checks.
    ///
    /// # Errors
    /// [`BenchError::Key`] if a contender cannot load the key, [`BenchError::Rejected`] if one
    /// refuses the fixture token, [`BenchError::Accepted`] if one accepts a tampered token.
    pub fn new(fixture: &TokenFixture, alg: Algorithm) -> Result<Self, BenchError> {
        let contenders = Self {
            algorithm: alg,
            ours: Ours::new(fixture, alg)?,
            jsonwebtoken: Jsonwebtoken::new(fixture, alg)?,
            openidconnect: OpenIdConnect::new(fixture, alg)?,
            raw: RawAwsLc::new(fixture, alg)?,
        };
        let token = fixture.token(alg);
        for contender in Contender::ALL {
            contenders.verify(contender, token)?;
        }
        let bad = tampered(token);
        for contender in Contender::ALL {
            if contenders.verify(contender, &bad).is_ok() {
                return Err(BenchError::Accepted {
                    contender: contender.id(),
                });
            }
        }
        Ok(contenders)
    }

    /// Verifies `token` with `contender`. The raw floor checks the token's own signing input
    /// and signature, split here (outside any timing loop, use [`RawAwsLc::verify`]).
    ///
    /// # Errors
    /// [`BenchError::Rejected`] when the contender refuses the token.
    pub fn verify(&self, contender: Contender, token: &str) -> Result<(), BenchError> {
        match contender {
            Contender::Ours => self.ours.verify(token),
            Contender::Jsonwebtoken => self.jsonwebtoken.verify(token),
            Contender::OpenIdConnect => self.openidconnect.verify(token),
            Contender::RawAwsLc => {
                let (message, signature) =
                    token.rsplit_once('.').ok_or_else(|| BenchError::Rejected {
                        contender: "raw_aws_lc",
                        reason: "shape".to_owned(),
                    })?;
                let signature =
                    URL_SAFE_NO_PAD
                        .decode(signature)
                        .map_err(|_| BenchError::Rejected {
                            contender: "raw_aws_lc",
                            reason: "base64".to_owned(),
                        })?;
                self.raw.verify_parts(message.as_bytes(), &signature)
            }
        }
    }
}
