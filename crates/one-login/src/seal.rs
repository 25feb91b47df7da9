//! Sealing: a signed-in person, or a sign-in or sign-out in flight, as authenticated-encrypted
//! bytes under the application's key, so that session stores keep no personal data in clear
//! text and nothing but this library's own output opens into a "verified" value.
//!
//! Format (version 1): `[1][kind][key id: 8 bytes][nonce: 12 bytes][ciphertext + 16-byte tag]`,
//! AES-256-GCM with a fresh random nonce per value, the first 10 bytes authenticated as
//! associated data. The key id is derived from the key (no secret in it), so a [`Sealer`] with
//! the current key and older keys opens values sealed under any of them, and seals with the
//! current one only.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::pending::{PendingSignIn, PendingSignInDef, PendingSignOut, PendingSignOutDef};
use crate::signed_in::{SignedIn, SignedInDef};

/// The format version written in the first byte.
pub const SEAL_VERSION: u8 = 1;
/// The length of a sealing key: 32 bytes (AES-256).
pub const SEALING_KEY_LEN: usize = 32;
/// The largest sealed value [`Sealer::open`] reads.
pub const MAX_SEALED_BYTES: usize = 256 * 1024;

const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = 2 + KEY_ID_LEN;

/// Why a value could not be sealed or opened. Opening says nothing about *why* the bytes failed
/// authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A sealing key must be 32 bytes.
    #[error("a sealing key must be {SEALING_KEY_LEN} bytes, not {0}")]
    KeyLength(usize),
    /// A sealing key in base64 did not decode.
    #[error("the sealing key is not valid base64")]
    KeyEncoding,
    /// The system random number generator or the cipher failed.
    #[error("sealing failed in the cipher or the random number generator")]
    Crypto,
    /// The bytes are shorter than a sealed value, or longer than any.
    #[error("the sealed value has an impossible length")]
    Length,
    /// A format version this library does not read.
    #[error("the sealed value has format version {0}, which this library does not read")]
    UnknownVersion(u8),
    /// The bytes hold another kind of value (a pending sign-in where a person was expected).
    #[error("the sealed value is not of the kind expected")]
    WrongKind,
    /// No key of this sealer has the value's key id (sealed under a retired or foreign key).
    #[error("the sealed value was sealed under a key this sealer does not hold")]
    UnknownKey,
    /// Authentication failed: the bytes were changed, or sealed under another key.
    #[error("the sealed value failed authentication")]
    Invalid,
    /// The value could not be written (or an authentic value could not be read: a bug).
    #[error("the sealed value could not be encoded or decoded")]
    Encoding,
}

impl SealError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::KeyLength(_) => "seal.key_length",
            Self::KeyEncoding => "seal.key_encoding",
            Self::Crypto => "seal.crypto",
            Self::Length => "seal.length",
            Self::UnknownVersion(_) => "seal.unknown_version",
            Self::WrongKind => "seal.wrong_kind",
            Self::UnknownKey => "seal.unknown_key",
            Self::Invalid => "seal.invalid",
            Self::Encoding => "seal.encoding",
        }
    }
}

/// One AES-256-GCM key. `Debug` shows only its id.
pub struct SealingKey {
    id: [u8; KEY_ID_LEN],
    key: RandomizedNonceKey,
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealingKey({})", self.id_hex())
    }
}

