//! The protocol vocabulary: identifiers, scopes, claims, algorithms and the per-request secrets
//! (state, nonce, PKCE).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::secret::constant_time_eq;

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value (not validated beyond being non-empty by the configuration).
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// A client identifier assigned by One Login (public, safe to log).
    ClientId
);
string_newtype!(
    /// The name a services file gives a service (public, safe to log).
    ServiceName
);

/// A scope One Login accepts from a relying party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// `openid`: required in every request.
    OpenId,
    /// `email`: `email` and `email_verified`.
    Email,
    /// `phone`: `phone_number` and `phone_number_verified`.
    Phone,
    /// `wallet-subject-id`: the GOV.UK Wallet subject identifier.
    WalletSubjectId,
}

impl Scope {
    /// Every scope, in request order.
    pub const ALL: [Self; 4] = [
        Self::OpenId,
        Self::Email,
        Self::Phone,
        Self::WalletSubjectId,
    ];

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenId => "openid",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::WalletSubjectId => "wallet-subject-id",
        }
    }

    /// Joins scopes with spaces, as the `scope` parameter wants (never commas).
    pub fn join(scopes: &[Self]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl FromStr for Scope {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|x| x.as_str() == s).ok_or(())
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `userinfo` claim a relying party may request (the `vocab.account.gov.uk` URIs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ClaimName {
    /// The core identity JWT (names and birth dates); needs an identity vector of trust.
    CoreIdentityJwt,
    /// Postal addresses.
    Address,
    /// Passport details.
    Passport,
    /// Driving permit details.
    DrivingPermit,
    /// Return codes explaining an unsuccessful identity check.
    ReturnCode,
}

impl ClaimName {
    /// Every claim.
    pub const ALL: [Self; 5] = [
        Self::CoreIdentityJwt,
        Self::Address,
        Self::Passport,
        Self::DrivingPermit,
        Self::ReturnCode,
    ];

    /// The claim's URI, as requested and as keyed in `/userinfo`.
    pub fn uri(self) -> &'static str {
        match self {
            Self::CoreIdentityJwt => "https://vocab.account.gov.uk/v1/coreIdentityJWT",
            Self::Address => "https://vocab.account.gov.uk/v1/address",
            Self::Passport => "https://vocab.account.gov.uk/v1/passport",
            Self::DrivingPermit => "https://vocab.account.gov.uk/v1/drivingPermit",
            Self::ReturnCode => "https://vocab.account.gov.uk/v1/returnCode",
        }
    }

    /// The short name after `v1/`, e.g. `coreIdentityJWT`.
    pub fn short_name(self) -> &'static str {
        self.uri().rsplit('/').next().unwrap_or_default()
    }

    /// Whether One Login releases this claim only after an identity check.
    pub fn needs_identity(self) -> bool {
        // Every vocab claim is an identity claim; return codes explain a failed identity check.
        true
    }

    /// Parses the full URI or the short name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.uri() == value || c.short_name() == value)
    }
}

impl fmt::Display for ClaimName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri())
    }
}

/// The algorithm One Login signs a service's ID tokens with (a registration setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum IdTokenAlgorithm {
    /// ECDSA P-256 with SHA-256: One Login's default.
    #[default]
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
}

impl IdTokenAlgorithm {
    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ES256 => "ES256",
            Self::RS256 => "RS256",
        }
    }
}

impl fmt::Display for IdTokenAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The algorithm a service signs its client assertions and request objects with. One Login verifies
/// them with the service's RSA key, so only RSA algorithms exist here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum ClientAssertionAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the default, as in One Login's docs).
    #[default]
    RS256,
    /// RSASSA-PSS with SHA-256.
    PS256,
}

impl ClientAssertionAlgorithm {
    /// The JOSE name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
        }
    }
}

impl fmt::Display for ClientAssertionAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A language One Login can show its pages in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UiLocale {
    /// English.
    #[serde(rename = "en")]
    En,
    /// Welsh.
    #[serde(rename = "cy")]
    Cy,
}

impl UiLocale {
    /// The language tag.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Cy => "cy",
        }
    }

    /// Parses `en` or `cy`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "en" => Some(Self::En),
            "cy" => Some(Self::Cy),
            _ => None,
        }
    }
}

