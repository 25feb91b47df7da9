//! The result of a sign-in.

use std::fmt;

use govuk_one_login_core::{ClientId, CredentialLevel, SecretString, ServiceName};
use govuk_one_login_verify::{
    BirthDate, DrivingPermit, Name, Passport, PostalAddress, ReturnCode, VerifiedCoreIdentity,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A person signed in to a service: everything One Login said, verified. `Debug` redacts
/// personal data and the ID token.
///
/// To keep it in a session store, [seal](crate::Sealer) it: it has no `Serialize` or
/// `Deserialize` of its own, so no JSON, cookie or database row can become a "verified" person
/// except through bytes sealed under the application's key.
#[derive(Clone)]
pub struct SignedIn {
    pub(crate) service: ServiceName,
    pub(crate) client_id: ClientId,
    pub(crate) sub: String,
    pub(crate) email: Option<String>,
    pub(crate) email_verified: Option<bool>,
    pub(crate) phone_number: Option<String>,
    pub(crate) phone_number_verified: Option<bool>,
    pub(crate) wallet_subject_id: Option<String>,
    pub(crate) vot: CredentialLevel,
    pub(crate) sid: Option<String>,
    pub(crate) auth_time: Option<i64>,
    pub(crate) signed_in_at: i64,
    pub(crate) identity: Option<VerifiedCoreIdentity>,
    pub(crate) addresses: Vec<PostalAddress>,
    pub(crate) passports: Vec<Passport>,
    pub(crate) driving_permits: Vec<DrivingPermit>,
    pub(crate) return_codes: Vec<ReturnCode>,
    pub(crate) id_token: SecretString,
}

impl SignedIn {
    /// The service signed in to.
    pub fn service(&self) -> &ServiceName {
        &self.service
    }
    /// Its client id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    /// The pairwise subject: stable for this person in this service's sector. Map it to your own
    /// user id; do not show it.
    pub fn sub(&self) -> &str {
        &self.sub
    }
    /// The email address (with the `email` scope).
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    /// Whether One Login verified the email address.
    pub fn email_verified(&self) -> Option<bool> {
        self.email_verified
    }
    /// The phone number in E.164 (with the `phone` scope, for SMS users).
    pub fn phone_number(&self) -> Option<&str> {
        self.phone_number.as_deref()
    }
    /// Whether One Login verified the phone number.
    pub fn phone_number_verified(&self) -> Option<bool> {
        self.phone_number_verified
    }
    /// The GOV.UK Wallet subject id (with the `wallet-subject-id` scope).
    pub fn wallet_subject_id(&self) -> Option<&str> {
        self.wallet_subject_id.as_deref()
    }
    /// The credential level achieved.
    pub fn vot(&self) -> CredentialLevel {
        self.vot
    }
    /// One Login's session id (useful in support requests).
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }
    /// When the person last authenticated (Unix seconds).
    pub fn auth_time(&self) -> Option<i64> {
        self.auth_time
    }
    /// When this sign-in was made, by One Login's own clock: the ID token's `iat` (Unix
    /// seconds). Store it with the session: back-channel logout compares it with the logout
    /// token's `iat`, from the same clock ([`LogoutNotice::ends`]).
    pub fn signed_in_at(&self) -> i64 {
        self.signed_in_at
    }
    /// The verified core identity, when identity was requested and proven. Its absence after an
    /// identity request means the identity was not proven: see [`SignedIn::return_codes`].
    pub fn identity(&self) -> Option<&VerifiedCoreIdentity> {
        self.identity.as_ref()
    }
    /// Names from the core identity (empty without one).
    pub fn names(&self) -> &[Name] {
        self.identity
            .as_ref()
            .map_or(&[], VerifiedCoreIdentity::names)
    }
    /// Birth dates from the core identity (empty without one).
    pub fn birth_dates(&self) -> &[BirthDate] {
        self.identity
            .as_ref()
            .map_or(&[], VerifiedCoreIdentity::birth_dates)
    }
    /// Addresses (identity requests with the address claim).
    pub fn addresses(&self) -> &[PostalAddress] {
        &self.addresses
    }
    /// Passports.
    pub fn passports(&self) -> &[Passport] {
        &self.passports
    }
    /// Driving permits.
    pub fn driving_permits(&self) -> &[DrivingPermit] {
        &self.driving_permits
    }
    /// Return codes explaining an identity check's outcome (present even on some successes).
    pub fn return_codes(&self) -> &[ReturnCode] {
        &self.return_codes
    }
    /// The ID token, kept for sign-out (`id_token_hint`) and re-authentication. Never log it.
    pub fn id_token(&self) -> &SecretString {
        &self.id_token
    }
}

