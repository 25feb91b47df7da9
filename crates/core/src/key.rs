//! The service's RSA private key for `private_key_jwt` client authentication and request objects.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::secret::SecretString;
use crate::service_key::RsaPublicKey;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// The most bytes read from a key or secret file: a PEM RSA key of 8192 bits is under 7 KiB, so
/// anything larger is not a key (and `/dev/zero` cannot hang validation).
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Reads a small text file (a key or a secret), refusing one larger than
/// [`MAX_SECRET_FILE_BYTES`] or not UTF-8.
///
/// # Errors
/// The I/O error, or `InvalidData` for an oversized or non-UTF-8 file.
pub(crate) fn read_secret_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_SECRET_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_SECRET_FILE_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The PEM text a key source holds: the file (relative paths resolved against `base_dir`), the
/// variable, or the text given.
pub(crate) fn read_key_source(
    source: &KeySource,
    base_dir: Option<&Path>,
) -> Result<SecretString, KeyError> {
    match source {
        KeySource::File(path) => {
            let full = match base_dir {
                Some(dir) if path.is_relative() => dir.join(path),
                _ => path.clone(),
            };
            read_secret_file(&full)
                .map(SecretString::new)
                .map_err(|e| KeyError::Unreadable {
                    path: full,
                    reason: e.to_string(),
                })
        }
        KeySource::Env(var) => std::env::var(var)
            .map(SecretString::new)
            .map_err(|_| KeyError::EnvMissing { var: var.clone() }),
        KeySource::Pem(p) => Ok(p.clone()),
    }
}

/// Where a private key comes from. Keys are never required inline in a services file.
#[derive(Clone)]
#[non_exhaustive]
pub enum KeySource {
    /// A PEM file (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    File(PathBuf),
    /// An environment variable holding the PEM text.
    Env(String),
    /// PEM text supplied by code (from a secrets manager, say).
    Pem(SecretString),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
            Self::Env(v) => f.debug_tuple("Env").field(v).finish(),
            Self::Pem(_) => f.write_str("Pem([redacted])"),
        }
    }
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => write!(f, "file {}", p.display()),
            Self::Env(v) => write!(f, "environment variable {v}"),
            Self::Pem(_) => f.write_str("PEM supplied in code"),
        }
    }
}

/// Why a private key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The file could not be read.
    #[error("cannot read the key file {path}: {reason}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The environment variable is not set (or not UTF-8).
    #[error("the environment variable {var} holding the key is not set")]
    EnvMissing {
        /// The variable.
        var: String,
    },
    /// The text is not PEM.
    #[error("the key from {source_name} is not PEM text (expected -----BEGIN PRIVATE KEY-----)")]
    NotPem {
        /// Where it came from.
        source_name: String,
    },
    /// A public key or certificate where a private key belongs.
    #[error(
        "the key from {source_name} is a {found}, not a private key; give the RSA private key (register only its public half with One Login)"
    )]
    NotPrivate {
        /// Where it came from.
        source_name: String,
        /// The PEM label found.
        found: String,
    },
    /// An encrypted PEM.
    #[error(
        "the key from {source_name} is encrypted; decrypt it first (openssl pkey -in key.pem -out plain.pem)"
    )]
    Encrypted {
        /// Where it came from.
        source_name: String,
    },
    /// An EC (or other non-RSA) key: One Login verifies client assertions with RSA only.
    #[error(
        "the key from {source_name} is not an RSA key; One Login accepts only RSA keys for client authentication (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)"
    )]
    NotRsa {
        /// Where it came from.
        source_name: String,
    },
    /// An RSA key under 2048 bits.
    #[error(
        "the RSA key from {source_name} is smaller than 2048 bits; generate a 2048-bit or larger key"
    )]
    TooSmall {
        /// Where it came from.
        source_name: String,
    },
    /// PEM that holds no usable key.
    #[error("the key from {source_name} cannot be parsed as an RSA private key ({reason})")]
    Unparsable {
        /// Where it came from.
        source_name: String,
        /// aws-lc's reason.
        reason: String,
    },
}

impl KeyError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "key.unreadable",
            Self::EnvMissing { .. } => "key.env_missing",
            Self::NotPem { .. } => "key.not_pem",
            Self::NotPrivate { .. } => "key.not_private",
            Self::Encrypted { .. } => "key.encrypted",
            Self::NotRsa { .. } => "key.not_rsa",
            Self::TooSmall { .. } => "key.too_small",
            Self::Unparsable { .. } => "key.unparsable",
        }
    }
}

/// A checked RSA private key (2048 bits or more) and its key id. Zeroized on drop, redacted in
/// `Debug`.
#[derive(Clone)]
pub struct RsaPrivateKey {
    pem: SecretString,
    /// The public half, with the key id.
    public: RsaPublicKey,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("key_id", &self.public.key_id())
            .field("modulus_bits", &self.public.modulus_bits())
            .field("pem", &"[redacted]")
            .finish()
    }
}

