//! A service's signing keys when the private half is not in the process: [`RsaPublicKey`],
//! [`ServiceKey`] (held here, or by a named signer) and the [`JwsSigner`] trait a cloud KMS or
//! an HSM implements.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::key::{
    KeyError, KeySource, MIN_RSA_BITS, RsaPrivateKey, jwk_thumbprint, read_key_source,
};
use crate::transport::BoxFuture;
use crate::types::ClientAssertionAlgorithm;

/// The largest RSA public key accepted, in bits (what the signature checks support).
pub const MAX_RSA_BITS: usize = 8192;

/// A checked RSA public key (2048 bits or more) and its key id: the public half of a key held
/// by a [`JwsSigner`].
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    key_id: String,
    modulus_bits: usize,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("key_id", &self.key_id)
            .field("modulus_bits", &self.modulus_bits)
            .finish_non_exhaustive()
    }
}

impl RsaPublicKey {
    /// Loads and checks a public key from a PEM file or PEM text (SubjectPublicKeyInfo
    /// `PUBLIC KEY`, as a KMS exports it, or PKCS#1 `RSA PUBLIC KEY`). Relative file paths are
    /// resolved against `base_dir`.
    ///
    /// # Errors
    /// A [`KeyError`] saying what is wrong: unreadable, not PEM, not RSA, under 2048 bits.
    pub fn load(
        source: &KeySource,
        key_id: &str,
        base_dir: Option<&Path>,
    ) -> Result<Self, KeyError> {
        let source_name = source.to_string();
        let text = read_key_source(source, base_dir)?;
        Self::from_pem(text.expose_secret(), key_id, &source_name)
    }

    /// Checks PEM text holding an RSA public key.
    ///
    /// # Errors
    /// As [`RsaPublicKey::load`].
    pub fn from_pem(text: &str, key_id: &str, source_name: &str) -> Result<Self, KeyError> {
        let not_pem = || KeyError::NotPem {
            source_name: source_name.to_owned(),
        };
        let parsed = ::pem::parse(text.trim()).map_err(|_| not_pem())?;
        if !matches!(parsed.tag(), "PUBLIC KEY" | "RSA PUBLIC KEY") {
            return Err(if parsed.tag().contains("PRIVATE") {
                KeyError::Unparsable {
                    source_name: source_name.to_owned(),
                    reason: "a private key where the public key belongs: give only the public half"
                        .into(),
                }
            } else {
                not_pem()
            });
        }
        let key = aws_lc_rs::rsa::PublicKey::from_der(parsed.contents()).map_err(|e| {
            KeyError::NotRsa {
                source_name: format!("{source_name} ({e})"),
            }
        })?;
        let n = key.modulus().big_endian_without_leading_zero().to_vec();
        let e = key.exponent().big_endian_without_leading_zero().to_vec();
        // The exact bit length: a 2041-bit modulus is 256 bytes but not a 2048-bit key.
        let modulus_bits = n.first().map_or(0, |top| {
            (n.len() - 1) * 8 + (8 - usize::try_from(top.leading_zeros()).unwrap_or(8))
        });
        if modulus_bits < MIN_RSA_BITS {
            return Err(KeyError::TooSmall {
                source_name: source_name.to_owned(),
            });
        }
        if modulus_bits > MAX_RSA_BITS {
            return Err(KeyError::Unparsable {
                source_name: source_name.to_owned(),
                reason: format!(
                    "a {modulus_bits}-bit key; One Login takes RSA keys of 2048 to {MAX_RSA_BITS} bits"
                ),
            });
        }
        Ok(Self::from_components(key_id, modulus_bits, n, e))
    }

    /// A key from its checked parts (the modulus and exponent big-endian, without leading
    /// zeros).
    pub(crate) fn from_components(
        key_id: &str,
        modulus_bits: usize,
        n: Vec<u8>,
        e: Vec<u8>,
    ) -> Self {
        Self {
            key_id: key_id.to_owned(),
            modulus_bits,
            n,
            e,
        }
    }