impl SealingKey {
    /// A key from 32 secret bytes (for example from your secret store).
    ///
    /// # Errors
    /// [`SealError::KeyLength`] for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SealError> {
        if bytes.len() != SEALING_KEY_LEN {
            return Err(SealError::KeyLength(bytes.len()));
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes).map_err(|_| SealError::Crypto)?;
        let mut input = zeroize::Zeroizing::new(b"govuk-one-login sealing key id\0".to_vec());
        input.extend_from_slice(bytes);
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &input);
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest.as_ref()[..KEY_ID_LEN]);
        Ok(Self { id, key })
    }

    /// A key from its standard base64 form (44 characters).
    ///
    /// # Errors
    /// [`SealError::KeyEncoding`] or [`SealError::KeyLength`].
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        let bytes = zeroize::Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| SealError::KeyEncoding)?,
        );
        Self::from_bytes(&bytes)
    }

    /// A fresh random key, with its base64 form to store in your secret store (for a single
    /// process, or a test, the key alone will do).
    ///
    /// # Errors
    /// [`SealError::Crypto`] when the random number generator fails.
    pub fn generate() -> Result<(Self, govuk_one_login_core::SecretString), SealError> {
        let bytes = zeroize::Zeroizing::new(
            govuk_one_login_core::internal::random_bytes(SEALING_KEY_LEN)
                .map_err(|_| SealError::Crypto)?,
        );
        let key = Self::from_bytes(&bytes)?;
        Ok((
            key,
            govuk_one_login_core::SecretString::new(STANDARD.encode(&*bytes)),
        ))
    }

    /// The key's id in hex: derived from the key, safe to log.
    pub fn id_hex(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Seals values with the current key and opens them with the current key or an older one.
/// Cheap to clone.
///
/// Nonces are 96 random bits, so one key should seal at most about 2^32 values (NIST SP 800-38D):
/// rotate the current key well before that (for example every month, or every billion sealed
/// values, whichever comes first).
///
/// Rotation: add the new key as current and the old one with [`Sealer::also_opening`]; once
/// every value sealed under the old key has expired (your session's absolute lifetime), drop it.
#[derive(Clone)]
pub struct Sealer {
    current: Arc<SealingKey>,
    older: Vec<Arc<SealingKey>>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("current", &self.current)
            .field("older", &self.older)
            .finish()
    }
}

/// A value the [`Sealer`] can seal: [`SignedIn`], [`PendingSignIn`] and [`PendingSignOut`].
pub trait Sealable: Sized + private::Sealed {}

mod private {
    /// Implemented in this crate only.
    pub trait Sealed {
        const KIND: u8;
        fn write(&self) -> Result<Vec<u8>, serde_json::Error>;
        fn read(bytes: &[u8]) -> Result<Self, serde_json::Error>
        where
            Self: Sized;
    }
}

macro_rules! sealable {
    ($t:ty, $def:ty, $kind:expr) => {
        impl private::Sealed for $t {
            const KIND: u8 = $kind;
            fn write(&self) -> Result<Vec<u8>, serde_json::Error> {
                let mut out = Vec::new();
                <$def>::serialize(self, &mut serde_json::Serializer::new(&mut out))?;
                Ok(out)
            }
            fn read(bytes: &[u8]) -> Result<Self, serde_json::Error> {
                let mut de = serde_json::Deserializer::from_slice(bytes);
                let value = <$def>::deserialize(&mut de)?;
                de.end()?;
                Ok(value)
            }
        }
        impl Sealable for $t {}
    };
}

sealable!(SignedIn, SignedInDef, 1);
sealable!(PendingSignIn, PendingSignInDef, 2);
sealable!(PendingSignOut, PendingSignOutDef, 3);

impl Sealer {
    /// A sealer with one key.
    pub fn new(current: SealingKey) -> Self {
        Self {
            current: Arc::new(current),
            older: Vec::new(),
        }
    }