impl RsaPrivateKey {
    /// Loads and checks a key. Relative file paths are resolved against `base_dir`.
    ///
    /// # Errors
    /// A [`KeyError`] saying exactly what is wrong and how to fix it.
    pub fn load(
        source: &KeySource,
        key_id: &str,
        base_dir: Option<&Path>,
    ) -> Result<Self, KeyError> {
        let source_name = source.to_string();
        let pem = read_key_source(source, base_dir)?;
        Self::from_pem(pem, key_id, &source_name)
    }

    /// Checks PEM text.
    ///
    /// # Errors
    /// A [`KeyError`] for anything but an unencrypted RSA private key of 2048 bits or more.
    pub fn from_pem(pem: SecretString, key_id: &str, source_name: &str) -> Result<Self, KeyError> {
        let parsed = ::pem::parse(pem.expose_secret().trim()).map_err(|_| KeyError::NotPem {
            source_name: source_name.to_owned(),
        })?;
        let der = crate::secret::SecretBytes::new(parsed.contents().to_vec());
        let key = match parsed.tag() {
            "PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_pkcs8(der.expose_secret()),
            "RSA PRIVATE KEY" => aws_lc_rs::rsa::KeyPair::from_der(der.expose_secret()),
            "EC PRIVATE KEY" => {
                return Err(KeyError::NotRsa {
                    source_name: source_name.to_owned(),
                });
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Encrypted {
                    source_name: source_name.to_owned(),
                });
            }
            other if other.contains("PUBLIC KEY") || other.contains("CERTIFICATE") => {
                return Err(KeyError::NotPrivate {
                    source_name: source_name.to_owned(),
                    found: other.to_lowercase(),
                });
            }
            _ => {
                return Err(KeyError::NotPem {
                    source_name: source_name.to_owned(),
                });
            }
        };
        let key = key.map_err(|e| {
            let reason = e.to_string();
            if reason.contains("TooSmall") {
                KeyError::TooSmall {
                    source_name: source_name.to_owned(),
                }
            } else if is_non_rsa_pkcs8(der.expose_secret()) {
                KeyError::NotRsa {
                    source_name: source_name.to_owned(),
                }
            } else {
                KeyError::Unparsable {
                    source_name: source_name.to_owned(),
                    reason,
                }
            }
        })?;
        let modulus_bits = key.public_modulus_len() * 8;
        if modulus_bits < MIN_RSA_BITS {
            return Err(KeyError::TooSmall {
                source_name: source_name.to_owned(),
            });
        }
        let public = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(
            aws_lc_rs::signature::KeyPair::public_key(&key),
        );
        Ok(Self {
            pem,
            public: RsaPublicKey::from_components(key_id, modulus_bits, public.n, public.e),
        })
    }

    /// Generates a fresh 2048-bit key (for tests, the testkit and the demo; production keys are
    /// registered with One Login ahead of time).
    ///
    /// # Errors
    /// [`KeyError::Unparsable`] if aws-lc cannot generate or encode the key.
    pub fn generate(key_id: &str) -> Result<Self, KeyError> {
        Self::generate_rsa(aws_lc_rs::rsa::KeySize::Rsa2048, key_id)
    }

    /// Generates a fresh key of `bits` (2048, 3072 or 4096) whose `kid` is its RFC 7638
    /// thumbprint: what `one-login keys generate` writes.
    ///
    /// # Errors
    /// [`KeyError::TooSmall`] for fewer than 2048 bits, [`KeyError::Unparsable`] for another size
    /// or when aws-lc cannot generate or encode the key.
    pub fn generate_with_bits(bits: usize) -> Result<Self, KeyError> {
        let size = match bits {
            2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
            3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
            4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
            b if b < MIN_RSA_BITS => {
                return Err(KeyError::TooSmall {
                    source_name: format!("a {b}-bit key"),
                });
            }
            b => {
                return Err(KeyError::Unparsable {
                    source_name: format!("a {b}-bit key"),
                    reason: "generate 2048, 3072 or 4096 bits".into(),
                });
            }
        };
        let key = Self::generate_rsa(size, "")?;
        let thumbprint = key.thumbprint();
        Ok(key.with_key_id(thumbprint))
    }

    fn generate_rsa(size: aws_lc_rs::rsa::KeySize, key_id: &str) -> Result<Self, KeyError> {
        use aws_lc_rs::encoding::AsDer;
        let fail = |reason: String| KeyError::Unparsable {
            source_name: "generated key".into(),
            reason,
        };
        let key = aws_lc_rs::rsa::KeyPair::generate(size).map_err(|e| fail(e.to_string()))?;
        let der = key.as_der().map_err(|e| fail(e.to_string()))?;
        let block = ::pem::Pem::new("PRIVATE KEY", der.as_ref().to_vec());
        let pem = SecretString::new(::pem::encode(&block));
        // The copy of the private key's DER inside the PEM block is wiped, not just freed.
        drop(zeroize::Zeroizing::new(block.into_contents()));
        Self::from_pem(pem, key_id, "generated key")
    }

    /// The PEM text, for the signer. Never log it.
    pub fn pem(&self) -> &SecretString {
        &self.pem
    }

    /// The key id sent as `kid` in client assertion headers.
    pub fn key_id(&self) -> &str {
        self.public.key_id()
    }

    /// The modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        self.public.modulus_bits()
    }

    /// The same key under another key id.
    #[must_use]
    pub fn with_key_id(mut self, key_id: impl Into<String>) -> Self {
        self.public = self.public.with_key_id(key_id);
        self
    }

    /// The RFC 7638 thumbprint of the public key: the `kid` a key gets when none is given.
    pub fn thumbprint(&self) -> String {
        self.public.thumbprint()
    }

    /// The public half as a JWK for a JWKS: `kty: RSA`, `n`, `e`, `kid`, `use: sig` and `alg`
    /// (the algorithm the key signs with: `RS256` or `PS256`). Never the private parts.
    pub fn public_jwk(&self, alg: &str) -> serde_json::Value {
        self.public.public_jwk(alg)
    }

    /// The public half, with the key id.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }
}