/// Fills `n` bytes from the operating system's CSPRNG (through aws-lc).
///
/// # Errors
/// [`RandomError`] if the system has no randomness to give, which a caller must treat as fatal for
/// the request.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, RandomError> {
    let mut buf = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut buf).map_err(|_| RandomError)?;
    Ok(buf)
}

/// A random base64url string of 32 bytes (256 bits, 43 characters).
///
/// # Errors
/// [`RandomError`] when the CSPRNG fails.
pub fn random_token() -> Result<String, RandomError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes(32)?))
}

/// A one-way, base64url SHA-256 digest of a secret value, for remembering that a state or token was
/// used without storing the value itself.
pub fn secret_digest(value: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, value.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// The system CSPRNG failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RandomError;

macro_rules! secret_token {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// 256 fresh bits from the CSPRNG, base64url-encoded.
            ///
            /// # Errors
            /// [`RandomError`] when the CSPRNG fails.
            pub fn generate() -> Result<Self, RandomError> {
                random_token().map(Self)
            }

            /// Wraps a value received or stored elsewhere.
            pub fn from_string(value: String) -> Self {
                Self(value)
            }

            /// The value, to send or compare. Never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Compares with a received value in constant time.
            pub fn matches(&self, received: &str) -> bool {
                constant_time_eq(self.0.as_bytes(), received.as_bytes())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.matches(&other.0)
            }
        }

        impl Eq for $name {}
    };
}

secret_token!(
    /// The `state` of one authorization request: binds the callback to the browser that started it.
    State
);
secret_token!(
    /// The `nonce` of one authorization request: binds the ID token to it.
    Nonce
);
secret_token!(
    /// A PKCE code verifier (RFC 7636): 43 characters from 256 random bits.
    PkceVerifier
);

impl PkceVerifier {
    /// The S256 challenge for this verifier: base64url(SHA-256(verifier)).
    pub fn challenge(&self) -> PkceChallenge {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, self.0.as_bytes());
        PkceChallenge(URL_SAFE_NO_PAD.encode(digest.as_ref()))
    }

    /// Whether the verifier has the form RFC 7636 §4.1 requires (43–128 unreserved characters).
    pub fn is_well_formed(&self) -> bool {
        (43..=128).contains(&self.0.len())
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    }
}

/// A PKCE S256 code challenge (public: sent in the authorization URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    /// The challenge value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The method, always `S256` (the only one One Login supports).
    pub fn method(&self) -> &'static str {
        "S256"
    }

    /// Whether `verifier` matches this challenge (constant time).
    pub fn is_satisfied_by(&self, verifier: &str) -> bool {
        let v = PkceVerifier(verifier.to_owned());
        v.is_well_formed() && constant_time_eq(v.challenge().0.as_bytes(), self.0.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_claims_parse_their_wire_forms() {
        assert_eq!(
            "wallet-subject-id".parse::<Scope>(),
            Ok(Scope::WalletSubjectId)
        );
        assert!("profile".parse::<Scope>().is_err());
        assert_eq!(Scope::join(&[Scope::OpenId, Scope::Email]), "openid email");
        assert_eq!(
            ClaimName::parse("coreIdentityJWT"),
            Some(ClaimName::CoreIdentityJwt)
        );
        assert_eq!(
            ClaimName::parse("https://vocab.account.gov.uk/v1/drivingPermit"),
            Some(ClaimName::DrivingPermit)
        );
        assert_eq!(
            ClaimName::parse("https://vocab.account.gov.uk/v1/socialSecurityRecord"),
            None
        );
    }

    #[test]
    fn generated_secrets_are_256_bits_and_distinct() {
        let a = State::generate().unwrap();
        let b = State::generate().unwrap();
        assert_eq!(a.secret().len(), 43);
        assert_ne!(a, b);
        assert!(a.matches(a.secret()));
        assert!(!a.matches(b.secret()));
        assert_eq!(format!("{a:?}"), "State([redacted])");
    }

    #[test]
    fn pkce_challenge_matches_rfc7636_appendix_b() {
        let v = PkceVerifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert!(v.is_well_formed());
        assert_eq!(
            v.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(
            v.challenge()
                .is_satisfied_by("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        );
        assert!(
            !v.challenge()
                .is_satisfied_by("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx")
        );
        assert!(!v.challenge().is_satisfied_by("short"));
        let fresh = PkceVerifier::generate().unwrap();
        assert!(fresh.is_well_formed());
    }
}