    /// A sealer from a list of base64 keys separated by commas or white space (as an environment
    /// variable or a secret file holds them): the first seals and opens, the others only open
    /// (keys being retired). Every instance of a service must be given the same list.
    ///
    /// # Errors
    /// [`SealError::KeyLength`] (`0` for an empty list) or [`SealError::KeyEncoding`] for a key
    /// that is not 32 bytes of base64.
    ///
    /// ```
    /// use govuk_one_login::{Sealer, SealingKey};
    /// let (_, a) = SealingKey::generate()?;
    /// let (_, b) = SealingKey::generate()?;
    /// let sealer = Sealer::from_key_list(&format!("{}, {}", a.expose_secret(), b.expose_secret()))?;
    /// assert_eq!(sealer.current_key_id(), SealingKey::from_base64(a.expose_secret())?.id_hex());
    /// # Ok::<(), govuk_one_login::SealError>(())
    /// ```
    pub fn from_key_list(text: &str) -> Result<Self, SealError> {
        let mut keys = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|k| !k.is_empty())
            .map(SealingKey::from_base64);
        let mut sealer = Self::new(keys.next().ok_or(SealError::KeyLength(0))??);
        for key in keys {
            sealer = sealer.also_opening(key?);
        }
        Ok(sealer)
    }

    /// Also opens values sealed under `older` (a key being retired).
    #[must_use]
    pub fn also_opening(mut self, older: SealingKey) -> Self {
        self.older.push(Arc::new(older));
        self
    }

    /// The current key's id (which [`Sealer::seal`] writes).
    pub fn current_key_id(&self) -> String {
        self.current.id_hex()
    }

    /// Seals a value under the current key.
    ///
    /// # Errors
    /// [`SealError::Encoding`] or [`SealError::Crypto`].
    pub fn seal<T: Sealable>(&self, value: &T) -> Result<Vec<u8>, SealError> {
        let mut plain = zeroize::Zeroizing::new(value.write().map_err(|_| SealError::Encoding)?);
        let mut header = Vec::with_capacity(HEADER_LEN + NONCE_LEN + plain.len() + 16);
        header.push(SEAL_VERSION);
        header.push(T::KIND);
        header.extend_from_slice(&self.current.id);
        let mut in_out: Vec<u8> = std::mem::take(&mut *plain);
        let nonce = self
            .current
            .key
            .seal_in_place_append_tag(Aad::from(&header[..]), &mut in_out)
            .map_err(|_| SealError::Crypto)?;
        header.extend_from_slice(nonce.as_ref());
        header.extend_from_slice(&in_out);
        Ok(header)
    }

    /// Opens bytes sealed by [`Sealer::seal`] (under the current key or an older one).
    ///
    /// # Errors
    /// [`SealError`]: a wrong length, version or kind, an unknown key, or failed authentication
    /// (a flipped byte, another key).
    pub fn open<T: Sealable>(&self, sealed: &[u8]) -> Result<T, SealError> {
        if sealed.len() < HEADER_LEN + NONCE_LEN + 16 || sealed.len() > MAX_SEALED_BYTES {
            return Err(SealError::Length);
        }
        let (header, rest) = sealed.split_at(HEADER_LEN);
        if header[0] != SEAL_VERSION {
            return Err(SealError::UnknownVersion(header[0]));
        }
        if header[1] != T::KIND {
            return Err(SealError::WrongKind);
        }
        let id = &header[2..];
        let key = std::iter::once(&self.current)
            .chain(self.older.iter())
            .find(|k| k.id == id)
            .ok_or(SealError::UnknownKey)?;
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Length)?;
        let mut in_out = zeroize::Zeroizing::new(ciphertext.to_vec());
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(header), &mut in_out)
            .map_err(|_| SealError::Invalid)?;
        T::read(plain).map_err(|_| SealError::Encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use govuk_one_login_core::{
        ClientId, CredentialLevel, Nonce, SecretString, ServiceName, State, Url, VectorOfTrust,
    };

    fn person() -> SignedIn {
        SignedIn {
            service: ServiceName::new("licences"),
            client_id: ClientId::new("client-1"),
            sub: "urn:fdc:gov.uk:2022:abc".into(),
            email: Some("someone@example.gov.uk".into()),
            email_verified: Some(true),
            phone_number: None,
            phone_number_verified: None,
            wallet_subject_id: None,
            vot: CredentialLevel::ClCm,
            sid: Some("sid".into()),
            auth_time: Some(1_700_000_000),
            signed_in_at: 1_700_000_000,
            identity: None,
            addresses: vec![govuk_one_login_verify::PostalAddress {
                postal_code: Some("SW1A 2AA".into()),
                ..Default::default()
            }],
            passports: Vec::new(),
            driving_permits: Vec::new(),
            return_codes: Vec::new(),
            id_token: SecretString::new("header.payload.signature"),
        }
    }

    fn key(byte: u8) -> SealingKey {
        SealingKey::from_bytes(&[byte; SEALING_KEY_LEN]).unwrap()
    }

    #[test]
    fn a_sealed_signed_in_opens_with_its_key_and_holds_no_clear_personal_data() {
        let sealer = Sealer::new(key(1));
        let sealed = sealer.seal(&person()).unwrap();
        assert_eq!(sealed[0], SEAL_VERSION);
        let text = String::from_utf8_lossy(&sealed);
        assert!(!text.contains("someone@example.gov.uk") && !text.contains("SW1A"));
        let opened: SignedIn = sealer.open(&sealed).unwrap();
        assert_eq!(opened.sub(), "urn:fdc:gov.uk:2022:abc");
        assert_eq!(opened.email(), Some("someone@example.gov.uk"));
        assert_eq!(
            opened.addresses()[0].postal_code.as_deref(),
            Some("SW1A 2AA")
        );
        assert_eq!(
            opened.id_token().expose_secret(),
            "header.payload.signature"
        );
        // A fresh nonce each time.
        assert_ne!(sealer.seal(&person()).unwrap(), sealed);
    }

    #[test]
    fn a_sealed_value_fails_with_another_key_or_a_flipped_byte() {
        let sealer = Sealer::new(key(1));
        let sealed = sealer.seal(&person()).unwrap();
        let other = Sealer::new(key(2));
        assert_eq!(
            other.open::<SignedIn>(&sealed).unwrap_err(),
            SealError::UnknownKey
        );
        for i in HEADER_LEN..sealed.len() {
            let mut flipped = sealed.clone();
            flipped[i] ^= 0x01;
            assert_eq!(
                sealer.open::<SignedIn>(&flipped).unwrap_err(),
                SealError::Invalid,
                "byte {i}"
            );
        }
        let mut version = sealed.clone();
        version[0] = 9;
        assert_eq!(
            sealer.open::<SignedIn>(&version).unwrap_err(),
            SealError::UnknownVersion(9)
        );
        let mut kind = sealed.clone();
        kind[1] = 2;
        assert_eq!(
            sealer.open::<SignedIn>(&kind).unwrap_err(),
            SealError::WrongKind
        );
        assert_eq!(
            sealer.open::<PendingSignIn>(&sealed).unwrap_err(),
            SealError::WrongKind
        );
        let mut id = sealed.clone();
        id[2] ^= 0xff;
        assert_eq!(
            sealer.open::<SignedIn>(&id).unwrap_err(),
            SealError::UnknownKey
        );
        assert_eq!(
            sealer.open::<SignedIn>(&sealed[..20]).unwrap_err(),
            SealError::Length
        );
        assert_eq!(sealer.open::<SignedIn>(&[]).unwrap_err(), SealError::Length);
    }

    #[test]
    fn rotation_opens_values_sealed_under_an_older_key_and_seals_with_the_current_one() {
        let old = Sealer::new(key(1));
        let sealed_before = old.seal(&person()).unwrap();
        let rotated = Sealer::new(key(2)).also_opening(key(1));
        let opened: SignedIn = rotated.open(&sealed_before).unwrap();
        assert_eq!(opened.service().as_str(), "licences");
        let sealed_after = rotated.seal(&person()).unwrap();
        assert_eq!(&sealed_after[2..10], &key(2).id[..]);
        assert_eq!(
            old.open::<SignedIn>(&sealed_after).unwrap_err(),
            SealError::UnknownKey
        );
        assert!(!format!("{rotated:?}").contains("[1, 1"));
    }

    #[test]
    fn pending_sign_ins_and_sign_outs_round_trip() {
        let sealer = Sealer::new(key(7));
        let pending = PendingSignIn {
            service: "licences".into(),
            client_id: "client-1".into(),
            state: State::from_string("s".into()),
            nonce: Nonce::from_string("n".into()),
            pkce_verifier: None,
            vtr: VectorOfTrust::new(CredentialLevel::ClCm, None).unwrap(),
            redirect_uri: Url::parse("https://rp/cb").unwrap(),
            created_at: 5,
            max_age: Some(60),
            reauth_sub: None,
            reauth_auth_time: None,
            return_to: None,
        };
        let opened: PendingSignIn = sealer.open(&sealer.seal(&pending).unwrap()).unwrap();
        assert!(opened.state().matches("s"));
        assert_eq!(opened.max_age, Some(60));
        let out = PendingSignOut {
            service: "licences".into(),
            client_id: "client-1".into(),
            state: State::from_string("o".into()),
            redirect_uri: Url::parse("https://rp/out").unwrap(),
            created_at: 9,
        };
        let opened: PendingSignOut = sealer.open(&sealer.seal(&out).unwrap()).unwrap();
        assert!(opened.state.matches("o"));
    }

    #[test]
    fn keys_must_be_32_bytes_and_base64_keys_round_trip() {
        assert_eq!(
            SealingKey::from_bytes(&[0; 16]).unwrap_err(),
            SealError::KeyLength(16)
        );
        assert_eq!(
            SealingKey::from_base64("not base64!").unwrap_err(),
            SealError::KeyEncoding
        );
        let (generated, text) = SealingKey::generate().unwrap();
        let again = SealingKey::from_base64(text.expose_secret()).unwrap();
        assert_eq!(generated.id_hex(), again.id_hex());
        assert_eq!(generated.id_hex().len(), 16);
    }
}