fn is_non_rsa_pkcs8(der: &[u8]) -> bool {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
        Ed25519KeyPair,
    };
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).is_ok()
        || EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, der).is_ok()
        || Ed25519KeyPair::from_pkcs8(der).is_ok()
}

/// The RFC 7638 thumbprint of an RSA public key given as its JWK members `n` and `e`
/// (base64url): SHA-256 of `{"e":…,"kty":"RSA","n":…}` (members in that order, no whitespace),
/// base64url without padding.
///
/// ```
/// // RFC 7638, section 3.1.
/// let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
/// assert_eq!(
///     govuk_one_login_core::jwk_thumbprint(n, "AQAB"),
///     "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
/// );
/// ```
pub fn jwk_thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC_PKCS8: &str = include_str!("../testdata/ec-p256.pem");
    const RSA_1024: &str = include_str!("../testdata/rsa-1024.pem");
    const RSA_2048_PKCS1: &str = include_str!("../testdata/rsa-2048-pkcs1.pem");
    const RSA_2048_PUB: &str = include_str!("../testdata/rsa-2048-pub.pem");

    fn check(pem: &str) -> Result<RsaPrivateKey, KeyError> {
        RsaPrivateKey::from_pem(SecretString::new(pem), "kid-1", "test")
    }

    #[test]
    fn accepts_pkcs1_and_pkcs8_rsa_keys_of_2048_bits() {
        let k = check(RSA_2048_PKCS1).unwrap();
        assert_eq!(k.modulus_bits(), 2048);
        let g = RsaPrivateKey::generate("gen").unwrap();
        assert_eq!(g.modulus_bits(), 2048);
        assert!(check(g.pem().expose_secret()).is_ok());
        assert!(!format!("{g:?}").contains("BEGIN"));
    }

    #[test]
    fn refuses_ec_small_public_encrypted_and_garbage_keys() {
        assert_eq!(check(EC_PKCS8).unwrap_err().code(), "key.not_rsa");
        assert_eq!(check(RSA_1024).unwrap_err().code(), "key.too_small");
        assert_eq!(check(RSA_2048_PUB).unwrap_err().code(), "key.not_private");
        assert_eq!(check("hello").unwrap_err().code(), "key.not_pem");
        assert_eq!(
            check(
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"
            )
            .unwrap_err()
            .code(),
            "key.encrypted"
        );
        assert_eq!(
            check("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .unwrap_err()
                .code(),
            "key.unparsable"
        );
    }

    #[test]
    fn refuses_key_files_that_are_too_large_instead_of_reading_forever() {
        let e = RsaPrivateKey::load(&KeySource::File("/dev/zero".into()), "k", None).unwrap_err();
        assert_eq!(e.code(), "key.unreadable");
        assert!(e.to_string().contains("larger than 65536 bytes"), "{e}");
    }

    #[test]
    fn reports_missing_files_and_variables() {
        let e = RsaPrivateKey::load(&KeySource::File("/nonexistent/key.pem".into()), "k", None)
            .unwrap_err();
        assert_eq!(e.code(), "key.unreadable");
        let e = RsaPrivateKey::load(
            &KeySource::Env("GOVUK_ONE_LOGIN_TEST_NO_SUCH_VAR".into()),
            "k",
            None,
        )
        .unwrap_err();
        assert_eq!(e.code(), "key.env_missing");
    }
}