    /// The key id sent as `kid`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        self.modulus_bits
    }

    /// The same key under another key id.
    #[must_use]
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.key_id = key_id.into();
        self
    }

    /// The RFC 7638 thumbprint: the `kid` a key gets when none is given.
    pub fn thumbprint(&self) -> String {
        jwk_thumbprint(
            &URL_SAFE_NO_PAD.encode(&self.n),
            &URL_SAFE_NO_PAD.encode(&self.e),
        )
    }

    /// The key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), the form `public_key_file`
    /// takes.
    pub fn to_pem(&self) -> String {
        // The components came from a checked key, so they encode; an empty string otherwise.
        self.spki_der()
            .map(|der| ::pem::encode(&::pem::Pem::new("PUBLIC KEY", der)))
            .unwrap_or_default()
    }

    /// The key as SubjectPublicKeyInfo DER (what a signature verifier takes); `None` only if
    /// aws-lc cannot encode the checked components.
    pub fn spki_der(&self) -> Option<Vec<u8>> {
        let components = aws_lc_rs::rsa::PublicKeyComponents {
            n: &self.n[..],
            e: &self.e[..],
        };
        let key: aws_lc_rs::rsa::PublicEncryptingKey = components.try_into().ok()?;
        let der = aws_lc_rs::encoding::AsDer::as_der(&key).ok()?;
        Some(der.as_ref().to_vec())
    }

    /// The key as a JWK (`kty: RSA`, `n`, `e`, `kid`, `use: sig`, `alg`).
    pub fn public_jwk(&self, alg: &str) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
            "kid": self.key_id,
            "use": "sig",
            "alg": alg,
        })
    }
}

/// One of a service's `private_key_jwt` keys: its private half in this process, or held by a
/// signer the application registers under `signer` (a cloud KMS, an HSM) that never lets it out.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ServiceKey {
    /// An RSA private key read from a file, a variable or code.
    Private(RsaPrivateKey),
    /// A key a [`JwsSigner`] holds: its public half, and the name the application registers the
    /// signer under (`OneLoginBuilder::signer`).
    External {
        /// The signer's name in the services file (`signer = "…"`).
        signer: String,
        /// The public half (for the `kid`, the service's JWKS, the mock's registration).
        public: RsaPublicKey,
    },
}

impl ServiceKey {
    /// The public half, with the key id.
    pub fn public_key(&self) -> &RsaPublicKey {
        match self {
            Self::Private(k) => k.public_key(),
            Self::External { public, .. } => public,
        }
    }

    /// The key id sent as `kid`.
    pub fn key_id(&self) -> &str {
        self.public_key().key_id()
    }

    /// The RFC 7638 thumbprint of the public half.
    pub fn thumbprint(&self) -> String {
        self.public_key().thumbprint()
    }

    /// The public half as a JWK for a JWKS (`kty`, `n`, `e`, `kid`, `use: sig`, `alg`).
    pub fn public_jwk(&self, alg: &str) -> serde_json::Value {
        self.public_key().public_jwk(alg)
    }

    /// The private key, when it is in this process.
    pub fn private(&self) -> Option<&RsaPrivateKey> {
        match self {
            Self::Private(k) => Some(k),
            Self::External { .. } => None,
        }
    }

    /// The signer's name, when a signer holds the key.
    pub fn signer(&self) -> Option<&str> {
        match self {
            Self::Private(_) => None,
            Self::External { signer, .. } => Some(signer),
        }
    }
}

/// Why a [`JwsSigner`] could not sign: for a while (throttled, unreachable: the sign-in may be
/// tried again) or until someone changes something (access denied, the key disabled or deleted,
/// a key not made for signing). The reason is shown in errors and logs: it must hold no secret,
/// so give a short description, never the `{:?}` of an SDK error (it is cut to 200 printable
/// characters anyway).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signer could not sign: {reason}")]
pub struct SignerError {
    reason: String,
    permanent: bool,
}

impl SignerError {
    /// A failure that may pass (throttling, a network error, a timeout).
    pub fn transient(reason: impl Into<String>) -> Self {
        Self {
            reason: crate::internal::printable(&reason.into(), 200),
            permanent: false,
        }
    }