impl fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedIn")
            .field("service", &self.service)
            .field("client_id", &self.client_id)
            .field("sub", &"[redacted]")
            .field("vot", &self.vot)
            .field("identity", &self.identity.as_ref().map(|_| "[redacted]"))
            .field("return_codes", &self.return_codes.len())
            .finish_non_exhaustive()
    }
}

/// A verified back-channel logout: end every session of this subject in this service whose
/// sign-in was made at or before the logout token was issued ([`LogoutNotice::ends`]).
///
/// Both times are One Login's own clock (the ID token's `iat`, kept as
/// [`SignedIn::signed_in_at`], and the logout token's `iat`), so no clock skew of this side's
/// enters the decision. That makes every delivery idempotent: One Login's retry, after the
/// application failed and answered 5xx, ends what the first delivery should have; and no
/// delivery, however late or repeated, can end a sign-in made after the token was issued.
#[derive(Clone)]
pub struct LogoutNotice {
    pub(crate) service: ServiceName,
    pub(crate) sub: String,
    pub(crate) iat: i64,
    /// Under which id the token's `jti` is remembered (forgotten again if ending sessions fails).
    pub(crate) replay_id: String,
}

impl LogoutNotice {
    /// The service.
    pub fn service(&self) -> &ServiceName {
        &self.service
    }
    /// The subject whose sessions must end. Personal data: never log it.
    pub fn sub(&self) -> &str {
        &self.sub
    }
    /// When One Login issued the logout token (Unix seconds, One Login's clock).
    pub fn iat(&self) -> i64 {
        self.iat
    }
    /// End the sessions of [`sub`](Self::sub) in this service whose
    /// [`SignedIn::signed_in_at`] is at or before this time (Unix seconds, One Login's clock):
    /// the logout token's `iat`.
    pub fn ends_sign_ins_made_at_or_before(&self) -> i64 {
        self.iat
    }
    /// Whether this logout ends the session of `signed_in`: the same service and subject, and a
    /// sign-in made at or before the logout token was issued.
    pub fn ends(&self, signed_in: &SignedIn) -> bool {
        signed_in.service() == &self.service
            && signed_in.sub() == self.sub
            && signed_in.signed_in_at() <= self.iat
    }
}

impl fmt::Debug for LogoutNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutNotice")
            .field("service", &self.service)
            .field("sub", &"[redacted]")
            .field("iat", &self.iat)
            .finish_non_exhaustive()
    }
}

/// The sealed form of a [`SignedIn`]: private, used only by the sealer.
#[derive(Serialize, Deserialize)]
#[serde(remote = "SignedIn")]
pub(crate) struct SignedInDef {
    service: ServiceName,
    client_id: ClientId,
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    phone_number: Option<String>,
    phone_number_verified: Option<bool>,
    wallet_subject_id: Option<String>,
    vot: CredentialLevel,
    sid: Option<String>,
    auth_time: Option<i64>,
    signed_in_at: i64,
    #[serde(deserialize_with = "open_identity")]
    identity: Option<VerifiedCoreIdentity>,
    addresses: Vec<PostalAddress>,
    passports: Vec<Passport>,
    driving_permits: Vec<DrivingPermit>,
    return_codes: Vec<ReturnCode>,
    #[serde(serialize_with = "seal_secret", deserialize_with = "open_secret")]
    id_token: SecretString,
}

fn open_identity<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<VerifiedCoreIdentity>, D::Error> {
    Option::<serde_json::Value>::deserialize(d)?
        .map(VerifiedCoreIdentity::from_sealed_json_unchecked)
        .transpose()
        .map_err(serde::de::Error::custom)
}

fn seal_secret<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn open_secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::new)
}