    /// A failure that lasts until the configuration changes (access denied, the key disabled,
    /// deleted or not a signing key, the wrong algorithm for the key).
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            permanent: true,
            ..Self::transient(reason)
        }
    }

    /// [`SignerError::transient`].
    pub fn new(reason: impl Into<String>) -> Self {
        Self::transient(reason)
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Whether the failure lasts until the configuration changes.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

/// Signs client assertions and request objects with a key the process never holds: implement it
/// over a cloud KMS's `Sign` call or an HSM, and register it with `OneLoginBuilder::signer`
/// under the name the services file gives the key (`signer = "…"`). No KMS client is bundled.
///
/// `sign` receives the key id of the key to sign with (the `kid` the services file gives it, or
/// its thumbprint: one signer may hold several keys, a KMS client mapping each `kid` to its key),
/// the algorithm, and the JWS signing input (`base64url(header).base64url(claims)`, the message:
/// hash it yourself for a KMS that signs digests); it returns the raw signature of exactly the
/// modulus's length: for [`ClientAssertionAlgorithm::RS256`] RSASSA-PKCS1-v1_5 with SHA-256 (AWS
/// KMS `RSASSA_PKCS1_V1_5_SHA_256`), for [`ClientAssertionAlgorithm::PS256`] RSASSA-PSS with
/// SHA-256, MGF1-SHA-256 and a 32-byte salt (`RSASSA_PSS_SHA_256`). Every signature is checked
/// against the key's public half before it is sent. It is called once per sign-in start that
/// sends a request object and once per code exchange, under the builder's signer timeout.
///
/// ```
/// use govuk_one_login_core::{BoxFuture, ClientAssertionAlgorithm, JwsSigner, SignerError};
///
/// #[derive(Debug)]
/// struct Kms; // a client of your KMS
///
/// impl JwsSigner for Kms {
///     fn sign<'a>(
///         &'a self,
///         _key_id: &'a str,
///         _alg: ClientAssertionAlgorithm,
///         _input: &'a [u8],
///     ) -> BoxFuture<'a, Result<Vec<u8>, SignerError>> {
///         Box::pin(async { Err(SignerError::permanent("this example has no KMS")) })
///     }
/// }
/// ```
pub trait JwsSigner: Send + Sync + fmt::Debug {
    /// The signature of `input` under `alg` by the key `key_id`.
    fn sign<'a>(
        &'a self,
        key_id: &'a str,
        alg: ClientAssertionAlgorithm,
        input: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>, SignerError>>;
}

impl<T: JwsSigner + ?Sized> JwsSigner for std::sync::Arc<T> {
    fn sign<'a>(
        &'a self,
        key_id: &'a str,
        alg: ClientAssertionAlgorithm,
        input: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<u8>, SignerError>> {
        (**self).sign(key_id, alg, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_2048_PUB: &str = include_str!("../testdata/rsa-2048-pub.pem");

    #[test]
    fn a_public_key_has_the_thumbprint_and_jwk_of_its_private_half() {
        let private = RsaPrivateKey::generate("k").unwrap();
        let jwk = private.public_jwk("RS256");
        // The SPKI PEM of the same key, as a KMS exports it.
        let pem = private.public_key().to_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let public = RsaPublicKey::from_pem(&pem, "k", "test").unwrap();
        assert_eq!(public.thumbprint(), private.thumbprint());
        assert_eq!(public.public_jwk("RS256"), jwk);
        assert_eq!(public.modulus_bits(), 2048);
    }

    #[test]
    fn refuses_what_is_not_an_rsa_public_key_of_2048_bits() {
        assert!(RsaPublicKey::from_pem(RSA_2048_PUB, "k", "test").is_ok());
        let private = RsaPrivateKey::generate("k").unwrap();
        let e = RsaPublicKey::from_pem(private.pem().expose_secret(), "k", "test").unwrap_err();
        assert_eq!(e.code(), "key.unparsable");
        assert_eq!(
            RsaPublicKey::from_pem("not pem", "k", "test")
                .unwrap_err()
                .code(),
            "key.not_pem"
        );
    }
}
